package httpapi_test

import (
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/masteria/masteria/internal/mail/mailtest"
	"github.com/masteria/masteria/internal/store/db"
	"github.com/masteria/masteria/internal/store/dbtest"
)

var linkRE = regexp.MustCompile(`http://\S+\?token=(\S+)`)

// waitMail waits for the n-th email (1-based) and returns the token of its link.
func waitMail(t *testing.T, s *mailtest.Server, n int, to string) (subject, token string) {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for time.Now().Before(deadline) {
		if msgs := s.Messages(); len(msgs) >= n {
			m := msgs[n-1]
			if !strings.Contains(m.To, to) {
				t.Fatalf("email %d went to %q, want %q", n, m.To, to)
			}
			match := linkRE.FindStringSubmatch(m.Text)
			if match == nil {
				t.Fatalf("email %d has no link: %s", n, m.Text)
			}
			return m.Subject, match[1]
		}
		time.Sleep(20 * time.Millisecond)
	}
	t.Fatalf("email %d to %s never arrived", n, to)
	return "", ""
}

func TestEmailVerificationResetAndInvitationBySMTP(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		smtp := mailtest.NewServer(t)
		e := setup(t, d, withSMTP(smtp.Config()))
		e.startJobs()

		if cfg := e.anon().must(200, "GET", "/api/v1/config", nil); cfg["smtp_enabled"] != true {
			t.Fatalf("config: %v", cfg)
		}
		owner, _ := e.signup("Acme", "ana@example.com")
		subject, token := waitMail(t, smtp, 1, "ana@example.com")
		if !strings.Contains(subject, "e-mail") {
			t.Fatalf("verification subject %q (pt-BR by default)", subject)
		}
		// Unverified: may explore, may not invite or make keys.
		if r := owner.do("POST", "/api/v1/api-keys", map[string]any{"name": "k"}); r.status != 403 || r.errCode(t) != "email_not_verified" {
			t.Fatalf("unverified key: %d %s", r.status, r.body)
		}
		if r := owner.do("POST", "/api/v1/invitations", map[string]any{"email": "bob@example.com", "role": "agent"}); r.status != 403 {
			t.Fatalf("unverified invite: %d", r.status)
		}
		e.anon().must(204, "POST", "/api/v1/auth/email/verify", map[string]any{"token": token})
		if r := e.anon().do("POST", "/api/v1/auth/email/verify", map[string]any{"token": token}); r.status != 400 || r.errCode(t) != "invalid_token" {
			t.Fatalf("link used twice: %d", r.status)
		}
		if me := owner.must(200, "GET", "/api/v1/me", nil); me["user"].(map[string]any)["email_verified"] != true {
			t.Fatalf("not verified: %v", me)
		}

		// Invitation by email: no link is shown to the admin.
		inv := owner.must(201, "POST", "/api/v1/invitations", map[string]any{"email": "bob@example.com", "role": "agent"})
		if inv["emailed"] != true || inv["url"] != nil {
			t.Fatalf("emailed invitation shows a link: %v", inv)
		}
		_, invToken := waitMail(t, smtp, 2, "bob@example.com")
		info := e.anon().must(200, "GET", "/api/v1/invitations/"+invToken, nil)
		if info["email"] != "bob@example.com" || info["company"].(map[string]any)["name"] != "Acme" || info["user_exists"] != false {
			t.Fatalf("invitation info: %v", info)
		}
		bob := e.anon()
		bob.must(200, "POST", "/api/v1/invitations/"+invToken+"/accept", map[string]any{"name": "Bob", "password": goodPassword})

		// Forgotten password: same answer for unknown addresses, and no email.
		e.anon().must(202, "POST", "/api/v1/auth/password/forgot", map[string]any{"email": "nobody@example.com"})
		e.anon().must(202, "POST", "/api/v1/auth/password/forgot", map[string]any{"email": "ana@example.com"})
		_, resetToken := waitMail(t, smtp, 3, "ana@example.com")
		if n := len(smtp.Messages()); n != 3 {
			t.Fatalf("%d emails, want 3 (none for the unknown address)", n)
		}
		if r := e.anon().do("POST", "/api/v1/auth/password/reset", map[string]any{"token": resetToken, "password": "short"}); r.status != 422 {
			t.Fatalf("weak reset password: %d", r.status)
		}
		e.anon().must(204, "POST", "/api/v1/auth/password/reset", map[string]any{"token": resetToken, "password": "a brand new password"})
		if r := owner.do("GET", "/api/v1/me", nil); r.status != 401 {
			t.Fatalf("session survived the reset: %d", r.status)
		}
		e.anon().must(200, "POST", "/api/v1/auth/login", map[string]any{"email": "ana@example.com", "password": "a brand new password"})
	})
}

