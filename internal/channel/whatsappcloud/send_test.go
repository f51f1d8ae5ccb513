package whatsappcloud_test

import (
	"context"
	"encoding/json"
	"errors"
	"reflect"
	"strings"
	"testing"

	"github.com/masteria/masteria/internal/channel"
	"github.com/masteria/masteria/internal/channel/whatsappcloud"
	"github.com/masteria/masteria/internal/channel/whatsappcloud/fakegraph"
)

func setup(t *testing.T, opts ...fakegraph.Option) (*fakegraph.Server, *whatsappcloud.Client) {
	t.Helper()
	g := fakegraph.New(t, opts...)
	c := whatsappcloud.New(whatsappcloud.Config{
		BaseURL:       g.URL(),
		AccessToken:   g.Token(),
		PhoneNumberID: g.PhoneNumberID(),
		WABAID:        g.WABAID(),
		AppID:         g.AppID(),
	})
	return g, c
}

// sameJSON compares JSON by meaning, not by key order or spacing.
func sameJSON(t *testing.T, got []byte, want string) {
	t.Helper()
	var g, w any
	if err := json.Unmarshal(got, &g); err != nil {
		t.Fatalf("got is not JSON: %v: %s", err, got)
	}
	if err := json.Unmarshal([]byte(want), &w); err != nil {
		t.Fatalf("want is not JSON: %v: %s", err, want)
	}
	if !reflect.DeepEqual(g, w) {
		t.Fatalf("JSON differs\n got: %s\nwant: %s", got, want)
	}
}

const head = `"messaging_product":"whatsapp","recipient_type":"individual","to":"5511999998888"`

