package httpapi_test

import (
	"bytes"
	"context"
	"crypto/rand"
	"encoding/base64"
	"encoding/json"
	"io"
	"log/slog"
	"net/http"
	"net/http/cookiejar"
	"net/http/httptest"
	"net/url"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/masteria/masteria/internal/app"
	"github.com/masteria/masteria/internal/auth"
	"github.com/masteria/masteria/internal/config"
	"github.com/masteria/masteria/internal/httpapi"
	"github.com/masteria/masteria/internal/inbound"
	"github.com/masteria/masteria/internal/mail"
	"github.com/masteria/masteria/internal/store/db"
)

// env is a whole Masteria on one test database, served on loopback.
type env struct {
	t   testing.TB
	app *app.App
	srv *httptest.Server
	db  *db.DB
	log *logBuf
}

type configT = config.Config

type envOption func(*config.Config)

func withSMTP(c mail.Config) envOption { return func(cfg *config.Config) { cfg.SMTP = c } }

// httpOptions, when set by a test before setup, tunes the API's rate limits.
var httpOptions = map[testing.TB]httpapi.Options{}

// inboundHooks, when set by a test before setup, are installed on the
// inbound processor before it starts.
var inboundHooks = map[testing.TB][]inbound.Hook{}

func withGraph(url string) envOption { return func(cfg *config.Config) { cfg.MetaGraphURL = url } }

func setup(t testing.TB, d *db.DB, opts ...envOption) *env {
	t.Helper()
	key := make([]byte, 32)
	_, _ = rand.Read(key)
	cfg, err := config.Load([]string{
		"MASTERIA_DATA_DIR=" + t.TempDir(),
		"MASTERIA_ENCRYPTION_KEY=" + base64.StdEncoding.EncodeToString(key),
	}, nil)
	if err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewUnstartedServer(nil)
	cfg.PublicURL = "http://" + srv.Listener.Addr().String()
	for _, o := range opts {
		o(&cfg)
	}
	logs := &logBuf{}
	logger := slog.New(slog.NewJSONHandler(logs, &slog.HandlerOptions{Level: slog.LevelDebug}))
	a, err := app.New(context.Background(), cfg, d, logger, app.Options{Version: "test", PollInterval: 20 * time.Millisecond,
		Argon2: auth.Argon2{Time: 1, Memory: 1024, Threads: 1}, HTTP: httpOptions[t], AllowLoopback: true})
	if err != nil {
		t.Fatal(err)
	}
	srv.Config.Handler = a.HTTP.Handler()
	srv.Start()
	t.Cleanup(srv.Close)
	a.Inbound.Poll = 20 * time.Millisecond
	a.Inbound.Hooks = inboundHooks[t]
	a.Templates.ReviewDelay = 50 * time.Millisecond
	a.Outbox.RetryBase = 20 * time.Millisecond
	a.Outbox.SendTimeout = 2 * time.Second
	runCtx, stop := context.WithCancel(context.Background())
	a.RunMessaging(runCtx, runCtx)
	t.Cleanup(stop)
	return &env{t: t, app: a, srv: srv, db: d, log: logs}
}

// startJobs runs the background workers for the rest of the test.
func (e *env) startJobs() {
	ctx, cancel := context.WithCancel(context.Background())
	if err := e.app.Jobs.Start(ctx); err != nil {
		e.t.Fatal(err)
	}
	e.t.Cleanup(func() {
		stopCtx, c := context.WithTimeout(context.Background(), 5*time.Second)
		defer c()
		_ = e.app.Jobs.Stop(stopCtx)
		cancel()
	})
}

// client talks to the API as one person: by bearer token, or by cookie like
// a browser (with its CSRF header and Origin).
type client struct {
	e      *env
	token  string
	http   *http.Client
	cookie bool
}

func (e *env) anon() *client {
	jar, _ := cookiejar.New(nil)
	return &client{e: e, http: &http.Client{Jar: jar}}
}

type resp struct {
	status int
	body   []byte
	header http.Header
}

func (r resp) json(t testing.TB) map[string]any {
	t.Helper()
	var m map[string]any
	if err := json.Unmarshal(r.body, &m); err != nil {
		t.Fatalf("response is not a JSON object (%d): %s", r.status, r.body)
	}
	return m
}

