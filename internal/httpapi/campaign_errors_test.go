package httpapi_test

import (
	"encoding/json"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/masteria/masteria/internal/channel/whatsappcloud/fakegraph"
	"github.com/masteria/masteria/internal/store/db"
	"github.com/masteria/masteria/internal/store/dbtest"
)

// Every Meta error code of the table in shared/META.md drives its action
// at campaign level: the fake Graph API refuses one recipient's first send
// with the code, and the campaign retries, backs off, fails for good,
// records the marketing opt-out or holds the number, as the table says.
func TestCampaignMetaErrorActions(t *testing.T) {
	const (
		retried = "retried: sent on the second try"
		waits   = "waits: tried again after the provider's hint"
		failed  = "failed: never tried again"
		optOut  = "failed, and the marketing opt-out is recorded"
	)
	cases := []struct {
		code   int
		action string
	}{
		{130429, retried}, {80007, retried}, {4, retried},
		{131056, retried}, // back off this recipient only, a few seconds
		{131057, waits},   // maintenance: about a minute
		{131047, failed},  // needs a template: never re-sent as is
		{131026, failed}, {131049, failed},
		{131050, optOut},
		{131064, failed}, {132000, failed}, {132001, failed}, {132005, failed}, {132007, failed},
		{132012, failed}, {132015, failed}, {132016, failed}, {100, failed},
	}
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		g := fakegraph.New(t)
		g.AddTemplate(fakegraph.Template{Name: "aviso", Language: "pt_BR", Category: "UTILITY",
			Components: json.RawMessage(`[{"type":"BODY","text":"Olá {{1}}."}]`)})
		e := setup(t, d, withGraph(g.URL()))
		e.startJobs()
		owner, _ := e.signup("Erros Co", "owner@erros.example")
		owner.must(200, "PATCH", "/api/v1/company", map[string]any{"campaigns_require_opt_in": false})
		cfg := cloudConfig(g, "sec")
		cfg["messages_per_second"] = 200
		conn := owner.must(201, "POST", "/api/v1/connections", map[string]any{"type": "whatsapp_cloud", "name": "Loja", "config": cfg})["id"].(string)
		owner.must(200, "POST", "/api/v1/connections/"+conn+"/templates/sync", nil)
		importCSV(t, owner, contactsCSV(len(cases)+3, 70000001), map[string]any{"tags": []string{"erros"}})
		importCSV(t, owner, contactsCSV(3, 71000001), map[string]any{"tags": []string{"token"}})
		phone := func(i int) string { return fmt.Sprintf("55119%08d", 70000001+i) }
		for i, c := range cases {
			g.FailToTimes(phone(i), c.code, 1)
		}
		campaign := func(tag string) string {
			return owner.must(201, "POST", "/api/v1/campaigns", map[string]any{"name": "Erros " + tag, "connection_ids": []string{conn},
				"audience": map[string]any{"tags": []string{tag}}, "stop_rules": map[string]any{"failure_ratio": 1},
				"message": map[string]any{"type": "template", "template": map[string]any{"name": "aviso", "language": "pt_BR",
					"variables": map[string]any{"1": map[string]any{"field": "first_name"}}}}})["id"].(string)
		}
		id := campaign("erros")
		owner.must(200, "POST", "/api/v1/campaigns/"+id+"/start", nil)
		id2 := ""

		tries := func(p string) int {
			n := 0
			for _, r := range g.Requests() {
				if strings.HasSuffix(r.Path, "/messages") && strings.Contains(string(r.Body), `"`+p+`"`) {
					n++
				}
			}
			return n
		}
		byPhone := func() map[string]map[string]any {
			out := map[string]map[string]any{}
			rs := recipientsOf(t, owner, id, "")
			if id2 != "" {
				rs = append(rs, recipientsOf(t, owner, id2, "")...)
			}
			for _, r := range rs {
				r := r.(map[string]any)
				out[strings.TrimPrefix(r["phone"].(string), "+")] = r
			}
			return out
		}
		settled := func(r map[string]any, action string) bool {
			switch action {
			case retried:
				return r["status"] == "sent" || r["status"] == "delivered" || r["status"] == "read"
			case failed, optOut:
				return r["status"] == "failed"
			}
			return r["status"] == "queued" // waits, attention
		}
		deadline := time.Now().Add(30 * time.Second)
		for {
			all, done := byPhone(), true
			for i, c := range cases {
				if !settled(all[phone(i)], c.action) {
					done = false
				}
			}
			if done {
				break
			}
			if time.Now().After(deadline) {
				for i, c := range cases {
					t.Logf("%d (%s): %v", c.code, c.action, all[phone(i)])
				}
				t.Fatal("recipients did not settle")
			}
			time.Sleep(100 * time.Millisecond)
		}
		time.Sleep(300 * time.Millisecond) // a retry that should not happen would show by now
		all := byPhone()
		for i, c := range cases {
			r, p := all[phone(i)], phone(i)
			switch c.action {
			case retried:
				if n := tries(p); n != 2 {
					t.Errorf("%d: %d calls, want the refused one and one retry", c.code, n)
				}
			case waits:
				var at db.Time
				if err := d.QueryRow(t.Context(), `SELECT send_at FROM messages WHERE id = ?`, r["message_id"]).Scan(&at); err != nil {
					t.Fatal(err)
				}
				if wait := time.Until(at.Time); wait < 40*time.Second || tries(p) != 1 {
					t.Errorf("%d: next try in %v after %d calls, want about a minute after one", c.code, wait, tries(p))
				}
			case failed, optOut:
				if r["error_code"] != fmt.Sprint(c.code) || r["error_reason"] == "" || tries(p) != 1 {
					t.Errorf("%d: %v after %d calls", c.code, r, tries(p))
				}
			}
			if c.action == optOut {
				contact := owner.must(200, "GET", "/api/v1/contacts/"+r["contact_id"].(string)+"/consent", nil)
				if l := data(contact); len(l) == 0 || l[0].(map[string]any)["action"] != "opt_out" {
					t.Errorf("131050: consent ledger %v", l)
				}
			}
		}
		// The three recipients with no failure went through.
		for i := len(cases); i < len(cases)+3; i++ {
			if st := all[phone(i)]["status"]; st != "sent" && st != "delivered" && st != "read" {
				t.Errorf("clean recipient %s is %v", phone(i), st)
			}
		}

		// 190: the token no longer works. The connection needs attention and
		// holds every message, which is not failed; once the connection
		// works again (its test clears the mark) they go.
		token := func(i int) string { return fmt.Sprintf("55119%08d", 71000001+i) }
		g.FailToTimes(token(0), 190, 1)
		id2 = campaign("token")
		owner.must(200, "POST", "/api/v1/campaigns/"+id2+"/start", nil)
		deadline = time.Now().Add(15 * time.Second)
		for owner.must(200, "GET", "/api/v1/connections/"+conn, nil)["status"] != "needs_attention" {
			if time.Now().After(deadline) {
				t.Fatal("190 did not mark the connection")
			}
			time.Sleep(50 * time.Millisecond)
		}
		time.Sleep(300 * time.Millisecond)
		if n := tries(token(0)); n != 1 {
			t.Fatalf("190: %d calls while the connection needs attention", n)
		}
		for i := range 3 {
			if st := byPhone()[token(i)]["status"]; st == "failed" || st == "skipped" {
				t.Fatalf("190: recipient %d is %v, want held", i, st)
			}
		}
		owner.must(200, "POST", "/api/v1/connections/"+conn+"/test", nil)
		waitCampaign(t, owner, id2, "completed", 15*time.Second)
		for i := range 3 {
			if r := byPhone()[token(i)]; !settled(r, retried) {
				t.Fatalf("190: recipient %d is %v after the connection was fixed", i, r)
			}
		}
	})
}
