package httpapi

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"fmt"
	"mime"
	"net/http"
	"net/url"
	"runtime/debug"
	"strconv"
	"strings"
	"time"

	"github.com/masteria/masteria/internal/apierr"
	"github.com/masteria/masteria/internal/audit"
	"github.com/masteria/masteria/internal/auth"
)

type requestIDKey struct{}

func requestID(ctx context.Context) string {
	id, _ := ctx.Value(requestIDKey{}).(string)
	return id
}

// withRequestID keeps a sane incoming X-Request-Id or makes one.
func (s *Server) withRequestID(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		id := r.Header.Get("X-Request-Id")
		if len(id) == 0 || len(id) > 64 || strings.ContainsFunc(id, func(c rune) bool { return c < '!' || c > '~' }) {
			b := make([]byte, 8)
			_, _ = rand.Read(b)
			id = hex.EncodeToString(b)
		}
		w.Header().Set("X-Request-Id", id)
		next.ServeHTTP(w, r.WithContext(context.WithValue(r.Context(), requestIDKey{}, id)))
	})
}

func (s *Server) recoverPanics(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		defer func() {
			if v := recover(); v != nil {
				if v == http.ErrAbortHandler {
					panic(v)
				}
				s.writeError(w, r, fmt.Errorf("panic: %v\n%s", v, debug.Stack()))
			}
		}()
		next.ServeHTTP(w, r)
	})
}

type statusWriter struct {
	http.ResponseWriter
	status int
	bytes  int
}

func (w *statusWriter) WriteHeader(code int) {
	if w.status == 0 {
		w.status = code
	}
	w.ResponseWriter.WriteHeader(code)
}

func (w *statusWriter) Write(b []byte) (int, error) {
	if w.status == 0 {
		w.status = http.StatusOK
	}
	n, err := w.ResponseWriter.Write(b)
	w.bytes += n
	return n, err
}

func (w *statusWriter) Unwrap() http.ResponseWriter { return w.ResponseWriter }

// accessLog logs every request and counts it for /metrics.
func (s *Server) accessLog(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		start := time.Now()
		sw := &statusWriter{ResponseWriter: w}
		next.ServeHTTP(sw, r)
		if sw.status == 0 {
			sw.status = http.StatusOK
		}
		route := r.Pattern
		if route == "" || route == "/" {
			route = "ui"
		}
		elapsed := time.Since(start)
		s.requests.WithLabelValues(route, r.Method, strconv.Itoa(sw.status)).Inc()
		s.duration.WithLabelValues(route).Observe(elapsed.Seconds())
		attrs := []any{"request_id", requestID(r.Context()), "method", r.Method, "route", route,
			"status", sw.status, "bytes", sw.bytes, "duration_ms", elapsed.Milliseconds(), "ip", s.clientIP(r)}
		if p, ok := auth.From(r.Context()); ok {
			attrs = append(attrs, "company_id", p.CompanyID)
		}
		s.logger.InfoContext(r.Context(), "http", attrs...)
	})
}

const csp = "default-src 'self'; script-src 'self'; style-src 'self' 'unsafe-inline'; img-src 'self' data: blob:; " +
	"font-src 'self' data:; connect-src 'self'; object-src 'none'; base-uri 'self'; form-action 'self'; frame-ancestors 'none'"

func (s *Server) securityHeaders(next http.Handler) http.Handler {
	hsts := strings.HasPrefix(s.opts.PublicURL, "https://")
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		h := w.Header()
		h.Set("Content-Security-Policy", csp)
		h.Set("X-Content-Type-Options", "nosniff")
		h.Set("X-Frame-Options", "DENY")
		h.Set("Referrer-Policy", "same-origin")
		h.Set("Permissions-Policy", "camera=(), microphone=(), geolocation=()")
		h.Set("Cross-Origin-Opener-Policy", "same-origin")
		if hsts || r.TLS != nil {
			h.Set("Strict-Transport-Security", "max-age=63072000; includeSubDomains")
		}
		next.ServeHTTP(w, r)
	})
}

// guard authenticates, applies CSRF rules, checks the role and the rate
// limits, then calls the route's handler.
func (s *Server) guard(rt Route) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		ctx := audit.WithIP(r.Context(), s.clientIP(r))
		r = r.WithContext(ctx)
		if rt.Access == Public {
			if isUnsafe(r.Method) && !s.sameOrigin(r) {
				s.writeError(w, r, apierr.Forbidden("Cross-site requests are not accepted."))
				return
			}
			rt.handle(w, r)
			return
		}
		p, err := s.authenticate(r)
		if err != nil {
			s.writeError(w, r, err)
			return
		}
		if p.Cookie && isUnsafe(r.Method) {
			if err := s.checkCSRF(r, p, rt.Multipart()); err != nil {
				s.writeError(w, r, err)
				return
			}
		}
		if rt.UserOnly && p.APIKeyID != "" {
			s.writeError(w, r, apierr.Forbidden("This needs a person signed in; API keys cannot do it."))
			return
		}
		if !p.Role.AtLeast(rt.Access.role()) {
			s.writeError(w, r, apierr.Forbidden("Your role does not allow this. Ask an admin of your company."))
			return
		}
		if !s.limiter("co:"+p.CompanyID, s.opts.CompanyRate, s.opts.CompanyBurst).Allow() ||
			(p.APIKeyID != "" && !s.limiter("key:"+p.APIKeyID, s.opts.KeyRate, s.opts.KeyBurst).Allow()) {
			w.Header().Set("Retry-After", "1")
			s.writeError(w, r, apierr.New(http.StatusTooManyRequests, "rate_limited", "Too many requests; slow down."))
			return
		}
		ctx = auth.WithPrincipal(ctx, p)
		ctx = audit.WithActor(ctx, p.Actor(), s.clientIP(r))
		rt.handle(w, r.WithContext(ctx))
	})
}

