package httpapi_test

import (
	"bytes"
	"context"
	"encoding/json"
	"os"
	"path/filepath"
	"regexp"
	"sort"
	"strings"
	"testing"

	"github.com/masteria/masteria/internal/store/db"
	"github.com/masteria/masteria/internal/store/dbtest"
)

func TestCSRFOnCookieWrites(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		e := setup(t, d)
		e.signup("Acme", "ana@example.com")
		b := e.browser("ana@example.com", goodPassword)
		body := strings.NewReader(`{"name":"k"}`)
		tests := []struct {
			name string
			hdr  map[string]string
		}{
			{"no CSRF header", map[string]string{"X-CSRF-Token": ""}},
			{"wrong CSRF header", map[string]string{"X-CSRF-Token": "forged"}},
			{"cross-site origin", map[string]string{"Origin": "https://evil.example"}},
			{"null origin", map[string]string{"Origin": "null"}},
			{"no origin at all", map[string]string{"Origin": ""}},
			{"cross-site fetch metadata", map[string]string{"Sec-Fetch-Site": "cross-site"}},
			{"text/plain body", map[string]string{"Content-Type": "text/plain"}},
			{"form body", map[string]string{"Content-Type": "application/x-www-form-urlencoded"}},
		}
		keys := e.count("api_keys")
		for _, tt := range tests {
			t.Run(tt.name, func(t *testing.T) {
				body.Seek(0, 0)
				r := b.raw("POST", "/api/v1/api-keys", body, tt.hdr)
				if r.status != 403 || r.errCode(t) != "csrf_failed" {
					t.Fatalf("got %d %s, want 403 csrf_failed", r.status, r.body)
				}
			})
		}
		if e.count("api_keys") != keys {
			t.Fatal("a refused request created a key")
		}
		b.must(201, "POST", "/api/v1/api-keys", map[string]any{"name": "from the UI"})
		// A cross-site form posting to a public route is refused too.
		r := e.anon().raw("POST", "/api/v1/auth/login", strings.NewReader(`{}`), map[string]string{"Origin": "https://evil.example"})
		if r.status != 403 {
			t.Fatalf("cross-site login: %d", r.status)
		}
	})
}

func TestSessionCookieAttributes(t *testing.T) {
	e := setup(t, dbtest.SQLite(t))
	r := e.anon().do("POST", "/api/v1/auth/signup", map[string]any{"company_name": "Acme", "name": "Ana", "email": "ana@example.com", "password": goodPassword})
	var session, csrf string
	for _, c := range r.header.Values("Set-Cookie") {
		switch {
		case strings.HasPrefix(c, "masteria_session="):
			session = c
		case strings.HasPrefix(c, "masteria_csrf="):
			csrf = c
		}
	}
	// Plain-HTTP localhost: no Secure (browsers would drop it), no __Host- prefix.
	for _, want := range []string{"HttpOnly", "SameSite=Lax", "Path=/"} {
		if !strings.Contains(session, want) {
			t.Errorf("session cookie %q lacks %s", session, want)
		}
	}
	if csrf == "" || strings.Contains(csrf, "HttpOnly") {
		t.Errorf("CSRF cookie must be readable by the page: %q", csrf)
	}
}

func TestSecureCookieBehindHTTPS(t *testing.T) {
	e := setup(t, dbtest.SQLite(t), func(c *configT) { c.PublicURL = "https://masteria.example" })
	r := e.anon().do("POST", "/api/v1/auth/signup", map[string]any{"company_name": "Acme", "name": "Ana", "email": "ana@example.com", "password": goodPassword})
	joined := strings.Join(r.header.Values("Set-Cookie"), "\n")
	if !regexp.MustCompile(`(?m)^__Host-masteria_session=[^;]+; Path=/; .*HttpOnly; Secure; SameSite=Lax`).MatchString(joined) {
		t.Fatalf("cookies behind https: %s", joined)
	}
	if r.header.Get("Strict-Transport-Security") == "" {
		t.Fatal("no HSTS behind https")
	}
}

func TestSecurityHeadersOnEveryResponseClass(t *testing.T) {
	e := setup(t, dbtest.SQLite(t))
	for _, path := range []string{"/api/v1/config", "/api/v1/me", "/api/v1/nope", "/healthz", "/readyz", "/metrics", "/", "/settings/team", "/api/v1/openapi.json"} {
		r := e.anon().do("GET", path, nil)
		for _, h := range []string{"Content-Security-Policy", "X-Content-Type-Options", "X-Frame-Options", "Referrer-Policy", "X-Request-Id"} {
			if r.header.Get(h) == "" {
				t.Errorf("%s (%d) lacks %s", path, r.status, h)
			}
		}
		if !strings.Contains(r.header.Get("Content-Security-Policy"), "frame-ancestors 'none'") {
			t.Errorf("%s: CSP without frame-ancestors", path)
		}
	}
	if r := e.anon().do("GET", "/api/v1/nope", nil); r.status != 404 || r.errCode(t) != "route_not_found" {
		t.Fatalf("unknown API route: %d %s", r.status, r.body)
	}
}

func TestHealthReadinessAndMetrics(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		e := setup(t, d)
		e.anon().must(200, "GET", "/healthz", nil)
		if m := e.anon().must(200, "GET", "/readyz", nil); m["status"] != "ready" {
			t.Fatalf("readyz: %v", m)
		}
		e.anon().do("GET", "/api/v1/config", nil)
		r := e.anon().do("GET", "/metrics", nil)
		if !bytes.Contains(r.body, []byte(`masteria_http_requests_total{code="200",method="GET",route="GET /api/v1/config"}`)) {
			t.Fatalf("metrics lack the request counter:\n%.2000s", r.body)
		}
	})
}

