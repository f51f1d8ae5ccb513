package config

import (
	"fmt"
	"os"
	"strings"
	"testing"
)

func TestLoadDefaults(t *testing.T) {
	c, err := Load(nil, nil)
	if err != nil {
		t.Fatal(err)
	}
	if c.Addr != ":8080" || c.DataDir != "./data" || c.DatabaseURL != "sqlite://data/masteria.db" || !c.SignupEnabled || c.SMTP.Enabled() {
		t.Fatalf("unexpected defaults: %+v", c)
	}
}

func TestFlagsWinOverEnvironment(t *testing.T) {
	c, err := Load([]string{"MASTERIA_ADDR=:9000", "MASTERIA_DATA_DIR=/tmp/x"}, []string{"--addr", "127.0.0.1:7000"})
	if err != nil {
		t.Fatal(err)
	}
	if c.Addr != "127.0.0.1:7000" || c.DatabaseURL != "sqlite:///tmp/x/masteria.db" {
		t.Fatalf("got %q %q", c.Addr, c.DatabaseURL)
	}
}

func TestBadConfigurationIsOneClearLine(t *testing.T) {
	tests := []struct{ name, env, want string }{
		{"addr", "MASTERIA_ADDR=8080", "MASTERIA_ADDR"},
		{"database", "MASTERIA_DATABASE_URL=mysql://x", "MASTERIA_DATABASE_URL"},
		{"short key", "MASTERIA_ENCRYPTION_KEY=c2hvcnQ=", "must be 32"},
		{"not base64", "MASTERIA_ENCRYPTION_KEY=!!!", "not base64"},
		{"public url", "MASTERIA_PUBLIC_URL=ftp://x", "MASTERIA_PUBLIC_URL"},
		{"log level", "MASTERIA_LOG_LEVEL=loud", "MASTERIA_LOG_LEVEL"},
		{"log format", "MASTERIA_LOG_FORMAT=xml", "MASTERIA_LOG_FORMAT"},
		{"weak jwt secret", "MASTERIA_JWT_SECRET=secret", "too weak"},
		{"smtp port", "MASTERIA_SMTP_PORT=99999", "MASTERIA_SMTP_PORT"},
		{"smtp tls", "MASTERIA_SMTP_TLS=ssl", "MASTERIA_SMTP_TLS"},
		{"signup", "MASTERIA_SIGNUP_ENABLED=maybe", "MASTERIA_SIGNUP_ENABLED"},
		{"trusted proxies", "MASTERIA_TRUSTED_PROXIES=10.0.0.0/8,nonsense", "MASTERIA_TRUSTED_PROXIES"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := Load([]string{tt.env}, nil)
			if err == nil {
				t.Fatal("accepted")
			}
			if !strings.Contains(err.Error(), tt.want) || strings.Contains(err.Error(), "\n") {
				t.Fatalf("error %q should be one line naming %q", err, tt.want)
			}
		})
	}
}

func TestMaskedHidesSecrets(t *testing.T) {
	c, err := Load([]string{
		"MASTERIA_ENCRYPTION_KEY=AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=",
		"MASTERIA_SMTP_PASSWORD=hunter2hunter2",
		"MASTERIA_DATABASE_URL=postgres://u:pgsecret@h/db?password=qsecret&sslmode=disable",
	}, nil)
	if err != nil {
		t.Fatal(err)
	}
	out := fmt.Sprint(c.Masked()...)
	for _, secret := range []string{"AAAAAAAA", "hunter2", "pgsecret", "qsecret"} {
		if strings.Contains(out, secret) {
			t.Fatalf("masked config shows %q: %s", secret, out)
		}
	}
}

// TestREADMEDocumentsEveryOption keeps the README's configuration table true.
func TestREADMEDocumentsEveryOption(t *testing.T) {
	readme, err := os.ReadFile("../../README.md")
	if err != nil {
		t.Fatal(err)
	}
	for _, o := range Options {
		if !strings.Contains(string(readme), "| `"+o.Env+"` |") {
			t.Errorf("README lacks %s", o.Env)
		}
	}
}
