package outbox

import (
	"context"
	"fmt"
	"time"

	"github.com/masteria/masteria/internal/apierr"
	"github.com/masteria/masteria/internal/channel"
	"github.com/masteria/masteria/internal/connections"
	"github.com/masteria/masteria/internal/conversations"
	"github.com/masteria/masteria/internal/realtime"
	"github.com/masteria/masteria/internal/store/db"
	"github.com/masteria/masteria/internal/templates"
)

// EnqueueMany is Enqueue for many messages of one company on one
// connection, to distinct contacts, in the caller's transaction: the same
// checks, rendering and rows, but read and written a statement per kind of
// row rather than several per message, so that a campaign's feeder queues
// thousands a second. errs[i] is the refusal of ms[i] (nothing was written
// for it) or nil, when queued[i] names its stored message; err aborts the
// lot (the caller's transaction is to be rolled back).
func (o *Outbox) EnqueueMany(ctx context.Context, tx *db.Tx, companyID, connectionID string, ms []Message) (queued []Queued, errs []error, err error) {
	queued, errs = make([]Queued, len(ms)), make([]error, len(ms))
	if len(ms) == 0 {
		return queued, errs, nil
	}
	conn, err := o.conns.Get(ctx, companyID, connectionID)
	if err != nil {
		return nil, nil, err
	}
	refuseAll := func(e error) ([]Queued, []error, error) {
		for i := range errs {
			errs[i] = e
		}
		return queued, errs, nil
	}
	if conn.Status == connections.Disabled {
		return refuseAll(apierr.Conflict("connection_disabled", "This connection is disabled; enable it to send."))
	}
	contactIDs := make([]string, len(ms))
	freeForm := false
	for i, m := range ms {
		freeForm = freeForm || m.Out.Type != channel.TypeTemplate
		if m.CompanyID != companyID || m.ConnectionID != connectionID {
			return nil, nil, fmt.Errorf("outbox: EnqueueMany takes one company's messages on one connection")
		}
		contactIDs[i] = m.ContactID
	}
	f, err := readFacts(ctx, tx, conn, companyID, contactIDs, freeForm)
	if err != nil {
		return nil, nil, err
	}
	now := o.now()
	var ok []int // messages that passed, in order
	for i := range ms {
		m := &ms[i]
		c, found := f.contacts[m.ContactID]
		if !found {
			errs[i] = apierr.NotFound()
			continue
		}
		m.Out.To = c.phone
		probe := m.Out
		if m.MediaKey != "" && probe.Media != nil && probe.Media.ID == "" && probe.Media.Link == "" {
			media := *probe.Media
			media.ID = "attached" // stands for the upload made at dispatch
			probe.Media = &media
		}
		if err := channel.Validate(probe); err != nil {
			errs[i] = refuse("invalid_message", err.(*channel.Error).Message)
			continue
		}
		if err := check(conn, m.ContactID, c, m.Out, now, f); err != nil {
			if _, isAPI := apierr.As(err); !isAPI {
				return nil, nil, err
			}
			errs[i] = err
			continue
		}
		if m.Out.Template != nil {
			// Rendered here from the approved template, as Enqueue does.
			st, err := f.template(m.Out.Template.Name, m.Out.Template.Language)
			if err != nil {
				return nil, nil, err
			}
			rendered, err := st.Render(m.Out.Template)
			if err != nil {
				return nil, nil, err
			}
			tpl := *m.Out.Template
			tpl.Rendered = rendered
			m.Out.Template = &tpl
		}
		ok = append(ok, i)
	}
	if len(ok) == 0 {
		return queued, errs, nil
	}
	passed := make([]string, len(ok))
	first := make(map[string]conversations.Activity, len(ok))
	for k, i := range ok {
		m := ms[i]
		passed[k] = m.ContactID
		if !conversations.Scheduled(now, m.SendAt) {
			first[m.ContactID] = conversations.Activity{Type: m.Out.Type, Text: text(m.Out)}
		}
	}
	convs, err := conversations.FindOrOpenMany(ctx, tx, companyID, connectionID, passed, now, first)
	if err != nil {
		return nil, nil, err
	}
	rows := make([]conversations.NewMessage, len(ok))
	for k, i := range ok {
		m := ms[i]
		found := convs[m.ContactID]
		// An agent who starts a conversation answers it.
		if found.Opened && m.Source == "agent" && m.AuthorID != "" {
			if _, err := tx.Exec(ctx, `UPDATE conversations SET assignee_id = ? WHERE company_id = ? AND id = ?`, m.AuthorID, companyID, found.ID); err != nil {
				return nil, nil, fmt.Errorf("assign to the author: %w", err)
			}
		}
		sendAt := m.SendAt
		if sendAt.IsZero() {
			sendAt = now
		}
		stored := m.Out
		stored.To = "" // the contact's phone, read again at dispatch
		rows[k] = conversations.NewMessage{
			CompanyID: companyID, ConversationID: found.ID, ContactID: m.ContactID, ConnectionID: connectionID,
			Direction: conversations.Outbound, Type: m.Out.Type, Text: text(m.Out), Content: stored, Status: channel.StatusQueued,
			ReplyTo: m.Out.ReplyTo, At: now, Lane: int(m.Lane), Source: m.Source, AuthorID: m.AuthorID, SendAt: sendAt,
			MediaKey: m.MediaKey, MediaStatus: mediaStatus(m.MediaKey),
			ActivityDone: found.Opened && !conversations.Scheduled(now, m.SendAt),
		}
	}
	msgIDs, err := conversations.InsertMany(ctx, tx, rows)
	if err != nil {
		return nil, nil, err
	}
	var events []realtime.Event
	for k, i := range ok {
		found := convs[ms[i].ContactID]
		queued[i] = Queued{MessageID: msgIDs[k], ConversationID: found.ID}
		events = append(events, realtime.Event{Type: "message.created", Data: map[string]any{
			"conversation_id": found.ID, "message_id": msgIDs[k], "direction": conversations.Outbound}})
		if found.Opened {
			events = append(events, realtime.Event{Type: "conversation.created", Data: map[string]any{"conversation_id": found.ID}})
		}
	}
	tx.AfterCommit(func() {
		o.Wake(connectionID)
		for _, ev := range events {
			o.hub.Publish(companyID, ev)
		}
	})
	return queued, errs, nil
}

