// Package channel is the vocabulary every provider adapter speaks: what a
// contact sent us (Inbound), what became of a message we sent (Status), what
// we want to send (Outbound), and how a provider's refusal is classified
// (Error and Class) so that the outbox decides the same way for every channel.
//
// Adapters live in sub-packages named for their connection type
// (channel/whatsappcloud, channel/simulator, ...). They turn provider payloads
// into these types and these types into provider requests; they never touch
// the database.
package channel

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"strings"
	"time"
)

// Connection types.
const (
	WhatsAppCloud = "whatsapp_cloud"
	Simulator     = "simulator"
)

// Message types, shared by inbound and outbound messages.
const (
	TypeText        = "text"
	TypeImage       = "image"
	TypeAudio       = "audio"
	TypeVideo       = "video"
	TypeDocument    = "document"
	TypeSticker     = "sticker"
	TypeLocation    = "location"
	TypeContacts    = "contacts"
	TypeInteractive = "interactive" // outbound buttons/lists; inbound button or list replies
	TypeButton      = "button"      // inbound: a template quick-reply button was tapped
	TypeTemplate    = "template"
	TypeReaction    = "reaction"
	TypeUnsupported = "unsupported"
)

// Media types, the ones a message can carry as a file.
var MediaTypes = map[string]bool{TypeImage: true, TypeAudio: true, TypeVideo: true, TypeDocument: true, TypeSticker: true}

// Batch is everything one provider delivery carries for one number.
type Batch struct {
	// PhoneNumberID routes a shared app's delivery to its connection.
	PhoneNumberID string
	Messages      []Inbound
	Statuses      []Status
	Templates     []TemplateUpdate
	Preferences   []Preference
	Quality       []QualityUpdate
}

// Empty says whether the batch carries nothing to apply.
func (b Batch) Empty() bool {
	return len(b.Messages)+len(b.Statuses)+len(b.Templates)+len(b.Preferences)+len(b.Quality) == 0
}

// Inbound is one message a contact sent.
type Inbound struct {
	ProviderID string    `json:"provider_id"` // wamid
	From       string    `json:"from"`        // the sender's address as the provider gives it (wa_id digits, E.164, @lid)
	Name       string    `json:"name,omitempty"`
	Timestamp  time.Time `json:"timestamp"`
	Type       string    `json:"type"`
	Text       string    `json:"text,omitempty"` // body, caption, or the tapped button's title

	Media     *Media          `json:"media,omitempty"`
	Location  *Place          `json:"location,omitempty"`
	Contacts  json.RawMessage `json:"contacts,omitempty"` // vCards as the provider sent them
	Reply     *ButtonReply    `json:"reply,omitempty"`    // interactive/button replies
	Reaction  *Reaction       `json:"reaction,omitempty"`
	ContextID string          `json:"context_id,omitempty"` // the provider id of the quoted message
	Errors    []ProviderError `json:"errors,omitempty"`     // unsupported messages say why
	Raw       json.RawMessage `json:"raw,omitempty"`        // the message's own JSON, kept for unknown types
}

// Media is a file in a message: a provider media id, or a link.
type Media struct {
	ID       string `json:"id,omitempty"`
	Link     string `json:"link,omitempty"`
	MimeType string `json:"mime_type,omitempty"`
	SHA256   string `json:"sha256,omitempty"`
	Caption  string `json:"caption,omitempty"`
	Filename string `json:"filename,omitempty"`
	Voice    bool   `json:"voice,omitempty"`
	Animated bool   `json:"animated,omitempty"`
}

// Place is a shared location.
type Place struct {
	Latitude  float64 `json:"latitude"`
	Longitude float64 `json:"longitude"`
	Name      string  `json:"name,omitempty"`
	Address   string  `json:"address,omitempty"`
}

// ButtonReply is the button or list row a contact chose, or a template's
// quick-reply payload.
type ButtonReply struct {
	ID          string `json:"id,omitempty"` // button/row id, or the template button payload
	Title       string `json:"title"`
	Description string `json:"description,omitempty"`
}

// Reaction is an emoji on a message; an empty emoji removes it.
type Reaction struct {
	MessageID string `json:"message_id"`
	Emoji     string `json:"emoji"`
}

