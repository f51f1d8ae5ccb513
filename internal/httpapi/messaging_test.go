package httpapi_test

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/url"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/masteria/masteria/internal/channel/whatsappcloud/fakegraph"
	"github.com/masteria/masteria/internal/conversations"
	"github.com/masteria/masteria/internal/inbound"
	"github.com/masteria/masteria/internal/store/db"
	"github.com/masteria/masteria/internal/store/dbtest"
)

func cloudConfig(g *fakegraph.Server, secret string) map[string]any {
	return map[string]any{"phone_number_id": g.PhoneNumberID(), "waba_id": g.WABAID(), "access_token": g.Token(),
		"app_secret": secret, "app_id": g.AppID()}
}

func TestConnectionsLifecycle(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		g := fakegraph.New(t)
		e := setup(t, d, withGraph(g.URL()))
		owner, _ := e.signup("Conn Co", "owner@conn.example")
		agent, _ := e.invite(owner, "agent@conn.example", "agent")

		c := owner.must(201, "POST", "/api/v1/connections", map[string]any{"type": "whatsapp_cloud", "name": "Vendas",
			"config": cloudConfig(g, "app-secret-1")})
		id := c["id"].(string)
		cfg := c["config"].(map[string]any)
		if cfg["access_token_set"] != true || cfg["app_secret_set"] != true || cfg["phone_number_id"] != g.PhoneNumberID() {
			t.Fatalf("config = %v", cfg)
		}
		verify, _ := c["verify_token"].(string)
		if len(verify) < 20 {
			t.Fatalf("a generated verify token is shown once, got %q", verify)
		}
		if c["webhook_url"] != e.srv.URL+"/webhooks/whatsapp_cloud/"+id || c["status"] != "active" {
			t.Fatalf("connection = %v", c)
		}
		got := owner.must(200, "GET", "/api/v1/connections/"+id, nil)
		raw, _ := json.Marshal(got)
		for _, secret := range []string{g.Token(), "app-secret-1", verify} {
			if strings.Contains(string(raw), secret) {
				t.Fatalf("GET returned a secret: %s", raw)
			}
		}
		if list := data(agent.must(200, "GET", "/api/v1/connections", nil)); len(list) != 1 {
			t.Fatalf("agent sees %d connections", len(list))
		}
		if r := agent.do("POST", "/api/v1/connections", map[string]any{"type": "simulator", "name": "x"}); r.status != 403 {
			t.Fatalf("agent created a connection: %d", r.status)
		}

		for name, tc := range map[string]struct {
			body  map[string]any
			field string
		}{
			"unknown type":   {map[string]any{"type": "fax", "name": "x"}, "type"},
			"no name":        {map[string]any{"type": "simulator"}, "name"},
			"missing token":  {map[string]any{"type": "whatsapp_cloud", "name": "x", "config": map[string]any{"phone_number_id": "123456", "waba_id": "123456", "app_secret": "s"}}, "config.access_token"},
			"bad number id":  {map[string]any{"type": "whatsapp_cloud", "name": "x", "config": map[string]any{"phone_number_id": "abc", "waba_id": "123456", "access_token": "t", "app_secret": "s"}}, "config.phone_number_id"},
			"delay too long": {map[string]any{"type": "simulator", "name": "x", "config": map[string]any{"delivery_delay_ms": 600000}}, "config.delivery_delay_ms"},
			"cloud on sim":   {map[string]any{"type": "simulator", "name": "x", "config": map[string]any{"waba_id": "123456"}}, "config"},
			"too fast":       {map[string]any{"type": "simulator", "name": "x", "config": map[string]any{"messages_per_second": 5000}}, "config.messages_per_second"},
		} {
			before := e.count("connections")
			r := owner.do("POST", "/api/v1/connections", tc.body)
			if r.status != 422 || r.errCode(t) != "validation_failed" {
				t.Errorf("%s: %d %s", name, r.status, r.body)
				continue
			}
			if _, ok := r.json(t)["error"].(map[string]any)["fields"].(map[string]any)[tc.field]; !ok {
				t.Errorf("%s: no problem on %s: %s", name, tc.field, r.body)
			}
			if e.count("connections") != before {
				t.Errorf("%s: a refused connection was stored", name)
			}
		}
		if r := owner.do("POST", "/api/v1/connections", map[string]any{"type": "simulator", "name": "x", "config": map[string]any{"nope": 1}}); r.status != 422 {
			t.Errorf("unknown config field: %d %s", r.status, r.body)
		}

		// A new secret replaces the old; others stay; the verify handshake
		// uses the new one.
		owner.must(200, "PATCH", "/api/v1/connections/"+id, map[string]any{"name": "Vendas SP", "config": map[string]any{"verify_token": "new-verify-token"}})
		ch := e.anon().do("GET", "/webhooks/whatsapp_cloud/"+id+"?hub.mode=subscribe&hub.verify_token=new-verify-token&hub.challenge=1234", nil)
		if ch.status != 200 || string(ch.body) != "1234" {
			t.Fatalf("handshake with the new token: %d %s", ch.status, ch.body)
		}
		if r := owner.do("PATCH", "/api/v1/connections/"+id, map[string]any{"type": "simulator"}); r.status != 422 {
			t.Fatalf("type change: %d", r.status)
		}
		dis := owner.must(200, "PATCH", "/api/v1/connections/"+id, map[string]any{"status": "disabled"})
		if dis["status"] != "disabled" || dis["name"] != "Vendas SP" {
			t.Fatalf("disable: %v", dis)
		}
		owner.must(204, "DELETE", "/api/v1/connections/"+id, nil)
		owner.must(404, "GET", "/api/v1/connections/"+id, nil)
		if n := e.count("secrets WHERE purpose = 'connection'"); n != 0 {
			t.Fatalf("%d connection secrets left after delete", n)
		}
	})
}

