package httpapi

import (
	"github.com/masteria/masteria/internal/conversations"
	"net/http"
	"strconv"

	"github.com/masteria/masteria/internal/apierr"
	"github.com/masteria/masteria/internal/audit"
	"github.com/masteria/masteria/internal/auth"
	"github.com/masteria/masteria/internal/companies"
	"github.com/masteria/masteria/internal/ids"
)

// pathID returns the {id} of the path, or a 404 for anything that cannot be
// one of our ids (the database is not asked).
func pathID(r *http.Request) (string, error) {
	id := r.PathValue("id")
	if !ids.Valid(id) {
		return "", apierr.NotFound()
	}
	return id, nil
}

func (s *Server) members(w http.ResponseWriter, r *http.Request) {
	p, _ := auth.From(r.Context())
	ms, err := s.companies.Members(r.Context(), p.CompanyID)
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, list[companies.Member]{Data: ms})
}

type memberIn struct {
	Role     *companies.Role             `json:"role"`
	Capacity conversations.Optional[int] `json:"capacity"`
}

func (s *Server) updateMember(w http.ResponseWriter, r *http.Request) {
	id, err := pathID(r)
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	var in memberIn
	if err := readJSON(w, r, &in); err != nil {
		s.writeError(w, r, err)
		return
	}
	if in.Role == nil && !in.Capacity.Set {
		s.writeError(w, r, apierr.BadRequest("nothing_to_change", "Send role or capacity."))
		return
	}
	p, _ := auth.From(r.Context())
	var m companies.Member
	if in.Role != nil {
		if m, err = s.companies.SetRole(r.Context(), p.CompanyID, p.Role, id, *in.Role); err != nil {
			s.writeError(w, r, err)
			return
		}
	}
	if in.Capacity.Set {
		if m, err = s.companies.SetCapacity(r.Context(), p.CompanyID, id, in.Capacity.Value); err != nil {
			s.writeError(w, r, err)
			return
		}
	}
	writeJSON(w, http.StatusOK, m)
}

func (s *Server) removeMember(w http.ResponseWriter, r *http.Request) {
	id, err := pathID(r)
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	p, _ := auth.From(r.Context())
	if err := s.companies.RemoveMember(r.Context(), p.CompanyID, p.Role, id); err != nil {
		s.writeError(w, r, err)
		return
	}
	w.WriteHeader(http.StatusNoContent)
}

type urlOut struct {
	URL string `json:"url"`
}

func (s *Server) memberResetLink(w http.ResponseWriter, r *http.Request) {
	id, err := pathID(r)
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	p, _ := auth.From(r.Context())
	u, err := s.auth.ResetLink(r.Context(), p, id)
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	writeJSON(w, http.StatusCreated, urlOut{URL: u})
}

func (s *Server) invitations(w http.ResponseWriter, r *http.Request) {
	p, _ := auth.From(r.Context())
	invs, err := s.companies.Invitations(r.Context(), p.CompanyID)
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, list[companies.Invitation]{Data: invs})
}

type inviteIn struct {
	Email string         `json:"email"`
	Role  companies.Role `json:"role"`
}

func (s *Server) invite(w http.ResponseWriter, r *http.Request) {
	var in inviteIn
	if err := readJSON(w, r, &in); err != nil {
		s.writeError(w, r, err)
		return
	}
	p, _ := auth.From(r.Context())
	inv, err := s.auth.Invite(r.Context(), p, in.Email, in.Role)
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	writeJSON(w, http.StatusCreated, inv)
}

func (s *Server) revokeInvitation(w http.ResponseWriter, r *http.Request) {
	id, err := pathID(r)
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	p, _ := auth.From(r.Context())
	if err := s.companies.RevokeInvitation(r.Context(), p.CompanyID, id); err != nil {
		s.writeError(w, r, err)
		return
	}
	w.WriteHeader(http.StatusNoContent)
}

func (s *Server) apiKeys(w http.ResponseWriter, r *http.Request) {
	p, _ := auth.From(r.Context())
	keys, err := s.auth.APIKeys(r.Context(), p.CompanyID)
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, list[auth.APIKey]{Data: keys})
}

type apiKeyIn struct {
	Name string `json:"name"`
}

func (s *Server) createAPIKey(w http.ResponseWriter, r *http.Request) {
	var in apiKeyIn
	if err := readJSON(w, r, &in); err != nil {
		s.writeError(w, r, err)
		return
	}
	p, _ := auth.From(r.Context())
	k, err := s.auth.CreateAPIKey(r.Context(), p, in.Name)
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	writeJSON(w, http.StatusCreated, k)
}

func (s *Server) revokeAPIKey(w http.ResponseWriter, r *http.Request) {
	id, err := pathID(r)
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	p, _ := auth.From(r.Context())
	if err := s.auth.RevokeAPIKey(r.Context(), p, id); err != nil {
		s.writeError(w, r, err)
		return
	}
	w.WriteHeader(http.StatusNoContent)
}

// page reads ?limit= (1..200, default 50) and ?cursor= (an id).
func page(r *http.Request) (limit int, cursor string, err error) {
	limit, err = pageLimit(r)
	if err != nil {
		return 0, "", err
	}
	cursor = r.URL.Query().Get("cursor")
	if cursor != "" && !ids.Valid(cursor) {
		e := apierr.BadRequest("invalid_cursor", "cursor is not one this API gave out.")
		e.Fields = map[string]string{"cursor": "invalid_cursor"}
		return 0, "", e
	}
	return limit, cursor, nil
}

// pageLimit reads ?limit= (default 50, at most 200).
func pageLimit(r *http.Request) (limit int, err error) {
	limit = 50
	if v := r.URL.Query().Get("limit"); v != "" {
		n, convErr := strconv.Atoi(v)
		if convErr != nil || n < 1 || n > 200 {
			e := apierr.BadRequest("invalid_limit", "limit must be a number from 1 to 200.")
			e.Fields = map[string]string{"limit": "invalid_limit"}
			return 0, e
		}
		limit = n
	}
	return limit, nil
}

func (s *Server) auditLog(w http.ResponseWriter, r *http.Request) {
	limit, cursor, err := page(r)
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	p, _ := auth.From(r.Context())
	entries, next, err := s.audit.List(r.Context(), p.CompanyID, r.URL.Query().Get("action"), cursor, limit)
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, list[audit.Entry]{Data: entries, NextCursor: next})
}
