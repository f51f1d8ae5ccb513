package httpapi

import (
	"bytes"
	"errors"
	"io/fs"
	"net/http"
	"path"
	"strings"
	"time"
)

// notBuilt is served when the binary was built before the web UI.
const notBuilt = `<!doctype html><html lang="en"><head><meta charset="utf-8"><link rel="icon" href="data:,">
<title>Masteria</title></head><body><h1>Masteria</h1>
<p>The web interface was not built into this binary. Run <code>make run</code>, which builds it first.</p>
<p>The API is up: see <a href="/api/v1/openapi.json">/api/v1/openapi.json</a>.</p></body></html>`

// ui serves the single-page app: real files as they are (hashed assets
// cached for a year), and index.html for every other path so that the
// browser's router can handle it.
func (s *Server) ui() http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Method != http.MethodGet && r.Method != http.MethodHead {
			s.writeError(w, r, notFoundRoute)
			return
		}
		if strings.HasPrefix(r.URL.Path, "/webhooks/") {
			s.writeError(w, r, notFoundRoute)
			return
		}
		if s.opts.UI == nil {
			w.Header().Set("Content-Type", "text/html; charset=utf-8")
			_, _ = w.Write([]byte(notBuilt))
			return
		}
		name := strings.TrimPrefix(path.Clean(r.URL.Path), "/")
		if name != "" && name != "index.html" {
			if data, err := fs.ReadFile(s.opts.UI, name); err == nil {
				if strings.HasPrefix(name, "assets/") {
					w.Header().Set("Cache-Control", "public, max-age=31536000, immutable")
				}
				http.ServeContent(w, r, name, time.Time{}, bytes.NewReader(data))
				return
			} else if !errors.Is(err, fs.ErrNotExist) {
				s.writeError(w, r, err)
				return
			}
			// A missing asset is a real 404; anything else is an app route.
			if strings.HasPrefix(name, "assets/") || path.Ext(name) != "" {
				http.NotFound(w, r)
				return
			}
		}
		index, err := fs.ReadFile(s.opts.UI, "index.html")
		if err != nil {
			w.Header().Set("Content-Type", "text/html; charset=utf-8")
			_, _ = w.Write([]byte(notBuilt))
			return
		}
		w.Header().Set("Cache-Control", "no-cache")
		w.Header().Set("Content-Type", "text/html; charset=utf-8")
		_, _ = w.Write(index)
	})
}
