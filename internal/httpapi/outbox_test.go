package httpapi_test

import (
	"context"
	"encoding/json"
	"net/url"
	"sort"
	"testing"
	"time"

	"github.com/masteria/masteria/internal/channel"
	"github.com/masteria/masteria/internal/channel/whatsappcloud/fakegraph"
	"github.com/masteria/masteria/internal/outbox"
	"github.com/masteria/masteria/internal/store/db"
	"github.com/masteria/masteria/internal/store/dbtest"
)

// cloudWithContact makes a Cloud connection on the fake Graph API and a
// contact who just wrote (the 24-hour window is open); it returns the
// connection and the conversation.
func cloudWithContact(t *testing.T, e *env, owner *client, g *fakegraph.Server, from string) (string, map[string]any) {
	t.Helper()
	id := owner.must(201, "POST", "/api/v1/connections", map[string]any{"type": "whatsapp_cloud", "name": "C", "config": cloudConfig(g, "sec")})["id"].(string)
	if r := postHook(e.anon(), "/webhooks/whatsapp_cloud/"+id, "sec", fakegraph.MessageWebhook(g.PhoneNumberID(), from, "Ana", "wamid.hello."+from, "Oi", time.Now())); r.status != 200 {
		t.Fatal(r.status)
	}
	conv := waitConversations(t, owner, url.Values{"connection_id": {id}}, 1)[0].(map[string]any)
	return id, conv
}

func messageByID(t *testing.T, c *client, convID, id string) map[string]any {
	t.Helper()
	for _, m := range messagesOf(t, c, convID) {
		if m.(map[string]any)["id"] == id {
			return m.(map[string]any)
		}
	}
	t.Fatalf("message %s not in conversation", id)
	return nil
}

func waitStatus(t *testing.T, c *client, convID, id, status string) map[string]any {
	t.Helper()
	var m map[string]any
	eventually(t, "message "+status, func() bool {
		m = messageByID(t, c, convID, id)
		return m["status"] == status
	})
	return m
}

func TestOutboxSendsAndReportsMove(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		g := fakegraph.New(t)
		e := setup(t, d, withGraph(g.URL()))
		owner, _ := e.signup("Out Co", "owner@out.example")
		connID, conv := cloudWithContact(t, e, owner, g, "5511987654321")
		convID := conv["id"].(string)

		m := owner.must(202, "POST", "/api/v1/conversations/"+convID+"/messages", map[string]any{"type": "text", "text": "Olá, Ana!"})
		// The answer is the row as it is now: the dispatcher may have taken it.
		if st := m["status"]; (st != "queued" && st != "sending" && st != "sent") || m["direction"] != "outbound" || m["source"] != "agent" {
			t.Fatalf("queued = %v", m)
		}
		sent := waitStatus(t, owner, convID, m["id"].(string), "sent")
		pid := sent["provider_message_id"].(string)
		var body map[string]any
		for _, s := range g.Sent() {
			if s.ID == pid {
				_ = json.Unmarshal(s.Body, &body)
			}
		}
		if body["to"] != "5511987654321" || body["text"].(map[string]any)["body"] != "Olá, Ana!" {
			t.Fatalf("Meta got %v", body)
		}
		postHook(e.anon(), "/webhooks/whatsapp_cloud/"+connID, "sec", fakegraph.StatusWebhook(g.PhoneNumberID(), pid, "read", time.Now(), 0))
		waitStatus(t, owner, convID, m["id"].(string), "read")
		ct := owner.must(200, "GET", "/api/v1/contacts/"+conv["contact"].(map[string]any)["id"].(string), nil)
		if ct["last_outbound_at"] == nil {
			t.Fatal("last_outbound_at not set")
		}

		// Retryable refusals are tried again; permanent ones fail with the
		// provider's code and our explanation.
		g.FailNext(2, 429, 130429)
		retried := owner.must(202, "POST", "/api/v1/conversations/"+convID+"/messages", map[string]any{"type": "text", "text": "de novo"})
		if r := waitStatus(t, owner, convID, retried["id"].(string), "sent"); r["attempts"] != float64(3) {
			t.Fatalf("attempts = %v, want 3", r["attempts"])
		}
		g.FailTo("5511987654321", 131026)
		lost := owner.must(202, "POST", "/api/v1/conversations/"+convID+"/messages", map[string]any{"type": "text", "text": "perdida"})
		f := waitStatus(t, owner, convID, lost["id"].(string), "failed")
		if f["error_code"] != "131026" || f["error_reason"] == "" || f["attempts"] != float64(1) {
			t.Fatalf("failed = %v", f)
		}
		g.FailTo("5511987654321", 0)

		// A provider that takes the request and never answers: the message
		// may have left, so it is never sent again.
		g.SetLatency(5 * time.Second)
		unknown := owner.must(202, "POST", "/api/v1/conversations/"+convID+"/messages", map[string]any{"type": "text", "text": "no ar"})
		u := waitStatus(t, owner, convID, unknown["id"].(string), "failed")
		if u["error_code"] != "outcome_unknown" || u["attempts"] != float64(1) {
			t.Fatalf("unknown outcome = %v", u)
		}
		g.SetLatency(0)
	})
}

