package conversations

import (
	"context"
	"database/sql"
	"encoding/json"
	"fmt"
	"time"

	"github.com/masteria/masteria/internal/ids"
	"github.com/masteria/masteria/internal/store/db"
)

// The inbound processor's batches (see batch.go for the campaign feeder's):
// FindOrOpenInbound and InsertInbound do what FindOrOpen(inbound) and
// Insert do for each of a batch's inbound messages, with a statement per
// kind of row.

// FindOrOpenInbound is FindOrOpen for inbound messages of many contacts of
// one connection (contact ids distinct, in the order their first messages
// arrived, which numbers the protocols): a pending or snoozed conversation
// goes back to open.
func FindOrOpenInbound(ctx context.Context, tx *db.Tx, companyID, connectionID string, contactIDs []string, at time.Time) (map[string]Found, error) {
	found := make(map[string]Found, len(contactIDs))
	if len(contactIDs) == 0 {
		return found, nil
	}
	args := append([]any{companyID, connectionID}, anys(contactIDs)...)
	rows, err := tx.Query(ctx, `SELECT id, contact_id, status, assignee_id, team_id FROM conversations
		WHERE company_id || '' = ? AND connection_id = ? AND status <> 'resolved' AND contact_id IN `+groups(1, len(contactIDs)), args...)
	if err != nil {
		return nil, fmt.Errorf("find conversations: %w", err)
	}
	var reopen []any
	for rows.Next() {
		var f Found
		var contact, status string
		var assignee, team sql.NullString
		if err := rows.Scan(&f.ID, &contact, &status, &assignee, &team); err != nil {
			rows.Close()
			return nil, err
		}
		f.AssigneeID, f.TeamID = assignee.String, team.String
		found[contact] = f
		if status != Open {
			reopen = append(reopen, f.ID)
		}
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("find conversations: %w", err)
	}
	if len(reopen) > 0 {
		if _, err := tx.Exec(ctx, `UPDATE conversations SET status = 'open', snoozed_until = NULL, updated_at = ? WHERE id IN `+groups(1, len(reopen)),
			append([]any{db.Now()}, reopen...)...); err != nil {
			return nil, fmt.Errorf("reopen conversations: %w", err)
		}
	}
	var missing []string
	for _, c := range contactIDs {
		if _, ok := found[c]; !ok {
			missing = append(missing, c)
		}
	}
	if len(missing) == 0 {
		return found, nil
	}
	// Opened as the campaign feeder opens them (a new conversation is
	// open); one opened meanwhile by another transaction is found there.
	opened, err := FindOrOpenMany(ctx, tx, companyID, connectionID, missing, at, nil)
	if err != nil {
		return nil, err
	}
	for c, f := range opened {
		found[c] = f
	}
	return found, nil
}

// InsertInbound stores inbound messages of one company (Direction and
// Status as given, no lane, author or schedule) and answers, in order,
// the id of each, "" for a provider's second copy of a message already
// stored. Each message inserted is its conversation's activity and one
// more unread message; the last one of a conversation is its last message.
func InsertInbound(ctx context.Context, tx *db.Tx, ms []NewMessage) ([]string, error) {
	out := make([]string, len(ms))
	if len(ms) == 0 {
		return out, nil
	}
	const cols = 14
	created := db.Now()
	byID := make(map[string]int, len(ms))
	per := 30000 / cols
	for start := 0; start < len(ms); start += per {
		chunk := ms[start:min(len(ms), start+per)]
		args := make([]any, 0, len(chunk)*cols)
		for i, m := range chunk {
			content, err := json.Marshal(m.Content)
			if err != nil {
				return nil, fmt.Errorf("message content: %w", err)
			}
			if m.Content == nil {
				content = []byte("{}")
			}
			id := ids.New()
			byID[id] = start + i
			var provider any
			if m.ProviderMessageID != "" {
				provider = m.ProviderMessageID
			}
			args = append(args, id, m.CompanyID, m.ConversationID, m.ContactID, m.ConnectionID, m.Direction, m.Type, m.Text, string(content),
				m.Status, provider, m.ReplyTo, m.MediaStatus, created)
		}
		rows, err := tx.Query(ctx, `INSERT INTO messages (id, company_id, conversation_id, contact_id, connection_id, direction, type, text, content,
			status, provider_message_id, reply_to, media_status, created_at) VALUES `+groups(len(chunk), cols)+` ON CONFLICT DO NOTHING RETURNING id`, args...)
		if err != nil {
			return nil, fmt.Errorf("insert messages: %w", err)
		}
		for rows.Next() {
			var id string
			if err := rows.Scan(&id); err != nil {
				rows.Close()
				return nil, err
			}
			out[byID[id]] = id
		}
		rows.Close()
		if err := rows.Err(); err != nil {
			return nil, fmt.Errorf("insert messages: %w", err)
		}
	}
	// One row per conversation: its last message and how many arrived.
	type act struct {
		last   NewMessage
		unread int
	}
	acts := map[string]*act{}
	var order []string
	for i, m := range ms {
		if out[i] == "" {
			continue
		}
		a, ok := acts[m.ConversationID]
		if !ok {
			a = &act{}
			acts[m.ConversationID] = a
			order = append(order, m.ConversationID)
		}
		a.last, a.unread = m, a.unread+1
	}
	if len(order) == 0 {
		return out, nil
	}
	args := make([]any, 0, len(order)*6+3)
	for _, id := range order {
		a := acts[id]
		args = append(args, id, a.last.At, a.last.Type, preview(a.last.Text), a.last.Direction, a.unread)
	}
	args = append(args, created, ms[0].CompanyID)
	tv := db.TimeValue(tx.Dialect())
	if _, err := tx.Exec(ctx, `WITH v (id, at, typ, txt, dir, n) AS (VALUES `+repeatGroup(len(order), "?, "+tv+", ?, ?, ?, CAST(? AS INTEGER)")+`)
		UPDATE conversations SET last_message_at = v.at, last_message_type = v.typ, last_message_text = v.txt, last_message_direction = v.dir,
			last_inbound_at = v.at, unread_count = unread_count + v.n, updated_at = ?
		FROM v WHERE conversations.id = v.id AND conversations.company_id || '' = ?`, args...); err != nil {
		return nil, fmt.Errorf("conversation activity: %w", err)
	}
	return out, nil
}

// repeatGroup is "(one), (one)", n times.
func repeatGroup(n int, one string) string {
	s := ""
	for i := range n {
		if i > 0 {
			s += ", "
		}
		s += "(" + one + ")"
	}
	return s
}
