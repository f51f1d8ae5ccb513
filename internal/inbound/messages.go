package inbound

import (
	"context"
	"fmt"
	"time"

	"github.com/masteria/masteria/internal/campaigns/recipient"
	"github.com/masteria/masteria/internal/channel"
	"github.com/masteria/masteria/internal/contacts"
	"github.com/masteria/masteria/internal/conversations"
	"github.com/masteria/masteria/internal/store/db"
)

// Inbound messages are applied by batch, as delivery reports are
// (reports.go): a batch's plain messages wait in a queue and are then
// applied together, a statement per kind of row for all of them (copies
// left out, contacts found or created, conversations found or opened,
// messages inserted, last inbound and campaign replies recorded) instead
// of about ten statements for each. Whatever may depend on them applies
// the queue first, so that everything still happens in the order it
// arrived: a keyword (consent, timeline event) or a sender that is no
// phone number takes the message-by-message path, a preference, template
// review or quality change, and a delivery report concerning the sender,
// wait for the messages before them. Hooks, media downloads and
// auto-assignment still run for each message, in order, once the batch's
// rows are written. A batch that fails is applied again event by event,
// message by message (Processor.process), to the same result.

// batchSet is what a batch collects for applying together; the appliers
// of one transaction share it (nil: everything is applied at once).
type batchSet struct {
	reports  []report
	messages []queued
	keywords map[string]contacts.KeywordSet // by company
}

// queued is an inbound message waiting for its batch.
type queued struct {
	a     *applier // the event it came from: company, connection, events
	m     channel.Inbound
	phone string // the sender's, as Resolve files it
}

// queue holds m for the batch when the set-based path applies it as the
// message-by-message one would; it answers false otherwise.
func (a *applier) queue(m channel.Inbound) bool {
	if a.set == nil || m.ProviderID == "" {
		return false
	}
	if m.Type == channel.TypeText || m.Type == channel.TypeButton {
		kw, ok := a.set.keywords[a.company.ID]
		if !ok {
			kw = contacts.NewKeywordSet(a.company.OptOutKeywords, a.company.OptInKeywords)
			if a.set.keywords == nil {
				a.set.keywords = map[string]contacts.KeywordSet{}
			}
			a.set.keywords[a.company.ID] = kw
		}
		if kw.Action(m.Text) != "" {
			return false
		}
	}
	phone, err := contacts.SenderPhone(m.From, a.company.DefaultCountry)
	if err != nil {
		return false // Resolve says why, failing the event
	}
	a.set.messages = append(a.set.messages, queued{a: a, m: m, phone: phone})
	return true
}

// flushMessages applies the queued messages, a connection at a time
// (contacts belong to the company, conversations to the connection).
func flushMessages(ctx context.Context, tx *db.Tx, set *batchSet) error {
	if set == nil || len(set.messages) == 0 {
		return nil
	}
	byConn := map[string][]queued{}
	var order []string
	for _, q := range set.messages {
		id := q.a.conn.ID
		if _, ok := byConn[id]; !ok {
			order = append(order, id)
		}
		byConn[id] = append(byConn[id], q)
	}
	set.messages = set.messages[:0]
	for _, id := range order {
		if err := applyMessages(ctx, tx, byConn[id]); err != nil {
			return err
		}
	}
	return nil
}

