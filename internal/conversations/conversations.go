// Package conversations owns conversations and their messages: the timeline
// both message paths write to, and the shared inbox's work on it. The
// inbound worker opens conversations and stores what contacts send; the
// outbox stores what goes out; agents assign, label, snooze and resolve.
//
// Decisions:
//   - One open conversation per (connection, contact): "open" here means any
//     status but resolved, enforced by a unique partial index. A message to a
//     resolved conversation opens a new one, so each conversation is one
//     service episode with its own protocol number (sequential per company,
//     the opening date in the company's time zone first: 20261125-000042).
//   - A new inbound message moves a pending or snoozed conversation back to
//     open; a snooze with a time ends by the waker (every instance runs it;
//     it is idempotent).
//   - Notes and system events (assigned, resolved, snoozed, opted out, ...)
//     are messages with status "internal": they sit in the timeline in
//     order, are never picked by the outbox (it takes "queued" only), and do
//     not count as activity (last message, unread). An event keeps the names
//     it mentions, so the timeline reads right after a rename.
//   - Unread is per conversation and reset by whoever opens it, which also
//     sends the provider a read receipt (a durable job); "unread per agent"
//     is the count of unread conversations on each inbox tab (mine,
//     unassigned, all).
//   - Search (q) matches the contact's name or number, the exact protocol,
//     or any part of a message's text (case folded as lower() does, accents
//     kept, % and _ literal). Message text is found through a trigram index
//     (migration 0009), so a q of one or two characters searches only the
//     contact, the protocol and the last message's preview (search.go).
//   - Any member may assign, label and resolve any conversation (as in
//     Chatwoot): the inbox is the team's, and the audit trail is the
//     timeline itself.
//   - Lists: conversations by last activity, newest first, or by creation,
//     oldest first (the queue); messages newest first by id (ids are
//     time-ordered). Cursors are opaque strings.
//   - Message content beyond type and text (media, location, buttons, the
//     template used, the provider's raw JSON for unknown types) is one JSON
//     object, because each type has its own shape and nothing filters on it.
package conversations

import (
	"context"
	"database/sql"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/masteria/masteria/internal/apierr"
	"github.com/masteria/masteria/internal/ids"
	"github.com/masteria/masteria/internal/realtime"
	"github.com/masteria/masteria/internal/store/db"
)

// Conversation statuses.
const (
	Open     = "open"
	Pending  = "pending"
	Snoozed  = "snoozed"
	Resolved = "resolved"
)

// Window is WhatsApp's customer service window: free-form messages may go
// this long after the contact last wrote.
const Window = 24 * time.Hour

// Internal is the status of timeline entries that never leave: notes and
// system events.
const Internal = "internal"

// Internal message types.
const (
	TypeNote  = "note"
	TypeEvent = "event"
)

// Directions.
const (
	Inbound  = "inbound"
	Outbound = "outbound"
)

// ContactRef is the contact a conversation is with.
type ContactRef struct {
	ID    string `json:"id"`
	Phone string `json:"phone"`
	Name  string `json:"name"`
}

// Ref names a person or a team.
type Ref struct {
	ID   string `json:"id"`
	Name string `json:"name"`
}

// ConnectionRef names the connection a conversation runs on.
type ConnectionRef struct {
	ID   string `json:"id"`
	Name string `json:"name"`
	Type string `json:"type"`
}

// Label is a conversation label as lists show it.
type Label struct {
	ID    string `json:"id"`
	Name  string `json:"name"`
	Color string `json:"color"`
}

// LastMessage is what the inbox list previews.
type LastMessage struct {
	Type      string  `json:"type"`
	Text      string  `json:"text"`
	Direction string  `json:"direction"`
	At        db.Time `json:"at"`
}

