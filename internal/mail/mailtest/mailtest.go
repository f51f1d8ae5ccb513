// Package mailtest is a fake SMTP server on 127.0.0.1 for tests that need to
// read what was sent: a verification link, an invitation. It speaks enough
// SMTP for net/smtp (EHLO, AUTH PLAIN, MAIL, RCPT, DATA, RSET, NOOP, QUIT),
// offers no STARTTLS, and records each accepted message decoded.
//
//	srv := mailtest.NewServer(t)
//	sender := mail.NewSMTP(srv.Config(), logger)
//	... // code under test sends
//	link := findLink(srv.Messages()[0].Text)
package mailtest

import (
	"bytes"
	"encoding/base64"
	"fmt"
	"io"
	"mime"
	"mime/multipart"
	"mime/quotedprintable"
	"net"
	netmail "net/mail"
	"net/textproto"
	"strings"
	"sync"
	"testing"

	"github.com/masteria/masteria/internal/mail"
)

// Received is one message as the server accepted it.
type Received struct {
	From    string   // envelope sender (MAIL FROM)
	Rcpt    []string // envelope recipients (RCPT TO)
	To      string   // address in the To header, without the display name
	Subject string   // decoded from RFC 2047
	Text    string   // text/plain part, decoded, line ends as "\n"
	HTML    string   // text/html part, decoded, line ends as "\n"; "" if none
	Header  netmail.Header
	Raw     []byte // as received after DATA, dot-stuffing undone, line ends as "\n"
	Auth    string // user name that authenticated, "" if none
}

// Server is a running fake SMTP server.
type Server struct {
	Addr string // "127.0.0.1:port"
	Host string // "127.0.0.1"
	Port int

	t    testing.TB
	ln   net.Listener
	quit chan struct{}
	wg   sync.WaitGroup

	mu       sync.Mutex
	msgs     []Received
	user     string
	password string
}

// NewServer starts a server that stops when the test ends.
func NewServer(t testing.TB) *Server {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatalf("mailtest: listen: %v", err)
	}
	addr := ln.Addr().(*net.TCPAddr)
	s := &Server{Addr: addr.String(), Host: "127.0.0.1", Port: addr.Port, t: t, ln: ln, quit: make(chan struct{})}
	s.wg.Add(1)
	go s.accept()
	t.Cleanup(func() {
		close(s.quit)
		ln.Close()
		s.wg.Wait()
	})
	return s
}

// RequireAuth makes the server accept mail only after AUTH PLAIN with these
// credentials.
func (s *Server) RequireAuth(username, password string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.user, s.password = username, password
}

// Config returns a mail.Config that sends to this server, with the
// credentials given to RequireAuth if any.
func (s *Server) Config() mail.Config {
	s.mu.Lock()
	defer s.mu.Unlock()
	return mail.Config{
		Host:     s.Host,
		Port:     s.Port,
		Username: s.user,
		Password: s.password,
		From:     "Masteria <no-reply@example.com>",
		TLS:      mail.TLSNone,
	}
}

// Messages returns the messages accepted so far, oldest first. A Send that
// returned nil is already here: the server records before it says 250.
func (s *Server) Messages() []Received {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]Received(nil), s.msgs...)
}

func (s *Server) accept() {
	defer s.wg.Done()
	for {
		conn, err := s.ln.Accept()
		if err != nil {
			return
		}
		s.wg.Add(1)
		go func() {
			defer s.wg.Done()
			defer conn.Close()
			s.serve(conn)
		}()
	}
}

type session struct {
	from string
	rcpt []string
	auth string
}

func (s *Server) serve(conn net.Conn) {
	// Close the connection when the server stops, so wg.Wait does not wait
	// for a client that never says QUIT.
	done := make(chan struct{})
	defer close(done)
	go func() {
		select {
		case <-done:
		case <-s.quit:
			conn.Close()
		}
	}()

	tp := textproto.NewConn(conn)
	reply := func(format string, args ...any) bool { return tp.PrintfLine(format, args...) == nil }
	if !reply("220 mailtest ESMTP") {
		return
	}
	var ss session
	for {
		line, err := tp.ReadLine()
		if err != nil {
			return
		}
		verb, arg, _ := strings.Cut(line, " ")
		switch strings.ToUpper(verb) {
		case "EHLO":
			ok := reply("250-mailtest") && reply("250-8BITMIME") && reply("250-AUTH PLAIN") && reply("250 PIPELINING")
			if !ok {
				return
			}
		case "HELO":
			reply("250 mailtest")
		case "AUTH":
			user, ok := s.auth(tp, arg)
			if !ok {
				reply("535 5.7.8 authentication failed")
				continue
			}
			ss.auth = user
			reply("235 2.7.0 authenticated")
		case "MAIL":
			s.mu.Lock()
			needAuth := s.user != ""
			s.mu.Unlock()
			if needAuth && ss.auth == "" {
				reply("530 5.7.0 authentication required")
				continue
			}
			ss.from = envelopeAddr(arg, "FROM:")
			ss.rcpt = nil
			reply("250 2.1.0 ok")
		case "RCPT":
			ss.rcpt = append(ss.rcpt, envelopeAddr(arg, "TO:"))
			reply("250 2.1.5 ok")
		case "DATA":
			if len(ss.rcpt) == 0 {
				reply("503 5.5.1 no recipients")
				continue
			}
			if !reply("354 end with <CRLF>.<CRLF>") {
				return
			}
			raw, err := io.ReadAll(tp.DotReader())
			if err != nil {
				return
			}
			s.record(ss, raw)
			ss.from, ss.rcpt = "", nil
			reply("250 2.0.0 queued")
		case "RSET":
			ss.from, ss.rcpt = "", nil
			reply("250 2.0.0 ok")
		case "NOOP":
			reply("250 2.0.0 ok")
		case "QUIT":
			reply("221 2.0.0 bye")
			return
		default:
			reply("502 5.5.2 command not implemented")
		}
	}
}

