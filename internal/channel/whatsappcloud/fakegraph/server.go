// Package fakegraph is Meta's Graph API for WhatsApp Cloud, in memory, on
// 127.0.0.1: a real HTTP server speaking Meta's JSON so that the client,
// the outbox and benchmarks run their own code paths without the network.
//
// It answers like Meta where Masteria depends on the answer: sends return
// unique wamids, media round-trips through upload, info and a download URL
// that needs the bearer token, templates page with cursors and an absolute
// paging.next, a wrong token is a 401 with code 190, and a template send
// needs an APPROVED template of that name and language (else 132001), so
// tests seed templates with AddTemplate or Approve. Knobs inject latency,
// error bursts, hangs and per-recipient refusals. It is safe for concurrent
// use; every request is recorded for assertions.
package fakegraph

import (
	"bytes"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"io"
	"mime"
	"mime/multipart"
	"net/http"
	"net/http/httptest"
	"net/url"
	"regexp"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"
)

// Defaults a Server uses unless an Option says otherwise; they look like
// Meta's ids so that code checking id shapes is exercised.
const (
	DefaultToken         = "fake-access-token"
	DefaultPhoneNumberID = "106540352242922"
	DefaultWABAID        = "102290129340398"
	DefaultAppID         = "1357924680"
	DisplayPhoneNumber   = "15550783881"
)

// Request is one request the server received.
type Request struct {
	Method string
	Path   string
	Query  url.Values
	Header http.Header
	Body   []byte
}

// Sent is one message Meta accepted.
type Sent struct {
	PhoneNumberID string
	ID            string // the wamid returned
	To            string
	Type          string
	Body          json.RawMessage // the request JSON as sent
	At            time.Time       // when it was accepted
}

// Template is a template as the fake keeps it.
type Template struct {
	ID             string          `json:"id"`
	Name           string          `json:"name"`
	Language       string          `json:"language"`
	Status         string          `json:"status"`
	Category       string          `json:"category"`
	RejectedReason string          `json:"rejected_reason,omitempty"`
	Components     json.RawMessage `json:"components"`
}

type media struct {
	id, mime string
	data     []byte
}

type failure struct{ status, code int }

// failRule is how sends to one recipient fail: with code, the next left
// times (-1: always).
type failRule struct{ code, left int }

// Option configures a Server.
type Option func(*Server)

// WithToken sets the access token the server expects.
func WithToken(token string) Option { return func(s *Server) { s.token = token } }

// WithPhoneNumberID sets the number whose info GET /{id} returns.
func WithPhoneNumberID(id string) Option { return func(s *Server) { s.phoneNumberID = id } }

// WithWABAID sets the business account id put in webhook entries.
func WithWABAID(id string) Option { return func(s *Server) { s.wabaID = id } }

// WithAppID sets the app id that resumable uploads must name.
func WithAppID(id string) Option { return func(s *Server) { s.appID = id } }

// Server is a fake Graph API.
type Server struct {
	srv  *httptest.Server
	done chan struct{}
	once sync.Once

	token, phoneNumberID, wabaID, appID string

	mu        sync.Mutex
	seq       int64
	requests  []Request
	sent      []Sent
	media     map[string]*media
	templates []*Template
	uploads   map[string]int64  // session id -> announced length
	samples   map[string][]byte // handle -> bytes
	latency   time.Duration
	fails     []failure
	hang      bool
	failTo    map[string]failRule
	quality   string
}

// New starts a server on 127.0.0.1. With a non-nil tb it is closed when the
// test ends; otherwise the caller calls Close.
func New(tb testing.TB, opts ...Option) *Server {
	s := &Server{
		done:          make(chan struct{}),
		token:         DefaultToken,
		phoneNumberID: DefaultPhoneNumberID,
		wabaID:        DefaultWABAID,
		appID:         DefaultAppID,
		media:         map[string]*media{},
		uploads:       map[string]int64{},
		samples:       map[string][]byte{},
		failTo:        map[string]failRule{},
		quality:       "GREEN",
	}
	for _, o := range opts {
		o(s)
	}
	s.srv = httptest.NewServer(http.HandlerFunc(s.serve))
	if tb != nil {
		tb.Cleanup(s.Close)
	}
	return s
}

