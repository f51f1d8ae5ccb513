package inbound

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"github.com/masteria/masteria/internal/campaigns/recipient"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/masteria/masteria/internal/channel"
	"github.com/masteria/masteria/internal/companies"
	"github.com/masteria/masteria/internal/connections"
	"github.com/masteria/masteria/internal/contacts"
	"github.com/masteria/masteria/internal/conversations"
	"github.com/masteria/masteria/internal/realtime"
	"github.com/masteria/masteria/internal/store/db"
)

// applier applies one event's batches in a transaction and collects the
// real-time events to publish after the commit.
type applier struct {
	p       *Processor
	tx      *db.Tx
	conn    connections.Resolved
	company companies.Company
	pubs    []realtime.Event
	// set collects delivery reports and plain messages for the batch to
	// apply together (nil: each is applied at once).
	set *batchSet
}

// flushReportsTo applies the delivery reports collected so far in the
// batch when one of them may concern the person (or names nobody), after
// the messages queued before them.
func (a *applier) flushReportsTo(ctx context.Context, person string) error {
	if a.set == nil || len(a.set.reports) == 0 {
		return nil
	}
	who := digitsOf(person)
	concerned := who == ""
	for _, r := range a.set.reports {
		if to := digitsOf(r.s.RecipientID); to == "" || to == who {
			concerned = true
			break
		}
	}
	if !concerned {
		return nil
	}
	if err := flushMessages(ctx, a.tx, a.set); err != nil {
		return err
	}
	err := applyReports(ctx, a.tx, a.set.reports)
	a.set.reports = a.set.reports[:0]
	return err
}

// flushMessages applies the batch's queued messages before something that
// may depend on them.
func (a *applier) flushMessages(ctx context.Context) error {
	return flushMessages(ctx, a.tx, a.set)
}

// digitsOf keeps a phone number's or WhatsApp id's digits.
func digitsOf(s string) string {
	return strings.Map(func(r rune) rune {
		if r >= '0' && r <= '9' {
			return r
		}
		return -1
	}, s)
}

func (a *applier) publish(typ string, data any) {
	a.pubs = append(a.pubs, realtime.Event{Type: typ, Data: data})
}

func (a *applier) batch(ctx context.Context, b channel.Batch) error {
	for _, m := range b.Messages {
		// A reply marks its campaign recipient replied, a keyword changes
		// consent: what was reported to that person before it is applied
		// first.
		if err := a.flushReportsTo(ctx, m.From); err != nil {
			return err
		}
	}
	for _, m := range b.Messages {
		if a.queue(m) {
			continue
		}
		if err := a.flushMessages(ctx); err != nil {
			return err
		}
		if err := a.message(ctx, m); err != nil {
			return fmt.Errorf("message %s: %w", m.ProviderID, err)
		}
	}
	if len(b.Templates) > 0 || len(b.Preferences) > 0 || len(b.Quality) > 0 {
		// What they publish, and the consent a preference writes, come
		// after the messages before them.
		if err := a.flushMessages(ctx); err != nil {
			return err
		}
	}
	for _, s := range b.Statuses {
		if err := a.status(ctx, s); err != nil {
			return fmt.Errorf("status %s of %s: %w", s.Status, s.ProviderID, err)
		}
	}
	for _, t := range b.Templates {
		if a.p.Templates == nil {
			continue
		}
		if err := a.p.Templates(ctx, a.tx, a.company.ID, a.conn.ID, t); err != nil {
			return fmt.Errorf("template %s: %w", t.Name, err)
		}
		a.publish("template.status", map[string]any{"connection_id": a.conn.ID, "name": t.Name, "language": t.Language, "event": t.Event})
	}
	for _, pref := range b.Preferences {
		if err := a.flushReportsTo(ctx, pref.From); err != nil { // 131050 stops and preferences stay in order
			return err
		}
	}
	for _, pref := range b.Preferences {
		if err := a.preference(ctx, pref); err != nil {
			return fmt.Errorf("preference of %s: %w", pref.From, err)
		}
	}
	for _, q := range b.Quality {
		fields := map[string]any{"quality_event": q.Event, "quality_updated_at": time.Now().UTC().Format(time.RFC3339)}
		if q.CurrentLimit != "" {
			fields["messaging_limit"] = q.CurrentLimit
		}
		if err := a.p.Connections.MergeInfo(ctx, a.tx, a.company.ID, a.conn.ID, fields); err != nil {
			return err
		}
		a.publish("connection.status", map[string]any{"connection_id": a.conn.ID, "quality_event": q.Event})
	}
	return nil
}

