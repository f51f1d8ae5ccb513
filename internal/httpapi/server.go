// Package httpapi is Masteria's HTTP surface: the JSON API under /api/v1, the
// health and metrics endpoints, and the embedded web UI.
//
// routes.go lists every route with the role it needs; a route that is not
// listed does not exist, and the isolation test walks the same list, so a new
// route is covered the moment it is added.
//
// Decisions:
//   - Errors are the envelope {"error":{"code","message","fields"}}, written
//     only by writeError; unknown errors are logged and answered with a
//     generic 500.
//   - Another company's object is always 404, never 403, so ids cannot be
//     probed.
//   - Bodies: JSON only, 1 MiB at most, unknown fields refused.
//   - Team-sized lists (members, invitations, API keys) are returned whole;
//     lists that grow without bound (the audit log) page with ?limit=&cursor=.
//   - Rate limits: per company and per API key token buckets, in memory per
//     instance (sign-in guessing has its own limiter in auth).
//   - Access logs name the route pattern, not the raw path, because some
//     paths carry link tokens.
package httpapi

import (
	"context"
	"github.com/masteria/masteria/internal/campaigns"
	"github.com/masteria/masteria/internal/canned"
	"github.com/masteria/masteria/internal/dashboard"
	"github.com/masteria/masteria/internal/labels"
	"github.com/masteria/masteria/internal/teams"
	"io/fs"
	"log/slog"
	"net/http"
	"net/netip"
	"strings"
	"sync"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"
	"github.com/prometheus/client_golang/prometheus/promhttp"
	"golang.org/x/time/rate"

	"github.com/masteria/masteria/internal/audit"
	"github.com/masteria/masteria/internal/auth"
	"github.com/masteria/masteria/internal/companies"
	"github.com/masteria/masteria/internal/connections"
	"github.com/masteria/masteria/internal/contacts"
	"github.com/masteria/masteria/internal/conversations"
	"github.com/masteria/masteria/internal/inbound"
	"github.com/masteria/masteria/internal/media"
	"github.com/masteria/masteria/internal/outbox"
	"github.com/masteria/masteria/internal/realtime"
	"github.com/masteria/masteria/internal/store/db"
	"github.com/masteria/masteria/internal/templates"
)

// Options configure the Server.
type Options struct {
	PublicURL      string
	Version        string
	TrustedProxies []netip.Prefix // whose X-Forwarded-For is believed
	UI             fs.FS          // the built web app; nil serves no UI

	// Requests per second and burst per company and per API key.
	CompanyRate  rate.Limit
	CompanyBurst int
	KeyRate      rate.Limit
	KeyBurst     int
}

// Deps are the services behind the API.
type Deps struct {
	DB            *db.DB
	Auth          *auth.Service
	Companies     *companies.Service
	Contacts      *contacts.Service
	Connections   *connections.Service
	Conversations *conversations.Service
	Intake        *inbound.Intake
	Inbound       *inbound.Processor
	Templates     *templates.Service
	Media         *media.Service
	Adapters      *connections.Adapters
	Outbox        *outbox.Outbox
	Hub           *realtime.Hub
	Teams         *teams.Service
	Labels        *labels.Service
	Canned        *canned.Service
	Campaigns     *campaigns.Service
	Dashboard     *dashboard.Service
}

// Server holds what the handlers need.
type Server struct {
	Deps
	db        *db.DB
	auth      *auth.Service
	companies *companies.Service
	contacts  *contacts.Service
	audit     *audit.Log
	logger    *slog.Logger
	opts      Options

	registry *prometheus.Registry
	requests *prometheus.CounterVec
	duration *prometheus.HistogramVec

	limMu    sync.Mutex
	limiters map[string]*rate.Limiter

	shutdown     chan struct{} // closed by Shutdown: live feeds end
	shutdownOnce sync.Once

	mux *http.ServeMux
}

