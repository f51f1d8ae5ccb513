// Package mail sends email over SMTP: verification links, invitations and
// notices. Callers write the text (pt-BR or English); this package only
// delivers it.
//
// Decisions:
//
//   - net/smtp from the standard library. It is frozen but does what a
//     transactional sender needs, and it handles dot-stuffing in DATA.
//   - Configuration comes from MASTERIA_SMTP_HOST, _PORT (default 587, or
//     465 with TLS "tls"), _USERNAME, _PASSWORD, _FROM and _TLS: "starttls"
//     (default), "tls" (implicit TLS) or "none" (a local relay only).
//   - In "starttls" mode a server that does not offer STARTTLS is an error,
//     never a silent fall-back to clear text. AUTH is PLAIN, which net/smtp
//     sends only over TLS or to localhost/127.0.0.1/::1, so the password
//     cannot leave the machine unencrypted whatever the configuration.
//   - One recipient per message: every message we send is personal (it
//     carries a link for one person), so there is no Cc or Bcc to leak.
//   - Header injection: To and Subject with CR, LF or other control
//     characters are refused with ErrInvalidHeader; addresses go through
//     net/mail and Subject through RFC 2047 Q-encoding, so UTF-8 subjects
//     survive.
//   - Bodies are UTF-8, quoted-printable (readable in raw form, safe for
//     long lines); with HTML the message is multipart/alternative with the
//     text part first so clients prefer the HTML. Text is required: it is
//     what screen readers and plain-text clients show.
//   - Date and Message-ID (random, at the From domain) are always set;
//     spam filters penalise mail without them.
//   - Time: the context's deadline, or DefaultTimeout without one, bounds the
//     whole conversation through the connection's deadline, and cancelling
//     the context interrupts it.
//   - Log lines carry the recipient's domain and the Message-ID, never the
//     password or the body: the bodies hold sign-in and invitation links
//     that work as passwords. A failure logs the server's reply as written,
//     which may name the recipient.
package mail

import (
	"bytes"
	"context"
	"crypto/rand"
	"crypto/tls"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"mime"
	"mime/multipart"
	"mime/quotedprintable"
	"net"
	netmail "net/mail"
	"net/smtp"
	"net/textproto"
	"strconv"
	"strings"
	"time"
)

// TLS modes for Config.TLS.
const (
	TLSStartTLS = "starttls"
	TLSImplicit = "tls"
	TLSNone     = "none"
)

// DefaultTimeout bounds a Send whose context has no deadline.
const DefaultTimeout = 60 * time.Second

var (
	// ErrInvalidHeader: To or Subject contains a line break or another
	// control character.
	ErrInvalidHeader = errors.New("mail: line break or control character in header")
	// ErrInvalidAddress: To or From is not an email address.
	ErrInvalidAddress = errors.New("mail: invalid address")
	// ErrInvalidMessage: the message misses its text.
	ErrInvalidMessage = errors.New("mail: invalid message")
	// ErrConfig: the SMTP configuration cannot work.
	ErrConfig = errors.New("mail: invalid SMTP configuration")
)

// Config is the SMTP relay, from the MASTERIA_SMTP_* variables.
type Config struct {
	Host               string
	Port               int
	Username, Password string
	From               string // "Masteria <no-reply@example.com>"
	TLS                string // TLSStartTLS (default), TLSImplicit or TLSNone
}

// Enabled reports whether an SMTP relay is configured at all.
func (c Config) Enabled() bool { return c.Host != "" }

// withDefaults fills the port and TLS mode the team chose as defaults.
func (c Config) withDefaults() Config {
	if c.TLS == "" {
		c.TLS = TLSStartTLS
	}
	if c.Port == 0 {
		c.Port = 587
		if c.TLS == TLSImplicit {
			c.Port = 465
		}
	}
	return c
}

// Validate checks an enabled configuration once at start-up, so a typo is
// reported then rather than on the first sign-up.
func (c Config) Validate() error {
	c = c.withDefaults()
	switch c.TLS {
	case TLSStartTLS, TLSImplicit, TLSNone:
	default:
		return fmt.Errorf("%w: TLS mode %q, want %q, %q or %q", ErrConfig, c.TLS, TLSStartTLS, TLSImplicit, TLSNone)
	}
	if c.Host == "" || (strings.ContainsAny(c.Host, " \r\n/:") && net.ParseIP(c.Host) == nil) {
		return fmt.Errorf("%w: host %q", ErrConfig, c.Host)
	}
	if c.Port < 1 || c.Port > 65535 {
		return fmt.Errorf("%w: port %d", ErrConfig, c.Port)
	}
	if c.Password != "" && c.Username == "" {
		return fmt.Errorf("%w: password set without a user name", ErrConfig)
	}
	if _, err := parseAddress(c.From); err != nil {
		return fmt.Errorf("%w: from: %w", ErrConfig, err)
	}
	return nil
}

