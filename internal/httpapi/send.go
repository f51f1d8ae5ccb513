package httpapi

import (
	"github.com/masteria/masteria/internal/ids"
	"net/http"
	"strings"
	"time"

	"github.com/masteria/masteria/internal/apierr"
	"github.com/masteria/masteria/internal/auth"
	"github.com/masteria/masteria/internal/channel"
	"github.com/masteria/masteria/internal/contacts"
	"github.com/masteria/masteria/internal/conversations"
	"github.com/masteria/masteria/internal/outbox"
	"github.com/masteria/masteria/internal/store/db"
)

// sendIn is a message to send: the parts of channel.Outbound a client sets.
type sendIn struct {
	ConnectionID string                   `json:"connection_id"` // POST /messages only
	To           string                   `json:"to"`            // POST /messages only
	Type         string                   `json:"type"`
	Text         string                   `json:"text"`
	PreviewURL   bool                     `json:"preview_url"`
	Media        *channel.Media           `json:"media"`
	Location     *channel.Place           `json:"location"`
	Interactive  *channel.InteractiveBody `json:"interactive"`
	Template     *channel.TemplateMessage `json:"template"`
	Reaction     *channel.Reaction        `json:"reaction"`
	ReplyTo      string                   `json:"reply_to"` // a message id of this conversation
	SendAt       *time.Time               `json:"send_at"`
}

func (in sendIn) outbound() channel.Outbound {
	return channel.Outbound{Type: in.Type, Text: in.Text, PreviewURL: in.PreviewURL, Media: in.Media, Location: in.Location,
		Interactive: in.Interactive, Template: in.Template, Reaction: in.Reaction}
}

func checkSendAt(in sendIn) (time.Time, error) {
	if in.SendAt == nil {
		return time.Time{}, nil
	}
	if in.SendAt.After(time.Now().Add(90 * 24 * time.Hour)) {
		return time.Time{}, apierr.Field("send_at", "too_far")
	}
	return *in.SendAt, nil
}

func author(r *http.Request) (source, id string) {
	p, _ := auth.From(r.Context())
	if p.UserID != "" && p.APIKeyID == "" {
		return "agent", p.UserID
	}
	return "api", ""
}

// replyTo turns one of our message ids into the provider id the channel
// quotes.
func replyTo(r *http.Request, q db.Querier, companyID, conversationID, messageID string) (string, error) {
	if messageID == "" {
		return "", nil
	}
	m, err := conversations.MessageByID(r.Context(), q, companyID, messageID)
	if err != nil || m.ConversationID != conversationID || m.ProviderMessageID == nil {
		return "", apierr.Field("reply_to", "not_in_conversation")
	}
	return *m.ProviderMessageID, nil
}

func (s *Server) sendToConversation(w http.ResponseWriter, r *http.Request) {
	var in sendIn
	if err := readJSON(w, r, &in); err != nil {
		s.writeError(w, r, err)
		return
	}
	conv, err := s.Conversations.Get(r.Context(), company(r), r.PathValue("id"))
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	if in.Type == conversations.TypeNote {
		s.addNote(w, r, conv.ID, in)
		return
	}
	if in.ConnectionID != "" || in.To != "" {
		s.writeError(w, r, apierr.BadRequest("not_here", "connection_id and to belong to POST /api/v1/messages; a conversation already has both."))
		return
	}
	if conv.ConnectionID == nil {
		s.writeError(w, r, apierr.Conflict("connection_deleted", "This conversation's connection was deleted; start one on another connection."))
		return
	}
	sendAt, err := checkSendAt(in)
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	source, authorID := author(r)
	out := in.outbound()
	var q outbox.Queued
	err = s.db.InTx(r.Context(), func(tx *db.Tx) error {
		if out.ReplyTo, err = replyTo(r, tx, company(r), conv.ID, in.ReplyTo); err != nil {
			return err
		}
		if out.Reaction != nil && ids.Valid(out.Reaction.MessageID) {
			// One of our message ids: the provider knows it by its own.
			pid, err := replyTo(r, tx, company(r), conv.ID, out.Reaction.MessageID)
			if err != nil {
				return apierr.Field("reaction.message_id", "not_in_conversation")
			}
			reaction := *out.Reaction
			reaction.MessageID = pid
			out.Reaction = &reaction
		}
		q, err = s.Outbox.Enqueue(r.Context(), tx, outbox.Message{CompanyID: company(r), ConnectionID: *conv.ConnectionID,
			ContactID: conv.Contact.ID, Lane: outbox.Replies, Source: source, AuthorID: authorID, Out: out, SendAt: sendAt})
		return err
	})
	s.writeQueued(w, r, q, err)
}

func (s *Server) writeQueued(w http.ResponseWriter, r *http.Request, q outbox.Queued, err error) {
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	m, err := s.Conversations.Message(r.Context(), company(r), q.MessageID)
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	writeJSON(w, http.StatusAccepted, m)
}

// sendToNumber sends to any number on a connection, creating the contact
// and the conversation when needed.
func (s *Server) sendToNumber(w http.ResponseWriter, r *http.Request) {
	var in sendIn
	if err := readJSON(w, r, &in); err != nil {
		s.writeError(w, r, err)
		return
	}
	// Another company's connection is as unknown as a made-up one: 404.
	if _, err := s.Connections.Get(r.Context(), company(r), in.ConnectionID); err != nil {
		s.writeError(w, r, err)
		return
	}
	co, err := s.companies.Get(r.Context(), company(r))
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	phone, perr := contacts.NormalizePhone(in.To, co.DefaultCountry)
	if perr != nil {
		s.writeError(w, r, apierr.Field("to", perr.Error()))
		return
	}
	if in.ReplyTo != "" {
		s.writeError(w, r, apierr.Field("reply_to", "only_in_conversations"))
		return
	}
	sendAt, err := checkSendAt(in)
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	source, authorID := author(r)
	var q outbox.Queued
	err = s.db.InTx(r.Context(), func(tx *db.Tx) error {
		contactID, _, err := s.contacts.Resolve(r.Context(), tx, company(r), co.DefaultCountry, strings.TrimPrefix(phone, "+"), "")
		if err != nil {
			return err
		}
		q, err = s.Outbox.Enqueue(r.Context(), tx, outbox.Message{CompanyID: company(r), ConnectionID: in.ConnectionID,
			ContactID: contactID, Lane: outbox.Replies, Source: source, AuthorID: authorID, Out: in.outbound(), SendAt: sendAt})
		return err
	})
	s.writeQueued(w, r, q, err)
}

func (s *Server) cancelMessage(w http.ResponseWriter, r *http.Request) {
	if err := s.Outbox.Cancel(r.Context(), company(r), r.PathValue("id")); err != nil {
		s.writeError(w, r, err)
		return
	}
	w.WriteHeader(http.StatusNoContent)
}
