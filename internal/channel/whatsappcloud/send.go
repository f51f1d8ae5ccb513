package whatsappcloud

import (
	"context"
	"encoding/json"
	"fmt"
	"net/url"
	"strconv"
	"strings"
	"unicode/utf8"

	"github.com/masteria/masteria/internal/channel"
)

// Limits Meta enforces on interactive messages; checking them here turns a
// round trip and a cryptic code 100 into a message naming the field.
const (
	maxButtons       = 3
	maxButtonTitle   = 20
	maxRowTitle      = 24
	maxRowDesc       = 72
	maxListRows      = 10
	maxListSections  = 10
	maxListLabel     = 20
	maxInteractBody  = 1024
	maxTextBody      = 4096
	maxTemplateIndex = 9
)

// Send sends m and returns Meta's message id (wamid). A message Meta would
// refuse for its shape is refused here with a FixRequest *channel.Error
// whose Code is 0.
func (c *Client) Send(ctx context.Context, m channel.Outbound) (string, error) {
	req, err := buildSend(m)
	if err != nil {
		return "", fmt.Errorf("whatsappcloud: send %s: %w", m.Type, err)
	}
	var resp sendResponse
	if err := c.postJSON(ctx, url.PathEscape(c.cfg.PhoneNumberID)+"/messages", req, &resp); err != nil {
		return "", fmt.Errorf("whatsappcloud: send %s: %w", m.Type, err)
	}
	if len(resp.Messages) == 0 || resp.Messages[0].ID == "" {
		return "", fmt.Errorf("whatsappcloud: send %s: answer carries no message id", m.Type)
	}
	return resp.Messages[0].ID, nil
}

// MarkRead tells Meta the inbound message was read, which shows the blue
// ticks to the contact.
func (c *Client) MarkRead(ctx context.Context, wamid string) error {
	if wamid == "" {
		return fmt.Errorf("whatsappcloud: mark read: %w", invalid("the message id is empty"))
	}
	in := markRead{MessagingProduct: "whatsapp", Status: "read", MessageID: wamid}
	if err := c.postJSON(ctx, url.PathEscape(c.cfg.PhoneNumberID)+"/messages", in, nil); err != nil {
		return fmt.Errorf("whatsappcloud: mark read %s: %w", wamid, err)
	}
	return nil
}

// buildSend turns m into Meta's JSON, refusing what Meta would refuse.
func buildSend(m channel.Outbound) (*sendRequest, error) {
	if m.To == "" {
		return nil, invalid("the recipient is empty")
	}
	r := &sendRequest{MessagingProduct: "whatsapp", RecipientType: "individual", To: strings.TrimPrefix(m.To, "+"), Type: m.Type}
	if m.ReplyTo != "" {
		r.Context = &wireContext{MessageID: m.ReplyTo}
	}
	switch m.Type {
	case channel.TypeText:
		if m.Text == "" {
			return nil, invalid("the text is empty")
		}
		if n := utf8.RuneCountInString(m.Text); n > maxTextBody {
			return nil, invalid("the text has %d characters; WhatsApp accepts %d", n, maxTextBody)
		}
		r.Text = &wireText{Body: m.Text, PreviewURL: m.PreviewURL}
	case channel.TypeImage, channel.TypeAudio, channel.TypeVideo, channel.TypeDocument, channel.TypeSticker:
		w, err := mediaPart(m.Type, m.Media)
		if err != nil {
			return nil, err
		}
		switch m.Type {
		case channel.TypeImage:
			r.Image = w
		case channel.TypeAudio:
			r.Audio = w
		case channel.TypeVideo:
			r.Video = w
		case channel.TypeDocument:
			r.Document = w
		case channel.TypeSticker:
			r.Sticker = w
		}
	case channel.TypeLocation:
		p := m.Location
		if p == nil {
			return nil, invalid("the location is missing")
		}
		if p.Latitude < -90 || p.Latitude > 90 || p.Longitude < -180 || p.Longitude > 180 {
			return nil, invalid("the location %v,%v is outside the globe", p.Latitude, p.Longitude)
		}
		r.Location = &wireLocation{Latitude: p.Latitude, Longitude: p.Longitude, Name: p.Name, Address: p.Address}
	case channel.TypeContacts:
		var cards []json.RawMessage
		if err := json.Unmarshal(m.Contacts, &cards); err != nil || len(cards) == 0 {
			return nil, invalid("the contacts must be a non-empty JSON array")
		}
		r.Contacts = m.Contacts
	case channel.TypeInteractive:
		w, err := interactivePart(m.Interactive)
		if err != nil {
			return nil, err
		}
		r.Interactive = w
	case channel.TypeTemplate:
		w, err := templatePart(m.Template)
		if err != nil {
			return nil, err
		}
		r.Template = w
	case channel.TypeReaction:
		if m.Reaction == nil || m.Reaction.MessageID == "" {
			return nil, invalid("a reaction needs the id of the message it reacts to")
		}
		// An empty emoji is how a reaction is removed.
		r.Reaction = &wireReaction{MessageID: m.Reaction.MessageID, Emoji: m.Reaction.Emoji}
		r.Context = nil
	default:
		return nil, invalid("WhatsApp Cloud cannot send messages of type %q", m.Type)
	}
	return r, nil
}

