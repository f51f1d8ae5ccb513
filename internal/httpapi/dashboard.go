package httpapi

import (
	"net/http"

	"github.com/masteria/masteria/internal/dashboard"
)

// getDashboard answers the home page: ?from=&to= (dates in the company's
// time zone) and an optional connection_id.
func (s *Server) getDashboard(w http.ResponseWriter, r *http.Request) {
	q := r.URL.Query()
	d, err := s.Dashboard.Get(r.Context(), company(r), dashboard.Query{
		From: q.Get("from"), To: q.Get("to"), ConnectionID: q.Get("connection_id")})
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, d)
}
