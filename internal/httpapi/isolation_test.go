package httpapi_test

import (
	"context"
	"fmt"
	"net/url"
	"regexp"
	"sort"
	"strings"
	"testing"

	"github.com/masteria/masteria/internal/httpapi"
	"github.com/masteria/masteria/internal/store/db"
	"github.com/masteria/masteria/internal/store/dbtest"
)

// tenantTables finds every table with a company_id column, so a table added
// by a later migration is in the snapshot without anyone listing it.
func tenantTables(t *testing.T, d *db.DB) []string {
	t.Helper()
	q := `SELECT m.name FROM sqlite_master m, pragma_table_info(m.name) p WHERE m.type = 'table' AND p.name = 'company_id' ORDER BY 1`
	if d.Dialect() == db.Postgres {
		q = `SELECT table_name FROM information_schema.columns WHERE table_schema = 'public' AND column_name = 'company_id' ORDER BY 1`
	}
	rows, err := d.Query(context.Background(), q)
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	var out []string
	for rows.Next() {
		var name string
		if err := rows.Scan(&name); err != nil {
			t.Fatal(err)
		}
		out = append(out, name)
	}
	if len(out) < 6 {
		t.Fatalf("found only %d tenant tables: %v", len(out), out)
	}
	return out
}

// snapshot is every row that belongs to a company (and its people), as text.
func snapshot(t *testing.T, d *db.DB, companyID string) string {
	t.Helper()
	ctx := context.Background()
	var b strings.Builder
	dump := func(label, q string, args ...any) {
		rows, err := d.Query(ctx, q, args...)
		if err != nil {
			t.Fatalf("snapshot %s: %v", label, err)
		}
		defer rows.Close()
		cols, _ := rows.Columns()
		for rows.Next() {
			vals := make([]any, len(cols))
			ptrs := make([]any, len(cols))
			for i := range vals {
				ptrs[i] = &vals[i]
			}
			if err := rows.Scan(ptrs...); err != nil {
				t.Fatal(err)
			}
			fmt.Fprintf(&b, "%s %v\n", label, vals)
		}
	}
	dump("company", `SELECT * FROM companies WHERE id = ?`, companyID)
	for _, tbl := range tenantTables(t, d) {
		switch tbl {
		case "message_count_deltas":
			// Folded into message_counts in the background (PostgreSQL):
			// what they count together is the company's data.
		case "message_counts":
			dump(tbl, `SELECT slot, connection_id, code, sum(received), sum(queued), sum(sending), sum(sent), sum(delivered), sum(read), sum(failed)
				FROM (SELECT * FROM message_counts WHERE company_id = ? UNION ALL SELECT * FROM message_count_deltas WHERE company_id = ?) c
				GROUP BY slot, connection_id, code
				HAVING sum(received) <> 0 OR sum(queued) <> 0 OR sum(sending) <> 0 OR sum(sent) <> 0 OR sum(delivered) <> 0 OR sum(read) <> 0 OR sum(failed) <> 0
				ORDER BY 1, 2, 3`, companyID, companyID)
		default:
			dump(tbl, `SELECT * FROM `+tbl+` WHERE company_id = ? ORDER BY 1`, companyID)
		}
	}
	dump("users", `SELECT * FROM users WHERE id IN (SELECT user_id FROM memberships WHERE company_id = ?) ORDER BY id`, companyID)
	dump("user_tokens", `SELECT * FROM user_tokens WHERE user_id IN (SELECT user_id FROM memberships WHERE company_id = ?) ORDER BY id`, companyID)
	return b.String()
}

var param = regexp.MustCompile(`\{[a-z_]+\}`)