func TestConnectionTest(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		g := fakegraph.New(t)
		g.SetQuality("YELLOW")
		e := setup(t, d, withGraph(g.URL()))
		owner, _ := e.signup("Test Co", "owner@test.example")
		id := owner.must(201, "POST", "/api/v1/connections", map[string]any{"type": "whatsapp_cloud", "name": "N", "config": cloudConfig(g, "s")})["id"].(string)
		res := owner.must(200, "POST", "/api/v1/connections/"+id+"/test", nil)
		info := res["info"].(map[string]any)
		if res["ok"] != true || info["display_phone_number"] == "" || info["quality_rating"] != "YELLOW" {
			t.Fatalf("test = %v", res)
		}
		if got := owner.must(200, "GET", "/api/v1/connections/"+id, nil)["info"].(map[string]any); got["quality_rating"] != "YELLOW" {
			t.Fatalf("info not kept: %v", got)
		}
		owner.must(200, "PATCH", "/api/v1/connections/"+id, map[string]any{"config": map[string]any{"access_token": "expired-token"}})
		res = owner.must(200, "POST", "/api/v1/connections/"+id+"/test", nil)
		if res["ok"] != false || res["error"].(map[string]any)["code"] != float64(190) {
			t.Fatalf("bad token test = %v", res)
		}
		if st := owner.must(200, "GET", "/api/v1/connections/"+id, nil); st["status"] != "needs_attention" || st["status_reason"] == "" {
			t.Fatalf("a refused token must mark the connection: %v", st)
		}
		owner.must(200, "PATCH", "/api/v1/connections/"+id, map[string]any{"config": map[string]any{"access_token": g.Token()}})
		owner.must(200, "POST", "/api/v1/connections/"+id+"/test", nil)
		if st := owner.must(200, "GET", "/api/v1/connections/"+id, nil); st["status"] != "active" {
			t.Fatalf("a working token clears the mark: %v", st)
		}
		sim := owner.must(201, "POST", "/api/v1/connections", map[string]any{"type": "simulator", "name": "S"})["id"].(string)
		if res := owner.must(200, "POST", "/api/v1/connections/"+sim+"/test", nil); res["ok"] != true {
			t.Fatalf("simulator test = %v", res)
		}
	})
}

