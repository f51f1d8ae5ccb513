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

// multipartRoutes take multipart/form-data (file uploads) where the others
// take JSON; the CSRF token is still required.
var multipartRoutes = map[string]bool{
	"POST /api/v1/contacts/import/preview":            true,
	"POST /api/v1/contacts/import":                    true,
	"POST /api/v1/connections/{id}/templates/samples": true,
	"POST /api/v1/conversations/{id}/attachments":     true,
}

// Multipart says whether the route takes a file upload.
func (rt Route) Multipart() bool { return multipartRoutes[rt.Method+" "+rt.Path] }

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
		{"PUT", "/api/v1/me/availability", Agent, true, s.setAvailability},
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

		{"GET", "/api/v1/contacts", Agent, false, s.listContacts},
		{"POST", "/api/v1/contacts", Agent, false, s.createContact},
		{"GET", "/api/v1/contacts/count", Agent, false, s.countContacts},
		{"GET", "/api/v1/contacts/export", Admin, false, s.exportContacts},
		{"POST", "/api/v1/contacts/bulk", Agent, false, s.bulkContacts},
		{"GET", "/api/v1/contacts/{id}", Agent, false, s.getContact},
		{"PATCH", "/api/v1/contacts/{id}", Agent, false, s.updateContact},
		{"DELETE", "/api/v1/contacts/{id}", Admin, false, s.deleteContact},
		{"GET", "/api/v1/contacts/{id}/export", Admin, false, s.exportContact},
		{"POST", "/api/v1/contacts/{id}/merge", Agent, false, s.mergeContact},
		{"GET", "/api/v1/contacts/{id}/consent", Agent, false, s.consentHistory},
		{"POST", "/api/v1/contacts/{id}/consent", Agent, false, s.recordConsent},
		{"POST", "/api/v1/contacts/import/preview", Admin, false, s.previewImport},
		{"POST", "/api/v1/contacts/import", Admin, false, s.startImport},
		{"GET", "/api/v1/imports", Admin, false, s.listImports},
		{"GET", "/api/v1/imports/{id}", Admin, false, s.getImport},
		{"GET", "/api/v1/imports/{id}/report.csv", Admin, false, s.importReport},

		{"GET", "/api/v1/tags", Agent, false, s.listTags},
		{"POST", "/api/v1/tags", Agent, false, s.createTag},
		{"PATCH", "/api/v1/tags/{id}", Agent, false, s.updateTag},
		{"DELETE", "/api/v1/tags/{id}", Admin, false, s.deleteTag},
		{"GET", "/api/v1/fields", Agent, false, s.listFields},
		{"POST", "/api/v1/fields", Admin, false, s.createField},
		{"PATCH", "/api/v1/fields/{id}", Admin, false, s.updateField},
		{"DELETE", "/api/v1/fields/{id}", Admin, false, s.deleteField},
		{"GET", "/api/v1/segments", Agent, false, s.listSegments},
		{"POST", "/api/v1/segments", Agent, false, s.createSegment},
		{"POST", "/api/v1/segments/count", Agent, false, s.countFilter},
		{"GET", "/api/v1/segments/{id}", Agent, false, s.getSegment},
		{"PATCH", "/api/v1/segments/{id}", Agent, false, s.updateSegment},
		{"DELETE", "/api/v1/segments/{id}", Agent, false, s.deleteSegment},
		{"GET", "/api/v1/segments/{id}/count", Agent, false, s.segmentCount},

		{"GET", "/api/v1/connections", Agent, false, s.listConnections},
		{"POST", "/api/v1/connections", Admin, false, s.createConnection},
		{"GET", "/api/v1/connections/{id}", Agent, false, s.getConnection},
		{"PATCH", "/api/v1/connections/{id}", Admin, false, s.updateConnection},
		{"DELETE", "/api/v1/connections/{id}", Admin, false, s.deleteConnection},
		{"POST", "/api/v1/connections/{id}/test", Admin, false, s.testConnection},
		{"POST", "/api/v1/connections/{id}/simulate", Agent, false, s.simulate},
		{"GET", "/api/v1/connections/{id}/templates", Agent, false, s.listTemplates},
		{"POST", "/api/v1/connections/{id}/templates", Admin, false, s.createTemplate},
		{"POST", "/api/v1/connections/{id}/templates/sync", Admin, false, s.syncTemplates},
		{"POST", "/api/v1/connections/{id}/templates/samples", Admin, false, s.uploadTemplateSample},
		{"PATCH", "/api/v1/connections/{id}/templates/{template_id}", Admin, false, s.updateTemplate},
		{"DELETE", "/api/v1/connections/{id}/templates/{template_id}", Admin, false, s.deleteTemplate},

		{"GET", "/api/v1/conversations", Agent, false, s.listConversations},
		{"GET", "/api/v1/conversations/counts", Agent, false, s.conversationCounts},
		{"POST", "/api/v1/conversations/take", Agent, true, s.takeConversation},
		{"GET", "/api/v1/conversations/{id}", Agent, false, s.getConversation},
		{"PATCH", "/api/v1/conversations/{id}", Agent, false, s.updateConversation},
		{"POST", "/api/v1/conversations/{id}/read", Agent, false, s.readConversation},
		{"GET", "/api/v1/conversations/{id}/messages", Agent, false, s.listMessages},
		{"POST", "/api/v1/conversations/{id}/messages", Agent, false, s.sendToConversation},
		{"POST", "/api/v1/conversations/{id}/attachments", Agent, false, s.sendAttachment},
		{"POST", "/api/v1/messages", Agent, false, s.sendToNumber},
		{"PATCH", "/api/v1/messages/{id}", Agent, false, s.updateMessage},
		{"DELETE", "/api/v1/messages/{id}", Agent, false, s.cancelMessage},

		{"GET", "/api/v1/teams", Agent, false, s.listTeams},
		{"POST", "/api/v1/teams", Admin, false, s.createTeam},
		{"GET", "/api/v1/teams/{id}", Agent, false, s.getTeam},
		{"PATCH", "/api/v1/teams/{id}", Admin, false, s.updateTeam},
		{"DELETE", "/api/v1/teams/{id}", Admin, false, s.deleteTeam},
		{"GET", "/api/v1/labels", Agent, false, s.listLabels},
		{"POST", "/api/v1/labels", Agent, false, s.createLabel},
		{"PATCH", "/api/v1/labels/{id}", Agent, false, s.updateLabel},
		{"DELETE", "/api/v1/labels/{id}", Admin, false, s.deleteLabel},
		{"GET", "/api/v1/canned-responses", Agent, false, s.listCanned},
		{"POST", "/api/v1/canned-responses", Agent, false, s.createCanned},
		{"PATCH", "/api/v1/canned-responses/{id}", Agent, false, s.updateCanned},
		{"DELETE", "/api/v1/canned-responses/{id}", Agent, false, s.deleteCanned},
		{"GET", "/api/v1/messages/{id}/media", Agent, false, s.messageMedia},

		{"GET", "/api/v1/dashboard", Agent, false, s.getDashboard},
		{"GET", "/api/v1/campaigns", Agent, false, s.listCampaigns},
		{"POST", "/api/v1/campaigns", Admin, false, s.createCampaign},
		{"POST", "/api/v1/campaigns/audience", Agent, false, s.countCampaignAudience},
		{"POST", "/api/v1/campaigns/audience/opt-in", Admin, false, s.audienceOptIn},
		{"GET", "/api/v1/campaigns/{id}", Agent, false, s.getCampaign},
		{"PATCH", "/api/v1/campaigns/{id}", Admin, false, s.updateCampaign},
		{"DELETE", "/api/v1/campaigns/{id}", Admin, false, s.deleteCampaign},
		{"POST", "/api/v1/campaigns/{id}/start", Admin, false, s.campaignAction("start")},
		{"POST", "/api/v1/campaigns/{id}/pause", Admin, false, s.campaignAction("pause")},
		{"POST", "/api/v1/campaigns/{id}/resume", Admin, false, s.campaignAction("resume")},
		{"POST", "/api/v1/campaigns/{id}/cancel", Admin, false, s.campaignAction("cancel")},
		{"POST", "/api/v1/campaigns/{id}/duplicate", Admin, false, s.campaignAction("duplicate")},
		{"POST", "/api/v1/campaigns/{id}/test", Admin, false, s.testCampaign},
		{"GET", "/api/v1/campaigns/{id}/recipients", Agent, false, s.campaignRecipients},
		{"GET", "/api/v1/campaigns/{id}/report", Agent, false, s.campaignReportJSON},
		{"GET", "/api/v1/campaigns/{id}/report.csv", Agent, false, s.campaignReport},

		{"GET", "/api/v1/events", Agent, false, s.events},

		{"GET", "/api/v1/webhook-events", Admin, false, s.listWebhookEvents},
		{"POST", "/api/v1/webhook-events/{id}/reprocess", Admin, false, s.reprocessWebhookEvent},
	}
}