// Conversation is one service episode with a contact on a connection.
type Conversation struct {
	ID             string         `json:"id"`
	Protocol       string         `json:"protocol"`
	ConnectionID   *string        `json:"connection_id"`
	Connection     *ConnectionRef `json:"connection"`
	Contact        ContactRef     `json:"contact"`
	Status         string         `json:"status"`
	SnoozedUntil   db.Time        `json:"snoozed_until"`
	Assignee       *Ref           `json:"assignee"`
	Team           *Ref           `json:"team"`
	Labels         []Label        `json:"labels"`
	UnreadCount    int            `json:"unread_count"`
	LastMessage    *LastMessage   `json:"last_message"`
	LastMessageAt  db.Time        `json:"last_message_at"`
	LastInboundAt  db.Time        `json:"last_inbound_at"`
	WindowClosesAt db.Time        `json:"window_closes_at"`
	ClosingReason  string         `json:"closing_reason"`
	ResolvedAt     db.Time        `json:"resolved_at"`
	CreatedAt      db.Time        `json:"created_at"`
	UpdatedAt      db.Time        `json:"updated_at"`
}

// Media describes a message's file as the UI sees it.
type Media struct {
	Status   string `json:"status"` // pending, stored, failed
	URL      string `json:"url,omitempty"`
	Error    string `json:"error,omitempty"`
	MimeType string `json:"mime_type,omitempty"`
	Filename string `json:"filename,omitempty"`
}

// Message is one message in a conversation.
type Message struct {
	ID                string          `json:"id"`
	ConversationID    string          `json:"conversation_id"`
	ContactID         string          `json:"contact_id"`
	ConnectionID      *string         `json:"connection_id"`
	Direction         string          `json:"direction"`
	Type              string          `json:"type"`
	Text              string          `json:"text"`
	Content           json.RawMessage `json:"content"`
	Status            string          `json:"status"`
	ProviderMessageID *string         `json:"provider_message_id"`
	ReplyTo           string          `json:"reply_to,omitempty"`
	ErrorCode         string          `json:"error_code,omitempty"`
	ErrorReason       string          `json:"error_reason,omitempty"`
	Media             *Media          `json:"media,omitempty"`
	Source            string          `json:"source,omitempty"`
	AuthorID          *string         `json:"author_id"`
	Author            *Ref            `json:"author"`
	SendAt            db.Time         `json:"send_at"`
	Attempts          int             `json:"attempts"`
	SentAt            db.Time         `json:"sent_at"`
	DeliveredAt       db.Time         `json:"delivered_at"`
	ReadAt            db.Time         `json:"read_at"`
	FailedAt          db.Time         `json:"failed_at"`
	CreatedAt         db.Time         `json:"created_at"`

	CompanyID string `json:"-"`
	MediaKey  string `json:"-"`
}

// Service reads and changes conversations and messages.
type Service struct {
	db  *db.DB
	hub *realtime.Hub
	now func() time.Time
	// MarkRead, when set, is called in the transaction that marks a
	// conversation read, to tell the provider (a durable job).
	MarkRead func(ctx context.Context, tx *db.Tx, companyID, messageID string) error
}

// NewService returns a Service; hub may be nil (no live events).
func NewService(d *db.DB, hub *realtime.Hub) *Service {
	return &Service{db: d, hub: hub, now: time.Now}
}

func (s *Service) publish(tx *db.Tx, companyID, typ string, data map[string]any) {
	if s.hub == nil {
		return
	}
	tx.AfterCommit(func() { s.hub.Publish(companyID, realtime.Event{Type: typ, Data: data}) })
}

// Found is the open conversation of a (connection, contact).
type Found struct {
	ID         string
	Opened     bool   // opened by this call
	AssigneeID string // "" when unassigned
	TeamID     string
}

