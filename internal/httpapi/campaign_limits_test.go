package httpapi_test

import (
	"context"
	"sort"
	"testing"
	"time"

	"github.com/masteria/masteria/internal/campaigns"
	"github.com/masteria/masteria/internal/store/db"
	"github.com/masteria/masteria/internal/store/dbtest"
)

func TestTierLimit(t *testing.T) {
	for tier, want := range map[string]int{
		"TIER_250": 250, "TIER_1K": 1000, "TIER_2K": 2000, "TIER_10K": 10000, "TIER_100K": 100000,
		"TIER_UNLIMITED": 0, "unlimited": 0, "": 0, "TIER_X": 0, "40": 40, "tier_2k": 2000,
	} {
		if got := campaigns.TierLimit(tier); got != want {
			t.Errorf("TierLimit(%q) = %d, want %d", tier, got, want)
		}
	}
}

// A campaign larger than the room the messaging limit leaves sends what
// fits, waits (saying why) instead of letting the provider refuse the
// rest, and goes on when the moving 24 hours free room.
func TestCampaignMessagingLimitDefers(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		e := setup(t, d)
		e.startJobs()
		owner, _ := e.signup("Limite Co", "owner@limite.example")
		owner.must(200, "PATCH", "/api/v1/company", map[string]any{"campaigns_require_opt_in": false})
		if r := owner.do("POST", "/api/v1/connections", map[string]any{"type": "simulator", "name": "X",
			"config": map[string]any{"messaging_limit": -1}}); r.status != 422 {
			t.Fatalf("negative limit: %d %s", r.status, r.body)
		}
		sim := owner.must(201, "POST", "/api/v1/connections", map[string]any{"type": "simulator", "name": "Sim",
			"config": map[string]any{"delivery_delay_ms": 10, "messaging_limit": 5}})["id"].(string)
		other := owner.must(201, "POST", "/api/v1/connections", map[string]any{"type": "simulator", "name": "Livre"})["id"].(string)
		importCSV(t, owner, contactsCSV(12, 40000001), map[string]any{"tags": []string{"base"}})

		body := map[string]any{"name": "Grande", "connection_ids": []string{sim}, "audience": map[string]any{"tags": []string{"base"}},
			"message": map[string]any{"type": "text", "text": "Oi {{first_name}}"}}
		count := owner.must(200, "POST", "/api/v1/campaigns/audience", body)
		lims := count["messaging_limits"].([]any)
		if len(lims) != 1 {
			t.Fatalf("limits = %v", lims)
		}
		l := lims[0].(map[string]any)
		if l["limit"] != float64(5) || l["used"] != float64(0) || l["available"] != float64(5) || l["campaign"] != float64(12) || l["deferred"] != float64(7) {
			t.Fatalf("limit shown = %v", l)
		}
		// A number with no known limit shows none and defers nothing.
		free := owner.must(200, "POST", "/api/v1/campaigns/audience", map[string]any{"connection_ids": []string{other},
			"audience": map[string]any{"tags": []string{"base"}}, "message": map[string]any{"type": "text", "text": "x"}})
		if fl := free["messaging_limits"].([]any)[0].(map[string]any); fl["limit"] != float64(0) || fl["deferred"] != float64(0) {
			t.Fatalf("unlimited number = %v", fl)
		}

		id := owner.must(201, "POST", "/api/v1/campaigns", body)["id"].(string)
		owner.must(200, "POST", "/api/v1/campaigns/"+id+"/start", nil)
		var c map[string]any
		waiting := func(pending float64) func() bool {
			return func() bool {
				c = owner.must(200, "GET", "/api/v1/campaigns/"+id, nil)
				return c["status_reason"] == campaigns.WaitMessagingLimit && stats(c)["queued"] == float64(0) && stats(c)["pending"] == pending
			}
		}
		eventuallyWithin(t, 15*time.Second, "the campaign waiting for the limit", waiting(7))
		time.Sleep(600 * time.Millisecond) // a few more feeder rounds change nothing
		c = owner.must(200, "GET", "/api/v1/campaigns/"+id, nil)
		st := stats(c)
		reachedNow := st["sent"].(float64) + st["delivered"].(float64) + st["read"].(float64)
		if c["status"] != "running" || reachedNow != 5 || st["pending"] != float64(7) {
			t.Fatalf("held campaign = %v %v", c["status"], st)
		}
		again := owner.must(200, "POST", "/api/v1/campaigns/audience", body)["messaging_limits"].([]any)[0].(map[string]any)
		if again["used"] != float64(5) || again["available"] != float64(0) {
			t.Fatalf("limit after the sends = %v", again)
		}

		// A day later the window has moved on: five more go, then the last
		// two the day after, and the wait reason clears.
		moveOn := func() { backdate(t, d, sim, 25*time.Hour) }
		moveOn()
		eventuallyWithin(t, 15*time.Second, "the second day's five", waiting(2))
		moveOn()
		done := waitCampaign(t, owner, id, "completed", 15*time.Second)
		if st := stats(done); st["pending"] != float64(0) || st["failed"] != float64(0) || done["status_reason"] != "" {
			t.Fatalf("after the window moved: %v %v", done["status_reason"], st)
		}
	})
}