func TestSimulatorInbound(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		e := setup(t, d)
		owner, _ := e.signup("Sim Co", "owner@sim.example")
		sim := owner.must(201, "POST", "/api/v1/connections", map[string]any{"type": "simulator", "name": "Phone"})["id"].(string)
		path := "/api/v1/connections/" + sim + "/simulate"

		out := owner.must(202, "POST", path, map[string]any{"from": "(11) 98765-4321", "name": "Maria", "text": "Oi, tudo bem?"})
		if out["from"] != "+5511987654321" || !strings.HasPrefix(out["provider_message_id"].(string), "sim.") {
			t.Fatalf("simulate = %v", out)
		}
		conv := waitConversations(t, owner, url.Values{"connection_id": {sim}}, 1)[0].(map[string]any)
		contact := conv["contact"].(map[string]any)
		if contact["phone"] != "+5511987654321" || contact["name"] != "Maria" || conv["status"] != "open" {
			t.Fatalf("conversation = %v", conv)
		}
		msgs := messagesOf(t, owner, conv["id"].(string))
		m := msgs[0].(map[string]any)
		if len(msgs) != 1 || m["direction"] != "inbound" || m["text"] != "Oi, tudo bem?" || m["type"] != "text" || m["provider_message_id"] != out["provider_message_id"] {
			t.Fatalf("messages = %v", msgs)
		}
		ct := owner.must(200, "GET", "/api/v1/contacts/"+contact["id"].(string), nil)
		if ct["last_inbound_at"] == nil {
			t.Fatalf("the 24-hour window did not start: %v", ct)
		}

		// Keywords from the company's settings, as a whole message only.
		owner.must(202, "POST", path, map[string]any{"from": "+5511987654321", "text": "não quero sair agora"})
		owner.must(202, "POST", path, map[string]any{"from": "+5511987654321", "text": "  Sair! "})
		eventually(t, "the opt-out", func() bool {
			return owner.must(200, "GET", "/api/v1/contacts/"+contact["id"].(string), nil)["consent"].(map[string]any)["state"] == "opted_out"
		})
		ledger := data(owner.must(200, "GET", "/api/v1/contacts/"+contact["id"].(string)+"/consent", nil))
		if len(ledger) != 1 || ledger[0].(map[string]any)["source"] != "keyword" || ledger[0].(map[string]any)["channel"] != "simulator" {
			t.Fatalf("ledger = %v", ledger)
		}
		owner.must(202, "POST", path, map[string]any{"from": "+5511987654321", "text": "voltar"})
		eventually(t, "the opt-in", func() bool {
			return owner.must(200, "GET", "/api/v1/contacts/"+contact["id"].(string), nil)["consent"].(map[string]any)["state"] == "opted_in"
		})
		// The timeline holds the four messages and the two consent changes.
		var kinds []string
		for _, m := range messagesOf(t, owner, conv["id"].(string)) {
			m := m.(map[string]any)
			if m["type"] == "event" {
				kinds = append(kinds, m["content"].(map[string]any)["event"].(string))
			} else {
				kinds = append(kinds, m["direction"].(string))
			}
		}
		if strings.Join(kinds, ",") != "opted_in,inbound,opted_out,inbound,inbound,inbound" {
			t.Fatalf("one conversation holds every message and event: %v", kinds)
		}
		if c := waitConversations(t, owner, url.Values{}, 1)[0].(map[string]any); c["unread_count"] != float64(4) {
			t.Fatalf("unread = %v", c["unread_count"])
		}

		// A button tap and a media link.
		owner.must(202, "POST", path, map[string]any{"from": "+5511987654321", "text": "Sim", "button_payload": "CONFIRM"})
		eventually(t, "the button reply", func() bool {
			m := messagesOf(t, owner, conv["id"].(string))[0].(map[string]any)
			return m["type"] == "button" && m["content"].(map[string]any)["reply"].(map[string]any)["id"] == "CONFIRM"
		})

		for name, body := range map[string]map[string]any{
			"bad phone": {"from": "123", "text": "x"},
			"empty":     {"from": "+5511987654321"},
			"bad link":  {"from": "+5511987654321", "media_url": "ftp://x/y.png"},
			"long text": {"from": "+5511987654321", "text": strings.Repeat("a", 5000)},
		} {
			before := e.count("webhook_events")
			if r := owner.do("POST", path, body); r.status != 422 {
				t.Errorf("%s: %d %s", name, r.status, r.body)
			}
			if e.count("webhook_events") != before {
				t.Errorf("%s: refused input was recorded", name)
			}
		}
		cloud := owner.must(201, "POST", "/api/v1/connections", map[string]any{"type": "whatsapp_cloud", "name": "C",
			"config": map[string]any{"phone_number_id": "123456", "waba_id": "123456", "access_token": "t", "app_secret": "s"}})["id"].(string)
		if r := owner.do("POST", "/api/v1/connections/"+cloud+"/simulate", map[string]any{"from": "+5511987654321", "text": "x"}); r.status != 409 {
			t.Errorf("simulate on a cloud connection: %d", r.status)
		}
	})
}