// Close stops the server, releasing requests held by SetTimeout or latency.
func (s *Server) Close() {
	s.once.Do(func() {
		close(s.done)
		s.srv.Close()
	})
}

// URL is the base URL to configure as the Graph API's (no version).
func (s *Server) URL() string { return s.srv.URL }

// Token is the access token the server expects.
func (s *Server) Token() string { return s.token }

// PhoneNumberID is the number the server knows.
func (s *Server) PhoneNumberID() string { return s.phoneNumberID }

// WABAID is the business account id.
func (s *Server) WABAID() string { return s.wabaID }

// AppID is the app id for resumable uploads.
func (s *Server) AppID() string { return s.appID }

// Requests returns a copy of every request received so far.
func (s *Server) Requests() []Request {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]Request(nil), s.requests...)
}

// Sent returns the messages accepted so far, in order.
func (s *Server) Sent() []Sent {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]Sent(nil), s.sent...)
}

// SentCount is how many messages were accepted so far: a cheap poll for
// benchmarks that send a hundred thousand (Sent copies them all).
func (s *Server) SentCount() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return len(s.sent)
}

// Reset forgets recorded requests and sends, keeping media and templates.
func (s *Server) Reset() {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.requests, s.sent = nil, nil
}

// SetLatency delays every answer by d.
func (s *Server) SetLatency(d time.Duration) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.latency = d
}

// FailNext makes the next n API requests (downloads excepted) fail with the
// HTTP status and Meta error code, as a burst of 130429 or 500 would.
func (s *Server) FailNext(n, httpStatus, code int) {
	s.mu.Lock()
	defer s.mu.Unlock()
	for range n {
		s.fails = append(s.fails, failure{httpStatus, code})
	}
}

// SetTimeout makes requests hang until the client gives up (true) or
// answer again (false).
func (s *Server) SetTimeout(hang bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.hang = hang
}

// FailTo makes every send to the recipient fail with code; code 0 lets
// sends to them succeed again.
func (s *Server) FailTo(phone string, code int) { s.FailToTimes(phone, code, -1) }

// FailToTimes makes the next n sends to the recipient fail with code (n -1:
// every one), answered with the HTTP status Meta uses for it: 429 for rate
// limits, 500 for its own faults, 401 for a bad token, 400 for the rest.
func (s *Server) FailToTimes(phone string, code, n int) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if code == 0 || n == 0 {
		delete(s.failTo, phone)
		return
	}
	s.failTo[phone] = failRule{code: code, left: n}
}

// statusFor is the HTTP status Meta answers an error code with.
func statusFor(code int) int {
	switch code {
	case 130429, 80007, 4:
		return http.StatusTooManyRequests
	case 1, 2, 131000, 131016:
		return http.StatusInternalServerError
	case 190:
		return http.StatusUnauthorized
	}
	return http.StatusBadRequest
}

// SetQuality sets the quality rating the number info reports.
func (s *Server) SetQuality(rating string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.quality = rating
}

// AddMedia stores a file as if a contact had sent it, returning its id.
func (s *Server) AddMedia(mimeType string, data []byte) string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.addMediaLocked(mimeType, data)
}

func (s *Server) addMediaLocked(mimeType string, data []byte) string {
	s.seq++
	id := strconv.FormatInt(1_000_000_000_000_000+s.seq, 10)
	s.media[id] = &media{id: id, mime: mimeType, data: append([]byte(nil), data...)}
	return id
}

// Media returns an uploaded file's bytes and MIME type.
func (s *Server) Media(id string) (data []byte, mimeType string, ok bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	m, ok := s.media[id]
	if !ok {
		return nil, "", false
	}
	return append([]byte(nil), m.data...), m.mime, true
}

// Sample returns the bytes uploaded under a resumable-upload handle.
func (s *Server) Sample(handle string) ([]byte, bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	b, ok := s.samples[handle]
	return b, ok
}

// AddTemplate stores a template as if it had been created earlier and
// returns its id; an empty Status means APPROVED, an empty Components an
// empty array.
func (s *Server) AddTemplate(t Template) string {
	s.mu.Lock()
	defer s.mu.Unlock()
	if t.Status == "" {
		t.Status = "APPROVED"
	}
	return s.addTemplateLocked(t).ID
}

