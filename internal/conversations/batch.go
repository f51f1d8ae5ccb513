package conversations

import (
	"context"
	"database/sql"
	"encoding/json"
	"fmt"
	"strings"
	"time"

	"github.com/masteria/masteria/internal/ids"
	"github.com/masteria/masteria/internal/store/db"
)

// Batches: the campaign feeder queues hundreds of messages per transaction,
// thousands a second. FindOrOpenMany and InsertMany do what FindOrOpen and
// Insert do for each, with a statement per kind of row instead of several
// per message; the rules (one open conversation per connection and
// contact, protocols numbered only for rows won, activity but for
// scheduled messages) are the same.
//
// The batch statements find their rows by key (a VALUES list on the
// primary key, or connection and contact); their company filter, and other
// filters, are written "col || '' = ?" so that no index can serve them:
// SQLite, with statistics taken while a table was small, otherwise walks a
// whole company's rows by its company index for every batch. The filters
// still hold; only the plan is pinned.

// groups is "(?, ?), (?, ?)": n groups of k placeholders.
func groups(n, k int) string {
	one := "(" + db.Marks(k) + ")"
	return strings.TrimSuffix(strings.Repeat(one+", ", n), ", ")
}

func anys(ss []string) []any {
	out := make([]any, len(ss))
	for i, s := range ss {
		out[i] = s
	}
	return out
}

// Activity is the message a conversation opened by FindOrOpenMany starts
// with, written into its row at once.
type Activity struct{ Type, Text string }

