// Package conversations owns conversations and their messages: the timeline
// both message paths write to. The inbound worker opens conversations and
// stores what contacts send; the outbox (later) stores what goes out; the
// API reads both.
//
// Decisions:
//   - One open conversation per (connection, contact): "open" here means any
//     status but resolved, enforced by a unique partial index. A message to a
//     resolved conversation opens a new one, so each conversation is one
//     service episode (a protocol, as Brazilian customer service expects).
//   - A new inbound message moves a pending or snoozed conversation back to
//     open.
//   - Lists: conversations by last activity, newest first; messages newest
//     first by id (ids are time-ordered). Cursors are opaque strings.
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

	"github.com/masteria/masteria/internal/apierr"
	"github.com/masteria/masteria/internal/ids"
	"github.com/masteria/masteria/internal/store/db"
)

// Conversation statuses.
const (
	Open     = "open"
	Pending  = "pending"
	Snoozed  = "snoozed"
	Resolved = "resolved"
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

// Conversation is one service episode with a contact on a connection.
type Conversation struct {
	ID            string     `json:"id"`
	ConnectionID  *string    `json:"connection_id"`
	Contact       ContactRef `json:"contact"`
	Status        string     `json:"status"`
	UnreadCount   int        `json:"unread_count"`
	LastMessageAt db.Time    `json:"last_message_at"`
	LastInboundAt db.Time    `json:"last_inbound_at"`
	CreatedAt     db.Time    `json:"created_at"`
	UpdatedAt     db.Time    `json:"updated_at"`
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

// Service reads conversations and messages.
type Service struct{ db *db.DB }

// NewService returns a Service.
func NewService(d *db.DB) *Service { return &Service{db: d} }

// FindOrOpen returns the open conversation of (connection, contact), opening
// one when there is none; an inbound message also moves a pending or
// snoozed conversation back to open.
func FindOrOpen(ctx context.Context, tx *db.Tx, companyID, connectionID, contactID string, at time.Time, inbound bool) (id string, opened bool, err error) {
	var status string
	err = tx.QueryRow(ctx, `SELECT id, status FROM conversations WHERE connection_id = ? AND contact_id = ? AND status <> 'resolved'`,
		connectionID, contactID).Scan(&id, &status)
	switch {
	case err == nil:
		if inbound && status != Open {
			if _, err := tx.Exec(ctx, `UPDATE conversations SET status = 'open', updated_at = ? WHERE id = ?`, db.Now(), id); err != nil {
				return "", false, fmt.Errorf("reopen conversation: %w", err)
			}
		}
		return id, false, nil
	case !errors.Is(err, sql.ErrNoRows):
		return "", false, fmt.Errorf("find conversation: %w", err)
	}
	id = ids.New()
	now := db.Now()
	// Another transaction may open it at the same moment: the unique index
	// on open conversations keeps one, and this one reads it.
	res, err := tx.Exec(ctx, `INSERT INTO conversations (id, company_id, connection_id, contact_id, status, last_message_at, created_at, updated_at)
		VALUES (?, ?, ?, ?, 'open', ?, ?, ?) ON CONFLICT DO NOTHING`, id, companyID, connectionID, contactID, at, now, now)
	if err != nil {
		return "", false, fmt.Errorf("open conversation: %w", err)
	}
	if n, _ := res.RowsAffected(); n == 0 {
		err = tx.QueryRow(ctx, `SELECT id FROM conversations WHERE connection_id = ? AND contact_id = ? AND status <> 'resolved'`,
			connectionID, contactID).Scan(&id)
		if err != nil {
			return "", false, fmt.Errorf("find conversation opened meanwhile: %w", err)
		}
		return id, false, nil
	}
	return id, true, nil
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
	At                                                 time.Time
	// Outbound only: the outbox lane, who sent it, and when it may go.
	Lane     int
	Source   string
	AuthorID string
	SendAt   time.Time
}

// Insert stores a message; inserted is false when a message with the same
// provider id already exists on the connection (a provider's second copy).
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
	var author, sendAt any
	if m.AuthorID != "" {
		author = m.AuthorID
	}
	if !m.SendAt.IsZero() {
		sendAt = m.SendAt.UTC()
	}
	res, err := tx.Exec(ctx, `INSERT INTO messages (id, company_id, conversation_id, contact_id, connection_id, direction, type, text, content,
		status, provider_message_id, reply_to, media_status, lane, source, author_id, send_at, created_at)
		VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT DO NOTHING`,
		id, m.CompanyID, m.ConversationID, m.ContactID, m.ConnectionID, m.Direction, m.Type, m.Text, string(content),
		m.Status, provider, m.ReplyTo, m.MediaStatus, m.Lane, m.Source, author, sendAt, db.Now())
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
	col := "last_message_at = ?"
	args := []any{m.At}
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
	ConnectionID string
	ContactID    string
}

const conversationColumns = `v.id, v.connection_id, c.id, c.phone, c.name, v.status, v.unread_count, v.last_message_at, v.last_inbound_at, v.created_at, v.updated_at`

func scanConversation(sc interface{ Scan(...any) error }) (Conversation, error) {
	var v Conversation
	var conn sql.NullString
	err := sc.Scan(&v.ID, &conn, &v.Contact.ID, &v.Contact.Phone, &v.Contact.Name, &v.Status, &v.UnreadCount,
		&v.LastMessageAt, &v.LastInboundAt, &v.CreatedAt, &v.UpdatedAt)
	if conn.Valid {
		v.ConnectionID = &conn.String
	}
	return v, err
}

// List returns a company's conversations, most recent activity first.
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
	for _, f := range []struct{ col, val string }{{"v.connection_id", q.ConnectionID}, {"v.contact_id", q.ContactID}} {
		if f.val == "" {
			continue
		}
		if !ids.Valid(f.val) {
			return []Conversation{}, "", nil
		}
		where = append(where, f.col+" = ?")
		args = append(args, f.val)
	}
	if q.Cursor != "" {
		c, err := decodeCursor(q.Cursor)
		if err != nil {
			return nil, "", err
		}
		where = append(where, "(v.last_message_at < ? OR (v.last_message_at = ? AND v.id < ?))")
		args = append(args, c.At, c.At, c.ID)
	}
	args = append(args, q.Limit+1)
	rows, err := s.db.Query(ctx, `SELECT `+conversationColumns+` FROM conversations v JOIN contacts c ON c.id = v.contact_id
		WHERE `+strings.Join(where, " AND ")+` ORDER BY v.last_message_at DESC, v.id DESC LIMIT ?`, args...)
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
	next := ""
	if len(out) > q.Limit {
		out = out[:q.Limit]
		last := out[len(out)-1]
		next = encodeCursor(last.LastMessageAt.Time, last.ID)
	}
	return out, next, nil
}