func (s *Server) addTemplateLocked(t Template) *Template {
	s.seq++
	t.ID = strconv.FormatInt(2_000_000_000_000_000+s.seq, 10)
	if len(t.Components) == 0 {
		t.Components = json.RawMessage("[]")
	}
	s.templates = append(s.templates, &t)
	return &t
}

// Approve marks every language of the named template APPROVED, as Meta's
// review would.
func (s *Server) Approve(name string) { s.SetTemplateStatus(name, "APPROVED", "") }

// SetTemplateStatus sets every language of the named template to status,
// with the rejection reason for REJECTED.
func (s *Server) SetTemplateStatus(name, status, reason string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	for _, t := range s.templates {
		if t.Name == name {
			t.Status, t.RejectedReason = status, reason
		}
	}
}

// Templates returns a copy of the stored templates.
func (s *Server) Templates() []Template {
	s.mu.Lock()
	defer s.mu.Unlock()
	out := make([]Template, 0, len(s.templates))
	for _, t := range s.templates {
		out = append(out, *t)
	}
	return out
}

var versionPrefix = regexp.MustCompile(`^/v[0-9]+\.[0-9]+/`)

func (s *Server) serve(w http.ResponseWriter, r *http.Request) {
	body, err := io.ReadAll(r.Body)
	if err != nil {
		writeError(w, http.StatusBadRequest, 100, 0, "could not read body")
		return
	}
	s.mu.Lock()
	s.requests = append(s.requests, Request{
		Method: r.Method, Path: r.URL.Path, Query: r.URL.Query(), Header: r.Header.Clone(), Body: body,
	})
	latency, hang := s.latency, s.hang
	s.mu.Unlock()

	if !s.wait(r, latency, hang) {
		return
	}
	if id, ok := strings.CutPrefix(r.URL.Path, "/media-files/"); ok {
		s.download(w, r, id)
		return
	}
	prefix := versionPrefix.FindString(r.URL.Path)
	rest := strings.TrimPrefix(r.URL.Path, prefix)
	if prefix == "" {
		writeError(w, http.StatusBadRequest, 2500, 0, "Unknown path components: "+r.URL.Path)
		return
	}
	upload := strings.HasPrefix(rest, "upload:")
	if !s.authorized(r, upload) {
		writeError(w, http.StatusUnauthorized, 190, 463, "Error validating access token: Session has expired or the token is invalid.")
		return
	}
	if f, ok := s.nextFailure(); ok {
		writeError(w, f.status, f.code, 0, "")
		return
	}
	parts := strings.Split(rest, "/")
	switch {
	case upload && r.Method == http.MethodPost:
		s.finishUpload(w, r, rest, body)
	case len(parts) == 2 && parts[1] == "messages" && r.Method == http.MethodPost:
		s.messages(w, parts[0], body)
	case len(parts) == 2 && parts[1] == "media" && r.Method == http.MethodPost:
		s.upload(w, r, body)
	case len(parts) == 2 && parts[1] == "message_templates":
		switch r.Method {
		case http.MethodGet:
			s.listTemplates(w, r)
		case http.MethodPost:
			s.createTemplate(w, body)
		case http.MethodDelete:
			s.deleteTemplate(w, r)
		default:
			unsupported(w, r)
		}
	case len(parts) == 2 && parts[1] == "uploads" && r.Method == http.MethodPost:
		s.startUpload(w, r, parts[0])
	case len(parts) == 1 && r.Method == http.MethodGet:
		s.object(w, parts[0])
	case len(parts) == 1 && r.Method == http.MethodPost:
		s.editTemplate(w, parts[0], body)
	default:
		unsupported(w, r)
	}
}

// wait applies latency and hangs; false means the client left first.
func (s *Server) wait(r *http.Request, latency time.Duration, hang bool) bool {
	if hang {
		select {
		case <-r.Context().Done():
		case <-s.done:
		}
		return false
	}
	if latency <= 0 {
		return true
	}
	t := time.NewTimer(latency)
	defer t.Stop()
	select {
	case <-t.C:
		return true
	case <-r.Context().Done():
	case <-s.done:
	}
	return false
}

