package httpapi_test

import (
	"context"
	"fmt"
	"net/url"
	"strings"
	"testing"
	"time"

	"encoding/json"

	"github.com/masteria/masteria/internal/campaigns"
	"github.com/masteria/masteria/internal/channel/whatsappcloud/fakegraph"
	"github.com/masteria/masteria/internal/store/db"
	"github.com/masteria/masteria/internal/store/dbtest"
)

func stats(c map[string]any) map[string]any { return c["stats"].(map[string]any) }

func waitCampaign(t *testing.T, c *client, id, status string, timeout time.Duration) map[string]any {
	t.Helper()
	deadline := time.Now().Add(timeout)
	for {
		got := c.must(200, "GET", "/api/v1/campaigns/"+id, nil)
		if got["status"] == status {
			return got
		}
		if time.Now().After(deadline) {
			t.Fatalf("campaign is %v (%v), want %s", got["status"], got["stats"], status)
		}
		time.Sleep(50 * time.Millisecond)
	}
}

// contactsCSV makes n contacts' rows with distinct numbers from base.
func contactsCSV(n, base int) string {
	var b strings.Builder
	b.WriteString("Nome;Telefone\n")
	for i := range n {
		fmt.Fprintf(&b, "Cliente %d;(11) 9%08d\n", i, base+i)
	}
	return b.String()
}

func recipientsOf(t *testing.T, c *client, id, status string) []any {
	t.Helper()
	var all []any
	cursor := ""
	for {
		q := url.Values{"limit": {"200"}, "status": {status}, "cursor": {cursor}}
		page := c.must(200, "GET", "/api/v1/campaigns/"+id+"/recipients?"+q.Encode(), nil)
		all = append(all, data(page)...)
		if cursor, _ = page["next_cursor"].(string); cursor == "" {
			return all
		}
	}
}