func at(t time.Time) time.Time {
	if t.IsZero() {
		return time.Now().UTC()
	}
	return t.UTC()
}

// content is what a message keeps beyond type and text.
type content struct {
	Media    *channel.Media          `json:"media,omitempty"`
	Location *channel.Place          `json:"location,omitempty"`
	Contacts any                     `json:"contacts,omitempty"`
	Reply    *channel.ButtonReply    `json:"reply,omitempty"`
	Reaction *channel.Reaction       `json:"reaction,omitempty"`
	Errors   []channel.ProviderError `json:"errors,omitempty"`
	Raw      any                     `json:"raw,omitempty"`
}

var knownTypes = map[string]bool{
	channel.TypeText: true, channel.TypeImage: true, channel.TypeAudio: true, channel.TypeVideo: true, channel.TypeDocument: true,
	channel.TypeSticker: true, channel.TypeLocation: true, channel.TypeContacts: true, channel.TypeInteractive: true,
	channel.TypeButton: true, channel.TypeReaction: true,
}

func (a *applier) message(ctx context.Context, m channel.Inbound) error {
	tx := a.tx
	if m.ProviderID == "" {
		return fmt.Errorf("%w: the message has no id", errBadEvent)
	}
	// A copy of a message already stored changes nothing; checking first
	// keeps a copy from opening a conversation. The unique key still decides
	// when two copies race.
	var dup int
	if err := tx.QueryRow(ctx, `SELECT count(*) FROM messages WHERE connection_id = ? AND provider_message_id = ?`,
		a.conn.ID, m.ProviderID).Scan(&dup); err != nil {
		return fmt.Errorf("dedupe: %w", err)
	}
	if dup > 0 {
		return nil
	}
	contactID, created, err := a.p.Contacts.Resolve(ctx, tx, a.company.ID, a.company.DefaultCountry, m.From, m.Name)
	if err != nil {
		return err
	}
	t := at(m.Timestamp)
	found, err := conversations.FindOrOpen(ctx, tx, a.company.ID, a.conn.ID, contactID, t, true)
	if err != nil {
		return err
	}
	convID, opened := found.ID, found.Opened
	mediaStatus := mediaStatusOf(m)
	msgID, inserted, err := conversations.Insert(ctx, tx, conversations.NewMessage{
		CompanyID: a.company.ID, ConversationID: convID, ContactID: contactID, ConnectionID: a.conn.ID,
		Direction: conversations.Inbound, Type: m.Type, Text: m.Text, Content: contentOf(m), Status: "received",
		ProviderMessageID: m.ProviderID, ReplyTo: m.ContextID, MediaStatus: mediaStatus, At: t,
	})
	if err != nil || !inserted {
		return err
	}
	if err := contacts.TouchInbound(ctx, tx, a.company.ID, contactID, t); err != nil {
		return err
	}
	if err := recipient.Replied(ctx, tx, a.company.ID, a.conn.ID, contactID, t); err != nil {
		return err
	}
	if m.Type == channel.TypeText || m.Type == channel.TypeButton {
		if action := contacts.KeywordAction(m.Text, a.company.OptOutKeywords, a.company.OptInKeywords); action != "" {
			wrote, err := a.p.Contacts.RecordConsentTx(ctx, tx, a.company.ID, contactID, contacts.ConsentInput{
				Action: action, Source: "keyword", Channel: a.conn.Type, Wording: m.Text,
				Reason: "keyword " + strings.ToUpper(strings.TrimSpace(m.Text)),
			})
			if err != nil {
				return err
			}
			if wrote {
				a.publish("contact.consent", map[string]any{"contact_id": contactID, "action": action})
				if a.p.Conversations != nil {
					ev := map[string]any{"event": "opted_out", "keyword": strings.ToUpper(strings.TrimSpace(m.Text))}
					if action == "opt_in" {
						ev["event"] = "opted_in"
					}
					if err := a.p.Conversations.Event(ctx, tx, a.company.ID, convID, ev); err != nil {
						return err
					}
				}
			}
		}
	}
	if mediaStatus != "" && a.p.FetchMedia != nil {
		if err := a.p.FetchMedia(ctx, tx, a.company.ID, msgID); err != nil {
			return err
		}
	}
	stored := Stored{CompanyID: a.company.ID, ConnectionID: a.conn.ID, ConversationID: convID, ContactID: contactID,
		MessageID: msgID, Message: m, OpenedConversation: opened}
	for _, h := range a.p.Hooks {
		if err := h(ctx, tx, stored); err != nil {
			return err
		}
	}
	assignee := found.AssigneeID
	if assignee == "" && found.TeamID != "" && a.p.Conversations != nil {
		if assignee, err = a.p.Conversations.AutoAssign(ctx, tx, a.company.ID, convID, found.TeamID); err != nil {
			return err
		}
	}
	a.published(convID, msgID, assignee, created, opened, contactID)
	return nil
}

