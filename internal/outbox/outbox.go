package outbox

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"sync"
	"time"

	"github.com/masteria/masteria/internal/apierr"
	"github.com/masteria/masteria/internal/channel"
	"github.com/masteria/masteria/internal/connections"
	"github.com/masteria/masteria/internal/contacts"
	"github.com/masteria/masteria/internal/conversations"
	"github.com/masteria/masteria/internal/ids"
	"github.com/masteria/masteria/internal/realtime"
	"github.com/masteria/masteria/internal/store/db"
	"github.com/masteria/masteria/internal/templates"
)

// Lane orders what a connection sends first.
type Lane int

const (
	Replies    Lane = 0 // an agent or API client answering a conversation
	Automation Lane = 1 // automation rules and AI personas
	Campaigns  Lane = 2 // mass sending
)

// Window is WhatsApp's customer service window.
const Window = conversations.Window

// Message is a message to send.
type Message struct {
	CompanyID    string
	ConnectionID string
	ContactID    string
	Lane         Lane
	Source       string // agent, api, automation, ai, campaign
	AuthorID     string
	Out          channel.Outbound // To is filled in from the contact
	SendAt       time.Time        // zero: as soon as possible
	// MediaKey names a file an agent attached (package media): Out.Media
	// has no id or link, and the file is uploaded when the message leaves.
	MediaKey string
}

// Queued names the stored message.
type Queued struct {
	MessageID      string `json:"message_id"`
	ConversationID string `json:"conversation_id"`
}

// Outbox queues and sends.
type Outbox struct {
	db       *db.DB
	conns    *connections.Service
	adapters *connections.Adapters
	hub      *realtime.Hub
	logger   *slog.Logger
	owner    string // this instance, in lease rows
	now      func() time.Time
	// Contacts records opt-outs a provider reports on a send (131050).
	Contacts *contacts.Service
	// RetryBase is the first retry's wait, doubled each try (default 1 s).
	RetryBase time.Duration
	// SendTimeout bounds one provider call (default 30 s).
	SendTimeout time.Duration
	// Files opens an attached file by its key, DeleteFiles removes files
	// (package media).
	Files       func(ctx context.Context, key string) (io.ReadCloser, error)
	DeleteFiles func(ctx context.Context, keys []string) error

	mu          sync.Mutex
	dispatchers map[string]*dispatcher
	tendC       chan struct{}
}

// New returns an Outbox; Run starts its dispatchers.
func New(d *db.DB, conns *connections.Service, adapters *connections.Adapters, hub *realtime.Hub, logger *slog.Logger) *Outbox {
	return &Outbox{db: d, conns: conns, adapters: adapters, hub: hub, logger: logger, owner: ids.New(), now: time.Now,
		dispatchers: map[string]*dispatcher{}, tendC: make(chan struct{}, 1), RetryBase: time.Second, SendTimeout: 30 * time.Second}
}

func refuse(code, msg string) error {
	return apierr.New(http.StatusUnprocessableEntity, code, msg)
}

// contactState is what the checks need to know about a recipient.
type contactState struct {
	phone, consent string
}

func loadContact(ctx context.Context, q db.Querier, companyID, contactID string) (contactState, error) {
	var c contactState
	err := q.QueryRow(ctx, `SELECT phone, consent_state FROM contacts WHERE company_id = ? AND id = ?`, companyID, contactID).Scan(&c.phone, &c.consent)
	if errors.Is(err, sql.ErrNoRows) {
		return c, apierr.NotFound()
	}
	return c, err
}

// facts are what the checks read besides the contact: a stored template,
// and when the contact last wrote on the connection. A single send reads
// them as it goes (queryFacts); EnqueueMany reads them once for a batch.
type facts interface {
	template(name, language string) (templates.Stored, error)
	lastInbound(contactID string) (time.Time, error)
}

type queryFacts struct {
	ctx                     context.Context
	q                       db.Querier
	companyID, connectionID string
}

func (f queryFacts) template(name, language string) (templates.Stored, error) {
	return templates.Lookup(f.ctx, f.q, f.companyID, f.connectionID, name, language)
}