// FindOrOpen returns the open conversation of (connection, contact), opening
// one when there is none: it gets the next protocol number of the company
// and the connection's team. An inbound message also moves a pending or
// snoozed conversation back to open.
func FindOrOpen(ctx context.Context, tx *db.Tx, companyID, connectionID, contactID string, at time.Time, inbound bool) (Found, error) {
	f, status, err := findOpen(ctx, tx, connectionID, contactID)
	switch {
	case err == nil:
		if inbound && status != Open {
			if _, err := tx.Exec(ctx, `UPDATE conversations SET status = 'open', snoozed_until = NULL, updated_at = ? WHERE id = ?`, db.Now(), f.ID); err != nil {
				return f, fmt.Errorf("reopen conversation: %w", err)
			}
		}
		return f, nil
	case !errors.Is(err, sql.ErrNoRows):
		return f, fmt.Errorf("find conversation: %w", err)
	}
	f = Found{ID: ids.New()}
	now := db.Now()
	// Another transaction may open it at the same moment: the unique index
	// on open conversations keeps one, and this one reads it.
	res, err := tx.Exec(ctx, `INSERT INTO conversations (id, company_id, connection_id, contact_id, status, team_id, last_message_at, created_at, updated_at)
		VALUES (?, ?, ?, ?, 'open', (SELECT team_id FROM connections WHERE id = ?), ?, ?, ?) ON CONFLICT DO NOTHING`,
		f.ID, companyID, connectionID, contactID, connectionID, at, now, now)
	if err != nil {
		return f, fmt.Errorf("open conversation: %w", err)
	}
	if n, _ := res.RowsAffected(); n == 0 {
		f, _, err = findOpen(ctx, tx, connectionID, contactID)
		if err != nil {
			return f, fmt.Errorf("find conversation opened meanwhile: %w", err)
		}
		return f, nil
	}
	f.Opened = true
	// Numbered only once the row is ours, so that a lost race spends no
	// number: protocols stay sequential.
	var seq int64
	var zone string
	var team sql.NullString
	if err := tx.QueryRow(ctx, `UPDATE companies SET protocol_seq = protocol_seq + 1 WHERE id = ? RETURNING protocol_seq, time_zone`,
		companyID).Scan(&seq, &zone); err != nil {
		return f, fmt.Errorf("protocol number: %w", err)
	}
	if err := tx.QueryRow(ctx, `UPDATE conversations SET protocol = ? WHERE id = ? RETURNING team_id`,
		Protocol(seq, now, zone), f.ID).Scan(&team); err != nil {
		return f, fmt.Errorf("protocol number: %w", err)
	}
	f.TeamID = team.String
	return f, nil
}

func findOpen(ctx context.Context, tx *db.Tx, connectionID, contactID string) (Found, string, error) {
	var f Found
	var status string
	var assignee, team sql.NullString
	err := tx.QueryRow(ctx, `SELECT id, status, assignee_id, team_id FROM conversations WHERE connection_id = ? AND contact_id = ? AND status <> 'resolved'`,
		connectionID, contactID).Scan(&f.ID, &status, &assignee, &team)
	f.AssigneeID, f.TeamID = assignee.String, team.String
	return f, status, err
}

// Protocol formats a company's n-th conversation as Brazilian customer
// service quotes it: the opening date in the company's time zone, then the
// company-wide sequence, e.g. 20261125-000042.
func Protocol(n int64, at time.Time, zone string) string {
	if loc, err := time.LoadLocation(zone); err == nil {
		at = at.In(loc)
	}
	return fmt.Sprintf("%s-%06d", at.Format("20060102"), n)
}

// NewMessage is a message to store.
type NewMessage struct {
	CompanyID, ConversationID, ContactID, ConnectionID string
	Direction, Type, Text                              string
	Content                                            any
	Status                                             string
	ProviderMessageID                                  string
	ReplyTo                                            string
	MediaStatus                                        string
	MediaKey                                           string
	At                                                 time.Time
	// Outbound only: the outbox lane, who sent it, and when it may go.
	Lane     int
	Source   string
	AuthorID string
	SendAt   time.Time
	// ActivityDone: its conversation was opened with it as its last message
	// (FindOrOpenMany), so InsertMany leaves the conversation as it is.
	ActivityDone bool
}

