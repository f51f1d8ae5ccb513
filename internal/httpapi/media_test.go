package httpapi_test

import (
	"bytes"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"net/url"
	"testing"

	"github.com/masteria/masteria/internal/channel/whatsappcloud/fakegraph"
	"github.com/masteria/masteria/internal/store/db"
	"github.com/masteria/masteria/internal/store/dbtest"
)

// imageWebhook is a delivery of one image message with a media id.
func imageWebhook(phoneNumberID, wamid, mediaID, mime string) []byte {
	b, _ := json.Marshal(map[string]any{"object": "whatsapp_business_account", "entry": []any{map[string]any{"id": "1",
		"changes": []any{map[string]any{"field": "messages", "value": map[string]any{
			"messaging_product": "whatsapp", "metadata": map[string]any{"phone_number_id": phoneNumberID},
			"contacts": []any{map[string]any{"profile": map[string]any{"name": "Ana"}, "wa_id": "5511987654321"}},
			"messages": []any{map[string]any{"from": "5511987654321", "id": wamid, "timestamp": "1764000000", "type": "image",
				"image": map[string]any{"id": mediaID, "mime_type": mime, "sha256": "x", "caption": "foto " + wamid}}},
		}}}}}})
	return b
}

func TestInboundMedia(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		g := fakegraph.New(t)
		e := setup(t, d, withGraph(g.URL()))
		e.startJobs()
		owner, _ := e.signup("Media Co", "owner@media.example")
		agent, _ := e.invite(owner, "agent@media.example", "agent")
		other, _ := e.signup("Other Co", "owner@other.example")
		id := owner.must(201, "POST", "/api/v1/connections", map[string]any{"type": "whatsapp_cloud", "name": "C", "config": cloudConfig(g, "sec")})["id"].(string)
		hook := "/webhooks/whatsapp_cloud/" + id

		photo := append([]byte{0xFF, 0xD8, 0xFF}, bytes.Repeat([]byte("jpeg"), 1000)...)
		okID := g.AddMedia("image/jpeg", photo)
		bigID := g.AddMedia("image/jpeg", make([]byte, 6<<20))
		for _, body := range [][]byte{
			imageWebhook(g.PhoneNumberID(), "wamid.OK", okID, "image/jpeg"),
			imageWebhook(g.PhoneNumberID(), "wamid.BIG", bigID, "image/jpeg"),
			imageWebhook(g.PhoneNumberID(), "wamid.GONE", "999999999", "image/jpeg"),
		} {
			if r := postHook(e.anon(), hook, "sec", body); r.status != 200 {
				t.Fatal(r.status)
			}
		}
		conv := waitConversations(t, owner, url.Values{}, 1)[0].(map[string]any)
		byWamid := map[string]map[string]any{}
		eventually(t, "every file settled", func() bool {
			for _, m := range messagesOf(t, owner, conv["id"].(string)) {
				mm := m.(map[string]any)
				byWamid[mm["provider_message_id"].(string)] = mm
			}
			settled := 0
			for _, m := range byWamid {
				if st := m["media"].(map[string]any)["status"]; st == "stored" || st == "failed" {
					settled++
				}
			}
			return settled == 3
		})
		ok := byWamid["wamid.OK"]["media"].(map[string]any)
		if ok["status"] != "stored" || ok["url"] == "" || ok["mime_type"] != "image/jpeg" {
			t.Fatalf("stored media = %v", ok)
		}
		r := agent.raw("GET", ok["url"].(string), nil, nil)
		if r.status != 200 || !bytes.Equal(r.body, photo) || r.header.Get("Content-Type") != "image/jpeg" {
			t.Fatalf("served media: %d %s", r.status, r.header)
		}
		if r := other.do("GET", ok["url"].(string), nil); r.status != 404 {
			t.Fatalf("another company reads the file: %d", r.status)
		}
		if r := e.anon().do("GET", ok["url"].(string), nil); r.status != 401 {
			t.Fatalf("anonymous reads the file: %d", r.status)
		}
		for wamid, want := range map[string]string{"wamid.BIG": "larger than", "wamid.GONE": "no longer has"} {
			m := byWamid[wamid]["media"].(map[string]any)
			if m["status"] != "failed" || !bytes.Contains([]byte(m["error"].(string)), []byte(want)) {
				t.Errorf("%s media = %v", wamid, m)
			}
			if r := owner.do("GET", "/api/v1/messages/"+byWamid[wamid]["id"].(string)+"/media", nil); r.status != 404 {
				t.Errorf("%s served: %d", wamid, r.status)
			}
		}
		if byWamid["wamid.OK"]["text"] != "foto wamid.OK" {
			t.Fatalf("caption = %v", byWamid["wamid.OK"]["text"])
		}
	})
}

// TestSimulatorMediaLink: a link typed in the emulator is fetched through the
// guarded client (loopback allowed only in tests) and held to the limits.
func TestSimulatorMediaLink(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		files := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			switch r.URL.Path {
			case "/cat.png":
				w.Header().Set("Content-Type", "image/png")
				w.Write([]byte("\x89PNG cat"))
			default:
				http.NotFound(w, r)
			}
		}))
		defer files.Close()
		e := setup(t, d)
		e.startJobs()
		owner, _ := e.signup("Link Co", "owner@link.example")
		sim := owner.must(201, "POST", "/api/v1/connections", map[string]any{"type": "simulator", "name": "S"})["id"].(string)
		owner.must(202, "POST", "/api/v1/connections/"+sim+"/simulate", map[string]any{"from": "+5511987654321", "media_url": files.URL + "/cat.png", "text": "gato"})
		owner.must(202, "POST", "/api/v1/connections/"+sim+"/simulate", map[string]any{"from": "+5511987654321", "media_url": files.URL + "/missing.pdf"})
		conv := waitConversations(t, owner, url.Values{}, 1)[0].(map[string]any)
		var msgs []any
		eventually(t, "both files settled", func() bool {
			msgs = messagesOf(t, owner, conv["id"].(string))
			n := 0
			for _, m := range msgs {
				if st := m.(map[string]any)["media"].(map[string]any)["status"]; st == "stored" || st == "failed" {
					n++
				}
			}
			return n == 2
		})
		for _, m := range msgs {
			mm := m.(map[string]any)
			media := mm["media"].(map[string]any)
			switch mm["type"] {
			case "image":
				if media["status"] != "stored" {
					t.Fatalf("image = %v", mm)
				}
			case "document":
				if media["status"] != "failed" {
					t.Fatalf("missing document = %v", mm)
				}
			default:
				t.Fatalf("type %v", mm["type"])
			}
		}
	})
}
