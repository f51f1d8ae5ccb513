package httpapi_test

import (
	"context"
	"encoding/json"
	"fmt"
	"net/url"
	"slices"
	"testing"
	"time"

	"github.com/masteria/masteria/internal/store/db"
	"github.com/masteria/masteria/internal/store/dbtest"
)

// TestDashboardCountersMatchMessages drives a realistic mix of writes
// through the real paths — a campaign (sent, delivered, read, one failed by
// the provider), customers writing, agents answering (one answer scheduled
// and cancelled first), a note, a contact erased with its conversation, a
// connection deleted with its traffic — and checks that the dashboard, read
// from the counters and stamps the triggers keep (migration 0012), equals a
// direct count over the messages table, before and after the deltas are
// folded (PostgreSQL), for every connection and for one.
func TestDashboardCountersMatchMessages(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		e := setup(t, d)
		e.startJobs()
		owner, companyID := e.signup("Painel Co", "owner@painel.example")
		agent, _ := e.invite(owner, "agent@painel.example", "agent")
		mkSim := func(name string) string {
			return owner.must(201, "POST", "/api/v1/connections", map[string]any{"type": "simulator", "name": name,
				"config": map[string]any{"delivery_delay_ms": 20}})["id"].(string)
		}
		sim, spare := mkSim("Sim"), mkSim("Reserva")

		importCSV(t, owner, "Nome;Telefone\nMaria;(11) 98000-0001\nJoão;(11) 98000-0002\nAna;(11) 98000-0003\nSem Número;(11) 98000-0000\n",
			map[string]any{"tags": []string{"clientes"}, "opt_in_source": "form", "opt_in_wording": "Aceito"})
		c := owner.must(201, "POST", "/api/v1/campaigns", map[string]any{"name": "Natal", "connection_ids": []string{sim},
			"audience": map[string]any{"tags": []string{"clientes"}}, "message": map[string]any{"type": "text", "text": "Feliz Natal!"}})
		campaign := c["id"].(string)
		owner.must(200, "POST", "/api/v1/campaigns/"+campaign+"/start", nil)
		waitCampaign(t, owner, campaign, "completed", 15*time.Second)

		// Customers write; the agent answers two of them, the first after
		// cancelling an answer scheduled for later, and leaves a note.
		conv1 := simulate(t, owner, sim, "+5511970001111", "Oi, preciso de ajuda")["id"].(string)
		conv2 := simulate(t, owner, sim, "+5511970002222", "Bom dia")["id"].(string)
		conv3 := simulate(t, owner, sim, "+5511970003333", "Alguém aí?")["id"].(string)
		later := agent.must(202, "POST", "/api/v1/conversations/"+conv1+"/messages", map[string]any{"type": "text", "text": "amanhã",
			"send_at": time.Now().Add(time.Hour).Format(time.RFC3339)})
		agent.must(204, "DELETE", "/api/v1/messages/"+later["id"].(string), nil)
		agent.must(201, "POST", "/api/v1/conversations/"+conv1+"/messages", map[string]any{"type": "note", "text": "Cliente VIP"})
		agent.must(202, "POST", "/api/v1/conversations/"+conv1+"/messages", map[string]any{"type": "text", "text": "Olá! Como posso ajudar?"})
		owner.must(202, "POST", "/api/v1/conversations/"+conv2+"/messages", map[string]any{"type": "text", "text": "Bom dia!"})
		agent.must(202, "POST", "/api/v1/conversations/"+conv3+"/messages", map[string]any{"type": "text", "text": "Sim, diga"})
		// The third customer is erased, with the conversation and its
		// messages; the spare connection's traffic outlives it.
		simulate(t, owner, spare, "+5511970004444", "Pela outra linha")
		eventually(t, "answers and reports settled", func() bool {
			var left int
			if err := d.QueryRow(context.Background(), `SELECT count(*) FROM messages WHERE company_id = ? AND direction = 'outbound'
				AND status IN ('queued', 'sending', 'sent', 'delivered')`, companyID).Scan(&left); err != nil {
				t.Fatal(err)
			}
			return left == 0
		})
		var contact3 string
		if err := d.QueryRow(context.Background(), `SELECT contact_id FROM conversations WHERE id = ?`, conv3).Scan(&contact3); err != nil {
			t.Fatal(err)
		}
		owner.must(204, "DELETE", "/api/v1/contacts/"+contact3, nil)
		owner.must(204, "DELETE", "/api/v1/connections/"+spare, nil)

		loc, _ := time.LoadLocation("America/Sao_Paulo")
		today := time.Now().In(loc)
		from, to := today.AddDate(0, 0, -1).Format("2006-01-02"), today.AddDate(0, 0, 1).Format("2006-01-02")
		check := func(when string) {
			for _, conn := range []string{"", sim} {
				q := url.Values{"from": {from}, "to": {to}}
				if conn != "" {
					q.Set("connection_id", conn)
				}
				got := owner.must(200, "GET", "/api/v1/dashboard?"+q.Encode(), nil)
				want := directCounts(t, d, companyID, conn, map[string]string{sim: "simulator"}, loc, from, to)
				name := fmt.Sprintf("%s, connection %q", when, conn)
				sameJSON(t, name+": days", got["days"], want["days"])
				sameJSON(t, name+": totals", got["totals"], want["totals"])
				sameJSON(t, name+": failures", codesOf(got["failures"]), want["failures"])
				sameJSON(t, name+": first responses", responsesOf(got["first_response"]), want["first_response"])
			}
		}
		check("before compaction")
		if _, err := e.app.Dashboard.Compact(context.Background()); err != nil {
			t.Fatal(err)
		}
		check("after compaction")

		// The scenario did what it says: something of each kind counted.
		got := owner.must(200, "GET", "/api/v1/dashboard?"+url.Values{"from": {from}, "to": {to}}.Encode(), nil)
		tot := got["totals"].(map[string]any)
		if tot["sent"] != float64(5) || tot["read"] != float64(5) || tot["failed"] != float64(1) || tot["received"] != float64(3) {
			t.Fatalf("totals = %v", tot)
		}
		if fr := got["first_response"].(map[string]any)["overall"].(map[string]any); fr["count"] != float64(2) {
			t.Fatalf("first responses = %v", fr)
		}
		if !slices.Contains(got["channels"].([]any), any("other")) {
			t.Fatalf("the deleted connection's traffic is not under other: %v", got["channels"])
		}
	})
}