// TestOpenAPIMatchesRoutes keeps /api/v1/openapi.json true: every route is
// documented, every documented operation exists, and public routes are the
// ones documented without security.
func TestOpenAPIMatchesRoutes(t *testing.T) {
	e := setup(t, dbtest.SQLite(t))
	r := e.anon().do("GET", "/api/v1/openapi.json", nil)
	var doc struct {
		OpenAPI string                                `json:"openapi"`
		Paths   map[string]map[string]json.RawMessage `json:"paths"`
	}
	if err := json.Unmarshal(r.body, &doc); err != nil || !strings.HasPrefix(doc.OpenAPI, "3.") {
		t.Fatalf("not an OpenAPI 3 document: %v", err)
	}
	documented := map[string]bool{}
	public := map[string]bool{}
	for path, ops := range doc.Paths {
		for method, raw := range ops {
			key := strings.ToUpper(method) + " " + path
			documented[key] = true
			var op struct {
				Security *[]any `json:"security"`
			}
			_ = json.Unmarshal(raw, &op)
			if op.Security != nil && len(*op.Security) == 0 {
				public[key] = true
			}
		}
	}
	var missing, extra, wrongAccess []string
	routes := map[string]bool{}
	for _, rt := range e.app.HTTP.Routes() {
		key := rt.Method + " " + rt.Path
		routes[key] = true
		if !documented[key] {
			missing = append(missing, key)
		}
		if public[key] != (rt.Access == 0) {
			wrongAccess = append(wrongAccess, key)
		}
	}
	for key := range documented {
		if !routes[key] {
			extra = append(extra, key)
		}
	}
	sort.Strings(missing)
	sort.Strings(extra)
	if len(missing)+len(extra)+len(wrongAccess) > 0 {
		t.Fatalf("openapi.json is out of date\nundocumented: %v\nno such route: %v\npublic/private differs: %v", missing, extra, wrongAccess)
	}
}

// TestNoSecretInDatabaseFileOrLogs creates every kind of secret the
// platform keeps and proves none is stored or logged in plaintext.
func TestNoSecretInDatabaseFileOrLogs(t *testing.T) {
	dir := t.TempDir()
	d, err := db.Open(context.Background(), "sqlite://"+filepath.Join(dir, "m.db"))
	if err != nil {
		t.Fatal(err)
	}
	if err := d.Migrate(context.Background()); err != nil {
		t.Fatal(err)
	}
	e := setup(t, d)
	owner, _ := e.signup("Acme", "ana@example.com")
	key := owner.must(201, "POST", "/api/v1/api-keys", map[string]any{"name": "k"})["key"].(string)
	inv := owner.must(201, "POST", "/api/v1/invitations", map[string]any{"email": "bob@example.com", "role": "agent"})["url"].(string)
	b := e.browser("ana@example.com", goodPassword)
	var sessionCookie string
	for _, c := range b.http.Jar.Cookies(mustURL(t, e.srv.URL)) {
		if c.Name == "masteria_session" {
			sessionCookie = c.Value
		}
	}
	members := owner.must(200, "GET", "/api/v1/members", nil)["data"].([]any)
	resetURL := owner.must(201, "POST", "/api/v1/members/"+members[0].(map[string]any)["id"].(string)+"/reset-link", nil)["url"].(string)
	owner.must(201, "POST", "/api/v1/connections", map[string]any{"type": "whatsapp_cloud", "name": "Cloud",
		"config": map[string]any{"phone_number_id": "123456789", "waba_id": "987654321", "access_token": "EAAG-provider-access-token-0123456789",
			"app_secret": "meta-app-secret-abcdef0123456789", "verify_token": "verify-token-abcdef0123456789"}})
	jwtKey, err := e.app.Secrets.System(context.Background(), "jwt_signing_key", nil)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := d.Exec(context.Background(), `PRAGMA wal_checkpoint(TRUNCATE)`); err != nil {
		t.Fatal(err)
	}
	var file []byte
	for _, name := range []string{"m.db", "m.db-wal"} {
		b, _ := os.ReadFile(filepath.Join(dir, name))
		file = append(file, b...)
	}
	secrets := map[string][]byte{
		"password":         []byte(goodPassword),
		"access token":     []byte("EAAG-provider-access-token-0123456789"),
		"app secret":       []byte("meta-app-secret-abcdef0123456789"),
		"verify token":     []byte("verify-token-abcdef0123456789"),
		"api key secret":   []byte(key[17:]),
		"invitation token": []byte(inv[strings.Index(inv, "token=")+6:]),
		"reset token":      []byte(resetURL[strings.Index(resetURL, "token=")+6:]),
		"session cookie":   []byte(sessionCookie),
		"jwt signing key":  jwtKey,
		"bearer token":     []byte(owner.token),
	}
	logs := e.log.String()
	for name, s := range secrets {
		if len(s) < 16 {
			t.Fatalf("%s too short to search for: %q", name, s)
		}
		if bytes.Contains(file, s) {
			t.Errorf("%s is in the database file in plaintext", name)
		}
		if strings.Contains(logs, string(s)) {
			t.Errorf("%s is in the logs", name)
		}
	}
}
