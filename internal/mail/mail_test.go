package mail_test

import (
	"bytes"
	"context"
	"errors"
	"log/slog"
	"net"
	"net/textproto"
	"regexp"
	"strconv"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/masteria/masteria/internal/mail"
	"github.com/masteria/masteria/internal/mail/mailtest"
)

func setup(t *testing.T) (*mailtest.Server, mail.Sender, *bytes.Buffer) {
	t.Helper()
	srv := mailtest.NewServer(t)
	var logs bytes.Buffer
	sender := mail.NewSMTP(srv.Config(), slog.New(slog.NewTextHandler(&logs, &slog.HandlerOptions{Level: slog.LevelDebug})))
	return srv, sender, &logs
}

func send(t *testing.T, s mail.Sender, m mail.Message) error {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	return s.Send(ctx, m)
}

func TestSendText(t *testing.T) {
	srv, sender, _ := setup(t)
	text := "Olá, Álvaro!\n\nConfirme seu e-mail: https://masteria.example/verify?token=abc123\n" +
		".a line that starts with a dot\n" +
		"." + "\n" + // a lone dot would end DATA if not stuffed
		strings.Repeat("uma linha muito longa ", 10) + "\n"
	subject := "Confirme seu e-mail — Masteria ✓"
	err := send(t, sender, mail.Message{To: "Álvaro Souza <alvaro@example.com>", Subject: subject, Text: text})
	if err != nil {
		t.Fatal(err)
	}

	msgs := srv.Messages()
	if len(msgs) != 1 {
		t.Fatalf("got %d messages, want 1", len(msgs))
	}
	m := msgs[0]
	if m.From != "no-reply@example.com" || len(m.Rcpt) != 1 || m.Rcpt[0] != "alvaro@example.com" {
		t.Errorf("envelope from %q to %q", m.From, m.Rcpt)
	}
	if m.To != "alvaro@example.com" {
		t.Errorf("To = %q", m.To)
	}
	if m.Subject != subject {
		t.Errorf("Subject = %q, want %q", m.Subject, subject)
	}
	if raw := m.Header.Get("Subject"); !strings.HasPrefix(strings.ToLower(raw), "=?utf-8?q?") {
		t.Errorf("raw Subject %q is not Q-encoded", raw)
	}
	if m.Text != text {
		t.Errorf("Text = %q, want %q", m.Text, text)
	}
	if m.HTML != "" {
		t.Errorf("HTML = %q, want none", m.HTML)
	}
	if from := m.Header.Get("From"); !strings.HasSuffix(from, "<no-reply@example.com>") || !strings.Contains(from, "Masteria") {
		t.Errorf("From = %q", from)
	}
	for k, want := range map[string]string{
		"MIME-Version":              "1.0",
		"Content-Type":              "text/plain; charset=utf-8",
		"Content-Transfer-Encoding": "quoted-printable",
	} {
		if got := m.Header.Get(k); got != want {
			t.Errorf("%s = %q, want %q", k, got, want)
		}
	}
	if d, err := m.Header.Date(); err != nil || time.Since(d) > time.Minute {
		t.Errorf("Date %q: %v", m.Header.Get("Date"), err)
	}
	if id := m.Header.Get("Message-ID"); !regexp.MustCompile(`^<[0-9a-f]{32}@example\.com>$`).MatchString(id) {
		t.Errorf("Message-ID = %q", id)
	}
	for _, line := range strings.Split(string(m.Raw), "\n") {
		if len(line) > 78 {
			t.Errorf("raw line longer than 78 characters: %q", line)
		}
	}
}

func TestSendHTML(t *testing.T) {
	srv, sender, _ := setup(t)
	msg := mail.Message{
		To:      "bob@example.com",
		Subject: "You are invited",
		Text:    "Join: https://masteria.example/invite/xyz\n",
		HTML:    `<p>Join: <a href="https://masteria.example/invite/xyz">accept</a> — até já</p>`,
	}
	if err := send(t, sender, msg); err != nil {
		t.Fatal(err)
	}
	m := srv.Messages()[0]
	if !strings.HasPrefix(m.Header.Get("Content-Type"), "multipart/alternative; boundary=") {
		t.Errorf("Content-Type = %q", m.Header.Get("Content-Type"))
	}
	if m.Subject != "You are invited" || m.Header.Get("Subject") != "You are invited" {
		t.Errorf("ASCII subject changed: %q", m.Header.Get("Subject"))
	}
	if m.Text != msg.Text {
		t.Errorf("Text = %q, want %q", m.Text, msg.Text)
	}
	if m.HTML != msg.HTML {
		t.Errorf("HTML = %q, want %q", m.HTML, msg.HTML)
	}
	if strings.Index(string(m.Raw), "text/plain") > strings.Index(string(m.Raw), "text/html") {
		t.Errorf("text part must come first so clients prefer HTML")
	}
}

