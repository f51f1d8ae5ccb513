package httpapi_test

import (
	"fmt"
	"strings"
	"testing"

	"github.com/masteria/masteria/internal/httpapi"
	"github.com/masteria/masteria/internal/store/db"
	"github.com/masteria/masteria/internal/store/dbtest"
)

func TestSignupLoginMeSwitchLogoutContract(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		e := setup(t, d)
		c := e.anon()
		m := c.must(201, "POST", "/api/v1/auth/signup", map[string]any{
			"company_name": "Padaria Pão Quente", "name": "Ana", "email": "Ana@Example.com", "password": goodPassword})
		user := m["user"].(map[string]any)
		company := m["company"].(map[string]any)
		if m["token"] == "" || user["email"] != "ana@example.com" || user["name"] != "Ana" || company["name"] != "Padaria Pão Quente" {
			t.Fatalf("signup shape: %v", m)
		}
		if _, ok := user["id"].(string); !ok {
			t.Fatalf("ids must be strings: %v", user["id"])
		}

		m = c.must(200, "POST", "/api/v1/auth/login", map[string]any{"email": "ana@example.com", "password": goodPassword})
		cos := m["companies"].([]any)
		if len(cos) != 1 || cos[0].(map[string]any)["role"] != "owner" || m["token"] == "" {
			t.Fatalf("login shape: %v", m)
		}
		c.token = m["token"].(string)

		me := c.must(200, "GET", "/api/v1/me", nil)
		if me["role"] != "owner" || me["company"].(map[string]any)["id"] != company["id"] || me["user"].(map[string]any)["id"] != user["id"] {
			t.Fatalf("me: %v", me)
		}

		second := c.must(201, "POST", "/api/v1/companies", map[string]any{"name": "Filial"})
		secondID := second["company"].(map[string]any)["id"].(string)
		sw := c.must(200, "POST", "/api/v1/auth/switch", map[string]any{"company_id": secondID})
		if sw["role"] != "owner" || sw["company"].(map[string]any)["id"] != secondID || sw["token"] == "" {
			t.Fatalf("switch: %v", sw)
		}
		c.token = sw["token"].(string)
		if got := c.must(200, "GET", "/api/v1/me", nil)["company"].(map[string]any)["id"]; got != secondID {
			t.Fatalf("after switch, me acts for %v", got)
		}

		r := c.do("POST", "/api/v1/auth/logout", nil)
		if r.status != 204 {
			t.Fatalf("logout: %d %s", r.status, r.body)
		}
		if r := c.do("GET", "/api/v1/me", nil); r.status != 401 || r.errCode(t) != "unauthorized" {
			t.Fatalf("token still works after logout: %d", r.status)
		}
	})
}

func TestWrongPasswordAndRateLimit(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		e := setup(t, d)
		e.signup("Acme", "ana@example.com")
		c := e.anon()
		for i := 1; i <= 10; i++ {
			r := c.do("POST", "/api/v1/auth/login", map[string]any{"email": "ana@example.com", "password": fmt.Sprintf("wrong-%d-password", i)})
			if r.status != 401 || r.errCode(t) != "invalid_credentials" {
				t.Fatalf("attempt %d: %d %s", i, r.status, r.body)
			}
		}
		// The 11th attempt is refused even with the right password.
		r := c.do("POST", "/api/v1/auth/login", map[string]any{"email": "ana@example.com", "password": goodPassword})
		if r.status != 429 || r.errCode(t) != "rate_limited" || r.header.Get("Retry-After") == "" {
			t.Fatalf("11th attempt: %d %s", r.status, r.body)
		}
		// Failed logins are in the company's audit log.
		owner := e.browser
		_ = owner
		var n int
		if err := d.QueryRow(t.Context(), `SELECT count(*) FROM audit_log WHERE action = 'auth.login_failed'`).Scan(&n); err != nil || n != 10 {
			t.Fatalf("audit has %d failed logins (%v), want 10", n, err)
		}
	})
}

func TestBadAPIKeysAreRateLimitedPerIP(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		e := setup(t, d)
		c := e.anon()
		c.token = "mst_000000000000_notarealsecret"
		for i := 1; i <= 10; i++ {
			if r := c.do("GET", "/api/v1/me", nil); r.status != 401 {
				t.Fatalf("attempt %d: %d", i, r.status)
			}
		}
		if r := c.do("GET", "/api/v1/me", nil); r.status != 429 || r.errCode(t) != "rate_limited" {
			t.Fatalf("11th bad key: %d %s", r.status, r.body)
		}
	})
}

