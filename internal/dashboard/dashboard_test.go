package dashboard

import (
	"context"
	"encoding/json"
	"io"
	"log/slog"
	"strings"
	"testing"
	"time"
	_ "time/tzdata" // the zones the product binary carries (see companies)

	"github.com/masteria/masteria/internal/apierr"
	"github.com/masteria/masteria/internal/campaigns"
	"github.com/masteria/masteria/internal/channel/whatsappcloud"
	"github.com/masteria/masteria/internal/ids"
	"github.com/masteria/masteria/internal/store/db"
	"github.com/masteria/masteria/internal/store/dbtest"
)

// fixture is a company with traffic placed around the edges of its days in
// São Paulo (UTC-3), and a second company whose traffic must never count.
type fixture struct {
	svc                      *Service
	company, other           string
	sim, cloud, otherConn    string
	ana, bruno, team1, team2 string
	running                  string
}

func at(s string) time.Time {
	t, err := time.Parse(time.RFC3339, s)
	if err != nil {
		panic(err)
	}
	return t
}

func setup(t *testing.T, d *db.DB) fixture {
	t.Helper()
	ctx := context.Background()
	exec := func(q string, args ...any) {
		t.Helper()
		if _, err := d.Exec(ctx, q, args...); err != nil {
			t.Fatalf("%s: %v", q, err)
		}
	}
	created := at("2026-11-01T00:00:00Z")
	f := fixture{company: ids.New(), other: ids.New(), sim: ids.New(), cloud: ids.New(), otherConn: ids.New(),
		ana: ids.New(), bruno: ids.New(), team1: ids.New(), team2: ids.New(), running: ids.New()}
	for _, co := range []struct{ id, zone string }{{f.company, "America/Sao_Paulo"}, {f.other, "America/Sao_Paulo"}} {
		exec(`INSERT INTO companies (id, name, time_zone, default_country, business_hours, created_at, updated_at) VALUES (?, 'Co', ?, 'BR', '{}', ?, ?)`,
			co.id, co.zone, created, created)
	}
	for _, u := range []struct{ id, name string }{{f.ana, "Ana"}, {f.bruno, "Bruno"}} {
		exec(`INSERT INTO users (id, email, name, password_hash, created_at, updated_at) VALUES (?, ?, ?, 'x', ?, ?)`,
			u.id, strings.ToLower(u.name)+"@example.com", u.name, created, created)
		exec(`INSERT INTO memberships (company_id, user_id, role, created_at) VALUES (?, ?, 'agent', ?)`, f.company, u.id, created)
	}
	for _, tm := range []struct{ id, name string }{{f.team1, "Vendas"}, {f.team2, "Suporte"}} {
		exec(`INSERT INTO teams (id, company_id, name, created_at, updated_at) VALUES (?, ?, ?, ?, ?)`, tm.id, f.company, tm.name, created, created)
	}
	for _, c := range []struct{ id, company, typ string }{{f.sim, f.company, "simulator"}, {f.cloud, f.company, "whatsapp_cloud"}, {f.otherConn, f.other, "simulator"}} {
		exec(`INSERT INTO connections (id, company_id, type, name, created_at, updated_at) VALUES (?, ?, ?, 'C', ?, ?)`, c.id, c.company, c.typ, created, created)
	}
	contacts := map[string]string{}
	for _, k := range []string{"c1", "c2", "c3", "c4", "b1"} {
		contacts[k] = ids.New()
		co := f.company
		if k == "b1" {
			co = f.other
		}
		exec(`INSERT INTO contacts (id, company_id, phone, created_at, updated_at) VALUES (?, ?, ?, ?, ?)`, contacts[k], co, "+55"+k, created, created)
	}
	// Conversations: id, company, connection, contact, status, team,
	// assignee, created, resolved.
	type conv struct {
		key, company, conn, contact, status, team, assignee, created, resolved string
	}
	convs := map[string]string{}
	for _, c := range []conv{
		{"cv1", f.company, f.sim, "c1", "resolved", f.team1, f.ana, "2026-11-24T03:00:00Z", "2026-11-24T05:00:00Z"},
		{"cv2", f.company, f.cloud, "c2", "open", f.team1, f.bruno, "2026-11-25T12:00:00Z", ""},
		{"cv3", f.company, f.cloud, "c3", "pending", "", "", "2026-11-25T12:01:00Z", ""},
		{"cv4", f.company, f.sim, "c4", "resolved", f.team2, f.ana, "2026-11-25T12:03:00Z", "2026-11-26T12:03:00Z"},
		{"cv5", f.company, f.cloud, "c1", "snoozed", "", "", "2026-11-27T02:59:00Z", ""},
		{"cv6", f.company, f.sim, "c2", "resolved", f.team2, f.bruno, "2026-11-24T02:30:00Z", "2026-11-25T02:30:00Z"},
		{"cv7", f.company, f.cloud, "c4", "open", "", "", "2026-11-27T03:00:00Z", ""},
		{"cvB", f.other, f.otherConn, "b1", "open", "", "", "2026-11-25T12:00:00Z", ""},
		{"cvB2", f.other, f.otherConn, "b1", "resolved", "", "", "2026-11-25T12:00:00Z", "2026-11-25T13:00:00Z"},
	} {
		convs[c.key] = ids.New()
		var team, assignee, resolved any
		if c.team != "" {
			team = c.team
		}
		if c.assignee != "" {
			assignee = c.assignee
		}
		if c.resolved != "" {
			resolved = at(c.resolved)
		}
		exec(`INSERT INTO conversations (id, company_id, connection_id, contact_id, status, team_id, assignee_id, last_message_at, created_at, updated_at, resolved_at)
			VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`, convs[c.key], c.company, c.conn, contacts[c.contact], c.status, team, assignee,
			at(c.created), at(c.created), at(c.created), resolved)
	}
	// Messages in creation order (ids sort by it, as in production).
	type msg struct {
		conv, dir, typ, status, source, author, code, created string
	}
	for _, m := range []msg{
		{"cv6", "inbound", "text", "received", "", "", "", "2026-11-24T02:30:00Z"},               // 23 Nov local: before
		{"cv6", "outbound", "text", "read", "agent", f.bruno, "", "2026-11-24T02:40:00Z"},        // before
		{"cv1", "inbound", "text", "received", "", "", "", "2026-11-24T03:00:00Z"},               // 24 Nov 00:00 local
		{"cv1", "outbound", "note", "internal", "agent", f.ana, "", "2026-11-24T03:05:00Z"},      // a note: never counted
		{"cv1", "outbound", "text", "read", "agent", f.ana, "", "2026-11-24T03:10:00Z"},          // first response 600 s
		{"cv2", "outbound", "template", "delivered", "campaign", "", "", "2026-11-25T12:00:00Z"}, // 25 Nov
		{"cv2", "inbound", "text", "received", "", "", "", "2026-11-25T12:30:00Z"},
		{"cv2", "outbound", "text", "sent", "agent", f.bruno, "", "2026-11-25T12:50:00Z"}, // first response 1200 s
		{"cv3", "outbound", "text", "failed", "api", "", "131026", "2026-11-25T12:01:00Z"},
		{"cv3", "outbound", "text", "failed", "api", "", "131026", "2026-11-25T12:02:00Z"},
		{"cv4", "outbound", "text", "failed", "automation", "", "opted_out", "2026-11-25T12:03:00Z"},
		{"cv4", "outbound", "text", "queued", "agent", f.ana, "", "2026-11-25T13:10:00Z"},
		{"cv5", "inbound", "text", "received", "", "", "", "2026-11-27T02:59:59Z"}, // 26 Nov 23:59:59 local
		{"cv7", "inbound", "text", "received", "", "", "", "2026-11-27T03:00:00Z"}, // 27 Nov local: after
		{"cvB", "inbound", "text", "received", "", "", "", "2026-11-25T12:00:00Z"}, // the other company
		{"cvB", "outbound", "text", "failed", "agent", "", "131026", "2026-11-25T12:10:00Z"},
	} {
		var conv, company, contact, conn string
		if err := d.QueryRow(ctx, `SELECT id, company_id, contact_id, connection_id FROM conversations WHERE id = ?`, convs[m.conv]).
			Scan(&conv, &company, &contact, &conn); err != nil {
			t.Fatal(err)
		}
		var author any
		if m.author != "" {
			author = m.author
		}
		exec(`INSERT INTO messages (id, company_id, conversation_id, contact_id, connection_id, direction, type, status, source, author_id, error_code, created_at)
			VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`, ids.New(), company, conv, contact, conn, m.dir, m.typ, m.status, m.source, author, m.code, at(m.created))
		time.Sleep(time.Millisecond) // ids of one millisecond need not sort
	}
	// As the inbound path keeps it: when the contact last wrote.
	exec(`UPDATE conversations SET last_inbound_at = (SELECT max(m.created_at) FROM messages m
		WHERE m.conversation_id = conversations.id AND m.direction = 'inbound')`)
	for _, c := range []struct{ company, contact, action, created string }{
		{f.company, "c1", "opt_out", "2026-11-24T02:59:59Z"}, // 23 Nov local
		{f.company, "c1", "opt_out", "2026-11-24T03:00:00Z"}, // 24 Nov
		{f.company, "c2", "opt_out", "2026-11-25T10:00:00Z"},
		{f.company, "c3", "opt_out", "2026-11-25T10:00:00Z"},
		{f.company, "c4", "opt_in", "2026-11-25T10:00:00Z"},
		{f.other, "b1", "opt_out", "2026-11-25T10:00:00Z"},
	} {
		exec(`INSERT INTO consent_events (id, company_id, contact_id, action, source, actor_type, created_at) VALUES (?, ?, ?, ?, 'keyword', 'contact', ?)`,
			ids.New(), c.company, contacts[c.contact], c.action, at(c.created))
	}
	// Campaigns: one running on the Cloud number, one completed, and the
	// other company's running one.
	for _, c := range []struct{ id, company, status, conns string }{
		{f.running, f.company, "running", `["` + f.cloud + `"]`},
		{ids.New(), f.company, "completed", `["` + f.sim + `"]`},
		{ids.New(), f.other, "running", `["` + f.otherConn + `"]`},
	} {
		exec(`INSERT INTO campaigns (id, company_id, name, status, connection_ids, created_at, updated_at) VALUES (?, ?, 'Promo', ?, ?, ?, ?)`,
			c.id, c.company, c.status, c.conns, created, created)
	}
	for i, st := range []string{"sent", "read", "pending"} {
		exec(`INSERT INTO campaign_recipients (campaign_id, contact_id, company_id, phone, connection_id, status, updated_at) VALUES (?, ?, ?, ?, ?, ?, ?)`,
			f.running, contacts[[]string{"c1", "c2", "c3"}[i]], f.company, "+55", f.cloud, st, created)
	}
	logger := slog.New(slog.NewTextHandler(io.Discard, nil))
	f.svc = NewService(d, campaigns.NewService(d, nil, nil, nil, nil, logger), logger)
	f.svc.now = func() time.Time { return at("2026-11-27T02:00:00Z") } // 26 Nov, 23:00 in São Paulo
	return f
}

