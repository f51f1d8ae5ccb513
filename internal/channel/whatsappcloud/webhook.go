package whatsappcloud

import (
	"crypto/hmac"
	"crypto/sha256"
	"crypto/subtle"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/masteria/masteria/internal/channel"
)

// VerifySignature says whether header (X-Hub-Signature-256) is the app
// secret's HMAC-SHA256 of the raw body. Anything missing or malformed is
// false; the comparison takes the same time however many bytes match.
func VerifySignature(appSecret string, body []byte, header string) bool {
	if appSecret == "" {
		return false
	}
	hexSum, ok := strings.CutPrefix(header, "sha256=")
	if !ok {
		return false
	}
	got, err := hex.DecodeString(hexSum)
	if err != nil || len(got) != sha256.Size {
		return false
	}
	mac := hmac.New(sha256.New, []byte(appSecret))
	mac.Write(body)
	return hmac.Equal(got, mac.Sum(nil))
}

// Verify answers Meta's subscription handshake: the challenge to echo with
// 200 when the token matches, else ok is false and the handler says 403.
func Verify(query url.Values, verifyToken string) (challenge string, ok bool) {
	if verifyToken == "" || query.Get("hub.mode") != "subscribe" {
		return "", false
	}
	if subtle.ConstantTimeCompare([]byte(query.Get("hub.verify_token")), []byte(verifyToken)) != 1 {
		return "", false
	}
	return query.Get("hub.challenge"), true
}

// PhoneNumberIDs lists the numbers a delivery is for, in order of first
// appearance, so that a shared app's webhook finds the connection (and its
// secret) before parsing the whole payload.
func PhoneNumberIDs(body []byte) ([]string, error) {
	var p struct {
		Entry []struct {
			Changes []struct {
				Value json.RawMessage `json:"value"`
			} `json:"changes"`
		} `json:"entry"`
	}
	if err := json.Unmarshal(body, &p); err != nil {
		return nil, fmt.Errorf("whatsappcloud: webhook: %w", err)
	}
	var ids []string
	seen := map[string]bool{}
	for _, e := range p.Entry {
		for _, c := range e.Changes {
			var v struct {
				Metadata struct {
					PhoneNumberID string `json:"phone_number_id"`
				} `json:"metadata"`
			}
			// A change shaped otherwise names no number; the others
			// still route.
			if json.Unmarshal(c.Value, &v) != nil {
				continue
			}
			id := v.Metadata.PhoneNumberID
			if id != "" && !seen[id] {
				seen[id] = true
				ids = append(ids, id)
			}
		}
	}
	return ids, nil
}

// Parse turns a webhook delivery into one Batch per phone number, in order
// of first appearance. Changes about the WABA rather than a number
// (template reviews, quality) go into a Batch with an empty PhoneNumberID.
// Fields Masteria does not use are skipped; only JSON that does not parse
// is an error, since Meta retries a refused delivery for days.
func Parse(body []byte) ([]channel.Batch, error) {
	var p hookPayload
	if err := json.Unmarshal(body, &p); err != nil {
		return nil, fmt.Errorf("whatsappcloud: webhook: %w", err)
	}
	var batches []channel.Batch
	index := map[string]int{}
	batch := func(phoneNumberID string) *channel.Batch {
		i, ok := index[phoneNumberID]
		if !ok {
			i = len(batches)
			index[phoneNumberID] = i
			batches = append(batches, channel.Batch{PhoneNumberID: phoneNumberID})
		}
		return &batches[i]
	}
	for _, e := range p.Entry {
		for _, ch := range e.Changes {
			if !knownFields[ch.Field] || len(ch.Value) == 0 || string(ch.Value) == "null" {
				// Other fields may shape their values differently;
				// decoding them could only fail.
				continue
			}
			var v hookValue
			if err := json.Unmarshal(ch.Value, &v); err != nil {
				return nil, fmt.Errorf("whatsappcloud: webhook %s change: %w", ch.Field, err)
			}
			switch ch.Field {
			case "messages":
				b := batch(v.Metadata.PhoneNumberID)
				for _, raw := range v.Messages {
					m, err := parseMessage(raw, v.Contacts)
					if err != nil {
						return nil, err
					}
					b.Messages = append(b.Messages, m)
				}
				for _, s := range v.Statuses {
					b.Statuses = append(b.Statuses, channel.Status{
						ProviderID:  s.ID,
						Status:      s.Status,
						Timestamp:   s.Timestamp.Time(),
						RecipientID: s.RecipientID,
						Errors:      providerErrors(s.Errors),
					})
				}
			case "message_template_status_update":
				b := batch(v.Metadata.PhoneNumberID)
				b.Templates = append(b.Templates, channel.TemplateUpdate{
					ProviderID: string(v.TemplateID),
					Name:       v.TemplateName,
					Language:   v.TemplateLanguage,
					Event:      v.Event,
					Reason:     v.Reason,
				})
			case "user_preferences":
				b := batch(v.Metadata.PhoneNumberID)
				for _, u := range v.UserPreferences {
					b.Preferences = append(b.Preferences, channel.Preference{
						From:      u.WaID,
						Category:  u.Category,
						Value:     u.Value,
						Timestamp: u.Timestamp.Time(),
					})
				}
			case "phone_number_quality_update":
				b := batch(v.Metadata.PhoneNumberID)
				limit := string(v.CurrentLimit)
				if limit == "" {
					limit = string(v.MaxDaily)
				}
				b.Quality = append(b.Quality, channel.QualityUpdate{
					DisplayPhone: v.DisplayPhoneNumber,
					Event:        v.Event,
					CurrentLimit: limit,
				})
			}
		}
	}
	return batches, nil
}

