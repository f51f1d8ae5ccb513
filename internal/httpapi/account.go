package httpapi

import (
	"net/http"

	"github.com/masteria/masteria/internal/auth"
	"github.com/masteria/masteria/internal/companies"
)

func (s *Server) me(w http.ResponseWriter, r *http.Request) {
	p, _ := auth.From(r.Context())
	m, err := s.auth.Me(r.Context(), p)
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, m)
}

func (s *Server) updateMe(w http.ResponseWriter, r *http.Request) {
	var in auth.ProfileInput
	if err := readJSON(w, r, &in); err != nil {
		s.writeError(w, r, err)
		return
	}
	p, _ := auth.From(r.Context())
	if err := s.auth.UpdateProfile(r.Context(), p, in); err != nil {
		s.writeError(w, r, err)
		return
	}
	s.me(w, r)
}

type passwordIn struct {
	CurrentPassword string `json:"current_password"`
	NewPassword     string `json:"new_password"`
}

func (s *Server) changePassword(w http.ResponseWriter, r *http.Request) {
	var in passwordIn
	if err := readJSON(w, r, &in); err != nil {
		s.writeError(w, r, err)
		return
	}
	p, _ := auth.From(r.Context())
	if err := s.auth.ChangePassword(r.Context(), p, in.CurrentPassword, in.NewPassword); err != nil {
		s.writeError(w, r, err)
		return
	}
	w.WriteHeader(http.StatusNoContent)
}

type companyIn struct {
	Name string `json:"name"`
}

type createdCompanyOut struct {
	Company companies.Ref  `json:"company"`
	Role    companies.Role `json:"role"`
}

func (s *Server) createCompany(w http.ResponseWriter, r *http.Request) {
	var in companyIn
	if err := readJSON(w, r, &in); err != nil {
		s.writeError(w, r, err)
		return
	}
	p, _ := auth.From(r.Context())
	c, err := s.companies.Create(r.Context(), p.UserID, in.Name)
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	writeJSON(w, http.StatusCreated, createdCompanyOut{Company: companies.Ref{ID: c.ID, Name: c.Name}, Role: companies.Owner})
}

func (s *Server) company(w http.ResponseWriter, r *http.Request) {
	p, _ := auth.From(r.Context())
	c, err := s.companies.Get(r.Context(), p.CompanyID)
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, c)
}

func (s *Server) updateCompany(w http.ResponseWriter, r *http.Request) {
	var in companies.Settings
	if err := readJSON(w, r, &in); err != nil {
		s.writeError(w, r, err)
		return
	}
	p, _ := auth.From(r.Context())
	c, err := s.companies.Update(r.Context(), p.CompanyID, in)
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, c)
}