func TestDashboardNumbers(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		f := setup(t, d)
		ctx := context.Background()
		_, meta131026 := whatsappcloud.Explain(131026)
		rate := func(v float64) *float64 { return &v }
		type want struct {
			channels          []string
			sent, received    []map[string]int
			failedPerDay      []int
			optOuts           []int
			totals            Totals
			deliveryRate      *float64
			readRate          *float64
			failures          []Failure
			active            Active
			firstResponse     Times
			resolution        Times
			runningCampaigns  int
			firstCampaignSent int
		}
		for _, tt := range []struct {
			name string
			conn string
			want want
		}{
			{"every connection", "", want{
				channels:     []string{"simulator", "whatsapp_cloud"},
				sent:         []map[string]int{{"simulator": 1, "whatsapp_cloud": 0}, {"simulator": 0, "whatsapp_cloud": 2}, {"simulator": 0, "whatsapp_cloud": 0}},
				received:     []map[string]int{{"simulator": 1, "whatsapp_cloud": 0}, {"simulator": 0, "whatsapp_cloud": 1}, {"simulator": 0, "whatsapp_cloud": 1}},
				failedPerDay: []int{0, 3, 0},
				optOuts:      []int{1, 2, 0},
				totals:       Totals{Sent: 3, Received: 3, Delivered: 2, Read: 1, Failed: 3, Waiting: 1, OptOuts: 3},
				deliveryRate: rate(2.0 / 3), readRate: rate(1.0 / 3),
				failures: []Failure{{Code: "131026", Count: 2, Meaning: meta131026},
					{Code: "opted_out", Count: 1, Meaning: campaigns.Meaning("opted_out")}},
				active: Active{Active: 4, Open: 2, Pending: 1, Snoozed: 1},
				firstResponse: Times{Overall: Stat{2, 900, 900},
					Agents: []Row{{f.ana, "Ana", Stat{1, 600, 600}}, {f.bruno, "Bruno", Stat{1, 1200, 1200}}},
					Teams:  []Row{{f.team1, "Vendas", Stat{2, 900, 900}}}},
				resolution: Times{Overall: Stat{3, 60000, 86400},
					Agents: []Row{{f.ana, "Ana", Stat{2, 46800, 46800}}, {f.bruno, "Bruno", Stat{1, 86400, 86400}}},
					Teams:  []Row{{f.team2, "Suporte", Stat{2, 86400, 86400}}, {f.team1, "Vendas", Stat{1, 7200, 7200}}}},
				runningCampaigns: 1, firstCampaignSent: 1,
			}},
			{"the Cloud number", f.cloud, want{
				channels:     []string{"whatsapp_cloud"},
				sent:         []map[string]int{{"whatsapp_cloud": 0}, {"whatsapp_cloud": 2}, {"whatsapp_cloud": 0}},
				received:     []map[string]int{{"whatsapp_cloud": 0}, {"whatsapp_cloud": 1}, {"whatsapp_cloud": 1}},
				failedPerDay: []int{0, 2, 0},
				optOuts:      []int{1, 2, 0}, // consent is company-wide
				totals:       Totals{Sent: 2, Received: 2, Delivered: 1, Read: 0, Failed: 2, OptOuts: 3},
				deliveryRate: rate(0.5), readRate: rate(0),
				failures: []Failure{{Code: "131026", Count: 2, Meaning: meta131026}},
				active:   Active{Active: 4, Open: 2, Pending: 1, Snoozed: 1},
				firstResponse: Times{Overall: Stat{1, 1200, 1200},
					Agents: []Row{{f.bruno, "Bruno", Stat{1, 1200, 1200}}}, Teams: []Row{{f.team1, "Vendas", Stat{1, 1200, 1200}}}},
				resolution:       Times{Agents: []Row{}, Teams: []Row{}},
				runningCampaigns: 1, firstCampaignSent: 1,
			}},
			{"the Simulator", f.sim, want{
				channels:     []string{"simulator"},
				sent:         []map[string]int{{"simulator": 1}, {"simulator": 0}, {"simulator": 0}},
				received:     []map[string]int{{"simulator": 1}, {"simulator": 0}, {"simulator": 0}},
				failedPerDay: []int{0, 1, 0},
				optOuts:      []int{1, 2, 0},
				totals:       Totals{Sent: 1, Received: 1, Delivered: 1, Read: 1, Failed: 1, Waiting: 1, OptOuts: 3},
				deliveryRate: rate(1), readRate: rate(1),
				failures: []Failure{{Code: "opted_out", Count: 1, Meaning: campaigns.Meaning("opted_out")}},
				firstResponse: Times{Overall: Stat{1, 600, 600},
					Agents: []Row{{f.ana, "Ana", Stat{1, 600, 600}}}, Teams: []Row{{f.team1, "Vendas", Stat{1, 600, 600}}}},
				resolution: Times{Overall: Stat{3, 60000, 86400},
					Agents: []Row{{f.ana, "Ana", Stat{2, 46800, 46800}}, {f.bruno, "Bruno", Stat{1, 86400, 86400}}},
					Teams:  []Row{{f.team2, "Suporte", Stat{2, 86400, 86400}}, {f.team1, "Vendas", Stat{1, 7200, 7200}}}},
			}},
		} {
			t.Run(tt.name, func(t *testing.T) {
				got, err := f.svc.Get(ctx, f.company, Query{From: "2026-11-24", To: "2026-11-26", ConnectionID: tt.conn})
				if err != nil {
					t.Fatal(err)
				}
				w := tt.want
				if got.From != "2026-11-24" || got.To != "2026-11-26" || got.TimeZone != "America/Sao_Paulo" || len(got.Days) != 3 {
					t.Fatalf("period = %s..%s %s, %d days", got.From, got.To, got.TimeZone, len(got.Days))
				}
				same(t, "channels", got.Channels, w.channels)
				for i, day := range got.Days {
					same(t, day.Date+" sent", day.Sent, w.sent[i])
					same(t, day.Date+" received", day.Received, w.received[i])
					same(t, day.Date+" failed", day.Failed, w.failedPerDay[i])
					same(t, day.Date+" opt-outs", day.OptOuts, w.optOuts[i])
				}
				same(t, "totals", got.Totals, w.totals)
				same(t, "delivery rate", got.DeliveryRate, w.deliveryRate)
				same(t, "read rate", got.ReadRate, w.readRate)
				same(t, "failures", got.Failures, w.failures)
				same(t, "active", got.Conversations, w.active)
				same(t, "first response", got.FirstResponse, w.firstResponse)
				same(t, "resolution", got.Resolution, w.resolution)
				if len(got.Campaigns) != w.runningCampaigns {
					t.Fatalf("running campaigns = %d, want %d", len(got.Campaigns), w.runningCampaigns)
				}
				if w.runningCampaigns > 0 {
					if c := got.Campaigns[0]; c.ID != f.running || c.Stats.Sent != w.firstCampaignSent || c.Stats.Total != 3 {
						t.Fatalf("running campaign = %s %+v", c.ID, c.Stats)
					}
				}
			})
		}
	})
}