func (s *Server) authorized(r *http.Request, upload bool) bool {
	scheme := "Bearer "
	if upload {
		// Meta's resumable upload wants the OAuth scheme.
		scheme = "OAuth "
	}
	tok, ok := strings.CutPrefix(r.Header.Get("Authorization"), scheme)
	return ok && tok == s.token
}

func (s *Server) nextFailure() (failure, bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if len(s.fails) == 0 {
		return failure{}, false
	}
	f := s.fails[0]
	s.fails = s.fails[1:]
	return f, true
}

func (s *Server) messages(w http.ResponseWriter, phoneNumberID string, body []byte) {
	var m struct {
		MessagingProduct string `json:"messaging_product"`
		To               string `json:"to"`
		Type             string `json:"type"`
		Status           string `json:"status"`
		MessageID        string `json:"message_id"`
		Template         *struct {
			Name     string `json:"name"`
			Language struct {
				Code string `json:"code"`
			} `json:"language"`
		} `json:"template"`
	}
	if err := json.Unmarshal(body, &m); err != nil {
		writeError(w, http.StatusBadRequest, 100, 0, "(#100) The parameter body is not valid JSON")
		return
	}
	if m.MessagingProduct != "whatsapp" {
		writeError(w, http.StatusBadRequest, 100, 0, "(#100) The parameter messaging_product is required.")
		return
	}
	if m.Status == "read" {
		if m.MessageID == "" {
			writeError(w, http.StatusBadRequest, 100, 0, "(#100) The parameter message_id is required.")
			return
		}
		writeJSON(w, http.StatusOK, map[string]any{"success": true})
		return
	}
	if m.To == "" || m.Type == "" {
		writeError(w, http.StatusBadRequest, 100, 0, "(#100) The parameters to and type are required.")
		return
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if f, ok := s.failTo[m.To]; ok {
		if f.left > 0 {
			f.left--
			s.failTo[m.To] = f
			if f.left == 0 {
				delete(s.failTo, m.To)
			}
		}
		writeError(w, statusFor(f.code), f.code, 0, "")
		return
	}
	if m.Type == "template" {
		if m.Template == nil || !s.approvedLocked(m.Template.Name, m.Template.Language.Code) {
			writeError(w, http.StatusNotFound, 132001, 0, "")
			return
		}
	}
	s.seq++
	id := fmt.Sprintf("wamid.HBgN%s%010d", digits(m.To), s.seq)
	s.sent = append(s.sent, Sent{PhoneNumberID: phoneNumberID, ID: id, To: m.To, Type: m.Type, Body: append(json.RawMessage(nil), body...), At: time.Now()})
	writeJSON(w, http.StatusOK, map[string]any{
		"messaging_product": "whatsapp",
		"contacts":          []map[string]string{{"input": m.To, "wa_id": digits(m.To)}},
		"messages":          []map[string]string{{"id": id, "message_status": "accepted"}},
	})
}

func (s *Server) approvedLocked(name, language string) bool {
	for _, t := range s.templates {
		if t.Name == name && t.Language == language && t.Status == "APPROVED" {
			return true
		}
	}
	return false
}

func (s *Server) upload(w http.ResponseWriter, r *http.Request, body []byte) {
	_, params, err := mime.ParseMediaType(r.Header.Get("Content-Type"))
	if err != nil || params["boundary"] == "" {
		writeError(w, http.StatusBadRequest, 100, 0, "(#100) The request must be multipart/form-data")
		return
	}
	form, err := multipart.NewReader(bytes.NewReader(body), params["boundary"]).ReadForm(int64(len(body)) + 1)
	if err != nil {
		writeError(w, http.StatusBadRequest, 100, 0, "(#100) Invalid multipart body")
		return
	}
	defer form.RemoveAll()
	if first(form.Value["messaging_product"]) != "whatsapp" {
		writeError(w, http.StatusBadRequest, 100, 0, "(#100) The parameter messaging_product is required.")
		return
	}
	files := form.File["file"]
	if len(files) == 0 {
		writeError(w, http.StatusBadRequest, 100, 0, "(#100) The parameter file is required.")
		return
	}
	f, err := files[0].Open()
	if err != nil {
		writeError(w, http.StatusBadRequest, 100, 0, "(#100) Unreadable file")
		return
	}
	data, _ := io.ReadAll(f)
	f.Close()
	mt := first(form.Value["type"])
	if mt == "" {
		mt = files[0].Header.Get("Content-Type")
	}
	writeJSON(w, http.StatusOK, map[string]string{"id": s.AddMedia(mt, data)})
}

// object answers GET /{id}: a media file's info, a template, or the number.
func (s *Server) object(w http.ResponseWriter, id string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if m, ok := s.media[id]; ok {
		sum := sha256.Sum256(m.data)
		writeJSON(w, http.StatusOK, map[string]any{
			"messaging_product": "whatsapp",
			"url":               s.srv.URL + "/media-files/" + m.id,
			"mime_type":         m.mime,
			"sha256":            hex.EncodeToString(sum[:]),
			"file_size":         len(m.data),
			"id":                m.id,
		})
		return
	}
	for _, t := range s.templates {
		if t.ID == id {
			writeJSON(w, http.StatusOK, t)
			return
		}
	}
	if id == s.phoneNumberID {
		writeJSON(w, http.StatusOK, map[string]any{
			"id":                   s.phoneNumberID,
			"display_phone_number": DisplayPhoneNumber,
			"verified_name":        "Masteria Test",
			"quality_rating":       s.quality,
			"throughput":           map[string]string{"level": "STANDARD"},
			"whatsapp_business_manager_messaging_limit": "TIER_2K",
		})
		return
	}
	writeError(w, http.StatusBadRequest, 100, 33, "Unsupported get request. Object with ID '"+id+"' does not exist, cannot be loaded due to missing permissions, or does not support this operation.")
}

func (s *Server) download(w http.ResponseWriter, r *http.Request, id string) {
	if !s.authorized(r, false) {
		w.WriteHeader(http.StatusUnauthorized)
		return
	}
	s.mu.Lock()
	m, ok := s.media[id]
	s.mu.Unlock()
	if !ok || r.Method != http.MethodGet {
		http.NotFound(w, r)
		return
	}
	w.Header().Set("Content-Type", m.mime)
	w.Header().Set("Content-Length", strconv.Itoa(len(m.data)))
	w.Write(m.data)
}

// listTemplates pages like Meta: limit (default 25), opaque after cursors,
// and paging.next only when another page exists.
func (s *Server) listTemplates(w http.ResponseWriter, r *http.Request) {
	q := r.URL.Query()
	limit := 25
	if v, err := strconv.Atoi(q.Get("limit")); err == nil && v > 0 {
		limit = v
	}
	start := 0
	if a := q.Get("after"); a != "" {
		n, err := decodeCursor(a)
		if err != nil {
			writeError(w, http.StatusBadRequest, 100, 0, "(#100) Invalid cursor")
			return
		}
		start = n + 1
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	end := min(start+limit, len(s.templates))
	data := []Template{}
	for i := start; i < end; i++ {
		data = append(data, *s.templates[i])
	}
	resp := map[string]any{"data": data}
	if len(data) > 0 {
		paging := map[string]any{"cursors": map[string]string{"before": cursor(start), "after": cursor(end - 1)}}
		if end < len(s.templates) {
			next := url.Values{}
			for k, v := range q {
				next[k] = v
			}
			next.Set("limit", strconv.Itoa(limit))
			next.Set("after", cursor(end-1))
			next.Set("access_token", s.token) // Meta puts it there too
			paging["next"] = s.srv.URL + r.URL.Path + "?" + next.Encode()
		}
		resp["paging"] = paging
	}
	writeJSON(w, http.StatusOK, resp)
}

func cursor(i int) string {
	return base64.RawURLEncoding.EncodeToString([]byte("fake:" + strconv.Itoa(i)))
}

func decodeCursor(c string) (int, error) {
	b, err := base64.RawURLEncoding.DecodeString(c)
	if err != nil {
		return 0, err
	}
	n, ok := strings.CutPrefix(string(b), "fake:")
	if !ok {
		return 0, fmt.Errorf("not a cursor")
	}
	return strconv.Atoi(n)
}

var templateName = regexp.MustCompile(`^[a-z0-9_]{1,512}$`)

var categories = map[string]bool{"MARKETING": true, "UTILITY": true, "AUTHENTICATION": true}

func (s *Server) createTemplate(w http.ResponseWriter, body []byte) {
	var in Template
	if err := json.Unmarshal(body, &in); err != nil {
		writeError(w, http.StatusBadRequest, 100, 0, "(#100) Invalid JSON")
		return
	}
	switch {
	case !templateName.MatchString(in.Name):
		writeUserError(w, 100, 2388043, "Invalid parameter", "Template name is invalid",
			"Template names can only contain lowercase letters, numbers and underscores.")
		return
	case in.Language == "":
		writeUserError(w, 100, 0, "Invalid parameter", "Missing language", "Choose the template's language.")
		return
	case !categories[in.Category]:
		writeUserError(w, 100, 2388042, "Invalid parameter", "Invalid category", "Choose Marketing, Utility or Authentication.")
		return
	case len(in.Components) == 0 || in.Components[0] != '[':
		writeUserError(w, 100, 2388040, "Invalid parameter", "Missing components", "A template needs at least a body.")
		return
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	for _, t := range s.templates {
		if t.Name == in.Name && t.Language == in.Language {
			writeUserError(w, 100, 2388024, "Invalid parameter", "Content in this language already exists",
				"There is already "+in.Language+" content for this template. Create a new template and try again.")
			return
		}
	}
	in.Status = "PENDING"
	t := s.addTemplateLocked(in)
	writeJSON(w, http.StatusOK, map[string]string{"id": t.ID, "status": t.Status, "category": t.Category})
}

func (s *Server) editTemplate(w http.ResponseWriter, id string, body []byte) {
	var in struct {
		Category   string          `json:"category"`
		Components json.RawMessage `json:"components"`
	}
	if err := json.Unmarshal(body, &in); err != nil {
		writeError(w, http.StatusBadRequest, 100, 0, "(#100) Invalid JSON")
		return
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	for _, t := range s.templates {
		if t.ID != id {
			continue
		}
		if in.Category != "" {
			if !categories[in.Category] {
				writeUserError(w, 100, 2388042, "Invalid parameter", "Invalid category", "Choose Marketing, Utility or Authentication.")
				return
			}
			t.Category = in.Category
		}
		if len(in.Components) > 0 {
			t.Components = append(json.RawMessage(nil), in.Components...)
		}
		// An edited template goes back to review.
		t.Status = "PENDING"
		writeJSON(w, http.StatusOK, map[string]bool{"success": true})
		return
	}
	writeError(w, http.StatusBadRequest, 100, 33, "Unsupported post request. Object with ID '"+id+"' does not exist.")
}

func (s *Server) deleteTemplate(w http.ResponseWriter, r *http.Request) {
	name, id := r.URL.Query().Get("name"), r.URL.Query().Get("hsm_id")
	if name == "" {
		writeError(w, http.StatusBadRequest, 100, 0, "(#100) The parameter name is required")
		return
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	kept := s.templates[:0:0]
	for _, t := range s.templates {
		if t.Name == name && (id == "" || t.ID == id) {
			continue
		}
		kept = append(kept, t)
	}
	if len(kept) == len(s.templates) {
		writeError(w, http.StatusBadRequest, 100, 2593002, "Message template not found")
		return
	}
	s.templates = kept
	writeJSON(w, http.StatusOK, map[string]bool{"success": true})
}

func (s *Server) startUpload(w http.ResponseWriter, r *http.Request, appID string) {
	if appID != s.appID {
		writeError(w, http.StatusBadRequest, 100, 33, "Unsupported post request. Object with ID '"+appID+"' does not exist.")
		return
	}
	size, err := strconv.ParseInt(r.URL.Query().Get("file_length"), 10, 64)
	if err != nil || size <= 0 || r.URL.Query().Get("file_type") == "" {
		writeError(w, http.StatusBadRequest, 100, 0, "(#100) file_length and file_type are required")
		return
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	s.seq++
	session := "upload:" + base64.RawURLEncoding.EncodeToString([]byte(fmt.Sprintf("session-%d", s.seq)))
	s.uploads[session] = size
	// Meta's session ids carry their own query string.
	writeJSON(w, http.StatusOK, map[string]string{"id": session + "?sig=fake" + strconv.FormatInt(s.seq, 10)})
}

func (s *Server) finishUpload(w http.ResponseWriter, r *http.Request, session string, body []byte) {
	if r.URL.Query().Get("sig") == "" {
		writeError(w, http.StatusBadRequest, 100, 0, "(#100) Missing sig")
		return
	}
	if r.Header.Get("file_offset") != "0" {
		writeError(w, http.StatusBadRequest, 100, 0, "(#100) file_offset must be 0 for a new upload")
		return
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	size, ok := s.uploads[session]
	if !ok {
		writeError(w, http.StatusBadRequest, 100, 33, "Unknown upload session")
		return
	}
	if int64(len(body)) != size {
		writeError(w, http.StatusBadRequest, 100, 0, fmt.Sprintf("(#100) got %d bytes, announced %d", len(body), size))
		return
	}
	delete(s.uploads, session)
	s.seq++
	handle := "4::" + base64.StdEncoding.EncodeToString([]byte(fmt.Sprintf("handle-%d", s.seq)))
	s.samples[handle] = append([]byte(nil), body...)
	writeJSON(w, http.StatusOK, map[string]string{"h": handle})
}

func unsupported(w http.ResponseWriter, r *http.Request) {
	writeError(w, http.StatusBadRequest, 100, 33, "Unsupported "+strings.ToLower(r.Method)+" request.")
}

// messages Meta uses for the codes tests inject most.
var messages = map[int]string{
	4:      "(#4) Application request limit reached",
	80007:  "(#80007) Rate limit issues",
	130429: "(#130429) Rate limit hit",
	131000: "Something went wrong",
	131026: "Message undeliverable",
	131047: "Re-engagement message",
	131048: "Spam rate limit hit",
	131049: "This message was not delivered to maintain healthy ecosystem engagement.",
	131050: "Unable to deliver the message. This recipient has chosen to stop receiving marketing messages on WhatsApp from your business.",
	131056: "(Business Account, Consumer Account) pair rate limit hit",
	131057: "Account in maintenance mode",
	132001: "(#132001) Template name does not exist in the translation",
	190:    "Error validating access token",
}

func writeError(w http.ResponseWriter, status, code, subcode int, message string) {
	if message == "" {
		message = messages[code]
	}
	if message == "" {
		message = fmt.Sprintf("(#%d) Fake error", code)
	}
	e := map[string]any{
		"message":    message,
		"type":       "OAuthException",
		"code":       code,
		"fbtrace_id": "AFakeTraceId",
	}
	if subcode != 0 {
		e["error_subcode"] = subcode
	}
	if code >= 130000 {
		e["error_data"] = map[string]string{"messaging_product": "whatsapp", "details": message}
	}
	writeJSON(w, status, map[string]any{"error": e})
}

// writeUserError is a validation error Meta words for the person who typed
// the input.
func writeUserError(w http.ResponseWriter, code, subcode int, message, title, userMsg string) {
	e := map[string]any{
		"message":          message,
		"type":             "OAuthException",
		"code":             code,
		"is_transient":     false,
		"error_user_title": title,
		"error_user_msg":   userMsg,
		"fbtrace_id":       "AFakeTraceId",
	}
	if subcode != 0 {
		e["error_subcode"] = subcode
	}
	writeJSON(w, http.StatusBadRequest, map[string]any{"error": e})
}

func writeJSON(w http.ResponseWriter, status int, v any) {
	b, err := json.Marshal(v)
	if err != nil {
		http.Error(w, err.Error(), http.StatusInternalServerError)
		return
	}
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	w.Write(b)
}

func first(v []string) string {
	if len(v) == 0 {
		return ""
	}
	return v[0]
}

func digits(s string) string {
	var b strings.Builder
	for _, r := range s {
		if r >= '0' && r <= '9' {
			b.WriteRune(r)
		}
	}
	return b.String()
}
