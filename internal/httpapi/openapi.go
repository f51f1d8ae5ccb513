package httpapi

import (
	_ "embed"
	"net/http"
)

// openapiDoc documents every route; TestOpenAPIMatchesRoutes keeps it true.
//
//go:embed openapi.json
var openapiDoc []byte

func (s *Server) openAPI(w http.ResponseWriter, r *http.Request) {
	w.Header().Set("Content-Type", "application/json")
	_, _ = w.Write(openapiDoc)
}