// Delivery states of an outbound message, in the order they happen.
const (
	StatusQueued    = "queued"
	StatusSending   = "sending"
	StatusSent      = "sent"
	StatusDelivered = "delivered"
	StatusRead      = "read"
	StatusFailed    = "failed"
)

// Rank orders delivery states so that a late report never moves a message
// back: queued < sending < sent < delivered < read. Failed outranks them all
// except read (a message the person read did not fail).
func Rank(status string) int {
	switch status {
	case StatusQueued:
		return 1
	case StatusSending:
		return 2
	case StatusSent:
		return 3
	case StatusDelivered:
		return 4
	case StatusFailed:
		return 5
	case StatusRead:
		return 6
	}
	return 0
}

// Status is what the provider reports about a message we sent.
type Status struct {
	ProviderID  string          `json:"provider_id"`
	Status      string          `json:"status"` // sent, delivered, read, failed
	Timestamp   time.Time       `json:"timestamp"`
	RecipientID string          `json:"recipient_id,omitempty"`
	Errors      []ProviderError `json:"errors,omitempty"`
}

// ProviderError is one error a provider attached to a status or message.
type ProviderError struct {
	Code    int    `json:"code"`
	Title   string `json:"title,omitempty"`
	Message string `json:"message,omitempty"`
	Details string `json:"details,omitempty"`
}

// TemplateUpdate is a provider's news about a message template.
type TemplateUpdate struct {
	ProviderID string `json:"provider_id"`
	Name       string `json:"name"`
	Language   string `json:"language"`
	Event      string `json:"event"` // APPROVED, REJECTED, PAUSED, DISABLED, ...
	Reason     string `json:"reason,omitempty"`
}

// Preference is a contact's choice about a category of messages, such as
// stopping marketing.
type Preference struct {
	From      string    `json:"from"`
	Category  string    `json:"category"` // marketing_messages
	Value     string    `json:"value"`    // stop | resume
	Timestamp time.Time `json:"timestamp"`
}

// QualityUpdate is news about a number's quality rating or messaging limit.
type QualityUpdate struct {
	DisplayPhone string `json:"display_phone"`
	Event        string `json:"event"`
	CurrentLimit string `json:"current_limit,omitempty"`
}

// Outbound is a message to send. Exactly one of the type's parts is set.
type Outbound struct {
	To         string `json:"to"` // E.164
	Type       string `json:"type"`
	Text       string `json:"text,omitempty"`
	PreviewURL bool   `json:"preview_url,omitempty"`
	ReplyTo    string `json:"reply_to,omitempty"` // provider id of the message answered

	Media       *Media           `json:"media,omitempty"`
	Location    *Place           `json:"location,omitempty"`
	Contacts    json.RawMessage  `json:"contacts,omitempty"`
	Interactive *InteractiveBody `json:"interactive,omitempty"`
	Template    *TemplateMessage `json:"template,omitempty"`
	Reaction    *Reaction        `json:"reaction,omitempty"`
}

// InteractiveBody is a message with reply buttons (up to 3) or a list.
type InteractiveBody struct {
	Kind     string        `json:"kind"` // button | list
	Header   string        `json:"header,omitempty"`
	Body     string        `json:"body"`
	Footer   string        `json:"footer,omitempty"`
	Buttons  []ButtonReply `json:"buttons,omitempty"`
	Action   string        `json:"action,omitempty"` // the list's button label
	Sections []ListSection `json:"sections,omitempty"`
}

// ListSection is one titled group of rows in a list message.
type ListSection struct {
	Title string        `json:"title,omitempty"`
	Rows  []ButtonReply `json:"rows"`
}

// TemplateMessage is a template send: its name, language and the values of
// its variables.
type TemplateMessage struct {
	Name     string            `json:"name"`
	Language string            `json:"language"`
	Header   *TemplateHeader   `json:"header,omitempty"`
	Body     []TemplateParam   `json:"body,omitempty"`
	Buttons  []TemplateButton  `json:"buttons,omitempty"`
	Rendered map[string]string `json:"rendered,omitempty"` // the text as the contact sees it, for the timeline
}