// backdate moves a connection's messages into the past, as if the time had
// passed; the server updates the same rows meanwhile, so a deadlock
// PostgreSQL breaks is tried again.
func backdate(t *testing.T, d *db.DB, connID string, ago time.Duration) {
	t.Helper()
	var err error
	for range 5 {
		if _, err = d.Exec(context.Background(), `UPDATE messages SET created_at = ? WHERE connection_id = ?`,
			time.Now().Add(-ago).UTC(), connID); err == nil || !db.IsTransient(err) {
			break
		}
		time.Sleep(100 * time.Millisecond)
	}
	if err != nil {
		t.Fatal(err)
	}
}

// Pacing: a random pause between messages and a daily cap per number.
func TestCampaignPacingDelayAndDailyCap(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		e := setup(t, d)
		e.startJobs()
		owner, _ := e.signup("Ritmo Co", "owner@ritmo.example")
		owner.must(200, "PATCH", "/api/v1/company", map[string]any{"campaigns_require_opt_in": false})
		sim := owner.must(201, "POST", "/api/v1/connections", map[string]any{"type": "simulator", "name": "Sim",
			"config": map[string]any{"delivery_delay_ms": 10}})["id"].(string)
		importCSV(t, owner, contactsCSV(6, 50000001), map[string]any{"tags": []string{"ritmo"}})
		body := map[string]any{"name": "Humana", "connection_ids": []string{sim}, "audience": map[string]any{"tags": []string{"ritmo"}},
			"message": map[string]any{"type": "text", "text": "Oi"}}
		for _, bad := range []map[string]any{
			{"delay_min_seconds": 5, "delay_max_seconds": 2},
			{"delay_min_seconds": -1, "delay_max_seconds": 2},
			{"delay_max_seconds": 4000},
			{"daily_cap": -3},
		} {
			b := map[string]any{}
			for k, v := range body {
				b[k] = v
			}
			b["pacing"] = bad
			if r := owner.do("POST", "/api/v1/campaigns", b); r.status != 422 {
				t.Errorf("pacing %v: %d %s", bad, r.status, r.body)
			}
		}
		body["pacing"] = map[string]any{"delay_min_seconds": 1, "delay_max_seconds": 1, "daily_cap": 3}
		c := owner.must(201, "POST", "/api/v1/campaigns", body)
		if p := c["pacing"].(map[string]any); p["daily_cap"] != float64(3) || p["delay_max_seconds"] != float64(1) {
			t.Fatalf("pacing saved = %v", p)
		}
		id := c["id"].(string)
		owner.must(200, "POST", "/api/v1/campaigns/"+id+"/start", nil)
		eventuallyWithin(t, 15*time.Second, "the daily cap", func() bool {
			return owner.must(200, "GET", "/api/v1/campaigns/"+id, nil)["status_reason"] == campaigns.WaitDailyCap
		})
		time.Sleep(1500 * time.Millisecond) // past another pause: still held
		st := stats(owner.must(200, "GET", "/api/v1/campaigns/"+id, nil))
		if st["pending"] != float64(3) || st["queued"] != float64(0) {
			t.Fatalf("capped campaign = %v", st)
		}
		rows, err := d.Query(context.Background(), `SELECT created_at FROM messages WHERE connection_id = ? AND lane = 2`, sim)
		if err != nil {
			t.Fatal(err)
		}
		var at []time.Time
		for rows.Next() {
			var tm db.Time
			if err := rows.Scan(&tm); err != nil {
				t.Fatal(err)
			}
			at = append(at, tm.Time)
		}
		rows.Close()
		sort.Slice(at, func(i, j int) bool { return at[i].Before(at[j]) })
		if len(at) != 3 {
			t.Fatalf("%d campaign messages, want the cap of 3", len(at))
		}
		// The pause is kept between the moments the feeder takes a slot; a
		// message row is written a little after, by a varying amount on a
		// busy machine, so the rows show the pauses give or take that.
		if span := at[2].Sub(at[0]); span < 1600*time.Millisecond {
			t.Fatalf("three messages with 1 s pauses were written within %v", span)
		}
		for i := 1; i < len(at); i++ {
			if gap := at[i].Sub(at[i-1]); gap < 500*time.Millisecond {
				t.Fatalf("messages %d and %d were %v apart, want the 1 s pause", i-1, i, gap)
			}
		}
		// The next day (in the company's time zone) the rest goes.
		backdate(t, d, sim, 48*time.Hour)
		done := waitCampaign(t, owner, id, "completed", 15*time.Second)
		if st := stats(done); st["pending"] != float64(0) || done["status_reason"] != "" {
			t.Fatalf("next day: %v %v", done["status_reason"], st)
		}
	})
}