// FindOrOpenMany is FindOrOpen (outbound: no reopening) for many contacts of
// one connection; contact ids must be distinct. A conversation it opens for
// a contact in first is written with that message as its last, so that
// InsertMany need not update it again (its NewMessage says ActivityDone):
// at a campaign's thousands of new conversations a second, a second write
// of each row, into all its indexes, was a sixth of the database's work.
func FindOrOpenMany(ctx context.Context, tx *db.Tx, companyID, connectionID string, contactIDs []string, at time.Time, first map[string]Activity) (map[string]Found, error) {
	found := make(map[string]Found, len(contactIDs))
	if len(contactIDs) == 0 {
		return found, nil
	}
	if err := findOpenMany(ctx, tx, companyID, connectionID, contactIDs, found); err != nil {
		return nil, err
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
	var team sql.NullString
	if err := tx.QueryRow(ctx, `SELECT team_id FROM connections WHERE company_id = ? AND id = ?`, companyID, connectionID).Scan(&team); err != nil {
		return nil, fmt.Errorf("connection's team: %w", err)
	}
	now := db.Now()
	args := make([]any, 0, len(missing)*11)
	for _, c := range missing {
		var typ, text, direction string
		if a, ok := first[c]; ok {
			typ, text, direction = a.Type, preview(a.Text), Outbound
		}
		args = append(args, ids.New(), companyID, connectionID, c, team, at, typ, text, direction, now, now)
	}
	// Another transaction may open one at the same moment (an inbound
	// message): the unique index keeps its row, and this one reads it.
	rows, err := tx.Query(ctx, `INSERT INTO conversations (id, company_id, connection_id, contact_id, team_id,
		last_message_at, last_message_type, last_message_text, last_message_direction, created_at, updated_at)
		VALUES `+groups(len(missing), 11)+` ON CONFLICT DO NOTHING RETURNING id, contact_id`, args...)
	if err != nil {
		return nil, fmt.Errorf("open conversations: %w", err)
	}
	for rows.Next() {
		var id, contact string
		if err := rows.Scan(&id, &contact); err != nil {
			rows.Close()
			return nil, err
		}
		found[contact] = Found{ID: id, Opened: true, TeamID: team.String}
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("open conversations: %w", err)
	}
	var lost, won []string
	for _, c := range missing {
		if f, ok := found[c]; ok {
			won = append(won, f.ID)
		} else {
			lost = append(lost, c)
		}
	}
	if len(lost) > 0 {
		if err := findOpenMany(ctx, tx, companyID, connectionID, lost, found); err != nil {
			return nil, fmt.Errorf("find conversations opened meanwhile: %w", err)
		}
	}
	if len(won) == 0 {
		return found, nil
	}
	// Numbered only once the rows are ours, as FindOrOpen does: a block of
	// the company's sequence, in one update of its row.
	var seq int64
	var zone string
	if err := tx.QueryRow(ctx, `UPDATE companies SET protocol_seq = protocol_seq + ? WHERE id = ? RETURNING protocol_seq, time_zone`,
		len(won), companyID).Scan(&seq, &zone); err != nil {
		return nil, fmt.Errorf("protocol numbers: %w", err)
	}
	args = args[:0]
	for i, id := range won {
		args = append(args, id, Protocol(seq-int64(len(won))+1+int64(i), now, zone))
	}
	args = append(args, companyID)
	args = append(args[:len(args)-1], anys(won)...)
	args = append(args, companyID)
	if _, err := tx.Exec(ctx, `WITH v (id, protocol) AS (VALUES `+groups(len(won), 2)+`)
		UPDATE conversations SET protocol = v.protocol FROM v WHERE conversations.id = v.id AND conversations.id IN `+groups(1, len(won))+`
		AND conversations.company_id || '' = ?`, args...); err != nil {
		return nil, fmt.Errorf("protocol numbers: %w", err)
	}
	return found, nil
}

func findOpenMany(ctx context.Context, tx *db.Tx, companyID, connectionID string, contactIDs []string, into map[string]Found) error {
	args := append([]any{companyID, connectionID}, anys(contactIDs)...)
	rows, err := tx.Query(ctx, `SELECT id, contact_id, assignee_id, team_id FROM conversations
		WHERE company_id || '' = ? AND connection_id = ? AND status <> 'resolved' AND contact_id IN `+groups(1, len(contactIDs)), args...)
	if err != nil {
		return fmt.Errorf("find conversations: %w", err)
	}
	defer rows.Close()
	for rows.Next() {
		var f Found
		var contact string
		var assignee, team sql.NullString
		if err := rows.Scan(&f.ID, &contact, &assignee, &team); err != nil {
			return err
		}
		f.AssigneeID, f.TeamID = assignee.String, team.String
		into[contact] = f
	}
	return rows.Err()
}

// InsertMany stores outbound messages (no provider ids, so none can be a
// second copy) of one company and answers their ids in order. Each counts
// as its conversation's activity unless it is scheduled for later.
func InsertMany(ctx context.Context, tx *db.Tx, ms []NewMessage) ([]string, error) {
	if len(ms) == 0 {
		return nil, nil
	}
	created := db.Now()
	out := make([]string, len(ms))
	args := make([]any, 0, len(ms)*19)
	// Activity, grouped by time: a batch is usually all one moment.
	type act struct{ id, typ, text string }
	activity := map[time.Time][]act{}
	var order []time.Time
	for i, m := range ms {
		content, err := json.Marshal(m.Content)
		if err != nil {
			return nil, fmt.Errorf("message content: %w", err)
		}
		if m.Content == nil {
			content = []byte("{}")
		}
		out[i] = ids.New()
		author, sendAt, conn := m.nullable()
		scheduled := Scheduled(m.At, m.SendAt)
		args = append(args, out[i], m.CompanyID, m.ConversationID, m.ContactID, conn, m.Direction, m.Type, m.Text, string(content),
			m.Status, m.ReplyTo, m.MediaStatus, m.MediaKey, m.Lane, m.Source, author, sendAt, scheduled, created)
		if m.Status == Internal || scheduled || m.ActivityDone {
			continue
		}
		if _, ok := activity[m.At]; !ok {
			order = append(order, m.At)
		}
		activity[m.At] = append(activity[m.At], act{m.ConversationID, m.Type, preview(m.Text)})
	}
	if _, err := tx.Exec(ctx, `INSERT INTO messages (id, company_id, conversation_id, contact_id, connection_id, direction, type, text, content,
		status, reply_to, media_status, media_key, lane, source, author_id, send_at, scheduled, created_at) VALUES `+groups(len(ms), 19), args...); err != nil {
		return nil, fmt.Errorf("insert messages: %w", err)
	}
	for _, at := range order {
		acts := activity[at]
		// One row per conversation: the last message of the batch wins.
		seen := map[string]int{}
		var rows []act
		for _, a := range acts {
			if i, ok := seen[a.id]; ok {
				rows[i] = a
				continue
			}
			seen[a.id] = len(rows)
			rows = append(rows, a)
		}
		args = args[:0]
		for _, a := range rows {
			args = append(args, a.id, a.typ, a.text)
		}
		args = append(args, at, Outbound, created)
		for _, a := range rows {
			args = append(args, a.id)
		}
		args = append(args, ms[0].CompanyID)
		// The ids also as a list on the key: found by it whatever the
		// statistics say (see recipient.MirrorSent).
		if _, err := tx.Exec(ctx, `WITH v (id, typ, txt) AS (VALUES `+groups(len(rows), 3)+`)
			UPDATE conversations SET last_message_at = ?, last_message_type = v.typ, last_message_text = v.txt, last_message_direction = ?, updated_at = ?
			FROM v WHERE conversations.id = v.id AND conversations.id IN `+groups(1, len(rows))+` AND conversations.company_id || '' = ?`, args...); err != nil {
			return nil, fmt.Errorf("conversation activity: %w", err)
		}
	}
	return out, nil
}
