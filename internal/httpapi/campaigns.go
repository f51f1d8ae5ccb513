package httpapi

import (
	"net/http"

	"github.com/masteria/masteria/internal/apierr"
	"github.com/masteria/masteria/internal/campaigns"
	"github.com/masteria/masteria/internal/contacts"
)

func (s *Server) listCampaigns(w http.ResponseWriter, r *http.Request) {
	items, err := s.Campaigns.List(r.Context(), company(r))
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, list[campaigns.Campaign]{Data: items})
}

func (s *Server) createCampaign(w http.ResponseWriter, r *http.Request) {
	var in campaigns.Input
	if err := readJSON(w, r, &in); err != nil {
		s.writeError(w, r, err)
		return
	}
	c, err := s.Campaigns.Create(r.Context(), company(r), in)
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	writeJSON(w, http.StatusCreated, c)
}

func (s *Server) getCampaign(w http.ResponseWriter, r *http.Request) {
	c, err := s.Campaigns.Get(r.Context(), company(r), r.PathValue("id"))
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, c)
}

func (s *Server) updateCampaign(w http.ResponseWriter, r *http.Request) {
	var in campaigns.Input
	if err := readJSON(w, r, &in); err != nil {
		s.writeError(w, r, err)
		return
	}
	c, err := s.Campaigns.Update(r.Context(), company(r), r.PathValue("id"), in)
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, c)
}

func (s *Server) deleteCampaign(w http.ResponseWriter, r *http.Request) {
	if err := s.Campaigns.Delete(r.Context(), company(r), r.PathValue("id")); err != nil {
		s.writeError(w, r, err)
		return
	}
	w.WriteHeader(http.StatusNoContent)
}

// campaignAction runs start, pause, resume, cancel or duplicate.
func (s *Server) campaignAction(action string) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		id := r.PathValue("id")
		var c campaigns.Campaign
		var err error
		status := http.StatusOK
		switch action {
		case "start":
			c, err = s.Campaigns.Start(r.Context(), company(r), id)
		case "pause":
			c, err = s.Campaigns.Pause(r.Context(), company(r), id, "")
		case "resume":
			c, err = s.Campaigns.Resume(r.Context(), company(r), id)
		case "cancel":
			c, err = s.Campaigns.Cancel(r.Context(), company(r), id)
		case "duplicate":
			c, err = s.Campaigns.Duplicate(r.Context(), company(r), id)
			status = http.StatusCreated
		}
		if err != nil {
			s.writeError(w, r, err)
			return
		}
		writeJSON(w, status, c)
	}
}

type campaignTestIn struct {
	Phone string `json:"phone"`
}

func (s *Server) testCampaign(w http.ResponseWriter, r *http.Request) {
	var in campaignTestIn
	if err := readJSON(w, r, &in); err != nil {
		s.writeError(w, r, err)
		return
	}
	source, authorID := author(r)
	q, err := s.Campaigns.Test(r.Context(), company(r), r.PathValue("id"), in.Phone, source, authorID)
	s.writeQueued(w, r, q, err)
}

func (s *Server) campaignRecipients(w http.ResponseWriter, r *http.Request) {
	limit, err := pageLimit(r)
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	q := r.URL.Query()
	items, next, err := s.Campaigns.Recipients(r.Context(), company(r), r.PathValue("id"), q.Get("status"), q.Get("cursor"), limit)
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, list[campaigns.Recipient]{Data: items, NextCursor: next})
}

func (s *Server) campaignReport(w http.ResponseWriter, r *http.Request) {
	if _, err := s.Campaigns.Get(r.Context(), company(r), r.PathValue("id")); err != nil {
		s.writeError(w, r, err)
		return
	}
	w.Header().Set("Content-Type", "text/csv; charset=utf-8")
	w.Header().Set("Content-Disposition", `attachment; filename="campanha.csv"`)
	if err := s.Campaigns.ReportCSV(r.Context(), company(r), r.PathValue("id"), w); err != nil {
		s.logger.ErrorContext(r.Context(), "campaign report interrupted", "request_id", requestID(r.Context()), "err", err)
	}
}

func (s *Server) campaignReportJSON(w http.ResponseWriter, r *http.Request) {
	rep, err := s.Campaigns.Report(r.Context(), company(r), r.PathValue("id"))
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, rep)
}

func (s *Server) countCampaignAudience(w http.ResponseWriter, r *http.Request) {
	var in campaigns.Input
	if err := readJSON(w, r, &in); err != nil {
		s.writeError(w, r, err)
		return
	}
	n, err := s.Campaigns.CountAudience(r.Context(), company(r), in)
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, n)
}

// audienceOptIn records a consent collected elsewhere for the contacts of
// an audience that have none, so that a campaign requiring opt-in reaches
// them.
func (s *Server) audienceOptIn(w http.ResponseWriter, r *http.Request) {
	var in struct {
		Audience *contacts.Audience `json:"audience"`
		contacts.ConsentInput
	}
	if err := readJSON(w, r, &in); err != nil {
		s.writeError(w, r, err)
		return
	}
	if in.Audience == nil {
		s.writeError(w, r, apierr.Field("audience", "audience_required"))
		return
	}
	n, err := s.Contacts.OptInAudience(r.Context(), company(r), *in.Audience, in.ConsentInput)
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, map[string]int{"affected": n})
}
