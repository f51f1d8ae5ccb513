package inbound

import (
	"context"
	"database/sql"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/masteria/masteria/internal/campaigns/recipient"
	"github.com/masteria/masteria/internal/channel"
	"github.com/masteria/masteria/internal/realtime"
	"github.com/masteria/masteria/internal/store/db"
)

// Delivery reports are most of what a provider sends (three for every
// message that leaves), so a batch applies them together: one insert
// records every report of the batch and finds its message, and each message
// is then moved once to the furthest status its reports reach, instead of
// three statements for every report. On PostgreSQL, where every statement
// is a round trip, that is what lets processing keep up with the intake.
// A batch that fails is applied again event by event (Processor.process),
// report by report, so the result is the same either way. The messages
// themselves move in one statement for the batch too (moveMessages).

// report is a delivery report waiting for its batch.
type report struct {
	a      *applier // the event it came from: company, connection
	s      channel.Status
	code   string
	reason string
	at     time.Time
}

// reportsPerInsert keeps an insert's parameters well under both databases'
// limits (11 a row).
const reportsPerInsert = 500

// applyReports records and applies the batch's reports; the real-time
// events go to the applier of each report's event.
func applyReports(ctx context.Context, tx *db.Tx, reports []report) error {
	type key struct{ conn, provider, status string }
	matched := map[key]sql.NullString{}
	for start := 0; start < len(reports); start += reportsPerInsert {
		chunk := reports[start:min(len(reports), start+reportsPerInsert)]
		var b strings.Builder
		args := make([]any, 0, len(chunk)*11)
		now := db.Now()
		for i, r := range chunk {
			if i > 0 {
				b.WriteString(", ")
			}
			b.WriteString(`(?, ?, ?, ?, (SELECT id FROM messages WHERE connection_id = ? AND provider_message_id = ? AND direction = 'outbound'), ?, ?, ?, ?)`)
			args = append(args, r.a.company.ID, r.a.conn.ID, r.s.ProviderID, r.s.Status, r.a.conn.ID, r.s.ProviderID, r.code, r.reason, r.at, now)
		}
		// A copy of a report already recorded (or twice in this batch)
		// collides and returns no row: it changes nothing.
		rows, err := tx.Query(ctx, `INSERT INTO message_statuses (company_id, connection_id, provider_message_id, status, message_id, error_code, error_reason, at, received_at)
			VALUES `+b.String()+` ON CONFLICT DO NOTHING RETURNING connection_id, provider_message_id, status, message_id`, args...)
		if err != nil {
			return fmt.Errorf("record statuses: %w", err)
		}
		for rows.Next() {
			var k key
			var m sql.NullString
			if err := rows.Scan(&k.conn, &k.provider, &k.status, &m); err != nil {
				rows.Close()
				return err
			}
			matched[k] = m
		}
		rows.Close()
		if err := rows.Err(); err != nil {
			return fmt.Errorf("record statuses: %w", err)
		}
	}
	// Each new report, with its message when found; the rest wait, as
	// report by report does, for the send that records their id.
	byMessage := map[string][]report{}
	var order []string
	for _, r := range reports {
		k := key{r.a.conn.ID, r.s.ProviderID, r.s.Status}
		m, isNew := matched[k]
		if !isNew {
			continue
		}
		delete(matched, k) // a copy later in the batch is not new
		if !m.Valid {
			var err error
			if m, err = rematch(ctx, tx, r.a.conn.ID, r.s.ProviderID, r.s.Status); err != nil {
				return err
			}
			if !m.Valid {
				continue
			}
		}
		if _, seen := byMessage[m.String]; !seen {
			order = append(order, m.String)
		}
		byMessage[m.String] = append(byMessage[m.String], r)
	}
	inCampaign, err := campaignMessages(ctx, tx, order)
	if err != nil {
		return err
	}
	moved, err := moveMessages(ctx, tx, order, byMessage)
	if err != nil {
		return err
	}
	for _, msgID := range order {
		if err := afterMove(ctx, tx, msgID, byMessage[msgID], moved[msgID], inCampaign[msgID]); err != nil {
			return err
		}
	}
	return nil
}

// campaignMessages says which of the messages a campaign sent, so that only
// theirs mirror onto a recipient (one query for the batch instead of an
// update that finds nothing for every other message).
func campaignMessages(ctx context.Context, tx *db.Tx, msgIDs []string) (map[string]bool, error) {
	out := map[string]bool{}
	for start := 0; start < len(msgIDs); start += reportsPerInsert {
		chunk := msgIDs[start:min(len(msgIDs), start+reportsPerInsert)]
		args := make([]any, len(chunk))
		for i, id := range chunk {
			args[i] = id
		}
		if err := db.AddStrings(ctx, tx, out, `SELECT message_id FROM campaign_recipients WHERE message_id IN (`+
			db.Marks(len(chunk))+`)`, args...); err != nil {
			return nil, fmt.Errorf("campaign messages: %w", err)
		}
	}
	return out, nil
}

