package egress_test

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"net/netip"
	"net/url"
	"strconv"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/masteria/masteria/internal/egress"
)

// server is a loopback test server that counts the requests it receives.
type server struct {
	*httptest.Server
	hits atomic.Int64
	port string
	ap   netip.AddrPort
}

func newServer(t *testing.T, h http.HandlerFunc) *server {
	t.Helper()
	s := &server{}
	s.Server = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		s.hits.Add(1)
		if h != nil {
			h(w, r)
		}
	}))
	t.Cleanup(s.Close)
	s.ap = netip.MustParseAddrPort(s.Listener.Addr().String())
	s.port = strconv.Itoa(int(s.ap.Port()))
	return s
}

// canary must never be reached by a guarded client; every test that aims at
// it checks its counter stayed at zero.
func newCanary(t *testing.T) *server {
	t.Helper()
	c := newServer(t, func(w http.ResponseWriter, r *http.Request) {
		t.Errorf("canary reached: %s %s (Host %s)", r.Method, r.URL, r.Host)
	})
	t.Cleanup(func() {
		if n := c.hits.Load(); n != 0 {
			t.Errorf("canary received %d requests, want 0", n)
		}
	})
	return c
}

func get(t *testing.T, c *egress.Client, rawURL string) (*http.Response, error) {
	t.Helper()
	req, err := http.NewRequestWithContext(context.Background(), http.MethodGet, rawURL, nil)
	if err != nil {
		return nil, err
	}
	resp, err := c.Do(req)
	if err == nil {
		t.Cleanup(func() { resp.Body.Close() })
	}
	return resp, err
}

// forbiddenForms are ways to write the canary's address; all must be
// refused, with want or, where want is nil, with any error.
func forbiddenForms(port string) []struct {
	name, url string
	want      error
} {
	return []struct {
		name, url string
		want      error
	}{
		{"loopback literal", "http://127.0.0.1:" + port + "/", egress.ErrForbiddenAddress},
		{"other loopback", "http://127.0.0.2:" + port + "/", egress.ErrForbiddenAddress},
		{"localhost", "http://localhost:" + port + "/", egress.ErrForbiddenAddress},
		{"localhost upper case, final dot", "http://LOCALHOST.:" + port + "/", egress.ErrForbiddenAddress},
		{"localhost in circled letters (IDNA maps it)", "http://\u24db\u24de\u24d2\u24d0\u24db\u24d7\u24de\u24e2\u24e3:" + port + "/", egress.ErrForbiddenAddress},
		{"percent-encoded host (Go refuses to parse it)", "http://%31%32%37.0.0.1:" + port + "/", nil},
		{"sub.localhost", "http://a.localhost:" + port + "/", egress.ErrForbiddenAddress},
		{"IPv6 loopback", "http://[::1]:" + port + "/", egress.ErrForbiddenAddress},
		{"IPv4-mapped loopback", "http://[::ffff:127.0.0.1]:" + port + "/", egress.ErrForbiddenAddress},
		{"IPv4-mapped loopback hex", "http://[::ffff:7f00:1]:" + port + "/", egress.ErrForbiddenAddress},
		{"IPv4-compatible loopback", "http://[::127.0.0.1]:" + port + "/", egress.ErrForbiddenAddress},
		{"NAT64 of loopback", "http://[64:ff9b::7f00:1]:" + port + "/", egress.ErrForbiddenAddress},
		{"unspecified reaches local host on Linux", "http://0.0.0.0:" + port + "/", egress.ErrForbiddenAddress},
		{"decimal", "http://2130706433:" + port + "/", egress.ErrForbiddenAddress},
		{"octal", "http://0177.0.0.1:" + port + "/", egress.ErrForbiddenAddress},
		{"octal single number", "http://017700000001:" + port + "/", egress.ErrForbiddenAddress},
		{"hex short", "http://0x7f.1:" + port + "/", egress.ErrForbiddenAddress},
		{"hex single number", "http://0x7f000001:" + port + "/", egress.ErrForbiddenAddress},
		{"short dotted", "http://127.1:" + port + "/", egress.ErrForbiddenAddress},
		{"zero", "http://0:" + port + "/", egress.ErrForbiddenAddress},
		{"ftp scheme", "ftp://127.0.0.1:" + port + "/", egress.ErrScheme},
		{"file scheme", "file:///etc/passwd", egress.ErrScheme},
		{"userinfo", "http://user:pass@127.0.0.1:" + port + "/", egress.ErrUserinfo},
	}
}