// errCode returns the envelope's code, failing when the body is not one.
func (r resp) errCode(t testing.TB) string {
	t.Helper()
	m := r.json(t)
	e, ok := m["error"].(map[string]any)
	if !ok || e["code"] == "" || e["message"] == "" {
		t.Fatalf("not an error envelope (%d): %s", r.status, r.body)
	}
	code, _ := e["code"].(string)
	return code
}

func (c *client) raw(method, path string, body io.Reader, hdr map[string]string) resp {
	c.e.t.Helper()
	req, err := http.NewRequest(method, c.e.srv.URL+path, body)
	if err != nil {
		c.e.t.Fatal(err)
	}
	if body != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	if c.token != "" {
		req.Header.Set("Authorization", "Bearer "+c.token)
	}
	if c.cookie {
		req.Header.Set("Origin", c.e.srv.URL)
		for _, ck := range c.http.Jar.Cookies(req.URL) {
			if ck.Name == "masteria_csrf" {
				req.Header.Set("X-CSRF-Token", ck.Value)
			}
		}
	}
	for k, v := range hdr {
		if v == "" {
			req.Header.Del(k)
		} else {
			req.Header.Set(k, v)
		}
	}
	res, err := c.http.Do(req)
	if err != nil {
		c.e.t.Fatal(err)
	}
	defer res.Body.Close()
	b, _ := io.ReadAll(res.Body)
	return resp{status: res.StatusCode, body: b, header: res.Header}
}

func (c *client) do(method, path string, body any) resp {
	c.e.t.Helper()
	var r io.Reader
	if body != nil {
		b, err := json.Marshal(body)
		if err != nil {
			c.e.t.Fatal(err)
		}
		r = bytes.NewReader(b)
	}
	return c.raw(method, path, r, nil)
}

// must performs a request that has to answer want.
func (c *client) must(want int, method, path string, body any) map[string]any {
	c.e.t.Helper()
	r := c.do(method, path, body)
	if r.status != want {
		c.e.t.Fatalf("%s %s: status %d, want %d: %s", method, path, r.status, want, r.body)
	}
	if len(r.body) == 0 {
		return nil
	}
	return r.json(c.e.t)
}

const goodPassword = "correct horse battery"

// signup creates a company and returns its owner as a bearer client, with
// the company id.
func (e *env) signup(company, email string) (*client, string) {
	e.t.Helper()
	c := e.anon()
	m := c.must(201, "POST", "/api/v1/auth/signup", map[string]any{
		"company_name": company, "name": "Owner of " + company, "email": email, "password": goodPassword})
	c.token = m["token"].(string)
	return c, m["company"].(map[string]any)["id"].(string)
}

// browser signs in through cookies, as the web UI does.
func (e *env) browser(email, password string) *client {
	e.t.Helper()
	c := e.anon()
	c.must(200, "POST", "/api/v1/auth/login", map[string]any{"email": email, "password": password})
	c.cookie = true
	return c
}

// invite adds a member with role through an invitation link and returns them.
func (e *env) invite(admin *client, email, role string) (*client, string) {
	e.t.Helper()
	inv := admin.must(201, "POST", "/api/v1/invitations", map[string]any{"email": email, "role": role})
	url := inv["url"].(string)
	token := url[strings.Index(url, "token=")+len("token="):]
	c := e.anon()
	m := c.must(200, "POST", "/api/v1/invitations/"+token+"/accept", map[string]any{"name": "Member " + email, "password": goodPassword})
	c.token = m["token"].(string)
	return c, m["user"].(map[string]any)["id"].(string)
}

func (e *env) count(table string) int {
	e.t.Helper()
	var n int
	if err := e.db.QueryRow(context.Background(), "SELECT count(*) FROM "+table).Scan(&n); err != nil {
		e.t.Fatal(err)
	}
	return n
}

// logBuf keeps everything the server logged, for tests that read the logs.
type logBuf struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (l *logBuf) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.Write(p)
}

func (l *logBuf) String() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.String()
}

func mustURL(t *testing.T, raw string) *url.URL {
	t.Helper()
	u, err := url.Parse(raw)
	if err != nil {
		t.Fatal(err)
	}
	return u
}