func TestOutboxRefusals(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		g := fakegraph.New(t)
		g.AddTemplate(fakegraph.Template{Name: "pedido", Language: "pt_BR", Category: "UTILITY",
			Components: json.RawMessage(`[{"type":"BODY","text":"Pedido {{1}} a caminho"}]`)})
		e := setup(t, d, withGraph(g.URL()))
		owner, _ := e.signup("Refuse Co", "owner@refuse.example")
		connID, conv := cloudWithContact(t, e, owner, g, "5511987654321")
		owner.must(200, "POST", "/api/v1/connections/"+connID+"/templates/sync", nil)
		contacts := e.count("contacts")

		for name, tc := range map[string]struct {
			body   map[string]any
			status int
			code   string
		}{
			"window closed": {map[string]any{"connection_id": connID, "to": "+55 21 99876-5432", "type": "text", "text": "oi"}, 422, "window_closed"},
			"bad number":    {map[string]any{"connection_id": connID, "to": "12", "type": "text", "text": "oi"}, 422, "validation_failed"},
			"unknown type":  {map[string]any{"connection_id": connID, "to": "+55 21 99876-5432", "type": "telepathy"}, 422, "invalid_message"},
			"missing value": {map[string]any{"connection_id": connID, "to": "+55 21 99876-5432", "type": "template",
				"template": map[string]any{"name": "pedido", "language": "pt_BR"}}, 422, "template_variables_mismatch"},
			"no connection": {map[string]any{"connection_id": "01a20000-0000-7000-8000-000000000000", "to": "+55 21 99876-5432", "type": "text", "text": "x"}, 404, "not_found"},
		} {
			r := owner.do("POST", "/api/v1/messages", tc.body)
			if r.status != tc.status || r.errCode(t) != tc.code {
				t.Errorf("%s: %d %s", name, r.status, r.body)
			}
		}
		if e.count("contacts") != contacts || e.count("messages WHERE direction = 'outbound'") != 0 {
			t.Fatal("a refused send left rows behind")
		}
		// Outside the window a template goes, to a new number too.
		tm := owner.must(202, "POST", "/api/v1/messages", map[string]any{"connection_id": connID, "to": "+55 21 99876-5432", "type": "template",
			"template": map[string]any{"name": "pedido", "language": "pt_BR", "body": []any{map[string]any{"value": "42"}}}})
		waitStatus(t, owner, tm["conversation_id"].(string), tm["id"].(string), "sent")

		// An opt-out that arrives while a message waits stops it.
		later := owner.must(202, "POST", "/api/v1/conversations/"+conv["id"].(string)+"/messages", map[string]any{"type": "text", "text": "amanhã",
			"send_at": time.Now().Add(800 * time.Millisecond).Format(time.RFC3339Nano)})
		postHook(e.anon(), "/webhooks/whatsapp_cloud/"+connID, "sec", fakegraph.MessageWebhook(g.PhoneNumberID(), "5511987654321", "Ana", "wamid.stop", "PARAR", time.Now()))
		f := waitStatus(t, owner, conv["id"].(string), later["id"].(string), "failed")
		if f["error_code"] != "opted_out" {
			t.Fatalf("opted-out send = %v", f)
		}
		if r := owner.do("POST", "/api/v1/conversations/"+conv["id"].(string)+"/messages", map[string]any{"type": "text", "text": "x"}); r.status != 422 || r.errCode(t) != "opted_out" {
			t.Fatalf("send to opted out: %d %s", r.status, r.body)
		}
		// A scheduled message can be cancelled until it leaves.
		sim := owner.must(201, "POST", "/api/v1/connections", map[string]any{"type": "simulator", "name": "S"})["id"].(string)
		q := owner.must(202, "POST", "/api/v1/messages", map[string]any{"connection_id": sim, "to": "+55 31 99876-0001", "type": "text", "text": "depois",
			"send_at": time.Now().Add(time.Hour).Format(time.RFC3339)})
		owner.must(204, "DELETE", "/api/v1/messages/"+q["id"].(string), nil)
		owner.must(404, "DELETE", "/api/v1/messages/"+q["id"].(string), nil)
		if r := owner.do("DELETE", "/api/v1/messages/"+tm["id"].(string), nil); r.status != 409 {
			t.Fatalf("cancel a sent message: %d", r.status)
		}
		owner.must(200, "PATCH", "/api/v1/connections/"+sim, map[string]any{"status": "disabled"})
		if r := owner.do("POST", "/api/v1/messages", map[string]any{"connection_id": sim, "to": "+55 31 99876-0001", "type": "text", "text": "x"}); r.status != 409 || r.errCode(t) != "connection_disabled" {
			t.Fatalf("disabled connection: %d %s", r.status, r.body)
		}
	})
}

