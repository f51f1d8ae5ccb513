package inbound

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"time"

	"github.com/masteria/masteria/internal/channel/simulator"
	"github.com/masteria/masteria/internal/ids"
	"github.com/masteria/masteria/internal/store/db"
)

// Event is a provider delivery to record.
type Event struct {
	CompanyID    string
	ConnectionID string
	Source       string // the connection type whose parser reads Payload
	Payload      []byte
	AvailableAt  time.Time // zero: now
}

// ErrStopped means the intake is not running (the server is shutting down).
var ErrStopped = errors.New("inbound intake is stopped")

type request struct {
	ev   Event
	done chan error
}

// Intake writes provider deliveries to webhook_events with group commit:
// requests that arrive while a commit is in flight wait for the next one and
// share it, so SQLite's single writer commits hundreds of events at a time
// and each caller is answered only after its own event is durable.
type Intake struct {
	db      *db.DB
	logger  *slog.Logger
	reqs    chan request
	wake    func()
	writers int
	maxRows int
}

// NewIntake returns an Intake; wake is called after each commit (it nudges
// the processor).
func NewIntake(d *db.DB, logger *slog.Logger, wake func()) *Intake {
	writers := 1
	if d.Dialect() == db.Postgres {
		// Several commits in flight keep PostgreSQL's WAL flushes overlapped.
		writers = 4
	}
	return &Intake{db: d, logger: logger, reqs: make(chan request, 4096), wake: wake, writers: writers, maxRows: 500}
}

// Record stores events durably; it returns once they are committed (those
// given together usually share one commit).
func (in *Intake) Record(ctx context.Context, evs ...Event) error {
	reqs := make([]request, len(evs))
	for i, ev := range evs {
		if ev.AvailableAt.IsZero() {
			ev.AvailableAt = db.Now()
		}
		reqs[i] = request{ev: ev, done: make(chan error, 1)}
		select {
		case in.reqs <- reqs[i]:
		case <-ctx.Done():
			return ctx.Err()
		}
	}
	for _, r := range reqs {
		select {
		case err := <-r.done:
			if err != nil {
				return err
			}
		case <-ctx.Done():
			// The events may still commit; a provider that retries is deduped.
			return ctx.Err()
		}
	}
	return nil
}

// Schedule records payloads that become due later (the Simulator's
// delivery reports).
func (in *Intake) Schedule(ctx context.Context, companyID, connectionID, source string, payloads []simulator.Scheduled) error {
	evs := make([]Event, len(payloads))
	for i, p := range payloads {
		evs[i] = Event{CompanyID: companyID, ConnectionID: connectionID, Source: source, Payload: p.Payload, AvailableAt: p.At}
	}
	return in.Record(ctx, evs...)
}

// Run commits events until ctx ends, then answers what is still queued with
// ErrStopped.
func (in *Intake) Run(ctx context.Context) {
	done := make(chan struct{})
	for range in.writers {
		go func() {
			defer func() { done <- struct{}{} }()
			in.loop(ctx)
		}()
	}
	for range in.writers {
		<-done
	}
	for {
		select {
		case r := <-in.reqs:
			r.done <- ErrStopped
		default:
			return
		}
	}
}

func (in *Intake) loop(ctx context.Context) {
	batch := make([]request, 0, in.maxRows)
	for {
		batch = batch[:0]
		select {
		case <-ctx.Done():
			return
		case r := <-in.reqs:
			batch = append(batch, r)
		}
	drain:
		for len(batch) < in.maxRows {
			select {
			case r := <-in.reqs:
				batch = append(batch, r)
			default:
				break drain
			}
		}
		err := in.flush(context.WithoutCancel(ctx), batch)
		if err != nil {
			in.logger.Error("webhook intake commit failed", "events", len(batch), "err", err)
		}
		for _, r := range batch {
			r.done <- err
		}
		if err == nil && in.wake != nil {
			in.wake()
		}
	}
}

// Insert records one event in the caller's transaction, for events that
// belong with other rows (the Simulator's review of a template it stores).
// The processor finds it by polling.
func Insert(ctx context.Context, tx *db.Tx, ev Event) error {
	if ev.AvailableAt.IsZero() {
		ev.AvailableAt = db.Now()
	}
	now := db.Now()
	return db.InsertMany(ctx, tx, "webhook_events", eventColumns,
		[][]any{{ids.New(), ev.CompanyID, ev.ConnectionID, ev.Source, ev.Payload, ev.AvailableAt.UTC(), now}}, "")
}

var eventColumns = []string{"id", "company_id", "connection_id", "source", "payload", "available_at", "received_at"}

func (in *Intake) flush(ctx context.Context, batch []request) error {
	now := db.Now()
	rows := make([][]any, len(batch))
	for i, r := range batch {
		rows[i] = []any{ids.New(), r.ev.CompanyID, r.ev.ConnectionID, r.ev.Source, r.ev.Payload, r.ev.AvailableAt.UTC(), now}
	}
	err := in.db.InTx(ctx, func(tx *db.Tx) error {
		return db.InsertMany(ctx, tx, "webhook_events", eventColumns, rows, "")
	})
	if err != nil {
		return fmt.Errorf("record webhook events: %w", err)
	}
	return nil
}
