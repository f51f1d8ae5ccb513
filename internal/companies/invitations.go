package companies

import (
	"context"
	"crypto/rand"
	"crypto/sha256"
	"database/sql"
	"encoding/base64"
	"errors"
	"fmt"
	"net/mail"
	"strings"
	"time"

	"github.com/masteria/masteria/internal/apierr"
	"github.com/masteria/masteria/internal/audit"
	"github.com/masteria/masteria/internal/ids"
	"github.com/masteria/masteria/internal/store/db"
)

// InvitationTTL is how long an invitation link works.
const InvitationTTL = 7 * 24 * time.Hour

// Invitation asks someone to join a company.
type Invitation struct {
	ID        string   `json:"id"`
	Email     string   `json:"email"`
	Role      Role     `json:"role"`
	InvitedBy *UserRef `json:"invited_by"`
	CreatedAt db.Time  `json:"created_at"`
	ExpiresAt db.Time  `json:"expires_at"`
	CompanyID string   `json:"-"`
}

// UserRef names a person.
type UserRef struct {
	ID   string `json:"id"`
	Name string `json:"name"`
}

// NewToken returns a random link token and the hash that is stored: the
// database never holds a usable link.
func NewToken() (token string, hash []byte) {
	b := make([]byte, 32)
	if _, err := rand.Read(b); err != nil {
		panic(err) // crypto/rand does not fail on supported platforms
	}
	token = base64.RawURLEncoding.EncodeToString(b)
	return token, HashToken(token)
}

// HashToken is how link tokens are looked up.
func HashToken(token string) []byte {
	h := sha256.Sum256([]byte(token))
	return h[:]
}

// NormalizeEmail checks and lower-cases an address; "" when invalid.
func NormalizeEmail(s string) string {
	s = strings.TrimSpace(s)
	a, err := mail.ParseAddress(s)
	if err != nil || a.Address != s || len(s) > 254 || !strings.Contains(s[strings.LastIndex(s, "@"):], ".") {
		return ""
	}
	return strings.ToLower(s)
}

// Invite creates an invitation and returns it with the token for the link.
// inTx, when given, runs in the same transaction (to enqueue the email).
func (s *Service) Invite(ctx context.Context, companyID, inviterID, email string, role Role, inTx func(*db.Tx, Invitation) error) (Invitation, string, error) {
	v := apierr.Validation{}
	norm := NormalizeEmail(email)
	if norm == "" {
		v.Add("email", "invalid_email")
	}
	if role != Admin && role != Agent {
		v.Add("role", "invalid_role")
	}
	if err := v.Err(); err != nil {
		return Invitation{}, "", err
	}
	token, hash := NewToken()
	now := db.Now()
	inv := Invitation{ID: ids.New(), Email: norm, Role: role, CreatedAt: db.Time{Time: now},
		ExpiresAt: db.Time{Time: now.Add(InvitationTTL)}, CompanyID: companyID}
	err := s.db.InTx(ctx, func(tx *db.Tx) error {
		var n int
		if err := tx.QueryRow(ctx, `SELECT count(*) FROM memberships m JOIN users u ON u.id = m.user_id
			WHERE m.company_id = ? AND u.email = ?`, companyID, norm).Scan(&n); err != nil {
			return fmt.Errorf("check member: %w", err)
		}
		if n > 0 {
			return apierr.Field("email", "already_member")
		}
		// A new invitation for the same address replaces the pending one.
		if _, err := tx.Exec(ctx, `UPDATE invitations SET revoked_at = ?
			WHERE company_id = ? AND email = ? AND accepted_at IS NULL AND revoked_at IS NULL`, now, companyID, norm); err != nil {
			return fmt.Errorf("replace invitation: %w", err)
		}
		if _, err := tx.Exec(ctx, `INSERT INTO invitations (id, company_id, email, role, token_hash, invited_by, created_at, expires_at)
			VALUES (?, ?, ?, ?, ?, ?, ?, ?)`, inv.ID, companyID, norm, string(role), hash, nullable(inviterID), now, inv.ExpiresAt.Time); err != nil {
			return fmt.Errorf("insert invitation: %w", err)
		}
		var ref UserRef
		if err := tx.QueryRow(ctx, `SELECT id, name FROM users WHERE id = ?`, inviterID).Scan(&ref.ID, &ref.Name); err == nil {
			inv.InvitedBy = &ref
		}
		if inTx != nil {
			if err := inTx(tx, inv); err != nil {
				return err
			}
		}
		return audit.Record(ctx, tx, companyID, "invitation.created", "invitation", inv.ID, map[string]any{"email": norm, "role": role})
	})
	if err != nil {
		return Invitation{}, "", err
	}
	return inv, token, nil
}

