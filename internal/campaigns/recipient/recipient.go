// Package recipient keeps a campaign recipient's status in step with its
// message. The outbox (sent, failed, interrupted) and the inbound worker
// (delivered, read, failed) call Mirror in the transaction that changes the
// message, so a recipient's progress is recorded per send, never per batch,
// and survives a crash with the message. It is its own small package
// because both message paths call it and package campaigns sits above them.
package recipient

import (
	"context"
	"fmt"
	"strings"
	"time"

	"github.com/masteria/masteria/internal/store/db"
)

// from lists the statuses a recipient may leave for each new one: a status
// only moves forward, so a late "delivered" never undoes a "read".
var from = map[string]string{
	"sent":      `'queued'`,
	"delivered": `'queued', 'sent'`,
	"read":      `'queued', 'sent', 'delivered'`,
	"failed":    `'queued', 'sent', 'delivered'`,
}

// Mirror moves the recipient whose message is msgID, if any, to status.
// A send refused at dispatch because the contact opted out meanwhile skips
// the recipient rather than failing it.
func Mirror(ctx context.Context, tx *db.Tx, msgID, status, code, reason string, at time.Time) error {
	prev, ok := from[status]
	if !ok {
		return nil
	}
	if status == "failed" && code == "opted_out" {
		status = "skipped"
	}
	var err error
	if status == "sent" {
		_, err = tx.Exec(ctx, `UPDATE campaign_recipients SET status = 'sent', sent_at = ?, updated_at = ?
			WHERE message_id = ? AND status IN (`+prev+`)`, at, db.Now(), msgID)
	} else {
		_, err = tx.Exec(ctx, `UPDATE campaign_recipients SET status = ?, error_code = ?, error_reason = ?, updated_at = ?
			WHERE message_id = ? AND status IN (`+prev+`)`, status, code, reason, db.Now(), msgID)
	}
	if err != nil {
		return fmt.Errorf("campaign recipient status: %w", err)
	}
	return nil
}

// MirrorSent is Mirror(sent) for many messages of a company at once (a
// dispatcher records its sends in batches); at maps a message to when it
// was sent.
func MirrorSent(ctx context.Context, tx *db.Tx, companyID string, at map[string]time.Time) error {
	if len(at) == 0 {
		return nil
	}
	var args, keys []any
	for id, t := range at {
		args = append(args, id, t)
		keys = append(keys, id)
	}
	values := strings.TrimSuffix(strings.Repeat("(?, "+db.TimeValue(tx.Dialect())+"), ", len(at)), ", ")
	args = append(append(append(args, db.Now()), keys...), companyID)
	// The message ids twice: joined to the values, and as a list on the
	// indexed column. With only the join, PostgreSQL planning from
	// statistics taken before the campaign's messages existed (every
	// message_id NULL, or a table it thinks small) read all of a company's
	// recipients for each batch, a second per 60 sends at 20,000; the list
	// bounds the scan to the batch's rows whatever the statistics say.
	_, err := tx.Exec(ctx, `WITH v (id, at) AS (VALUES `+values+`)
		UPDATE campaign_recipients SET status = 'sent', sent_at = v.at, updated_at = ? FROM v
		WHERE campaign_recipients.message_id = v.id AND campaign_recipients.message_id IN (`+db.Marks(len(keys))+`)
		AND campaign_recipients.company_id || '' = ? AND campaign_recipients.status IN (`+from["sent"]+`)`, args...)
	if err != nil {
		return fmt.Errorf("campaign recipients sent: %w", err)
	}
	return nil
}

// Replied marks a contact's recent campaign messages on a connection as
// answered: what a campaign report calls a reply.
func Replied(ctx context.Context, tx *db.Tx, companyID, connectionID, contactID string, at time.Time) error {
	_, err := tx.Exec(ctx, `UPDATE campaign_recipients SET status = 'replied', updated_at = ?
		WHERE company_id = ? AND contact_id = ? AND connection_id = ? AND status IN ('sent', 'delivered', 'read') AND sent_at >= ?`,
		db.Now(), companyID, contactID, connectionID, at.Add(-7*24*time.Hour))
	if err != nil {
		return fmt.Errorf("campaign reply: %w", err)
	}
	return nil
}