// rematch looks again for the message of a report recorded without one,
// taking turns with a send that may be recording that id right now (see
// ApplyUnmatched).
func rematch(ctx context.Context, tx *db.Tx, connID, providerID, status string) (sql.NullString, error) {
	var m sql.NullString
	if err := db.LockKey(ctx, tx, reportKey(connID, providerID)); err != nil {
		return m, fmt.Errorf("lock report: %w", err)
	}
	err := tx.QueryRow(ctx, `UPDATE message_statuses SET message_id = (SELECT id FROM messages WHERE connection_id = ? AND provider_message_id = ? AND direction = 'outbound')
		WHERE connection_id = ? AND provider_message_id = ? AND status = ? RETURNING message_id`,
		connID, providerID, connID, providerID, status).Scan(&m)
	if err != nil {
		return m, fmt.Errorf("match status: %w", err)
	}
	return m, nil
}

// moved is a message after its reports: its conversation and status.
type moved struct{ conv, status string }

// moveMessages moves every message by all its new reports at once, in one
// statement for the batch: every status's time is filled if empty, and the
// status goes to the furthest one (never back), as applying them one by
// one would. Each message's reports are sorted by rank.
func moveMessages(ctx context.Context, tx *db.Tx, order []string, byMessage map[string][]report) (map[string]moved, error) {
	out := make(map[string]moved, len(order))
	tv := db.TimeValue(tx.Dialect())
	one := "?, " + tv + ", " + tv + ", " + tv + ", " + tv + ", CAST(? AS INTEGER), ?, " + tv + ", ?, ?"
	const perMessage = 10
	for start := 0; start < len(order); start += reportsPerInsert {
		chunk := order[start:min(len(order), start+reportsPerInsert)]
		args := make([]any, 0, len(chunk)*perMessage)
		for _, msgID := range chunk {
			rs := byMessage[msgID]
			slices.SortStableFunc(rs, func(x, y report) int { return channel.Rank(x.s.Status) - channel.Rank(y.s.Status) })
			times := map[string]any{}
			for _, r := range rs {
				if _, ok := times[r.s.Status]; !ok {
					times[r.s.Status] = r.at
				}
			}
			best := rs[len(rs)-1]
			args = append(args, msgID, times[channel.StatusSent], times[channel.StatusDelivered], times[channel.StatusRead], times[channel.StatusFailed],
				channel.Rank(best.s.Status), best.s.Status, best.at, best.code, best.reason)
		}
		forward := rankSQL + ` < v.rnk`
		rows, err := tx.Query(ctx, `WITH v (id, sent, delivered, seen, failed, rnk, st, at, code, reason) AS (VALUES `+
			strings.TrimSuffix(strings.Repeat("("+one+"), ", len(chunk)), ", ")+`)
			UPDATE messages SET sent_at = COALESCE(sent_at, v.sent), delivered_at = COALESCE(delivered_at, v.delivered),
				read_at = COALESCE(read_at, v.seen), failed_at = COALESCE(failed_at, v.failed),
				status = CASE WHEN `+forward+` THEN v.st ELSE status END,
				status_at = CASE WHEN `+forward+` THEN v.at ELSE status_at END,
				error_code = CASE WHEN `+forward+` THEN v.code ELSE error_code END,
				error_reason = CASE WHEN `+forward+` THEN v.reason ELSE error_reason END
			FROM v WHERE messages.id = v.id RETURNING messages.id, messages.conversation_id, messages.status`, args...)
		if err != nil {
			return nil, fmt.Errorf("update message statuses: %w", err)
		}
		for rows.Next() {
			var id string
			var m moved
			if err := rows.Scan(&id, &m.conv, &m.status); err != nil {
				rows.Close()
				return nil, err
			}
			out[id] = m
		}
		rows.Close()
		if err := rows.Err(); err != nil {
			return nil, fmt.Errorf("update message statuses: %w", err)
		}
	}
	for _, id := range order {
		if _, ok := out[id]; !ok {
			return nil, fmt.Errorf("update message status: message %s not found", id)
		}
	}
	return out, nil
}

// afterMove follows a message's move: its campaign recipient, its
// real-time event, and the marketing stops its reports tell of.
func afterMove(ctx context.Context, tx *db.Tx, msgID string, rs []report, m moved, campaign bool) error {
	best := rs[len(rs)-1]
	if m.status == best.s.Status {
		// The campaign recipient follows each step (its own rules say
		// which it may take), then one event tells of the new status.
		for _, r := range rs {
			if !campaign {
				break
			}
			if err := recipient.Mirror(ctx, tx, msgID, r.s.Status, r.code, r.reason, r.at); err != nil {
				return err
			}
		}
		best.a.pubs = append(best.a.pubs, realtime.Event{Type: "message.status", Data: map[string]any{
			"message_id": msgID, "conversation_id": m.conv, "status": m.status, "error_code": best.code,
		}})
	}
	for _, r := range rs {
		if r.s.Status == channel.StatusFailed && r.code == "131050" {
			// The person stopped marketing messages: honoured at once.
			if err := r.a.marketingStop(ctx, r.s.RecipientID, msgID, r.at); err != nil {
				return err
			}
		}
	}
	return nil
}