func refused(err, want error) bool {
	if want == nil {
		return err != nil
	}
	return errors.Is(err, want)
}

func TestCanaryReceivesNothing(t *testing.T) {
	canary := newCanary(t)
	c := egress.New(egress.Options{Timeout: 2 * time.Second})
	for _, tt := range forbiddenForms(canary.port) {
		t.Run(tt.name, func(t *testing.T) {
			_, err := get(t, c, tt.url)
			if !refused(err, tt.want) {
				t.Fatalf("Do(%s): got %v, want %v", tt.url, err, tt.want)
			}
			// Same guards through the *http.Client handed to SDKs.
			resp, err := c.HTTPClient().Get(tt.url)
			if err == nil {
				resp.Body.Close()
			}
			if !refused(err, tt.want) {
				t.Fatalf("HTTPClient().Get(%s): got %v, want %v", tt.url, err, tt.want)
			}
		})
	}
}

// TestIPv6CanaryReceivesNothing uses a canary listening on ::1 itself, so
// that an unguarded client really would reach it.
func TestIPv6CanaryReceivesNothing(t *testing.T) {
	ln, err := net.Listen("tcp", "[::1]:0")
	if err != nil {
		t.Skipf("no IPv6 loopback here: %v", err)
	}
	var hits atomic.Int64
	s := &httptest.Server{Listener: ln, Config: &http.Server{Handler: http.HandlerFunc(func(http.ResponseWriter, *http.Request) { hits.Add(1) })}}
	s.Start()
	t.Cleanup(s.Close)
	port := strconv.Itoa(int(netip.MustParseAddrPort(ln.Addr().String()).Port()))

	c := egress.New(egress.Options{Timeout: 2 * time.Second})
	for _, u := range []string{"http://[::1]:" + port + "/", "http://[0:0:0:0:0:0:0:1]:" + port + "/", "http://localhost:" + port + "/"} {
		if _, err := get(t, c, u); !errors.Is(err, egress.ErrForbiddenAddress) {
			t.Errorf("%s: got %v, want ErrForbiddenAddress", u, err)
		}
	}
	if _, err := get(t, egress.New(egress.Options{AllowLoopback: true}), "http://[::1]:"+port+"/"); err != nil {
		t.Fatalf("with AllowLoopback: %v", err)
	}
	if got := hits.Load(); got != 1 {
		t.Fatalf("hits = %d, want only the AllowLoopback request", got)
	}
}

// TestCanaryIsReachable shows the canary tests are not vacuous: the same
// server answers a client that is allowed loopback.
func TestCanaryIsReachable(t *testing.T) {
	s := newServer(t, func(w http.ResponseWriter, r *http.Request) { io.WriteString(w, "ok") })
	c := egress.New(egress.Options{AllowLoopback: true})
	for _, u := range []string{
		"http://127.0.0.1:" + s.port + "/",
		"http://localhost:" + s.port + "/",
	} {
		resp, err := get(t, c, u)
		if err != nil {
			t.Fatalf("%s: %v", u, err)
		}
		if b, _ := io.ReadAll(resp.Body); string(b) != "ok" {
			t.Fatalf("%s: body %q", u, b)
		}
	}
	if got := s.hits.Load(); got != 2 {
		t.Fatalf("hits = %d, want 2", got)
	}
}

