package auth

import (
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/masteria/masteria/internal/apierr"
)

func TestPasswordHashUsesArgon2idAndVerifies(t *testing.T) {
	h, err := DefaultArgon2.HashPassword("correct horse battery")
	if err != nil {
		t.Fatal(err)
	}
	if !strings.HasPrefix(h, "$argon2id$v=19$m=65536,t=3,p=2$") {
		t.Fatalf("hash %q does not record argon2id with the default cost", h)
	}
	if ok, err := VerifyPassword(h, "correct horse battery"); !ok || err != nil {
		t.Fatalf("right password refused: %v", err)
	}
	if ok, _ := VerifyPassword(h, "correct horse batterY"); ok {
		t.Fatal("wrong password accepted")
	}
	other, _ := DefaultArgon2.HashPassword("correct horse battery")
	if other == h {
		t.Fatal("two hashes of one password are equal: salt missing")
	}
	// A hash made at another cost still verifies: the cost is in the hash.
	cheap, _ := Argon2{Time: 1, Memory: 1024, Threads: 1}.HashPassword("x-password-x")
	if ok, _ := VerifyPassword(cheap, "x-password-x"); !ok {
		t.Fatal("hash at another cost refused")
	}
}

func TestVerifyRejectsMalformedHashes(t *testing.T) {
	for _, h := range []string{"", "plain", "$argon2i$v=19$m=1,t=1,p=1$AA$AA", "$argon2id$v=19$m=99999999,t=1,p=1$AA$AA", "$argon2id$v=19$m=1024,t=1,p=1$!!$AA"} {
		if ok, err := VerifyPassword(h, "x"); ok || err == nil {
			t.Errorf("hash %q: ok=%v err=%v", h, ok, err)
		}
	}
}

func TestPasswordRules(t *testing.T) {
	tests := []struct{ pw, email, want string }{
		{"", "", "required"},
		{"short", "", "too_short"},
		{"ninechars", "", "too_short"},
		{"tencharsok", "", ""},
		{"çãéíõúâêôà", "", ""},
		{"aaaaaaaaaaaa", "", "weak_password"},
		{"ana@example.com", "ana@example.com", "weak_password"},
		{strings.Repeat("ab", 129), "", "too_long"},
	}
	for _, tt := range tests {
		v := apierr.Validation{}
		checkPassword(v, "password", tt.pw, tt.email)
		if v["password"] != tt.want {
			t.Errorf("%q: got %q, want %q", tt.pw, v["password"], tt.want)
		}
	}
}

func TestLimiterBlocksAfterMaxWithinWindow(t *testing.T) {
	now := time.Unix(1000, 0)
	l := NewLimiter(3, time.Minute)
	l.now = func() time.Time { return now }
	for i := 0; i < 3; i++ {
		if l.Blocked("k") {
			t.Fatalf("blocked after %d failures", i)
		}
		l.Fail("k")
	}
	if !l.Blocked("k") || l.Blocked("other") {
		t.Fatal("limit not applied per key")
	}
	now = now.Add(61 * time.Second)
	if l.Blocked("k") {
		t.Fatal("failures did not expire")
	}
}

func TestLimiterAttemptIsAtomicAndUndoable(t *testing.T) {
	l := NewLimiter(10, time.Minute)
	var wg sync.WaitGroup
	var mu sync.Mutex
	passed := 0
	for i := 0; i < 40; i++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			if l.Attempt("acct:a", "ip:1") {
				mu.Lock()
				passed++
				mu.Unlock()
			}
		}()
	}
	wg.Wait()
	if passed != 10 {
		t.Fatalf("%d of 40 parallel attempts passed, want exactly 10", passed)
	}
	l.Undo("ip:1")
	if !l.Attempt("ip:1") || l.Attempt("ip:1") {
		t.Fatal("undo should give back exactly one attempt")
	}
}

func TestIPKeyGroupsIPv6By64(t *testing.T) {
	if IPKey("2001:db8:1:2:aaaa::1") != IPKey("2001:db8:1:2:bbbb::9") {
		t.Fatal("one /64 should share a key")
	}
	if IPKey("2001:db8:1:2::1") == IPKey("2001:db8:1:3::1") {
		t.Fatal("different /64s share a key")
	}
	if IPKey("::ffff:192.0.2.1") != IPKey("192.0.2.1") || IPKey("192.0.2.1") == IPKey("192.0.2.2") {
		t.Fatal("IPv4 keys are per address")
	}
}
