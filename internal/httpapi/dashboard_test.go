package httpapi_test

import (
	"encoding/json"
	"net/url"
	"testing"
	"time"

	"github.com/masteria/masteria/internal/store/db"
	"github.com/masteria/masteria/internal/store/dbtest"
)

// TestDashboardMatchesCampaignReportAndInbox runs a campaign on the
// Simulator (three recipients who read it, one undeliverable number), has a
// customer write and an agent answer and resolve, and checks the dashboard
// through the API: its sent, delivered, read and failures by code equal the
// campaign report's, and the conversation shows up in the times.
func TestDashboardMatchesCampaignReportAndInbox(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		e := setup(t, d)
		e.startJobs()
		owner, _ := e.signup("Painel Co", "owner@painel.example")
		agent, agentID := e.invite(owner, "agent@painel.example", "agent")
		sim := owner.must(201, "POST", "/api/v1/connections", map[string]any{"type": "simulator", "name": "Sim",
			"config": map[string]any{"delivery_delay_ms": 20}})["id"].(string)
		// The Simulator fails numbers ending in 0000 with Meta's 131026.
		importCSV(t, owner, "Nome;Telefone\nMaria;(11) 98000-0001\nJoão;(11) 98000-0002\nAna;(11) 98000-0003\nSem Número;(11) 98000-0000\n",
			map[string]any{"tags": []string{"clientes"}, "opt_in_source": "form", "opt_in_wording": "Aceito"})
		c := owner.must(201, "POST", "/api/v1/campaigns", map[string]any{"name": "Natal", "connection_ids": []string{sim},
			"audience": map[string]any{"tags": []string{"clientes"}}, "message": map[string]any{"type": "text", "text": "Feliz Natal!"}})
		id := c["id"].(string)
		owner.must(200, "POST", "/api/v1/campaigns/"+id+"/start", nil)
		waitCampaign(t, owner, id, "completed", 15*time.Second)
		eventually(t, "three read and one failed", func() bool {
			st := stats(owner.must(200, "GET", "/api/v1/campaigns/"+id, nil))
			return st["read"] == float64(3) && st["failed"] == float64(1)
		})

		loc, _ := time.LoadLocation("America/Sao_Paulo")
		today := time.Now().In(loc)
		// A day either side, so that a run across midnight still covers it.
		period := url.Values{"from": {today.AddDate(0, 0, -1).Format("2006-01-02")}, "to": {today.AddDate(0, 0, 1).Format("2006-01-02")},
			"connection_id": {sim}}
		dash := owner.must(200, "GET", "/api/v1/dashboard?"+period.Encode(), nil)
		report := owner.must(200, "GET", "/api/v1/campaigns/"+id+"/report", nil)
		funnel := report["funnel"].(map[string]any)
		totals := dash["totals"].(map[string]any)
		for _, k := range []string{"sent", "delivered", "read", "failed"} {
			if totals[k] != funnel[k] {
				t.Errorf("%s: dashboard %v, campaign report %v", k, totals[k], funnel[k])
			}
		}
		if totals["sent"] != float64(3) || totals["failed"] != float64(1) || dash["delivery_rate"] != float64(1) || dash["read_rate"] != float64(1) {
			t.Fatalf("totals = %v, rates %v %v", totals, dash["delivery_rate"], dash["read_rate"])
		}
		sameJSON(t, "failures", dash["failures"], report["failures"])
		if f := dash["failures"].([]any); len(f) != 1 || f[0].(map[string]any)["code"] != "131026" || f[0].(map[string]any)["meaning"] == "" {
			t.Fatalf("failures = %v", f)
		}
		days := dash["days"].([]any)
		sentToday := days[1].(map[string]any)["sent"].(map[string]any)["simulator"]
		if len(days) != 3 || sentToday != float64(3) {
			t.Fatalf("days = %v", days)
		}

		// A customer writes, the agent answers and resolves.
		conv := simulate(t, owner, sim, "+5511970001234", "Oi, preciso de ajuda")
		convID := conv["id"].(string)
		owner.must(200, "PATCH", "/api/v1/conversations/"+convID, map[string]any{"assignee_id": agentID})
		agent.must(202, "POST", "/api/v1/conversations/"+convID+"/messages", map[string]any{"type": "text", "text": "Olá! Como posso ajudar?"})
		agent.must(200, "PATCH", "/api/v1/conversations/"+convID, map[string]any{"status": "resolved"})
		// The answer leaves through the outbox a moment later.
		eventually(t, "the answer sent", func() bool {
			dash = agent.must(200, "GET", "/api/v1/dashboard?"+period.Encode(), nil)
			return dash["totals"].(map[string]any)["sent"] == float64(4)
		})
		fr := dash["first_response"].(map[string]any)
		res := dash["resolution"].(map[string]any)
		if fr["overall"].(map[string]any)["count"] != float64(1) || len(fr["agents"].([]any)) != 1 ||
			fr["agents"].([]any)[0].(map[string]any)["name"] == "" || res["overall"].(map[string]any)["count"] != float64(1) {
			t.Fatalf("first response %v, resolution %v", fr, res)
		}
		if tot := dash["totals"].(map[string]any); tot["received"] != float64(1) {
			t.Fatalf("after the conversation: %v", tot)
		}
	})
}

// sameJSON compares two decoded JSON values.
func sameJSON(t *testing.T, what string, got, want any) {
	t.Helper()
	g, _ := json.Marshal(got)
	w, _ := json.Marshal(want)
	if string(g) != string(w) {
		t.Errorf("%s:\n got %s\nwant %s", what, g, w)
	}
}

// TestDashboardRefusesBadInput: every wrong query gets the error envelope.
func TestDashboardRefusesBadInput(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		e := setup(t, d)
		owner, _ := e.signup("Painel Co", "owner@painel.example")
		other, _ := e.signup("Outra Co", "owner@outra.example")
		foreign := other.must(201, "POST", "/api/v1/connections", map[string]any{"type": "simulator", "name": "Deles"})["id"].(string)
		for _, tt := range []struct {
			query  string
			status int
			code   string
		}{
			{"from=ontem", 400, "invalid_date"},
			{"from=2026-11-01&to=2026-11-31", 400, "invalid_date"},
			{"from=2026-11-02&to=2026-11-01", 422, "validation_failed"},
			{"from=2025-01-01&to=2026-01-02", 422, "validation_failed"},
			{"connection_id=" + foreign, 404, "not_found"},
			{"connection_id=nada", 404, "not_found"},
		} {
			r := owner.do("GET", "/api/v1/dashboard?"+tt.query, nil)
			if r.status != tt.status || r.errCode(t) != tt.code {
				t.Errorf("%s: %d %s, want %d %s", tt.query, r.status, r.body, tt.status, tt.code)
			}
		}
		dash := owner.must(200, "GET", "/api/v1/dashboard", nil)
		if len(dash["days"].([]any)) != 7 || dash["time_zone"] != "America/Sao_Paulo" || dash["delivery_rate"] != nil ||
			len(dash["campaigns"].([]any)) != 0 || len(dash["channels"].([]any)) != 0 {
			t.Fatalf("empty dashboard = %v", dash)
		}
	})
}