// String shows the configuration with the password masked.
func (c Config) String() string {
	pw := ""
	if c.Password != "" {
		pw = ":********"
	}
	return fmt.Sprintf("smtp://%s%s@%s (tls=%s, from=%s)",
		c.Username, pw, net.JoinHostPort(c.Host, strconv.Itoa(c.Port)), c.TLS, c.From)
}

// LogValue keeps the password out of structured logs.
func (c Config) LogValue() slog.Value {
	return slog.GroupValue(
		slog.String("host", c.Host),
		slog.Int("port", c.Port),
		slog.String("username", c.Username),
		slog.Bool("password_set", c.Password != ""),
		slog.String("from", c.From),
		slog.String("tls", c.TLS),
	)
}

// Message is one email to one person. HTML is optional.
type Message struct {
	To, Subject, Text, HTML string
}

// Sender delivers messages.
type Sender interface {
	Send(ctx context.Context, m Message) error
}

type smtpSender struct {
	cfg Config
	log *slog.Logger
}

// NewSMTP returns a Sender that relays through cfg. A bad configuration is
// reported by every Send; call cfg.Validate at start-up to fail earlier.
func NewSMTP(cfg Config, logger *slog.Logger) Sender {
	if logger == nil {
		logger = slog.New(slog.DiscardHandler)
	}
	return &smtpSender{cfg: cfg.withDefaults(), log: logger.With("component", "mail")}
}

func (s *smtpSender) Send(ctx context.Context, m Message) error {
	if err := s.cfg.Validate(); err != nil {
		return err
	}
	from, _ := parseAddress(s.cfg.From) // checked by Validate
	to, err := checkMessage(m)
	if err != nil {
		return err
	}
	msgID, err := messageID(from.Address)
	if err != nil {
		return err
	}
	raw, err := compose(m, from, to, time.Now(), msgID)
	if err != nil {
		return err
	}
	rcptDomain := to.Address[strings.LastIndexByte(to.Address, '@')+1:]
	if err := s.deliver(ctx, from.Address, to.Address, raw); err != nil {
		s.log.WarnContext(ctx, "mail not sent", "to_domain", rcptDomain, "message_id", msgID, "error", err)
		return err
	}
	s.log.InfoContext(ctx, "mail sent", "to_domain", rcptDomain, "message_id", msgID)
	return nil
}

// deliver runs one SMTP conversation. The deadline on the connection is
// what bounds it: net/smtp has no context support.
func (s *smtpSender) deliver(ctx context.Context, from, to string, raw []byte) (err error) {
	deadline, ok := ctx.Deadline()
	if !ok {
		deadline = time.Now().Add(DefaultTimeout)
	}
	addr := net.JoinHostPort(s.cfg.Host, strconv.Itoa(s.cfg.Port))
	tlsConfig := &tls.Config{ServerName: s.cfg.Host, MinVersion: tls.VersionTLS12}

	var conn net.Conn
	dialer := &net.Dialer{Deadline: deadline}
	if s.cfg.TLS == TLSImplicit {
		conn, err = (&tls.Dialer{NetDialer: dialer, Config: tlsConfig}).DialContext(ctx, "tcp", addr)
	} else {
		conn, err = dialer.DialContext(ctx, "tcp", addr)
	}
	if err != nil {
		return fmt.Errorf("mail: connect to %s: %w", addr, err)
	}
	defer conn.Close()
	if err := conn.SetDeadline(deadline); err != nil {
		return fmt.Errorf("mail: %w", err)
	}
	// Cancelling ctx moves the deadline to the past, which wakes any
	// blocked read or write at once.
	stop := context.AfterFunc(ctx, func() { conn.SetDeadline(time.Unix(1, 0)) })
	defer stop()
	defer func() {
		// The connection deadline is the context's, and may fire a moment
		// before the context notices; callers still get the context error.
		var ne net.Error
		switch {
		case err == nil:
		case ctx.Err() != nil:
			err = fmt.Errorf("%w (%w)", ctx.Err(), err)
		case ok && errors.As(err, &ne) && ne.Timeout():
			err = fmt.Errorf("%w (%w)", context.DeadlineExceeded, err)
		}
	}()

	c, err := smtp.NewClient(conn, s.cfg.Host)
	if err != nil {
		return fmt.Errorf("mail: greeting from %s: %w", addr, err)
	}
	defer c.Close()

	if s.cfg.TLS == TLSStartTLS {
		if ok, _ := c.Extension("STARTTLS"); !ok {
			return fmt.Errorf("mail: %s does not offer STARTTLS; use TLS mode %q only for a trusted local relay", addr, TLSNone)
		}
		if err := c.StartTLS(tlsConfig); err != nil {
			return fmt.Errorf("mail: STARTTLS with %s: %w", addr, err)
		}
	}
	if s.cfg.Username != "" {
		// PlainAuth itself refuses to send the password in clear text to
		// anything but localhost.
		if err := c.Auth(smtp.PlainAuth("", s.cfg.Username, s.cfg.Password, s.cfg.Host)); err != nil {
			return fmt.Errorf("mail: authenticate as %s: %w", s.cfg.Username, err)
		}
	}
	if err := c.Mail(from); err != nil {
		return fmt.Errorf("mail: MAIL FROM: %w", err)
	}
	if err := c.Rcpt(to); err != nil {
		return fmt.Errorf("mail: RCPT TO: %w", err)
	}
	w, err := c.Data()
	if err != nil {
		return fmt.Errorf("mail: DATA: %w", err)
	}
	if _, err := w.Write(raw); err != nil {
		return fmt.Errorf("mail: write message: %w", err)
	}
	if err := w.Close(); err != nil {
		return fmt.Errorf("mail: message refused: %w", err)
	}
	// The message is accepted once DATA ends; a failed QUIT changes nothing.
	_ = c.Quit()
	return nil
}