// directCounts is what the dashboard must show, counted straight from the
// messages table in Go: days in the company's zone, the traffic by channel,
// the failures by code, and the first responses as the contact's first
// message and the first agent message after it.
func directCounts(t *testing.T, d *db.DB, companyID, connID string, types map[string]string, loc *time.Location, from, to string) map[string]any {
	t.Helper()
	ctx := context.Background()
	first, _ := time.ParseInLocation("2006-01-02", from, loc)
	last, _ := time.ParseInLocation("2006-01-02", to, loc)
	type day struct {
		Date     string         `json:"date"`
		Sent     map[string]int `json:"sent"`
		Received map[string]int `json:"received"`
		Failed   int            `json:"failed"`
		OptOuts  int            `json:"opt_outs"`
	}
	var days []*day
	index := map[string]int{}
	for dt := first; !dt.After(last); dt = dt.AddDate(0, 0, 1) {
		index[dt.Format("2006-01-02")] = len(days)
		days = append(days, &day{Date: dt.Format("2006-01-02"), Sent: map[string]int{}, Received: map[string]int{}})
	}
	totals := map[string]int{"sent": 0, "received": 0, "delivered": 0, "read": 0, "failed": 0, "waiting": 0, "opt_outs": 0}
	failures := map[string]int{}
	channels := map[string]bool{}
	if connID != "" {
		channels[types[connID]] = true
	}
	rows, err := d.Query(ctx, `SELECT id, conversation_id, connection_id, direction, status, error_code, source, author_id, created_at
		FROM messages WHERE company_id = ? ORDER BY id`, companyID)
	if err != nil {
		t.Fatal(err)
	}
	type msg struct {
		id, dir, status, source string
		author                  *string
		at                      time.Time
	}
	byConv := map[string][]msg{}
	for rows.Next() {
		var id, conv, dir, status, code, source string
		var conn, author *string
		var at db.Time
		if err := rows.Scan(&id, &conv, &conn, &dir, &status, &code, &source, &author, &at); err != nil {
			t.Fatal(err)
		}
		byConv[conv] = append(byConv[conv], msg{id, dir, status, source, author, at.Time})
		if connID != "" && (conn == nil || *conn != connID) {
			continue
		}
		i, ok := index[at.In(loc).Format("2006-01-02")]
		if !ok {
			continue
		}
		typ := "other"
		if conn != nil && types[*conn] != "" {
			typ = types[*conn]
		}
		switch {
		case dir == "inbound" && status != "internal":
			days[i].Received[typ]++
			totals["received"]++
			channels[typ] = true
		case dir == "outbound" && slices.Contains([]string{"sent", "delivered", "read"}, status):
			days[i].Sent[typ]++
			totals["sent"]++
			channels[typ] = true
			if status != "sent" {
				totals["delivered"]++
			}
			if status == "read" {
				totals["read"]++
			}
		case dir == "outbound" && status == "failed":
			days[i].Failed++
			totals["failed"]++
			failures[code]++
		case dir == "outbound" && (status == "queued" || status == "sending"):
			totals["waiting"]++
		}
	}
	if err := rows.Err(); err != nil {
		t.Fatal(err)
	}
	rows.Close()
	for _, dy := range days {
		for typ := range channels {
			dy.Sent[typ] += 0
			dy.Received[typ] += 0
		}
	}
	// Opt-outs are the consent ledger's, not counted here: copy none.
	responses := map[string]int{} // agent id -> conversations answered
	var durations []time.Duration
	crows, err := d.Query(ctx, `SELECT id, created_at, connection_id FROM conversations WHERE company_id = ?`, companyID)
	if err != nil {
		t.Fatal(err)
	}
	for crows.Next() {
		var id string
		var conn *string
		var created db.Time
		if err := crows.Scan(&id, &created, &conn); err != nil {
			t.Fatal(err)
		}
		if created.Before(first) || !created.Before(last.AddDate(0, 0, 1)) || (connID != "" && (conn == nil || *conn != connID)) {
			continue
		}
		var asked *msg
		for _, m := range byConv[id] {
			m := m
			if asked == nil && m.dir == "inbound" {
				asked = &m
			} else if asked != nil && m.dir == "outbound" && m.source == "agent" && m.author != nil && m.status != "internal" {
				responses[*m.author]++
				durations = append(durations, m.at.Sub(asked.at))
				break
			}
		}
	}
	crows.Close()
	var fs []map[string]any
	for code, n := range failures {
		fs = append(fs, map[string]any{"code": code, "count": n})
	}
	slices.SortFunc(fs, func(a, b map[string]any) int {
		if a["count"] != b["count"] {
			return b["count"].(int) - a["count"].(int)
		}
		return cmpString(a["code"].(string), b["code"].(string))
	})
	fr := map[string]any{"count": len(durations), "agents": responses}
	if len(durations) > 0 {
		var sum time.Duration
		for _, x := range durations {
			sum += x
		}
		fr["average_seconds"] = float64((sum / time.Duration(len(durations))).Round(time.Millisecond).Milliseconds()) / 1000
	}
	// Through JSON, as the API's answer is compared.
	var out map[string]any
	b, _ := json.Marshal(map[string]any{"days": days, "totals": totals, "failures": fs, "first_response": fr})
	if err := json.Unmarshal(b, &out); err != nil {
		t.Fatal(err)
	}
	return out
}

func cmpString(a, b string) int {
	switch {
	case a < b:
		return -1
	case a > b:
		return 1
	}
	return 0
}

// codesOf keeps what directCounts computes of the failures.
func codesOf(v any) []map[string]any {
	var out []map[string]any
	for _, f := range v.([]any) {
		f := f.(map[string]any)
		out = append(out, map[string]any{"code": f["code"], "count": f["count"]})
	}
	return out
}

// responsesOf keeps what directCounts computes of the first responses.
func responsesOf(v any) map[string]any {
	fr := v.(map[string]any)
	agents := map[string]any{}
	for _, a := range fr["agents"].([]any) {
		a := a.(map[string]any)
		agents[a["id"].(string)] = a["count"]
	}
	out := map[string]any{"count": fr["overall"].(map[string]any)["count"], "agents": agents}
	if out["count"] != float64(0) {
		out["average_seconds"] = fr["overall"].(map[string]any)["average_seconds"]
	}
	return out
}