func (f queryFacts) lastInbound(contactID string) (time.Time, error) {
	var last db.Time
	err := f.q.QueryRow(f.ctx, `SELECT max(last_inbound_at) FROM conversations WHERE company_id = ? AND connection_id = ? AND contact_id = ?`,
		f.companyID, f.connectionID, contactID).Scan(&last)
	if err != nil {
		return time.Time{}, fmt.Errorf("window: %w", err)
	}
	return last.Time, nil
}

// checkTemplate is templates.CheckSend through f.
func checkTemplate(f facts, m *channel.TemplateMessage) error {
	if m == nil || m.Name == "" || m.Language == "" {
		return templates.Stored{}.Check(m) // template_required
	}
	st, err := f.template(m.Name, m.Language)
	if err != nil {
		return err
	}
	return st.Check(m)
}

// check runs the rules every send must pass, at enqueue and again at
// dispatch. It answers an apierr whose code the message keeps when it fails.
func check(conn connections.Connection, contactID string, c contactState, out channel.Outbound, now time.Time, f facts) error {
	if c.consent == contacts.OptedOut {
		return refuse("opted_out", "This contact opted out of messages; nothing is sent to them until they opt back in.")
	}
	if conn.Type == channel.WhatsAppCloud {
		if out.Type == channel.TypeTemplate {
			return checkTemplate(f, out.Template)
		}
		last, err := f.lastInbound(contactID)
		if err != nil {
			return err
		}
		if last.IsZero() || now.Sub(last) >= Window {
			return refuse("window_closed", "The 24-hour window is closed: more than 24 hours passed since this contact last wrote. Send an approved template.")
		}
	}
	if out.Type == channel.TypeTemplate && conn.Type == channel.Simulator {
		return checkTemplate(f, out.Template)
	}
	return nil
}

// text is what a message shows in lists and search.
func text(out channel.Outbound) string {
	switch {
	case out.Text != "":
		return out.Text
	case out.Media != nil:
		return out.Media.Caption
	case out.Interactive != nil:
		return out.Interactive.Body
	case out.Template != nil:
		if t := out.Template.Rendered["body"]; t != "" {
			return t
		}
		return out.Template.Name
	case out.Reaction != nil:
		return out.Reaction.Emoji
	}
	return ""
}

// Enqueue stores a message to send, in the caller's transaction, after the
// checks a send must pass (the dispatcher runs them again).
func (o *Outbox) Enqueue(ctx context.Context, tx *db.Tx, m Message) (Queued, error) {
	conn, err := o.conns.Get(ctx, m.CompanyID, m.ConnectionID)
	if err != nil {
		return Queued{}, err
	}
	if conn.Status == connections.Disabled {
		return Queued{}, apierr.Conflict("connection_disabled", "This connection is disabled; enable it to send.")
	}
	c, err := loadContact(ctx, tx, m.CompanyID, m.ContactID)
	if err != nil {
		return Queued{}, err
	}
	m.Out.To = c.phone
	probe := withUpload(m.Out, m.MediaKey)
	if err := channel.Validate(probe); err != nil {
		return Queued{}, refuse("invalid_message", err.(*channel.Error).Message)
	}
	now := o.now()
	if err := check(conn, m.ContactID, c, probe, now, queryFacts{ctx, tx, m.CompanyID, m.ConnectionID}); err != nil {
		return Queued{}, err
	}
	found, err := conversations.FindOrOpen(ctx, tx, m.CompanyID, m.ConnectionID, m.ContactID, now, false)
	if err != nil {
		return Queued{}, err
	}
	convID, opened := found.ID, found.Opened
	if m.Out.Template != nil {
		// The timeline shows the text as the contact reads it, rendered
		// here from the approved template rather than taken from a client.
		rendered, err := templates.Render(ctx, tx, m.CompanyID, m.ConnectionID, m.Out.Template)
		if err != nil {
			return Queued{}, err
		}
		tpl := *m.Out.Template
		tpl.Rendered = rendered
		m.Out.Template = &tpl
	}
	// An agent who starts a conversation answers it.
	if opened && m.Source == "agent" && m.AuthorID != "" {
		if _, err := tx.Exec(ctx, `UPDATE conversations SET assignee_id = ? WHERE id = ?`, m.AuthorID, convID); err != nil {
			return Queued{}, fmt.Errorf("assign to the author: %w", err)
		}
	}
	sendAt := m.SendAt
	if sendAt.IsZero() {
		sendAt = now
	}
	stored := m.Out
	stored.To = "" // the contact's phone, read again at dispatch
	msgID, _, err := conversations.Insert(ctx, tx, conversations.NewMessage{
		CompanyID: m.CompanyID, ConversationID: convID, ContactID: m.ContactID, ConnectionID: m.ConnectionID,
		Direction: conversations.Outbound, Type: m.Out.Type, Text: text(m.Out), Content: stored, Status: channel.StatusQueued,
		ReplyTo: m.Out.ReplyTo, At: now, Lane: int(m.Lane), Source: m.Source, AuthorID: m.AuthorID, SendAt: sendAt,
		MediaKey: m.MediaKey, MediaStatus: mediaStatus(m.MediaKey),
	})
	if err != nil {
		return Queued{}, err
	}
	company := m.CompanyID
	tx.AfterCommit(func() {
		o.Wake(m.ConnectionID)
		o.hub.Publish(company, realtime.Event{Type: "message.created", Data: map[string]any{
			"conversation_id": convID, "message_id": msgID, "direction": conversations.Outbound}})
		if opened {
			o.hub.Publish(company, realtime.Event{Type: "conversation.created", Data: map[string]any{"conversation_id": convID}})
		}
	})
	return Queued{MessageID: msgID, ConversationID: convID}, nil
}