func checkMessage(m Message) (*netmail.Address, error) {
	if err := checkHeader("to", m.To); err != nil {
		return nil, err
	}
	if err := checkHeader("subject", m.Subject); err != nil {
		return nil, err
	}
	to, err := parseAddress(m.To)
	if err != nil {
		return nil, fmt.Errorf("to: %w", err)
	}
	if strings.TrimSpace(m.Text) == "" {
		return nil, fmt.Errorf("%w: no text", ErrInvalidMessage)
	}
	return to, nil
}

// checkHeader refuses control characters: CR and LF would start a new header
// (Bcc: anyone), and the others have no business in a subject.
func checkHeader(name, v string) error {
	for _, r := range v {
		if r < 0x20 && r != '\t' || r == 0x7f {
			return fmt.Errorf("%w: %s contains %q", ErrInvalidHeader, name, r)
		}
	}
	return nil
}

func parseAddress(s string) (*netmail.Address, error) {
	if err := checkHeader("address", s); err != nil {
		return nil, err
	}
	a, err := netmail.ParseAddress(s)
	if err != nil {
		return nil, fmt.Errorf("%w: %q: %w", ErrInvalidAddress, s, err)
	}
	return a, nil
}

func messageID(from string) (string, error) {
	var b [16]byte
	if _, err := rand.Read(b[:]); err != nil {
		return "", fmt.Errorf("mail: message id: %w", err)
	}
	return "<" + hex.EncodeToString(b[:]) + "@" + from[strings.LastIndexByte(from, '@')+1:] + ">", nil
}

// compose writes the message in RFC 5322 form with CRLF line ends.
func compose(m Message, from, to *netmail.Address, now time.Time, msgID string) ([]byte, error) {
	var buf bytes.Buffer
	h := func(k, v string) { buf.WriteString(k + ": " + v + "\r\n") }
	h("From", from.String())
	h("To", to.String())
	h("Subject", mime.QEncoding.Encode("utf-8", m.Subject))
	h("Date", now.Format(time.RFC1123Z))
	h("Message-ID", msgID)
	h("MIME-Version", "1.0")

	if m.HTML == "" {
		h("Content-Type", "text/plain; charset=utf-8")
		h("Content-Transfer-Encoding", "quoted-printable")
		buf.WriteString("\r\n")
		if err := writeQP(&buf, m.Text); err != nil {
			return nil, err
		}
		return buf.Bytes(), nil
	}

	var body bytes.Buffer
	mw := multipart.NewWriter(&body)
	h("Content-Type", mime.FormatMediaType("multipart/alternative", map[string]string{"boundary": mw.Boundary()}))
	buf.WriteString("\r\n")
	for _, part := range []struct{ typ, text string }{
		{"text/plain; charset=utf-8", m.Text},
		{"text/html; charset=utf-8", m.HTML},
	} {
		pw, err := mw.CreatePart(textproto.MIMEHeader{
			"Content-Type":              {part.typ},
			"Content-Transfer-Encoding": {"quoted-printable"},
		})
		if err != nil {
			return nil, fmt.Errorf("mail: compose: %w", err)
		}
		if err := writeQP(pw, part.text); err != nil {
			return nil, err
		}
	}
	if err := mw.Close(); err != nil {
		return nil, fmt.Errorf("mail: compose: %w", err)
	}
	buf.Write(body.Bytes())
	return buf.Bytes(), nil
}

func writeQP(w io.Writer, s string) error {
	qp := quotedprintable.NewWriter(w)
	if _, err := qp.Write([]byte(s)); err != nil {
		return fmt.Errorf("mail: encode body: %w", err)
	}
	if err := qp.Close(); err != nil {
		return fmt.Errorf("mail: encode body: %w", err)
	}
	return nil
}