func mediaPart(kind string, m *channel.Media) (*wireMedia, error) {
	if m == nil || (m.ID == "" && m.Link == "") {
		return nil, invalid("the %s needs a media id or a link", kind)
	}
	if m.ID != "" && m.Link != "" {
		return nil, invalid("the %s has both a media id and a link; give one", kind)
	}
	w := &wireMedia{ID: m.ID, Link: m.Link}
	// Meta refuses captions on audio and stickers, and filenames on
	// anything but documents.
	switch kind {
	case channel.TypeImage, channel.TypeVideo:
		w.Caption = m.Caption
	case channel.TypeDocument:
		w.Caption, w.Filename = m.Caption, m.Filename
	}
	return w, nil
}

func interactivePart(in *channel.InteractiveBody) (*wireInteract, error) {
	if in == nil {
		return nil, invalid("the interactive message is missing")
	}
	if in.Body == "" {
		return nil, invalid("an interactive message needs a body")
	}
	if n := utf8.RuneCountInString(in.Body); n > maxInteractBody {
		return nil, invalid("the body has %d characters; WhatsApp accepts %d", n, maxInteractBody)
	}
	w := &wireInteract{Type: in.Kind, Body: wireBodyText{Text: in.Body}}
	if in.Header != "" {
		w.Header = &wireHeader{Type: "text", Text: in.Header}
	}
	if in.Footer != "" {
		w.Footer = &wireBodyText{Text: in.Footer}
	}
	switch in.Kind {
	case "button":
		if len(in.Buttons) == 0 || len(in.Buttons) > maxButtons {
			return nil, invalid("a button message has 1 to %d buttons, not %d", maxButtons, len(in.Buttons))
		}
		seen := map[string]bool{}
		for i, b := range in.Buttons {
			if b.ID == "" || b.Title == "" {
				return nil, invalid("button %d needs an id and a title", i+1)
			}
			if n := utf8.RuneCountInString(b.Title); n > maxButtonTitle {
				return nil, invalid("button %d's title has %d characters; WhatsApp accepts %d", i+1, n, maxButtonTitle)
			}
			if seen[b.ID] {
				return nil, invalid("button id %q is repeated", b.ID)
			}
			seen[b.ID] = true
			w.Action.Buttons = append(w.Action.Buttons, wireButton{Type: "reply", Reply: wireRow{ID: b.ID, Title: b.Title}})
		}
	case "list":
		if in.Action == "" {
			return nil, invalid("a list needs the label of its button")
		}
		if n := utf8.RuneCountInString(in.Action); n > maxListLabel {
			return nil, invalid("the list's button label has %d characters; WhatsApp accepts %d", n, maxListLabel)
		}
		if len(in.Sections) == 0 || len(in.Sections) > maxListSections {
			return nil, invalid("a list has 1 to %d sections, not %d", maxListSections, len(in.Sections))
		}
		rows := 0
		seen := map[string]bool{}
		for i, s := range in.Sections {
			if len(in.Sections) > 1 && s.Title == "" {
				return nil, invalid("section %d needs a title when a list has several sections", i+1)
			}
			if len(s.Rows) == 0 {
				return nil, invalid("section %d has no rows", i+1)
			}
			ws := wireSection{Title: s.Title}
			for _, row := range s.Rows {
				rows++
				if row.ID == "" || row.Title == "" {
					return nil, invalid("row %d needs an id and a title", rows)
				}
				if n := utf8.RuneCountInString(row.Title); n > maxRowTitle {
					return nil, invalid("row %d's title has %d characters; WhatsApp accepts %d", rows, n, maxRowTitle)
				}
				if n := utf8.RuneCountInString(row.Description); n > maxRowDesc {
					return nil, invalid("row %d's description has %d characters; WhatsApp accepts %d", rows, n, maxRowDesc)
				}
				if seen[row.ID] {
					return nil, invalid("row id %q is repeated", row.ID)
				}
				seen[row.ID] = true
				ws.Rows = append(ws.Rows, wireRow(row))
			}
			w.Action.Sections = append(w.Action.Sections, ws)
		}
		if rows > maxListRows {
			return nil, invalid("a list has at most %d rows, not %d", maxListRows, rows)
		}
		w.Action.Button = in.Action
	default:
		return nil, invalid("interactive kind %q is neither button nor list", in.Kind)
	}
	return w, nil
}

