package auth

import (
	"strings"

	"context"

	"github.com/masteria/masteria/internal/apierr"
	"github.com/masteria/masteria/internal/audit"
	"github.com/masteria/masteria/internal/companies"
	"github.com/masteria/masteria/internal/ids"
	"github.com/masteria/masteria/internal/store/db"
)

// AdminCreateCompany is `masteria admin create-company`: the operator makes
// a company and its owner, with a verified address (the operator vouches).
func (s *Service) AdminCreateCompany(ctx context.Context, companyName, ownerName, email, password string) (User, companies.Company, error) {
	v := apierr.Validation{}
	companyName = companies.CheckName(v, "name", companyName)
	ownerName = strings.TrimSpace(ownerName)
	if ownerName == "" {
		v.Add("owner-name", "required")
	}
	email = companies.NormalizeEmail(email)
	if email == "" {
		v.Add("owner-email", "invalid_email")
	}
	checkPassword(v, "password", password, email)
	if err := v.Err(); err != nil {
		return User{}, companies.Company{}, err
	}
	hash, err := s.argon.HashPassword(password)
	if err != nil {
		return User{}, companies.Company{}, err
	}
	var u User
	var c companies.Company
	err = s.db.InTx(ctx, func(tx *db.Tx) error {
		if u, err = insertUser(ctx, tx, ownerName, email, hash, "", true); err != nil {
			return err
		}
		if c, err = companies.Insert(ctx, tx, companyName, u.ID); err != nil {
			return err
		}
		return audit.Record(ctx, tx, c.ID, "company.created", "company", c.ID, map[string]any{"name": companyName, "by": "command line"})
	})
	return u, c, err
}

// AdminCreateUser is `masteria admin create-user`: adds a person (new or
// existing) to a company with a role.
func (s *Service) AdminCreateUser(ctx context.Context, companyID, name, email, password, role string) (User, error) {
	v := apierr.Validation{}
	r := companies.Role(role)
	if r.Rank() == 0 {
		v.Add("role", "invalid_role")
	}
	email = companies.NormalizeEmail(email)
	if email == "" {
		v.Add("email", "invalid_email")
	}
	if !ids.Valid(companyID) {
		v.Add("company", "not_found")
	}
	if err := v.Err(); err != nil {
		return User{}, err
	}
	if _, err := s.companies.Get(ctx, companyID); err != nil {
		return User{}, apierr.Field("company", "not_found")
	}
	var u User
	err := s.db.InTx(ctx, func(tx *db.Tx) error {
		existing, err := userByEmail(ctx, tx, email)
		if err == nil {
			u = existing.User
		} else {
			v := apierr.Validation{}
			name = checkPersonName(v, name)
			checkPassword(v, "password", password, email)
			if err := v.Err(); err != nil {
				return err
			}
			hash, err := s.argon.HashPassword(password)
			if err != nil {
				return err
			}
			if u, err = insertUser(ctx, tx, name, email, hash, "", true); err != nil {
				return err
			}
		}
		if err := companies.AddMember(ctx, tx, companyID, u.ID, r); err != nil {
			if db.IsUniqueViolation(err) {
				return apierr.Field("email", "already_member")
			}
			return err
		}
		return audit.Record(ctx, tx, companyID, "member.added", "user", u.ID, map[string]any{"email": email, "role": r, "by": "command line"})
	})
	return u, err
}