// TemplateHeader fills a template's header: text variables or a media file.
type TemplateHeader struct {
	Text  []TemplateParam `json:"text,omitempty"`
	Media *Media          `json:"media,omitempty"`
	Type  string          `json:"type,omitempty"` // image, video, document when Media is set
}

// TemplateParam is one variable's value; Name is set for named variables.
type TemplateParam struct {
	Name  string `json:"name,omitempty"`
	Value string `json:"value"`
}

// TemplateButton fills a button's variable: a URL suffix, a quick-reply
// payload or a copy code.
type TemplateButton struct {
	Index   int    `json:"index"`
	SubType string `json:"sub_type"` // url, quick_reply, copy_code
	Value   string `json:"value"`
}

// Sender sends messages over one connection.
type Sender interface {
	Send(ctx context.Context, m Outbound) (providerID string, err error)
	// MarkRead tells the provider the inbound message was read.
	MarkRead(ctx context.Context, providerID string) error
}

// Uploader is a Sender that takes files before the message that carries
// them: a file an agent attached is uploaded when its message leaves, and
// sent by the media id the provider answers.
type Uploader interface {
	UploadMedia(ctx context.Context, r io.Reader, filename, mimeType string) (mediaID string, err error)
}

// Class is what a sender should do about a refusal.
type Class string

const (
	RetryLater       Class = "retry_later"        // throttled or the provider is down: try again after a pause
	BackOffRecipient Class = "back_off_recipient" // too many messages to this person: wait before the next one to them
	NeedsTemplate    Class = "needs_template"     // outside the 24-hour window: only a template may go
	PauseSending     Class = "pause_sending"      // the number is being limited for spam: stop campaigns
	Permanent        Class = "permanent"          // this recipient cannot get this message; never retry
	FixRequest       Class = "fix_request"        // the request itself is wrong; retrying changes nothing
	NeedsAttention   Class = "needs_attention"    // the connection's credentials no longer work
)

// Retryable says whether the same message may be tried again later.
func (c Class) Retryable() bool { return c == RetryLater || c == BackOffRecipient }

// Error is a provider's refusal, classified.
type Error struct {
	Class   Class
	Code    int    // the provider's code (Meta's error.code), 0 for transport failures
	Subcode int    // Meta's error_subcode
	Status  int    // HTTP status, 0 when none came back
	Message string // the provider's own words
	Details string
	// Meaning is our explanation of the code, shown to users.
	Meaning string
	// RetryAfter is how long to wait before the next try, when known.
	RetryAfter time.Duration
	// UserTitle and UserMessage are the provider's own explanation for the
	// person who typed the input (Meta's error_user_title/error_user_msg on
	// template validation), shown next to the offending field.
	UserTitle   string
	UserMessage string
}

func (e *Error) Error() string {
	if e.Code != 0 {
		return fmt.Sprintf("provider error %d (%s): %s", e.Code, e.Class, e.Message)
	}
	return fmt.Sprintf("provider error (%s): %s", e.Class, e.Message)
}

// Validate refuses what no channel could send.
func Validate(m Outbound) error {
	bad := func(msg string) error { return &Error{Class: FixRequest, Message: msg} }
	if m.To == "" {
		return bad("the recipient is missing")
	}
	switch m.Type {
	case TypeText:
		if strings.TrimSpace(m.Text) == "" {
			return bad("the text is empty")
		}
	case TypeImage, TypeAudio, TypeVideo, TypeDocument, TypeSticker:
		if m.Media == nil || (m.Media.ID == "" && m.Media.Link == "") {
			return bad("the media file is missing")
		}
	case TypeLocation:
		if m.Location == nil {
			return bad("the location is missing")
		}
	case TypeInteractive:
		if m.Interactive == nil || m.Interactive.Body == "" {
			return bad("the interactive message has no body")
		}
	case TypeTemplate:
		if m.Template == nil || m.Template.Name == "" {
			return bad("the template is missing")
		}
	case TypeReaction:
		if m.Reaction == nil || m.Reaction.MessageID == "" {
			return bad("the reaction has no message")
		}
	case TypeContacts:
		if len(m.Contacts) == 0 {
			return bad("the contacts card is empty")
		}
	default:
		return bad(fmt.Sprintf("unknown message type %q", m.Type))
	}
	return nil
}
