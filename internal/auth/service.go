package auth

import (
	"context"
	"crypto/rand"
	"errors"
	"fmt"
	"log/slog"
	"net/url"
	"strings"
	"time"

	"github.com/riverqueue/river"

	"github.com/masteria/masteria/internal/apierr"
	"github.com/masteria/masteria/internal/audit"
	"github.com/masteria/masteria/internal/companies"
	"github.com/masteria/masteria/internal/ids"
	"github.com/masteria/masteria/internal/secrets"
	"github.com/masteria/masteria/internal/store/db"
)

// Enqueuer inserts a job in a transaction (jobs.Queue in production).
type Enqueuer interface {
	Insert(ctx context.Context, tx *db.Tx, args river.JobArgs, opts *river.InsertOpts) error
}

// Options configure the Service.
type Options struct {
	PublicURL     string // links in emails and shown to admins
	SMTPEnabled   bool
	SignupEnabled bool
	JWTSecret     string // empty: generated and stored encrypted
	// Argon2 is the password hashing cost; zero means DefaultArgon2. Tests
	// lower it: the cost is what makes guessing slow, not what is tested.
	Argon2 Argon2
}

// Service is authentication and the accounts behind it.
type Service struct {
	db        *db.DB
	companies *companies.Service
	jobs      Enqueuer
	logger    *slog.Logger
	opts      Options
	jwtKey    []byte

	logins           *Limiter
	bearerFailures   *Limiter
	forgot           *Limiter
	forgotPerAddress *Limiter

	argon Argon2
	// dummyHash is verified against when an account does not exist, so a
	// sign-in takes as long whether or not the email is known.
	dummyHash string
}

// NewService loads or creates the JWT signing key and returns the Service.
func NewService(ctx context.Context, d *db.DB, sec *secrets.Store, co *companies.Service, jobs Enqueuer, logger *slog.Logger, opts Options) (*Service, error) {
	var key []byte
	if opts.JWTSecret != "" {
		if len(opts.JWTSecret) < 32 {
			return nil, errors.New("JWT secret is too weak: give at least 32 bytes")
		}
		key = []byte(opts.JWTSecret)
	} else {
		var err error
		key, err = sec.System(ctx, "jwt_signing_key", func() ([]byte, error) {
			k := make([]byte, 32)
			_, err := rand.Read(k)
			return k, err
		})
		if err != nil {
			return nil, fmt.Errorf("jwt signing key: %w", err)
		}
	}
	argon := opts.Argon2
	if argon.Time == 0 {
		argon = DefaultArgon2
	}
	dummy, err := argon.HashPassword("masteria-timing-equalizer")
	if err != nil {
		return nil, err
	}
	return &Service{db: d, companies: co, jobs: jobs, logger: logger, opts: opts, jwtKey: key,
		logins: NewLimiter(10, time.Minute), bearerFailures: NewLimiter(10, time.Minute),
		forgot: NewLimiter(20, time.Hour), forgotPerAddress: NewLimiter(5, time.Hour),
		argon: argon, dummyHash: dummy}, nil
}

// SMTPEnabled says whether links are emailed.
func (s *Service) SMTPEnabled() bool { return s.opts.SMTPEnabled }

// SignupEnabled says whether anyone may create a company.
func (s *Service) SignupEnabled() bool { return s.opts.SignupEnabled }

// SignupInput is the body of POST /auth/signup.
type SignupInput struct {
	CompanyName string `json:"company_name"`
	Name        string `json:"name"`
	Email       string `json:"email"`
	Password    string `json:"password"`
	Locale      string `json:"locale"`
}

func checkPersonName(v apierr.Validation, name string) string {
	name = strings.TrimSpace(name)
	switch {
	case name == "":
		v.Add("name", "required")
	case len([]rune(name)) > 100:
		v.Add("name", "too_long")
	}
	return name
}

func normLocale(l string) string {
	switch strings.ToLower(l) {
	case "pt-br", "pt":
		return "pt-BR"
	case "en", "en-us", "en-gb":
		return "en"
	}
	return ""
}

