package main

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"mime/multipart"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/masteria/masteria/internal/channel/whatsappcloud/fakegraph"
	"github.com/masteria/masteria/internal/store/dbtest"
)

// buildServer compiles the product as it ships (no race detector, which
// would slow the server tenfold) for the crash test to run and kill.
func buildServer(t *testing.T) string {
	t.Helper()
	bin := filepath.Join(t.TempDir(), "masteria")
	out, err := exec.Command("go", "build", "-o", bin, ".").CombinedOutput()
	if err != nil {
		t.Fatalf("go build: %v\n%s", err, out)
	}
	return bin
}

// syncBuffer is a log the child writes while the test reads it.
type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (b *syncBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.b.Write(p)
}

func (b *syncBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.b.String()
}

type server struct {
	t    *testing.T
	bin  string
	env  []string
	base string
	cmd  *exec.Cmd
	logs *syncBuffer
}

func (s *server) start() {
	s.t.Helper()
	s.logs = &syncBuffer{}
	s.cmd = exec.Command(s.bin, "serve")
	s.cmd.Env = append(os.Environ(), s.env...)
	s.cmd.Stdout, s.cmd.Stderr = s.logs, s.logs
	if err := s.cmd.Start(); err != nil {
		s.t.Fatal(err)
	}
	deadline := time.Now().Add(30 * time.Second)
	for {
		r, err := http.Get(s.base + "/readyz")
		if err == nil {
			r.Body.Close()
			if r.StatusCode == 200 {
				return
			}
		}
		if time.Now().After(deadline) {
			s.t.Fatalf("server did not start: %v\n%s", err, s.logs)
		}
		time.Sleep(100 * time.Millisecond)
	}
}

func (s *server) kill() {
	_ = s.cmd.Process.Kill() // SIGKILL: no shutdown, no flush
	_ = s.cmd.Wait()
}

func (s *server) call(token, method, path string, body any, want int) map[string]any {
	s.t.Helper()
	var rd io.Reader
	if body != nil {
		b, _ := json.Marshal(body)
		rd = bytes.NewReader(b)
	}
	req, _ := http.NewRequest(method, s.base+path, rd)
	req.Header.Set("Content-Type", "application/json")
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	r, err := http.DefaultClient.Do(req)
	if err != nil {
		s.t.Fatalf("%s %s: %v", method, path, err)
	}
	defer r.Body.Close()
	b, _ := io.ReadAll(r.Body)
	if r.StatusCode != want {
		s.t.Fatalf("%s %s: %d, want %d: %s", method, path, r.StatusCode, want, b)
	}
	out := map[string]any{}
	_ = json.Unmarshal(b, &out)
	return out
}

func freeAddr(t *testing.T) string {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	return ln.Addr().String()
}

// TestCampaignSurvivesSIGKILL kills the server in the middle of a
// 20,000-recipient campaign and starts it again: every recipient is
// accepted by the provider exactly once, except the sends in flight at the
// kill, which are reported as interrupted and never sent again.
func TestCampaignSurvivesSIGKILL(t *testing.T) {
	bin := buildServer(t)
	t.Run("sqlite", func(t *testing.T) {
		dir := t.TempDir()
		crashCampaign(t, bin, dir, "sqlite://"+filepath.Join(dir, "m.db"))
	})
	t.Run("postgres", func(t *testing.T) {
		crashCampaign(t, bin, t.TempDir(), dbtest.PostgresDatabase(t))
	})
}

func newServer(t *testing.T, bin, dir, dbURL, encKey string, g *fakegraph.Server) *server {
	addr := freeAddr(t)
	s := &server{t: t, bin: bin, base: "http://" + addr, env: []string{
		"MASTERIA_DATA_DIR=" + dir, "MASTERIA_DATABASE_URL=" + dbURL,
		"MASTERIA_ENCRYPTION_KEY=" + encKey, "MASTERIA_ADDR=" + addr, "MASTERIA_PUBLIC_URL=http://" + addr,
		"MASTERIA_META_GRAPH_URL=" + g.URL(), "MASTERIA_SIGNUP_ENABLED=true", "MASTERIA_LOG_LEVEL=warn",
	}}
	t.Cleanup(func() {
		if s.cmd != nil && s.cmd.ProcessState == nil {
			s.kill()
		}
	})
	return s
}