// published queues the real-time events of a new inbound message.
func (a *applier) published(convID, msgID, assignee string, createdContact, opened bool, contactID string) {
	if createdContact {
		a.publish("contact.created", map[string]any{"contact_id": contactID})
	}
	var assigneeID any
	if assignee != "" {
		assigneeID = assignee
	}
	// One event per message: a client refreshes the conversation from
	// message.created; conversation.created only tells of a new one.
	a.publish("message.created", map[string]any{"conversation_id": convID, "message_id": msgID, "direction": conversations.Inbound, "assignee_id": assigneeID})
	if opened {
		a.publish("conversation.created", map[string]any{"conversation_id": convID})
	}
}

// contentOf is what a message keeps beyond type and text.
func contentOf(m channel.Inbound) content {
	c := content{Media: m.Media, Location: m.Location, Reply: m.Reply, Reaction: m.Reaction, Errors: m.Errors}
	if len(m.Contacts) > 0 {
		c.Contacts = m.Contacts
	}
	if !knownTypes[m.Type] && len(m.Raw) > 0 {
		c.Raw = m.Raw
	}
	return c
}

// mediaStatusOf is "pending" for a message with a file to download.
func mediaStatusOf(m channel.Inbound) string {
	if m.Media != nil && (m.Media.ID != "" || m.Media.Link != "") {
		return "pending"
	}
	return ""
}

func (a *applier) status(ctx context.Context, s channel.Status) error {
	if s.ProviderID == "" || channel.Rank(s.Status) < channel.Rank(channel.StatusSent) {
		return fmt.Errorf("%w: status %q for %q is not a delivery report", errBadEvent, s.Status, s.ProviderID)
	}
	code, reason := "", ""
	if len(s.Errors) > 0 {
		code = strconv.Itoa(s.Errors[0].Code)
		reason = firstNonEmpty(s.Errors[0].Details, s.Errors[0].Message, s.Errors[0].Title)
	}
	t := at(s.Timestamp)
	if a.set != nil {
		a.set.reports = append(a.set.reports, report{a: a, s: s, code: code, reason: reason, at: t})
		return nil
	}
	// The report is recorded with the message it matches, if any; a copy of
	// a report already recorded collides and returns no row.
	var match sql.NullString
	err := a.tx.QueryRow(ctx, `INSERT INTO message_statuses (company_id, connection_id, provider_message_id, status, message_id, error_code, error_reason, at, received_at)
		VALUES (?, ?, ?, ?, (SELECT id FROM messages WHERE connection_id = ? AND provider_message_id = ? AND direction = 'outbound'), ?, ?, ?, ?)
		ON CONFLICT DO NOTHING RETURNING message_id`,
		a.company.ID, a.conn.ID, s.ProviderID, s.Status, a.conn.ID, s.ProviderID, code, reason, t, db.Now()).Scan(&match)
	if errors.Is(err, sql.ErrNoRows) {
		return nil // a copy of a report already applied
	}
	if err != nil {
		return fmt.Errorf("record status: %w", err)
	}
	if !match.Valid {
		// The send may be committing this very moment: take turns with it
		// (see ApplyUnmatched) and look again. One of the two always sees
		// the other's commit; a report that finds its message at once
		// needs no turn.
		if match, err = rematch(ctx, a.tx, a.conn.ID, s.ProviderID, s.Status); err != nil {
			return err
		}
		if !match.Valid {
			return nil // kept unmatched until the outbox records this id
		}
	}
	msgID := match.String
	ev, err := applyStatus(ctx, a.tx, msgID, s.Status, code, reason, t)
	if err != nil {
		return err
	}
	if ev != nil {
		a.pubs = append(a.pubs, *ev)
	}
	if s.Status == channel.StatusFailed && code == "131050" {
		// The person stopped marketing messages: honoured at once.
		if err := a.marketingStop(ctx, s.RecipientID, msgID, t); err != nil {
			return err
		}
	}
	return nil
}