// batchFacts are the checks' facts for a batch, read once.
type batchFacts struct {
	contacts  map[string]contactState
	inbound   map[string]time.Time // contact -> last wrote on the connection
	templates map[[2]string]templates.Stored
	read      queryFacts // a template not read yet
}

func (f *batchFacts) template(name, language string) (templates.Stored, error) {
	k := [2]string{name, language}
	if st, ok := f.templates[k]; ok {
		return st, nil
	}
	st, err := f.read.template(name, language)
	if err != nil {
		return st, err
	}
	f.templates[k] = st
	return st, nil
}

func (f *batchFacts) lastInbound(contactID string) (time.Time, error) {
	return f.inbound[contactID], nil
}

// readFacts reads the contacts of a batch and, for free-form messages on
// WhatsApp Cloud, when each last wrote (the 24-hour window).
func readFacts(ctx context.Context, tx *db.Tx, conn connections.Connection, companyID string, contactIDs []string, freeForm bool) (*batchFacts, error) {
	f := &batchFacts{contacts: map[string]contactState{}, inbound: map[string]time.Time{}, templates: map[[2]string]templates.Stored{},
		read: queryFacts{ctx, tx, companyID, conn.ID}}
	in := "(" + db.Marks(len(contactIDs)) + ")"
	args := []any{companyID}
	for _, id := range contactIDs {
		args = append(args, id)
	}
	rows, err := tx.Query(ctx, `SELECT id, phone, consent_state FROM contacts WHERE company_id = ? AND id IN `+in, args...)
	if err != nil {
		return nil, fmt.Errorf("recipients: %w", err)
	}
	for rows.Next() {
		var id string
		var c contactState
		if err := rows.Scan(&id, &c.phone, &c.consent); err != nil {
			rows.Close()
			return nil, err
		}
		f.contacts[id] = c
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return nil, err
	}
	if conn.Type != channel.WhatsAppCloud || !freeForm {
		return f, nil
	}
	rows, err = tx.Query(ctx, `SELECT contact_id, max(last_inbound_at) FROM conversations WHERE company_id = ? AND connection_id = ? AND contact_id IN `+in+`
		GROUP BY contact_id`, append([]any{companyID, conn.ID}, args[1:]...)...)
	if err != nil {
		return nil, fmt.Errorf("windows: %w", err)
	}
	defer rows.Close()
	for rows.Next() {
		var id string
		var last db.Time
		if err := rows.Scan(&id, &last); err != nil {
			return nil, err
		}
		f.inbound[id] = last.Time
	}
	return f, rows.Err()
}