// Insert stores a message; inserted is false when a message with the same
// provider id already exists on the connection (a provider's second copy).
// Notes and system events (status internal) do not count as activity.
func Insert(ctx context.Context, tx *db.Tx, m NewMessage) (id string, inserted bool, err error) {
	content, err := json.Marshal(m.Content)
	if err != nil {
		return "", false, fmt.Errorf("message content: %w", err)
	}
	if m.Content == nil {
		content = []byte("{}")
	}
	id = ids.New()
	var provider any
	if m.ProviderMessageID != "" {
		provider = m.ProviderMessageID
	}
	author, sendAt, conn := m.nullable()
	scheduled := Scheduled(m.At, m.SendAt)
	res, err := tx.Exec(ctx, `INSERT INTO messages (id, company_id, conversation_id, contact_id, connection_id, direction, type, text, content,
		status, provider_message_id, reply_to, media_status, media_key, lane, source, author_id, send_at, scheduled, created_at)
		VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT DO NOTHING`,
		id, m.CompanyID, m.ConversationID, m.ContactID, conn, m.Direction, m.Type, m.Text, string(content),
		m.Status, provider, m.ReplyTo, m.MediaStatus, m.MediaKey, m.Lane, m.Source, author, sendAt, scheduled, db.Now())
	if err != nil {
		return "", false, fmt.Errorf("insert message: %w", err)
	}
	n, err := res.RowsAffected()
	if err != nil {
		return "", false, err
	}
	if n == 0 {
		return "", false, nil
	}
	// Notes and events are not activity; a message scheduled for later
	// becomes the last message when it leaves (the outbox says so).
	if m.Status == Internal || scheduled {
		return id, true, nil
	}
	col := "last_message_at = ?, last_message_type = ?, last_message_text = ?, last_message_direction = ?"
	args := []any{m.At, m.Type, preview(m.Text), m.Direction}
	if m.Direction == Inbound {
		col += ", last_inbound_at = ?, unread_count = unread_count + 1"
		args = append(args, m.At)
	}
	args = append(args, db.Now(), m.ConversationID)
	if _, err := tx.Exec(ctx, `UPDATE conversations SET `+col+`, updated_at = ? WHERE id = ?`, args...); err != nil {
		return "", false, fmt.Errorf("conversation activity: %w", err)
	}
	return id, true, nil
}

// Scheduled says whether a message queued at "at" waits for a later time.
func Scheduled(at, sendAt time.Time) bool { return sendAt.Sub(at) > 2*time.Second }

// nullable answers the author, schedule and connection columns of a new
// message: NULL where it has none.
func (m NewMessage) nullable() (author, sendAt, conn any) {
	if m.AuthorID != "" {
		author = m.AuthorID
	}
	if !m.SendAt.IsZero() {
		sendAt = m.SendAt.UTC()
	}
	if m.ConnectionID != "" {
		conn = m.ConnectionID
	}
	return author, sendAt, conn
}

// Left records that a scheduled message left: it becomes the
// conversation's last message.
func Left(ctx context.Context, tx *db.Tx, messageID string, at time.Time) error {
	_, err := tx.Exec(ctx, `UPDATE conversations SET last_message_at = ?, last_message_type = m.type, last_message_text = m.text,
		last_message_direction = 'outbound', updated_at = ? FROM (SELECT conversation_id, type, text FROM messages WHERE id = ?) AS m
		WHERE conversations.id = m.conversation_id AND conversations.last_message_at < ?`, at, db.Now(), messageID, at)
	if err != nil {
		return fmt.Errorf("scheduled message left: %w", err)
	}
	return nil
}

// preview cuts a message's text for the conversation list.
func preview(text string) string {
	const max = 200
	if len(text) <= max {
		return text
	}
	cut := max
	for cut > 0 && !utf8.RuneStart(text[cut]) {
		cut--
	}
	return text[:cut] + "…"
}

type cursor struct {
	At time.Time `json:"t"`
	ID string    `json:"i"`
}

func encodeCursor(at time.Time, id string) string {
	b, _ := json.Marshal(cursor{at, id})
	return base64.RawURLEncoding.EncodeToString(b)
}

func decodeCursor(s string) (cursor, error) {
	var c cursor
	b, err := base64.RawURLEncoding.DecodeString(s)
	if err != nil || json.Unmarshal(b, &c) != nil || !ids.Valid(c.ID) {
		return c, apierr.Field("cursor", "invalid_cursor")
	}
	return c, nil
}

// Query filters the conversation list.
type Query struct {
	Limit        int
	Cursor       string
	Status       string // "" for all
	Assignee     string // "me", "unassigned" or a user id
	UserID       string // who "me" is
	TeamID       string
	ConnectionID string
	ContactID    string
	LabelID      string
	Q            string // contact name or phone, protocol, message text
	Sort         string // "recent" (default) or "oldest"
}

