// Package secrets encrypts what must be kept but never shown: provider tokens,
// app secrets, AI keys, the JWT signing key.
//
// AES-256-GCM with a random nonce; every ciphertext starts with the id of the
// key that made it, so keys can rotate: the first key of the keyring encrypts,
// every key decrypts, and `masteria keys rotate` re-encrypts all stored secrets
// with the first. A key id is the first 8 hex digits of SHA-256 of the key,
// so ids never reveal the key and need no bookkeeping.
//
// All secrets live in the `secrets` table (company_id NULL for the instance's
// own), so rotation walks one table. The API never returns a secret: callers
// expose a `…_set: true` flag instead.
package secrets

import (
	"context"
	"crypto/aes"
	"crypto/cipher"
	"crypto/rand"
	"crypto/sha256"
	"database/sql"
	"encoding/base64"
	"encoding/hex"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"

	"github.com/masteria/masteria/internal/ids"
	"github.com/masteria/masteria/internal/store/db"
)

// Keyring holds the encryption keys; the first encrypts.
type Keyring struct {
	ids   []string
	aeads map[string]cipher.AEAD
}

// ErrUnknownKey means a ciphertext was made by a key the keyring lacks.
var ErrUnknownKey = errors.New("secret was encrypted with a key that is not configured")

// NewKeyring builds a keyring from 32-byte keys.
func NewKeyring(keys [][]byte) (*Keyring, error) {
	if len(keys) == 0 {
		return nil, errors.New("no encryption key")
	}
	k := &Keyring{aeads: map[string]cipher.AEAD{}}
	for _, key := range keys {
		if len(key) != 32 {
			return nil, fmt.Errorf("encryption key is %d bytes, want 32", len(key))
		}
		block, err := aes.NewCipher(key)
		if err != nil {
			return nil, err
		}
		aead, err := cipher.NewGCM(block)
		if err != nil {
			return nil, err
		}
		sum := sha256.Sum256(key)
		id := hex.EncodeToString(sum[:4])
		if _, dup := k.aeads[id]; dup {
			continue
		}
		k.ids = append(k.ids, id)
		k.aeads[id] = aead
	}
	return k, nil
}

// ActiveKeyID is the id of the key that encrypts.
func (k *Keyring) ActiveKeyID() string { return k.ids[0] }

// Encrypt seals plaintext with the active key; the additional data binds the
// ciphertext to its row (a ciphertext copied to another row fails to open).
func (k *Keyring) Encrypt(plaintext, aad []byte) (keyID string, ciphertext []byte, err error) {
	id := k.ids[0]
	aead := k.aeads[id]
	nonce := make([]byte, aead.NonceSize())
	if _, err := rand.Read(nonce); err != nil {
		return "", nil, fmt.Errorf("nonce: %w", err)
	}
	return id, aead.Seal(nonce, nonce, plaintext, aad), nil
}

// Decrypt opens a ciphertext made by any key of the ring.
func (k *Keyring) Decrypt(keyID string, ciphertext, aad []byte) ([]byte, error) {
	aead, ok := k.aeads[keyID]
	if !ok {
		return nil, fmt.Errorf("%w (key id %s)", ErrUnknownKey, keyID)
	}
	if len(ciphertext) < aead.NonceSize() {
		return nil, errors.New("ciphertext too short")
	}
	nonce, body := ciphertext[:aead.NonceSize()], ciphertext[aead.NonceSize():]
	out, err := aead.Open(nil, nonce, body, aad)
	if err != nil {
		return nil, fmt.Errorf("decrypt secret: %w", err)
	}
	return out, nil
}

// LoadOrCreateKeyFile reads DATA_DIR/encryption.key, creating it (mode 0600)
// with a fresh random key when missing. created tells the caller to warn.
func LoadOrCreateKeyFile(dataDir string) (key []byte, created bool, err error) {
	path := filepath.Join(dataDir, "encryption.key")
	raw, err := os.ReadFile(path)
	if err == nil {
		key, err := base64.StdEncoding.DecodeString(strings.TrimSpace(string(raw)))
		if err != nil || len(key) != 32 {
			return nil, false, fmt.Errorf("%s is not a base64 32-byte key", path)
		}
		return key, false, nil
	}
	if !errors.Is(err, os.ErrNotExist) {
		return nil, false, fmt.Errorf("read %s: %w", path, err)
	}
	if err := os.MkdirAll(dataDir, 0o700); err != nil {
		return nil, false, fmt.Errorf("create %s: %w", dataDir, err)
	}
	key = make([]byte, 32)
	if _, err := rand.Read(key); err != nil {
		return nil, false, err
	}
	f, err := os.OpenFile(path, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o600)
	if err != nil {
		return nil, false, fmt.Errorf("create %s: %w", path, err)
	}
	if _, err := f.WriteString(base64.StdEncoding.EncodeToString(key) + "\n"); err != nil {
		f.Close()
		return nil, false, err
	}
	return key, true, f.Close()
}

// Store keeps secrets encrypted in the database.
type Store struct {
	db   *db.DB
	ring *Keyring
}

// NewStore returns a Store.
func NewStore(d *db.DB, ring *Keyring) *Store { return &Store{db: d, ring: ring} }

// ErrNotFound means no such secret.
var ErrNotFound = errors.New("secret not found")

func aad(id string) []byte { return []byte("masteria.secret." + id) }