// applyMessages applies one connection's queued messages, in order.
func applyMessages(ctx context.Context, tx *db.Tx, qs []queued) error {
	a0 := qs[0].a
	p, companyID, connID := a0.p, a0.company.ID, a0.conn.ID

	// Copies of messages already stored, or twice in the batch, change
	// nothing (and open no conversation); the unique key still decides
	// when two copies race.
	stored, err := storedProviderIDs(ctx, tx, connID, qs)
	if err != nil {
		return err
	}
	fresh := qs[:0:0]
	for _, q := range qs {
		if stored[q.m.ProviderID] {
			continue
		}
		stored[q.m.ProviderID] = true
		fresh = append(fresh, q)
	}
	if len(fresh) == 0 {
		return nil
	}

	senders := make([]contacts.Sender, len(fresh))
	for i, q := range fresh {
		senders[i] = contacts.Sender{Phone: q.phone, Name: q.m.Name}
	}
	who, err := p.Contacts.ResolveMany(ctx, tx, companyID, senders)
	if err != nil {
		return err
	}
	var people []string
	firstOf := map[string]int{} // contact -> its first message in fresh
	for i, r := range who {
		if _, ok := firstOf[r.ID]; !ok {
			firstOf[r.ID] = i
			people = append(people, r.ID)
		}
	}
	convs, err := conversations.FindOrOpenInbound(ctx, tx, companyID, connID, people, at(fresh[0].m.Timestamp))
	if err != nil {
		return err
	}

	rows := make([]conversations.NewMessage, len(fresh))
	for i, q := range fresh {
		m := q.m
		rows[i] = conversations.NewMessage{
			CompanyID: companyID, ConversationID: convs[who[i].ID].ID, ContactID: who[i].ID, ConnectionID: connID,
			Direction: conversations.Inbound, Type: m.Type, Text: m.Text, Content: contentOf(m), Status: "received",
			ProviderMessageID: m.ProviderID, ReplyTo: m.ContextID, MediaStatus: mediaStatusOf(m), At: at(m.Timestamp),
		}
	}
	msgIDs, err := conversations.InsertInbound(ctx, tx, rows)
	if err != nil {
		return err
	}
	last, first := map[string]time.Time{}, map[string]time.Time{}
	for i, id := range msgIDs {
		if id == "" {
			continue
		}
		c, t := rows[i].ContactID, rows[i].At
		if l, ok := last[c]; !ok || t.After(l) {
			last[c] = t
		}
		if f, ok := first[c]; !ok || t.Before(f) {
			first[c] = t
		}
	}
	if err := contacts.TouchInboundMany(ctx, tx, companyID, last); err != nil {
		return err
	}
	if err := recipient.RepliedMany(ctx, tx, companyID, connID, first); err != nil {
		return err
	}

	for i, q := range fresh {
		msgID := msgIDs[i]
		if msgID == "" {
			continue // a copy committed meanwhile
		}
		a, contactID := q.a, who[i].ID
		found := convs[contactID]
		opened := found.Opened && firstOf[contactID] == i
		if rows[i].MediaStatus != "" && p.FetchMedia != nil {
			if err := p.FetchMedia(ctx, tx, companyID, msgID); err != nil {
				return fmt.Errorf("message %s: %w", q.m.ProviderID, err)
			}
		}
		stored := Stored{CompanyID: companyID, ConnectionID: connID, ConversationID: found.ID, ContactID: contactID,
			MessageID: msgID, Message: q.m, OpenedConversation: opened}
		for _, h := range p.Hooks {
			if err := h(ctx, tx, stored); err != nil {
				return fmt.Errorf("message %s: %w", q.m.ProviderID, err)
			}
		}
		if found.AssigneeID == "" && found.TeamID != "" && p.Conversations != nil {
			if found.AssigneeID, err = p.Conversations.AutoAssign(ctx, tx, companyID, found.ID, found.TeamID); err != nil {
				return fmt.Errorf("message %s: %w", q.m.ProviderID, err)
			}
			convs[contactID] = found // the next message finds it assigned
		}
		a.published(found.ID, msgID, found.AssigneeID, who[i].Created, opened, contactID)
	}
	return nil
}

// storedProviderIDs answers which of the messages' provider ids the
// connection already has.
func storedProviderIDs(ctx context.Context, tx *db.Tx, connID string, qs []queued) (map[string]bool, error) {
	out := map[string]bool{}
	for start := 0; start < len(qs); start += reportsPerInsert {
		chunk := qs[start:min(len(qs), start+reportsPerInsert)]
		args := make([]any, 0, len(chunk)+1)
		args = append(args, connID)
		for _, q := range chunk {
			args = append(args, q.m.ProviderID)
		}
		if err := db.AddStrings(ctx, tx, out, `SELECT provider_message_id FROM messages
			WHERE connection_id = ? AND provider_message_id IN (`+db.Marks(len(chunk))+`)`, args...); err != nil {
			return nil, fmt.Errorf("dedupe: %w", err)
		}
	}
	return out, nil
}
