package secrets_test

import (
	"bytes"
	"context"
	"crypto/rand"
	"os"
	"path/filepath"
	"testing"

	"github.com/masteria/masteria/internal/secrets"
	"github.com/masteria/masteria/internal/store/db"
	"github.com/masteria/masteria/internal/store/dbtest"
)

func key(t *testing.T) []byte {
	k := make([]byte, 32)
	if _, err := rand.Read(k); err != nil {
		t.Fatal(err)
	}
	return k
}

func TestKeyringRoundTripAndBinding(t *testing.T) {
	ring, err := secrets.NewKeyring([][]byte{key(t)})
	if err != nil {
		t.Fatal(err)
	}
	id, ct, err := ring.Encrypt([]byte("EAAG-token"), []byte("row-1"))
	if err != nil {
		t.Fatal(err)
	}
	if bytes.Contains(ct, []byte("EAAG-token")) {
		t.Fatal("plaintext visible in ciphertext")
	}
	got, err := ring.Decrypt(id, ct, []byte("row-1"))
	if err != nil || string(got) != "EAAG-token" {
		t.Fatalf("round trip: %q %v", got, err)
	}
	if _, err := ring.Decrypt(id, ct, []byte("row-2")); err == nil {
		t.Fatal("ciphertext opened for another row")
	}
	other, _ := secrets.NewKeyring([][]byte{key(t)})
	if _, err := other.Decrypt(id, ct, []byte("row-1")); err == nil {
		t.Fatal("ciphertext opened without its key")
	}
}

func TestKeyFileIsCreatedOnceWithMode0600(t *testing.T) {
	dir := t.TempDir()
	k1, created, err := secrets.LoadOrCreateKeyFile(dir)
	if err != nil || !created || len(k1) != 32 {
		t.Fatalf("create: %v %v %d", err, created, len(k1))
	}
	st, err := os.Stat(filepath.Join(dir, "encryption.key"))
	if err != nil || st.Mode().Perm() != 0o600 {
		t.Fatalf("mode %v %v", st.Mode(), err)
	}
	k2, created, err := secrets.LoadOrCreateKeyFile(dir)
	if err != nil || created || !bytes.Equal(k1, k2) {
		t.Fatalf("second load: %v %v", err, created)
	}
}

func TestStoreRotateReencryptsEverySecret(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		ctx := context.Background()
		oldKey, newKey := key(t), key(t)
		oldRing, _ := secrets.NewKeyring([][]byte{oldKey})
		s := secrets.NewStore(d, oldRing)
		id, err := s.Put(ctx, d, "", "test_purpose", []byte("super-secret-value"))
		if err != nil {
			t.Fatal(err)
		}
		var raw []byte
		if err := d.QueryRow(ctx, `SELECT ciphertext FROM secrets WHERE id = ?`, id).Scan(&raw); err != nil {
			t.Fatal(err)
		}
		if bytes.Contains(raw, []byte("super-secret-value")) {
			t.Fatal("secret stored in plaintext")
		}

		// The new key first: it encrypts; the old one still decrypts.
		ring, _ := secrets.NewKeyring([][]byte{newKey, oldKey})
		s = secrets.NewStore(d, ring)
		n, err := s.Rotate(ctx)
		if err != nil || n != 1 {
			t.Fatalf("rotate: %d %v", n, err)
		}
		// With only the new key, the secret still opens.
		newOnly, _ := secrets.NewKeyring([][]byte{newKey})
		got, err := secrets.NewStore(d, newOnly).Get(ctx, d, "", id)
		if err != nil || string(got) != "super-secret-value" {
			t.Fatalf("after rotate: %q %v", got, err)
		}
		if n, _ := s.Rotate(ctx); n != 0 {
			t.Fatalf("second rotate changed %d", n)
		}
	})
}

func TestSystemSecretIsMadeOnce(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		ctx := context.Background()
		ring, _ := secrets.NewKeyring([][]byte{key(t)})
		s := secrets.NewStore(d, ring)
		calls := 0
		mk := func() ([]byte, error) { calls++; return []byte{byte(calls)}, nil }
		a, err := s.System(ctx, "jwt_signing_key", mk)
		if err != nil {
			t.Fatal(err)
		}
		b, err := s.System(ctx, "jwt_signing_key", mk)
		if err != nil || !bytes.Equal(a, b) || calls != 1 {
			t.Fatalf("second call: %v %v calls=%d", a, b, calls)
		}
	})
}