func TestInvitationWithoutSMTPAndExistingAccount(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		e := setup(t, d)
		acme, _ := e.signup("Acme", "ana@example.com")
		e.signup("Globex", "gil@example.com")
		inv := acme.must(201, "POST", "/api/v1/invitations", map[string]any{"email": "Gil@Example.com", "role": "admin"})
		if inv["emailed"] != false || !strings.Contains(inv["url"].(string), "/invite?token=") {
			t.Fatalf("invitation without SMTP must show its link: %v", inv)
		}
		if list := acme.must(200, "GET", "/api/v1/invitations", nil)["data"].([]any); len(list) != 1 {
			t.Fatalf("pending: %v", list)
		}
		token := inv["url"].(string)[strings.Index(inv["url"].(string), "token=")+6:]
		if info := e.anon().must(200, "GET", "/api/v1/invitations/"+token, nil); info["user_exists"] != true {
			t.Fatalf("existing account not recognized: %v", info)
		}
		// The existing account proves itself with its own password.
		if r := e.anon().do("POST", "/api/v1/invitations/"+token+"/accept", map[string]any{"password": "not gil's password"}); r.status != 422 {
			t.Fatalf("wrong password accepted: %d %s", r.status, r.body)
		}
		gil := e.anon()
		m := gil.must(200, "POST", "/api/v1/invitations/"+token+"/accept", map[string]any{"password": goodPassword})
		if m["role"] != "admin" || m["company"].(map[string]any)["name"] != "Acme" {
			t.Fatalf("accept: %v", m)
		}
		gil.token = m["token"].(string)
		if cos := gil.must(200, "GET", "/api/v1/me", nil)["companies"].([]any); len(cos) != 2 {
			t.Fatalf("gil should belong to two companies: %v", cos)
		}
		if r := e.anon().do("GET", "/api/v1/invitations/"+token, nil); r.status != 404 {
			t.Fatalf("used invitation still open: %d", r.status)
		}
		// Gil belongs to another company too: Acme's admin may not hand out a reset link for him.
		gilID := m["user"].(map[string]any)["id"].(string)
		if r := acme.do("POST", "/api/v1/members/"+gilID+"/reset-link", nil); r.status != 403 {
			t.Fatalf("reset link for a member of other companies: %d", r.status)
		}
		// Inviting a member again is refused; cancelling works.
		if r := acme.do("POST", "/api/v1/invitations", map[string]any{"email": "gil@example.com", "role": "agent"}); r.status != 422 {
			t.Fatalf("invited a member: %d", r.status)
		}
		inv2 := acme.must(201, "POST", "/api/v1/invitations", map[string]any{"email": "zed@example.com", "role": "agent"})
		acme.must(204, "DELETE", "/api/v1/invitations/"+inv2["id"].(string), nil)
		tok2 := inv2["url"].(string)[strings.Index(inv2["url"].(string), "token=")+6:]
		if r := e.anon().do("GET", "/api/v1/invitations/"+tok2, nil); r.status != 404 {
			t.Fatalf("cancelled invitation still open: %d", r.status)
		}
	})
}

func TestAdminResetLinkWithoutSMTP(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		e := setup(t, d)
		owner, _ := e.signup("Acme", "ana@example.com")
		agent, agentID := e.invite(owner, "bob@example.com", "agent")
		url := owner.must(201, "POST", "/api/v1/members/"+agentID+"/reset-link", nil)["url"].(string)
		token := url[strings.Index(url, "token=")+6:]
		e.anon().must(204, "POST", "/api/v1/auth/password/reset", map[string]any{"token": token, "password": "bob's new password"})
		if r := agent.do("GET", "/api/v1/me", nil); r.status != 401 {
			t.Fatalf("agent session survived reset: %d", r.status)
		}
		e.anon().must(200, "POST", "/api/v1/auth/login", map[string]any{"email": "bob@example.com", "password": "bob's new password"})
		audit := owner.must(200, "GET", "/api/v1/audit?action=member.reset_link_created", nil)["data"].([]any)
		if len(audit) != 1 {
			t.Fatalf("reset link not audited: %v", audit)
		}
	})
}

func TestAuditLogPagesAndFilters(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		e := setup(t, d)
		owner, _ := e.signup("Acme", "ana@example.com")
		for i := 0; i < 5; i++ {
			owner.must(201, "POST", "/api/v1/api-keys", map[string]any{"name": "k"})
		}
		var seen []string
		cursor := ""
		for page := 0; page < 10; page++ {
			m := owner.must(200, "GET", "/api/v1/audit?action=api_key.created&limit=2&cursor="+cursor, nil)
			for _, x := range m["data"].([]any) {
				entry := x.(map[string]any)
				if entry["action"] != "api_key.created" || entry["actor"].(map[string]any)["type"] != "user" || entry["ip"] == "" {
					t.Fatalf("entry: %v", entry)
				}
				seen = append(seen, entry["id"].(string))
			}
			next, _ := m["next_cursor"].(string)
			if next == "" {
				break
			}
			cursor = next
		}
		if len(seen) != 5 {
			t.Fatalf("paged through %d entries, want 5", len(seen))
		}
		for i := 1; i < len(seen); i++ {
			if seen[i] >= seen[i-1] {
				t.Fatal("audit not newest first")
			}
		}
		for _, q := range []string{"?limit=0", "?limit=abc", "?limit=201", "?cursor=not-an-id"} {
			if r := owner.do("GET", "/api/v1/audit"+q, nil); r.status != 400 {
				t.Errorf("%s: %d", q, r.status)
			}
		}
	})
}
