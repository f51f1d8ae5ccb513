package auth

import (
	"testing"
	"time"

	"github.com/golang-jwt/jwt/v5"
)

// FuzzParseToken: no input panics the parser, and nothing but a token signed
// with the key, by HS256, is accepted.
func FuzzParseToken(f *testing.F) {
	key := []byte("0123456789abcdef0123456789abcdef")
	good := func(alg jwt.SigningMethod, k any) string {
		c := claims{SessionID: "s", CompanyID: "c", RegisteredClaims: jwt.RegisteredClaims{
			Issuer: issuer, Subject: "u", ExpiresAt: jwt.NewNumericDate(time.Now().Add(time.Hour))}}
		s, err := jwt.NewWithClaims(alg, c).SignedString(k)
		if err != nil {
			f.Fatal(err)
		}
		return s
	}
	valid := good(jwt.SigningMethodHS256, key)
	f.Add(valid)
	f.Add(good(jwt.SigningMethodHS512, key))
	f.Add(good(jwt.SigningMethodHS256, []byte("another key, also thirty-two bytes")))
	f.Add("eyJhbGciOiJub25lIn0.eyJzaWQiOiJzIiwiY2lkIjoiYyIsInN1YiI6InUifQ.")
	f.Add("")
	f.Add("a.b.c")
	f.Fuzz(func(t *testing.T, raw string) {
		sid, uid, cid, err := ParseToken(key, raw)
		if err != nil {
			return
		}
		if raw != valid {
			// Only a token that differs in ways the signature does not cover
			// (none, for HS256 JWTs) could pass; anything else is forged.
			tok, _, perr := jwt.NewParser().ParseUnverified(raw, &claims{})
			if perr != nil || tok.Method.Alg() != "HS256" {
				t.Fatalf("accepted %q (alg %v)", raw, tok)
			}
		}
		if sid == "" || uid == "" || cid == "" {
			t.Fatalf("accepted a token without session, user or company: %q", raw)
		}
	})
}

func TestParseTokenRefusesOtherAlgorithmsAndKeys(t *testing.T) {
	key := []byte("0123456789abcdef0123456789abcdef")
	mk := func(alg jwt.SigningMethod, k any, exp time.Duration, iss string) string {
		c := claims{SessionID: "s", CompanyID: "c", RegisteredClaims: jwt.RegisteredClaims{
			Issuer: iss, Subject: "u", ExpiresAt: jwt.NewNumericDate(time.Now().Add(exp))}}
		s, err := jwt.NewWithClaims(alg, c).SignedString(k)
		if err != nil {
			t.Fatal(err)
		}
		return s
	}
	tests := []struct {
		name string
		tok  string
		ok   bool
	}{
		{"valid", mk(jwt.SigningMethodHS256, key, time.Hour, issuer), true},
		{"HS512 with the same key", mk(jwt.SigningMethodHS512, key, time.Hour, issuer), false},
		{"another key", mk(jwt.SigningMethodHS256, []byte("ffffffffffffffffffffffffffffffff"), time.Hour, issuer), false},
		{"expired", mk(jwt.SigningMethodHS256, key, -time.Minute, issuer), false},
		{"another issuer", mk(jwt.SigningMethodHS256, key, time.Hour, "evil"), false},
		{"alg none", mk(jwt.SigningMethodNone, jwt.UnsafeAllowNoneSignatureType, time.Hour, issuer), false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, _, _, err := ParseToken(key, tt.tok)
			if (err == nil) != tt.ok {
				t.Fatalf("err = %v, want ok=%v", err, tt.ok)
			}
		})
	}
}