// TestOutboxLanesAndRate: a reply overtakes queued campaign messages, and
// the connection's rate holds within 2% over a run.
func TestOutboxLanesAndRate(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		e := setup(t, d)
		owner, companyID := e.signup("Lane Co", "owner@lane.example")
		sim := owner.must(201, "POST", "/api/v1/connections", map[string]any{"type": "simulator", "name": "S",
			"config": map[string]any{"messages_per_second": 50, "burst": 1, "delivery_delay_ms": 60000}})["id"].(string)
		owner.must(202, "POST", "/api/v1/connections/"+sim+"/simulate", map[string]any{"from": "+5511987654321", "text": "oi"})
		conv := waitConversations(t, owner, url.Values{}, 1)[0].(map[string]any)
		contactID := conv["contact"].(map[string]any)["id"].(string)
		ctx := context.Background()
		const n = 251
		err := d.InTx(ctx, func(tx *db.Tx) error {
			for range n {
				if _, err := e.app.Outbox.Enqueue(ctx, tx, outbox.Message{CompanyID: companyID, ConnectionID: sim, ContactID: contactID,
					Lane: outbox.Campaigns, Source: "campaign", Out: channel.Outbound{Type: "text", Text: "promo"}}); err != nil {
					return err
				}
			}
			return nil
		})
		if err != nil {
			t.Fatal(err)
		}
		time.Sleep(300 * time.Millisecond)
		reply := owner.must(202, "POST", "/api/v1/conversations/"+conv["id"].(string)+"/messages", map[string]any{"type": "text", "text": "resposta"})
		// 251 at 50 per second take five seconds at best.
		eventuallyWithin(t, 20*time.Second, "every message sent", func() bool {
			return e.count("messages WHERE direction = 'outbound' AND status IN ('queued', 'sending')") == 0
		})
		// Times as the provider saw the calls: the Simulator's own "sent"
		// reports carry the moment each call reached it.
		eventually(t, "every sent report", func() bool {
			return e.count("message_statuses WHERE status = 'sent' AND message_id IS NOT NULL") == n+1
		})
		rows, err := d.Query(ctx, `SELECT m.id, m.lane, s.at FROM messages m JOIN message_statuses s ON s.message_id = m.id AND s.status = 'sent'
			WHERE m.direction = 'outbound' ORDER BY s.at`)
		if err != nil {
			t.Fatal(err)
		}
		var order []string
		var times []time.Time
		for rows.Next() {
			var id string
			var lane int
			var at db.Time
			rows.Scan(&id, &lane, &at)
			order = append(order, id)
			times = append(times, at.Time) // campaign sends and the reply: one slot each
		}
		rows.Close()
		pos := -1
		for i, id := range order {
			if id == reply["id"] {
				pos = i
			}
		}
		// About 15 campaign messages leave in the 300 ms before the reply
		// (one per 20 ms); it must go right after them and
		// the ones in flight, not after the other 230.
		if testing.Verbose() {
			var created, queuedAt db.Time
			d.QueryRow(ctx, `SELECT created_at, send_at FROM messages WHERE id = ?`, reply["id"]).Scan(&created, &queuedAt)
			t.Logf("reply created %s send_at %s; first campaign %s; pos %d", created.Format("05.000"), queuedAt.Format("05.000"), times[0].Format("05.000"), pos)
		}
		if pos < 0 || pos > 35 {
			t.Fatalf("the reply left in position %d of %d", pos, len(order))
		}
		sort.Slice(times, func(i, j int) bool { return times[i].Before(times[j]) })
		// A burst of one: a send every 20 ms, never two at once, so the run
		// measures the pace itself (a larger burst lets a stalled dispatcher
		// catch up, by design).
		steady := times[1:]
		// The rate is the slope of send time over send number, fitted by
		// least squares, so that the latency of single calls does not count.
		var xs, ys []float64
		for i, at := range steady {
			xs = append(xs, float64(i))
			ys = append(ys, at.Sub(steady[0]).Seconds())
		}
		rate := 1 / slope(xs, ys)
		span := ys[len(ys)-1]
		if testing.Verbose() {
			for i := 1; i < len(times); i++ {
				t.Logf("gap %d: %v", i, times[i].Sub(times[i-1]))
			}
		}
		t.Logf("measured %.2f messages/s over %.3fs", rate, span)
		if rate < 50*0.98 || rate > 50*1.02 {
			t.Fatalf("measured %.2f messages/s, set 50 (span %.3fs)", rate, span)
		}
	})
}