// TestAllowLoopbackAllowsOnlyLoopback: the test/operator switch must not
// open private networks or metadata.
func TestAllowLoopbackAllowsOnlyLoopback(t *testing.T) {
	c := egress.New(egress.Options{AllowLoopback: true, Timeout: time.Second})
	for _, u := range []string{
		"http://169.254.169.254/latest/meta-data/",
		"http://metadata.google.internal/computeMetadata/v1/",
		"http://10.0.0.1/",
		"http://[fd00:ec2::254]/",
		"http://2130706433/",
	} {
		if _, err := get(t, c, u); !errors.Is(err, egress.ErrForbiddenAddress) {
			t.Errorf("%s: got %v, want ErrForbiddenAddress", u, err)
		}
	}
}

func TestRedirects(t *testing.T) {
	canary := newCanary(t)
	var target atomic.Value // where the "external" server redirects to
	external := newServer(t, func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path == "/final" {
			io.WriteString(w, "final")
			return
		}
		http.Redirect(w, r, target.Load().(string), http.StatusFound)
	})
	// The external server is on loopback too; only its exact address is
	// allowed, so the canary's port stays forbidden.
	c := egress.NewAllowing(egress.Options{Timeout: 2 * time.Second}, external.ap)

	t.Run("allowed hop is followed", func(t *testing.T) {
		target.Store(external.URL + "/final")
		resp, err := get(t, c, external.URL+"/start")
		if err != nil {
			t.Fatal(err)
		}
		if b, _ := io.ReadAll(resp.Body); string(b) != "final" {
			t.Fatalf("body %q", b)
		}
	})

	for _, tt := range forbiddenForms(canary.port) {
		if strings.HasPrefix(tt.url, "file:") {
			continue
		}
		t.Run("to "+tt.name, func(t *testing.T) {
			target.Store(tt.url)
			before := external.hits.Load()
			_, err := get(t, c, external.URL+"/start")
			if !refused(err, tt.want) {
				t.Fatalf("redirect to %s: got %v, want %v", tt.url, err, tt.want)
			}
			if external.hits.Load() != before+1 {
				t.Fatalf("the first hop did not reach the allowed server")
			}
		})
	}
}

func TestRedirectLimit(t *testing.T) {
	var s *server
	s = newServer(t, func(w http.ResponseWriter, r *http.Request) {
		n, _ := strconv.Atoi(r.URL.Query().Get("n"))
		http.Redirect(w, r, fmt.Sprintf("%s/?n=%d", s.URL, n+1), http.StatusFound)
	})

	c := egress.NewAllowing(egress.Options{MaxRedirects: 3}, s.ap)
	_, err := get(t, c, s.URL+"/?n=0")
	if !errors.Is(err, egress.ErrTooManyRedirects) {
		t.Fatalf("got %v, want ErrTooManyRedirects", err)
	}
	if got := s.hits.Load(); got != 4 { // the request and 3 redirects
		t.Fatalf("hits = %d, want 4", got)
	}

	s.hits.Store(0)
	c = egress.NewAllowing(egress.Options{MaxRedirects: -1}, s.ap)
	resp, err := get(t, c, s.URL+"/?n=0")
	if err != nil {
		t.Fatal(err)
	}
	if resp.StatusCode != http.StatusFound || s.hits.Load() != 1 {
		t.Fatalf("status %d after %d hits, want the 302 itself after 1", resp.StatusCode, s.hits.Load())
	}
}