// LockReports takes, in one order, the turns of several provider ids that
// a transaction is about to record (see ApplyUnmatched). A transaction that
// records many sends takes them all first: taken one by one between row
// updates, a batch of reports being applied could hold one turn and wait
// for a row this transaction holds (a deadlock PostgreSQL breaks by failing
// one of the two).
func LockReports(ctx context.Context, tx *db.Tx, connectionID string, providerIDs []string) error {
	keys := make([]string, 0, len(providerIDs))
	for _, id := range providerIDs {
		keys = append(keys, reportKey(connectionID, id))
	}
	slices.Sort(keys)
	if err := db.LockKeys(ctx, tx, slices.Compact(keys)); err != nil {
		return fmt.Errorf("lock reports: %w", err)
	}
	return nil
}

func reportKey(connectionID, providerID string) string {
	return "report:" + connectionID + ":" + providerID
}

// Unmatched answers which of a connection's provider ids have delivery
// reports waiting for their message (arrived before the send was
// recorded): the sends recorded in a batch look them up at once, and only
// those call ApplyUnmatched.
func Unmatched(ctx context.Context, tx *db.Tx, connectionID string, providerIDs []string) (map[string]bool, error) {
	out := map[string]bool{}
	if len(providerIDs) == 0 {
		return out, nil
	}
	args := []any{connectionID}
	for _, id := range providerIDs {
		args = append(args, id)
	}
	if err := db.AddStrings(ctx, tx, out, `SELECT DISTINCT provider_message_id FROM message_statuses
		WHERE connection_id = ? AND message_id IS NULL AND provider_message_id IN (`+db.Marks(len(providerIDs))+`)`, args...); err != nil {
		return nil, fmt.Errorf("unmatched statuses: %w", err)
	}
	return out, nil
}

func firstNonEmpty(xs ...string) string {
	for _, x := range xs {
		if x != "" {
			return x
		}
	}
	return ""
}

var statusColumn = map[string]string{
	channel.StatusSent: "sent_at", channel.StatusDelivered: "delivered_at", channel.StatusRead: "read_at", channel.StatusFailed: "failed_at",
}

// rankSQL is channel.Rank in SQL, over the messages.status column.
const rankSQL = `(CASE status WHEN 'queued' THEN 1 WHEN 'sending' THEN 2 WHEN 'sent' THEN 3 WHEN 'delivered' THEN 4 WHEN 'failed' THEN 5 WHEN 'read' THEN 6 ELSE 0 END)`

// applyStatus moves a message forward to status (never back) and fills the
// time of that status, in one statement; it returns the real-time event to
// publish when the status moved.
func applyStatus(ctx context.Context, tx *db.Tx, msgID, status, code, reason string, t time.Time) (*realtime.Event, error) {
	col := statusColumn[status]
	rank := channel.Rank(status)
	forward := rankSQL + ` < ?`
	var convID, now string
	err := tx.QueryRow(ctx, `UPDATE messages SET `+col+` = COALESCE(`+col+`, ?),
		status = CASE WHEN `+forward+` THEN ? ELSE status END,
		status_at = CASE WHEN `+forward+` THEN ? ELSE status_at END,
		error_code = CASE WHEN `+forward+` THEN ? ELSE error_code END,
		error_reason = CASE WHEN `+forward+` THEN ? ELSE error_reason END
		WHERE id = ? RETURNING conversation_id, status`,
		t, rank, status, rank, t, rank, code, rank, reason, msgID).Scan(&convID, &now)
	if err != nil {
		return nil, fmt.Errorf("update message status: %w", err)
	}
	if now != status {
		return nil, nil
	}
	if err := recipient.Mirror(ctx, tx, msgID, status, code, reason, t); err != nil {
		return nil, err
	}
	return &realtime.Event{Type: "message.status", Data: map[string]any{
		"message_id": msgID, "conversation_id": convID, "status": status, "error_code": code,
	}}, nil
}

