package httpapi_test

import (
	"context"
	"fmt"
	"net/url"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/masteria/masteria/internal/ids"
	"github.com/masteria/masteria/internal/store/db"
)

// BenchmarkDashboard: the home page opens fast at a million messages. One
// company's store holds MASTERIA_BENCH_MESSAGES (1,000,000) messages over
// the last 90 days on two connections, in conversations of 50 (a customer
// writes, an agent of four answers, and so on; 70% resolved), 5% of the
// outbound failed with one of three codes, 5% still queued, and 5,000
// opt-outs; a second company holds a tenth as much, which the first must
// never count. The planner's statistics are then refreshed (db.Refresh).
// Each period the picker offers (today, 7, 30 and 90 days, and 30 days on
// one connection) is then asked for MASTERIA_BENCH_QUERIES (20) times
// through the HTTP API as the owner, and the answer's counts are checked
// against the seed.
//
//	go test -c -o /tmp/httpapi.test ./internal/httpapi && cd internal/httpapi
//	/tmp/httpapi.test -test.run XXX -test.bench Dashboard/sqlite -test.benchtime 1x
//	TEST_DATABASE_URL=postgres://postgres@127.0.0.1:5432/test /tmp/httpapi.test -test.run XXX -test.bench Dashboard/postgres -test.benchtime 1x
func BenchmarkDashboard(b *testing.B) {
	eachDialect(b, func(b *testing.B, d *db.DB) {
		benchDashboard(b, d, benchInt("MASTERIA_BENCH_MESSAGES", 1_000_000), benchInt("MASTERIA_BENCH_QUERIES", 20))
	})
}

