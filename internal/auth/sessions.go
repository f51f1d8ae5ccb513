package auth

import (
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"database/sql"
	"encoding/base64"
	"errors"
	"fmt"
	"time"

	"github.com/golang-jwt/jwt/v5"

	"github.com/masteria/masteria/internal/apierr"
	"github.com/masteria/masteria/internal/audit"
	"github.com/masteria/masteria/internal/companies"
	"github.com/masteria/masteria/internal/ids"
	"github.com/masteria/masteria/internal/store/db"
)

const (
	// SessionTTL is how long a sign-in lasts.
	SessionTTL = 30 * 24 * time.Hour
	// TokenTTL is how long an API token from /auth/login works; clients sign in again.
	TokenTTL = time.Hour
	// lastSeenEvery limits how often a session's last_seen_at is written.
	lastSeenEvery = 5 * time.Minute
	issuer        = "masteria"
)

// ClientMeta describes where a sign-in comes from.
type ClientMeta struct {
	IP        string
	UserAgent string
}

// Grant is what a successful sign-in hands out: the API token, and the
// browser's cookie values.
type Grant struct {
	Token        string
	SessionToken string
	CSRF         string
	SessionID    string
	Company      companies.Ref
	Role         companies.Role
	User         User
}

type claims struct {
	SessionID string `json:"sid"`
	CompanyID string `json:"cid"`
	jwt.RegisteredClaims
}

// newSession stores a session and returns the grant for it.
func (s *Service) newSession(ctx context.Context, tx *db.Tx, u User, company companies.Ref, role companies.Role, meta ClientMeta) (Grant, error) {
	token, hash := companies.NewToken()
	now := db.Now()
	id := ids.New()
	ua := meta.UserAgent
	if len(ua) > 300 {
		ua = ua[:300]
	}
	if _, err := tx.Exec(ctx, `INSERT INTO sessions (id, user_id, company_id, token_hash, ip, user_agent, created_at, last_seen_at, expires_at)
		VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)`, id, u.ID, company.ID, hash, meta.IP, ua, now, now, now.Add(SessionTTL)); err != nil {
		return Grant{}, fmt.Errorf("insert session: %w", err)
	}
	jwtToken, err := s.signToken(id, u.ID, company.ID, now)
	if err != nil {
		return Grant{}, err
	}
	return Grant{Token: jwtToken, SessionToken: token, CSRF: s.CSRFToken(id), SessionID: id,
		Company: company, Role: role, User: u}, nil
}

func (s *Service) signToken(sessionID, userID, companyID string, now time.Time) (string, error) {
	c := claims{SessionID: sessionID, CompanyID: companyID, RegisteredClaims: jwt.RegisteredClaims{
		Issuer: issuer, Subject: userID, IssuedAt: jwt.NewNumericDate(now), ExpiresAt: jwt.NewNumericDate(now.Add(TokenTTL)),
	}}
	t, err := jwt.NewWithClaims(jwt.SigningMethodHS256, c).SignedString(s.jwtKey)
	if err != nil {
		return "", fmt.Errorf("sign token: %w", err)
	}
	return t, nil
}

// ParseToken checks a JWT's signature, algorithm, issuer and expiry.
func ParseToken(key []byte, raw string) (sessionID, userID, companyID string, err error) {
	var c claims
	_, err = jwt.ParseWithClaims(raw, &c, func(*jwt.Token) (any, error) { return key, nil },
		jwt.WithValidMethods([]string{jwt.SigningMethodHS256.Alg()}), jwt.WithIssuer(issuer),
		jwt.WithExpirationRequired(), jwt.WithLeeway(5*time.Second))
	if err != nil {
		return "", "", "", err
	}
	if c.SessionID == "" || c.Subject == "" || c.CompanyID == "" {
		return "", "", "", errors.New("token lacks its session, user or company")
	}
	return c.SessionID, c.Subject, c.CompanyID, nil
}

// CSRFToken is the value the browser must echo in X-CSRF-Token for its session.
func (s *Service) CSRFToken(sessionID string) string {
	m := hmac.New(sha256.New, s.jwtKey)
	m.Write([]byte("csrf:" + sessionID))
	return base64.RawURLEncoding.EncodeToString(m.Sum(nil))
}

// CheckCSRF compares a header value with the session's token in constant time.
func (s *Service) CheckCSRF(sessionID, header string) bool {
	return header != "" && hmac.Equal([]byte(header), []byte(s.CSRFToken(sessionID)))
}

type sessionRow struct {
	id, userID, companyID string
	lastSeen              db.Time
}

var errNoSession = errors.New("no live session")

func (s *Service) liveSession(ctx context.Context, where string, arg any) (sessionRow, error) {
	var r sessionRow
	err := s.db.QueryRow(ctx, `SELECT id, user_id, company_id, last_seen_at FROM sessions
		WHERE `+where+` AND revoked_at IS NULL AND expires_at > ?`, arg, db.Now()).Scan(&r.id, &r.userID, &r.companyID, &r.lastSeen)
	if errors.Is(err, sql.ErrNoRows) {
		return sessionRow{}, errNoSession
	}
	if err != nil {
		return sessionRow{}, fmt.Errorf("session: %w", err)
	}
	if time.Since(r.lastSeen.Time) > lastSeenEvery {
		if _, err := s.db.Exec(ctx, `UPDATE sessions SET last_seen_at = ? WHERE id = ?`, db.Now(), r.id); err != nil {
			s.logger.Warn("touch session", "err", err)
		}
	}
	return r, nil
}