// examples are valid bodies for the routes that take one, so that a probe
// gets past validation to the lookup that must fail. A route with a body and
// no example fails the isolation test until one is added here.
var examples = map[string]map[string]any{
	"POST /api/v1/auth/signup":                {"company_name": "Probe Co", "name": "Probe", "email": "probe@bravo.example", "password": goodPassword},
	"POST /api/v1/auth/login":                 {"email": "bravo-owner@bravo.example", "password": goodPassword},
	"POST /api/v1/auth/switch":                {"company_id": "x"},
	"POST /api/v1/auth/password/forgot":       {"email": "alpha-owner@alpha.example"},
	"POST /api/v1/auth/password/reset":        {"token": "x", "password": goodPassword},
	"POST /api/v1/auth/email/verify":          {"token": "x"},
	"POST /api/v1/invitations/{token}/accept": {"name": "Probe", "password": goodPassword},
	"PATCH /api/v1/me":                        {"name": "Bravo Owner"},
	"POST /api/v1/me/password":                {"current_password": "not the password", "new_password": "another good one"},
	"POST /api/v1/companies":                  {"name": "Bravo Two"},
	"PATCH /api/v1/company":                   {"name": "Bravo Co"},
	"PATCH /api/v1/members/{id}":              {"role": "agent"},
	"POST /api/v1/contacts":                   {"phone": "+55 81 91234-5678", "name": "Probe"},
	"PATCH /api/v1/contacts/{id}":             {"name": "Probe"},
	"POST /api/v1/contacts/bulk":              {"contact_ids": []string{}, "add_tags": []string{"x"}},
	"POST /api/v1/contacts/{id}/merge":        {"other_id": "x"},
	"POST /api/v1/contacts/{id}/consent":      {"action": "opt_out", "source": "agent", "reason": "probe"},
	"POST /api/v1/tags":                       {"name": "probe"},
	"PATCH /api/v1/tags/{id}":                 {"name": "probe"},
	"POST /api/v1/fields":                     {"key": "probe", "type": "text"},
	"PATCH /api/v1/fields/{id}":               {"label": "Probe"},
	"POST /api/v1/segments":                   {"name": "probe", "filter": map[string]any{"q": "x"}},
	"PATCH /api/v1/segments/{id}":             {"name": "probe"},
	"POST /api/v1/segments/count":             {"filter": map[string]any{"tags": map[string]any{"any": []string{"x"}}}},
	"POST /api/v1/invitations":                {"email": "probe@bravo.example", "role": "agent"},
	"POST /api/v1/api-keys":                   {"name": "Probe key"},
	"POST /api/v1/connections":                {"type": "simulator", "name": "Probe sim", "team_id": ""},
	"PATCH /api/v1/connections/{id}":          {"name": "Probe"},
	"POST /api/v1/connections/{id}/simulate":  {"from": "+55 11 98765-1111", "text": "probe"},
	"POST /api/v1/connections/{id}/templates": {"name": "probe_t", "language": "pt_BR", "category": "UTILITY",
		"components": []any{map[string]any{"type": "BODY", "text": "Oi"}}},
	"PATCH /api/v1/connections/{id}/templates/{template_id}": {"category": "UTILITY"},
	"POST /api/v1/conversations/{id}/messages":               {"type": "text", "text": "probe"},
	"POST /api/v1/messages":                                  {"connection_id": "x", "to": "+55 11 98765-1111", "type": "text", "text": "probe"},
	"PATCH /api/v1/conversations/{id}":                       {"status": "pending", "team_id": nil, "assignee_id": nil, "label_ids": []string{}},
	"PATCH /api/v1/messages/{id}":                            {"text": "probe"},
	"PUT /api/v1/me/availability":                            {"availability": "away"},
	"POST /api/v1/teams":                                     {"name": "Probe team", "member_ids": []string{}},
	"PATCH /api/v1/teams/{id}":                               {"name": "Probe team"},
	"POST /api/v1/labels":                                    {"name": "probe"},
	"PATCH /api/v1/labels/{id}":                              {"name": "probe"},
	"POST /api/v1/canned-responses":                          {"shortcut": "probe", "text": "Oi"},
	"PATCH /api/v1/canned-responses/{id}":                    {"text": "Oi"},
	"POST /api/v1/campaigns": {"name": "Probe", "connection_ids": []string{}, "audience": map[string]any{"all": true},
		"message": map[string]any{"type": "text", "text": "probe"}},
	"PATCH /api/v1/campaigns/{id}":     {"name": "Probe"},
	"POST /api/v1/campaigns/audience":  {"audience": map[string]any{"segment_ids": []string{}, "all": true}, "connection_ids": []string{}},
	"POST /api/v1/campaigns/{id}/test": {"phone": "+55 11 98765-1111"},
	"POST /api/v1/campaigns/audience/opt-in": {"audience": map[string]any{"segment_ids": []string{}, "all": true},
		"source": "form", "wording": "probe"},
}

