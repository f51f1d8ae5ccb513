package whatsappcloud

import "encoding/json"

// Wire structs of the Cloud API's /messages endpoint, named for what they
// are on the wire.

type sendRequest struct {
	MessagingProduct string          `json:"messaging_product"`
	RecipientType    string          `json:"recipient_type"`
	To               string          `json:"to"`
	Type             string          `json:"type"`
	Context          *wireContext    `json:"context,omitempty"`
	Text             *wireText       `json:"text,omitempty"`
	Image            *wireMedia      `json:"image,omitempty"`
	Audio            *wireMedia      `json:"audio,omitempty"`
	Video            *wireMedia      `json:"video,omitempty"`
	Document         *wireMedia      `json:"document,omitempty"`
	Sticker          *wireMedia      `json:"sticker,omitempty"`
	Location         *wireLocation   `json:"location,omitempty"`
	Contacts         json.RawMessage `json:"contacts,omitempty"`
	Interactive      *wireInteract   `json:"interactive,omitempty"`
	Template         *wireTemplate   `json:"template,omitempty"`
	Reaction         *wireReaction   `json:"reaction,omitempty"`
}

type wireContext struct {
	MessageID string `json:"message_id"`
}

type wireText struct {
	Body       string `json:"body"`
	PreviewURL bool   `json:"preview_url"`
}

type wireMedia struct {
	ID       string `json:"id,omitempty"`
	Link     string `json:"link,omitempty"`
	Caption  string `json:"caption,omitempty"`
	Filename string `json:"filename,omitempty"`
}

type wireLocation struct {
	Latitude  float64 `json:"latitude"`
	Longitude float64 `json:"longitude"`
	Name      string  `json:"name,omitempty"`
	Address   string  `json:"address,omitempty"`
}

type wireInteract struct {
	Type   string        `json:"type"` // button | list
	Header *wireHeader   `json:"header,omitempty"`
	Body   wireBodyText  `json:"body"`
	Footer *wireBodyText `json:"footer,omitempty"`
	Action wireAction    `json:"action"`
}

type wireHeader struct {
	Type string `json:"type"` // text
	Text string `json:"text"`
}

type wireBodyText struct {
	Text string `json:"text"`
}

type wireAction struct {
	Buttons  []wireButton  `json:"buttons,omitempty"`
	Button   string        `json:"button,omitempty"` // the list's label
	Sections []wireSection `json:"sections,omitempty"`
}

type wireButton struct {
	Type  string  `json:"type"` // reply
	Reply wireRow `json:"reply"`
}

type wireRow struct {
	ID          string `json:"id"`
	Title       string `json:"title"`
	Description string `json:"description,omitempty"`
}

type wireSection struct {
	Title string    `json:"title,omitempty"`
	Rows  []wireRow `json:"rows"`
}

type wireTemplate struct {
	Name       string          `json:"name"`
	Language   wireLanguage    `json:"language"`
	Components []wireComponent `json:"components,omitempty"`
}

type wireLanguage struct {
	Code string `json:"code"`
}

type wireComponent struct {
	Type       string      `json:"type"`               // header, body, button
	SubType    string      `json:"sub_type,omitempty"` // url, quick_reply, copy_code
	Index      string      `json:"index,omitempty"`    // a string on the wire, "0".."9"
	Parameters []wireParam `json:"parameters"`
}

type wireParam struct {
	Type          string     `json:"type"`
	ParameterName string     `json:"parameter_name,omitempty"`
	Text          string     `json:"text,omitempty"`
	Payload       string     `json:"payload,omitempty"`
	CouponCode    string     `json:"coupon_code,omitempty"`
	Image         *wireMedia `json:"image,omitempty"`
	Video         *wireMedia `json:"video,omitempty"`
	Document      *wireMedia `json:"document,omitempty"`
}

type wireReaction struct {
	MessageID string `json:"message_id"`
	Emoji     string `json:"emoji"`
}

type sendResponse struct {
	Messages []struct {
		ID string `json:"id"`
	} `json:"messages"`
}

type markRead struct {
	MessagingProduct string `json:"messaging_product"`
	Status           string `json:"status"`
	MessageID        string `json:"message_id"`
}