func TestDNS(t *testing.T) {
	canary := newCanary(t)
	allowed := newServer(t, func(w http.ResponseWriter, r *http.Request) { io.WriteString(w, "ok") })
	dns := newFakeDNS(t, map[string][]netip.Addr{
		"rebind.example.com":   {netip.MustParseAddr("127.0.0.1")},
		"rebind6.example.com":  {netip.MustParseAddr("::ffff:127.0.0.1")},
		"mixed.example.com":    {netip.MustParseAddr("8.8.8.8"), netip.MustParseAddr("127.0.0.1")},
		"metadata.example.com": {netip.MustParseAddr("169.254.169.254")},
		"public.example.com":   {netip.MustParseAddr("127.0.0.1")}, // "public" via the allow hook
	})
	c := egress.NewAllowing(egress.Options{Timeout: 2 * time.Second, Resolver: dns.Resolver()}, allowed.ap)

	for _, host := range []string{"rebind.example.com", "rebind6.example.com", "mixed.example.com", "metadata.example.com"} {
		t.Run(host, func(t *testing.T) {
			_, err := get(t, c, "http://"+host+":"+canary.port+"/")
			if !errors.Is(err, egress.ErrForbiddenAddress) {
				t.Fatalf("got %v, want ErrForbiddenAddress", err)
			}
			if dns.Queries(host, "A") == 0 {
				t.Fatalf("the fake resolver was not asked; the test proves nothing")
			}
		})
	}

	t.Run("one lookup per connection, so no second answer can differ", func(t *testing.T) {
		resp, err := get(t, c, "http://public.example.com:"+allowed.port+"/")
		if err != nil {
			t.Fatal(err)
		}
		io.ReadAll(resp.Body)
		if got := dns.Queries("public.example.com", "A"); got != 1 {
			t.Fatalf("A queries = %d, want 1", got)
		}
	})
}

// TestControl checks the dialer's last line of defence directly: whatever
// resolution produced, the socket address is judged again.
func TestControl(t *testing.T) {
	c := egress.New(egress.Options{})
	tests := []struct {
		addr string
		ok   bool
	}{
		{"127.0.0.1:80", false},
		{"[::1]:80", false},
		{"[::ffff:127.0.0.1]:80", false},
		{"169.254.169.254:80", false},
		{"10.0.0.1:443", false},
		{"8.8.8.8:443", true},
		{"[2606:4700:4700::1111]:443", true},
	}
	for _, tt := range tests {
		err := c.Control("tcp", tt.addr)
		if tt.ok != (err == nil) {
			t.Errorf("Control(%s) = %v, want ok=%v", tt.addr, err, tt.ok)
		}
		if err != nil && !errors.Is(err, egress.ErrForbiddenAddress) {
			t.Errorf("Control(%s) = %v, want ErrForbiddenAddress", tt.addr, err)
		}
	}
}

// TestNoProxyFromEnvironment: a proxy would connect on our behalf and skip
// the address check, so HTTP_PROXY must be ignored.
func TestNoProxyFromEnvironment(t *testing.T) {
	canary := newCanary(t) // stands in for the proxy
	target := newServer(t, func(w http.ResponseWriter, r *http.Request) { io.WriteString(w, "direct") })
	t.Setenv("HTTP_PROXY", canary.URL)
	t.Setenv("http_proxy", canary.URL)
	dns := newFakeDNS(t, map[string][]netip.Addr{"public.example.com": {netip.MustParseAddr("127.0.0.1")}})
	c := egress.NewAllowing(egress.Options{Resolver: dns.Resolver()}, target.ap)

	resp, err := get(t, c, "http://public.example.com:"+target.port+"/")
	if err != nil {
		t.Fatal(err)
	}
	if b, _ := io.ReadAll(resp.Body); string(b) != "direct" {
		t.Fatalf("body %q", b)
	}
}

func TestBodyLimit(t *testing.T) {
	body := strings.Repeat("x", 1000)
	s := newServer(t, func(w http.ResponseWriter, r *http.Request) {
		n, _ := strconv.Atoi(r.URL.Query().Get("n"))
		if r.URL.Query().Get("chunked") != "" {
			// Flushing before writing forces chunked encoding: no
			// Content-Length for the client to check up front.
			w.(http.Flusher).Flush()
		} else {
			w.Header().Set("Content-Length", strconv.Itoa(n))
		}
		io.WriteString(w, body[:n])
	})
	c := egress.New(egress.Options{AllowLoopback: true, MaxBodyBytes: 500})

	tests := []struct {
		name    string
		query   string
		wantErr bool
	}{
		{"under the limit", "n=499", false},
		{"at the limit", "n=500", false},
		{"over, announced", "n=501", true},
		{"at the limit, chunked", "n=500&chunked=1", false},
		{"over, chunked", "n=1000&chunked=1", true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			resp, err := get(t, c, s.URL+"/?"+tt.query)
			if err == nil {
				_, err = io.ReadAll(resp.Body)
			}
			if tt.wantErr != errors.Is(err, egress.ErrTooLarge) {
				t.Fatalf("got %v, want ErrTooLarge: %v", err, tt.wantErr)
			}
			if !tt.wantErr && err != nil {
				t.Fatal(err)
			}
		})
	}
}