// same compares through JSON: what the API shows is what is checked.
func same(t *testing.T, what string, got, want any) {
	t.Helper()
	g, _ := json.Marshal(got)
	w, _ := json.Marshal(want)
	if string(g) != string(w) {
		t.Errorf("%s:\n got %s\nwant %s", what, g, w)
	}
}

// TestDashboardDaysFollowTheTimeZone: the same messages fall on other days
// when the company's clock is elsewhere.
func TestDashboardDaysFollowTheTimeZone(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		f := setup(t, d)
		ctx := context.Background()
		for _, tt := range []struct {
			zone     string
			received []int // 24, 25, 26 Nov
			optOuts  []int
		}{
			// In UTC the 02:30 message of the 24th is the 24th's, and the
			// 02:59:59 one of the 27th falls outside.
			{"UTC", []int{2, 1, 0}, []int{2, 2, 0}},
			{"America/Sao_Paulo", []int{1, 1, 1}, []int{1, 2, 0}},
			// Tokyo (UTC+9): 24 Nov 03:00Z is 12:00 of the 24th there.
			{"Asia/Tokyo", []int{2, 1, 0}, []int{2, 2, 0}},
		} {
			t.Run(tt.zone, func(t *testing.T) {
				if _, err := d.Exec(ctx, `UPDATE companies SET time_zone = ? WHERE id = ?`, tt.zone, f.company); err != nil {
					t.Fatal(err)
				}
				got, err := f.svc.Get(ctx, f.company, Query{From: "2026-11-24", To: "2026-11-26"})
				if err != nil {
					t.Fatal(err)
				}
				for i, day := range got.Days {
					n := 0
					for _, v := range day.Received {
						n += v
					}
					if n != tt.received[i] || day.OptOuts != tt.optOuts[i] {
						t.Errorf("%s: received %d opt-outs %d, want %d and %d", day.Date, n, day.OptOuts, tt.received[i], tt.optOuts[i])
					}
				}
			})
		}
	})
}