func TestBadInputChangesNothing(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		e := setup(t, d)
		e.signup("Acme", "taken@example.com")
		valid := `{"company_name":"B","name":"Bia","email":"bia@example.com","password":"correct horse battery"}`
		tests := []struct {
			name, body, ctype string
			status            int
			code, field       string
		}{
			{"malformed JSON", `{"company_name":`, "", 400, "malformed_json", ""},
			{"not an object", `[1,2]`, "", 400, "invalid_type", ""},
			{"empty body", ``, "", 400, "empty_body", ""},
			{"two objects", valid + valid, "", 400, "malformed_json", ""},
			{"unknown field", `{"company_name":"B","name":"Bia","email":"bia@example.com","password":"correct horse battery","admin":true}`, "", 400, "unknown_field", "admin"},
			{"wrong type", `{"company_name":1,"name":"Bia","email":"bia@example.com","password":"correct horse battery"}`, "", 400, "invalid_type", "company_name"},
			{"oversized", `{"company_name":"` + strings.Repeat("a", 1<<20) + `"}`, "", 413, "body_too_large", ""},
			{"form post", `company_name=B`, "application/x-www-form-urlencoded", 415, "unsupported_media_type", ""},
			{"invalid email", `{"company_name":"B","name":"Bia","email":"bia@","password":"correct horse battery"}`, "", 422, "validation_failed", "email"},
			{"weak password", `{"company_name":"B","name":"Bia","email":"bia@example.com","password":"short"}`, "", 422, "validation_failed", "password"},
			{"one repeated character", `{"company_name":"B","name":"Bia","email":"bia@example.com","password":"aaaaaaaaaaaa"}`, "", 422, "validation_failed", "password"},
			{"missing company", `{"name":"Bia","email":"bia@example.com","password":"correct horse battery"}`, "", 422, "validation_failed", "company_name"},
			{"duplicate email", `{"company_name":"B","name":"Bia","email":"TAKEN@example.com","password":"correct horse battery"}`, "", 422, "validation_failed", "email"},
		}
		before := [3]int{e.count("users"), e.count("companies"), e.count("sessions")}
		for _, tt := range tests {
			t.Run(tt.name, func(t *testing.T) {
				hdr := map[string]string{}
				if tt.ctype != "" {
					hdr["Content-Type"] = tt.ctype
				}
				r := e.anon().raw("POST", "/api/v1/auth/signup", strings.NewReader(tt.body), hdr)
				if r.status != tt.status || r.errCode(t) != tt.code {
					t.Fatalf("got %d %s, want %d %s", r.status, r.body, tt.status, tt.code)
				}
				if tt.field != "" {
					fields, _ := r.json(t)["error"].(map[string]any)["fields"].(map[string]any)
					if fields[tt.field] == nil {
						t.Fatalf("error does not name field %q: %s", tt.field, r.body)
					}
				}
			})
		}
		after := [3]int{e.count("users"), e.count("companies"), e.count("sessions")}
		if before != after {
			t.Fatalf("bad input changed the database: %v -> %v", before, after)
		}
	})
}

func TestPasswordChangeRevokesOtherSessions(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		e := setup(t, d)
		first, _ := e.signup("Acme", "ana@example.com")
		second := e.browser("ana@example.com", goodPassword)
		if r := first.do("POST", "/api/v1/me/password", map[string]any{"current_password": "nope nope nope", "new_password": "another good one"}); r.status != 422 {
			t.Fatalf("wrong current password: %d %s", r.status, r.body)
		}
		second.must(204, "POST", "/api/v1/me/password", map[string]any{"current_password": goodPassword, "new_password": "another good one"})
		if r := first.do("GET", "/api/v1/me", nil); r.status != 401 {
			t.Fatalf("other session survived the password change: %d", r.status)
		}
		second.must(200, "GET", "/api/v1/me", nil)
		if r := e.anon().do("POST", "/api/v1/auth/login", map[string]any{"email": "ana@example.com", "password": goodPassword}); r.status != 401 {
			t.Fatalf("old password still works: %d", r.status)
		}
		e.anon().must(200, "POST", "/api/v1/auth/login", map[string]any{"email": "ana@example.com", "password": "another good one"})
	})
}