// takesNoBody are the writes that read no JSON body (uploads are multipart
// and carry no ids).
var takesNoBody = map[string]bool{
	"POST /api/v1/contacts/import/preview":            true,
	"POST /api/v1/contacts/import":                    true,
	"POST /api/v1/auth/logout":                        true,
	"POST /api/v1/auth/email/resend":                  true,
	"POST /api/v1/members/{id}/reset-link":            true,
	"POST /api/v1/connections/{id}/test":              true,
	"POST /api/v1/connections/{id}/templates/sync":    true,
	"POST /api/v1/connections/{id}/templates/samples": true,
	"POST /api/v1/webhook-events/{id}/reprocess":      true,
	"POST /api/v1/conversations/take":                 true,
	"POST /api/v1/conversations/{id}/read":            true,
	"POST /api/v1/conversations/{id}/attachments":     true,
	"POST /api/v1/campaigns/{id}/start":               true,
	"POST /api/v1/campaigns/{id}/pause":               true,
	"POST /api/v1/campaigns/{id}/resume":              true,
	"POST /api/v1/campaigns/{id}/cancel":              true,
	"POST /api/v1/campaigns/{id}/duplicate":           true,
}

// isIDField names body fields that hold object ids. Link tokens are secrets,
// not ids: a wrong one is an invalid link (400), probed by the path and query
// variants for leaks like every other field.
func isIDField(name string) bool {
	return name == "id" || strings.HasSuffix(name, "_id") || strings.HasSuffix(name, "_ids")
}