func TestCampaignSendsPersonalizedSkipsAndReports(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		e := setup(t, d)
		e.startJobs()
		owner, _ := e.signup("Promo Co", "owner@promo.example")
		sim := owner.must(201, "POST", "/api/v1/connections", map[string]any{"type": "simulator", "name": "Sim",
			"config": map[string]any{"delivery_delay_ms": 20}})["id"].(string)
		importCSV(t, owner, "Nome;Telefone\nMaria Silva;(11) 98000-0001\nJoão Souza;(11) 98000-0002\nAna Lima;(11) 98000-0003\n",
			map[string]any{"tags": []string{"clientes"}, "opt_in_source": "form", "opt_in_wording": "Aceito receber ofertas"})
		importCSV(t, owner, "Nome;Telefone\nSem Consentimento;(11) 98000-0004\nSaiu;(11) 98000-0005\n", map[string]any{"tags": []string{"clientes"}})
		out := data(owner.must(200, "GET", "/api/v1/contacts?q=Saiu", nil))[0].(map[string]any)
		owner.must(201, "POST", "/api/v1/contacts/"+out["id"].(string)+"/consent", map[string]any{"action": "opt_out", "source": "agent", "reason": "pediu"})

		// Bad input changes nothing.
		for _, bad := range []map[string]any{
			{"name": "", "connection_ids": []string{sim}, "audience": map[string]any{"tags": []string{"clientes"}}, "message": map[string]any{"type": "text", "text": "x"}},
			{"name": "x", "connection_ids": []string{}, "audience": map[string]any{"tags": []string{"clientes"}}, "message": map[string]any{"type": "text", "text": "x"}},
			{"name": "x", "connection_ids": []string{sim}, "audience": map[string]any{}, "message": map[string]any{"type": "text", "text": "x"}},
			{"name": "x", "connection_ids": []string{sim}, "audience": map[string]any{"tags": []string{"nao-existe"}}, "message": map[string]any{"type": "text", "text": "x"}},
			{"name": "x", "connection_ids": []string{sim}, "audience": map[string]any{"all": true}, "message": map[string]any{"type": "text", "text": " "}},
			{"name": "x", "connection_ids": []string{sim}, "audience": map[string]any{"all": true}, "message": map[string]any{"type": "template", "template": map[string]any{"name": "nope", "language": "pt_BR"}}},
			{"name": "x", "connection_ids": []string{sim}, "audience": map[string]any{"all": true}, "message": map[string]any{"type": "text", "text": "x"}, "rate_per_second": -1},
			{"name": "x", "connection_ids": []string{sim}, "audience": map[string]any{"all": true}, "message": map[string]any{"type": "text", "text": "x"},
				"schedule": map[string]any{"window": map[string]any{"days": []int{9}, "start": "09:00", "end": "18:00"}}},
		} {
			if r := owner.do("POST", "/api/v1/campaigns", bad); r.status != 422 {
				t.Errorf("%v: %d %s", bad, r.status, r.body)
			}
		}
		if n := len(data(owner.must(200, "GET", "/api/v1/campaigns", nil))); n != 0 {
			t.Fatalf("refused campaigns left %d rows", n)
		}

		count := owner.must(200, "POST", "/api/v1/campaigns/audience", map[string]any{"connection_ids": []string{sim},
			"audience": map[string]any{"tags": []string{"clientes"}}, "message": map[string]any{"type": "text", "text": "x"}})
		if count["total"] != float64(5) || count["opted_out"] != float64(1) || count["without_consent"] != float64(1) ||
			count["eligible"] != float64(3) || count["requires_opt_in"] != true {
			t.Fatalf("audience count = %v", count)
		}
		if r := owner.do("POST", "/api/v1/campaigns/x/test", map[string]any{"phone": "123"}); r.status != 404 {
			t.Fatalf("test on no campaign: %d", r.status)
		}
		c := owner.must(201, "POST", "/api/v1/campaigns", map[string]any{"name": "Black Friday", "connection_ids": []string{sim},
			"audience": map[string]any{"tags": []string{"clientes"}}, "message": map[string]any{"type": "text", "text": "Olá {{first_name}}, 20% off!"}})
		id := c["id"].(string)
		if c["status"] != "draft" || stats(c)["total"] != float64(0) {
			t.Fatalf("draft = %v", c)
		}
		owner.must(200, "PATCH", "/api/v1/campaigns/"+id, map[string]any{"name": "Black Friday 2026"})
		if r := owner.do("POST", "/api/v1/campaigns/"+id+"/test", map[string]any{"phone": "123"}); r.status != 422 {
			t.Fatalf("test to a bad number: %d %s", r.status, r.body)
		}
		test := owner.must(202, "POST", "/api/v1/campaigns/"+id+"/test", map[string]any{"phone": "+55 11 97777-0000"})
		if test["text"] != "Olá , 20% off!" && !strings.HasPrefix(test["text"].(string), "Olá") {
			t.Fatalf("test send = %v", test["text"])
		}

		started := owner.must(200, "POST", "/api/v1/campaigns/"+id+"/start", nil)
		if st := stats(started); st["total"] != float64(5) || st["skipped"] != float64(2) {
			t.Fatalf("started stats = %v", st)
		}
		if r := owner.do("PATCH", "/api/v1/campaigns/"+id, map[string]any{"name": "y"}); r.status != 409 || r.errCode(t) != "not_draft" {
			t.Fatalf("edit after start: %d %s", r.status, r.body)
		}
		done := waitCampaign(t, owner, id, "completed", 15*time.Second)
		if st := stats(done); st["pending"] != float64(0) || st["queued"] != float64(0) || st["failed"] != float64(0) {
			t.Fatalf("completed stats = %v", st)
		}
		skipped := map[string]string{}
		for _, r := range recipientsOf(t, owner, id, "skipped") {
			r := r.(map[string]any)
			skipped[r["phone"].(string)] = r["error_code"].(string)
		}
		if skipped["+5511980000004"] != "no_consent" || skipped["+5511980000005"] != "opted_out" || len(skipped) != 2 {
			t.Fatalf("skipped = %v", skipped)
		}
		// Each recipient got their own text, once; the Simulator reads it.
		eventually(t, "every message read", func() bool {
			return len(recipientsOf(t, owner, id, "read")) == 3
		})
		for _, r := range recipientsOf(t, owner, id, "read") {
			r := r.(map[string]any)
			msgs := messagesOf(t, owner, r["conversation_id"].(string))
			if len(msgs) != 1 {
				t.Fatalf("%s got %d messages", r["phone"], len(msgs))
			}
			text := msgs[0].(map[string]any)["text"].(string)
			if r["phone"] == "+5511980000001" && text != "Olá Maria, 20% off!" {
				t.Fatalf("personalized text = %q", text)
			}
		}

		// A reply marks the recipient, and the finished campaign's live
		// counters still move.
		ws, _, err := dialEvents(t, e, owner, "", nil)
		if err != nil {
			t.Fatal(err)
		}
		defer ws.CloseNow()
		simulate(t, owner, sim, "+5511980000002", "Quero!")
		eventually(t, "the reply", func() bool { return len(recipientsOf(t, owner, id, "replied")) == 1 })
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		defer cancel()
		for {
			_, b, err := ws.Read(ctx)
			if err != nil {
				t.Fatalf("no campaign.progress after the campaign ended: %v", err)
			}
			var ev liveEvent
			_ = json.Unmarshal(b, &ev)
			if ev.Type == "campaign.progress" && ev.Data["status"] == "completed" &&
				ev.Data["stats"].(map[string]any)["replied"] == float64(1) {
				break
			}
		}

		// The report has everyone.
		rep := owner.raw("GET", "/api/v1/campaigns/"+id+"/report.csv", nil, nil)
		if rep.status != 200 || strings.Count(string(rep.body), "\n") != 6 || !strings.Contains(string(rep.body), "replied") ||
			!strings.Contains(string(rep.body), "no_consent") {
			t.Fatalf("report: %d\n%s", rep.status, rep.body)
		}
		// The report's funnel and groups agree with the stats.
		report := owner.must(200, "GET", "/api/v1/campaigns/"+id+"/report", nil)
		funnel := report["funnel"].(map[string]any)
		if funnel["targeted"] != float64(5) || funnel["sent"] != float64(3) || funnel["replied"] != float64(1) || funnel["skipped"] != float64(2) {
			t.Fatalf("funnel = %v", funnel)
		}
		skips := report["skips"].([]any)
		if len(skips) != 2 || skips[0].(map[string]any)["meaning"] == "" {
			t.Fatalf("skips = %v", skips)
		}
		if conns := report["connections"].([]any); len(conns) != 1 || conns[0].(map[string]any)["name"] != "Sim" {
			t.Fatalf("connections = %v", conns)
		}
		if tl := report["timeline"].([]any); len(tl) == 0 {
			t.Fatal("no timeline")
		}

		// Duplicate makes a new draft; the finished one can be deleted.
		dup := owner.must(201, "POST", "/api/v1/campaigns/"+id+"/duplicate", nil)
		if dup["status"] != "draft" || dup["id"] == id || !strings.Contains(dup["name"].(string), "Black Friday 2026") {
			t.Fatalf("duplicate = %v", dup)
		}
		// Erasing a contact takes its recipient row (its phone number) with
		// it; deleting the finished campaign takes the rest. On PostgreSQL
		// the second is a trigger on campaigns, not a foreign key (0010).
		bg := context.Background()
		recipients := func() int {
			var n int
			if err := d.QueryRow(bg, `SELECT count(*) FROM campaign_recipients WHERE campaign_id = ?`, id).Scan(&n); err != nil {
				t.Fatal(err)
			}
			return n
		}
		owner.must(204, "DELETE", "/api/v1/contacts/"+out["id"].(string), nil)
		if n := recipients(); n != 4 {
			t.Fatalf("%d recipients after erasing one of 5", n)
		}
		owner.must(204, "DELETE", "/api/v1/campaigns/"+id, nil)
		if n := recipients(); n != 0 {
			t.Fatalf("%d recipients left after deleting their campaign", n)
		}
	})
}