func TestTimeout(t *testing.T) {
	release := make(chan struct{})
	t.Cleanup(func() { close(release) })
	s := newServer(t, func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path == "/slow-body" {
			w.Header().Set("Content-Length", "10")
			io.WriteString(w, "12345")
			w.(http.Flusher).Flush()
		}
		select {
		case <-release:
		case <-r.Context().Done():
		}
	})
	c := egress.New(egress.Options{AllowLoopback: true, Timeout: 200 * time.Millisecond})

	for _, path := range []string{"/slow-headers", "/slow-body"} {
		t.Run(path, func(t *testing.T) {
			start := time.Now()
			resp, err := get(t, c, s.URL+path)
			if err == nil {
				_, err = io.ReadAll(resp.Body)
			}
			var ne net.Error
			if !errors.As(err, &ne) || !ne.Timeout() {
				t.Fatalf("got %v, want a timeout", err)
			}
			if d := time.Since(start); d > 2*time.Second {
				t.Fatalf("took %v", d)
			}
		})
	}
}

func TestCheckURL(t *testing.T) {
	tests := []struct {
		url  string
		want error
	}{
		{"https://example.com/webhook?token=x", nil},
		{"http://example.com:8080/", nil},
		{"HTTPS://Example.COM/", nil},
		{"https://8.8.8.8/", nil},
		{"https://[2606:4700:4700::1111]/", nil},
		{"https://bücher.example/", nil},
		{"ftp://example.com/", egress.ErrScheme},
		{"file:///etc/passwd", egress.ErrScheme},
		{"javascript:alert(1)", egress.ErrScheme},
		{"//example.com/", egress.ErrScheme},
		{"example.com", egress.ErrScheme},
		{"https:example.com", egress.ErrInvalidURL},
		{"https://", egress.ErrInvalidURL},
		{"https://:443/", egress.ErrInvalidURL},
		{"https://example.com:0/", egress.ErrInvalidURL},
		{"https://example.com:70000/", egress.ErrInvalidURL},
		{"https://user:pass@example.com/", egress.ErrUserinfo},
		{"https://example.com@evil.example/", egress.ErrUserinfo},
		{"http://127.0.0.1/", egress.ErrForbiddenAddress},
		{"http://localhost/", egress.ErrForbiddenAddress},
		{"http://169.254.169.254/latest/meta-data/", egress.ErrForbiddenAddress},
		{"http://metadata.google.internal/", egress.ErrForbiddenAddress},
		{"http://METADATA.GOOGLE.INTERNAL./", egress.ErrForbiddenAddress},
		{"http://metadata/", egress.ErrForbiddenAddress},
		{"http://printer.local/", egress.ErrForbiddenAddress},
		{"http://router.home.arpa/", egress.ErrForbiddenAddress},
		{"http://10.0.0.1/", egress.ErrForbiddenAddress},
		{"http://[fe80::1%25eth0]/", egress.ErrForbiddenAddress},
		{"http://2130706433/", egress.ErrForbiddenAddress},
		{"http://0x7f.1/", egress.ErrForbiddenAddress},
		{"http://0177.0.0.1/", egress.ErrForbiddenAddress},
		{"http://1.2.3.4.5/", egress.ErrForbiddenAddress},
		{"\x00http://example.com", egress.ErrInvalidURL},
	}
	for _, tt := range tests {
		t.Run(tt.url, func(t *testing.T) {
			err := egress.CheckURL(tt.url)
			if !errors.Is(err, tt.want) || (tt.want == nil && err != nil) {
				t.Fatalf("got %v, want %v", err, tt.want)
			}
		})
	}
}

