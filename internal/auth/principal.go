package auth

import (
	"context"

	"github.com/masteria/masteria/internal/audit"
	"github.com/masteria/masteria/internal/companies"
)

// Principal is who a request acts as: a signed-in person acting for one
// company, or an API key of that company.
type Principal struct {
	UserID    string
	UserName  string
	Email     string
	CompanyID string
	Role      companies.Role
	SessionID string // empty for API keys
	APIKeyID  string
	KeyName   string
	Cookie    bool // authenticated by the browser cookie (CSRF rules apply)
}

// Actor is the principal as the audit log names it.
func (p Principal) Actor() audit.Actor {
	if p.APIKeyID != "" {
		return audit.Actor{Type: "api_key", ID: p.APIKeyID, Name: p.KeyName}
	}
	return audit.Actor{Type: "user", ID: p.UserID, Name: p.UserName}
}

type principalKey struct{}

// WithPrincipal stores p in ctx.
func WithPrincipal(ctx context.Context, p Principal) context.Context {
	return context.WithValue(ctx, principalKey{}, p)
}

// From returns the principal of ctx; ok is false for anonymous requests.
func From(ctx context.Context) (Principal, bool) {
	p, ok := ctx.Value(principalKey{}).(Principal)
	return p, ok
}
