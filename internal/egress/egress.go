// Package egress is the one HTTP client for URLs that tenants supply: media
// links, outgoing webhooks, HTTP SMS gateways, OpenAI-compatible base URLs
// and knowledge-base imports. Such a URL is attacker-controlled input aimed
// from inside our network, so every request and every redirect hop is
// checked before a byte leaves.
//
// Decisions:
//
//   - Only http and https. Anything else (file, ftp, gopher, data...) is
//     ErrScheme.
//   - The address check happens where the connection is made: the dialer
//     resolves the name once, refuses the whole name if any of its addresses
//     is forbidden, then dials the checked IP literal, and a net.Dialer
//     Control function checks the socket's actual address again. Because the
//     name is never resolved a second time, DNS rebinding has no window, and
//     redirects are covered because each hop dials through the same path.
//   - Forbidden: loopback, private (RFC 1918, CGNAT 100.64/10, ULA fc00::/7),
//     link-local (169.254/16 with the 169.254.169.254 metadata service,
//     fe80::/10), unspecified, multicast, broadcast and the other IANA
//     special-purpose ranges; IPv4-mapped, NAT64 (64:ff9b::/96) and 6to4
//     addresses are judged by the IPv4 address they embed.
//   - Forbidden by name, before DNS: localhost and *.localhost, cloud
//     metadata names (metadata.google.internal...), *.internal, *.local,
//     *.home.arpa, and any host whose last label is numeric (2130706433,
//     0177.0.0.1, 0x7f.1, 127.1): inet_aton reads those as IP addresses
//     while Go's parser does not, and no real name ends in a number.
//   - URLs with userinfo (https://user:pass@host/) are refused (ErrUserinfo):
//     credentials in URLs end up in logs and in stored rows in clear text,
//     and "https://bank.com@evil.example/" misleads whoever reads it.
//     Callers that need credentials send them as headers from encrypted
//     secrets.
//   - Any port is allowed: tenants run webhooks on odd ports, and with every
//     internal address refused a port cannot reach anything of ours.
//   - No proxy, whatever HTTP_PROXY says: a proxy would dial on our behalf
//     and skip the address check.
//   - Redirects: at most Options.MaxRedirects (default 5), each hop checked
//     like the first request.
//   - Limits: an overall Timeout (default 30s) plus dial (10s), TLS
//     handshake (10s) and response header (30s) timeouts, each capped by
//     Timeout; response bodies longer than MaxBodyBytes (default 10 MiB)
//     fail with ErrTooLarge instead of being cut silently.
//   - AllowLoopback lets tests and operator-trusted configuration reach
//     127.0.0.0/8, ::1 and localhost. It is never the default and allows
//     nothing else: private networks stay forbidden.
package egress

import (
	"context"
	"crypto/tls"
	"errors"
	"fmt"
	"net"
	"net/http"
	"net/netip"
	"net/url"
	"strconv"
	"syscall"
	"time"
)

// Errors callers match with errors.Is to tell the user what went wrong.
var (
	// ErrForbiddenAddress: the URL leads to an address tenants may not
	// reach (loopback, private network, cloud metadata...).
	ErrForbiddenAddress = errors.New("egress: address not allowed")
	// ErrScheme: the URL is not http or https.
	ErrScheme = errors.New("egress: only http and https URLs are allowed")
	// ErrUserinfo: the URL carries a user name or password.
	ErrUserinfo = errors.New("egress: URLs with user name or password are not allowed")
	// ErrInvalidURL: the URL cannot be parsed or has no host.
	ErrInvalidURL = errors.New("egress: invalid URL")
	// ErrTooLarge: the response body is longer than Options.MaxBodyBytes.
	ErrTooLarge = errors.New("egress: response body too large")
	// ErrTooManyRedirects: more redirects than Options.MaxRedirects.
	ErrTooManyRedirects = errors.New("egress: too many redirects")
)

// Defaults used for zero Options fields.
const (
	DefaultTimeout      = 30 * time.Second
	DefaultMaxBodyBytes = 10 << 20
	DefaultMaxRedirects = 5

	dialTimeout           = 10 * time.Second
	tlsHandshakeTimeout   = 10 * time.Second
	responseHeaderTimeout = 30 * time.Second
)