func TestCampaignPauseResumeCancelAndRate(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		e := setup(t, d)
		e.startJobs()
		owner, _ := e.signup("Pausa Co", "owner@pausa.example")
		owner.must(200, "PATCH", "/api/v1/company", map[string]any{"campaigns_require_opt_in": false})
		simA := owner.must(201, "POST", "/api/v1/connections", map[string]any{"type": "simulator", "name": "A"})["id"].(string)
		simB := owner.must(201, "POST", "/api/v1/connections", map[string]any{"type": "simulator", "name": "B"})["id"].(string)
		importCSV(t, owner, contactsCSV(120, 10000001), map[string]any{"tags": []string{"lista"}})
		body := map[string]any{"name": "Lenta", "connection_ids": []string{simA, simB}, "rate_per_second": 10,
			"audience": map[string]any{"tags": []string{"lista"}}, "message": map[string]any{"type": "text", "text": "Oi {{name}}",
				"variations": []string{"Olá {{name}}", "E aí {{name}}"}}}
		id := owner.must(201, "POST", "/api/v1/campaigns", body)["id"].(string)
		owner.must(200, "POST", "/api/v1/campaigns/"+id+"/start", nil)
		time.Sleep(time.Second)
		paused := owner.must(200, "POST", "/api/v1/campaigns/"+id+"/pause", nil)
		if paused["status"] != "paused" {
			t.Fatalf("paused = %v", paused["status"])
		}
		// Whatever the dispatchers had already taken finishes; then nothing
		// more leaves (delivery reports still arrive for what left).
		left := func(st map[string]any) float64 {
			return st["sent"].(float64) + st["delivered"].(float64) + st["read"].(float64) + st["failed"].(float64)
		}
		time.Sleep(500 * time.Millisecond)
		before := stats(owner.must(200, "GET", "/api/v1/campaigns/"+id, nil))
		time.Sleep(700 * time.Millisecond)
		after := stats(owner.must(200, "GET", "/api/v1/campaigns/"+id, nil))
		if left(before) != left(after) || after["pending"] != before["pending"] || after["pending"] == float64(0) || after["queued"] != float64(0) {
			t.Fatalf("paused campaign moved or emptied: %v → %v", before, after)
		}
		// Its own rate, per connection: 10 per second each (a second's
		// burst, then the pace) for the second or so it ran: never more;
		// fewer on a slow machine.
		if n := left(after); n == 0 || n > 50 {
			t.Fatalf("%v sent in about a second at 10/s on two numbers", n)
		}
		owner.must(200, "POST", "/api/v1/campaigns/"+id+"/resume", nil)
		waitCampaign(t, owner, id, "completed", 30*time.Second)
		// Rotation: both numbers sent, about half each; every recipient once.
		per := map[string]int{}
		for _, r := range recipientsOf(t, owner, id, "") {
			r := r.(map[string]any)
			per[r["connection_id"].(string)]++
			if r["status"] == "failed" || r["status"] == "pending" {
				t.Fatalf("recipient %v", r)
			}
		}
		if per[simA] != 60 || per[simB] != 60 {
			t.Fatalf("rotation = %v", per)
		}
		var msgs int
		if err := d.QueryRow(t.Context(), `SELECT count(*) FROM messages WHERE source = 'campaign'`).Scan(&msgs); err != nil || msgs != 120 {
			t.Fatalf("%d campaign messages (%v), want 120", msgs, err)
		}

		// Cancel: what was not sent is skipped with the reason.
		id2 := owner.must(201, "POST", "/api/v1/campaigns", body)["id"].(string)
		owner.must(200, "POST", "/api/v1/campaigns/"+id2+"/start", nil)
		time.Sleep(300 * time.Millisecond)
		owner.must(200, "POST", "/api/v1/campaigns/"+id2+"/cancel", nil)
		// Sends a dispatcher had already taken finish; nothing else leaves.
		var st map[string]any
		eventually(t, "the canceled campaign to settle", func() bool {
			st = stats(owner.must(200, "GET", "/api/v1/campaigns/"+id2, nil))
			return st["queued"] == float64(0)
		})
		if st["skipped"] == float64(0) || st["pending"] != float64(0) || st["total"] != float64(120) || st["skipped"].(float64) < 60 {
			t.Fatalf("canceled stats = %v", st)
		}
		for _, r := range recipientsOf(t, owner, id2, "skipped")[:1] {
			if r.(map[string]any)["error_code"] != "canceled" {
				t.Fatalf("skipped = %v", r)
			}
		}
		if r := owner.do("POST", "/api/v1/campaigns/"+id2+"/resume", nil); r.status != 409 {
			t.Fatalf("resume canceled: %d", r.status)
		}
	})
}