func TestWhatsAppWebhookHandshakeAndSignature(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		e := setup(t, d)
		owner, _ := e.signup("Hook Co", "owner@hook.example")
		id := owner.must(201, "POST", "/api/v1/connections", map[string]any{"type": "whatsapp_cloud", "name": "C",
			"config": map[string]any{"phone_number_id": "123456789", "waba_id": "987654321", "access_token": "t", "app_secret": "the-app-secret", "verify_token": "the-verify-token"}})["id"].(string)
		anon := e.anon()
		hook := "/webhooks/whatsapp_cloud/" + id
		if r := anon.do("GET", hook+"?hub.mode=subscribe&hub.verify_token=the-verify-token&hub.challenge=98765", nil); r.status != 200 || string(r.body) != "98765" {
			t.Fatalf("handshake: %d %s", r.status, r.body)
		}
		if r := anon.do("GET", hook+"?hub.mode=subscribe&hub.verify_token=wrong&hub.challenge=98765", nil); r.status != 403 || strings.Contains(string(r.body), "98765") {
			t.Fatalf("wrong token: %d %s", r.status, r.body)
		}
		if r := anon.do("GET", "/webhooks/whatsapp_cloud?hub.mode=subscribe&hub.verify_token=the-verify-token&hub.challenge=55", nil); r.status != 200 || string(r.body) != "55" {
			t.Fatalf("shared handshake: %d %s", r.status, r.body)
		}

		body := fakegraph.MessageWebhook("123456789", "5511987654321", "Ana", "wamid.A1", "Olá", time.Now())
		good := fakegraph.Sign("the-app-secret", body)
		for name, hdr := range map[string]string{
			"missing":   "",
			"other key": fakegraph.Sign("another-secret", body),
			"no prefix": strings.TrimPrefix(good, "sha256="),
			"not hex":   "sha256=zz" + good[9:],
			"truncated": good[:30],
		} {
			r := anon.raw("POST", hook, strings.NewReader(string(body)), map[string]string{"X-Hub-Signature-256": hdr})
			if r.status != 401 || r.errCode(t) != "invalid_signature" {
				t.Errorf("%s signature: %d %s", name, r.status, r.body)
			}
			if strings.Contains(string(r.body), good[7:]) {
				t.Errorf("%s: the answer reveals the expected signature", name)
			}
		}
		// A body cut after signing no longer matches.
		if r := anon.raw("POST", hook, strings.NewReader(string(body[:len(body)-10])), map[string]string{"X-Hub-Signature-256": good}); r.status != 401 {
			t.Errorf("truncated body: %d", r.status)
		}
		if n := e.count("webhook_events"); n != 0 {
			t.Fatalf("refused deliveries were stored: %d", n)
		}
		big := append([]byte(`{"object":"whatsapp_business_account","pad":"`), make([]byte, 5<<20)...)
		if r := postHook(anon, hook, "the-app-secret", big); r.status != 413 {
			t.Errorf("5 MB payload: %d", r.status)
		}
		// A full 3 MB delivery is taken.
		pad := strings.Repeat("x", 3<<20-len(body)-20)
		large := []byte(strings.Replace(string(body), `"object":`, `"pad":"`+pad+`","object":`, 1))
		if r := postHook(anon, hook, "the-app-secret", large); r.status != 200 {
			t.Errorf("3 MB payload: %d %s", r.status, r.body)
		}
		if r := postHook(anon, "/webhooks/whatsapp_cloud/"+strings.Repeat("0", 8)+"-0000-7000-8000-000000000000", "x", body); r.status != 404 {
			t.Errorf("unknown connection: %d", r.status)
		}
		if r := postHook(anon, hook, "the-app-secret", body); r.status != 200 {
			t.Fatalf("good delivery: %d %s", r.status, r.body)
		}
		conv := waitConversations(t, owner, url.Values{"connection_id": {id}}, 1)[0].(map[string]any)
		if conv["contact"].(map[string]any)["name"] != "Ana" {
			t.Fatalf("conversation = %v", conv)
		}
	})
}