// TestOutboxReconcilesInterruptedSends: a row left in sending by a crash
// fails as interrupted when a dispatcher takes the connection, and is never
// sent again.
func TestOutboxReconcilesInterruptedSends(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		e := setup(t, d)
		owner, _ := e.signup("Crash Co", "owner@crash.example")
		sim := owner.must(201, "POST", "/api/v1/connections", map[string]any{"type": "simulator", "name": "S"})["id"].(string)
		m := owner.must(202, "POST", "/api/v1/messages", map[string]any{"connection_id": sim, "to": "+5511987654321", "type": "text", "text": "x",
			"send_at": time.Now().Add(time.Hour).Format(time.RFC3339)})
		owner.must(200, "PATCH", "/api/v1/connections/"+sim, map[string]any{"status": "disabled"})
		eventually(t, "the lease given back", func() bool { return e.count("connection_leases") == 0 })
		// As a crash mid-call leaves it:
		if _, err := d.Exec(context.Background(), `UPDATE messages SET status = 'sending', send_at = ? WHERE id = ?`, time.Now(), m["id"]); err != nil {
			t.Fatal(err)
		}
		owner.must(200, "PATCH", "/api/v1/connections/"+sim, map[string]any{"status": "active"})
		f := waitStatus(t, owner, m["conversation_id"].(string), m["id"].(string), "failed")
		if f["error_code"] != "send_interrupted" || f["provider_message_id"] != nil {
			t.Fatalf("reconciled = %v", f)
		}
	})
}

// slope is the least-squares slope of ys over xs.
func slope(xs, ys []float64) float64 {
	var mx, my float64
	for i := range xs {
		mx += xs[i]
		my += ys[i]
	}
	mx /= float64(len(xs))
	my /= float64(len(ys))
	var num, den float64
	for i := range xs {
		num += (xs[i] - mx) * (ys[i] - my)
		den += (xs[i] - mx) * (xs[i] - mx)
	}
	return num / den
}
