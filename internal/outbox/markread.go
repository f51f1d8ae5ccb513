package outbox

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"time"

	"github.com/riverqueue/river"

	"github.com/masteria/masteria/internal/channel"
	"github.com/masteria/masteria/internal/store/db"
)

// MarkReadArgs tells a provider that an agent read a conversation up to an
// inbound message (blue ticks on the customer's phone). A durable job: the
// agent's click never waits on the provider, and a provider that is down
// hears it later.
type MarkReadArgs struct {
	CompanyID string `json:"company_id"`
	MessageID string `json:"message_id"`
}

// Kind names the job.
func (MarkReadArgs) Kind() string { return "outbox.mark_read" }

// InsertOpts retries a few times: a read receipt that arrives an hour
// late is worth little.
func (MarkReadArgs) InsertOpts() river.InsertOpts { return river.InsertOpts{MaxAttempts: 5} }

// MarkReadWorker works MarkReadArgs.
type MarkReadWorker struct {
	river.WorkerDefaults[MarkReadArgs]
	Outbox *Outbox
}

// Timeout bounds one provider call.
func (w *MarkReadWorker) Timeout(*river.Job[MarkReadArgs]) time.Duration { return time.Minute }

// Work marks the message read at its connection's provider.
func (w *MarkReadWorker) Work(ctx context.Context, job *river.Job[MarkReadArgs]) error {
	o := w.Outbox
	var conn sql.NullString
	var provider sql.NullString
	err := o.db.QueryRow(ctx, `SELECT connection_id, provider_message_id FROM messages WHERE company_id = ? AND id = ? AND direction = 'inbound'`,
		job.Args.CompanyID, job.Args.MessageID).Scan(&conn, &provider)
	if errors.Is(err, sql.ErrNoRows) {
		return nil // erased meanwhile
	}
	if err != nil {
		return fmt.Errorf("message: %w", err)
	}
	if !conn.Valid || !provider.Valid {
		return nil
	}
	c, err := o.conns.Resolve(ctx, conn.String)
	if err != nil {
		return nil // the connection was deleted
	}
	sender, err := o.adapters.Sender(ctx, c)
	if err != nil {
		return err
	}
	err = sender.MarkRead(ctx, provider.String)
	var ce *channel.Error
	if errors.As(err, &ce) && !ce.Class.Retryable() {
		o.logger.Warn("outbox: provider refused a read receipt", "connection_id", conn.String, "code", ce.Code)
		return nil
	}
	return err
}

// EnqueueMarkRead inserts the job in tx; jobs is the River queue.
func EnqueueMarkRead(ctx context.Context, tx *db.Tx, jobs interface {
	Insert(ctx context.Context, tx *db.Tx, args river.JobArgs, opts *river.InsertOpts) error
}, companyID, messageID string) error {
	return jobs.Insert(ctx, tx, MarkReadArgs{CompanyID: companyID, MessageID: messageID}, nil)
}