// Signup creates a company, its owner and a session, all or nothing.
func (s *Service) Signup(ctx context.Context, in SignupInput, meta ClientMeta) (Grant, error) {
	if !s.opts.SignupEnabled {
		return Grant{}, apierr.Forbidden("Sign-up is closed on this server. Ask an administrator for an invitation.")
	}
	v := apierr.Validation{}
	companyName := companies.CheckName(v, "company_name", in.CompanyName)
	name := checkPersonName(v, in.Name)
	email := companies.NormalizeEmail(in.Email)
	if email == "" {
		v.Add("email", "invalid_email")
	}
	checkPassword(v, "password", in.Password, email)
	if err := v.Err(); err != nil {
		return Grant{}, err
	}
	hash, err := s.argon.HashPassword(in.Password)
	if err != nil {
		return Grant{}, err
	}
	var g Grant
	err = s.db.InTx(ctx, func(tx *db.Tx) error {
		u, err := insertUser(ctx, tx, name, email, hash, normLocale(in.Locale), false)
		if err != nil {
			return err
		}
		c, err := companies.Insert(ctx, tx, companyName, u.ID)
		if err != nil {
			return err
		}
		g, err = s.newSession(ctx, tx, u, companies.Ref{ID: c.ID, Name: c.Name}, companies.Owner, meta)
		if err != nil {
			return err
		}
		actor := audit.Actor{Type: "user", ID: u.ID, Name: u.Name}
		if err := audit.Record(ctx, tx, c.ID, "auth.signup", "user", u.ID, map[string]any{"email": email}, actor); err != nil {
			return err
		}
		if s.opts.SMTPEnabled {
			return s.jobs.Insert(ctx, tx, EmailArgs{Purpose: purposeVerify, UserID: u.ID}, nil)
		}
		return nil
	})
	return g, err
}

// Login checks a password and opens a session in the user's first company.
func (s *Service) Login(ctx context.Context, email, password string, meta ClientMeta) (Grant, []companies.Membership, error) {
	email = strings.ToLower(strings.TrimSpace(email))
	acctKey, ipKey := "acct:"+email, IPKey(meta.IP)
	if !s.logins.Attempt(acctKey, ipKey) {
		return Grant{}, nil, apierr.RateLimited()
	}
	invalid := apierr.New(401, "invalid_credentials", "Wrong email or password.")
	u, err := userByEmail(ctx, s.db, email)
	hash := u.hash
	if err != nil {
		hash = s.dummyHash
	}
	ok, verr := VerifyPassword(hash, password)
	if verr != nil {
		s.logger.Error("password hash unreadable", "user_id", u.ID, "err", verr)
	}
	if err != nil || !ok {
		if err == nil {
			s.recordFailedLogin(ctx, u.User, meta)
		}
		return Grant{}, nil, invalid
	}
	// A success does not count: the account starts afresh, and the shared
	// address gets its attempt back.
	s.logins.Reset(acctKey)
	s.logins.Undo(ipKey)
	members, err := s.companies.Memberships(ctx, u.ID)
	if err != nil {
		return Grant{}, nil, err
	}
	if len(members) == 0 {
		// Everyone has a company unless they were removed from their last one.
		return Grant{}, nil, apierr.Forbidden("Your account no longer belongs to any company. Ask for a new invitation.")
	}
	first := members[0]
	var g Grant
	err = s.db.InTx(ctx, func(tx *db.Tx) error {
		var err error
		g, err = s.newSession(ctx, tx, u.User, companies.Ref{ID: first.ID, Name: first.Name}, first.Role, meta)
		if err != nil {
			return err
		}
		return audit.Record(audit.WithIP(ctx, meta.IP), tx, first.ID, "auth.login", "user", u.ID, nil,
			audit.Actor{Type: "user", ID: u.ID, Name: u.Name})
	})
	return g, members, err
}