// Options configures a Client. The zero value is the safe configuration.
type Options struct {
	// Timeout bounds a whole request, redirects and body reading included.
	Timeout time.Duration
	// MaxBodyBytes bounds every response body.
	MaxBodyBytes int64
	// MaxRedirects is how many redirects are followed; zero means
	// DefaultMaxRedirects and a negative value means none: the 3xx response
	// itself is returned.
	MaxRedirects int
	// AllowLoopback lets requests reach loopback addresses and localhost.
	// Only for tests and URLs set by the operator, never for tenant input.
	AllowLoopback bool
	// Resolver resolves host names; nil means net.DefaultResolver.
	Resolver *net.Resolver
}

// Client sends requests to tenant-supplied URLs. It is safe for concurrent
// use; build one per configuration and reuse it so connections are pooled.
type Client struct {
	opts Options
	http *http.Client
	// allowAddr lets tests mark one exact address as allowed while the rest
	// of loopback stays forbidden; it cannot be set from outside the package.
	allowAddr func(netip.AddrPort) bool
}

// New returns a Client with opts, zero fields replaced by defaults.
func New(opts Options) *Client {
	return newClient(opts, nil)
}

func newClient(opts Options, allowAddr func(netip.AddrPort) bool) *Client {
	if opts.Timeout <= 0 {
		opts.Timeout = DefaultTimeout
	}
	if opts.MaxBodyBytes <= 0 {
		opts.MaxBodyBytes = DefaultMaxBodyBytes
	}
	if opts.MaxRedirects == 0 {
		opts.MaxRedirects = DefaultMaxRedirects
	}
	if opts.Resolver == nil {
		opts.Resolver = net.DefaultResolver
	}
	c := &Client{opts: opts, allowAddr: allowAddr}
	tr := &http.Transport{
		Proxy:                 nil,
		DialContext:           c.dial,
		ForceAttemptHTTP2:     true, // a custom DialContext turns HTTP/2 off otherwise
		TLSClientConfig:       &tls.Config{MinVersion: tls.VersionTLS12},
		TLSHandshakeTimeout:   min(tlsHandshakeTimeout, opts.Timeout),
		ResponseHeaderTimeout: min(responseHeaderTimeout, opts.Timeout),
		ExpectContinueTimeout: time.Second,
		MaxIdleConns:          100,
		MaxIdleConnsPerHost:   4,
		IdleConnTimeout:       90 * time.Second,
	}
	c.http = &http.Client{
		Transport:     &guard{c: c, next: tr},
		CheckRedirect: c.checkRedirect,
		Timeout:       opts.Timeout,
	}
	return c
}

// Do sends req with every guard applied. The response body fails with
// ErrTooLarge past Options.MaxBodyBytes. Errors name the URL without its
// query string, where tenants keep webhook tokens, so they are safe to log.
func (c *Client) Do(req *http.Request) (*http.Response, error) {
	resp, err := c.http.Do(req)
	var ue *url.Error
	if errors.As(err, &ue) {
		if u, perr := url.Parse(ue.URL); perr == nil {
			ue.URL = redact(u)
		} else {
			ue.URL = "(unparsable URL)"
		}
	}
	return resp, err
}

// HTTPClient returns an *http.Client with the same guards, for SDKs that
// take one (openai-go's option.WithHTTPClient). Do not change its Transport
// or CheckRedirect: they carry the guards.
func (c *Client) HTTPClient() *http.Client {
	return c.http
}

func (c *Client) checkRedirect(req *http.Request, via []*http.Request) error {
	if c.opts.MaxRedirects < 0 {
		return http.ErrUseLastResponse
	}
	if len(via) > c.opts.MaxRedirects {
		return fmt.Errorf("%w: stopped after %d", ErrTooManyRedirects, c.opts.MaxRedirects)
	}
	// The next hop goes through guard.RoundTrip and dial, which check it.
	return nil
}

// guard checks each request URL (first request and every redirect hop) and
// limits each response body. It sits in the Transport rather than in Do so
// that HTTPClient users get it too.
type guard struct {
	c    *Client
	next http.RoundTripper
}

func (g *guard) RoundTrip(req *http.Request) (*http.Response, error) {
	if err := g.c.checkURL(req.URL); err != nil {
		if req.Body != nil {
			req.Body.Close() // RoundTrip must close the body, even on error
		}
		return nil, err
	}
	resp, err := g.next.RoundTrip(req)
	if err != nil {
		return nil, err
	}
	limit := g.c.opts.MaxBodyBytes
	if req.Method != http.MethodHead && resp.ContentLength > limit {
		resp.Body.Close()
		return nil, fmt.Errorf("%w: %s announces %d bytes, limit is %d",
			ErrTooLarge, redact(req.URL), resp.ContentLength, limit)
	}
	resp.Body = &limitedBody{rc: resp.Body, left: limit, max: limit}
	return resp, nil
}