const conversationColumns = `v.id, v.protocol, v.connection_id, n.name, n.type, c.id, c.phone, c.name, v.status, v.snoozed_until,
	v.assignee_id, u.name, v.team_id, t.name, v.unread_count, v.last_message_type, v.last_message_text, v.last_message_direction,
	v.last_message_at, v.last_inbound_at, v.closing_reason, v.resolved_at, v.created_at, v.updated_at`

const conversationJoins = ` JOIN contacts c ON c.id = v.contact_id
	LEFT JOIN connections n ON n.id = v.connection_id LEFT JOIN users u ON u.id = v.assignee_id LEFT JOIN teams t ON t.id = v.team_id`

const conversationFrom = ` FROM conversations v` + conversationJoins

func scanConversation(sc interface{ Scan(...any) error }) (Conversation, error) {
	var v Conversation
	var conn, connName, connType, assignee, assigneeName, team, teamName sql.NullString
	var lastType, lastText, lastDir string
	err := sc.Scan(&v.ID, &v.Protocol, &conn, &connName, &connType, &v.Contact.ID, &v.Contact.Phone, &v.Contact.Name, &v.Status, &v.SnoozedUntil,
		&assignee, &assigneeName, &team, &teamName, &v.UnreadCount, &lastType, &lastText, &lastDir,
		&v.LastMessageAt, &v.LastInboundAt, &v.ClosingReason, &v.ResolvedAt, &v.CreatedAt, &v.UpdatedAt)
	if err != nil {
		return v, err
	}
	v.Labels = []Label{}
	if conn.Valid {
		v.ConnectionID = &conn.String
		v.Connection = &ConnectionRef{ID: conn.String, Name: connName.String, Type: connType.String}
		if connType.String == "whatsapp_cloud" && !v.LastInboundAt.IsZero() {
			v.WindowClosesAt = db.Time{Time: v.LastInboundAt.Add(Window)}
		}
	}
	if assignee.Valid {
		v.Assignee = &Ref{ID: assignee.String, Name: assigneeName.String}
	}
	if team.Valid {
		v.Team = &Ref{ID: team.String, Name: teamName.String}
	}
	if lastType != "" {
		v.LastMessage = &LastMessage{Type: lastType, Text: lastText, Direction: lastDir, At: v.LastMessageAt}
	}
	return v, nil
}

// withLabels fills in the labels of a page of conversations in one query.
func withLabels(ctx context.Context, q db.Querier, companyID string, vs []Conversation) error {
	if len(vs) == 0 {
		return nil
	}
	at := map[string]int{}
	args := []any{companyID}
	for i, v := range vs {
		at[v.ID] = i
		args = append(args, v.ID)
	}
	rows, err := q.Query(ctx, `SELECT cl.conversation_id, l.id, l.name, l.color FROM conversation_labels cl JOIN labels l ON l.id = cl.label_id
		WHERE cl.company_id = ? AND cl.conversation_id IN (`+db.Marks(len(vs))+`) ORDER BY lower(l.name)`, args...)
	if err != nil {
		return fmt.Errorf("conversation labels: %w", err)
	}
	defer rows.Close()
	for rows.Next() {
		var conv string
		var l Label
		if err := rows.Scan(&conv, &l.ID, &l.Name, &l.Color); err != nil {
			return err
		}
		vs[at[conv]].Labels = append(vs[at[conv]].Labels, l)
	}
	return rows.Err()
}

// rareLabel is the size up to which a label's conversations are listed
// from the label's side.
const rareLabel = 2000