// attachedMedia is the media an attached file (key) stands for: the
// message's own, or a template's media header. It is nil when the file was
// already uploaded or the message carries none.
func attachedMedia(out channel.Outbound, key string) *channel.Media {
	if key == "" {
		return nil
	}
	m := out.Media
	if m == nil && out.Template != nil && out.Template.Header != nil {
		m = out.Template.Header.Media
	}
	if m == nil || m.ID != "" || m.Link != "" {
		return nil
	}
	return m
}

// withUpload is out as the checks see it once its attached file is
// uploaded: the media gets a stand-in id, in a copy.
func withUpload(out channel.Outbound, key string) channel.Outbound {
	if attachedMedia(out, key) == nil {
		return out
	}
	if out.Media != nil {
		media := *out.Media
		media.ID = "attached" // stands for the upload made at dispatch
		out.Media = &media
		return out
	}
	tpl := *out.Template
	header := *tpl.Header
	media := *header.Media
	media.ID = "attached"
	header.Media = &media
	tpl.Header = &header
	out.Template = &tpl
	return out
}

func mediaStatus(key string) string {
	if key == "" {
		return ""
	}
	return "stored"
}

// Cancel withdraws a queued message (send later) before it leaves; a file
// attached to it is deleted too.
func (o *Outbox) Cancel(ctx context.Context, companyID, messageID string) error {
	if !ids.Valid(messageID) {
		return apierr.NotFound()
	}
	var key string
	err := o.db.InTx(ctx, func(tx *db.Tx) error {
		err := tx.QueryRow(ctx, `DELETE FROM messages WHERE company_id = ? AND id = ? AND direction = 'outbound' AND status = 'queued' RETURNING media_key`,
			companyID, messageID).Scan(&key)
		if errors.Is(err, sql.ErrNoRows) {
			var status string
			if err := tx.QueryRow(ctx, `SELECT status FROM messages WHERE company_id = ? AND id = ?`, companyID, messageID).Scan(&status); err != nil {
				return apierr.NotFound()
			}
			return apierr.Conflict("already_sent", "This message already left; it can no longer be cancelled.")
		}
		if err != nil {
			return fmt.Errorf("cancel message: %w", err)
		}
		return nil
	})
	if err == nil && key != "" && o.DeleteFiles != nil {
		if derr := o.DeleteFiles(ctx, []string{key}); derr != nil {
			o.logger.Warn("outbox: deleting a cancelled message's file", "message_id", messageID, "err", derr)
		}
	}
	return err
}