// TestTenantIsolationOnEveryRoute walks every registered route as the owner
// of company B with company A's ids in the path, the query string and the
// body, and proves B never sees A's data, never changes it, and gets 404 for
// A's objects in the path. It also proves agents are refused admin routes.
func TestTenantIsolationOnEveryRoute(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		// The walk sends thousands of requests as one company: no rate limit.
		httpOptions[t] = httpapi.Options{CompanyRate: 1e6, CompanyBurst: 1e6, KeyRate: 1e6, KeyBurst: 1e6}
		defer delete(httpOptions, t)
		e := setup(t, d)
		e.startJobs()

		// Company A, with one of everything.
		ownerA, companyA := e.signup("Alpha Secret Co", "alpha-owner@alpha.example")
		_, agentA := e.invite(ownerA, "alpha-agent@alpha.example", "agent")
		invA := ownerA.must(201, "POST", "/api/v1/invitations", map[string]any{"email": "alpha-pending@alpha.example", "role": "admin"})
		keyA := ownerA.must(201, "POST", "/api/v1/api-keys", map[string]any{"name": "Alpha integration"})
		ownerA.must(200, "PATCH", "/api/v1/company", map[string]any{"time_zone": "Europe/Lisbon"})
		meA := ownerA.must(200, "GET", "/api/v1/me", nil)
		ownerAID := meA["user"].(map[string]any)["id"].(string)
		var auditA string
		if err := d.QueryRow(context.Background(), `SELECT id FROM audit_log WHERE company_id = ? ORDER BY id LIMIT 1`, companyA).Scan(&auditA); err != nil {
			t.Fatal(err)
		}
		fieldA := ownerA.must(201, "POST", "/api/v1/fields", map[string]any{"key": "alpha_city", "label": "Alpha City", "type": "text"})
		tagA := ownerA.must(201, "POST", "/api/v1/tags", map[string]any{"name": "alpha-vip"})
		contactA := ownerA.must(201, "POST", "/api/v1/contacts", map[string]any{"phone": "+55 11 98765-4321", "name": "Alpha Customer",
			"fields": map[string]any{"alpha_city": "Alphaville"}, "tags": []string{"alpha-vip"}})
		otherContactA := ownerA.must(201, "POST", "/api/v1/contacts", map[string]any{"phone": "+55 11 98765-0000", "name": "Alpha Other"})
		ownerA.must(201, "POST", "/api/v1/contacts/"+contactA["id"].(string)+"/consent", map[string]any{"action": "opt_in", "source": "form", "wording": "Alpha wording"})
		segA := ownerA.must(201, "POST", "/api/v1/segments", map[string]any{"name": "Alpha segment", "filter": map[string]any{"q": "alpha"}})
		impA := importCSV(t, ownerA, "Nome;Telefone\nAlpha Imported;(11) 99999-1234\n", nil)
		m := seedMessaging(t, e, ownerA, companyA)
		foreignIDs := []string{companyA, ownerAID, agentA, invA["id"].(string), keyA["id"].(string), auditA,
			fieldA["id"].(string), tagA["id"].(string), contactA["id"].(string), otherContactA["id"].(string), segA["id"].(string), impA,
			m.simulator, m.cloud, m.conversation, m.message, m.template, m.event, m.team, m.label, m.canned, m.note, m.campaign}
		secrets := append([]string{"Alpha Secret Co", "alpha.example", "Alpha integration", "Alpha Customer", "Alphaville",
			"alpha-vip", "Alpha wording", "Alpha segment", "Alpha Imported", "98765", "99999",
			"Alpha Phone", "Alpha hello", "alpha_welcome", "Alpha Cloud", "alpha-app-secret", "alpha-token",
			"Alpha Team", "alpha-label", "Alpha canned", "alphahi", "Alpha note", "Alpha campaign", "Alpha promo"}, foreignIDs...)

		// Company B, whose owner and agent probe.
		_, companyB := e.signup("Bravo Co", "bravo-owner@bravo.example")
		login := func() *client {
			c := e.anon()
			c.token = c.must(200, "POST", "/api/v1/auth/login", map[string]any{"email": "bravo-owner@bravo.example", "password": goodPassword})["token"].(string)
			return c
		}
		// One session for all probes, renewed after the routes that end or move it.
		bravo := login()
		ownerB := func() *client { return bravo }
		endsSession := map[string]bool{"/api/v1/auth/logout": true, "/api/v1/me/password": true, "/api/v1/auth/switch": true}
		agentB, _ := e.invite(ownerB(), "bravo-agent@bravo.example", "agent")

		query := url.Values{"company_id": {companyA}, "user_id": {ownerAID}, "id": {agentA}, "cursor": {auditA},
			"connection_id": {m.simulator}, "contact_id": {contactA["id"].(string)}, "team_id": {m.team}, "label": {m.label},
			"conversation_id": {m.conversation}, "assignee": {ownerAID}}.Encode()

		before := snapshot(t, d, companyA)
		routes := e.app.HTTP.Routes()
		covered := 0
		for _, rt := range routes {
			key := rt.Method + " " + rt.Path
			ex, hasExample := examples[key]
			if rt.Method != "GET" && rt.Method != "DELETE" && !hasExample && !takesNoBody[key] {
				t.Errorf("%s takes a body: add a valid example to examples in isolation_test.go", key)
			}
			type probe struct {
				name      string
				path      string
				body      any
				mustBe404 bool
			}
			var paths []string
			if param.MatchString(rt.Path) {
				for _, id := range foreignIDs {
					paths = append(paths, param.ReplaceAllString(rt.Path, id))
				}
			} else {
				paths = []string{rt.Path}
			}
			var probes []probe
			hasParam := param.MatchString(rt.Path)
			for i, p := range paths {
				var b any
				if ex != nil {
					b = ex
				}
				probes = append(probes, probe{"path", p, b, hasParam}, probe{"query", p + "?" + query, b, hasParam})
				if i > 0 {
					// With another company's id in the path the answer is
					// 404 whatever the body holds: one path is enough for
					// the body's ids.
					continue
				}
				for field := range ex {
					if !isIDField(field) {
						continue
					}
					for _, id := range foreignIDs {
						withID := map[string]any{}
						for k, v := range ex {
							withID[k] = v
						}
						withID[field] = id
						if strings.HasSuffix(field, "_ids") {
							withID[field] = []string{id}
						}
						probes = append(probes, probe{"body " + field, p, withID, true})
					}
				}
			}
			// Company A is compared once per route, and B around a GET's
			// probes: a snapshot per probe made the walk take minutes.
			var beforeB string
			if rt.Method == "GET" {
				beforeB = snapshot(t, d, companyB)
			}
			for _, variant := range probes {
				c := ownerB()
				r := c.do(rt.Method, variant.path, variant.body)
				if endsSession[rt.Path] {
					bravo = login()
				}
				where := fmt.Sprintf("%s %s (%s)", rt.Method, variant.path, variant.name)
				if r.status >= 500 {
					t.Errorf("%s: server error %d: %s", where, r.status, r.body)
				}
				if variant.mustBe404 && r.status != 404 {
					t.Errorf("%s: got %d for another company's object, want 404: %s", where, r.status, r.body)
				}
				for _, s := range secrets {
					if strings.Contains(string(r.body), s) {
						t.Errorf("%s: response leaks company A's %q: %s", where, s, r.body)
					}
				}
			}
			if after := snapshot(t, d, companyA); after != before {
				t.Fatalf("%s changed company A's data:\nbefore:\n%s\nafter:\n%s", key, before, after)
			}
			if rt.Method == "GET" {
				if afterB := snapshot(t, d, companyB); afterB != beforeB {
					t.Errorf("%s: a GET changed state", key)
				}
			}
			covered++

			// Role check: an agent of B is refused every admin route.
			if rt.Access >= httpapi.Admin {
				r := agentB.do(rt.Method, param.ReplaceAllString(rt.Path, foreignIDs[1]), map[string]any{})
				if r.status != 403 || r.errCode(t) != "forbidden" {
					t.Errorf("agent %s %s: got %d, want 403", rt.Method, rt.Path, r.status)
				}
			}
		}
		if covered != len(routes) || covered < 25 {
			t.Fatalf("walked %d of %d routes", covered, len(routes))
		}
		if after := snapshot(t, d, companyA); after != before {
			t.Fatal("company A's data changed")
		}
	})
}

