package httpapi

import (
	"bytes"
	"encoding/json"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
)

func TestPanicsBecomeAGeneric500WithTheRequestID(t *testing.T) {
	var logs bytes.Buffer
	s := &Server{logger: slog.New(slog.NewJSONHandler(&logs, nil))}
	h := s.withRequestID(s.recoverPanics(http.HandlerFunc(func(http.ResponseWriter, *http.Request) {
		panic("database password is hunter2")
	})))
	rec := httptest.NewRecorder()
	req := httptest.NewRequest("GET", "/api/v1/x", nil)
	req.Header.Set("X-Request-Id", "req-123")
	h.ServeHTTP(rec, req)
	if rec.Code != 500 || strings.Contains(rec.Body.String(), "hunter2") {
		t.Fatalf("got %d %s", rec.Code, rec.Body)
	}
	var env struct {
		Error struct{ Code string } `json:"error"`
	}
	if err := json.Unmarshal(rec.Body.Bytes(), &env); err != nil || env.Error.Code != "internal_error" {
		t.Fatalf("not the envelope: %s", rec.Body)
	}
	if rec.Header().Get("X-Request-Id") != "req-123" || !strings.Contains(logs.String(), `"request_id":"req-123"`) {
		t.Fatalf("request id not kept in the response and the log: %s", logs.String())
	}
}

func TestRequestIDIsMadeWhenMissingOrUnsafe(t *testing.T) {
	s := &Server{logger: slog.New(slog.NewTextHandler(io.Discard, nil))}
	h := s.withRequestID(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {}))
	for _, in := range []string{"", "has space", strings.Repeat("x", 65)} {
		rec := httptest.NewRecorder()
		req := httptest.NewRequest("GET", "/", nil)
		if in != "" {
			req.Header.Set("X-Request-Id", in)
		}
		h.ServeHTTP(rec, req)
		if got := rec.Header().Get("X-Request-Id"); got == in || len(got) != 16 {
			t.Errorf("in %q: got %q", in, got)
		}
	}
}