// Cookie names; see package auth for why plain HTTP gets unprefixed ones.
const (
	cookieSecure = "__Host-masteria_session"
	cookiePlain  = "masteria_session"
	cookieCSRF   = "masteria_csrf"
)

func (s *Server) authenticate(r *http.Request) (auth.Principal, error) {
	if h := r.Header.Get("Authorization"); h != "" {
		scheme, token, ok := strings.Cut(h, " ")
		if !ok || !strings.EqualFold(scheme, "Bearer") || token == "" {
			return auth.Principal{}, apierr.Unauthorized()
		}
		return s.auth.AuthenticateBearer(r.Context(), strings.TrimSpace(token), s.clientIP(r))
	}
	// Only the cookie of the configured mode: behind https a plain-named
	// cookie could have been planted by a sibling domain or over http.
	if c, err := r.Cookie(s.sessionCookieName()); err == nil && c.Value != "" {
		return s.auth.AuthenticateCookie(r.Context(), c.Value)
	}
	return auth.Principal{}, apierr.Unauthorized()
}

// checkCSRF: the X-CSRF-Token of the session, JSON bodies only, and an
// Origin of this server.
func (s *Server) checkCSRF(r *http.Request, p auth.Principal, multipart bool) error {
	forbidden := apierr.New(http.StatusForbidden, "csrf_failed", "The request did not come from Masteria's own pages. Reload the page and try again.")
	if !s.sameOrigin(r) || r.Header.Get("Origin") == "" && r.Header.Get("Sec-Fetch-Site") != "same-origin" {
		return forbidden
	}
	if ct := r.Header.Get("Content-Type"); ct != "" {
		mt, _, err := mime.ParseMediaType(ct)
		if err != nil || (mt != "application/json" && !(multipart && mt == "multipart/form-data")) {
			return forbidden
		}
	}
	if !s.auth.CheckCSRF(p.SessionID, r.Header.Get("X-CSRF-Token")) {
		return forbidden
	}
	return nil
}

// sameOrigin refuses requests a browser marks as coming from another site.
// Requests without Origin (curl, API clients) pass; cookie writes are held
// to more in checkCSRF.
func (s *Server) sameOrigin(r *http.Request) bool {
	if r.Header.Get("Sec-Fetch-Site") == "cross-site" {
		return false
	}
	origin := r.Header.Get("Origin")
	if origin == "" {
		return true
	}
	if origin == "null" {
		return false
	}
	u, err := url.Parse(origin)
	if err != nil {
		return false
	}
	if pu, err := url.Parse(s.opts.PublicURL); err == nil && strings.EqualFold(u.Host, pu.Host) && u.Scheme == pu.Scheme {
		return true
	}
	return strings.EqualFold(u.Host, r.Host)
}

func (s *Server) sessionCookieName() string {
	if strings.HasPrefix(s.opts.PublicURL, "https://") {
		return cookieSecure
	}
	return cookiePlain
}

func (s *Server) setSessionCookies(w http.ResponseWriter, g auth.Grant) {
	secure := strings.HasPrefix(s.opts.PublicURL, "https://")
	name := s.sessionCookieName()
	maxAge := int(auth.SessionTTL / time.Second)
	if g.SessionToken != "" {
		http.SetCookie(w, &http.Cookie{Name: name, Value: g.SessionToken, Path: "/", MaxAge: maxAge,
			HttpOnly: true, Secure: secure, SameSite: http.SameSiteLaxMode})
	}
	http.SetCookie(w, &http.Cookie{Name: cookieCSRF, Value: g.CSRF, Path: "/", MaxAge: maxAge,
		Secure: secure, SameSite: http.SameSiteStrictMode})
}

func (s *Server) clearSessionCookies(w http.ResponseWriter) {
	secure := strings.HasPrefix(s.opts.PublicURL, "https://")
	for _, name := range []string{cookieSecure, cookiePlain, cookieCSRF} {
		if name == cookieSecure && !secure {
			continue
		}
		http.SetCookie(w, &http.Cookie{Name: name, Value: "", Path: "/", MaxAge: -1, HttpOnly: name != cookieCSRF,
			Secure: secure || name == cookieSecure, SameSite: http.SameSiteLaxMode})
	}
}

func (s *Server) meta(r *http.Request) auth.ClientMeta {
	return auth.ClientMeta{IP: s.clientIP(r), UserAgent: r.UserAgent()}
}