// campaignOnCloud signs up, connects a Cloud number on the fake Graph API
// at the given pace, imports n tagged contacts and creates a template
// campaign for them; it answers the token and the campaign id.
func campaignOnCloud(t *testing.T, s *server, g *fakegraph.Server, n int, perSecond, burst int) (string, string) {
	t.Helper()
	g.AddTemplate(fakegraph.Template{Name: "aviso", Language: "pt_BR", Category: "UTILITY",
		Components: json.RawMessage(`[{"type":"BODY","text":"Olá {{1}}, seu pedido saiu."}]`)})
	token := s.call("", "POST", "/api/v1/auth/signup", map[string]any{"company_name": "Crash Co", "name": "Ana",
		"email": "ana@crash.example", "password": "correct horse battery"}, 201)["token"].(string)
	conn := s.call(token, "POST", "/api/v1/connections", map[string]any{"type": "whatsapp_cloud", "name": "Loja",
		"config": map[string]any{"phone_number_id": g.PhoneNumberID(), "waba_id": g.WABAID(), "access_token": g.Token(),
			"app_secret": "segredo", "messages_per_second": perSecond, "burst": burst}}, 201)["id"].(string)
	s.call(token, "POST", "/api/v1/connections/"+conn+"/templates/sync", nil, 200)

	// The audience: n contacts, imported.
	var csv strings.Builder
	csv.WriteString("Nome;Telefone\n")
	for i := range n {
		fmt.Fprintf(&csv, "Cliente %d;+55 11 9%08d\n", i, 20000001+i)
	}
	var body bytes.Buffer
	mw := multipart.NewWriter(&body)
	fw, _ := mw.CreateFormFile("file", "contatos.csv")
	fw.Write([]byte(csv.String()))
	mw.WriteField("options", `{"tags":["pedidos"]}`)
	mw.Close()
	req, _ := http.NewRequest("POST", s.base+"/api/v1/contacts/import", &body)
	req.Header.Set("Content-Type", mw.FormDataContentType())
	req.Header.Set("Authorization", "Bearer "+token)
	r, err := http.DefaultClient.Do(req)
	if err != nil || r.StatusCode != 202 {
		t.Fatalf("import: %v %v", err, r)
	}
	var imp map[string]any
	json.NewDecoder(r.Body).Decode(&imp)
	r.Body.Close()
	for deadline := time.Now().Add(60 * time.Second); ; time.Sleep(200 * time.Millisecond) {
		st := s.call(token, "GET", "/api/v1/imports/"+imp["id"].(string), nil, 200)
		if st["status"] == "completed" {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("import: %v", st)
		}
	}

	camp := s.call(token, "POST", "/api/v1/campaigns", map[string]any{"name": "Aviso", "connection_ids": []string{conn},
		"audience": map[string]any{"tags": []string{"pedidos"}},
		"message": map[string]any{"type": "template", "template": map[string]any{"name": "aviso", "language": "pt_BR",
			"variables": map[string]any{"1": map[string]any{"field": "first_name"}}}}}, 201)["id"].(string)
	return token, camp
}

// accepted counts what the provider accepted per number (without the +).
func accepted(g *fakegraph.Server) map[string]int {
	got := map[string]int{}
	for _, m := range g.Sent() {
		got[m.To]++
	}
	return got
}

// checkExactlyOnce reads every recipient and proves each sent one was
// accepted once, interrupted ones at most once, and nothing else is left.
func checkExactlyOnce(t *testing.T, s *server, token, camp string, n int, got map[string]int) (sent, interrupted int) {
	t.Helper()
	status := map[string]string{}
	code := map[string]string{}
	cursor := ""
	for {
		page := s.call(token, "GET", "/api/v1/campaigns/"+camp+"/recipients?limit=200&cursor="+cursor, nil, 200)
		for _, x := range page["data"].([]any) {
			x := x.(map[string]any)
			phone := strings.TrimPrefix(x["phone"].(string), "+")
			status[phone], code[phone] = x["status"].(string), x["error_code"].(string)
		}
		if cursor, _ = page["next_cursor"].(string); cursor == "" {
			break
		}
	}
	if len(status) != n {
		t.Fatalf("%d recipients, want %d", len(status), n)
	}
	for phone, st := range status {
		switch {
		case st == "sent":
			sent++
			if got[phone] != 1 {
				t.Errorf("%s is sent but the provider got it %d times", phone, got[phone])
			}
		case st == "failed" && code[phone] == "send_interrupted":
			interrupted++
			if got[phone] > 1 {
				t.Errorf("%s was interrupted and still sent %d times", phone, got[phone])
			}
		default:
			t.Errorf("%s ended %s (%s)", phone, st, code[phone])
		}
	}
	for phone, k := range got {
		if k > 1 {
			t.Errorf("the provider got %s %d times", phone, k)
		}
	}
	return sent, interrupted
}