// The wizard records a consent collected elsewhere for an audience's
// contacts that have none, with its source and wording; opt-outs stay.
func TestAudienceOptIn(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		e := setup(t, d)
		e.startJobs()
		owner, _ := e.signup("Consent Co", "owner@consent.example")
		agent, _ := e.invite(owner, "agent@consent.example", "agent")
		importCSV(t, owner, contactsCSV(6, 60000001), map[string]any{"tags": []string{"feira"}})
		importCSV(t, owner, contactsCSV(2, 60000101), map[string]any{"tags": []string{"outra"}})
		out := data(owner.must(200, "GET", "/api/v1/contacts?q=60000001", nil))[0].(map[string]any)["id"].(string)
		owner.must(201, "POST", "/api/v1/contacts/"+out+"/consent", map[string]any{"action": "opt_out", "source": "agent", "reason": "pediu"})

		aud := map[string]any{"tags": []string{"feira"}}
		for _, bad := range []map[string]any{
			{"audience": aud, "source": "form"},
			{"audience": aud, "source": "telepathy", "wording": "Aceito"},
			{"source": "form", "wording": "Aceito"},
			{"audience": map[string]any{"tags": []string{"nao-existe"}}, "source": "form", "wording": "Aceito"},
		} {
			if r := owner.do("POST", "/api/v1/campaigns/audience/opt-in", bad); r.status != 422 {
				t.Errorf("%v: %d %s", bad, r.status, r.body)
			}
		}
		if r := agent.do("POST", "/api/v1/campaigns/audience/opt-in", map[string]any{"audience": aud, "source": "form", "wording": "Aceito"}); r.status != 403 {
			t.Fatalf("agent: %d", r.status)
		}
		count := func() map[string]any {
			return owner.must(200, "POST", "/api/v1/campaigns/audience", map[string]any{"audience": aud})
		}
		if c := count(); c["without_consent"] != float64(5) || c["opted_out"] != float64(1) {
			t.Fatalf("before = %v", c)
		}
		res := owner.must(200, "POST", "/api/v1/campaigns/audience/opt-in", map[string]any{"audience": aud, "source": "form",
			"wording": "Aceito receber ofertas da loja pelo WhatsApp"})
		if res["affected"] != float64(5) {
			t.Fatalf("affected = %v", res)
		}
		if c := count(); c["without_consent"] != float64(0) || c["opted_out"] != float64(1) {
			t.Fatalf("after = %v", c)
		}
		if again := owner.must(200, "POST", "/api/v1/campaigns/audience/opt-in", map[string]any{"audience": aud, "source": "form", "wording": "x"}); again["affected"] != float64(0) {
			t.Fatalf("second time = %v", again)
		}
		one := data(owner.must(200, "GET", "/api/v1/contacts?q=60000002", nil))[0].(map[string]any)["id"].(string)
		ledger := data(owner.must(200, "GET", "/api/v1/contacts/"+one+"/consent", nil))
		if len(ledger) != 1 || ledger[0].(map[string]any)["source"] != "form" ||
			ledger[0].(map[string]any)["wording"] != "Aceito receber ofertas da loja pelo WhatsApp" {
			t.Fatalf("ledger = %v", ledger)
		}
		if st := owner.must(200, "GET", "/api/v1/contacts/"+out, nil)["consent"].(map[string]any)["state"]; st != "opted_out" {
			t.Fatalf("opted-out contact is now %v", st)
		}
		// Contacts outside the audience are untouched.
		if n := owner.must(200, "POST", "/api/v1/campaigns/audience", map[string]any{"audience": map[string]any{"tags": []string{"outra"}}})["without_consent"]; n != float64(2) {
			t.Fatalf("other tag without consent = %v", n)
		}
		audit := data(owner.must(200, "GET", "/api/v1/audit?action=consent.bulk_opt_in", nil))
		if len(audit) != 1 {
			t.Fatalf("audit = %v", audit)
		}
	})
}

// A rate under one message per second still sends, at that pace.
func TestCampaignSlowRate(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		e := setup(t, d)
		e.startJobs()
		owner, _ := e.signup("Devagar Co", "owner@devagar.example")
		owner.must(200, "PATCH", "/api/v1/company", map[string]any{"campaigns_require_opt_in": false})
		sim := owner.must(201, "POST", "/api/v1/connections", map[string]any{"type": "simulator", "name": "Sim",
			"config": map[string]any{"delivery_delay_ms": 10}})["id"].(string)
		importCSV(t, owner, contactsCSV(2, 52000001), map[string]any{"tags": []string{"devagar"}})
		id := owner.must(201, "POST", "/api/v1/campaigns", map[string]any{"name": "Devagar", "connection_ids": []string{sim}, "rate_per_second": 0.5,
			"audience": map[string]any{"tags": []string{"devagar"}}, "message": map[string]any{"type": "text", "text": "Oi"}})["id"].(string)
		start := time.Now()
		owner.must(200, "POST", "/api/v1/campaigns/"+id+"/start", nil)
		waitCampaign(t, owner, id, "completed", 15*time.Second)
		if took := time.Since(start); took < 1500*time.Millisecond {
			t.Fatalf("two messages at 0.5 per second took %v", took)
		}
	})
}
