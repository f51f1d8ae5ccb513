package main

import (
	"bytes"
	"context"
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
	"testing"
	"time"

	"github.com/masteria/masteria/internal/channel/whatsappcloud/fakegraph"
	"github.com/masteria/masteria/internal/store/dbtest"
)

// TestMain lets the test binary be the server: a child started with
// MASTERIA_TEST_SERVE=1 runs "masteria serve", so the crash test can kill a
// real process with SIGKILL.
func TestMain(m *testing.M) {
	if os.Getenv("MASTERIA_TEST_SERVE") == "1" {
		os.Exit(run(context.Background(), []string{"serve"}, os.Environ(), os.Stdout, os.Stderr))
	}
	os.Exit(m.Run())
}

type server struct {
	t    *testing.T
	env  []string
	base string
	cmd  *exec.Cmd
	logs *bytes.Buffer
}

func (s *server) start() {
	s.t.Helper()
	s.logs = &bytes.Buffer{}
	s.cmd = exec.Command(os.Args[0], "-test.run=^$")
	s.cmd.Env = append(os.Environ(), append(s.env, "MASTERIA_TEST_SERVE=1")...)
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
	t.Run("sqlite", func(t *testing.T) {
		dir := t.TempDir()
		crashCampaign(t, dir, "sqlite://"+filepath.Join(dir, "m.db"))
	})
	t.Run("postgres", func(t *testing.T) {
		crashCampaign(t, t.TempDir(), dbtest.PostgresDatabase(t))
	})
}

func crashCampaign(t *testing.T, dir, dbURL string) {
	const n = 20000
	g := fakegraph.New(t)
	g.AddTemplate(fakegraph.Template{Name: "aviso", Language: "pt_BR", Category: "UTILITY",
		Components: json.RawMessage(`[{"type":"BODY","text":"Olá {{1}}, seu pedido saiu."}]`)})
	addr := freeAddr(t)
	s := &server{t: t, base: "http://" + addr, env: []string{
		"MASTERIA_DATA_DIR=" + dir, "MASTERIA_DATABASE_URL=" + dbURL,
		"MASTERIA_ENCRYPTION_KEY=" + key(t), "MASTERIA_ADDR=" + addr, "MASTERIA_PUBLIC_URL=http://" + addr,
		"MASTERIA_META_GRAPH_URL=" + g.URL(), "MASTERIA_SIGNUP_ENABLED=true", "MASTERIA_LOG_LEVEL=warn",
	}}
	s.start()
	defer func() {
		if s.cmd.ProcessState == nil {
			s.kill()
		}
	}()
	token := s.call("", "POST", "/api/v1/auth/signup", map[string]any{"company_name": "Crash Co", "name": "Ana",
		"email": "ana@crash.example", "password": "correct horse battery"}, 201)["token"].(string)
	conn := s.call(token, "POST", "/api/v1/connections", map[string]any{"type": "whatsapp_cloud", "name": "Loja",
		"config": map[string]any{"phone_number_id": g.PhoneNumberID(), "waba_id": g.WABAID(), "access_token": g.Token(),
			"app_secret": "segredo", "messages_per_second": 1000, "burst": 1000}}, 201)["id"].(string)
	s.call(token, "POST", "/api/v1/connections/"+conn+"/templates/sync", nil, 200)

	// The audience: 20,000 contacts, imported.
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
	s.call(token, "POST", "/api/v1/campaigns/"+camp+"/start", nil, 200)

	// Kill it in the middle.
	for deadline := time.Now().Add(120 * time.Second); len(g.Sent()) < n/4; time.Sleep(20 * time.Millisecond) {
		if time.Now().After(deadline) {
			t.Fatalf("only %d sent\n%s", len(g.Sent()), s.logs)
		}
	}
	s.kill()
	atKill := len(g.Sent())

	s.start()
	var stats map[string]any
	for deadline := time.Now().Add(240 * time.Second); ; time.Sleep(250 * time.Millisecond) {
		c := s.call(token, "GET", "/api/v1/campaigns/"+camp, nil, 200)
		stats = c["stats"].(map[string]any)
		if c["status"] == "completed" {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("after restart: %v %v\n%s", c["status"], stats, s.logs)
		}
	}

	// What the provider accepted, per number.
	got := map[string]int{}
	for _, m := range g.Sent() {
		var b struct {
			To string `json:"to"`
		}
		_ = json.Unmarshal(m.Body, &b)
		got[b.To]++
	}
	// What the campaign says, per number.
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
	var sent, interrupted int
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
	// In flight: the calls under way and the answers not yet committed.
	if interrupted > 200 {
		t.Errorf("%d sends reported interrupted: more than were in flight", interrupted)
	}
	t.Logf("killed at %d accepted; after restart: %d sent, %d interrupted (in flight at the kill), stats %v", atKill, sent, interrupted, stats)
}