// List returns a company's conversations: most recent activity first, or
// with Sort "oldest" oldest first (the queue).
func (s *Service) List(ctx context.Context, companyID string, q Query) ([]Conversation, string, error) {
	where := []string{"v.company_id = ?"}
	args := []any{companyID}
	switch q.Status {
	case "":
	case Open, Pending, Snoozed, Resolved:
		where = append(where, "v.status = ?")
		args = append(args, q.Status)
	default:
		return nil, "", apierr.Field("status", "invalid_status")
	}
	switch q.Assignee {
	case "":
	case "me":
		where = append(where, "v.assignee_id = ?")
		args = append(args, q.UserID)
	case "unassigned":
		where = append(where, "v.assignee_id IS NULL")
	default:
		if !ids.Valid(q.Assignee) {
			return nil, "", apierr.Field("assignee", "invalid_assignee")
		}
		where = append(where, "v.assignee_id = ?")
		args = append(args, q.Assignee)
	}
	for _, f := range []struct{ col, val string }{{"v.connection_id", q.ConnectionID}, {"v.contact_id", q.ContactID}, {"v.team_id", q.TeamID}} {
		if f.val == "" {
			continue
		}
		if !ids.Valid(f.val) {
			return []Conversation{}, "", nil
		}
		where = append(where, f.col+" = ?")
		args = append(args, f.val)
	}
	if q.LabelID != "" {
		if !ids.Valid(q.LabelID) {
			return []Conversation{}, "", nil
		}
		// A label on few conversations is read from its own index and
		// those few sorted; one on many is checked along the list, which
		// finds a page of them soon. Counting the label's index picks.
		var tagged int
		if err := s.db.QueryRow(ctx, `SELECT count(*) FROM conversation_labels WHERE label_id = ?`, q.LabelID).Scan(&tagged); err != nil {
			return nil, "", fmt.Errorf("label size: %w", err)
		}
		if tagged <= rareLabel {
			where = append(where, "v.id IN (SELECT cl.conversation_id FROM conversation_labels cl WHERE cl.label_id = ?)")
		} else {
			where = append(where, "EXISTS (SELECT 1 FROM conversation_labels cl WHERE cl.conversation_id = v.id AND cl.label_id = ?)")
		}
		args = append(args, q.LabelID)
	}
	if t := strings.TrimSpace(q.Q); t != "" {
		cond, cargs, err := s.searchCondition(ctx, companyID, t)
		if err != nil {
			return nil, "", err
		}
		where = append(where, cond)
		args = append(args, cargs...)
	}
	order := "v.last_message_at DESC, v.id DESC"
	oldest := q.Sort == "oldest"
	switch q.Sort {
	case "", "recent", "oldest":
	default:
		return nil, "", apierr.Field("sort", "invalid_sort")
	}
	if oldest {
		order = "v.created_at, v.id"
	}
	if q.Cursor != "" {
		c, err := decodeCursor(q.Cursor)
		if err != nil {
			return nil, "", err
		}
		// The first term repeats what the OR says so that both engines
		// read the index from the cursor on, in order, and stop after a
		// page. Without it SQLite answered the OR with two index searches
		// merged and sorted: every conversation before the cursor, 250 ms at
		// 20,000 conversations (BenchmarkInboxPages).
		if oldest {
			where = append(where, "v.created_at >= ? AND (v.created_at > ? OR (v.created_at = ? AND v.id > ?))")
		} else {
			where = append(where, "v.last_message_at <= ? AND (v.last_message_at < ? OR (v.last_message_at = ? AND v.id < ?))")
		}
		args = append(args, c.At, c.At, c.At, c.ID)
	}
	args = append(args, q.Limit+1)
	query := `SELECT ` + conversationColumns + conversationFrom + `
		WHERE ` + strings.Join(where, " AND ") + ` ORDER BY ` + order + ` LIMIT ?`
	if strings.TrimSpace(q.Q) != "" {
		// A search may sort up to searchFew matching conversations: the
		// page is chosen from conversations alone (every condition names
		// v only) and only its rows are joined, rather than joining a
		// thousand to keep fifty (PostgreSQL spent 30 ms doing that).
		query = `SELECT ` + conversationColumns + ` FROM (SELECT v.* FROM conversations v
		WHERE ` + strings.Join(where, " AND ") + ` ORDER BY ` + order + ` LIMIT ?) v` + conversationJoins + `
		ORDER BY ` + order
	}
	rows, err := s.db.Query(ctx, query, args...)
	if err != nil {
		return nil, "", fmt.Errorf("list conversations: %w", err)
	}
	defer rows.Close()
	out := []Conversation{}
	for rows.Next() {
		v, err := scanConversation(rows)
		if err != nil {
			return nil, "", err
		}
		out = append(out, v)
	}
	if err := rows.Err(); err != nil {
		return nil, "", err
	}
	rows.Close()
	next := ""
	if len(out) > q.Limit {
		out = out[:q.Limit]
		last := out[len(out)-1]
		if oldest {
			next = encodeCursor(last.CreatedAt.Time, last.ID)
		} else {
			next = encodeCursor(last.LastMessageAt.Time, last.ID)
		}
	}
	if err := withLabels(ctx, s.db, companyID, out); err != nil {
		return nil, "", err
	}
	return out, next, nil
}