// Wake tells a connection's dispatcher, if this instance runs it, that work
// arrived. For a connection nobody here sends for yet, it looks at the
// leases now rather than at the next round. Not for one that has its
// dispatcher here: a campaign's feeder wakes it several times a second,
// and every round of leases writes a row (and commits) per connection.
func (o *Outbox) Wake(connectionID string) {
	o.mu.Lock()
	d := o.dispatchers[connectionID]
	o.mu.Unlock()
	if d != nil {
		d.wake()
		return
	}
	o.tendNow()
}

// Changed is Wake for a connection added, enabled or disabled: the leases
// are looked at now whoever sends for it, so that a disabled connection's
// dispatcher stops at once.
func (o *Outbox) Changed(connectionID string) {
	o.mu.Lock()
	d := o.dispatchers[connectionID]
	o.mu.Unlock()
	if d != nil {
		d.wake()
	}
	o.tendNow()
}

func (o *Outbox) tendNow() {
	select {
	case o.tendC <- struct{}{}:
	default:
	}
}

// Change is an edit of a scheduled message.
type Change struct {
	Text   *string    `json:"text"`
	SendAt *time.Time `json:"send_at"`
}

// editMargin keeps an edit away from the moment a message leaves: the
// dispatcher reads a due message's content before it claims it.
const editMargin = 10 * time.Second

// Reschedule edits a message that waits for its time (send later): its
// text (text messages only) and when it leaves.
func (o *Outbox) Reschedule(ctx context.Context, companyID, messageID string, c Change) error {
	if !ids.Valid(messageID) {
		return apierr.NotFound()
	}
	if c.Text == nil && c.SendAt == nil {
		return apierr.BadRequest("nothing_to_change", "Send text or send_at.")
	}
	var connID string
	err := o.db.InTx(ctx, func(tx *db.Tx) error {
		var typ, status, content string
		var sendAt db.Time
		var conn sql.NullString
		err := tx.QueryRow(ctx, `SELECT type, status, content, send_at, connection_id FROM messages WHERE company_id = ? AND id = ? AND direction = 'outbound'`,
			companyID, messageID).Scan(&typ, &status, &content, &sendAt, &conn)
		if errors.Is(err, sql.ErrNoRows) {
			return apierr.NotFound()
		}
		if err != nil {
			return fmt.Errorf("message: %w", err)
		}
		now := o.now()
		if status != channel.StatusQueued || sendAt.Before(now.Add(editMargin)) {
			return apierr.Conflict("already_sent", "This message is leaving or already left; it can no longer be changed.")
		}
		connID = conn.String
		newAt := sendAt.Time
		if c.SendAt != nil {
			if c.SendAt.After(now.Add(90 * 24 * time.Hour)) {
				return apierr.Field("send_at", "too_far")
			}
			newAt = c.SendAt.UTC()
			if newAt.Before(now) {
				newAt = now.UTC()
			}
		}
		text := ""
		if c.Text != nil {
			if typ != channel.TypeText {
				return apierr.Field("text", "only_text_messages")
			}
			var out channel.Outbound
			if err := json.Unmarshal([]byte(content), &out); err != nil {
				return fmt.Errorf("message content: %w", err)
			}
			out.Text = *c.Text
			probe := out
			probe.To = "+5511999999999" // the recipient was checked when it was queued
			if err := channel.Validate(probe); err != nil {
				return refuse("invalid_message", err.(*channel.Error).Message)
			}
			b, _ := json.Marshal(out)
			content, text = string(b), out.Text
		}
		q := `UPDATE messages SET send_at = ?, content = ? WHERE id = ? AND status = 'queued'`
		args := []any{newAt, content, messageID}
		if c.Text != nil {
			q = `UPDATE messages SET send_at = ?, content = ?, text = ? WHERE id = ? AND status = 'queued'`
			args = []any{newAt, content, text, messageID}
		}
		if _, err := tx.Exec(ctx, q, args...); err != nil {
			return fmt.Errorf("reschedule: %w", err)
		}
		return nil
	})
	if err == nil && connID != "" {
		o.Wake(connID)
	}
	return err
}
