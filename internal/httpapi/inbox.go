package httpapi

import (
	"encoding/json"
	"mime"
	"net/http"
	"path/filepath"
	"strings"
	"time"

	"github.com/masteria/masteria/internal/apierr"
	"github.com/masteria/masteria/internal/auth"
	"github.com/masteria/masteria/internal/canned"
	"github.com/masteria/masteria/internal/channel"
	"github.com/masteria/masteria/internal/conversations"
	"github.com/masteria/masteria/internal/labels"
	"github.com/masteria/masteria/internal/media"
	"github.com/masteria/masteria/internal/outbox"
	"github.com/masteria/masteria/internal/store/db"
	"github.com/masteria/masteria/internal/teams"
)

// personOnly refuses API keys where the route acts as "me".
func personOnly(r *http.Request) (string, error) {
	p, _ := auth.From(r.Context())
	if p.UserID == "" || p.APIKeyID != "" {
		return "", apierr.New(http.StatusForbidden, "person_only", "This action belongs to a signed-in person, not an API key.")
	}
	return p.UserID, nil
}

func (s *Server) conversationCounts(w http.ResponseWriter, r *http.Request) {
	p, _ := auth.From(r.Context())
	c, err := s.Conversations.Counts(r.Context(), company(r), p.UserID)
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, c)
}

func (s *Server) takeConversation(w http.ResponseWriter, r *http.Request) {
	user, err := personOnly(r)
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	c, err := s.Conversations.Take(r.Context(), company(r), user)
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, c)
}

func (s *Server) updateConversation(w http.ResponseWriter, r *http.Request) {
	var in conversations.Patch
	if err := readJSON(w, r, &in); err != nil {
		s.writeError(w, r, err)
		return
	}
	p, _ := auth.From(r.Context())
	actor := conversations.Actor{}
	if p.APIKeyID == "" {
		actor.UserID = p.UserID
	}
	c, err := s.Conversations.Update(r.Context(), company(r), r.PathValue("id"), actor, in)
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, c)
}

func (s *Server) readConversation(w http.ResponseWriter, r *http.Request) {
	if err := s.Conversations.Read(r.Context(), company(r), r.PathValue("id")); err != nil {
		s.writeError(w, r, err)
		return
	}
	w.WriteHeader(http.StatusNoContent)
}

// addNote stores an internal note (POST .../messages with type note).
func (s *Server) addNote(w http.ResponseWriter, r *http.Request, conversationID string, in sendIn) {
	if in.SendAt != nil || in.ReplyTo != "" || in.Media != nil || in.Template != nil {
		s.writeError(w, r, apierr.BadRequest("note_is_text", "A note is text only: it is never sent, so it takes no send_at, reply_to, media or template."))
		return
	}
	_, authorID := author(r)
	m, err := s.Conversations.AddNote(r.Context(), company(r), conversationID, authorID, in.Text)
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	writeJSON(w, http.StatusCreated, m)
}