// Get returns one conversation.
func (s *Service) Get(ctx context.Context, companyID, id string) (Conversation, error) {
	return get(ctx, s.db, companyID, id)
}

func get(ctx context.Context, q db.Querier, companyID, id string) (Conversation, error) {
	if !ids.Valid(id) {
		return Conversation{}, apierr.NotFound()
	}
	v, err := scanConversation(q.QueryRow(ctx, `SELECT `+conversationColumns+conversationFrom+`
		WHERE v.company_id = ? AND v.id = ?`, companyID, id))
	if errors.Is(err, sql.ErrNoRows) {
		return v, apierr.NotFound()
	}
	if err != nil {
		return v, err
	}
	vs := []Conversation{v}
	err = withLabels(ctx, q, companyID, vs)
	return vs[0], err
}

const messageColumns = `id, company_id, conversation_id, contact_id, connection_id, direction, type, text, content, status, provider_message_id,
	reply_to, error_code, error_reason, media_key, media_status, media_error, source, author_id, send_at, attempts,
	sent_at, delivered_at, read_at, failed_at, created_at`

func scanMessage(sc interface{ Scan(...any) error }) (Message, error) {
	var m Message
	var conn, provider, author sql.NullString
	var content, mediaStatus, mediaError string
	err := sc.Scan(&m.ID, &m.CompanyID, &m.ConversationID, &m.ContactID, &conn, &m.Direction, &m.Type, &m.Text, &content, &m.Status, &provider,
		&m.ReplyTo, &m.ErrorCode, &m.ErrorReason, &m.MediaKey, &mediaStatus, &mediaError, &m.Source, &author, &m.SendAt, &m.Attempts,
		&m.SentAt, &m.DeliveredAt, &m.ReadAt, &m.FailedAt, &m.CreatedAt)
	if err != nil {
		return m, err
	}
	if conn.Valid {
		m.ConnectionID = &conn.String
	}
	if provider.Valid {
		m.ProviderMessageID = &provider.String
	}
	if author.Valid {
		m.AuthorID = &author.String
	}
	m.Content = json.RawMessage(content)
	if mediaStatus != "" {
		type file struct {
			MimeType string `json:"mime_type"`
			Filename string `json:"filename"`
		}
		var c struct {
			Media    *file `json:"media"`
			Template *struct {
				Header *struct {
					Media *file `json:"media"`
				} `json:"header"`
			} `json:"template"`
		}
		_ = json.Unmarshal(m.Content, &c)
		f := c.Media
		if f == nil && c.Template != nil && c.Template.Header != nil {
			f = c.Template.Header.Media // a template whose header is an attached file
		}
		if f == nil {
			f = &file{}
		}
		m.Media = &Media{Status: mediaStatus, Error: mediaError, MimeType: f.MimeType, Filename: f.Filename}
		if mediaStatus == "stored" {
			m.Media.URL = "/api/v1/messages/" + m.ID + "/media"
		}
	}
	return m, nil
}