func TestAPIKeysShownOnceAndRevocable(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		e := setup(t, d)
		owner, companyID := e.signup("Acme", "ana@example.com")
		k := owner.must(201, "POST", "/api/v1/api-keys", map[string]any{"name": "Zapier"})
		key := k["key"].(string)
		if !strings.HasPrefix(key, "mst_") || k["id"] == "" || k["name"] != "Zapier" {
			t.Fatalf("create: %v", k)
		}
		list := owner.must(200, "GET", "/api/v1/api-keys", nil)
		if strings.Contains(fmt.Sprint(list), key[17:]) {
			t.Fatal("the list shows the key's secret")
		}
		if data := list["data"].([]any); len(data) != 1 || data[0].(map[string]any)["prefix"] != key[:16] {
			t.Fatalf("list: %v", list)
		}
		bot := e.anon()
		bot.token = key
		me := bot.must(200, "GET", "/api/v1/me", nil)
		if me["company"].(map[string]any)["id"] != companyID || me["user"] != nil {
			t.Fatalf("me as key: %v", me)
		}
		if r := bot.do("POST", "/api/v1/api-keys", map[string]any{"name": "more"}); r.status != 403 {
			t.Fatalf("a key made a key: %d", r.status)
		}
		owner.must(204, "DELETE", "/api/v1/api-keys/"+k["id"].(string), nil)
		if r := bot.do("GET", "/api/v1/me", nil); r.status != 401 {
			t.Fatalf("revoked key still works: %d", r.status)
		}
		if r := owner.do("DELETE", "/api/v1/api-keys/"+k["id"].(string), nil); r.status != 404 {
			t.Fatalf("second revoke: %d", r.status)
		}
	})
}

func TestTeamRolesAndLastOwner(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		e := setup(t, d)
		owner, _ := e.signup("Acme", "ana@example.com")
		admin, adminID := e.invite(owner, "admin@example.com", "admin")
		_, agentID := e.invite(owner, "agent@example.com", "agent")
		me := owner.must(200, "GET", "/api/v1/me", nil)
		ownerID := me["user"].(map[string]any)["id"].(string)

		if r := admin.do("PATCH", "/api/v1/members/"+agentID, map[string]any{"role": "owner"}); r.status != 403 {
			t.Fatalf("admin granted ownership: %d", r.status)
		}
		admin.must(200, "PATCH", "/api/v1/members/"+agentID, map[string]any{"role": "admin"})
		if r := owner.do("PATCH", "/api/v1/members/"+ownerID, map[string]any{"role": "agent"}); r.status != 409 || r.errCode(t) != "last_owner" {
			t.Fatalf("last owner demoted: %d %s", r.status, r.body)
		}
		if r := owner.do("DELETE", "/api/v1/members/"+ownerID, nil); r.status != 409 {
			t.Fatalf("last owner removed: %d", r.status)
		}
		if r := owner.do("PATCH", "/api/v1/members/"+agentID, map[string]any{"role": "boss"}); r.status != 422 {
			t.Fatalf("unknown role: %d", r.status)
		}
		owner.must(204, "DELETE", "/api/v1/members/"+adminID, nil)
		if r := admin.do("GET", "/api/v1/me", nil); r.status != 401 {
			t.Fatalf("removed member still acts for the company: %d", r.status)
		}
		members := owner.must(200, "GET", "/api/v1/members", nil)["data"].([]any)
		if len(members) != 2 {
			t.Fatalf("members after removal: %v", members)
		}
	})
}

func TestPerCompanyAndPerKeyRateLimits(t *testing.T) {
	httpOptions[t] = httpapi.Options{CompanyRate: 0.001, CompanyBurst: 8, KeyRate: 0.001, KeyBurst: 3}
	defer delete(httpOptions, t)
	e := setup(t, dbtest.SQLite(t))
	owner, _ := e.signup("Acme", "ana@example.com")
	other, _ := e.signup("Globex", "gil@example.com")
	k := owner.must(201, "POST", "/api/v1/api-keys", map[string]any{"name": "k"})
	bot := e.anon()
	bot.token = k["key"].(string)
	for i := 0; i < 3; i++ {
		bot.must(200, "GET", "/api/v1/me", nil)
	}
	if r := bot.do("GET", "/api/v1/me", nil); r.status != 429 || r.errCode(t) != "rate_limited" {
		t.Fatalf("key past its burst: %d", r.status)
	}
	// The company's budget (8) is shared by its people and keys: 1 key + 3 + 1 refused-by-key used 5.
	for i := 0; i < 3; i++ {
		owner.must(200, "GET", "/api/v1/me", nil)
	}
	if r := owner.do("GET", "/api/v1/me", nil); r.status != 429 {
		t.Fatalf("company past its burst: %d", r.status)
	}
	// Another company is not affected.
	other.must(200, "GET", "/api/v1/me", nil)
}