func TestCampaignRefusesTextOnCloud(t *testing.T) {
	e := setup(t, dbtest.SQLite(t))
	owner, _ := e.signup("Cloud Co", "owner@cloudc.example")
	cloud := owner.must(201, "POST", "/api/v1/connections", map[string]any{"type": "whatsapp_cloud", "name": "C",
		"config": map[string]any{"phone_number_id": "1111111111", "waba_id": "2222222222", "access_token": "t", "app_secret": "s"}})["id"].(string)
	r := owner.do("POST", "/api/v1/campaigns", map[string]any{"name": "x", "connection_ids": []string{cloud},
		"audience": map[string]any{"all": true}, "message": map[string]any{"type": "text", "text": "oi"}})
	if r.status != 422 || !strings.Contains(string(r.body), "template_required") {
		t.Fatalf("text on Cloud: %d %s", r.status, r.body)
	}
}

func TestSendingWindow(t *testing.T) {
	w := campaigns.Window{Days: []int{1, 2, 3, 4, 5, 6}, Start: "09:00", End: "20:00"}
	night := campaigns.Window{Days: []int{0, 1, 2, 3, 4, 5, 6}, Start: "22:00", End: "06:00"}
	at := func(s string) time.Time {
		tm, err := time.Parse(time.RFC3339, s)
		if err != nil {
			t.Fatal(err)
		}
		return tm
	}
	for _, c := range []struct {
		w    campaigns.Window
		at   string
		zone string
		want bool
	}{
		{w, "2026-11-25T12:00:00Z", "America/Sao_Paulo", true},     // Wednesday 09:00 in São Paulo
		{w, "2026-11-25T11:59:00Z", "America/Sao_Paulo", false},    // 08:59
		{w, "2026-11-25T23:00:00Z", "America/Sao_Paulo", false},    // 20:00: the end is open
		{w, "2026-11-29T15:00:00Z", "America/Sao_Paulo", false},    // Sunday
		{w, "2026-11-28T15:00:00Z", "America/Sao_Paulo", true},     // Saturday noon
		{night, "2026-11-26T02:00:00Z", "America/Sao_Paulo", true}, // 23:00
		{night, "2026-11-26T08:59:00Z", "America/Sao_Paulo", true}, // 05:59
		{night, "2026-11-26T15:00:00Z", "America/Sao_Paulo", false},
	} {
		if got := campaigns.InWindow(c.w, at(c.at), c.zone); got != c.want {
			t.Errorf("%v at %s: %v, want %v", c.w, c.at, got, c.want)
		}
	}
}