// TestWebhookCopiesAndStatuses: Meta's copies of one delivery, sent at the
// same moment, store one message; delivery reports only move forward.
func TestWebhookCopiesAndStatuses(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		e := setup(t, d)
		owner, companyID := e.signup("Dup Co", "owner@dup.example")
		id := owner.must(201, "POST", "/api/v1/connections", map[string]any{"type": "whatsapp_cloud", "name": "C",
			"config": map[string]any{"phone_number_id": "123456789", "waba_id": "987654321", "access_token": "t", "app_secret": "sec"}})["id"].(string)
		hook := "/webhooks/whatsapp_cloud/" + id
		body := fakegraph.MessageWebhook("123456789", "5511987654321", "Ana", "wamid.COPY", "Olá", time.Now())
		var wg sync.WaitGroup
		for range 8 {
			wg.Add(1)
			go func() {
				defer wg.Done()
				if r := postHook(e.anon(), hook, "sec", body); r.status != 200 {
					t.Errorf("copy: %d", r.status)
				}
			}()
		}
		wg.Wait()
		eventually(t, "every copy processed", func() bool {
			return e.count("webhook_events WHERE status = 'processed'") == 8
		})
		conv := waitConversations(t, owner, url.Values{}, 1)[0].(map[string]any)
		if n := len(messagesOf(t, owner, conv["id"].(string))); n != 1 {
			t.Fatalf("8 copies stored %d messages", n)
		}
		if e.count("contacts") != 1 {
			t.Fatalf("copies made %d contacts", e.count("contacts"))
		}

		// An outbound message, as the outbox will store it.
		var msgID string
		ctx := context.Background()
		err := d.InTx(ctx, func(tx *db.Tx) error {
			var err error
			msgID, _, err = conversations.Insert(ctx, tx, conversations.NewMessage{CompanyID: companyID, ConversationID: conv["id"].(string),
				ContactID: conv["contact"].(map[string]any)["id"].(string), ConnectionID: id, Direction: "outbound", Type: "text",
				Text: "Resposta", Status: "sent", ProviderMessageID: "wamid.OUT", At: time.Now()})
			return err
		})
		if err != nil {
			t.Fatal(err)
		}
		t0 := time.Now().Add(-time.Minute).Truncate(time.Second)
		send := func(status string, at time.Time, code int) {
			t.Helper()
			if r := postHook(e.anon(), hook, "sec", fakegraph.StatusWebhook("123456789", "wamid.OUT", status, at, code)); r.status != 200 {
				t.Fatalf("%s: %d", status, r.status)
			}
		}
		message := func() map[string]any {
			for _, m := range messagesOf(t, owner, conv["id"].(string)) {
				if m.(map[string]any)["id"] == msgID {
					return m.(map[string]any)
				}
			}
			t.Fatal("outbound message missing")
			return nil
		}
		send("read", t0.Add(3*time.Second), 0)
		send("delivered", t0.Add(2*time.Second), 0)
		send("read", t0.Add(3*time.Second), 0)
		eventually(t, "the reports", func() bool {
			return e.count("webhook_events WHERE status = 'processed'") == 11
		})
		m := message()
		if m["status"] != "read" || m["delivered_at"] == nil || m["read_at"] == nil {
			t.Fatalf("a late delivered moved the message back: %v", m)
		}
		if n := e.count("message_statuses WHERE provider_message_id = 'wamid.OUT'"); n != 2 {
			t.Fatalf("%d status rows, want 2 (copies collide)", n)
		}
		// A report for a message we never sent is kept, unmatched.
		if r := postHook(e.anon(), hook, "sec", fakegraph.StatusWebhook("123456789", "wamid.UNKNOWN", "delivered", t0, 0)); r.status != 200 {
			t.Fatal(r.status)
		}
		eventually(t, "the unmatched report", func() bool {
			return e.count("message_statuses WHERE provider_message_id = 'wamid.UNKNOWN' AND message_id IS NULL") == 1
		})
		if e.count("webhook_events WHERE status = 'failed'") != 0 {
			t.Fatal("an unmatched report is not a failure")
		}
		// It is applied when the outbox records that id.
		err = d.InTx(ctx, func(tx *db.Tx) error {
			later, _, err := conversations.Insert(ctx, tx, conversations.NewMessage{CompanyID: companyID, ConversationID: conv["id"].(string),
				ContactID: conv["contact"].(map[string]any)["id"].(string), ConnectionID: id, Direction: "outbound", Type: "text",
				Text: "Outra", Status: "sent", ProviderMessageID: "wamid.UNKNOWN", At: time.Now()})
			if err != nil {
				return err
			}
			evs, err := inbound.ApplyUnmatched(ctx, tx, companyID, id, later, "wamid.UNKNOWN")
			if err == nil && len(evs) != 1 {
				err = fmt.Errorf("%d events", len(evs))
			}
			return err
		})
		if err != nil {
			t.Fatal(err)
		}
		if e.count("messages WHERE provider_message_id = 'wamid.UNKNOWN' AND status = 'delivered'") != 1 {
			t.Fatal("the early report was not applied")
		}
	})
}