// dial resolves addr once, refuses it if any address is forbidden, and dials
// the checked IP so that no second lookup can answer differently.
func (c *Client) dial(ctx context.Context, network, addr string) (net.Conn, error) {
	host, portStr, err := net.SplitHostPort(addr)
	if err != nil {
		return nil, fmt.Errorf("%w: %q: %w", ErrInvalidURL, addr, err)
	}
	port, err := strconv.ParseUint(portStr, 10, 16)
	if err != nil {
		return nil, fmt.Errorf("%w: port %q", ErrInvalidURL, portStr)
	}

	var ips []netip.Addr
	if ip, err := netip.ParseAddr(host); err == nil {
		ips = []netip.Addr{ip}
	} else {
		if err := checkHost(host, c.opts.AllowLoopback); err != nil {
			return nil, err
		}
		ips, err = c.opts.Resolver.LookupNetIP(ctx, "ip", host)
		if err != nil {
			return nil, fmt.Errorf("egress: resolve %s: %w", host, err)
		}
	}
	// One forbidden answer condemns the name: a host that mixes public and
	// internal addresses is probing us, and skipping the bad ones would make
	// behaviour depend on answer order.
	for _, ip := range ips {
		if err := c.checkAddr(netip.AddrPortFrom(ip, uint16(port))); err != nil {
			return nil, fmt.Errorf("%s resolves to a forbidden address: %w", host, err)
		}
	}

	d := &net.Dialer{
		Timeout: min(dialTimeout, c.opts.Timeout),
		Control: c.control,
	}
	var firstErr error
	for _, ip := range ips {
		conn, err := d.DialContext(ctx, network, netip.AddrPortFrom(ip, uint16(port)).String())
		if err == nil {
			return conn, nil
		}
		if firstErr == nil {
			firstErr = err
		}
	}
	if firstErr == nil {
		firstErr = fmt.Errorf("egress: %s has no addresses", host)
	}
	return nil, firstErr
}

// control runs on the socket about to connect: the last word on the address
// actually dialled, whatever happened before.
func (c *Client) control(network, address string, _ syscall.RawConn) error {
	ap, err := netip.ParseAddrPort(address)
	if err != nil {
		return fmt.Errorf("%w: cannot check %q: %w", ErrForbiddenAddress, address, err)
	}
	return c.checkAddr(ap)
}

func (c *Client) checkAddr(ap netip.AddrPort) error {
	if c.allowAddr != nil && c.allowAddr(ap) {
		return nil
	}
	if why := forbiddenIP(ap.Addr(), c.opts.AllowLoopback); why != "" {
		return fmt.Errorf("%w: %s is a %s", ErrForbiddenAddress, ap.Addr(), why)
	}
	return nil
}

// CheckURL validates a URL when a tenant saves it, so a form can say what is
// wrong at once. It does not resolve the name: the address is checked again
// on every request, where it counts.
func CheckURL(raw string) error {
	u, err := url.Parse(raw)
	if err != nil {
		return fmt.Errorf("%w: %w", ErrInvalidURL, err)
	}
	return (&Client{}).checkURL(u)
}

// checkURL is the check made on every request and redirect hop before any
// connection; CheckURL runs it with the strictest settings.
func (c *Client) checkURL(u *url.URL) error {
	if u.Scheme != "http" && u.Scheme != "https" {
		return fmt.Errorf("%w: got %q", ErrScheme, u.Scheme)
	}
	if u.User != nil {
		return fmt.Errorf("%w: %s", ErrUserinfo, redact(u))
	}
	if u.Opaque != "" || u.Host == "" || u.Hostname() == "" {
		return fmt.Errorf("%w: %s has no host", ErrInvalidURL, redact(u))
	}
	port := uint16(80)
	if u.Scheme == "https" {
		port = 443
	}
	if p := u.Port(); p != "" {
		n, err := strconv.Atoi(p)
		if err != nil || n < 1 || n > 65535 {
			return fmt.Errorf("%w: port %q out of range", ErrInvalidURL, p)
		}
		port = uint16(n)
	}
	if ip, err := netip.ParseAddr(u.Hostname()); err == nil {
		return c.checkAddr(netip.AddrPortFrom(ip, port))
	}
	return checkHost(u.Hostname(), c.opts.AllowLoopback)
}

// redact prints a URL without userinfo, query or fragment: tenants put
// tokens in webhook query strings, and errors end up in logs.
func redact(u *url.URL) string {
	return (&url.URL{Scheme: u.Scheme, Host: u.Host, Path: u.Path}).String()
}