// New builds the Server and its routes.
func New(deps Deps, logger *slog.Logger, opts Options) *Server {
	if opts.CompanyRate == 0 {
		opts.CompanyRate, opts.CompanyBurst = 50, 300
	}
	if opts.KeyRate == 0 {
		opts.KeyRate, opts.KeyBurst = 20, 100
	}
	s := &Server{Deps: deps, db: deps.DB, auth: deps.Auth, companies: deps.Companies, contacts: deps.Contacts, audit: audit.NewLog(deps.DB), logger: logger, opts: opts,
		limiters: map[string]*rate.Limiter{}, mux: http.NewServeMux(), shutdown: make(chan struct{})}
	s.registry = prometheus.NewRegistry()
	s.registry.MustRegister(collectors.NewGoCollector(), collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}))
	s.requests = prometheus.NewCounterVec(prometheus.CounterOpts{
		Name: "masteria_http_requests_total", Help: "HTTP requests by route, method and status code.",
	}, []string{"route", "method", "code"})
	s.duration = prometheus.NewHistogramVec(prometheus.HistogramOpts{
		Name: "masteria_http_request_duration_seconds", Help: "HTTP request latency by route.",
		Buckets: prometheus.DefBuckets,
	}, []string{"route"})
	s.registry.MustRegister(s.requests, s.duration)

	for _, rt := range s.Routes() {
		s.mux.Handle(rt.Method+" "+rt.Path, s.guard(rt))
	}
	s.mux.HandleFunc("GET /webhooks/whatsapp_cloud/{connection_id}", s.whatsappVerify)
	s.mux.HandleFunc("POST /webhooks/whatsapp_cloud/{connection_id}", s.whatsappWebhook)
	s.mux.HandleFunc("GET /webhooks/whatsapp_cloud", s.whatsappVerifyShared)
	s.mux.HandleFunc("POST /webhooks/whatsapp_cloud", s.whatsappWebhookShared)
	s.mux.HandleFunc("/webhooks/", func(w http.ResponseWriter, r *http.Request) {
		s.writeError(w, r, notFoundRoute)
	})
	s.mux.HandleFunc("GET /healthz", s.healthz)
	s.mux.HandleFunc("GET /readyz", s.readyz)
	s.mux.Handle("GET /metrics", promhttp.HandlerFor(s.registry, promhttp.HandlerOpts{}))
	s.mux.HandleFunc("GET /api/v1/openapi.json", s.openAPI)
	s.mux.HandleFunc("/api/", func(w http.ResponseWriter, r *http.Request) {
		s.writeError(w, r, notFoundRoute)
	})
	s.mux.Handle("/", s.ui())
	return s
}

// Shutdown ends the live feeds (WebSockets), which http.Server.Shutdown
// does not wait for or close.
func (s *Server) Shutdown() { s.shutdownOnce.Do(func() { close(s.shutdown) }) }

// Registry is where other packages register their metrics.
func (s *Server) Registry() *prometheus.Registry { return s.registry }

// Handler is the whole HTTP surface with its middleware.
func (s *Server) Handler() http.Handler {
	return s.withRequestID(s.recoverPanics(s.accessLog(s.securityHeaders(s.mux))))
}

func (s *Server) healthz(w http.ResponseWriter, r *http.Request) {
	writeJSON(w, http.StatusOK, map[string]string{"status": "ok"})
}

func (s *Server) readyz(w http.ResponseWriter, r *http.Request) {
	ctx, cancel := context.WithTimeout(r.Context(), 2*time.Second)
	defer cancel()
	if err := s.db.Ping(ctx); err != nil {
		s.logger.WarnContext(ctx, "not ready: database", "err", err)
		writeJSON(w, http.StatusServiceUnavailable, map[string]string{"status": "database unreachable"})
		return
	}
	n, err := s.db.Pending(ctx)
	if err != nil || n > 0 {
		writeJSON(w, http.StatusServiceUnavailable, map[string]string{"status": "migrations pending"})
		return
	}
	writeJSON(w, http.StatusOK, map[string]string{"status": "ready"})
}

// limiter returns the token bucket for key, creating it.
func (s *Server) limiter(key string, r rate.Limit, burst int) *rate.Limiter {
	s.limMu.Lock()
	defer s.limMu.Unlock()
	l, ok := s.limiters[key]
	if !ok {
		l = rate.NewLimiter(r, burst)
		s.limiters[key] = l
	}
	return l
}

func isUnsafe(method string) bool {
	switch method {
	case http.MethodGet, http.MethodHead, http.MethodOptions:
		return false
	}
	return true
}

// clientIP is the address limits and audit entries name. X-Forwarded-For is
// believed only from the proxies the operator lists (MASTERIA_TRUSTED_PROXIES):
// from anyone else it is whatever the client wants it to be. Walking it from
// the right, the first address that is not a trusted proxy is the client.
func (s *Server) clientIP(r *http.Request) string {
	peer, err := netip.ParseAddrPort(r.RemoteAddr)
	if err != nil {
		return r.RemoteAddr
	}
	addr := peer.Addr().Unmap()
	if !s.trusted(addr) {
		return addr.String()
	}
	hops := strings.Split(strings.Join(r.Header.Values("X-Forwarded-For"), ","), ",")
	for i := len(hops) - 1; i >= 0; i-- {
		hop, err := netip.ParseAddr(strings.TrimSpace(hops[i]))
		if err != nil {
			break
		}
		addr = hop.Unmap()
		if !s.trusted(addr) {
			break
		}
	}
	return addr.String()
}

func (s *Server) trusted(a netip.Addr) bool {
	for _, p := range s.opts.TrustedProxies {
		if p.Contains(a) {
			return true
		}
	}
	return false
}