// TestPublicRoutesAreExactlyThese fails when a route becomes public without
// anyone deciding it should.
func TestPublicRoutesAreExactlyThese(t *testing.T) {
	want := []string{
		"GET /api/v1/config",
		"GET /api/v1/invitations/{token}",
		"POST /api/v1/auth/email/verify",
		"POST /api/v1/auth/login",
		"POST /api/v1/auth/password/forgot",
		"POST /api/v1/auth/password/reset",
		"POST /api/v1/auth/signup",
		"POST /api/v1/invitations/{token}/accept",
	}
	e := setup(t, dbtest.SQLite(t))
	var got []string
	for _, rt := range e.app.HTTP.Routes() {
		if rt.Access == httpapi.Public {
			got = append(got, rt.Method+" "+rt.Path)
		}
	}
	sort.Strings(got)
	if strings.Join(got, "\n") != strings.Join(want, "\n") {
		t.Fatalf("public routes:\n%s\nwant:\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
	}
	// And each of the others refuses an anonymous caller.
	for _, rt := range e.app.HTTP.Routes() {
		if rt.Access == httpapi.Public {
			continue
		}
		r := e.anon().do(rt.Method, param.ReplaceAllString(rt.Path, "x"), map[string]any{})
		if r.status != 401 {
			t.Errorf("anonymous %s %s: %d, want 401", rt.Method, rt.Path, r.status)
		}
	}
}
