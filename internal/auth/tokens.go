package auth

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"time"

	"github.com/masteria/masteria/internal/apierr"
	"github.com/masteria/masteria/internal/companies"
	"github.com/masteria/masteria/internal/ids"
	"github.com/masteria/masteria/internal/store/db"
)

const (
	purposeReset  = "password_reset"
	purposeVerify = "email_verify"
	purposeInvite = "invitation"
)

func tokenTTL(purpose string) time.Duration {
	if purpose == purposeVerify {
		return 7 * 24 * time.Hour
	}
	return time.Hour
}

// newUserToken stores the hash of a fresh one-time link token, replacing any
// earlier unused link of the same purpose, and returns the token.
func newUserToken(ctx context.Context, tx *db.Tx, userID, purpose string) (string, error) {
	now := db.Now()
	if _, err := tx.Exec(ctx, `UPDATE user_tokens SET used_at = ? WHERE user_id = ? AND purpose = ? AND used_at IS NULL`,
		now, userID, purpose); err != nil {
		return "", fmt.Errorf("retire old links: %w", err)
	}
	token, hash := companies.NewToken()
	if _, err := tx.Exec(ctx, `INSERT INTO user_tokens (id, user_id, purpose, token_hash, created_at, expires_at)
		VALUES (?, ?, ?, ?, ?, ?)`, ids.New(), userID, purpose, hash, now, now.Add(tokenTTL(purpose))); err != nil {
		return "", fmt.Errorf("store link: %w", err)
	}
	return token, nil
}

var errInvalidLink = apierr.New(400, "invalid_token", "This link is invalid or has expired. Ask for a new one.")

// peekUserToken returns the user of a live link token without spending it.
func peekUserToken(ctx context.Context, q db.Querier, token, purpose string) (string, error) {
	_, userID, err := findUserToken(ctx, q, token, purpose)
	return userID, err
}

func findUserToken(ctx context.Context, q db.Querier, token, purpose string) (id, userID string, err error) {
	if token == "" || len(token) > 100 {
		return "", "", errInvalidLink
	}
	err = q.QueryRow(ctx, `SELECT id, user_id FROM user_tokens
		WHERE token_hash = ? AND purpose = ? AND used_at IS NULL AND expires_at > ?`,
		companies.HashToken(token), purpose, db.Now()).Scan(&id, &userID)
	if errors.Is(err, sql.ErrNoRows) {
		return "", "", errInvalidLink
	}
	if err != nil {
		return "", "", fmt.Errorf("link: %w", err)
	}
	return id, userID, nil
}

// useUserToken spends a link token and returns its user. The update only
// succeeds on an unspent token, so two requests racing with one link cannot
// both use it (PostgreSQL's READ COMMITTED would let both read it unspent).
func useUserToken(ctx context.Context, tx *db.Tx, token, purpose string) (string, error) {
	id, userID, err := findUserToken(ctx, tx, token, purpose)
	if err != nil {
		return "", err
	}
	res, err := tx.Exec(ctx, `UPDATE user_tokens SET used_at = ? WHERE id = ? AND used_at IS NULL`, db.Now(), id)
	if err != nil {
		return "", fmt.Errorf("spend link: %w", err)
	}
	if n, _ := res.RowsAffected(); n != 1 {
		return "", errInvalidLink
	}
	return userID, nil
}