// Get returns one conversation.
func (s *Service) Get(ctx context.Context, companyID, id string) (Conversation, error) {
	if !ids.Valid(id) {
		return Conversation{}, apierr.NotFound()
	}
	v, err := scanConversation(s.db.QueryRow(ctx, `SELECT `+conversationColumns+` FROM conversations v JOIN contacts c ON c.id = v.contact_id
		WHERE v.company_id = ? AND v.id = ?`, companyID, id))
	if errors.Is(err, sql.ErrNoRows) {
		return v, apierr.NotFound()
	}
	return v, err
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
		var c struct {
			Media struct {
				MimeType string `json:"mime_type"`
				Filename string `json:"filename"`
			} `json:"media"`
		}
		_ = json.Unmarshal(m.Content, &c)
		m.Media = &Media{Status: mediaStatus, Error: mediaError, MimeType: c.Media.MimeType, Filename: c.Media.Filename}
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
	next := ""
	if len(out) > limit {
		out = out[:limit]
		next = out[len(out)-1].ID
	}
	return out, next, nil
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
	return m, err
}

// Thread is a conversation with all its messages, oldest first: what a data
// subject export holds.
type Thread struct {
	Conversation
	Messages []Message `json:"messages"`
}

// ForContact returns every conversation of a contact with its messages.
func ForContact(ctx context.Context, q db.Querier, companyID, contactID string) ([]Thread, error) {
	rows, err := q.Query(ctx, `SELECT `+conversationColumns+` FROM conversations v JOIN contacts c ON c.id = v.contact_id
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