// dashboardSeed writes n messages of companyID over [start, start+span)
// and returns how many inbound messages fall in [from, to).
func dashboardSeed(b *testing.B, d *db.DB, companyID string, conns, agents []string, teamID string, n int, start time.Time, span time.Duration,
	from, to time.Time) (received int) {
	ctx := context.Background()
	const perConversation = 50
	nConv := max(1, n/perConversation)
	step := span / time.Duration(n)
	now := time.Now().UTC()
	var contactRows, addrRows, convRows, optRows [][]any
	convIDs, contactIDs := make([]string, nConv), make([]string, nConv)
	prefix := companyID[len(companyID)-6:]
	for c := range nConv {
		convIDs[c], contactIDs[c] = ids.New(), ids.New()
		phone := fmt.Sprintf("+55%s%07d", prefix[:4], c)
		contactRows = append(contactRows, []any{contactIDs[c], companyID, phone, "Pessoa", "pessoa " + phone, now, now})
		addrRows = append(addrRows, []any{companyID, contactIDs[c], "phone", phone, now})
		first := start.Add(time.Duration(c*perConversation) * step)
		last := first.Add(perConversation * step)
		status := "resolved"
		var resolvedAt any = last.Add(time.Minute)
		if c%10 >= 7 {
			status, resolvedAt = []string{"open", "pending", "snoozed"}[c%3], nil
		}
		convRows = append(convRows, []any{convIDs[c], companyID, conns[c%len(conns)], contactIDs[c], status, 0, last, last,
			fmt.Sprintf("b-%06d", c), agents[c%len(agents)], teamID, resolvedAt, "text", "Obrigado!", "inbound", first, now})
	}
	err := d.InTx(ctx, func(tx *db.Tx) error {
		if err := db.BulkLoad(ctx, tx); err != nil {
			return err
		}
		if err := db.CopyRows(ctx, tx, "contacts", []string{"id", "company_id", "phone", "name", "search", "created_at", "updated_at"}, contactRows); err != nil {
			return err
		}
		if err := db.CopyRows(ctx, tx, "contact_addresses", []string{"company_id", "contact_id", "kind", "value", "created_at"}, addrRows); err != nil {
			return err
		}
		return db.CopyRows(ctx, tx, "conversations", []string{"id", "company_id", "connection_id", "contact_id", "status", "unread_count",
			"last_message_at", "last_inbound_at", "protocol", "assignee_id", "team_id", "resolved_at", "last_message_type", "last_message_text",
			"last_message_direction", "created_at", "updated_at"}, convRows)
	})
	if err != nil {
		b.Fatal(err)
	}
	codes := []string{"131026", "131049", "opted_out"}
	const batch = 50_000
	for lo := 0; lo < n; lo += batch {
		rows := make([][]any, 0, batch)
		for k := lo; k < min(lo+batch, n); k++ {
			c := min(k/perConversation, nConv-1)
			at := start.Add(time.Duration(k) * step)
			dir, status, source, code := "inbound", "received", "", ""
			var author, sentAt any
			if k%2 == 1 {
				dir, source, author, sentAt = "outbound", "agent", agents[c%len(agents)], at
				switch r := (k / 2) % 20; {
				case r == 0:
					status, code, sentAt = "failed", codes[(k/40)%len(codes)], nil
				case r == 1:
					status, sentAt = "queued", nil
				case r < 4:
					status = "sent"
				case r < 9:
					status = "delivered"
				default:
					status = "read"
				}
			} else if !at.Before(from) && at.Before(to) {
				received++
			}
			rows = append(rows, []any{ids.New(), companyID, convIDs[c], contactIDs[c], conns[c%len(conns)], dir, "text", "Oi, tudo bem?", "{}", status,
				"", "", 0, source, author, sentAt, code, at})
		}
		err := d.InTx(ctx, func(tx *db.Tx) error {
			if err := db.BulkLoad(ctx, tx); err != nil {
				return err
			}
			return db.CopyRows(ctx, tx, "messages", []string{"id", "company_id", "conversation_id", "contact_id", "connection_id", "direction", "type", "text",
				"content", "status", "reply_to", "media_status", "lane", "source", "author_id", "sent_at", "error_code", "created_at"}, rows)
		})
		if err != nil {
			b.Fatal(err)
		}
	}
	for i := range 5000 * n / 1_000_000 {
		c := (i * 7) % nConv
		optRows = append(optRows, []any{ids.New(), companyID, contactIDs[c], "opt_out", "keyword", "contact",
			start.Add(time.Duration(i) * span / time.Duration(max(1, 5000*n/1_000_000)))})
	}
	err = d.InTx(ctx, func(tx *db.Tx) error {
		return db.CopyRows(ctx, tx, "consent_events", []string{"id", "company_id", "contact_id", "action", "source", "actor_type", "created_at"}, optRows)
	})
	if err != nil {
		b.Fatal(err)
	}
	return received
}