// auth checks AUTH PLAIN, with the credentials on the command line or
// after a 334 prompt.
func (s *Server) auth(tp *textproto.Conn, arg string) (string, bool) {
	mech, initial, _ := strings.Cut(arg, " ")
	if !strings.EqualFold(mech, "PLAIN") {
		return "", false
	}
	if initial == "" {
		if tp.PrintfLine("334 ") != nil {
			return "", false
		}
		line, err := tp.ReadLine()
		if err != nil {
			return "", false
		}
		initial = line
	}
	b, err := base64.StdEncoding.DecodeString(initial)
	if err != nil {
		return "", false
	}
	// authorization identity NUL user NUL password
	parts := strings.Split(string(b), "\x00")
	if len(parts) != 3 {
		return "", false
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.user != "" && (parts[1] != s.user || parts[2] != s.password) {
		return "", false
	}
	return parts[1], true
}

// envelopeAddr takes the address out of "FROM:<a@b> SIZE=10".
func envelopeAddr(arg, prefix string) string {
	if len(arg) >= len(prefix) && strings.EqualFold(arg[:len(prefix)], prefix) {
		arg = arg[len(prefix):]
	}
	arg = strings.TrimSpace(arg)
	if i := strings.IndexByte(arg, '>'); strings.HasPrefix(arg, "<") && i > 0 {
		return arg[1:i]
	}
	addr, _, _ := strings.Cut(arg, " ")
	return addr
}

func (s *Server) record(ss session, raw []byte) {
	r := Received{From: ss.from, Rcpt: ss.rcpt, Raw: raw, Auth: ss.auth}
	if err := decode(&r); err != nil {
		// The message is kept so the test can look at Raw; the error says
		// the sender wrote something a mail client could not read either.
		s.t.Errorf("mailtest: cannot decode message: %v\n%s", err, raw)
	}
	s.mu.Lock()
	s.msgs = append(s.msgs, r)
	s.mu.Unlock()
}

func decode(r *Received) error {
	msg, err := netmail.ReadMessage(bytes.NewReader(r.Raw))
	if err != nil {
		return fmt.Errorf("headers: %w", err)
	}
	r.Header = msg.Header
	if to, err := netmail.ParseAddress(msg.Header.Get("To")); err == nil {
		r.To = to.Address
	} else {
		r.To = msg.Header.Get("To")
	}
	if r.Subject, err = new(mime.WordDecoder).DecodeHeader(msg.Header.Get("Subject")); err != nil {
		return fmt.Errorf("subject: %w", err)
	}
	return decodeBody(r, msg.Header.Get("Content-Type"), msg.Header.Get("Content-Transfer-Encoding"), msg.Body)
}

func decodeBody(r *Received, contentType, encoding string, body io.Reader) error {
	if contentType == "" {
		contentType = "text/plain"
	}
	mediaType, params, err := mime.ParseMediaType(contentType)
	if err != nil {
		return fmt.Errorf("content type %q: %w", contentType, err)
	}
	if strings.HasPrefix(mediaType, "multipart/") {
		mr := multipart.NewReader(body, params["boundary"])
		for {
			// NextRawPart: NextPart would undo quoted-printable itself
			// and hide whether the header was right.
			p, err := mr.NextRawPart()
			if err == io.EOF {
				return nil
			}
			if err != nil {
				return fmt.Errorf("multipart: %w", err)
			}
			if err := decodeBody(r, p.Header.Get("Content-Type"), p.Header.Get("Content-Transfer-Encoding"), p); err != nil {
				return err
			}
		}
	}
	switch strings.ToLower(encoding) {
	case "quoted-printable":
		body = quotedprintable.NewReader(body)
	case "base64":
		body = base64.NewDecoder(base64.StdEncoding, body)
	case "", "7bit", "8bit", "binary":
	default:
		return fmt.Errorf("transfer encoding %q", encoding)
	}
	b, err := io.ReadAll(body)
	if err != nil {
		return fmt.Errorf("%s body: %w", mediaType, err)
	}
	text := strings.ReplaceAll(string(b), "\r\n", "\n")
	switch mediaType {
	case "text/plain":
		r.Text = text
	case "text/html":
		r.HTML = text
	}
	return nil
}
