// Package config turns MASTERIA_* environment variables and command-line
// flags into one checked Config. Flags win over the environment; every flag
// mirrors a variable (MASTERIA_PUBLIC_URL is --public-url). Load is called
// once and the result is passed down: nothing reads the environment later.
package config

import (
	"encoding/base64"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/netip"
	"net/url"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"

	"github.com/masteria/masteria/internal/mail"
)

// Config is everything `masteria serve` needs to know.
type Config struct {
	Addr             string
	DataDir          string
	DatabaseURL      string
	EncryptionKey    string // base64 keys, comma separated; never printed
	PublicURL        string
	LogLevel         slog.Level
	LogFormat        string // "text" or "json"
	SignupEnabled    bool
	JWTSecret        string // optional; generated and stored encrypted when empty
	MetaGraphURL     string
	MetaGraphVersion string
	BlobURL          string
	// TrustedProxies are the reverse proxies whose X-Forwarded-For names the client.
	TrustedProxies []netip.Prefix

	SMTP mail.Config
}

// Option describes one setting, for flags, docs and the README table.
type Option struct {
	Env, Flag, Default, Help string
}

// Options lists every setting in the order the README documents them.
var Options = []Option{
	{"MASTERIA_ADDR", "addr", ":8080", "address the HTTP server listens on"},
	{"MASTERIA_DATA_DIR", "data-dir", "./data", "folder for the SQLite database, the generated encryption key and local media"},
	{"MASTERIA_DATABASE_URL", "database-url", "(sqlite://DATA_DIR/masteria.db)", "sqlite:///path/file.db or postgres://user@host/db"},
	{"MASTERIA_BLOB_URL", "blob-url", "(file://DATA_DIR/blobs)", "where uploaded files and media are kept (a gocloud.dev bucket URL)"},
	{"MASTERIA_ENCRYPTION_KEY", "encryption-key", "(generated into DATA_DIR/encryption.key)", "one or more base64 32-byte keys, comma separated: the first encrypts, all decrypt"},
	{"MASTERIA_PUBLIC_URL", "public-url", "http://localhost:8080", "the address people and providers reach this server at (links in emails, webhook URLs)"},
	{"MASTERIA_LOG_LEVEL", "log-level", "info", "debug, info, warn or error"},
	{"MASTERIA_LOG_FORMAT", "log-format", "text", "text or json"},
	{"MASTERIA_SIGNUP_ENABLED", "signup-enabled", "true", "whether anyone may create a company from the sign-up page"},
	{"MASTERIA_JWT_SECRET", "jwt-secret", "(generated, stored encrypted)", "key that signs API tokens; at least 32 bytes when given"},
	{"MASTERIA_TRUSTED_PROXIES", "trusted-proxies", "", "comma-separated addresses or CIDRs of reverse proxies whose X-Forwarded-For is believed (for example 127.0.0.1/32)"},
	{"MASTERIA_META_GRAPH_URL", "meta-graph-url", "https://graph.facebook.com", "base URL of Meta's Graph API"},
	{"MASTERIA_META_GRAPH_VERSION", "meta-graph-version", "v25.0", "Graph API version used for WhatsApp Cloud calls"},
	{"MASTERIA_SMTP_HOST", "smtp-host", "", "SMTP server; empty turns email off (links are shown to admins instead)"},
	{"MASTERIA_SMTP_PORT", "smtp-port", "(587, or 465 with smtp-tls=tls)", "SMTP port"},
	{"MASTERIA_SMTP_USERNAME", "smtp-username", "", "SMTP user"},
	{"MASTERIA_SMTP_PASSWORD", "smtp-password", "", "SMTP password"},
	{"MASTERIA_SMTP_FROM", "smtp-from", "Masteria <no-reply@localhost>", "sender of emails"},
	{"MASTERIA_SMTP_TLS", "smtp-tls", "starttls", "starttls, tls (implicit, port 465) or none"},
}

// Load reads env (as from os.Environ) then args (flags after the subcommand).
// The error is one line meant for the operator.
var graphVersion = regexp.MustCompile(`^v[0-9]{1,3}\.[0-9]{1,2}$`)