func benchDashboard(b *testing.B, d *db.DB, total, queries int) {
	unlimited(b)
	e := setup(b, d)
	owner, companyID := e.signup("Painel Co", "owner@painel.example")
	other, otherID := e.signup("Outra Co", "owner@outra.example")
	mkConn := func(c *client, typ string) string {
		body := map[string]any{"type": typ, "name": typ}
		if typ == "whatsapp_cloud" {
			body["config"] = map[string]any{"phone_number_id": "123456789", "waba_id": "987654321", "access_token": "t", "app_secret": "s"}
		}
		return c.must(201, "POST", "/api/v1/connections", body)["id"].(string)
	}
	conns := []string{mkConn(owner, "whatsapp_cloud"), mkConn(owner, "simulator")}
	otherConns := []string{mkConn(other, "simulator")}
	ownerID := owner.must(200, "GET", "/api/v1/me", nil)["user"].(map[string]any)["id"].(string)
	agents := []string{ownerID}
	for i := range 3 {
		_, id := e.invite(owner, fmt.Sprintf("agent%d@painel.example", i), "agent")
		agents = append(agents, id)
	}
	teamID := owner.must(201, "POST", "/api/v1/teams", map[string]any{"name": "Suporte", "auto_assign": false, "member_ids": agents})["id"].(string)
	otherOwner := other.must(200, "GET", "/api/v1/me", nil)["user"].(map[string]any)["id"].(string)
	otherTeam := other.must(201, "POST", "/api/v1/teams", map[string]any{"name": "Outra", "auto_assign": false, "member_ids": []string{otherOwner}})["id"].(string)

	// The company's days (São Paulo); the seed ends a minute ago.
	loc, err := time.LoadLocation("America/Sao_Paulo")
	if err != nil {
		b.Fatal(err)
	}
	now := time.Now().In(loc)
	today := time.Date(now.Year(), now.Month(), now.Day(), 0, 0, 0, 0, loc)
	span := 90 * 24 * time.Hour
	start := time.Now().Add(-span - time.Minute).UTC()
	last30 := today.AddDate(0, 0, -29)
	seedStart := time.Now()
	want30 := dashboardSeed(b, d, companyID, conns, agents, teamID, total, start, span, last30, today.AddDate(0, 0, 1))
	dashboardSeed(b, d, otherID, otherConns, []string{otherOwner}, otherTeam, max(1, total/10), start, span, last30, today.AddDate(0, 0, 1))
	if err := d.Refresh(context.Background(), "contacts", "contact_addresses", "conversations", "messages", "consent_events"); err != nil {
		b.Fatal(err)
	}
	seeded := time.Since(seedStart)

	day := func(t time.Time) string { return t.Format("2006-01-02") }
	pages := []benchPage{
		{"today", func(int) string { return "/api/v1/dashboard?from=" + day(today) + "&to=" + day(today) }},
		{"7_days", func(int) string {
			return "/api/v1/dashboard?from=" + day(today.AddDate(0, 0, -6)) + "&to=" + day(today)
		}},
		{"30_days", func(int) string { return "/api/v1/dashboard?from=" + day(last30) + "&to=" + day(today) }},
		{"90_days", func(int) string {
			return "/api/v1/dashboard?from=" + day(today.AddDate(0, 0, -89)) + "&to=" + day(today)
		}},
		{"30_days_connection", func(int) string {
			return "/api/v1/dashboard?" + url.Values{"from": {day(last30)}, "to": {day(today)}, "connection_id": {conns[1]}}.Encode()
		}},
	}
	// The answer is right before it is timed.
	got := owner.must(200, "GET", pages[2].path(0), nil)
	if n := got["totals"].(map[string]any)["received"]; n != float64(want30) {
		b.Fatalf("30 days: %v received, want %d", n, want30)
	}

	b.ResetTimer()
	var summary []string
	for _, p := range pages {
		lat := make([]time.Duration, 0, queries)
		for i := range queries {
			t0 := time.Now()
			r := owner.do("GET", p.path(i), nil)
			lat = append(lat, time.Since(t0))
			if r.status != 200 {
				b.Fatalf("GET %s: %d %s", p.path(i), r.status, r.body)
			}
		}
		slices.Sort(lat)
		b.ReportMetric(ms(pct(lat, 50)), p.name+"_p50_ms")
		b.ReportMetric(ms(pct(lat, 95)), p.name+"_p95_ms")
		summary = append(summary, fmt.Sprintf("%s p50 %.1f ms p95 %.1f ms", p.name, ms(pct(lat, 50)), ms(pct(lat, 95))))
		// Where the time of the last one went, as the service logs it.
		lines := strings.Split(e.log.String(), "\n")
		for i := len(lines) - 1; i >= 0; i-- {
			if strings.Contains(lines[i], `"dashboard computed"`) {
				b.Logf("%s: %s", p.name, lines[i])
				break
			}
		}
	}
	b.StopTimer()
	reportLoad(b)
	b.Logf("%s: %d messages seeded in %s; %s", d.Dialect(), total, seeded.Round(time.Second), strings.Join(summary, "; "))
}