// Messages returns a conversation's messages, newest first.
func (s *Service) Messages(ctx context.Context, companyID, conversationID string, limit int, cur string) ([]Message, string, error) {
	if _, err := s.Get(ctx, companyID, conversationID); err != nil {
		return nil, "", err
	}
	where := "company_id = ? AND conversation_id = ?"
	args := []any{companyID, conversationID}
	if cur != "" {
		if !ids.Valid(cur) {
			return nil, "", apierr.Field("cursor", "invalid_cursor")
		}
		where += " AND id < ?"
		args = append(args, cur)
	}
	args = append(args, limit+1)
	rows, err := s.db.Query(ctx, `SELECT `+messageColumns+` FROM messages WHERE `+where+` ORDER BY id DESC LIMIT ?`, args...)
	if err != nil {
		return nil, "", fmt.Errorf("list messages: %w", err)
	}
	defer rows.Close()
	out := []Message{}
	for rows.Next() {
		m, err := scanMessage(rows)
		if err != nil {
			return nil, "", err
		}
		out = append(out, m)
	}
	if err := rows.Err(); err != nil {
		return nil, "", err
	}
	rows.Close()
	next := ""
	if len(out) > limit {
		out = out[:limit]
		next = out[len(out)-1].ID
	}
	if err := withAuthors(ctx, s.db, out); err != nil {
		return nil, "", err
	}
	return out, next, nil
}

// withAuthors names the agents who wrote a page of messages.
func withAuthors(ctx context.Context, q db.Querier, ms []Message) error {
	at := map[string][]int{}
	var args []any
	for i, m := range ms {
		if m.AuthorID == nil {
			continue
		}
		if _, seen := at[*m.AuthorID]; !seen {
			args = append(args, *m.AuthorID)
		}
		at[*m.AuthorID] = append(at[*m.AuthorID], i)
	}
	if len(args) == 0 {
		return nil
	}
	rows, err := q.Query(ctx, `SELECT id, name FROM users WHERE id IN (`+db.Marks(len(args))+`)`, args...)
	if err != nil {
		return fmt.Errorf("message authors: %w", err)
	}
	defer rows.Close()
	for rows.Next() {
		var r Ref
		if err := rows.Scan(&r.ID, &r.Name); err != nil {
			return err
		}
		for _, i := range at[r.ID] {
			ms[i].Author = &Ref{ID: r.ID, Name: r.Name}
		}
	}
	return rows.Err()
}

// Message returns one message of the company.
func (s *Service) Message(ctx context.Context, companyID, id string) (Message, error) {
	return MessageByID(ctx, s.db, companyID, id)
}

// MessageByID reads one message with q (a transaction or the database).
func MessageByID(ctx context.Context, q db.Querier, companyID, id string) (Message, error) {
	if !ids.Valid(id) {
		return Message{}, apierr.NotFound()
	}
	m, err := scanMessage(q.QueryRow(ctx, `SELECT `+messageColumns+` FROM messages WHERE company_id = ? AND id = ?`, companyID, id))
	if errors.Is(err, sql.ErrNoRows) {
		return m, apierr.NotFound()
	}
	if err != nil {
		return m, err
	}
	ms := []Message{m}
	err = withAuthors(ctx, q, ms)
	return ms[0], err
}

// Thread is a conversation with all its messages, oldest first: what a data
// subject export holds.
type Thread struct {
	Conversation
	Messages []Message `json:"messages"`
}

// ForContact returns every conversation of a contact with its messages.
func ForContact(ctx context.Context, q db.Querier, companyID, contactID string) ([]Thread, error) {
	rows, err := q.Query(ctx, `SELECT `+conversationColumns+conversationFrom+`
		WHERE v.company_id = ? AND v.contact_id = ? ORDER BY v.id`, companyID, contactID)
	if err != nil {
		return nil, fmt.Errorf("contact conversations: %w", err)
	}
	out := []Thread{}
	for rows.Next() {
		v, err := scanConversation(rows)
		if err != nil {
			rows.Close()
			return nil, err
		}
		out = append(out, Thread{Conversation: v, Messages: []Message{}})
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return nil, err
	}
	for i := range out {
		mrows, err := q.Query(ctx, `SELECT `+messageColumns+` FROM messages WHERE company_id = ? AND conversation_id = ? ORDER BY id`,
			companyID, out[i].ID)
		if err != nil {
			return nil, fmt.Errorf("conversation messages: %w", err)
		}
		for mrows.Next() {
			m, err := scanMessage(mrows)
			if err != nil {
				mrows.Close()
				return nil, err
			}
			out[i].Messages = append(out[i].Messages, m)
		}
		mrows.Close()
	}
	return out, nil
}
