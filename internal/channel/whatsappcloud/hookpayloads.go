package whatsappcloud

import "encoding/json"

// Wire structs of the webhook deliveries Meta posts to us.

var knownFields = map[string]bool{
	"messages":                       true,
	"message_template_status_update": true,
	"user_preferences":               true,
	"phone_number_quality_update":    true,
}

type hookPayload struct {
	Object string `json:"object"`
	Entry  []struct {
		ID      string `json:"id"` // the WABA
		Changes []struct {
			Field string          `json:"field"`
			Value json.RawMessage `json:"value"`
		} `json:"changes"`
	} `json:"entry"`
}

// hookValue is the union of the values of the fields Masteria reads.
type hookValue struct {
	Metadata struct {
		DisplayPhoneNumber string `json:"display_phone_number"`
		PhoneNumberID      string `json:"phone_number_id"`
	} `json:"metadata"`
	Contacts []hookContact     `json:"contacts"`
	Messages []json.RawMessage `json:"messages"`
	Statuses []hookStatus      `json:"statuses"`

	// message_template_status_update
	Event            string     `json:"event"`
	TemplateID       jsonString `json:"message_template_id"`
	TemplateName     string     `json:"message_template_name"`
	TemplateLanguage string     `json:"message_template_language"`
	Reason           string     `json:"reason"`

	// user_preferences
	UserPreferences []struct {
		WaID      string   `json:"wa_id"`
		Category  string   `json:"category"`
		Value     string   `json:"value"`
		Timestamp unixTime `json:"timestamp"`
	} `json:"user_preferences"`

	// phone_number_quality_update
	DisplayPhoneNumber string     `json:"display_phone_number"`
	CurrentLimit       jsonString `json:"current_limit"`
	MaxDaily           jsonString `json:"max_daily_conversations_per_business"`
}

type hookContact struct {
	Profile struct {
		Name string `json:"name"`
	} `json:"profile"`
	WaID string `json:"wa_id"`
}

type hookMessage struct {
	From      string   `json:"from"`
	ID        string   `json:"id"`
	Timestamp unixTime `json:"timestamp"`
	Type      string   `json:"type"`
	Context   *struct {
		From string `json:"from"`
		ID   string `json:"id"`
	} `json:"context"`
	Text *struct {
		Body string `json:"body"`
	} `json:"text"`
	Image    *hookMedia `json:"image"`
	Audio    *hookMedia `json:"audio"`
	Video    *hookMedia `json:"video"`
	Document *hookMedia `json:"document"`
	Sticker  *hookMedia `json:"sticker"`
	Location *struct {
		Latitude  flexFloat `json:"latitude"`
		Longitude flexFloat `json:"longitude"`
		Name      string    `json:"name"`
		Address   string    `json:"address"`
	} `json:"location"`
	Contacts    json.RawMessage `json:"contacts"`
	Interactive *struct {
		Type        string        `json:"type"`
		ButtonReply *hookReplyRow `json:"button_reply"`
		ListReply   *hookReplyRow `json:"list_reply"`
	} `json:"interactive"`
	Button *struct {
		Payload string `json:"payload"`
		Text    string `json:"text"`
	} `json:"button"`
	Reaction *struct {
		MessageID string `json:"message_id"`
		Emoji     string `json:"emoji"`
	} `json:"reaction"`
	Errors []hookError `json:"errors"`
}

type hookMedia struct {
	ID       string `json:"id"`
	MimeType string `json:"mime_type"`
	SHA256   string `json:"sha256"`
	Caption  string `json:"caption"`
	Filename string `json:"filename"`
	Voice    bool   `json:"voice"`
	Animated bool   `json:"animated"`
}

type hookReplyRow struct {
	ID          string `json:"id"`
	Title       string `json:"title"`
	Description string `json:"description"`
}

type hookStatus struct {
	ID          string      `json:"id"`
	Status      string      `json:"status"`
	Timestamp   unixTime    `json:"timestamp"`
	RecipientID string      `json:"recipient_id"`
	Errors      []hookError `json:"errors"`
}

type hookError struct {
	Code      int    `json:"code"`
	Title     string `json:"title"`
	Message   string `json:"message"`
	ErrorData *struct {
		Details string `json:"details"`
	} `json:"error_data"`
}