func Load(env []string, args []string) (Config, error) {
	values := map[string]string{}
	for _, o := range Options {
		if !strings.HasPrefix(o.Default, "(") {
			values[o.Env] = o.Default
		}
	}
	for _, kv := range env {
		k, v, ok := strings.Cut(kv, "=")
		if ok && strings.HasPrefix(k, "MASTERIA_") {
			values[k] = v
		}
	}
	fs := flag.NewFlagSet("serve", flag.ContinueOnError)
	fs.SetOutput(io.Discard)
	set := map[string]*string{}
	for _, o := range Options {
		set[o.Env] = fs.String(o.Flag, "", o.Help)
	}
	if err := fs.Parse(args); err != nil {
		return Config{}, fmt.Errorf("flags: %w", err)
	}
	if fs.NArg() > 0 {
		return Config{}, fmt.Errorf("unexpected argument %q", fs.Arg(0))
	}
	fs.Visit(func(f *flag.Flag) {
		for _, o := range Options {
			if o.Flag == f.Name {
				values[o.Env] = *set[o.Env]
			}
		}
	})
	return parse(values)
}

func parse(v map[string]string) (Config, error) {
	c := Config{
		Addr:             v["MASTERIA_ADDR"],
		DataDir:          v["MASTERIA_DATA_DIR"],
		DatabaseURL:      v["MASTERIA_DATABASE_URL"],
		EncryptionKey:    v["MASTERIA_ENCRYPTION_KEY"],
		PublicURL:        strings.TrimRight(v["MASTERIA_PUBLIC_URL"], "/"),
		LogFormat:        v["MASTERIA_LOG_FORMAT"],
		JWTSecret:        v["MASTERIA_JWT_SECRET"],
		MetaGraphURL:     strings.TrimRight(v["MASTERIA_META_GRAPH_URL"], "/"),
		MetaGraphVersion: v["MASTERIA_META_GRAPH_VERSION"],
		SMTP: mail.Config{
			Host:     v["MASTERIA_SMTP_HOST"],
			Username: v["MASTERIA_SMTP_USERNAME"],
			Password: v["MASTERIA_SMTP_PASSWORD"],
			From:     v["MASTERIA_SMTP_FROM"],
			TLS:      v["MASTERIA_SMTP_TLS"],
		},
	}
	if _, port, err := net.SplitHostPort(c.Addr); err != nil || port == "" {
		return c, fmt.Errorf("MASTERIA_ADDR %q is not host:port (for example :8080)", c.Addr)
	}
	if c.DataDir == "" {
		return c, errors.New("MASTERIA_DATA_DIR must not be empty")
	}
	if c.DatabaseURL == "" {
		c.DatabaseURL = "sqlite://" + filepath.Join(c.DataDir, "masteria.db")
	}
	c.BlobURL = v["MASTERIA_BLOB_URL"]
	if c.BlobURL == "" {
		abs, err := filepath.Abs(filepath.Join(c.DataDir, "blobs"))
		if err != nil {
			return c, fmt.Errorf("MASTERIA_DATA_DIR: %w", err)
		}
		c.BlobURL = "file://" + filepath.ToSlash(abs)
	} else if !strings.HasPrefix(c.BlobURL, "file://") && !strings.HasPrefix(c.BlobURL, "mem://") {
		return c, errors.New("MASTERIA_BLOB_URL must start with file:// (or mem:// for a throwaway store)")
	}
	if !strings.HasPrefix(c.DatabaseURL, "sqlite://") && !strings.HasPrefix(c.DatabaseURL, "postgres://") &&
		!strings.HasPrefix(c.DatabaseURL, "postgresql://") {
		return c, errors.New("MASTERIA_DATABASE_URL must start with sqlite:// or postgres://")
	}
	if c.EncryptionKey != "" {
		if _, err := ParseKeys(c.EncryptionKey); err != nil {
			return c, fmt.Errorf("MASTERIA_ENCRYPTION_KEY: %w", err)
		}
	}
	if err := checkBaseURL("MASTERIA_PUBLIC_URL", c.PublicURL); err != nil {
		return c, err
	}
	if err := checkBaseURL("MASTERIA_META_GRAPH_URL", c.MetaGraphURL); err != nil {
		return c, err
	}
	if !graphVersion.MatchString(c.MetaGraphVersion) {
		return c, fmt.Errorf("MASTERIA_META_GRAPH_VERSION %q must look like v25.0", c.MetaGraphVersion)
	}
	if err := c.LogLevel.UnmarshalText([]byte(v["MASTERIA_LOG_LEVEL"])); err != nil {
		return c, fmt.Errorf("MASTERIA_LOG_LEVEL %q must be debug, info, warn or error", v["MASTERIA_LOG_LEVEL"])
	}
	if c.LogFormat != "text" && c.LogFormat != "json" {
		return c, fmt.Errorf("MASTERIA_LOG_FORMAT %q must be text or json", c.LogFormat)
	}
	b, err := strconv.ParseBool(v["MASTERIA_SIGNUP_ENABLED"])
	if err != nil {
		return c, fmt.Errorf("MASTERIA_SIGNUP_ENABLED %q must be true or false", v["MASTERIA_SIGNUP_ENABLED"])
	}
	c.SignupEnabled = b
	for _, part := range strings.Split(v["MASTERIA_TRUSTED_PROXIES"], ",") {
		part = strings.TrimSpace(part)
		if part == "" {
			continue
		}
		p, err := netip.ParsePrefix(part)
		if err != nil {
			a, aerr := netip.ParseAddr(part)
			if aerr != nil {
				return c, fmt.Errorf("MASTERIA_TRUSTED_PROXIES: %q is not an address or CIDR", part)
			}
			p = netip.PrefixFrom(a, a.BitLen())
		}
		c.TrustedProxies = append(c.TrustedProxies, p.Masked())
	}
	if c.JWTSecret != "" && len(c.JWTSecret) < 32 {
		return c, errors.New("MASTERIA_JWT_SECRET is too weak: give at least 32 random bytes, or leave it empty to have one generated")
	}
	if p := v["MASTERIA_SMTP_PORT"]; p != "" {
		port, err := strconv.Atoi(p)
		if err != nil || port < 1 || port > 65535 {
			return c, fmt.Errorf("MASTERIA_SMTP_PORT %q is not a port number", p)
		}
		c.SMTP.Port = port
	}
	switch c.SMTP.TLS {
	case "starttls", "tls", "none":
	default:
		return c, fmt.Errorf("MASTERIA_SMTP_TLS %q must be starttls, tls or none", c.SMTP.TLS)
	}
	if c.SMTP.Enabled() {
		if err := c.SMTP.Validate(); err != nil {
			return c, fmt.Errorf("MASTERIA_SMTP_*: %w", err)
		}
	}
	return c, nil
}

