package httpapi

import (
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"mime"
	"net/http"
	"strings"

	"github.com/masteria/masteria/internal/apierr"
)

// maxBody is the largest JSON body any route accepts.
const maxBody = 1 << 20

func writeJSON(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/json; charset=utf-8")
	w.WriteHeader(status)
	if v == nil {
		return
	}
	enc := json.NewEncoder(w)
	enc.SetEscapeHTML(true)
	_ = enc.Encode(v)
}

type envelope struct {
	Error *apierr.Error `json:"error"`
}

// writeError is the one place errors become responses. Anything that is not
// an *apierr.Error is logged with the request id and answered with a generic
// 500: internal details never reach the client.
func (s *Server) writeError(w http.ResponseWriter, r *http.Request, err error) {
	e, ok := apierr.As(err)
	if !ok {
		s.logger.ErrorContext(r.Context(), "request failed", "request_id", requestID(r.Context()),
			"route", r.Pattern, "err", err)
		e = apierr.New(http.StatusInternalServerError, "internal_error", "Something went wrong on our side. Try again; if it keeps happening, tell your administrator.")
	}
	if e.Status == http.StatusTooManyRequests && w.Header().Get("Retry-After") == "" {
		w.Header().Set("Retry-After", "60")
	}
	writeJSON(w, e.Status, envelope{Error: e})
}

// readJSON decodes one JSON object into dst strictly: JSON content type,
// size limit, no unknown fields, nothing after the object.
func readJSON(w http.ResponseWriter, r *http.Request, dst any) error {
	if ct := r.Header.Get("Content-Type"); ct != "" {
		mt, _, err := mime.ParseMediaType(ct)
		if err != nil || mt != "application/json" {
			return apierr.New(http.StatusUnsupportedMediaType, "unsupported_media_type", "Send the body as application/json.")
		}
	}
	r.Body = http.MaxBytesReader(w, r.Body, maxBody)
	dec := json.NewDecoder(r.Body)
	dec.DisallowUnknownFields()
	if err := dec.Decode(dst); err != nil {
		return decodeError(err)
	}
	if _, err := dec.Token(); !errors.Is(err, io.EOF) {
		var tooBig *http.MaxBytesError
		if errors.As(err, &tooBig) {
			return decodeError(err)
		}
		return apierr.BadRequest("malformed_json", "The body must hold a single JSON object.")
	}
	return nil
}

func decodeError(err error) error {
	var (
		syntax *json.SyntaxError
		typ    *json.UnmarshalTypeError
		tooBig *http.MaxBytesError
	)
	switch {
	case errors.As(err, &tooBig):
		return apierr.New(http.StatusRequestEntityTooLarge, "body_too_large", fmt.Sprintf("The body is larger than %d bytes.", maxBody))
	case errors.Is(err, io.EOF):
		return apierr.BadRequest("empty_body", "The body is empty; send a JSON object.")
	case errors.As(err, &syntax), errors.Is(err, io.ErrUnexpectedEOF):
		return apierr.BadRequest("malformed_json", "The body is not valid JSON.")
	case errors.As(err, &typ):
		field := typ.Field
		if field == "" {
			e := apierr.BadRequest("invalid_type", "The body must be a JSON object.")
			return e
		}
		e := apierr.BadRequest("invalid_type", fmt.Sprintf("The field %q has the wrong type.", field))
		e.Fields = map[string]string{field: "invalid_type"}
		return e
	case strings.HasPrefix(err.Error(), "json: unknown field "):
		field := strings.Trim(strings.TrimPrefix(err.Error(), "json: unknown field "), `"`)
		e := apierr.BadRequest("unknown_field", fmt.Sprintf("The field %q is not known.", field))
		e.Fields = map[string]string{field: "unknown_field"}
		return e
	}
	return apierr.BadRequest("malformed_json", "The body could not be read as JSON.")
}

// list is the shape of every list response.
type list[T any] struct {
	Data       []T    `json:"data"`
	NextCursor string `json:"next_cursor,omitempty"`
}
