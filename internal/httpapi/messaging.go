package httpapi

import (
	"encoding/json"
	"fmt"
	"github.com/masteria/masteria/internal/auth"
	"io"
	"mime"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/masteria/masteria/internal/apierr"
	"github.com/masteria/masteria/internal/channel"
	"github.com/masteria/masteria/internal/channel/simulator"
	"github.com/masteria/masteria/internal/connections"
	"github.com/masteria/masteria/internal/contacts"
	"github.com/masteria/masteria/internal/conversations"
	"github.com/masteria/masteria/internal/ids"
	"github.com/masteria/masteria/internal/inbound"
	"github.com/masteria/masteria/internal/templates"
)

func (s *Server) listConnections(w http.ResponseWriter, r *http.Request) {
	cs, err := s.Connections.List(r.Context(), company(r))
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, list[connections.Connection]{Data: cs})
}

func (s *Server) createConnection(w http.ResponseWriter, r *http.Request) {
	var in connections.Input
	if err := readJSON(w, r, &in); err != nil {
		s.writeError(w, r, err)
		return
	}
	c, err := s.Connections.Create(r.Context(), company(r), in)
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	writeJSON(w, http.StatusCreated, c)
}

func (s *Server) getConnection(w http.ResponseWriter, r *http.Request) {
	c, err := s.Connections.Get(r.Context(), company(r), r.PathValue("id"))
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, c)
}

func (s *Server) updateConnection(w http.ResponseWriter, r *http.Request) {
	id, err := pathID(r)
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	var in connections.Input
	if err := readJSON(w, r, &in); err != nil {
		s.writeError(w, r, err)
		return
	}
	c, err := s.Connections.Update(r.Context(), company(r), id, in)
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, c)
}

func (s *Server) deleteConnection(w http.ResponseWriter, r *http.Request) {
	if err := s.Connections.Delete(r.Context(), company(r), r.PathValue("id")); err != nil {
		s.writeError(w, r, err)
		return
	}
	w.WriteHeader(http.StatusNoContent)
}

func (s *Server) testConnection(w http.ResponseWriter, r *http.Request) {
	res, err := s.Connections.Test(r.Context(), company(r), r.PathValue("id"), s.Adapters)
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, res)
}

// simulateIn is a message typed on the Simulator's phone.
type simulateIn struct {
	From          string `json:"from"`
	Name          string `json:"name"`
	Text          string `json:"text"`
	MediaURL      string `json:"media_url"`
	ButtonPayload string `json:"button_payload"`
	ReplyTo       string `json:"reply_to"`
}

type simulateOut struct {
	ProviderMessageID string `json:"provider_message_id"`
	From              string `json:"from"`
}

func (s *Server) simulate(w http.ResponseWriter, r *http.Request) {
	var in simulateIn
	if err := readJSON(w, r, &in); err != nil {
		s.writeError(w, r, err)
		return
	}
	c, err := s.Connections.Get(r.Context(), company(r), r.PathValue("id"))
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	if c.Type != channel.Simulator {
		s.writeError(w, r, apierr.Conflict("not_a_simulator", "Only Simulator connections take simulated messages."))
		return
	}
	co, err := s.companies.Get(r.Context(), company(r))
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	v := apierr.Validation{}
	phone, perr := contacts.NormalizePhone(in.From, co.DefaultCountry)
	if perr != nil {
		v.Add("from", perr.Error())
	}
	if strings.TrimSpace(in.Text) == "" && in.MediaURL == "" && in.ButtonPayload == "" {
		v.Add("text", "required")
	}
	if len(in.Text) > 4096 {
		v.Add("text", "too_long")
	}
	if len(in.Name) > 200 {
		v.Add("name", "too_long")
	}
	if len(in.ButtonPayload) > 256 {
		v.Add("button_payload", "too_long")
	}
	if in.MediaURL != "" {
		if u, err := url.Parse(in.MediaURL); err != nil || (u.Scheme != "https" && u.Scheme != "http") || u.Host == "" || len(in.MediaURL) > 2000 {
			v.Add("media_url", "invalid_url")
		}
	}
	if err := v.Err(); err != nil {
		s.writeError(w, r, err)
		return
	}
	msg := simulator.Message{ID: "sim." + ids.New(), From: phone, Name: strings.TrimSpace(in.Name), Text: in.Text,
		MediaURL: in.MediaURL, ButtonPayload: in.ButtonPayload, ReplyTo: in.ReplyTo, Timestamp: time.Now().UTC()}
	body, _ := json.Marshal(simulator.Payload{Messages: []simulator.Message{msg}})
	if err := s.Intake.Record(r.Context(), inbound.Event{CompanyID: company(r), ConnectionID: c.ID, Source: channel.Simulator, Payload: body}); err != nil {
		s.writeError(w, r, fmt.Errorf("record simulated message: %w", err))
		return
	}
	writeJSON(w, http.StatusAccepted, simulateOut{ProviderMessageID: msg.ID, From: phone})
}

func (s *Server) listTemplates(w http.ResponseWriter, r *http.Request) {
	ts, err := s.Templates.List(r.Context(), company(r), r.PathValue("id"))
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, list[templates.Template]{Data: ts})
}

func (s *Server) syncTemplates(w http.ResponseWriter, r *http.Request) {
	ts, err := s.Templates.Sync(r.Context(), company(r), r.PathValue("id"))
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, list[templates.Template]{Data: ts})
}

