package whatsappcloud_test

import (
	"encoding/json"
	"net/url"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/masteria/masteria/internal/channel"
	"github.com/masteria/masteria/internal/channel/whatsappcloud"
	"github.com/masteria/masteria/internal/channel/whatsappcloud/fakegraph"
)

const pn = "106540352242922"

var ts = time.Unix(1750000000, 0).UTC()

func wamid(typ string) string {
	return "wamid.HBgNNTUxMTk5OTk5ODg4OBUCABIYFjNFQjBDMjE3" + strings.ToUpper(typ)
}

// in is the inbound message every fixture shares, with its type's parts.
func in(typ string, f func(*channel.Inbound)) channel.Inbound {
	m := channel.Inbound{ProviderID: wamid(typ), From: "5511999998888", Name: "Ana Souza", Timestamp: ts, Type: typ}
	if f != nil {
		f(&m)
	}
	return m
}

func one(m channel.Inbound) []channel.Batch {
	return []channel.Batch{{PhoneNumberID: pn, Messages: []channel.Inbound{m}}}
}

func TestParse(t *testing.T) {
	tests := []struct {
		file string
		want []channel.Batch
	}{
		{"text.json", one(in("text", func(m *channel.Inbound) { m.Text = "Olá, tudo bem?" }))},
		{"text_reply.json", one(in("text", func(m *channel.Inbound) { m.Text, m.ContextID = "Sim", "wamid.ORIGINAL" }))},
		{"image.json", one(in("image", func(m *channel.Inbound) {
			m.Text = "foto do produto"
			m.Media = &channel.Media{ID: "1479537139650973", MimeType: "image/jpeg", SHA256: "4Oa3Qk0Xc=", Caption: "foto do produto"}
		}))},
		{"audio_voice.json", one(in("audio", func(m *channel.Inbound) {
			m.Media = &channel.Media{ID: "2345", MimeType: "audio/ogg; codecs=opus", SHA256: "Y2E=", Voice: true}
		}))},
		{"video.json", one(in("video", func(m *channel.Inbound) {
			m.Text = "veja"
			m.Media = &channel.Media{ID: "3456", MimeType: "video/mp4", SHA256: "dmk=", Caption: "veja"}
		}))},
		{"document.json", one(in("document", func(m *channel.Inbound) {
			m.Text = "nota"
			m.Media = &channel.Media{ID: "4567", MimeType: "application/pdf", SHA256: "ZG9j", Caption: "nota", Filename: "nf-42.pdf"}
		}))},
		{"sticker_animated.json", one(in("sticker", func(m *channel.Inbound) {
			m.Media = &channel.Media{ID: "5678", MimeType: "image/webp", SHA256: "c3Q=", Animated: true}
		}))},
		{"location.json", one(in("location", func(m *channel.Inbound) {
			m.Location = &channel.Place{Latitude: -23.5505, Longitude: -46.6333, Name: "Sé", Address: "Praça da Sé, São Paulo"}
		}))},
		{"contacts.json", one(in("contacts", func(m *channel.Inbound) {
			m.Contacts = json.RawMessage(`[{"name":{"formatted_name":"João Lima","first_name":"João"},"phones":[{"phone":"+55 11 98888-7777","wa_id":"5511988887777","type":"CELL"}]}]`)
		}))},
		{"interactive_button.json", one(in("interactive", func(m *channel.Inbound) {
			m.Text, m.ContextID = "Sim", "wamid.ASKED"
			m.Reply = &channel.ButtonReply{ID: "yes", Title: "Sim"}
		}))},
		{"interactive_list.json", one(in("interactive", func(m *channel.Inbound) {
			m.Text = "Batata"
			m.Reply = &channel.ButtonReply{ID: "row_2", Title: "Batata", Description: "1 kg"}
		}))},
		{"button.json", one(in("button", func(m *channel.Inbound) {
			m.Text, m.ContextID = "Parar promoções", "wamid.TEMPLATE"
			m.Reply = &channel.ButtonReply{ID: "STOP_PROMOS", Title: "Parar promoções"}
		}))},
		{"reaction.json", one(in("reaction", func(m *channel.Inbound) {
			m.ContextID = "wamid.REACTED"
			m.Reaction = &channel.Reaction{MessageID: "wamid.REACTED", Emoji: "❤️"}
		}))},
		{"unsupported.json", one(in("unsupported", func(m *channel.Inbound) {
			m.Errors = []channel.ProviderError{{Code: 131051, Title: "Message type unknown", Message: "Message type unknown", Details: "Message type is currently not supported."}}
		}))},
		{"unknown_type.json", one(in("order", nil))},
		{"statuses.json", []channel.Batch{{PhoneNumberID: pn, Statuses: []channel.Status{
			{ProviderID: "wamid.OUT1", Status: "sent", Timestamp: ts.Add(100 * time.Second), RecipientID: "5511999998888"},
			{ProviderID: "wamid.OUT1", Status: "read", Timestamp: ts.Add(200 * time.Second), RecipientID: "5511999998888"},
			{ProviderID: "wamid.OUT2", Status: "failed", Timestamp: ts.Add(300 * time.Second), RecipientID: "5511977776666",
				Errors: []channel.ProviderError{{Code: 131049,
					Title:   "This message was not delivered to maintain healthy ecosystem engagement.",
					Message: "This message was not delivered to maintain healthy ecosystem engagement.",
					Details: "In order to maintain a healthy ecosystem engagement, the message failed to be delivered."}}},
		}}}},
		{"template_status.json", []channel.Batch{{Templates: []channel.TemplateUpdate{
			{ProviderID: "1689556908129832", Name: "promo_junho", Language: "pt_BR", Event: "REJECTED", Reason: "INVALID_FORMAT"},
		}}}},
		{"user_preferences.json", []channel.Batch{{PhoneNumberID: pn, Preferences: []channel.Preference{
			{From: "5511999998888", Category: "marketing_messages", Value: "stop", Timestamp: ts.Add(400 * time.Second)},
		}}}},
		{"quality.json", []channel.Batch{{Quality: []channel.QualityUpdate{
			{DisplayPhone: "15550783881", Event: "UPGRADE", CurrentLimit: "TIER_10K"},
		}}}},
		{"multi.json", []channel.Batch{
			{PhoneNumberID: pn, Messages: []channel.Inbound{
				in("text", func(m *channel.Inbound) { m.Text = "um" }),
				in("text", func(m *channel.Inbound) {
					m.ProviderID, m.From, m.Name, m.Text = "wamid.BIA", "5521988887777", "Bia", "dois"
				}),
			}},
			{PhoneNumberID: "222", Statuses: []channel.Status{
				{ProviderID: "wamid.OUT9", Status: "delivered", Timestamp: ts.Add(500 * time.Second), RecipientID: "5511999998888"},
			}},
			{Templates: []channel.TemplateUpdate{{ProviderID: "12", Name: "hello", Language: "en_US", Event: "APPROVED", Reason: "NONE"}}},
		}},
	}
	for _, tt := range tests {
		t.Run(tt.file, func(t *testing.T) {
			body, err := os.ReadFile(filepath.Join("testdata", "webhooks", tt.file))
			if err != nil {
				t.Fatal(err)
			}
			got, err := whatsappcloud.Parse(body)
			if err != nil {
				t.Fatal(err)
			}
			for i := range got {
				for j := range got[i].Messages {
					m := &got[i].Messages[j]
					var raw struct {
						ID string `json:"id"`
					}
					if err := json.Unmarshal(m.Raw, &raw); err != nil || raw.ID != m.ProviderID {
						t.Fatalf("Raw is not the message's own JSON: %s", m.Raw)
					}
					m.Raw = nil
					if m.Contacts != nil {
						sameJSON(t, m.Contacts, string(tt.want[i].Messages[j].Contacts))
						m.Contacts = tt.want[i].Messages[j].Contacts
					}
				}
			}
			if !reflect.DeepEqual(got, tt.want) {
				g, _ := json.MarshalIndent(got, "", " ")
				w, _ := json.MarshalIndent(tt.want, "", " ")
				t.Fatalf("got %s\nwant %s", g, w)
			}
		})
	}
}

