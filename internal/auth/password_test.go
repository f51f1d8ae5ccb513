package auth

import (
	"strings"
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