// sendAttachment sends a file an agent attached: kept in the blob store,
// uploaded to the provider when the message leaves.
func (s *Server) sendAttachment(w http.ResponseWriter, r *http.Request) {
	conv, err := s.Conversations.Get(r.Context(), company(r), r.PathValue("id"))
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	if conv.ConnectionID == nil {
		s.writeError(w, r, apierr.Conflict("connection_deleted", "This conversation's connection was deleted; start one on another connection."))
		return
	}
	r.Body = http.MaxBytesReader(w, r.Body, 101<<20)
	if err := r.ParseMultipartForm(8 << 20); err != nil {
		if strings.Contains(err.Error(), "too large") {
			s.writeError(w, r, media.TooLarge(channel.TypeDocument))
			return
		}
		s.writeError(w, r, apierr.BadRequest("multipart_required", "Send the file as multipart/form-data in the field \"file\"."))
		return
	}
	defer r.MultipartForm.RemoveAll()
	f, hdr, err := r.FormFile("file")
	if err != nil {
		s.writeError(w, r, apierr.Field("file", "required"))
		return
	}
	defer f.Close()
	mimeType := hdr.Header.Get("Content-Type")
	if mt, _, err := mime.ParseMediaType(mimeType); err != nil || mt == "application/octet-stream" {
		// The browser did not know: the extension, else the bytes, say.
		mimeType = mime.TypeByExtension(strings.ToLower(filepath.Ext(hdr.Filename)))
		if mimeType == "" {
			head := make([]byte, 512)
			n, _ := f.Read(head)
			mimeType = http.DetectContentType(head[:n])
			if _, err := f.Seek(0, 0); err != nil {
				s.writeError(w, r, err)
				return
			}
		}
	}
	mimeType, _, _ = strings.Cut(mimeType, ";")
	kind := media.Kind(mimeType)
	in := sendIn{Type: kind, ReplyTo: r.FormValue("reply_to")}
	if v := r.FormValue("send_at"); v != "" {
		t, err := time.Parse(time.RFC3339, v)
		if err != nil {
			s.writeError(w, r, apierr.Field("send_at", "invalid_time"))
			return
		}
		in.SendAt = &t
	}
	sendAt, err := checkSendAt(in)
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	caption := strings.TrimSpace(r.FormValue("caption"))
	if kind == channel.TypeAudio || kind == channel.TypeSticker {
		caption = "" // WhatsApp shows no caption on these
	}
	m := &channel.Media{MimeType: mimeType, Caption: caption}
	if kind == channel.TypeDocument {
		m.Filename = filepath.Base(hdr.Filename)
	}
	out := channel.Outbound{Type: kind, Media: m}
	if v := r.FormValue("template"); v != "" {
		// The file is the media header of a template: the message is the
		// template, sent once the file is uploaded like any attachment.
		tpl, err := headerTemplate(v, kind, m)
		if err != nil {
			s.writeError(w, r, err)
			return
		}
		out = channel.Outbound{Type: channel.TypeTemplate, Template: tpl}
	}
	key, _, err := s.Media.Put(r.Context(), company(r), kind, mimeType, f)
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	source, authorID := author(r)
	var q outbox.Queued
	err = s.db.InTx(r.Context(), func(tx *db.Tx) error {
		if out.ReplyTo, err = replyTo(r, tx, company(r), conv.ID, in.ReplyTo); err != nil {
			return err
		}
		q, err = s.Outbox.Enqueue(r.Context(), tx, outbox.Message{CompanyID: company(r), ConnectionID: *conv.ConnectionID,
			ContactID: conv.Contact.ID, Lane: outbox.Replies, Source: source, AuthorID: authorID, Out: out, SendAt: sendAt, MediaKey: key})
		return err
	})
	if err != nil {
		_ = s.Media.Delete(r.Context(), []string{key}) // nothing refers to it
	}
	s.writeQueued(w, r, q, err)
}

// headerTemplate reads the template an attachment is the media header of
// (the "template" form field: the JSON of a template send without its
// header). Only images, videos and documents can head a template.
func headerTemplate(v string, kind string, m *channel.Media) (*channel.TemplateMessage, error) {
	var tpl channel.TemplateMessage
	if err := json.Unmarshal([]byte(v), &tpl); err != nil {
		return nil, apierr.Field("template", "invalid_json")
	}
	if kind != channel.TypeImage && kind != channel.TypeVideo && kind != channel.TypeDocument {
		return nil, apierr.Field("file", "invalid_type")
	}
	if tpl.Header != nil && len(tpl.Header.Text) > 0 {
		return nil, apierr.Field("template.header", "media_header_has_no_text")
	}
	m.Caption = "" // a template's header has none
	tpl.Header = &channel.TemplateHeader{Type: kind, Media: m}
	tpl.Rendered = nil // the server renders it
	return &tpl, nil
}

func (s *Server) updateMessage(w http.ResponseWriter, r *http.Request) {
	var in outbox.Change
	if err := readJSON(w, r, &in); err != nil {
		s.writeError(w, r, err)
		return
	}
	if err := s.Outbox.Reschedule(r.Context(), company(r), r.PathValue("id"), in); err != nil {
		s.writeError(w, r, err)
		return
	}
	m, err := s.Conversations.Message(r.Context(), company(r), r.PathValue("id"))
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, m)
}

type availabilityIn struct {
	Availability string `json:"availability"`
}