func TestDashboardPeriodAndErrors(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		f := setup(t, d)
		ctx := context.Background()
		for _, tt := range []struct {
			name             string
			q                Query
			status           int
			code             string
			wantFrom, wantTo string
		}{
			{"default is the last seven days, today in the company's zone", Query{}, 200, "", "2026-11-20", "2026-11-26"},
			{"only to", Query{To: "2026-11-10"}, 200, "", "2026-11-04", "2026-11-10"},
			{"one day", Query{From: "2026-11-26", To: "2026-11-26"}, 200, "", "2026-11-26", "2026-11-26"},
			{"a whole leap year", Query{From: "2028-01-01", To: "2028-12-31"}, 200, "", "2028-01-01", "2028-12-31"},
			{"over a year", Query{From: "2025-01-01", To: "2026-01-02"}, 422, "validation_failed", "", ""},
			{"from after to", Query{From: "2026-11-27", To: "2026-11-26"}, 422, "validation_failed", "", ""},
			{"not a date", Query{From: "24/11/2026", To: "2026-11-26"}, 400, "invalid_date", "", ""},
			{"no such day", Query{From: "2026-02-30", To: "2026-03-02"}, 400, "invalid_date", "", ""},
			{"unknown connection", Query{ConnectionID: ids.New()}, 404, "not_found", "", ""},
			{"not an id", Query{ConnectionID: "x' OR 1=1"}, 404, "not_found", "", ""},
			{"another company's connection", Query{ConnectionID: f.otherConn}, 404, "not_found", "", ""},
		} {
			t.Run(tt.name, func(t *testing.T) {
				got, err := f.svc.Get(ctx, f.company, tt.q)
				if tt.status == 200 {
					if err != nil {
						t.Fatal(err)
					}
					if got.From != tt.wantFrom || got.To != tt.wantTo || got.Days[0].Date != tt.wantFrom || got.Days[len(got.Days)-1].Date != tt.wantTo {
						t.Fatalf("period %s..%s", got.From, got.To)
					}
					return
				}
				e, ok := apierr.As(err)
				if !ok || e.Status != tt.status || e.Code != tt.code {
					t.Fatalf("err = %v, want %d %s", err, tt.status, tt.code)
				}
			})
		}
		// The other company sees only its own: one received, one failed.
		got, err := f.svc.Get(ctx, f.other, Query{From: "2026-11-24", To: "2026-11-26"})
		if err != nil {
			t.Fatal(err)
		}
		if got.Totals != (Totals{Received: 1, Failed: 1, OptOuts: 1}) || got.Conversations.Active != 1 || len(got.Campaigns) != 1 ||
			got.Resolution.Overall.Count != 1 || got.FirstResponse.Overall.Count != 0 {
			t.Fatalf("other company: %+v", got)
		}
		if got.DeliveryRate != nil {
			t.Fatalf("nothing sent, yet a delivery rate: %v", *got.DeliveryRate)
		}
	})
}

// TestPeriodDaysAcrossDaylightSaving: New York's 1 November 2026 has 25
// hours and its 8 March 2026 has 23; a day is a calendar day.
func TestPeriodDaysAcrossDaylightSaving(t *testing.T) {
	ny, err := time.LoadLocation("America/New_York")
	if err != nil {
		t.Fatal("no time zone data:", err)
	}
	s := &Service{now: time.Now}
	for _, tt := range []struct {
		from, to string
		hours    []float64
	}{
		{"2026-10-31", "2026-11-02", []float64{24, 25, 24}},
		{"2026-03-07", "2026-03-09", []float64{24, 23, 24}},
	} {
		days, err := s.period(Query{From: tt.from, To: tt.to}, ny)
		if err != nil {
			t.Fatal(err)
		}
		for i, d := range days {
			if h := d.hi.Sub(d.lo).Hours(); h != tt.hours[i] {
				t.Errorf("%s: %v hours, want %v", d.date, h, tt.hours[i])
			}
			if i > 0 && !d.lo.Equal(days[i-1].hi) {
				t.Errorf("%s does not start where the day before ends", d.date)
			}
		}
	}
}