// ApplyUnmatched applies delivery reports that arrived before the message's
// provider id was recorded (the provider answered the send and reported on
// it before our commit). The outbox calls it, in the transaction that
// records the provider id.
func ApplyUnmatched(ctx context.Context, tx *db.Tx, companyID, connectionID, messageID, providerID string) ([]realtime.Event, error) {
	// The message row is already written in tx: a report being applied now
	// either committed before this lock (and is read below) or waits for it
	// and then finds the message.
	if err := db.LockKey(ctx, tx, reportKey(connectionID, providerID)); err != nil {
		return nil, fmt.Errorf("lock report: %w", err)
	}
	rows, err := tx.Query(ctx, `SELECT status, error_code, error_reason, at FROM message_statuses
		WHERE connection_id = ? AND provider_message_id = ? AND message_id IS NULL`, connectionID, providerID)
	if err != nil {
		return nil, fmt.Errorf("unmatched statuses: %w", err)
	}
	type report struct {
		status, code, reason string
		at                   db.Time
	}
	var reports []report
	for rows.Next() {
		var r report
		if err := rows.Scan(&r.status, &r.code, &r.reason, &r.at); err != nil {
			rows.Close()
			return nil, err
		}
		reports = append(reports, r)
	}
	rows.Close()
	var out []realtime.Event
	if len(reports) > 0 {
		if _, err := tx.Exec(ctx, `UPDATE message_statuses SET message_id = ? WHERE connection_id = ? AND provider_message_id = ? AND message_id IS NULL`,
			messageID, connectionID, providerID); err != nil {
			return nil, fmt.Errorf("match statuses: %w", err)
		}
	}
	for _, r := range reports {
		ev, err := applyStatus(ctx, tx, messageID, r.status, r.code, r.reason, r.at.Time)
		if err != nil {
			return nil, err
		}
		if ev != nil {
			out = append(out, *ev)
		}
	}
	return out, rows.Err()
}

func (a *applier) marketingStop(ctx context.Context, from, msgID string, t time.Time) error {
	var contactID string
	if err := a.tx.QueryRow(ctx, `SELECT contact_id FROM messages WHERE id = ?`, msgID).Scan(&contactID); err != nil {
		return fmt.Errorf("message contact: %w", err)
	}
	wrote, err := a.p.Contacts.RecordConsentTx(ctx, a.tx, a.company.ID, contactID, contacts.ConsentInput{
		Action: "opt_out", Source: "provider", Channel: a.conn.Type, Reason: "marketing_messages stopped (WhatsApp error 131050)",
	})
	if wrote {
		a.publish("contact.consent", map[string]any{"contact_id": contactID, "action": "opt_out"})
	}
	return err
}

func (a *applier) preference(ctx context.Context, p channel.Preference) error {
	var action string
	switch strings.ToLower(p.Value) {
	case "stop":
		action = "opt_out"
	case "resume":
		action = "opt_in"
	default:
		return nil // a preference we do not act on
	}
	contactID, _, err := a.p.Contacts.Resolve(ctx, a.tx, a.company.ID, a.company.DefaultCountry, p.From, "")
	if err != nil {
		return err
	}
	wrote, err := a.p.Contacts.RecordConsentTx(ctx, a.tx, a.company.ID, contactID, contacts.ConsentInput{
		Action: action, Source: "provider", Channel: a.conn.Type,
		Reason: p.Category + " " + strings.ToLower(p.Value) + " (WhatsApp preference)",
	})
	if wrote {
		a.publish("contact.consent", map[string]any{"contact_id": contactID, "action": action})
	}
	return err
}
