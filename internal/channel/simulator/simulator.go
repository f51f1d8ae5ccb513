// Package simulator is the built-in channel that needs no provider account: a
// phone emulator in the web UI and API. It behaves like a real provider on
// both paths. Messages typed in the emulator (or posted to
// /connections/{id}/simulate) become a provider-style payload that goes
// through the durable webhook record and the inbound worker; messages sent to
// it get an id at once, and their sent → delivered → read reports arrive
// later, as webhook-like records that become due after the connection's
// delivery delay.
//
// Decisions:
//   - Payloads are this package's own small JSON (Payload), parsed into
//     channel.Batch like any provider's.
//   - For trying failures: a recipient whose number ends in 0000 is
//     "undeliverable" (Meta's 131026), reported by a failed status, as Meta
//     does after accepting the request.
//   - Media sent from the emulator is a link; its kind comes from the file
//     extension (image, audio, video, else document).
package simulator

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/url"
	"path"
	"strings"
	"time"

	"github.com/masteria/masteria/internal/channel"
	"github.com/masteria/masteria/internal/ids"
)

// Payload is one delivery from the Simulator.
type Payload struct {
	Messages  []Message        `json:"messages,omitempty"`
	Statuses  []StatusReport   `json:"statuses,omitempty"`
	Templates []TemplateReport `json:"templates,omitempty"`
}

// Message is a message typed in the emulator.
type Message struct {
	ID            string    `json:"id"`
	From          string    `json:"from"`
	Name          string    `json:"name,omitempty"`
	Text          string    `json:"text,omitempty"`
	MediaURL      string    `json:"media_url,omitempty"`
	ButtonPayload string    `json:"button_payload,omitempty"`
	ReplyTo       string    `json:"reply_to,omitempty"`
	Timestamp     time.Time `json:"timestamp"`
}

// StatusReport is a delivery report about a message sent to the emulator.
type StatusReport struct {
	ID        string    `json:"id"`
	Status    string    `json:"status"`
	To        string    `json:"to,omitempty"`
	ErrorCode int       `json:"error_code,omitempty"`
	Error     string    `json:"error,omitempty"`
	Timestamp time.Time `json:"timestamp"`
}

// TemplateReport is the Simulator's review of a template.
type TemplateReport struct {
	Name     string `json:"name"`
	Language string `json:"language"`
	Event    string `json:"event"`
}

// Parse turns a Simulator payload into a batch.
func Parse(body []byte) ([]channel.Batch, error) {
	var p Payload
	if err := json.Unmarshal(body, &p); err != nil {
		return nil, fmt.Errorf("simulator payload: %w", err)
	}
	var b channel.Batch
	for _, m := range p.Messages {
		in := channel.Inbound{ProviderID: m.ID, From: m.From, Name: m.Name, Timestamp: m.Timestamp, Type: channel.TypeText,
			Text: m.Text, ContextID: m.ReplyTo}
		switch {
		case m.ButtonPayload != "":
			in.Type = channel.TypeButton
			in.Reply = &channel.ButtonReply{ID: m.ButtonPayload, Title: m.Text}
		case m.MediaURL != "":
			in.Type = MediaKind(m.MediaURL)
			in.Media = &channel.Media{Link: m.MediaURL, Caption: m.Text, Filename: path.Base(urlPath(m.MediaURL))}
		}
		in.Raw, _ = json.Marshal(m)
		b.Messages = append(b.Messages, in)
	}
	for _, s := range p.Statuses {
		st := channel.Status{ProviderID: s.ID, Status: s.Status, Timestamp: s.Timestamp, RecipientID: s.To}
		if s.ErrorCode != 0 {
			st.Errors = []channel.ProviderError{{Code: s.ErrorCode, Title: s.Error, Message: s.Error}}
		}
		b.Statuses = append(b.Statuses, st)
	}
	for _, t := range p.Templates {
		b.Templates = append(b.Templates, channel.TemplateUpdate{Name: t.Name, Language: t.Language, Event: t.Event})
	}
	return []channel.Batch{b}, nil
}

func urlPath(raw string) string {
	u, err := url.Parse(raw)
	if err != nil {
		return raw
	}
	return u.Path
}

// MediaKind guesses a link's message type from its extension.
func MediaKind(link string) string {
	switch strings.ToLower(path.Ext(urlPath(link))) {
	case ".jpg", ".jpeg", ".png", ".webp", ".gif":
		return channel.TypeImage
	case ".mp3", ".ogg", ".opus", ".m4a", ".aac", ".amr":
		return channel.TypeAudio
	case ".mp4", ".3gp", ".mov":
		return channel.TypeVideo
	}
	return channel.TypeDocument
}

// Scheduled is a payload to process from At on.
type Scheduled struct {
	Payload []byte
	At      time.Time
}

// Scheduler records payloads durably, each to be processed from its time
// on: the same record real webhooks land in. All are committed together.
type Scheduler interface {
	Schedule(ctx context.Context, companyID, connectionID, source string, payloads []Scheduled) error
}

// Sender sends to the emulator of one connection.
type Sender struct {
	CompanyID    string
	ConnectionID string
	Delay        time.Duration
	Scheduler    Scheduler
	Now          func() time.Time // nil is time.Now
}

// Send accepts the message at once and schedules its delivery reports.
func (s *Sender) Send(ctx context.Context, m channel.Outbound) (string, error) {
	if err := channel.Validate(m); err != nil {
		return "", err
	}
	now := time.Now
	if s.Now != nil {
		now = s.Now
	}
	t := now().UTC()
	id := "sim." + ids.New()
	reports := []StatusReport{{ID: id, Status: channel.StatusSent, To: m.To, Timestamp: t}}
	if strings.HasSuffix(m.To, "0000") {
		reports = append(reports, StatusReport{ID: id, Status: channel.StatusFailed, To: m.To, ErrorCode: 131026,
			Error: "Message undeliverable", Timestamp: t.Add(s.Delay)})
	} else {
		reports = append(reports,
			StatusReport{ID: id, Status: channel.StatusDelivered, To: m.To, Timestamp: t.Add(s.Delay)},
			StatusReport{ID: id, Status: channel.StatusRead, To: m.To, Timestamp: t.Add(2 * s.Delay)})
	}
	scheduled := make([]Scheduled, len(reports))
	for i, r := range reports {
		body, _ := json.Marshal(Payload{Statuses: []StatusReport{r}})
		scheduled[i] = Scheduled{Payload: body, At: r.Timestamp}
	}
	if err := s.Scheduler.Schedule(ctx, s.CompanyID, s.ConnectionID, channel.Simulator, scheduled); err != nil {
		return "", &channel.Error{Class: channel.RetryLater, Status: 503, Message: err.Error()}
	}
	return id, nil
}

// UploadMedia takes a file as a provider would (reading all of it) and
// answers a media id; the simulated phone shows the message's own copy.
func (s *Sender) UploadMedia(_ context.Context, r io.Reader, _, _ string) (string, error) {
	if _, err := io.Copy(io.Discard, r); err != nil {
		return "", &channel.Error{Class: channel.RetryLater, Status: 503, Message: err.Error()}
	}
	return "sim-media." + ids.New(), nil
}

// MarkRead has nothing to tell a simulated phone.
func (s *Sender) MarkRead(context.Context, string) error { return nil }