func TestWebhookFailureKeptAndReprocessed(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		var broken atomic.Bool
		broken.Store(true)
		inboundHooks[t] = []inbound.Hook{func(ctx context.Context, tx *db.Tx, m inbound.Stored) error {
			if broken.Load() {
				return errors.New("automation engine is down")
			}
			return nil
		}}
		defer delete(inboundHooks, t)
		e := setup(t, d)
		owner, _ := e.signup("Fail Co", "owner@fail.example")
		agent, _ := e.invite(owner, "agent@fail.example", "agent")
		id := owner.must(201, "POST", "/api/v1/connections", map[string]any{"type": "whatsapp_cloud", "name": "C",
			"config": map[string]any{"phone_number_id": "123456789", "waba_id": "987654321", "access_token": "t", "app_secret": "sec"}})["id"].(string)
		hook := "/webhooks/whatsapp_cloud/" + id
		postHook(e.anon(), hook, "sec", fakegraph.MessageWebhook("123456789", "5511987654321", "Ana", "wamid.F1", "Olá", time.Now()))
		postHook(e.anon(), hook, "sec", []byte(`{"object":"whatsapp_business_account","entry":[{"changes":[{"field":"messages","value":{"messages":"not a list"`))
		var failed []any
		eventually(t, "two failed events", func() bool {
			failed = data(owner.must(200, "GET", "/api/v1/webhook-events?status=failed", nil))
			return len(failed) == 2
		})
		if e.count("messages") != 0 || e.count("conversations") != 0 || e.count("contacts") != 0 {
			t.Fatal("a failed event left rows behind")
		}
		var hookFailure map[string]any
		for _, f := range failed {
			if strings.Contains(f.(map[string]any)["error"].(string), "automation engine is down") {
				hookFailure = f.(map[string]any)
			}
		}
		if hookFailure == nil || hookFailure["payload"] == "" {
			t.Fatalf("failures = %v", failed)
		}
		if r := agent.do("GET", "/api/v1/webhook-events", nil); r.status != 403 {
			t.Fatalf("agents see raw payloads: %d", r.status)
		}
		broken.Store(false)
		owner.must(202, "POST", "/api/v1/webhook-events/"+hookFailure["id"].(string)+"/reprocess", nil)
		waitConversations(t, owner, url.Values{}, 1)
		if r := owner.do("POST", "/api/v1/webhook-events/"+hookFailure["id"].(string)+"/reprocess", nil); r.status != 409 {
			t.Fatalf("reprocessing a processed event: %d", r.status)
		}
		if n := len(data(owner.must(200, "GET", "/api/v1/webhook-events?status=failed", nil))); n != 1 {
			t.Fatalf("%d failed left, want the unreadable one", n)
		}
		if r := owner.do("GET", "/api/v1/webhook-events?status=bogus", nil); r.status != 422 {
			t.Fatalf("bad status filter: %d", r.status)
		}
	})
}

