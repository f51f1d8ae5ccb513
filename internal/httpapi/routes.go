package httpapi

import (
	"net/http"

	"github.com/masteria/masteria/internal/apierr"
	"github.com/masteria/masteria/internal/companies"
)

// Access is who may call a route.
type Access int

const (
	Public Access = iota // no sign-in
	Agent                // any member
	Admin                // admins and owners
	Owner                // owners
)

func (a Access) role() companies.Role {
	switch a {
	case Agent:
		return companies.Agent
	case Admin:
		return companies.Admin
	case Owner:
		return companies.Owner
	}
	return ""
}

// Route is one API endpoint.
type Route struct {
	Method   string
	Path     string
	Access   Access
	UserOnly bool // refused to API keys
	handle   http.HandlerFunc
}

var notFoundRoute = apierr.New(http.StatusNotFound, "route_not_found", "No such API route.")

// Routes is the whole API: every route and the role it needs. Unlisted means
// it does not exist.
func (s *Server) Routes() []Route {
	return []Route{
		{"GET", "/api/v1/config", Public, false, s.config},
		{"POST", "/api/v1/auth/signup", Public, false, s.signup},
		{"POST", "/api/v1/auth/login", Public, false, s.login},
		{"POST", "/api/v1/auth/logout", Agent, true, s.logout},
		{"POST", "/api/v1/auth/switch", Agent, true, s.switchCompany},
		{"POST", "/api/v1/auth/password/forgot", Public, false, s.forgotPassword},
		{"POST", "/api/v1/auth/password/reset", Public, false, s.resetPassword},
		{"POST", "/api/v1/auth/email/verify", Public, false, s.verifyEmail},
		{"POST", "/api/v1/auth/email/resend", Agent, true, s.resendVerification},
		{"GET", "/api/v1/invitations/{token}", Public, false, s.invitationByToken},
		{"POST", "/api/v1/invitations/{token}/accept", Public, false, s.acceptInvitation},

		{"GET", "/api/v1/me", Agent, false, s.me},
		{"PATCH", "/api/v1/me", Agent, true, s.updateMe},
		{"POST", "/api/v1/me/password", Agent, true, s.changePassword},
		{"POST", "/api/v1/companies", Agent, true, s.createCompany},
		{"GET", "/api/v1/company", Agent, false, s.company},
		{"PATCH", "/api/v1/company", Admin, false, s.updateCompany},

		{"GET", "/api/v1/members", Agent, false, s.members},
		{"PATCH", "/api/v1/members/{id}", Admin, false, s.updateMember},
		{"DELETE", "/api/v1/members/{id}", Admin, false, s.removeMember},
		{"POST", "/api/v1/members/{id}/reset-link", Admin, true, s.memberResetLink},
		{"GET", "/api/v1/invitations", Admin, false, s.invitations},
		{"POST", "/api/v1/invitations", Admin, false, s.invite},
		{"DELETE", "/api/v1/invitations/{id}", Admin, false, s.revokeInvitation},

		{"GET", "/api/v1/api-keys", Admin, true, s.apiKeys},
		{"POST", "/api/v1/api-keys", Admin, true, s.createAPIKey},
		{"DELETE", "/api/v1/api-keys/{id}", Admin, true, s.revokeAPIKey},

		{"GET", "/api/v1/audit", Admin, false, s.auditLog},
	}
}