func templatePart(t *channel.TemplateMessage) (*wireTemplate, error) {
	if t == nil || t.Name == "" || t.Language == "" {
		return nil, invalid("a template message needs the template's name and language")
	}
	w := &wireTemplate{Name: t.Name, Language: wireLanguage{Code: t.Language}}
	if h := t.Header; h != nil {
		c := wireComponent{Type: "header"}
		switch {
		case h.Media != nil:
			if len(h.Text) > 0 {
				return nil, invalid("a template header has text variables or a media file, not both")
			}
			if h.Media.ID == "" && h.Media.Link == "" {
				return nil, invalid("the template header's %s needs a media id or a link", h.Type)
			}
			m := &wireMedia{ID: h.Media.ID, Link: h.Media.Link}
			p := wireParam{Type: h.Type}
			switch h.Type {
			case channel.TypeImage:
				p.Image = m
			case channel.TypeVideo:
				p.Video = m
			case channel.TypeDocument:
				m.Filename = h.Media.Filename
				p.Document = m
			default:
				return nil, invalid("a template header's media is an image, video or document, not %q", h.Type)
			}
			c.Parameters = []wireParam{p}
		case len(h.Text) > 0:
			ps, err := textParams("header", h.Text)
			if err != nil {
				return nil, err
			}
			c.Parameters = ps
		}
		if len(c.Parameters) > 0 {
			w.Components = append(w.Components, c)
		}
	}
	if len(t.Body) > 0 {
		ps, err := textParams("body", t.Body)
		if err != nil {
			return nil, err
		}
		w.Components = append(w.Components, wireComponent{Type: "body", Parameters: ps})
	}
	for _, b := range t.Buttons {
		if b.Index < 0 || b.Index > maxTemplateIndex {
			return nil, invalid("template button index %d is outside 0..%d", b.Index, maxTemplateIndex)
		}
		if b.Value == "" {
			return nil, invalid("template button %d has no value", b.Index)
		}
		var p wireParam
		switch b.SubType {
		case "url":
			p = wireParam{Type: "text", Text: b.Value}
		case "quick_reply":
			p = wireParam{Type: "payload", Payload: b.Value}
		case "copy_code":
			p = wireParam{Type: "coupon_code", CouponCode: b.Value}
		default:
			return nil, invalid("template button sub-type %q is not url, quick_reply or copy_code", b.SubType)
		}
		w.Components = append(w.Components, wireComponent{
			Type: "button", SubType: b.SubType, Index: strconv.Itoa(b.Index), Parameters: []wireParam{p},
		})
	}
	return w, nil
}

// textParams builds positional or named text variables; Meta refuses a
// mix, and an empty value (code 132000 after the round trip).
func textParams(where string, in []channel.TemplateParam) ([]wireParam, error) {
	named := in[0].Name != ""
	out := make([]wireParam, 0, len(in))
	for i, p := range in {
		if (p.Name != "") != named {
			return nil, invalid("the template %s mixes named and numbered variables", where)
		}
		if p.Value == "" {
			return nil, invalid("the template %s's variable %d is empty", where, i+1)
		}
		out = append(out, wireParam{Type: "text", ParameterName: p.Name, Text: p.Value})
	}
	return out, nil
}