func (s *Server) setAvailability(w http.ResponseWriter, r *http.Request) {
	user, err := personOnly(r)
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	var in availabilityIn
	if err := readJSON(w, r, &in); err != nil {
		s.writeError(w, r, err)
		return
	}
	if err := s.companies.SetAvailability(r.Context(), company(r), user, in.Availability); err != nil {
		s.writeError(w, r, err)
		return
	}
	if in.Availability == "online" {
		if teamIDs, err := s.Conversations.TeamsOf(r.Context(), company(r), user); err == nil {
			if err := s.Conversations.Distribute(r.Context(), company(r), teamIDs); err != nil {
				s.logger.Error("inbox: distributing the queue", "err", err)
			}
		}
	}
	s.publish(r, "member.availability", map[string]any{"user_id": user, "availability": in.Availability})
	w.WriteHeader(http.StatusNoContent)
}

// Teams.

func (s *Server) listTeams(w http.ResponseWriter, r *http.Request) {
	items, err := s.Teams.List(r.Context(), company(r))
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, list[teams.Team]{Data: items})
}

func (s *Server) createTeam(w http.ResponseWriter, r *http.Request) {
	var in teams.Input
	if err := readJSON(w, r, &in); err != nil {
		s.writeError(w, r, err)
		return
	}
	t, err := s.Teams.Create(r.Context(), company(r), in)
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	writeJSON(w, http.StatusCreated, t)
}

func (s *Server) getTeam(w http.ResponseWriter, r *http.Request) {
	t, err := s.Teams.Get(r.Context(), company(r), r.PathValue("id"))
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, t)
}

func (s *Server) updateTeam(w http.ResponseWriter, r *http.Request) {
	var in teams.Input
	if err := readJSON(w, r, &in); err != nil {
		s.writeError(w, r, err)
		return
	}
	t, err := s.Teams.Update(r.Context(), company(r), r.PathValue("id"), in)
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, t)
}

func (s *Server) deleteTeam(w http.ResponseWriter, r *http.Request) {
	if err := s.Teams.Delete(r.Context(), company(r), r.PathValue("id")); err != nil {
		s.writeError(w, r, err)
		return
	}
	w.WriteHeader(http.StatusNoContent)
}

// Labels.

func (s *Server) listLabels(w http.ResponseWriter, r *http.Request) {
	items, err := s.Labels.List(r.Context(), company(r))
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, list[labels.Label]{Data: items})
}

func (s *Server) createLabel(w http.ResponseWriter, r *http.Request) {
	var in labels.Input
	if err := readJSON(w, r, &in); err != nil {
		s.writeError(w, r, err)
		return
	}
	l, err := s.Labels.Create(r.Context(), company(r), in)
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	writeJSON(w, http.StatusCreated, l)
}

func (s *Server) updateLabel(w http.ResponseWriter, r *http.Request) {
	var in labels.Input
	if err := readJSON(w, r, &in); err != nil {
		s.writeError(w, r, err)
		return
	}
	l, err := s.Labels.Update(r.Context(), company(r), r.PathValue("id"), in)
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, l)
}

func (s *Server) deleteLabel(w http.ResponseWriter, r *http.Request) {
	if err := s.Labels.Delete(r.Context(), company(r), r.PathValue("id")); err != nil {
		s.writeError(w, r, err)
		return
	}
	w.WriteHeader(http.StatusNoContent)
}

// Canned responses.

func (s *Server) listCanned(w http.ResponseWriter, r *http.Request) {
	p, _ := auth.From(r.Context())
	q := r.URL.Query()
	items, err := s.Canned.List(r.Context(), company(r), q.Get("q"), q.Get("conversation_id"), p.UserID)
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, list[canned.Response]{Data: items})
}

func (s *Server) createCanned(w http.ResponseWriter, r *http.Request) {
	var in canned.Input
	if err := readJSON(w, r, &in); err != nil {
		s.writeError(w, r, err)
		return
	}
	p, _ := auth.From(r.Context())
	c, err := s.Canned.Create(r.Context(), company(r), p.UserID, in)
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	writeJSON(w, http.StatusCreated, c)
}

func (s *Server) updateCanned(w http.ResponseWriter, r *http.Request) {
	var in canned.Input
	if err := readJSON(w, r, &in); err != nil {
		s.writeError(w, r, err)
		return
	}
	c, err := s.Canned.Update(r.Context(), company(r), r.PathValue("id"), in)
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, c)
}

func (s *Server) deleteCanned(w http.ResponseWriter, r *http.Request) {
	if err := s.Canned.Delete(r.Context(), company(r), r.PathValue("id")); err != nil {
		s.writeError(w, r, err)
		return
	}
	w.WriteHeader(http.StatusNoContent)
}
