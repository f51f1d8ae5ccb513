package auth

import (
	"context"
	"database/sql"
	"errors"
	"fmt"

	"github.com/masteria/masteria/internal/apierr"
	"github.com/masteria/masteria/internal/ids"
	"github.com/masteria/masteria/internal/store/db"
)

// User is a person who signs in.
type User struct {
	ID            string `json:"id"`
	Name          string `json:"name"`
	Email         string `json:"email"`
	EmailVerified bool   `json:"email_verified"`
	Locale        string `json:"locale"`
}

type userRow struct {
	User
	hash string
}

const sqlUser = `
SELECT id, name, email, password_hash, locale, email_verified_at IS NOT NULL
  FROM users`

func scanUser(row *sql.Row) (userRow, error) {
	var u userRow
	err := row.Scan(&u.ID, &u.Name, &u.Email, &u.hash, &u.Locale, &u.EmailVerified)
	if errors.Is(err, sql.ErrNoRows) {
		return userRow{}, apierr.NotFound()
	}
	if err != nil {
		return userRow{}, fmt.Errorf("user: %w", err)
	}
	return u, nil
}

func userByEmail(ctx context.Context, q db.Querier, email string) (userRow, error) {
	return scanUser(q.QueryRow(ctx, sqlUser+` WHERE email = ?`, email))
}

func userByID(ctx context.Context, q db.Querier, id string) (userRow, error) {
	return scanUser(q.QueryRow(ctx, sqlUser+` WHERE id = ?`, id))
}

func insertUser(ctx context.Context, tx *db.Tx, name, email, hash, locale string, verified bool) (User, error) {
	now := db.Now()
	var verifiedAt any
	if verified {
		verifiedAt = now
	}
	u := User{ID: ids.New(), Name: name, Email: email, EmailVerified: verified, Locale: locale}
	_, err := tx.Exec(ctx, `INSERT INTO users (id, email, name, password_hash, locale, email_verified_at, created_at, updated_at)
		VALUES (?, ?, ?, ?, ?, ?, ?, ?)`, u.ID, email, name, hash, locale, verifiedAt, now, now)
	if db.IsUniqueViolation(err) {
		return User{}, apierr.Field("email", "email_taken")
	}
	if err != nil {
		return User{}, fmt.Errorf("insert user: %w", err)
	}
	return u, nil
}