func checkBaseURL(name, raw string) error {
	u, err := url.Parse(raw)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		return fmt.Errorf("%s %q must be an http:// or https:// URL", name, raw)
	}
	return nil
}

// ParseKeys decodes MASTERIA_ENCRYPTION_KEY: base64 32-byte keys, comma separated.
func ParseKeys(s string) ([][]byte, error) {
	var keys [][]byte
	for i, part := range strings.Split(s, ",") {
		part = strings.TrimSpace(part)
		k, err := base64.StdEncoding.DecodeString(part)
		if err != nil {
			k, err = base64.RawURLEncoding.DecodeString(part)
		}
		if err != nil {
			return nil, fmt.Errorf("key %d is not base64", i+1)
		}
		if len(k) != 32 {
			return nil, fmt.Errorf("key %d is %d bytes, must be 32 (make one with: openssl rand -base64 32)", i+1, len(k))
		}
		keys = append(keys, k)
	}
	return keys, nil
}

// Masked is the configuration for logs: secrets replaced by "***" when set.
func (c Config) Masked() []any {
	mask := func(s string) string {
		if s == "" {
			return ""
		}
		return "***"
	}
	dbURL := "***" // unless it parses, the whole URL may be a secret
	if u, err := url.Parse(c.DatabaseURL); err == nil {
		if u.User != nil {
			if _, has := u.User.Password(); has {
				u.User = url.UserPassword(u.User.Username(), "***")
			}
		}
		q := u.Query()
		for k := range q {
			if strings.Contains(strings.ToLower(k), "password") || strings.Contains(strings.ToLower(k), "key") {
				q.Set(k, "***")
			}
		}
		u.RawQuery = q.Encode()
		dbURL = u.String()
	}
	return []any{
		"addr", c.Addr, "data_dir", c.DataDir, "database_url", dbURL, "public_url", c.PublicURL,
		"encryption_key", mask(c.EncryptionKey), "jwt_secret", mask(c.JWTSecret),
		"smtp_host", c.SMTP.Host, "smtp_password", mask(c.SMTP.Password), "signup_enabled", c.SignupEnabled,
	}
}