func TestErrorsDoNotLeakSecrets(t *testing.T) {
	err := egress.CheckURL("https://user:hunter2@example.com/hook?token=s3cret")
	if err == nil || strings.Contains(err.Error(), "hunter2") || strings.Contains(err.Error(), "s3cret") {
		t.Fatalf("error %v shows credentials", err)
	}
}

func TestDoErrorsHideQuery(t *testing.T) {
	c := egress.New(egress.Options{})
	_, err := get(t, c, "http://127.0.0.1:1/hook?token=s3cret")
	if err == nil || strings.Contains(err.Error(), "s3cret") {
		t.Fatalf("error %v shows the query string", err)
	}
}

func TestForbiddenIP(t *testing.T) {
	tests := []struct {
		ip        string
		forbidden bool
	}{
		{"127.0.0.1", true},
		{"127.255.255.254", true},
		{"0.0.0.0", true},
		{"0.1.2.3", true},
		{"10.1.2.3", true},
		{"172.16.0.1", true},
		{"172.31.255.255", true},
		{"192.168.1.1", true},
		{"100.64.0.1", true},
		{"100.100.100.200", true}, // Alibaba metadata
		{"169.254.169.254", true}, // AWS, GCP, Azure metadata
		{"169.254.170.2", true},   // ECS task metadata
		{"192.0.0.170", true},
		{"198.18.0.1", true},
		{"224.0.0.1", true},
		{"239.255.255.250", true},
		{"240.0.0.1", true},
		{"255.255.255.255", true},
		{"::", true},
		{"::1", true},
		{"::127.0.0.1", true},
		{"::ffff:127.0.0.1", true},
		{"::ffff:10.0.0.1", true},
		{"::ffff:169.254.169.254", true},
		{"64:ff9b::7f00:1", true},
		{"64:ff9b::a9fe:a9fe", true},
		{"64:ff9b:1::1", true},
		{"2002:7f00:1::", true},
		{"2002:a9fe:a9fe::1", true},
		{"fc00::1", true},
		{"fd00:ec2::254", true}, // AWS IMDS over IPv6
		{"fe80::1", true},
		{"fe80::1%eth0", true},
		{"fec0::1", true},
		{"ff02::1", true},
		{"2001:db8::1", true},
		{"2001:0:4136:e378:8000:63bf:3fff:fdd2", true}, // Teredo
		{"8.8.8.8", false},
		{"1.1.1.1", false},
		{"172.32.0.1", false},
		{"100.128.0.1", false},
		{"::ffff:8.8.8.8", false},
		{"64:ff9b::808:808", false},
		{"2002:808:808::1", false},
		{"2606:4700:4700::1111", false},
	}
	for _, tt := range tests {
		why := egress.ForbiddenIP(netip.MustParseAddr(tt.ip))
		if tt.forbidden != (why != "") {
			t.Errorf("%s: forbidden = %q, want forbidden %v", tt.ip, why, tt.forbidden)
		}
	}
}

func FuzzCheckURL(f *testing.F) {
	f.Add("https://example.com/hook")
	f.Add("http://[::ffff:127.0.0.1]:80/")
	f.Fuzz(func(t *testing.T, raw string) {
		if egress.CheckURL(raw) != nil {
			return
		}
		u, err := url.Parse(raw)
		if err != nil {
			t.Fatalf("accepted %q, which does not parse: %v", raw, err)
		}
		if u.Scheme != "http" && u.Scheme != "https" {
			t.Fatalf("accepted %q with scheme %q", raw, u.Scheme)
		}
		if u.Hostname() == "" || u.User != nil {
			t.Fatalf("accepted %q: host %q, user %v", raw, u.Hostname(), u.User)
		}
		if ip, err := netip.ParseAddr(u.Hostname()); err == nil && egress.ForbiddenIP(ip) != "" {
			t.Fatalf("accepted %q with forbidden address %s", raw, ip)
		}
	})
}