// Put stores a new secret and returns its id. companyID is empty for the
// instance's own secrets.
func (s *Store) Put(ctx context.Context, q db.Querier, companyID, purpose string, plaintext []byte) (string, error) {
	id := ids.New()
	keyID, ct, err := s.ring.Encrypt(plaintext, aad(id))
	if err != nil {
		return "", err
	}
	now := db.Now()
	_, err = q.Exec(ctx, `INSERT INTO secrets (id, company_id, purpose, key_id, ciphertext, created_at, updated_at)
		VALUES (?, ?, ?, ?, ?, ?, ?)`, id, nullable(companyID), purpose, keyID, ct, now, now)
	if err != nil {
		return "", fmt.Errorf("store secret %s: %w", purpose, err)
	}
	return id, nil
}

// Replace re-encrypts a secret with a new value.
func (s *Store) Replace(ctx context.Context, q db.Querier, companyID, id string, plaintext []byte) error {
	keyID, ct, err := s.ring.Encrypt(plaintext, aad(id))
	if err != nil {
		return err
	}
	res, err := q.Exec(ctx, `UPDATE secrets SET key_id = ?, ciphertext = ?, updated_at = ?
		WHERE id = ? AND `+companyFilter(companyID), keyID, ct, db.Now(), id, companyID)
	if err != nil {
		return fmt.Errorf("replace secret: %w", err)
	}
	if n, _ := res.RowsAffected(); n == 0 {
		return ErrNotFound
	}
	return nil
}

// Get decrypts a secret of a company (or of the instance, companyID "").
func (s *Store) Get(ctx context.Context, q db.Querier, companyID, id string) ([]byte, error) {
	var keyID string
	var ct []byte
	err := q.QueryRow(ctx, `SELECT key_id, ciphertext FROM secrets WHERE id = ? AND `+companyFilter(companyID), id, companyID).
		Scan(&keyID, &ct)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, ErrNotFound
	}
	if err != nil {
		return nil, fmt.Errorf("read secret: %w", err)
	}
	return s.ring.Decrypt(keyID, ct, aad(id))
}

// Delete removes a secret.
func (s *Store) Delete(ctx context.Context, q db.Querier, companyID, id string) error {
	_, err := q.Exec(ctx, `DELETE FROM secrets WHERE id = ? AND `+companyFilter(companyID), id, companyID)
	if err != nil {
		return fmt.Errorf("delete secret: %w", err)
	}
	return nil
}

// System returns the instance's secret for purpose, creating it with make()
// on first use. Safe when several instances start at once: the unique index
// on system purposes lets one insert win and the others read it.
func (s *Store) System(ctx context.Context, purpose string, make func() ([]byte, error)) ([]byte, error) {
	for range 2 {
		var id string
		err := s.db.QueryRow(ctx, `SELECT id FROM secrets WHERE company_id IS NULL AND purpose = ?`, purpose).Scan(&id)
		if err == nil {
			return s.Get(ctx, s.db, "", id)
		}
		if !errors.Is(err, sql.ErrNoRows) {
			return nil, fmt.Errorf("read %s: %w", purpose, err)
		}
		value, err := make()
		if err != nil {
			return nil, err
		}
		if _, err := s.Put(ctx, s.db, "", purpose, value); err == nil {
			return value, nil
		}
		// Another instance won the race; read its value.
	}
	return nil, fmt.Errorf("create %s: could not store it", purpose)
}

// Rotate re-encrypts every secret not made by the active key. It returns how
// many it changed.
func (s *Store) Rotate(ctx context.Context) (int, error) {
	active := s.ring.ActiveKeyID()
	rows, err := s.db.Query(ctx, `SELECT id, key_id, ciphertext FROM secrets WHERE key_id <> ?`, active)
	if err != nil {
		return 0, fmt.Errorf("list secrets: %w", err)
	}
	type row struct {
		id, keyID string
		ct        []byte
	}
	var stale []row
	for rows.Next() {
		var r row
		if err := rows.Scan(&r.id, &r.keyID, &r.ct); err != nil {
			rows.Close()
			return 0, err
		}
		stale = append(stale, r)
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return 0, err
	}
	err = s.db.InTx(ctx, func(tx *db.Tx) error {
		for _, r := range stale {
			plain, err := s.ring.Decrypt(r.keyID, r.ct, aad(r.id))
			if err != nil {
				return fmt.Errorf("secret %s: %w", r.id, err)
			}
			keyID, ct, err := s.ring.Encrypt(plain, aad(r.id))
			if err != nil {
				return err
			}
			if _, err := tx.Exec(ctx, `UPDATE secrets SET key_id = ?, ciphertext = ?, updated_at = ? WHERE id = ? AND key_id = ?`,
				keyID, ct, db.Now(), r.id, r.keyID); err != nil {
				return fmt.Errorf("update secret %s: %w", r.id, err)
			}
		}
		return nil
	})
	if err != nil {
		return 0, err
	}
	return len(stale), nil
}

// companyFilter matches the instance's secrets for "" and a company's otherwise;
// the argument is always bound so the query keeps one shape per case.
func companyFilter(companyID string) string {
	if companyID == "" {
		return "company_id IS NULL AND ? = ''"
	}
	return "company_id = ?"
}

func nullable(s string) any {
	if s == "" {
		return nil
	}
	return s
}
