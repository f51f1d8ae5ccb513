package main

import (
	"bytes"
	"context"
	"crypto/rand"
	"encoding/base64"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
)

func key(t *testing.T) string {
	b := make([]byte, 32)
	if _, err := rand.Read(b); err != nil {
		t.Fatal(err)
	}
	return base64.StdEncoding.EncodeToString(b)
}

func runCmd(t *testing.T, env []string, args ...string) (int, string, string) {
	t.Helper()
	var out, errb bytes.Buffer
	code := run(context.Background(), args, env, &out, &errb)
	return code, out.String(), errb.String()
}

func TestBadConfigurationExitsWithTwoAndOneLine(t *testing.T) {
	code, _, stderr := runCmd(t, []string{"MASTERIA_DATABASE_URL=mysql://x"}, "serve")
	if code != 2 || strings.Count(strings.TrimSpace(stderr), "\n") != 0 || !strings.Contains(stderr, "MASTERIA_DATABASE_URL") {
		t.Fatalf("exit %d, stderr %q", code, stderr)
	}
	if code, _, _ := runCmd(t, nil, "frobnicate"); code != 2 {
		t.Fatalf("unknown command exit %d", code)
	}
	if code, _, _ := runCmd(t, nil, "--addr", "nonsense"); code != 2 {
		t.Fatalf("bad flag value exit %d", code)
	}
}

func TestVersion(t *testing.T) {
	code, out, _ := runCmd(t, nil, "version")
	if code != 0 || !strings.HasPrefix(out, "masteria ") {
		t.Fatalf("%d %q", code, out)
	}
}

func TestMigrateAdminAndKeyRotation(t *testing.T) {
	dir := t.TempDir()
	oldKey, newKey := key(t), key(t)
	env := []string{"MASTERIA_DATA_DIR=" + dir, "MASTERIA_ENCRYPTION_KEY=" + oldKey, "MASTERIA_LOG_LEVEL=error",
		"MASTERIA_DATABASE_URL=sqlite://" + filepath.Join(dir, "m.db")}
	if code, _, stderr := runCmd(t, env, "migrate"); code != 0 {
		t.Fatalf("migrate: %d %s", code, stderr)
	}
	code, out, stderr := runCmd(t, env, "admin", "create-company", "--name", "Acme", "--owner-email", "ana@example.com",
		"--owner-name", "Ana", "--password", "correct horse battery")
	if code != 0 {
		t.Fatalf("create-company: %d %s", code, stderr)
	}
	m := regexp.MustCompile(`company Acme \(([0-9a-f-]{36})\)`).FindStringSubmatch(out)
	if m == nil {
		t.Fatalf("output %q", out)
	}
	code, out, stderr = runCmd(t, env, "admin", "create-user", "--company", m[1], "--email", "bob@example.com",
		"--name", "Bob", "--password", "correct horse battery", "--role", "agent")
	if code != 0 || !strings.Contains(out, "as agent") {
		t.Fatalf("create-user: %d %q %s", code, out, stderr)
	}
	if code, _, stderr := runCmd(t, env, "admin", "create-user", "--company", m[1], "--email", "bad", "--password", "x"); code != 1 || !strings.Contains(stderr, "email") {
		t.Fatalf("bad create-user: %d %s", code, stderr)
	}
	// The JWT signing key and the suppression hash key were made with the old key; rotate them.
	rotated := append(env[:len(env):len(env)], "MASTERIA_ENCRYPTION_KEY="+newKey+","+oldKey)
	code, out, stderr = runCmd(t, rotated, "keys", "rotate")
	if code != 0 || !strings.Contains(out, "re-encrypted 2 secret") {
		t.Fatalf("rotate: %d %q %s", code, out, stderr)
	}
	// With only the new key, the product still starts (it can read its secrets).
	onlyNew := append(env[:len(env):len(env)], "MASTERIA_ENCRYPTION_KEY="+newKey)
	code, _, stderr = runCmd(t, onlyNew, "admin", "create-user", "--company", m[1], "--email", "cy@example.com",
		"--name", "Cy", "--password", "correct horse battery")
	if code != 0 {
		t.Fatalf("after rotation: %d %s", code, stderr)
	}
}
