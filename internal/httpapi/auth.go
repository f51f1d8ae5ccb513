package httpapi

import (
	"net/http"

	"github.com/masteria/masteria/internal/auth"
	"github.com/masteria/masteria/internal/companies"
)

type configOut struct {
	SMTPEnabled   bool   `json:"smtp_enabled"`
	SignupEnabled bool   `json:"signup_enabled"`
	Version       string `json:"version"`
}

func (s *Server) config(w http.ResponseWriter, r *http.Request) {
	writeJSON(w, http.StatusOK, configOut{SMTPEnabled: s.auth.SMTPEnabled(), SignupEnabled: s.auth.SignupEnabled(), Version: s.opts.Version})
}

type userOut struct {
	ID    string `json:"id"`
	Name  string `json:"name"`
	Email string `json:"email"`
}

func userOf(g auth.Grant) userOut {
	return userOut{ID: g.User.ID, Name: g.User.Name, Email: g.User.Email}
}

type signupOut struct {
	Token   string        `json:"token"`
	User    userOut       `json:"user"`
	Company companies.Ref `json:"company"`
}

func (s *Server) signup(w http.ResponseWriter, r *http.Request) {
	var in auth.SignupInput
	if err := readJSON(w, r, &in); err != nil {
		s.writeError(w, r, err)
		return
	}
	g, err := s.auth.Signup(r.Context(), in, s.meta(r))
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	s.setSessionCookies(w, g)
	writeJSON(w, http.StatusCreated, signupOut{Token: g.Token, User: userOf(g), Company: g.Company})
}

type loginIn struct {
	Email    string `json:"email"`
	Password string `json:"password"`
}

type loginOut struct {
	Token     string                 `json:"token"`
	User      userOut                `json:"user"`
	Companies []companies.Membership `json:"companies"`
}

func (s *Server) login(w http.ResponseWriter, r *http.Request) {
	var in loginIn
	if err := readJSON(w, r, &in); err != nil {
		s.writeError(w, r, err)
		return
	}
	g, members, err := s.auth.Login(r.Context(), in.Email, in.Password, s.meta(r))
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	s.setSessionCookies(w, g)
	writeJSON(w, http.StatusOK, loginOut{Token: g.Token, User: userOf(g), Companies: members})
}

func (s *Server) logout(w http.ResponseWriter, r *http.Request) {
	p, _ := auth.From(r.Context())
	if err := s.auth.Logout(r.Context(), p); err != nil {
		s.writeError(w, r, err)
		return
	}
	s.clearSessionCookies(w)
	w.WriteHeader(http.StatusNoContent)
}

type switchIn struct {
	CompanyID string `json:"company_id"`
}

type switchOut struct {
	Token   string         `json:"token"`
	Company companies.Ref  `json:"company"`
	Role    companies.Role `json:"role"`
}

func (s *Server) switchCompany(w http.ResponseWriter, r *http.Request) {
	var in switchIn
	if err := readJSON(w, r, &in); err != nil {
		s.writeError(w, r, err)
		return
	}
	p, _ := auth.From(r.Context())
	g, err := s.auth.Switch(r.Context(), p, in.CompanyID)
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, switchOut{Token: g.Token, Company: g.Company, Role: g.Role})
}

type emailIn struct {
	Email string `json:"email"`
}

func (s *Server) forgotPassword(w http.ResponseWriter, r *http.Request) {
	var in emailIn
	if err := readJSON(w, r, &in); err != nil {
		s.writeError(w, r, err)
		return
	}
	if err := s.auth.ForgotPassword(r.Context(), in.Email, s.clientIP(r)); err != nil {
		s.writeError(w, r, err)
		return
	}
	writeJSON(w, http.StatusAccepted, struct{}{})
}

type resetIn struct {
	Token    string `json:"token"`
	Password string `json:"password"`
}

func (s *Server) resetPassword(w http.ResponseWriter, r *http.Request) {
	var in resetIn
	if err := readJSON(w, r, &in); err != nil {
		s.writeError(w, r, err)
		return
	}
	if err := s.auth.ResetPassword(r.Context(), in.Token, in.Password); err != nil {
		s.writeError(w, r, err)
		return
	}
	w.WriteHeader(http.StatusNoContent)
}

type tokenIn struct {
	Token string `json:"token"`
}

func (s *Server) verifyEmail(w http.ResponseWriter, r *http.Request) {
	var in tokenIn
	if err := readJSON(w, r, &in); err != nil {
		s.writeError(w, r, err)
		return
	}
	if err := s.auth.VerifyEmail(r.Context(), in.Token); err != nil {
		s.writeError(w, r, err)
		return
	}
	w.WriteHeader(http.StatusNoContent)
}

func (s *Server) resendVerification(w http.ResponseWriter, r *http.Request) {
	p, _ := auth.From(r.Context())
	if err := s.auth.ResendVerification(r.Context(), p); err != nil {
		s.writeError(w, r, err)
		return
	}
	writeJSON(w, http.StatusAccepted, struct{}{})
}

func (s *Server) invitationByToken(w http.ResponseWriter, r *http.Request) {
	info, err := s.auth.InvitationByToken(r.Context(), r.PathValue("token"))
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, info)
}

type acceptOut struct {
	Token   string         `json:"token"`
	User    userOut        `json:"user"`
	Company companies.Ref  `json:"company"`
	Role    companies.Role `json:"role"`
}

func (s *Server) acceptInvitation(w http.ResponseWriter, r *http.Request) {
	var in auth.AcceptInput
	if err := readJSON(w, r, &in); err != nil {
		s.writeError(w, r, err)
		return
	}
	g, err := s.auth.AcceptInvitation(r.Context(), r.PathValue("token"), in, s.meta(r))
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	s.setSessionCookies(w, g)
	writeJSON(w, http.StatusOK, acceptOut{Token: g.Token, User: userOf(g), Company: g.Company, Role: g.Role})
}