func TestRefusedMessages(t *testing.T) {
	srv, sender, _ := setup(t)
	tests := []struct {
		name string
		msg  mail.Message
		want error
	}{
		{"CRLF in To", mail.Message{To: "a@example.com\r\nBcc: victim@example.com", Subject: "s", Text: "t"}, mail.ErrInvalidHeader},
		{"LF in To", mail.Message{To: "a@example.com\nBcc: victim@example.com", Subject: "s", Text: "t"}, mail.ErrInvalidHeader},
		{"CRLF in Subject", mail.Message{To: "a@example.com", Subject: "hi\r\nBcc: victim@example.com", Text: "t"}, mail.ErrInvalidHeader},
		{"CR in Subject", mail.Message{To: "a@example.com", Subject: "hi\rthere", Text: "t"}, mail.ErrInvalidHeader},
		{"NUL in Subject", mail.Message{To: "a@example.com", Subject: "hi\x00", Text: "t"}, mail.ErrInvalidHeader},
		{"two recipients", mail.Message{To: "a@example.com, b@example.com", Subject: "s", Text: "t"}, mail.ErrInvalidAddress},
		{"not an address", mail.Message{To: "alice", Subject: "s", Text: "t"}, mail.ErrInvalidAddress},
		{"no text", mail.Message{To: "a@example.com", Subject: "s", HTML: "<p>only html</p>"}, mail.ErrInvalidMessage},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if err := send(t, sender, tt.msg); !errors.Is(err, tt.want) {
				t.Fatalf("got %v, want %v", err, tt.want)
			}
		})
	}
	if n := len(srv.Messages()); n != 0 {
		t.Fatalf("server received %d messages, want 0", n)
	}
}

func TestAuthPlain(t *testing.T) {
	srv := mailtest.NewServer(t)
	srv.RequireAuth("masteria", "s3cret-pw")

	cfg := srv.Config()
	if err := send(t, mail.NewSMTP(cfg, nil), mail.Message{To: "a@example.com", Subject: "s", Text: "t"}); err != nil {
		t.Fatal(err)
	}
	if got := srv.Messages(); len(got) != 1 || got[0].Auth != "masteria" {
		t.Fatalf("messages %+v, want one sent as masteria", got)
	}

	cfg.Password = "wrong"
	if err := send(t, mail.NewSMTP(cfg, nil), mail.Message{To: "a@example.com", Subject: "s", Text: "t"}); err == nil {
		t.Fatal("wrong password accepted")
	}
	cfg.Username, cfg.Password = "", ""
	if err := send(t, mail.NewSMTP(cfg, nil), mail.Message{To: "a@example.com", Subject: "s", Text: "t"}); err == nil {
		t.Fatal("sent without authenticating")
	}
	if n := len(srv.Messages()); n != 1 {
		t.Fatalf("server has %d messages, want only the first", n)
	}
}

// stubServer greets, answers EHLO with the given extensions and counts AUTH
// commands; enough to watch what the client does before it sends anything.
func stubServer(t *testing.T, host string, exts []string, greet bool) (addr string, auths *atomic.Int64) {
	t.Helper()
	ln, err := net.Listen("tcp", net.JoinHostPort(host, "0"))
	if err != nil {
		t.Skipf("cannot listen on %s: %v", host, err)
	}
	t.Cleanup(func() { ln.Close() })
	auths = new(atomic.Int64)
	go func() {
		for {
			conn, err := ln.Accept()
			if err != nil {
				return
			}
			go func() {
				defer conn.Close()
				if !greet {
					conn.Read(make([]byte, 1)) // hold the connection silently
					return
				}
				tp := textproto.NewConn(conn)
				tp.PrintfLine("220 stub")
				for {
					line, err := tp.ReadLine()
					if err != nil {
						return
					}
					switch verb, _, _ := strings.Cut(strings.ToUpper(line), " "); verb {
					case "EHLO":
						for _, e := range exts {
							tp.PrintfLine("250-%s", e)
						}
						tp.PrintfLine("250 stub")
					case "AUTH":
						auths.Add(1)
						tp.PrintfLine("535 no")
					case "QUIT":
						tp.PrintfLine("221 bye")
						return
					default:
						tp.PrintfLine("502 no")
					}
				}
			}()
		}
	}()
	return ln.Addr().String(), auths
}

func configFor(t *testing.T, addr string) mail.Config {
	t.Helper()
	host, port, _ := net.SplitHostPort(addr)
	p, err := strconv.Atoi(port)
	if err != nil {
		t.Fatal(err)
	}
	return mail.Config{Host: host, Port: p, From: "no-reply@example.com", Username: "u", Password: "pw"}
}

func TestStartTLSIsRequired(t *testing.T) {
	addr, auths := stubServer(t, "127.0.0.1", []string{"AUTH PLAIN"}, true)
	cfg := configFor(t, addr) // TLS left empty: starttls by default
	err := send(t, mail.NewSMTP(cfg, nil), mail.Message{To: "a@example.com", Subject: "s", Text: "t"})
	if err == nil || !strings.Contains(err.Error(), "STARTTLS") {
		t.Fatalf("got %v, want a STARTTLS error", err)
	}
	if auths.Load() != 0 {
		t.Fatal("credentials sent before TLS")
	}
}