func TestSharedWebhookRouting(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		e := setup(t, d)
		alpha, _ := e.signup("Alpha", "owner@alpha.example")
		bravo, _ := e.signup("Bravo", "owner@bravo.example")
		a := alpha.must(201, "POST", "/api/v1/connections", map[string]any{"type": "whatsapp_cloud", "name": "A",
			"config": map[string]any{"phone_number_id": "1111111", "waba_id": "2222222", "access_token": "t", "app_secret": "alpha-secret"}})["id"].(string)
		// Bravo claims Alpha's number: its own secret cannot vouch for it.
		bravo.must(201, "POST", "/api/v1/connections", map[string]any{"type": "whatsapp_cloud", "name": "B",
			"config": map[string]any{"phone_number_id": "1111111", "waba_id": "3333333", "access_token": "t", "app_secret": "bravo-secret"}})
		body := fakegraph.MessageWebhook("1111111", "5511987654321", "Ana", "wamid.S1", "Olá", time.Now())
		if r := postHook(e.anon(), "/webhooks/whatsapp_cloud", "nobody-secret", body); r.status != 401 {
			t.Fatalf("unsigned shared delivery: %d", r.status)
		}
		if r := postHook(e.anon(), "/webhooks/whatsapp_cloud", "alpha-secret", body); r.status != 200 {
			t.Fatalf("shared delivery: %d %s", r.status, r.body)
		}
		waitConversations(t, alpha, url.Values{"connection_id": {a}}, 1)
		time.Sleep(100 * time.Millisecond)
		if n := len(data(bravo.must(200, "GET", "/api/v1/conversations", nil))); n != 0 {
			t.Fatalf("bravo got alpha's message")
		}
		if r := e.anon().raw("POST", "/webhooks/whatsapp_cloud", strings.NewReader("{}"), map[string]string{"X-Hub-Signature-256": "sha256=00"}); r.status != 400 {
			t.Fatalf("unroutable: %d", r.status)
		}
		// A delivery for another number through a connection's own URL is ignored.
		other := fakegraph.MessageWebhook("9999999", "5511987650000", "Eve", "wamid.S2", "Olá", time.Now())
		postHook(e.anon(), "/webhooks/whatsapp_cloud/"+a, "alpha-secret", other)
		eventually(t, "processed", func() bool { return e.count("webhook_events WHERE status = 'received'") == 0 })
		if e.count("messages WHERE provider_message_id = 'wamid.S2'") != 0 {
			t.Fatal("another number's message was applied")
		}
	})
}

func TestPreferencesAndMarketingStops(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		e := setup(t, d)
		owner, _ := e.signup("Pref Co", "owner@pref.example")
		id := owner.must(201, "POST", "/api/v1/connections", map[string]any{"type": "whatsapp_cloud", "name": "C",
			"config": map[string]any{"phone_number_id": "123456789", "waba_id": "987654321", "access_token": "t", "app_secret": "sec"}})["id"].(string)
		postHook(e.anon(), "/webhooks/whatsapp_cloud/"+id, "sec", fakegraph.PreferenceWebhook("123456789", "5511987654321", "stop", time.Now()))
		var contact map[string]any
		eventually(t, "the marketing stop", func() bool {
			list := data(owner.must(200, "GET", "/api/v1/contacts", nil))
			if len(list) == 1 {
				contact = list[0].(map[string]any)
			}
			return contact != nil && contact["consent"].(map[string]any)["state"] == "opted_out"
		})
		ledger := data(owner.must(200, "GET", "/api/v1/contacts/"+contact["id"].(string)+"/consent", nil))
		if len(ledger) != 1 || ledger[0].(map[string]any)["source"] != "provider" {
			t.Fatalf("ledger = %v", ledger)
		}
	})
}
