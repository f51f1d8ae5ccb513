package auth

import (
	"context"
	"fmt"

	"github.com/masteria/masteria/internal/apierr"
	"github.com/masteria/masteria/internal/audit"
	"github.com/masteria/masteria/internal/companies"
	"github.com/masteria/masteria/internal/store/db"
)

// Invited is an invitation just made. URL is set only when no email was
// sent: the admin then hands the link over.
type Invited struct {
	companies.Invitation
	Emailed bool   `json:"emailed"`
	URL     string `json:"url,omitempty"`
}

// Invite asks someone to join the principal's company, by email when SMTP is
// on, else by a link shown to the admin.
func (s *Service) Invite(ctx context.Context, p Principal, email string, role companies.Role) (Invited, error) {
	if err := s.requireVerified(ctx, p); err != nil {
		return Invited{}, err
	}
	inviter := p.UserID
	inv, token, err := s.companies.Invite(ctx, p.CompanyID, inviter, email, role, func(tx *db.Tx, inv companies.Invitation) error {
		if !s.opts.SMTPEnabled {
			return nil
		}
		return s.jobs.Insert(ctx, tx, EmailArgs{Purpose: purposeInvite, InvitationID: inv.ID}, nil)
	})
	if err != nil {
		return Invited{}, err
	}
	out := Invited{Invitation: inv, Emailed: s.opts.SMTPEnabled}
	if !out.Emailed {
		out.URL = s.link("/invite", token)
	}
	return out, nil
}

// InvitationInfo is what the public invitation page shows.
type InvitationInfo struct {
	Company struct {
		Name string `json:"name"`
	} `json:"company"`
	Email   string         `json:"email"`
	Role    companies.Role `json:"role"`
	Inviter struct {
		Name string `json:"name"`
	} `json:"inviter"`
	UserExists bool `json:"user_exists"`
}

// InvitationByToken describes a pending invitation to whoever holds its link.
func (s *Service) InvitationByToken(ctx context.Context, token string) (InvitationInfo, error) {
	inv, err := s.companies.PendingInvitation(ctx, token)
	if err != nil {
		return InvitationInfo{}, err
	}
	var info InvitationInfo
	info.Email, info.Role = inv.Email, inv.Role
	if inv.InvitedBy != nil {
		info.Inviter.Name = inv.InvitedBy.Name
	}
	if info.Company.Name, err = s.companies.Name(ctx, inv.CompanyID); err != nil {
		return InvitationInfo{}, err
	}
	if _, err := userByEmail(ctx, s.db, inv.Email); err == nil {
		info.UserExists = true
	}
	return info, nil
}

// AcceptInput is the body of POST /invitations/{token}/accept.
type AcceptInput struct {
	Name     string `json:"name"`
	Password string `json:"password"`
}

// AcceptInvitation joins the invited company: an existing account proves
// itself with its password, a new one is created. Either way a session opens
// in the company joined. Passwords are checked and hashed before the
// transaction opens, so the SQLite writer never waits on argon2.
func (s *Service) AcceptInvitation(ctx context.Context, token string, in AcceptInput, meta ClientMeta) (Grant, error) {
	ipKey := IPKey(meta.IP)
	if s.logins.Blocked(ipKey) {
		return Grant{}, apierr.RateLimited()
	}
	inv, err := companies.PendingInvitation(ctx, s.db, token)
	if err != nil {
		return Grant{}, err
	}
	existing, err := userByEmail(ctx, s.db, inv.Email)
	exists := err == nil
	if _, notFound := apierr.As(err); err != nil && !notFound {
		return Grant{}, err
	}
	var (
		user User
		hash string
	)
	if exists {
		// The same budget as signing in: whoever holds the link (the
		// inviter, too) must not get more guesses at a password than the
		// sign-in page gives.
		acctKey := "acct:" + inv.Email
		if !s.logins.Attempt(acctKey, ipKey) {
			return Grant{}, apierr.RateLimited()
		}
		if ok, _ := VerifyPassword(existing.hash, in.Password); !ok {
			return Grant{}, apierr.Field("password", "wrong_password")
		}
		s.logins.Reset(acctKey)
		s.logins.Undo(ipKey)
		user = existing.User
	} else {
		v := apierr.Validation{}
		user.Name = checkPersonName(v, in.Name)
		checkPassword(v, "password", in.Password, inv.Email)
		if err := v.Err(); err != nil {
			return Grant{}, err
		}
		if hash, err = s.argon.HashPassword(in.Password); err != nil {
			return Grant{}, err
		}
	}
	var g Grant
	err = s.db.InTx(ctx, func(tx *db.Tx) error {
		// Spending the invitation first makes a second, racing acceptance fail.
		if err := companies.MarkAccepted(ctx, tx, inv.ID); err != nil {
			return err
		}
		if exists {
			// The link reached this address, which proves it.
			if _, err := tx.Exec(ctx, `UPDATE users SET email_verified_at = COALESCE(email_verified_at, ?) WHERE id = ?`, db.Now(), user.ID); err != nil {
				return fmt.Errorf("verify email: %w", err)
			}
		} else {
			var err error
			if user, err = insertUser(ctx, tx, user.Name, inv.Email, hash, "", true); err != nil {
				return err
			}
		}
		if err := companies.AddMember(ctx, tx, inv.CompanyID, user.ID, inv.Role); err != nil {
			if db.IsUniqueViolation(err) {
				return apierr.Conflict("already_member", "You already belong to this company.")
			}
			return err
		}
		name, err := companies.NameOf(ctx, tx, inv.CompanyID)
		if err != nil {
			return err
		}
		if g, err = s.newSession(ctx, tx, user, companies.Ref{ID: inv.CompanyID, Name: name}, inv.Role, meta); err != nil {
			return err
		}
		return audit.Record(audit.WithIP(ctx, meta.IP), tx, inv.CompanyID, "invitation.accepted", "user", user.ID,
			map[string]any{"email": inv.Email, "role": inv.Role}, audit.Actor{Type: "user", ID: user.ID, Name: user.Name})
	})
	return g, err
}