func parseMessage(raw json.RawMessage, contacts []hookContact) (channel.Inbound, error) {
	var w hookMessage
	if err := json.Unmarshal(raw, &w); err != nil {
		return channel.Inbound{}, fmt.Errorf("whatsappcloud: webhook message: %w", err)
	}
	m := channel.Inbound{
		ProviderID: w.ID,
		From:       w.From,
		Name:       contactName(contacts, w.From),
		Timestamp:  w.Timestamp.Time(),
		Type:       w.Type,
		Errors:     providerErrors(w.Errors),
		Raw:        append(json.RawMessage(nil), raw...),
	}
	if w.Context != nil {
		m.ContextID = w.Context.ID
	}
	switch w.Type {
	case channel.TypeText:
		if w.Text != nil {
			m.Text = w.Text.Body
		}
	case channel.TypeImage, channel.TypeAudio, channel.TypeVideo, channel.TypeDocument, channel.TypeSticker:
		var f *hookMedia
		switch w.Type {
		case channel.TypeImage:
			f = w.Image
		case channel.TypeAudio:
			f = w.Audio
		case channel.TypeVideo:
			f = w.Video
		case channel.TypeDocument:
			f = w.Document
		case channel.TypeSticker:
			f = w.Sticker
		}
		if f != nil {
			m.Media = &channel.Media{
				ID: f.ID, MimeType: f.MimeType, SHA256: f.SHA256, Caption: f.Caption,
				Filename: f.Filename, Voice: f.Voice, Animated: f.Animated,
			}
			m.Text = f.Caption
		}
	case channel.TypeLocation:
		if l := w.Location; l != nil {
			m.Location = &channel.Place{Latitude: float64(l.Latitude), Longitude: float64(l.Longitude), Name: l.Name, Address: l.Address}
		}
	case channel.TypeContacts:
		m.Contacts = w.Contacts
	case channel.TypeInteractive:
		if i := w.Interactive; i != nil {
			r := i.ButtonReply
			if i.Type == "list_reply" || r == nil {
				r = i.ListReply
			}
			if r != nil {
				m.Reply = &channel.ButtonReply{ID: r.ID, Title: r.Title, Description: r.Description}
				m.Text = r.Title
			}
		}
	case channel.TypeButton:
		if b := w.Button; b != nil {
			m.Reply = &channel.ButtonReply{ID: b.Payload, Title: b.Text}
			m.Text = b.Text
		}
	case channel.TypeReaction:
		if r := w.Reaction; r != nil {
			m.Reaction = &channel.Reaction{MessageID: r.MessageID, Emoji: r.Emoji}
			// The reacted message is the reaction's context.
			if m.ContextID == "" {
				m.ContextID = r.MessageID
			}
		}
	}
	return m, nil
}

// contactName finds the sender's profile name; Meta keys it by wa_id, which
// may differ from "from" in formatting, so a lone contact is taken as the
// sender.
func contactName(contacts []hookContact, from string) string {
	for _, c := range contacts {
		if c.WaID == from {
			return c.Profile.Name
		}
	}
	if len(contacts) == 1 {
		return contacts[0].Profile.Name
	}
	return ""
}

func providerErrors(in []hookError) []channel.ProviderError {
	if len(in) == 0 {
		return nil
	}
	out := make([]channel.ProviderError, 0, len(in))
	for _, e := range in {
		pe := channel.ProviderError{Code: e.Code, Title: e.Title, Message: e.Message}
		if e.ErrorData != nil {
			pe.Details = e.ErrorData.Details
		}
		out = append(out, pe)
	}
	return out
}

// unixTime is a Unix time in seconds, which Meta sends as a string in
// messages and statuses and as a number in some other fields. A value that
// is neither leaves the zero time, so the receiver uses its own clock
// rather than refusing the whole delivery.
type unixTime int64

func (t *unixTime) UnmarshalJSON(b []byte) error {
	s := strings.Trim(string(b), `"`)
	if n, err := strconv.ParseInt(s, 10, 64); err == nil {
		*t = unixTime(n)
	}
	return nil
}

// Time is the UTC time, or the zero time when none came.
func (t unixTime) Time() time.Time {
	if t <= 0 {
		return time.Time{}
	}
	return time.Unix(int64(t), 0).UTC()
}

// flexFloat is a coordinate, a number on the wire though some senders quote it.
type flexFloat float64

func (f *flexFloat) UnmarshalJSON(b []byte) error {
	s := strings.Trim(string(b), `"`)
	if v, err := strconv.ParseFloat(s, 64); err == nil {
		*f = flexFloat(v)
	}
	return nil
}

// jsonString is a Graph value that arrives as a string or a bare number
// (template ids in webhooks). Numbers keep their exact digits.
type jsonString string

func (s *jsonString) UnmarshalJSON(b []byte) error {
	if len(b) > 0 && b[0] == '"' {
		var v string
		if err := json.Unmarshal(b, &v); err != nil {
			return err
		}
		*s = jsonString(v)
		return nil
	}
	if string(b) == "null" {
		return nil
	}
	var n json.Number
	if err := json.Unmarshal(b, &n); err != nil {
		return err
	}
	*s = jsonString(n.String())
	return nil
}