const sqlInvitations = `
SELECT i.id, i.company_id, i.email, i.role, i.created_at, i.expires_at, COALESCE(u.id, ''), COALESCE(u.name, '')
  FROM invitations i LEFT JOIN users u ON u.id = i.invited_by`

func scanInvitation(sc interface{ Scan(...any) error }) (Invitation, error) {
	var inv Invitation
	var ref UserRef
	if err := sc.Scan(&inv.ID, &inv.CompanyID, &inv.Email, &inv.Role, &inv.CreatedAt, &inv.ExpiresAt, &ref.ID, &ref.Name); err != nil {
		return Invitation{}, err
	}
	if ref.ID != "" {
		inv.InvitedBy = &ref
	}
	return inv, nil
}

// Invitations lists a company's pending invitations, newest first.
func (s *Service) Invitations(ctx context.Context, companyID string) ([]Invitation, error) {
	rows, err := s.db.Query(ctx, sqlInvitations+`
		WHERE i.company_id = ? AND i.accepted_at IS NULL AND i.revoked_at IS NULL AND i.expires_at > ?
		ORDER BY i.id DESC`, companyID, db.Now())
	if err != nil {
		return nil, fmt.Errorf("invitations: %w", err)
	}
	defer rows.Close()
	out := []Invitation{}
	for rows.Next() {
		inv, err := scanInvitation(rows)
		if err != nil {
			return nil, err
		}
		out = append(out, inv)
	}
	return out, rows.Err()
}

// RevokeInvitation cancels a pending invitation.
func (s *Service) RevokeInvitation(ctx context.Context, companyID, id string) error {
	return s.db.InTx(ctx, func(tx *db.Tx) error {
		res, err := tx.Exec(ctx, `UPDATE invitations SET revoked_at = ?
			WHERE company_id = ? AND id = ? AND accepted_at IS NULL AND revoked_at IS NULL`, db.Now(), companyID, id)
		if err != nil {
			return fmt.Errorf("revoke invitation: %w", err)
		}
		if n, _ := res.RowsAffected(); n == 0 {
			return apierr.NotFound()
		}
		return audit.Record(ctx, tx, companyID, "invitation.revoked", "invitation", id, nil)
	})
}

// PendingInvitation finds a usable invitation by its link token, in q.
func PendingInvitation(ctx context.Context, q db.Querier, token string) (Invitation, error) {
	inv, err := scanInvitation(q.QueryRow(ctx, sqlInvitations+`
		WHERE i.token_hash = ? AND i.accepted_at IS NULL AND i.revoked_at IS NULL AND i.expires_at > ?`,
		HashToken(token), db.Now()))
	if errors.Is(err, sql.ErrNoRows) {
		return Invitation{}, apierr.NotFound()
	}
	if err != nil {
		return Invitation{}, fmt.Errorf("invitation: %w", err)
	}
	return inv, nil
}

// MarkAccepted closes an invitation inside the accepting transaction; it
// fails when another acceptance got there first.
func MarkAccepted(ctx context.Context, tx *db.Tx, id string) error {
	res, err := tx.Exec(ctx, `UPDATE invitations SET accepted_at = ? WHERE id = ? AND accepted_at IS NULL AND revoked_at IS NULL`, db.Now(), id)
	if err != nil {
		return fmt.Errorf("accept invitation: %w", err)
	}
	if n, _ := res.RowsAffected(); n == 0 {
		return apierr.NotFound()
	}
	return nil
}

// Service-level lookup for the public invitation page.
func (s *Service) PendingInvitation(ctx context.Context, token string) (Invitation, error) {
	return PendingInvitation(ctx, s.db, token)
}

// Name returns a company's name, for pages that show it without membership.
func (s *Service) Name(ctx context.Context, companyID string) (string, error) {
	c, err := s.Get(ctx, companyID)
	return c.Name, err
}

// nullable stores "" as NULL (an invitation made with an API key has no inviter).
func nullable(s string) any {
	if s == "" {
		return nil
	}
	return s
}