// principalFor loads the user and their role for a live session.
func (s *Service) principalFor(ctx context.Context, sessionID, userID, companyID string) (Principal, error) {
	u, err := userByID(ctx, s.db, userID)
	if err != nil {
		return Principal{}, errNoSession
	}
	role, err := s.companies.RoleOf(ctx, companyID, userID)
	if err != nil {
		return Principal{}, errNoSession
	}
	return Principal{UserID: u.ID, UserName: u.Name, Email: u.Email, CompanyID: companyID, Role: role, SessionID: sessionID}, nil
}

// AuthenticateCookie finds the principal of a browser session token.
func (s *Service) AuthenticateCookie(ctx context.Context, token string) (Principal, error) {
	r, err := s.liveSession(ctx, "token_hash = ?", companies.HashToken(token))
	if err != nil {
		return Principal{}, apierr.Unauthorized()
	}
	p, err := s.principalFor(ctx, r.id, r.userID, r.companyID)
	if err != nil {
		return Principal{}, apierr.Unauthorized()
	}
	p.Cookie = true
	return p, nil
}

// AuthenticateBearer accepts a JWT from /auth/login or an API key. A
// credential that verifies is never refused by the limiter; forged or
// unknown ones (guessing) count against the client address, and past 10 a
// minute get 429. Expired or revoked tokens are honest mistakes, not guesses.
func (s *Service) AuthenticateBearer(ctx context.Context, raw, ip string) (Principal, error) {
	p, err := s.bearer(ctx, raw)
	if err == nil {
		return p, nil
	}
	key := IPKey(ip)
	if s.bearerFailures.Blocked(key) {
		return Principal{}, apierr.RateLimited()
	}
	if !errors.Is(err, errNoSession) && !errors.Is(err, jwt.ErrTokenExpired) {
		s.bearerFailures.Fail(key)
	}
	return Principal{}, apierr.Unauthorized()
}

func (s *Service) bearer(ctx context.Context, raw string) (Principal, error) {
	if isAPIKey(raw) {
		return s.authenticateKey(ctx, raw)
	}
	sid, uid, cid, err := ParseToken(s.jwtKey, raw)
	if err != nil {
		return Principal{}, err
	}
	r, err := s.liveSession(ctx, "id = ?", sid)
	if err != nil {
		return Principal{}, err
	}
	if r.userID != uid {
		return Principal{}, errNoSession
	}
	return s.principalFor(ctx, sid, uid, cid)
}

// Logout ends the principal's session (cookie and token alike).
func (s *Service) Logout(ctx context.Context, p Principal) error {
	if p.SessionID == "" {
		return nil
	}
	return s.db.InTx(ctx, func(tx *db.Tx) error {
		if _, err := tx.Exec(ctx, `UPDATE sessions SET revoked_at = ? WHERE id = ? AND user_id = ?`, db.Now(), p.SessionID, p.UserID); err != nil {
			return fmt.Errorf("logout: %w", err)
		}
		return audit.Record(ctx, tx, p.CompanyID, "auth.logout", "user", p.UserID, nil)
	})
}

// revokeOtherSessions ends every session of a user but keep (which may be "").
func revokeOtherSessions(ctx context.Context, tx *db.Tx, userID, keep string) error {
	_, err := tx.Exec(ctx, `UPDATE sessions SET revoked_at = ? WHERE user_id = ? AND id <> ? AND revoked_at IS NULL`,
		db.Now(), userID, keep)
	if err != nil {
		return fmt.Errorf("revoke sessions: %w", err)
	}
	return nil
}

// Switch moves the principal's session to another of their companies.
func (s *Service) Switch(ctx context.Context, p Principal, companyID string) (Grant, error) {
	if p.SessionID == "" {
		return Grant{}, apierr.Forbidden("An API key belongs to one company and cannot switch.")
	}
	if !ids.Valid(companyID) {
		return Grant{}, apierr.NotFound()
	}
	role, err := s.companies.RoleOf(ctx, companyID, p.UserID)
	if err != nil {
		return Grant{}, err
	}
	c, err := s.companies.Get(ctx, companyID)
	if err != nil {
		return Grant{}, err
	}
	u, err := userByID(ctx, s.db, p.UserID)
	if err != nil {
		return Grant{}, err
	}
	if _, err := s.db.Exec(ctx, `UPDATE sessions SET company_id = ? WHERE id = ? AND user_id = ?`, companyID, p.SessionID, p.UserID); err != nil {
		return Grant{}, fmt.Errorf("switch: %w", err)
	}
	tok, err := s.signToken(p.SessionID, p.UserID, companyID, db.Now())
	if err != nil {
		return Grant{}, err
	}
	return Grant{Token: tok, CSRF: s.CSRFToken(p.SessionID), SessionID: p.SessionID,
		Company: companies.Ref{ID: c.ID, Name: c.Name}, Role: role, User: u.User}, nil
}