// recordFailedLogin writes the failure into every company of the account, so
// each company's admins see attempts on their people.
func (s *Service) recordFailedLogin(ctx context.Context, u User, meta ClientMeta) {
	members, err := s.companies.Memberships(ctx, u.ID)
	if err != nil {
		return
	}
	err = s.db.InTx(ctx, func(tx *db.Tx) error {
		for _, m := range members {
			if err := audit.Record(audit.WithIP(ctx, meta.IP), tx, m.ID, "auth.login_failed", "user", u.ID, nil,
				audit.Actor{Type: "user", ID: u.ID, Name: u.Name}); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		s.logger.Warn("record failed login", "user_id", u.ID, "err", err)
	}
}

// Me is the principal's own view.
type Me struct {
	User      *User                  `json:"user"`
	Company   companies.Ref          `json:"company"`
	Role      companies.Role         `json:"role"`
	Companies []companies.Membership `json:"companies"`
	APIKey    *companies.UserRef     `json:"api_key,omitempty"`
	// Availability in the inbox of the current company (people only).
	Availability string `json:"availability,omitempty"`
}

// Me describes who the principal is.
func (s *Service) Me(ctx context.Context, p Principal) (Me, error) {
	c, err := s.companies.Get(ctx, p.CompanyID)
	if err != nil {
		return Me{}, err
	}
	m := Me{Company: companies.Ref{ID: c.ID, Name: c.Name}, Role: p.Role, Companies: []companies.Membership{}}
	if p.APIKeyID != "" {
		m.APIKey = &companies.UserRef{ID: p.APIKeyID, Name: p.KeyName}
		m.Companies = append(m.Companies, companies.Membership{ID: c.ID, Name: c.Name, Role: p.Role})
		return m, nil
	}
	u, err := userByID(ctx, s.db, p.UserID)
	if err != nil {
		return Me{}, err
	}
	m.User = &u.User
	if m.Companies, err = s.companies.Memberships(ctx, p.UserID); err != nil {
		return Me{}, err
	}
	if m.Availability, err = s.companies.Availability(ctx, p.CompanyID, p.UserID); err != nil {
		return Me{}, err
	}
	return m, nil
}

// ProfileInput is the body of PATCH /me.
type ProfileInput struct {
	Name   *string `json:"name"`
	Locale *string `json:"locale"`
}

// UpdateProfile changes the principal's name or language.
func (s *Service) UpdateProfile(ctx context.Context, p Principal, in ProfileInput) error {
	if p.UserID == "" {
		return apierr.Forbidden("An API key has no profile.")
	}
	v := apierr.Validation{}
	u, err := userByID(ctx, s.db, p.UserID)
	if err != nil {
		return err
	}
	if in.Name != nil {
		u.Name = checkPersonName(v, *in.Name)
	}
	if in.Locale != nil {
		u.Locale = normLocale(*in.Locale)
		if u.Locale == "" && *in.Locale != "" {
			v.Add("locale", "invalid_locale")
		}
	}
	if err := v.Err(); err != nil {
		return err
	}
	_, err = s.db.Exec(ctx, `UPDATE users SET name = ?, locale = ?, updated_at = ? WHERE id = ?`, u.Name, u.Locale, db.Now(), p.UserID)
	if err != nil {
		return fmt.Errorf("update profile: %w", err)
	}
	return nil
}

// ChangePassword replaces the principal's password and ends their other sessions.
func (s *Service) ChangePassword(ctx context.Context, p Principal, current, next string) error {
	if p.UserID == "" {
		return apierr.Forbidden("An API key has no password.")
	}
	u, err := userByID(ctx, s.db, p.UserID)
	if err != nil {
		return err
	}
	if !s.logins.Attempt("acct:" + u.Email) {
		return apierr.RateLimited()
	}
	if ok, _ := VerifyPassword(u.hash, current); !ok {
		return apierr.Field("current_password", "wrong_password")
	}
	s.logins.Reset("acct:" + u.Email)
	v := apierr.Validation{}
	checkPassword(v, "new_password", next, u.Email)
	if err := v.Err(); err != nil {
		return err
	}
	hash, err := s.argon.HashPassword(next)
	if err != nil {
		return err
	}
	return s.db.InTx(ctx, func(tx *db.Tx) error {
		if _, err := tx.Exec(ctx, `UPDATE users SET password_hash = ?, updated_at = ? WHERE id = ?`, hash, db.Now(), u.ID); err != nil {
			return fmt.Errorf("set password: %w", err)
		}
		if err := revokeOtherSessions(ctx, tx, u.ID, p.SessionID); err != nil {
			return err
		}
		return audit.Record(ctx, tx, p.CompanyID, "auth.password_changed", "user", u.ID, nil)
	})
}

// ForgotPassword emails a reset link when SMTP is on and the account exists.
// It answers the same either way, so nobody learns which emails have accounts.
// Each address gets at most 5 emails an hour (silently: a 429 would tell
// which addresses have accounts), each client address 20 requests.
func (s *Service) ForgotPassword(ctx context.Context, email, ip string) error {
	if !s.forgot.Attempt(IPKey(ip)) {
		return apierr.RateLimited()
	}
	email = strings.ToLower(strings.TrimSpace(email))
	if !s.opts.SMTPEnabled || !s.forgotPerAddress.Attempt("acct:"+email) {
		return nil
	}
	u, err := userByEmail(ctx, s.db, email)
	if err != nil {
		return nil
	}
	return s.db.InTx(ctx, func(tx *db.Tx) error {
		return s.jobs.Insert(ctx, tx, EmailArgs{Purpose: purposeReset, UserID: u.ID}, nil)
	})
}

// ResetLink makes a password-reset link for a member, for an admin to hand
// over when email is off (or lost).
func (s *Service) ResetLink(ctx context.Context, p Principal, userID string) (string, error) {
	if !ids.Valid(userID) {
		return "", apierr.NotFound()
	}
	m, err := s.companies.Member(ctx, p.CompanyID, userID)
	if err != nil {
		return "", err
	}
	if m.Role.Rank() > p.Role.Rank() {
		return "", apierr.Forbidden("Only an owner can make a reset link for an owner.")
	}
	only, err := s.companies.OnlyHere(ctx, p.CompanyID, userID)
	if err != nil {
		return "", err
	}
	if !only {
		return "", apierr.Forbidden("This person also belongs to other companies: they must reset their password themselves.")
	}
	var token string
	err = s.db.InTx(ctx, func(tx *db.Tx) error {
		var err error
		if token, err = newUserToken(ctx, tx, userID, purposeReset); err != nil {
			return err
		}
		return audit.Record(ctx, tx, p.CompanyID, "member.reset_link_created", "user", userID, map[string]any{"email": m.Email})
	})
	if err != nil {
		return "", err
	}
	return s.link("/reset-password", token), nil
}

// ResetPassword sets a new password from a reset link and ends every session.
// The password is hashed before the transaction opens, so the SQLite writer
// is never held during argon2.
func (s *Service) ResetPassword(ctx context.Context, token, password string) error {
	userID, err := peekUserToken(ctx, s.db, token, purposeReset)
	if err != nil {
		return err
	}
	u, err := userByID(ctx, s.db, userID)
	if err != nil {
		return err
	}
	v := apierr.Validation{}
	checkPassword(v, "password", password, u.Email)
	if err := v.Err(); err != nil {
		return err
	}
	hash, err := s.argon.HashPassword(password)
	if err != nil {
		return err
	}
	return s.db.InTx(ctx, func(tx *db.Tx) error {
		spent, err := useUserToken(ctx, tx, token, purposeReset)
		if err != nil {
			return err
		}
		if spent != userID {
			return errInvalidLink
		}
		if _, err := tx.Exec(ctx, `UPDATE users SET password_hash = ?, updated_at = ? WHERE id = ?`, hash, db.Now(), userID); err != nil {
			return fmt.Errorf("reset password: %w", err)
		}
		if err := revokeOtherSessions(ctx, tx, userID, ""); err != nil {
			return err
		}
		tx.AfterCommit(func() { s.logins.Reset("acct:" + u.Email) })
		return s.auditAll(ctx, tx, userID, "auth.password_reset", audit.Actor{Type: "user", ID: u.ID, Name: u.Name})
	})
}

// VerifyEmail marks an address verified from its link.
func (s *Service) VerifyEmail(ctx context.Context, token string) error {
	return s.db.InTx(ctx, func(tx *db.Tx) error {
		userID, err := useUserToken(ctx, tx, token, purposeVerify)
		if err != nil {
			return err
		}
		_, err = tx.Exec(ctx, `UPDATE users SET email_verified_at = ?, updated_at = ? WHERE id = ? AND email_verified_at IS NULL`,
			db.Now(), db.Now(), userID)
		return err
	})
}

// ResendVerification emails a new verification link.
func (s *Service) ResendVerification(ctx context.Context, p Principal) error {
	if !s.opts.SMTPEnabled || p.UserID == "" {
		return apierr.Conflict("email_disabled", "This server does not send email.")
	}
	u, err := userByID(ctx, s.db, p.UserID)
	if err != nil {
		return err
	}
	if u.EmailVerified {
		return apierr.Conflict("already_verified", "This email address is already verified.")
	}
	return s.db.InTx(ctx, func(tx *db.Tx) error {
		return s.jobs.Insert(ctx, tx, EmailArgs{Purpose: purposeVerify, UserID: u.ID}, nil)
	})
}

// requireVerified refuses what verification unlocks, when SMTP is on.
func (s *Service) requireVerified(ctx context.Context, p Principal) error {
	if !s.opts.SMTPEnabled || p.UserID == "" {
		return nil
	}
	u, err := userByID(ctx, s.db, p.UserID)
	if err != nil {
		return err
	}
	if !u.EmailVerified {
		return apierr.New(403, "email_not_verified", "Verify your email address first: open the link we sent you.")
	}
	return nil
}

// auditAll records an entry in every company of a user.
func (s *Service) auditAll(ctx context.Context, tx *db.Tx, userID, action string, actor audit.Actor) error {
	rows, err := tx.Query(ctx, `SELECT company_id FROM memberships WHERE user_id = ?`, userID)
	if err != nil {
		return err
	}
	var cos []string
	for rows.Next() {
		var c string
		if err := rows.Scan(&c); err != nil {
			rows.Close()
			return err
		}
		cos = append(cos, c)
	}
	rows.Close()
	for _, c := range cos {
		if err := audit.Record(ctx, tx, c, action, "user", userID, nil, actor); err != nil {
			return err
		}
	}
	return nil
}

func (s *Service) link(path, token string) string {
	return s.opts.PublicURL + path + "?token=" + url.QueryEscape(token)
}