func (s *Server) createTemplate(w http.ResponseWriter, r *http.Request) {
	id, err := pathID(r)
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	var in templates.Input
	if err := readJSON(w, r, &in); err != nil {
		s.writeError(w, r, err)
		return
	}
	t, err := s.Templates.Create(r.Context(), company(r), id, in)
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	writeJSON(w, http.StatusCreated, t)
}

func (s *Server) updateTemplate(w http.ResponseWriter, r *http.Request) {
	id, err := pathID(r)
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	var in templates.Input
	if err := readJSON(w, r, &in); err != nil {
		s.writeError(w, r, err)
		return
	}
	t, err := s.Templates.Update(r.Context(), company(r), id, r.PathValue("template_id"), in)
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, t)
}

func (s *Server) deleteTemplate(w http.ResponseWriter, r *http.Request) {
	if err := s.Templates.Delete(r.Context(), company(r), r.PathValue("id"), r.PathValue("template_id")); err != nil {
		s.writeError(w, r, err)
		return
	}
	w.WriteHeader(http.StatusNoContent)
}

type handleOut struct {
	Handle string `json:"handle"`
}

// maxSample is the largest header sample: a 100 MB document.
const maxSample = 100 << 20

func (s *Server) uploadTemplateSample(w http.ResponseWriter, r *http.Request) {
	id, err := pathID(r)
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	if _, err := s.Connections.Get(r.Context(), company(r), id); err != nil {
		s.writeError(w, r, err)
		return
	}
	r.Body = http.MaxBytesReader(w, r.Body, maxSample+1<<20)
	if err := r.ParseMultipartForm(32 << 20); err != nil {
		s.writeError(w, r, apierr.BadRequest("multipart_required", "Send the sample as multipart/form-data in the field \"file\", at most 100 MB."))
		return
	}
	f, hdr, err := r.FormFile("file")
	if err != nil {
		s.writeError(w, r, apierr.Field("file", "required"))
		return
	}
	defer f.Close()
	mt, _, err := mime.ParseMediaType(hdr.Header.Get("Content-Type"))
	if err != nil || !(strings.HasPrefix(mt, "image/") || strings.HasPrefix(mt, "video/") || mt == "application/pdf") {
		s.writeError(w, r, apierr.Field("file", "invalid_type"))
		return
	}
	h, err := s.Templates.UploadSample(r.Context(), company(r), id, f, hdr.Size, mt)
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, handleOut{h})
}

func (s *Server) listConversations(w http.ResponseWriter, r *http.Request) {
	limit, err := pageLimit(r)
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	q := r.URL.Query()
	p, _ := auth.From(r.Context())
	if q.Get("assignee") == "me" && p.UserID == "" {
		s.writeError(w, r, apierr.Field("assignee", "me_needs_a_person"))
		return
	}
	items, next, err := s.Conversations.List(r.Context(), company(r), conversations.Query{Limit: limit, Cursor: q.Get("cursor"),
		Status: q.Get("status"), ConnectionID: q.Get("connection_id"), ContactID: q.Get("contact_id"),
		Assignee: q.Get("assignee"), UserID: p.UserID, TeamID: q.Get("team_id"), LabelID: q.Get("label"),
		Q: q.Get("q"), Sort: q.Get("sort")})
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, list[conversations.Conversation]{Data: items, NextCursor: next})
}

func (s *Server) getConversation(w http.ResponseWriter, r *http.Request) {
	c, err := s.Conversations.Get(r.Context(), company(r), r.PathValue("id"))
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, c)
}

func (s *Server) listMessages(w http.ResponseWriter, r *http.Request) {
	limit, cursor, err := page(r)
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	items, next, err := s.Conversations.Messages(r.Context(), company(r), r.PathValue("id"), limit, cursor)
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, list[conversations.Message]{Data: items, NextCursor: next})
}

func (s *Server) messageMedia(w http.ResponseWriter, r *http.Request) {
	f, err := s.Media.Open(r.Context(), company(r), r.PathValue("id"))
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	defer f.Close()
	ct := f.ContentType
	if ct == "" {
		ct = "application/octet-stream"
	}
	w.Header().Set("Content-Type", ct)
	w.Header().Set("Content-Length", strconv.FormatInt(f.Size, 10))
	w.Header().Set("Cache-Control", "private, max-age=3600")
	// Files people send are shown inline only when they are images, audio
	// or video; anything else downloads, so a document can never run as a
	// page of this origin.
	disp := "attachment"
	if strings.HasPrefix(ct, "image/") || strings.HasPrefix(ct, "audio/") || strings.HasPrefix(ct, "video/") {
		disp = "inline"
	}
	name := f.Filename
	if name == "" {
		name = "file"
	}
	w.Header().Set("Content-Disposition", mime.FormatMediaType(disp, map[string]string{"filename": name}))
	w.Header().Set("Content-Security-Policy", "default-src 'none'; sandbox")
	w.WriteHeader(http.StatusOK)
	_, _ = io.Copy(w, f)
}

func (s *Server) listWebhookEvents(w http.ResponseWriter, r *http.Request) {
	limit, cursor, err := page(r)
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	items, next, err := inbound.Events(r.Context(), s.db, company(r), r.URL.Query().Get("status"), limit, cursor)
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, list[inbound.EventInfo]{Data: items, NextCursor: next})
}

func (s *Server) reprocessWebhookEvent(w http.ResponseWriter, r *http.Request) {
	ev, err := inbound.Reprocess(r.Context(), s.db, company(r), r.PathValue("id"), s.Inbound.Wake)
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	writeJSON(w, http.StatusAccepted, ev)
}
