package httpapi_test

import (
	"fmt"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/masteria/masteria/internal/store/db"
	"github.com/masteria/masteria/internal/store/dbtest"
)

// TestConcurrentAcceptancesDoNotExhaustThePool: each acceptance holds a
// transaction; none may need a second connection while it does.
func TestConcurrentAcceptancesDoNotExhaustThePool(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		e := setup(t, d)
		owner, _ := e.signup("Acme", "ana@example.com")
		var tokens []string
		for i := 0; i < 12; i++ {
			url := owner.must(201, "POST", "/api/v1/invitations", map[string]any{"email": fmt.Sprintf("p%d@example.com", i), "role": "agent"})["url"].(string)
			tokens = append(tokens, url[strings.Index(url, "token=")+6:])
		}
		var wg sync.WaitGroup
		statuses := make([]int, len(tokens))
		done := make(chan struct{})
		for i, tok := range tokens {
			wg.Add(1)
			go func() {
				defer wg.Done()
				statuses[i] = e.anon().do("POST", "/api/v1/invitations/"+tok+"/accept", map[string]any{"name": "P", "password": goodPassword}).status
			}()
		}
		go func() { wg.Wait(); close(done) }()
		select {
		case <-done:
		case <-time.After(30 * time.Second):
			t.Fatal("concurrent acceptances hang")
		}
		for i, s := range statuses {
			if s != 200 {
				t.Errorf("acceptance %d: %d", i, s)
			}
		}
	})
}

// TestTwoOwnersCannotBothStepDown: the company always keeps an owner, even
// when both owners demote themselves at the same moment.
func TestTwoOwnersCannotBothStepDown(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		e := setup(t, d)
		ana, _ := e.signup("Acme", "ana@example.com")
		bob, bobID := e.invite(ana, "bob@example.com", "admin")
		ana.must(200, "PATCH", "/api/v1/members/"+bobID, map[string]any{"role": "owner"})
		anaID := ana.must(200, "GET", "/api/v1/me", nil)["user"].(map[string]any)["id"].(string)
		for round := 0; round < 5; round++ {
			var wg sync.WaitGroup
			var okCount int
			var mu sync.Mutex
			for _, c := range []struct {
				cl *client
				id string
			}{{ana, anaID}, {bob, bobID}} {
				wg.Add(1)
				go func() {
					defer wg.Done()
					if r := c.cl.do("PATCH", "/api/v1/members/"+c.id, map[string]any{"role": "admin"}); r.status == 200 {
						mu.Lock()
						okCount++
						mu.Unlock()
					}
				}()
			}
			wg.Wait()
			var owners int
			if err := d.QueryRow(t.Context(), `SELECT count(*) FROM memberships WHERE role = 'owner'`).Scan(&owners); err != nil {
				t.Fatal(err)
			}
			if owners != 1 || okCount != 1 {
				t.Fatalf("round %d: %d owners left, %d demotions succeeded", round, owners, okCount)
			}
			// Make both owners again for the next round.
			for _, id := range []string{anaID, bobID} {
				if _, err := d.Exec(t.Context(), `UPDATE memberships SET role = 'owner' WHERE user_id = ?`, id); err != nil {
					t.Fatal(err)
				}
			}
		}
	})
}

func TestInvitationAcceptanceSharesTheSignInBudget(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		e := setup(t, d)
		e.signup("Victim Co", "victim@example.com")
		attacker, _ := e.signup("Attacker Co", "attacker@example.com")
		url := attacker.must(201, "POST", "/api/v1/invitations", map[string]any{"email": "victim@example.com", "role": "admin"})["url"].(string)
		token := url[strings.Index(url, "token=")+6:]
		for i := 0; i < 10; i++ {
			if r := e.anon().do("POST", "/api/v1/invitations/"+token+"/accept", map[string]any{"password": fmt.Sprintf("guess number %d", i)}); r.status != 422 {
				t.Fatalf("guess %d: %d", i, r.status)
			}
		}
		if r := e.anon().do("POST", "/api/v1/invitations/"+token+"/accept", map[string]any{"password": goodPassword}); r.status != 429 {
			t.Fatalf("11th guess through the invitation: %d", r.status)
		}
		if r := e.anon().do("POST", "/api/v1/auth/login", map[string]any{"email": "victim@example.com", "password": goodPassword}); r.status != 429 {
			t.Fatalf("sign-in after 10 guesses: %d", r.status)
		}
	})
}

func TestKeysOfARemovedOrDemotedAdminStopWorking(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		e := setup(t, d)
		owner, _ := e.signup("Acme", "ana@example.com")
		admin, adminID := e.invite(owner, "adm@example.com", "admin")
		other, otherID := e.invite(owner, "adm2@example.com", "admin")
		k1 := e.anon()
		k1.token = admin.must(201, "POST", "/api/v1/api-keys", map[string]any{"name": "a"})["key"].(string)
		k2 := e.anon()
		k2.token = other.must(201, "POST", "/api/v1/api-keys", map[string]any{"name": "b"})["key"].(string)
		ownKey := e.anon()
		ownKey.token = owner.must(201, "POST", "/api/v1/api-keys", map[string]any{"name": "c"})["key"].(string)
		k1.must(200, "GET", "/api/v1/company", nil)
		owner.must(204, "DELETE", "/api/v1/members/"+adminID, nil)
		owner.must(200, "PATCH", "/api/v1/members/"+otherID, map[string]any{"role": "agent"})
		if r := k1.do("GET", "/api/v1/company", nil); r.status != 401 {
			t.Fatalf("key of a removed admin: %d", r.status)
		}
		if r := k2.do("GET", "/api/v1/company", nil); r.status != 401 {
			t.Fatalf("key of a demoted admin: %d", r.status)
		}
		ownKey.must(200, "GET", "/api/v1/company", nil)
		// A key may invite; the invitation has no person as inviter.
		inv := ownKey.must(201, "POST", "/api/v1/invitations", map[string]any{"email": "new@example.com", "role": "agent"})
		if inv["invited_by"] != nil {
			t.Fatalf("invited_by: %v", inv["invited_by"])
		}
	})
}

func TestForgotPasswordIsLimitedPerClient(t *testing.T) {
	e := setup(t, dbtest.SQLite(t))
	for i := 0; i < 20; i++ {
		e.anon().must(202, "POST", "/api/v1/auth/password/forgot", map[string]any{"email": fmt.Sprintf("x%d@example.com", i)})
	}
	if r := e.anon().do("POST", "/api/v1/auth/password/forgot", map[string]any{"email": "y@example.com"}); r.status != 429 {
		t.Fatalf("21st request in an hour: %d", r.status)
	}
}
