package auth

import (
	"crypto/rand"
	"crypto/subtle"
	"encoding/base64"
	"errors"
	"fmt"
	"runtime"
	"strings"
	"unicode/utf8"

	"golang.org/x/crypto/argon2"

	"github.com/masteria/masteria/internal/apierr"
)

// Argon2 is the cost of password hashing. The hash records it, so a stored
// password verifies whatever the cost in force.
type Argon2 struct {
	Time    uint32
	Memory  uint32 // KiB
	Threads uint8
}

// DefaultArgon2 takes about 0.2 s on two cores.
var DefaultArgon2 = Argon2{Time: 3, Memory: 64 * 1024, Threads: 2}

const argonKeyLen = 32

// hashing bounds how many argon2 computations run at once: each takes its
// full memory cost (64 MiB by default), so a burst of sign-ins must queue
// instead of exhausting memory.
var hashing = make(chan struct{}, max(2, runtime.NumCPU()))

func idKey(password, salt []byte, t, m uint32, p uint8, n uint32) []byte {
	hashing <- struct{}{}
	defer func() { <-hashing }()
	return argon2.IDKey(password, salt, t, m, p, n)
}

// HashPassword returns the PHC string of an argon2id hash.
func (a Argon2) HashPassword(password string) (string, error) {
	salt := make([]byte, 16)
	if _, err := rand.Read(salt); err != nil {
		return "", fmt.Errorf("salt: %w", err)
	}
	key := idKey([]byte(password), salt, a.Time, a.Memory, a.Threads, argonKeyLen)
	return fmt.Sprintf("$argon2id$v=%d$m=%d,t=%d,p=%d$%s$%s", argon2.Version, a.Memory, a.Time, a.Threads,
		base64.RawStdEncoding.EncodeToString(salt), base64.RawStdEncoding.EncodeToString(key)), nil
}

var errBadHash = errors.New("unrecognized password hash")

// VerifyPassword checks a password against a PHC argon2id string.
func VerifyPassword(encoded, password string) (bool, error) {
	parts := strings.Split(encoded, "$")
	if len(parts) != 6 || parts[1] != "argon2id" {
		return false, errBadHash
	}
	var version int
	if _, err := fmt.Sscanf(parts[2], "v=%d", &version); err != nil || version != argon2.Version {
		return false, errBadHash
	}
	var mem uint32
	var t uint32
	var p uint8
	if _, err := fmt.Sscanf(parts[3], "m=%d,t=%d,p=%d", &mem, &t, &p); err != nil || mem > 1<<20 || t > 10 || p == 0 {
		return false, errBadHash
	}
	salt, err := base64.RawStdEncoding.DecodeString(parts[4])
	if err != nil {
		return false, errBadHash
	}
	want, err := base64.RawStdEncoding.DecodeString(parts[5])
	if err != nil || len(want) == 0 || len(want) > 64 {
		return false, errBadHash
	}
	got := idKey([]byte(password), salt, t, mem, p, uint32(len(want)))
	return subtle.ConstantTimeCompare(got, want) == 1, nil
}

// checkPassword adds a field error for a weak password.
func checkPassword(v apierr.Validation, field, password, email string) {
	n := utf8.RuneCountInString(password)
	switch {
	case password == "":
		v.Add(field, "required")
	case n < 10:
		v.Add(field, "too_short")
	case len(password) > 256:
		v.Add(field, "too_long")
	case strings.Count(password, string([]rune(password)[0])) == n,
		email != "" && strings.EqualFold(password, email):
		v.Add(field, "weak_password")
	}
}