func TestParseUnknownTypeKeepsRaw(t *testing.T) {
	body, _ := os.ReadFile(filepath.Join("testdata", "webhooks", "unknown_type.json"))
	got, err := whatsappcloud.Parse(body)
	if err != nil {
		t.Fatal(err)
	}
	if raw := string(got[0].Messages[0].Raw); !strings.Contains(raw, `"product_retailer_id"`) {
		t.Fatalf("raw lost the order: %s", raw)
	}
}

func TestParseRefusesMalformedJSON(t *testing.T) {
	for _, body := range []string{``, `{`, `[]`, `{"entry":"x"}`, `{"entry":[{"changes":[{"field":"messages","value":{"messages":[1]}}]}]}`} {
		if _, err := whatsappcloud.Parse([]byte(body)); err == nil {
			t.Errorf("%q parsed", body)
		}
	}
}

func TestParseIgnoresWhatItDoesNotKnow(t *testing.T) {
	body := `{"object":"whatsapp_business_account","entry":[{"id":"1","changes":[
		{"field":"business_capability_update","value":{"max_daily_conversation_per_phone":1000}},
		{"field":"messages","value":null}]}]}`
	got, err := whatsappcloud.Parse([]byte(body))
	if err != nil || len(got) != 0 {
		t.Fatalf("%+v %v", got, err)
	}
}

func TestPhoneNumberIDs(t *testing.T) {
	body, _ := os.ReadFile(filepath.Join("testdata", "webhooks", "multi.json"))
	ids, err := whatsappcloud.PhoneNumberIDs(body)
	if err != nil || !reflect.DeepEqual(ids, []string{pn, "222"}) {
		t.Fatalf("%v %v", ids, err)
	}
	if _, err := whatsappcloud.PhoneNumberIDs([]byte("{")); err == nil {
		t.Fatal("malformed JSON accepted")
	}
}