func waitCompleted(t *testing.T, s *server, token, camp string, within time.Duration) map[string]any {
	t.Helper()
	for deadline := time.Now().Add(within); ; time.Sleep(250 * time.Millisecond) {
		c := s.call(token, "GET", "/api/v1/campaigns/"+camp, nil, 200)
		if c["status"] == "completed" {
			return c["stats"].(map[string]any)
		}
		if time.Now().After(deadline) {
			t.Fatalf("campaign %v %v\n%s", c["status"], c["stats"], s.logs)
		}
	}
}

func crashCampaign(t *testing.T, bin, dir, dbURL string) {
	const n = 20000
	g := fakegraph.New(t)
	s := newServer(t, bin, dir, dbURL, key(t), g)
	s.start()
	token, camp := campaignOnCloud(t, s, g, n, 1000, 1000)
	s.call(token, "POST", "/api/v1/campaigns/"+camp+"/start", nil, 200)

	// Kill it in the middle.
	for deadline := time.Now().Add(180 * time.Second); len(g.Sent()) < n/10; time.Sleep(20 * time.Millisecond) {
		if time.Now().After(deadline) {
			t.Fatalf("only %d sent\n%s", len(g.Sent()), s.logs)
		}
	}
	s.kill()
	atKill := len(g.Sent())

	s.start()
	stats := waitCompleted(t, s, token, camp, 600*time.Second)
	sent, interrupted := checkExactlyOnce(t, s, token, camp, n, accepted(g))
	// In flight: the calls under way and the answers not yet committed.
	if interrupted > 200 {
		t.Errorf("%d sends reported interrupted: more than were in flight", interrupted)
	}
	t.Logf("killed at %d accepted; after restart: %d sent, %d interrupted (in flight at the kill), stats %v", atKill, sent, interrupted, stats)
}

// TestTwoInstancesShareACampaign runs two servers on one PostgreSQL: both
// feed the same campaign (overlapping schedulers), one dispatcher sends for
// the connection, and when its owner is killed the other takes over within
// the lease time, with no duplicate sends and the pace kept.
func TestTwoInstancesShareACampaign(t *testing.T) {
	dbURL := dbtest.PostgresDatabase(t)
	bin := buildServer(t)
	const n, perSecond = 1500, 50
	g := fakegraph.New(t)
	encKey := key(t)
	a := newServer(t, bin, t.TempDir(), dbURL, encKey, g)
	b := newServer(t, bin, t.TempDir(), dbURL, encKey, g)
	a.start()
	token, camp := campaignOnCloud(t, a, g, n, perSecond, perSecond)
	a.call(token, "POST", "/api/v1/campaigns/"+camp+"/start", nil, 200)
	// A owns the connection once it sends; B starts beside it.
	for deadline := time.Now().Add(60 * time.Second); len(g.Sent()) < 100; time.Sleep(20 * time.Millisecond) {
		if time.Now().After(deadline) {
			t.Fatalf("A sent %d\n%s", len(g.Sent()), a.logs)
		}
	}
	b.start()
	time.Sleep(3 * time.Second) // both feed now; only A sends
	a.kill()
	killedAt := time.Now()
	stats := waitCompleted(t, b, token, camp, 180*time.Second)

	sent := g.Sent()
	var before, after []time.Time
	for _, m := range sent {
		if m.At.Before(killedAt) {
			before = append(before, m.At)
		} else {
			after = append(after, m.At)
		}
	}
	if len(after) == 0 {
		t.Fatal("nothing was sent after the owner died")
	}
	// The lease lasts 15 s and is looked at every 2 s.
	if gap := after[0].Sub(killedAt); gap > 20*time.Second {
		t.Errorf("B took over %v after the kill, want within the lease time", gap)
	}
	// One dispatcher at a time: each instance's run keeps the pace (a
	// second's burst, then at most perSecond).
	for _, run := range [][]time.Time{before, after} {
		if len(run) < 2*perSecond {
			continue
		}
		span := run[len(run)-1].Sub(run[0]).Seconds()
		if rate := float64(len(run)-perSecond) / span; rate > perSecond*1.02 {
			t.Errorf("%d sends in %.1f s: %.1f per second, over the connection's %d", len(run), span, rate, perSecond)
		}
	}
	sentOK, interrupted := checkExactlyOnce(t, b, token, camp, n, accepted(g))
	if interrupted > 100 {
		t.Errorf("%d interrupted", interrupted)
	}
	t.Logf("A sent %d before the kill; B took over after %v and sent %d; %d sent, %d interrupted, stats %v",
		len(before), after[0].Sub(killedAt).Round(time.Millisecond), len(after), sentOK, interrupted, stats)
}