func TestSendJSON(t *testing.T) {
	tests := []struct {
		name string
		in   channel.Outbound
		want string
	}{
		{"text", channel.Outbound{Type: "text", Text: "Olá", PreviewURL: true},
			`{` + head + `,"type":"text","text":{"body":"Olá","preview_url":true}}`},
		{"text without preview says false", channel.Outbound{Type: "text", Text: "hi"},
			`{` + head + `,"type":"text","text":{"body":"hi","preview_url":false}}`},
		{"reply context", channel.Outbound{Type: "text", Text: "yes", ReplyTo: "wamid.ABC"},
			`{` + head + `,"type":"text","context":{"message_id":"wamid.ABC"},"text":{"body":"yes","preview_url":false}}`},
		{"image by id with caption", channel.Outbound{Type: "image", Media: &channel.Media{ID: "123", Caption: "look", Filename: "ignored.jpg"}},
			`{` + head + `,"type":"image","image":{"id":"123","caption":"look"}}`},
		{"image by link", channel.Outbound{Type: "image", Media: &channel.Media{Link: "https://example.com/a.png"}},
			`{` + head + `,"type":"image","image":{"link":"https://example.com/a.png"}}`},
		{"audio drops caption", channel.Outbound{Type: "audio", Media: &channel.Media{ID: "9", Caption: "no"}},
			`{` + head + `,"type":"audio","audio":{"id":"9"}}`},
		{"video", channel.Outbound{Type: "video", Media: &channel.Media{Link: "https://example.com/v.mp4", Caption: "clip"}},
			`{` + head + `,"type":"video","video":{"link":"https://example.com/v.mp4","caption":"clip"}}`},
		{"document keeps filename", channel.Outbound{Type: "document", Media: &channel.Media{ID: "7", Caption: "invoice", Filename: "inv.pdf"}},
			`{` + head + `,"type":"document","document":{"id":"7","caption":"invoice","filename":"inv.pdf"}}`},
		{"sticker", channel.Outbound{Type: "sticker", Media: &channel.Media{ID: "5"}},
			`{` + head + `,"type":"sticker","sticker":{"id":"5"}}`},
		{"location", channel.Outbound{Type: "location", Location: &channel.Place{Latitude: -23.5505, Longitude: -46.6333, Name: "Sé", Address: "Praça da Sé"}},
			`{` + head + `,"type":"location","location":{"latitude":-23.5505,"longitude":-46.6333,"name":"Sé","address":"Praça da Sé"}}`},
		{"contacts pass through", channel.Outbound{Type: "contacts", Contacts: json.RawMessage(`[{"name":{"formatted_name":"Ana","first_name":"Ana"},"phones":[{"phone":"+5511988887777","type":"CELL"}]}]`)},
			`{` + head + `,"type":"contacts","contacts":[{"name":{"formatted_name":"Ana","first_name":"Ana"},"phones":[{"phone":"+5511988887777","type":"CELL"}]}]}`},
		{"buttons", channel.Outbound{Type: "interactive", Interactive: &channel.InteractiveBody{
			Kind: "button", Header: "Pedido", Body: "Confirma?", Footer: "Loja",
			Buttons: []channel.ButtonReply{{ID: "yes", Title: "Sim"}, {ID: "no", Title: "Não"}},
		}}, `{` + head + `,"type":"interactive","interactive":{"type":"button","header":{"type":"text","text":"Pedido"},
			"body":{"text":"Confirma?"},"footer":{"text":"Loja"},
			"action":{"buttons":[{"type":"reply","reply":{"id":"yes","title":"Sim"}},{"type":"reply","reply":{"id":"no","title":"Não"}}]}}}`},
		{"list", channel.Outbound{Type: "interactive", Interactive: &channel.InteractiveBody{
			Kind: "list", Body: "Escolha", Action: "Ver opções",
			Sections: []channel.ListSection{
				{Title: "Frutas", Rows: []channel.ButtonReply{{ID: "a", Title: "Abacaxi", Description: "doce"}}},
				{Title: "Legumes", Rows: []channel.ButtonReply{{ID: "b", Title: "Batata"}}},
			},
		}}, `{` + head + `,"type":"interactive","interactive":{"type":"list","body":{"text":"Escolha"},
			"action":{"button":"Ver opções","sections":[
				{"title":"Frutas","rows":[{"id":"a","title":"Abacaxi","description":"doce"}]},
				{"title":"Legumes","rows":[{"id":"b","title":"Batata"}]}]}}}`},
		{"template with everything", channel.Outbound{Type: "template", Template: &channel.TemplateMessage{
			Name: "order_update", Language: "pt_BR",
			Header: &channel.TemplateHeader{Type: "image", Media: &channel.Media{Link: "https://example.com/h.jpg"}},
			Body:   []channel.TemplateParam{{Value: "Ana"}, {Value: "42"}},
			Buttons: []channel.TemplateButton{
				{Index: 0, SubType: "url", Value: "track/42"},
				{Index: 1, SubType: "quick_reply", Value: "STOP"},
				{Index: 2, SubType: "copy_code", Value: "SAVE10"},
			},
		}}, `{` + head + `,"type":"template","template":{"name":"order_update","language":{"code":"pt_BR"},"components":[
			{"type":"header","parameters":[{"type":"image","image":{"link":"https://example.com/h.jpg"}}]},
			{"type":"body","parameters":[{"type":"text","text":"Ana"},{"type":"text","text":"42"}]},
			{"type":"button","sub_type":"url","index":"0","parameters":[{"type":"text","text":"track/42"}]},
			{"type":"button","sub_type":"quick_reply","index":"1","parameters":[{"type":"payload","payload":"STOP"}]},
			{"type":"button","sub_type":"copy_code","index":"2","parameters":[{"type":"coupon_code","coupon_code":"SAVE10"}]}]}}`},
		{"template with named variables and a text header", channel.Outbound{Type: "template", Template: &channel.TemplateMessage{
			Name: "welcome", Language: "en_US",
			Header: &channel.TemplateHeader{Text: []channel.TemplateParam{{Name: "shop", Value: "Loja"}}},
			Body:   []channel.TemplateParam{{Name: "first_name", Value: "Ana"}},
		}}, `{` + head + `,"type":"template","template":{"name":"welcome","language":{"code":"en_US"},"components":[
			{"type":"header","parameters":[{"type":"text","parameter_name":"shop","text":"Loja"}]},
			{"type":"body","parameters":[{"type":"text","parameter_name":"first_name","text":"Ana"}]}]}}`},
		{"template with a document header", channel.Outbound{Type: "template", Template: &channel.TemplateMessage{
			Name: "invoice", Language: "pt_BR",
			Header: &channel.TemplateHeader{Type: "document", Media: &channel.Media{ID: "77", Filename: "nf.pdf"}},
		}}, `{` + head + `,"type":"template","template":{"name":"invoice","language":{"code":"pt_BR"},"components":[
			{"type":"header","parameters":[{"type":"document","document":{"id":"77","filename":"nf.pdf"}}]}]}}`},
		{"template without variables", channel.Outbound{Type: "template", Template: &channel.TemplateMessage{Name: "hello_world", Language: "en_US"}},
			`{` + head + `,"type":"template","template":{"name":"hello_world","language":{"code":"en_US"}}}`},
		{"reaction", channel.Outbound{Type: "reaction", Reaction: &channel.Reaction{MessageID: "wamid.X", Emoji: "👍"}},
			`{` + head + `,"type":"reaction","reaction":{"message_id":"wamid.X","emoji":"👍"}}`},
		{"reaction removed keeps the empty emoji", channel.Outbound{Type: "reaction", Reaction: &channel.Reaction{MessageID: "wamid.X"}},
			`{` + head + `,"type":"reaction","reaction":{"message_id":"wamid.X","emoji":""}}`},
	}
	g, c := setup(t)
	for _, name := range []string{"order_update", "welcome", "invoice", "hello_world"} {
		lang := "pt_BR"
		if name == "welcome" || name == "hello_world" {
			lang = "en_US"
		}
		g.AddTemplate(fakegraph.Template{Name: name, Language: lang, Category: "UTILITY"})
	}
	seen := map[string]bool{}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			g.Reset()
			tt.in.To = "5511999998888"
			id, err := c.Send(context.Background(), tt.in)
			if err != nil {
				t.Fatal(err)
			}
			if !strings.HasPrefix(id, "wamid.") || seen[id] {
				t.Fatalf("id %q is not a fresh wamid", id)
			}
			seen[id] = true
			reqs := g.Requests()
			if len(reqs) != 1 {
				t.Fatalf("%d requests", len(reqs))
			}
			r := reqs[0]
			if r.Method != "POST" || r.Path != "/v25.0/"+g.PhoneNumberID()+"/messages" {
				t.Fatalf("%s %s", r.Method, r.Path)
			}
			if got := r.Header.Get("Authorization"); got != "Bearer "+g.Token() {
				t.Fatalf("Authorization %q", got)
			}
			if got := r.Header.Get("Content-Type"); got != "application/json" {
				t.Fatalf("Content-Type %q", got)
			}
			sameJSON(t, r.Body, tt.want)
			if sent := g.Sent(); len(sent) != 1 || sent[0].ID != id {
				t.Fatalf("sent %+v", sent)
			}
		})
	}
}