func TestFakeWebhooksParse(t *testing.T) {
	at := time.Unix(1760000000, 0).UTC()
	got, err := whatsappcloud.Parse(fakegraph.MessageWebhook(pn, "5511999998888", "Ana", "wamid.IN1", "oi", at))
	if err != nil {
		t.Fatal(err)
	}
	m := got[0].Messages[0]
	if got[0].PhoneNumberID != pn || m.ProviderID != "wamid.IN1" || m.Name != "Ana" || m.Text != "oi" || !m.Timestamp.Equal(at) {
		t.Fatalf("%+v", got)
	}
	got, err = whatsappcloud.Parse(fakegraph.StatusWebhook(pn, "wamid.OUT", "failed", at, 131026))
	if err != nil {
		t.Fatal(err)
	}
	s := got[0].Statuses[0]
	if s.ProviderID != "wamid.OUT" || s.Status != "failed" || len(s.Errors) != 1 || s.Errors[0].Code != 131026 {
		t.Fatalf("%+v", s)
	}
	got, err = whatsappcloud.Parse(fakegraph.TemplateStatusWebhook("1689556908129832", "promo", "pt_BR", "APPROVED", "NONE"))
	if err != nil || got[0].Templates[0].ProviderID != "1689556908129832" {
		t.Fatalf("%+v %v", got, err)
	}
	got, err = whatsappcloud.Parse(fakegraph.PreferenceWebhook(pn, "5511999998888", "stop", at))
	if err != nil || got[0].Preferences[0].Value != "stop" || !got[0].Preferences[0].Timestamp.Equal(at) {
		t.Fatalf("%+v %v", got, err)
	}
}

func TestVerifySignature(t *testing.T) {
	body := []byte(`{"object":"whatsapp_business_account"}`)
	good := fakegraph.Sign("s3cret", body)
	tests := []struct {
		name, secret, header string
		body                 []byte
		want                 bool
	}{
		{"good", "s3cret", good, body, true},
		{"other secret", "other", good, body, false},
		{"body changed", "s3cret", good, append([]byte(" "), body...), false},
		{"missing", "s3cret", "", body, false},
		{"no prefix", "s3cret", strings.TrimPrefix(good, "sha256="), body, false},
		{"sha1", "s3cret", "sha1=" + strings.TrimPrefix(good, "sha256="), body, false},
		{"not hex", "s3cret", "sha256=zz" + good[9:], body, false},
		{"short", "s3cret", good[:20], body, false},
		{"upper-case hex is still the same bytes", "s3cret", "sha256=" + strings.ToUpper(good[7:]), body, true},
		{"no secret configured", "", fakegraph.Sign("", body), body, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := whatsappcloud.VerifySignature(tt.secret, tt.body, tt.header); got != tt.want {
				t.Fatalf("got %v", got)
			}
		})
	}
}

func TestVerify(t *testing.T) {
	tests := []struct {
		name  string
		query string
		token string
		want  string
		ok    bool
	}{
		{"match", "hub.mode=subscribe&hub.verify_token=tok&hub.challenge=1158201444", "tok", "1158201444", true},
		{"wrong token", "hub.mode=subscribe&hub.verify_token=nope&hub.challenge=1", "tok", "", false},
		{"wrong mode", "hub.mode=unsubscribe&hub.verify_token=tok&hub.challenge=1", "tok", "", false},
		{"no token configured", "hub.mode=subscribe&hub.verify_token=&hub.challenge=1", "", "", false},
		{"missing", "", "tok", "", false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			q, _ := url.ParseQuery(tt.query)
			got, ok := whatsappcloud.Verify(q, tt.token)
			if got != tt.want || ok != tt.ok {
				t.Fatalf("got %q %v", got, ok)
			}
		})
	}
}

func FuzzParse(f *testing.F) {
	files, _ := filepath.Glob(filepath.Join("testdata", "webhooks", "*.json"))
	for _, name := range files {
		b, err := os.ReadFile(name)
		if err != nil {
			f.Fatal(err)
		}
		f.Add(b)
	}
	f.Add([]byte(`{"entry":[{"changes":[{"field":"messages","value":{"messages":[{"type":"image","image":null,"timestamp":"x"}]}}]}]}`))
	f.Fuzz(func(t *testing.T, body []byte) {
		batches, err := whatsappcloud.Parse(body)
		if err != nil {
			return
		}
		ids, err := whatsappcloud.PhoneNumberIDs(body)
		if err != nil {
			t.Fatalf("Parse accepted what PhoneNumberIDs refused: %v", err)
		}
		known := map[string]bool{}
		for _, id := range ids {
			known[id] = true
		}
		for _, b := range batches {
			if b.PhoneNumberID != "" && !known[b.PhoneNumberID] {
				t.Fatalf("batch for %q that PhoneNumberIDs missed (%v)", b.PhoneNumberID, ids)
			}
		}
	})
}