// TestNoPlainAuthInClearToOtherHosts relies on net/smtp: PLAIN over a
// connection without TLS goes only to localhost, 127.0.0.1 or ::1.
func TestNoPlainAuthInClearToOtherHosts(t *testing.T) {
	addr, auths := stubServer(t, "127.0.0.2", []string{"AUTH PLAIN"}, true)
	cfg := configFor(t, addr)
	cfg.TLS = mail.TLSNone
	err := send(t, mail.NewSMTP(cfg, nil), mail.Message{To: "a@example.com", Subject: "s", Text: "t"})
	if err == nil || !strings.Contains(err.Error(), "unencrypted") {
		t.Fatalf("got %v, want net/smtp's unencrypted connection refusal", err)
	}
	if auths.Load() != 0 {
		t.Fatalf("AUTH sent in clear to %s: %v", addr, err)
	}
}

func TestTimeout(t *testing.T) {
	addr, _ := stubServer(t, "127.0.0.1", nil, false) // never greets
	cfg := configFor(t, addr)
	cfg.TLS = mail.TLSNone
	ctx, cancel := context.WithTimeout(context.Background(), 200*time.Millisecond)
	defer cancel()
	start := time.Now()
	err := mail.NewSMTP(cfg, nil).Send(ctx, mail.Message{To: "a@example.com", Subject: "s", Text: "t"})
	if !errors.Is(err, context.DeadlineExceeded) {
		t.Fatalf("got %v, want DeadlineExceeded", err)
	}
	if d := time.Since(start); d > 2*time.Second {
		t.Fatalf("took %v", d)
	}

	// Cancelling, not only a deadline, interrupts a stuck conversation.
	ctx, cancel = context.WithCancel(context.Background())
	time.AfterFunc(100*time.Millisecond, cancel)
	err = mail.NewSMTP(cfg, nil).Send(ctx, mail.Message{To: "a@example.com", Subject: "s", Text: "t"})
	if !errors.Is(err, context.Canceled) {
		t.Fatalf("got %v, want Canceled", err)
	}
}

func TestLogsKeepSecrets(t *testing.T) {
	srv := mailtest.NewServer(t)
	srv.RequireAuth("masteria", "pw-hunter2")
	var logs bytes.Buffer
	logger := slog.New(slog.NewTextHandler(&logs, &slog.HandlerOptions{Level: slog.LevelDebug}))
	cfg := srv.Config()
	sender := mail.NewSMTP(cfg, logger)

	msg := mail.Message{To: "carol@example.com", Subject: "Reset", Text: "https://masteria.example/reset?token=TOKEN-42", HTML: "<a href=\"https://masteria.example/reset?token=TOKEN-42\">x</a>"}
	if err := send(t, sender, msg); err != nil {
		t.Fatal(err)
	}
	cfg.Password = "pw-wrong-hunter3"
	_ = send(t, mail.NewSMTP(cfg, logger), msg)
	logger.Info("config", "smtp", cfg)

	out := logs.String() + cfg.String()
	for _, secret := range []string{"hunter2", "hunter3", "TOKEN-42", "carol@"} {
		if strings.Contains(out, secret) {
			t.Errorf("logs show %q:\n%s", secret, out)
		}
	}
	if !strings.Contains(logs.String(), "to_domain=example.com") {
		t.Errorf("logs do not say where mail went:\n%s", logs.String())
	}
}

func TestConfig(t *testing.T) {
	ok := mail.Config{Host: "smtp.example.com", From: "Masteria <no-reply@example.com>"}
	tests := []struct {
		name string
		edit func(*mail.Config)
		ok   bool
	}{
		{"defaults", func(*mail.Config) {}, true},
		{"implicit tls", func(c *mail.Config) { c.TLS = "tls" }, true},
		{"local relay", func(c *mail.Config) { c.Host, c.TLS = "127.0.0.1", "none" }, true},
		{"IPv6 relay", func(c *mail.Config) { c.Host = "::1" }, true},
		{"unknown tls mode", func(c *mail.Config) { c.TLS = "ssl" }, false},
		{"no host", func(c *mail.Config) { c.Host = "" }, false},
		{"host with port", func(c *mail.Config) { c.Host = "smtp.example.com:25" }, false},
		{"bad port", func(c *mail.Config) { c.Port = 70000 }, false},
		{"password without user", func(c *mail.Config) { c.Password = "x" }, false},
		{"bad from", func(c *mail.Config) { c.From = "no-reply" }, false},
		{"from with injection", func(c *mail.Config) { c.From = "a@example.com\r\nBcc: b@example.com" }, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c := ok
			tt.edit(&c)
			err := c.Validate()
			if tt.ok != (err == nil) {
				t.Fatalf("Validate() = %v, want ok %v", err, tt.ok)
			}
			if err != nil && !errors.Is(err, mail.ErrConfig) {
				t.Fatalf("Validate() = %v, want ErrConfig", err)
			}
		})
	}
	if (mail.Config{}).Enabled() || !ok.Enabled() {
		t.Error("Enabled must follow Host")
	}
}