func TestSendRefusesBadInput(t *testing.T) {
	four := []channel.ButtonReply{{ID: "1", Title: "a"}, {ID: "2", Title: "b"}, {ID: "3", Title: "c"}, {ID: "4", Title: "d"}}
	rows := make([]channel.ButtonReply, 11)
	for i := range rows {
		rows[i] = channel.ButtonReply{ID: string(rune('a' + i)), Title: "row"}
	}
	tests := []struct {
		name string
		in   channel.Outbound
	}{
		{"no recipient", channel.Outbound{Type: "text", Text: "hi", To: "-"}},
		{"empty text", channel.Outbound{Type: "text"}},
		{"four buttons", channel.Outbound{Type: "interactive", Interactive: &channel.InteractiveBody{Kind: "button", Body: "b", Buttons: four}}},
		{"no buttons", channel.Outbound{Type: "interactive", Interactive: &channel.InteractiveBody{Kind: "button", Body: "b"}}},
		{"long button title", channel.Outbound{Type: "interactive", Interactive: &channel.InteractiveBody{Kind: "button", Body: "b",
			Buttons: []channel.ButtonReply{{ID: "1", Title: strings.Repeat("x", 21)}}}}},
		{"repeated button id", channel.Outbound{Type: "interactive", Interactive: &channel.InteractiveBody{Kind: "button", Body: "b",
			Buttons: []channel.ButtonReply{{ID: "1", Title: "a"}, {ID: "1", Title: "b"}}}}},
		{"eleven rows", channel.Outbound{Type: "interactive", Interactive: &channel.InteractiveBody{Kind: "list", Body: "b", Action: "go",
			Sections: []channel.ListSection{{Rows: rows}}}}},
		{"list without label", channel.Outbound{Type: "interactive", Interactive: &channel.InteractiveBody{Kind: "list", Body: "b",
			Sections: []channel.ListSection{{Rows: rows[:1]}}}}},
		{"untitled sections", channel.Outbound{Type: "interactive", Interactive: &channel.InteractiveBody{Kind: "list", Body: "b", Action: "go",
			Sections: []channel.ListSection{{Rows: rows[:1]}, {Rows: rows[1:2]}}}}},
		{"unknown interactive kind", channel.Outbound{Type: "interactive", Interactive: &channel.InteractiveBody{Kind: "carousel", Body: "b"}}},
		{"media without id or link", channel.Outbound{Type: "image", Media: &channel.Media{Caption: "x"}}},
		{"media with both", channel.Outbound{Type: "image", Media: &channel.Media{ID: "1", Link: "https://x"}}},
		{"location off the globe", channel.Outbound{Type: "location", Location: &channel.Place{Latitude: 91}}},
		{"contacts not an array", channel.Outbound{Type: "contacts", Contacts: json.RawMessage(`{"a":1}`)}},
		{"template without language", channel.Outbound{Type: "template", Template: &channel.TemplateMessage{Name: "x"}}},
		{"template mixing variables", channel.Outbound{Type: "template", Template: &channel.TemplateMessage{Name: "x", Language: "en",
			Body: []channel.TemplateParam{{Name: "a", Value: "1"}, {Value: "2"}}}}},
		{"template empty variable", channel.Outbound{Type: "template", Template: &channel.TemplateMessage{Name: "x", Language: "en",
			Body: []channel.TemplateParam{{Value: ""}}}}},
		{"template button sub-type", channel.Outbound{Type: "template", Template: &channel.TemplateMessage{Name: "x", Language: "en",
			Buttons: []channel.TemplateButton{{SubType: "call", Value: "1"}}}}},
		{"template header audio", channel.Outbound{Type: "template", Template: &channel.TemplateMessage{Name: "x", Language: "en",
			Header: &channel.TemplateHeader{Type: "audio", Media: &channel.Media{ID: "1"}}}}},
		{"reaction without message", channel.Outbound{Type: "reaction", Reaction: &channel.Reaction{Emoji: "x"}}},
		{"unknown type", channel.Outbound{Type: "carrier_pigeon"}},
	}
	g, c := setup(t)
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if tt.in.To == "" {
				tt.in.To = "5511999998888"
			} else {
				tt.in.To = ""
			}
			_, err := c.Send(context.Background(), tt.in)
			var ce *channel.Error
			if !errors.As(err, &ce) || ce.Class != channel.FixRequest || ce.Code != 0 || ce.Meaning == "" {
				t.Fatalf("got %v, want a FixRequest with code 0", err)
			}
		})
	}
	if n := len(g.Requests()); n != 0 {
		t.Fatalf("%d requests reached Meta", n)
	}
}

func TestMarkRead(t *testing.T) {
	g, c := setup(t)
	if err := c.MarkRead(context.Background(), "wamid.IN"); err != nil {
		t.Fatal(err)
	}
	r := g.Requests()[0]
	sameJSON(t, r.Body, `{"messaging_product":"whatsapp","status":"read","message_id":"wamid.IN"}`)
	if len(g.Sent()) != 0 {
		t.Fatal("a read receipt counted as a send")
	}
}
