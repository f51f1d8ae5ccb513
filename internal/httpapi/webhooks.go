package httpapi

import (
	"errors"
	"io"
	"net/http"

	"github.com/masteria/masteria/internal/apierr"
	"github.com/masteria/masteria/internal/channel"
	"github.com/masteria/masteria/internal/channel/whatsappcloud"
	"github.com/masteria/masteria/internal/connections"
	"github.com/masteria/masteria/internal/inbound"
)

// Provider webhooks live outside /api/v1: no session, no CSRF, no API rate
// limit; the provider proves itself by signature (POST) or verify token
// (GET). They answer as soon as the raw delivery is durable.

// maxWebhookBody is above Meta's 3 MB payload limit, so a full-size
// delivery is taken and only a larger one is refused.
const maxWebhookBody = 4 << 20

var (
	errBadSignature = apierr.New(http.StatusUnauthorized, "invalid_signature", "The X-Hub-Signature-256 header is missing or does not match the body.")
	errBadToken     = apierr.Forbidden("The verify token does not match.")
	errWebhookBody  = apierr.New(http.StatusRequestEntityTooLarge, "body_too_large", "The payload is larger than 4 MB.")
)

func (s *Server) cloudConnection(r *http.Request) (connections.Resolved, error) {
	c, err := s.Connections.Resolve(r.Context(), r.PathValue("connection_id"))
	if err != nil {
		return c, err
	}
	if c.Type != channel.WhatsAppCloud {
		return c, apierr.NotFound()
	}
	return c, nil
}

func (s *Server) whatsappVerify(w http.ResponseWriter, r *http.Request) {
	c, err := s.cloudConnection(r)
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	challenge, ok := whatsappcloud.Verify(r.URL.Query(), c.Secrets.VerifyToken)
	if !ok {
		s.writeError(w, r, errBadToken)
		return
	}
	w.Header().Set("Content-Type", "text/plain; charset=utf-8")
	_, _ = io.WriteString(w, challenge)
}

// whatsappVerifyShared answers the handshake of an app shared by many
// numbers: the token must be the verify token of one of them.
func (s *Server) whatsappVerifyShared(w http.ResponseWriter, r *http.Request) {
	cs, err := s.Connections.CloudConnections(r.Context())
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	for _, c := range cs {
		if challenge, ok := whatsappcloud.Verify(r.URL.Query(), c.Secrets.VerifyToken); ok {
			w.Header().Set("Content-Type", "text/plain; charset=utf-8")
			_, _ = io.WriteString(w, challenge)
			return
		}
	}
	s.writeError(w, r, errBadToken)
}

func readWebhook(w http.ResponseWriter, r *http.Request) ([]byte, error) {
	body, err := io.ReadAll(http.MaxBytesReader(w, r.Body, maxWebhookBody))
	var tooBig *http.MaxBytesError
	if errors.As(err, &tooBig) {
		return nil, errWebhookBody
	}
	if err != nil {
		return nil, apierr.BadRequest("unreadable_body", "The body could not be read.")
	}
	return body, nil
}

func (s *Server) whatsappWebhook(w http.ResponseWriter, r *http.Request) {
	c, err := s.cloudConnection(r)
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	body, err := readWebhook(w, r)
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	if !whatsappcloud.VerifySignature(c.Secrets.AppSecret, body, r.Header.Get("X-Hub-Signature-256")) {
		s.writeError(w, r, errBadSignature)
		return
	}
	s.recordWebhook(w, r, []connections.Resolved{c}, body)
}

// whatsappWebhookShared takes deliveries of an app shared by many numbers,
// routed by metadata.phone_number_id. Each candidate connection must verify
// the signature with its own app secret; the delivery is recorded once per
// connection that does, and each applies only its own number's part.
func (s *Server) whatsappWebhookShared(w http.ResponseWriter, r *http.Request) {
	body, err := readWebhook(w, r)
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	numbers, err := whatsappcloud.PhoneNumberIDs(body)
	if err != nil || len(numbers) == 0 {
		// Without the number nobody's secret can be tried; Meta's retries
		// of an unreadable body would fail the same way.
		s.writeError(w, r, apierr.BadRequest("unroutable_payload", "The payload names no phone number id to route it by."))
		return
	}
	var verified []connections.Resolved
	seen := map[string]bool{}
	for _, n := range numbers {
		idsFor, err := s.Connections.ByPhoneNumberID(r.Context(), n)
		if err != nil {
			s.writeError(w, r, err)
			return
		}
		for _, id := range idsFor {
			if seen[id] {
				continue
			}
			seen[id] = true
			c, err := s.Connections.Resolve(r.Context(), id)
			if err != nil {
				continue
			}
			if whatsappcloud.VerifySignature(c.Secrets.AppSecret, body, r.Header.Get("X-Hub-Signature-256")) {
				verified = append(verified, c)
			}
		}
	}
	if len(verified) == 0 {
		s.writeError(w, r, errBadSignature)
		return
	}
	s.recordWebhook(w, r, verified, body)
}

func (s *Server) recordWebhook(w http.ResponseWriter, r *http.Request, conns []connections.Resolved, body []byte) {
	for _, c := range conns {
		err := s.Intake.Record(r.Context(), inbound.Event{CompanyID: c.CompanyID, ConnectionID: c.ID, Source: channel.WhatsAppCloud, Payload: body})
		if err != nil {
			// Not stored: a non-200 makes Meta deliver it again later.
			s.logger.ErrorContext(r.Context(), "webhook not recorded", "connection_id", c.ID, "err", err)
			s.writeError(w, r, apierr.New(http.StatusServiceUnavailable, "unavailable", "The delivery could not be stored; send it again."))
			return
		}
	}
	w.WriteHeader(http.StatusOK)
}
