package auth

import (
	"context"
	"crypto/rand"
	"crypto/sha256"
	"crypto/subtle"
	"database/sql"
	"encoding/base64"
	"encoding/hex"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/masteria/masteria/internal/apierr"
	"github.com/masteria/masteria/internal/audit"
	"github.com/masteria/masteria/internal/companies"
	"github.com/masteria/masteria/internal/ids"
	"github.com/masteria/masteria/internal/store/db"
)

// APIKey is a company's key as lists show it; the secret is never kept.
type APIKey struct {
	ID         string             `json:"id"`
	Name       string             `json:"name"`
	Prefix     string             `json:"prefix"`
	CreatedAt  db.Time            `json:"created_at"`
	LastUsedAt db.Time            `json:"last_used_at"`
	CreatedBy  *companies.UserRef `json:"created_by"`
}

// NewAPIKey is a key just created: the only time its secret is seen.
type NewAPIKey struct {
	ID   string `json:"id"`
	Name string `json:"name"`
	Key  string `json:"key"`
}

const keyPrefix = "mst_"

func isAPIKey(raw string) bool { return strings.HasPrefix(raw, keyPrefix) }

func hashSecret(secret string) []byte {
	h := sha256.Sum256([]byte(secret))
	return h[:]
}

// CreateAPIKey makes a key for the principal's company.
func (s *Service) CreateAPIKey(ctx context.Context, p Principal, name string) (NewAPIKey, error) {
	if err := s.requireVerified(ctx, p); err != nil {
		return NewAPIKey{}, err
	}
	name = strings.TrimSpace(name)
	v := apierr.Validation{}
	switch {
	case name == "":
		v.Add("name", "required")
	case len([]rune(name)) > 100:
		v.Add("name", "too_long")
	}
	if err := v.Err(); err != nil {
		return NewAPIKey{}, err
	}
	pub := make([]byte, 6)
	sec := make([]byte, 32)
	if _, err := rand.Read(pub); err != nil {
		return NewAPIKey{}, err
	}
	if _, err := rand.Read(sec); err != nil {
		return NewAPIKey{}, err
	}
	prefix := keyPrefix + hex.EncodeToString(pub)
	secret := base64.RawURLEncoding.EncodeToString(sec)
	k := NewAPIKey{ID: ids.New(), Name: name, Key: prefix + "_" + secret}
	var createdBy any
	if p.UserID != "" {
		createdBy = p.UserID
	}
	err := s.db.InTx(ctx, func(tx *db.Tx) error {
		if _, err := tx.Exec(ctx, `INSERT INTO api_keys (id, company_id, name, prefix, secret_hash, created_by, created_at)
			VALUES (?, ?, ?, ?, ?, ?, ?)`, k.ID, p.CompanyID, name, prefix, hashSecret(secret), createdBy, db.Now()); err != nil {
			return fmt.Errorf("insert api key: %w", err)
		}
		return audit.Record(ctx, tx, p.CompanyID, "api_key.created", "api_key", k.ID, map[string]any{"name": name, "prefix": prefix})
	})
	if err != nil {
		return NewAPIKey{}, err
	}
	return k, nil
}

// APIKeys lists a company's live keys, newest first.
func (s *Service) APIKeys(ctx context.Context, companyID string) ([]APIKey, error) {
	rows, err := s.db.Query(ctx, `SELECT k.id, k.name, k.prefix, k.created_at, k.last_used_at, COALESCE(u.id, ''), COALESCE(u.name, '')
		  FROM api_keys k LEFT JOIN users u ON u.id = k.created_by
		 WHERE k.company_id = ? AND k.revoked_at IS NULL
		 ORDER BY k.id DESC`, companyID)
	if err != nil {
		return nil, fmt.Errorf("api keys: %w", err)
	}
	defer rows.Close()
	out := []APIKey{}
	for rows.Next() {
		var k APIKey
		var ref companies.UserRef
		if err := rows.Scan(&k.ID, &k.Name, &k.Prefix, &k.CreatedAt, &k.LastUsedAt, &ref.ID, &ref.Name); err != nil {
			return nil, err
		}
		if ref.ID != "" {
			k.CreatedBy = &ref
		}
		out = append(out, k)
	}
	return out, rows.Err()
}

// RevokeAPIKey stops a key from working at once.
func (s *Service) RevokeAPIKey(ctx context.Context, p Principal, id string) error {
	return s.db.InTx(ctx, func(tx *db.Tx) error {
		res, err := tx.Exec(ctx, `UPDATE api_keys SET revoked_at = ? WHERE company_id = ? AND id = ? AND revoked_at IS NULL`,
			db.Now(), p.CompanyID, id)
		if err != nil {
			return fmt.Errorf("revoke api key: %w", err)
		}
		if n, _ := res.RowsAffected(); n == 0 {
			return apierr.NotFound()
		}
		return audit.Record(ctx, tx, p.CompanyID, "api_key.revoked", "api_key", id, nil)
	})
}

func (s *Service) authenticateKey(ctx context.Context, raw string) (Principal, error) {
	prefix, secret, ok := strings.Cut(raw[len(keyPrefix):], "_")
	if !ok || len(prefix) != 12 || secret == "" {
		return Principal{}, errors.New("malformed api key")
	}
	var (
		id, companyID, name string
		hash                []byte
		lastUsed            db.Time
	)
	err := s.db.QueryRow(ctx, `SELECT id, company_id, name, secret_hash, last_used_at FROM api_keys
		WHERE prefix = ? AND revoked_at IS NULL`, keyPrefix+prefix).Scan(&id, &companyID, &name, &hash, &lastUsed)
	if errors.Is(err, sql.ErrNoRows) {
		return Principal{}, errors.New("unknown api key")
	}
	if err != nil {
		return Principal{}, fmt.Errorf("api key: %w", err)
	}
	if subtle.ConstantTimeCompare(hash, hashSecret(secret)) != 1 {
		return Principal{}, errors.New("wrong api key secret")
	}
	if time.Since(lastUsed.Time) > time.Minute {
		if _, err := s.db.Exec(ctx, `UPDATE api_keys SET last_used_at = ? WHERE id = ?`, db.Now(), id); err != nil {
			s.logger.Warn("touch api key", "err", err)
		}
	}
	return Principal{CompanyID: companyID, Role: companies.Admin, APIKeyID: id, KeyName: name}, nil
}