// TestCampaignTemplateOnCloudAndStopRules sends a template campaign through
// the fake Graph API with per-recipient variables, then shows Meta's spam
// limit (131048) pausing a campaign by itself, and a failure ratio over the
// threshold doing the same.
func TestCampaignTemplateOnCloudAndStopRules(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		g := fakegraph.New(t)
		g.AddTemplate(fakegraph.Template{Name: "aviso", Language: "pt_BR", Category: "UTILITY",
			Components: json.RawMessage(`[{"type":"BODY","text":"Olá {{1}}, pedido {{2}}."}]`)})
		e := setup(t, d, withGraph(g.URL()))
		e.startJobs()
		owner, _ := e.signup("Meta Co", "owner@meta.example")
		cfg := cloudConfig(g, "sec")
		cfg["messages_per_second"] = 200
		conn := owner.must(201, "POST", "/api/v1/connections", map[string]any{"type": "whatsapp_cloud", "name": "Loja", "config": cfg})["id"].(string)
		owner.must(200, "POST", "/api/v1/connections/"+conn+"/templates/sync", nil)
		importCSV(t, owner, contactsCSV(40, 30000001), map[string]any{"tags": []string{"pedidos"}})
		tpl := map[string]any{"type": "template", "template": map[string]any{"name": "aviso", "language": "pt_BR",
			"variables": map[string]any{"1": map[string]any{"field": "first_name"}, "2": map[string]any{"value": "A-1"}}}}
		body := map[string]any{"name": "Aviso", "connection_ids": []string{conn}, "audience": map[string]any{"tags": []string{"pedidos"}}, "message": tpl}
		if r := owner.do("POST", "/api/v1/campaigns", map[string]any{"name": "x", "connection_ids": []string{conn}, "audience": map[string]any{"all": true},
			"message": map[string]any{"type": "template", "template": map[string]any{"name": "aviso", "language": "pt_BR",
				"variables": map[string]any{"1": map[string]any{"field": "name"}}}}}); r.status != 422 || !strings.Contains(string(r.body), "template_variables_mismatch") {
			t.Fatalf("one value for two variables: %d %s", r.status, r.body)
		}

		id := owner.must(201, "POST", "/api/v1/campaigns", body)["id"].(string)
		owner.must(200, "POST", "/api/v1/campaigns/"+id+"/start", nil)
		waitCampaign(t, owner, id, "completed", 20*time.Second)
		var sample string
		for _, s := range g.Sent() {
			if strings.Contains(string(s.Body), "5511930000001") {
				sample = string(s.Body)
			}
		}
		if len(g.Sent()) != 40 || !strings.Contains(sample, `"Cliente"`) || !strings.Contains(sample, `"A-1"`) {
			t.Fatalf("%d sent; one was %s", len(g.Sent()), sample)
		}

		// Meta's spam limit pauses at once.
		g.Reset()
		g.FailTo("5511930000005", 131048)
		id2 := owner.must(201, "POST", "/api/v1/campaigns", body)["id"].(string)
		owner.must(200, "PATCH", "/api/v1/campaigns/"+id2, map[string]any{"rate_per_second": 2})
		owner.must(200, "POST", "/api/v1/campaigns/"+id2+"/start", nil)
		paused := waitCampaign(t, owner, id2, "paused", 20*time.Second)
		if paused["status_reason"] != "spam_rate_limit" || stats(paused)["pending"] == float64(0) {
			t.Fatalf("paused = %v %v", paused["status_reason"], stats(paused))
		}
		g.FailTo("5511930000005", 0)
		owner.must(200, "POST", "/api/v1/campaigns/"+id2+"/cancel", nil)

		// Too many failures over the last sends pause too.
		for i := range 40 {
			g.FailTo(fmt.Sprintf("55119300%05d", 1+i), 131026)
		}
		id3 := owner.must(201, "POST", "/api/v1/campaigns", body)["id"].(string)
		owner.must(200, "PATCH", "/api/v1/campaigns/"+id3, map[string]any{"stop_rules": map[string]any{"failure_ratio": 0.5, "over_last": 10}})
		owner.must(200, "POST", "/api/v1/campaigns/"+id3+"/start", nil)
		if p := waitCampaign(t, owner, id3, "paused", 20*time.Second); p["status_reason"] != "failure_ratio" {
			t.Fatalf("paused for %v", p["status_reason"])
		}
		f := recipientsOf(t, owner, id3, "failed")
		if len(f) == 0 || f[0].(map[string]any)["error_code"] != "131026" || f[0].(map[string]any)["error_reason"] == "" {
			t.Fatalf("failed = %v", f)
		}
	})
}
