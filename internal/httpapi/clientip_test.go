package httpapi

import (
	"net/http/httptest"
	"net/netip"
	"testing"
)

func TestClientIPBelievesOnlyTrustedProxies(t *testing.T) {
	s := &Server{opts: Options{TrustedProxies: []netip.Prefix{netip.MustParsePrefix("10.0.0.0/8")}}}
	tests := []struct{ name, peer, xff, want string }{
		{"direct client, header ignored", "203.0.113.9:5000", "1.2.3.4", "203.0.113.9"},
		{"through the proxy", "10.0.0.2:5000", "198.51.100.7", "198.51.100.7"},
		{"spoofed hop before the real client", "10.0.0.2:5000", "6.6.6.6, 198.51.100.7", "198.51.100.7"},
		{"two trusted proxies", "10.0.0.2:5000", "198.51.100.7, 10.1.1.1", "198.51.100.7"},
		{"proxy without header", "10.0.0.2:5000", "", "10.0.0.2"},
		{"garbage header", "10.0.0.2:5000", "not-an-ip", "10.0.0.2"},
		{"ipv6 peer", "[2001:db8::1]:5000", "", "2001:db8::1"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := httptest.NewRequest("GET", "/", nil)
			r.RemoteAddr = tt.peer
			if tt.xff != "" {
				r.Header.Set("X-Forwarded-For", tt.xff)
			}
			if got := s.clientIP(r); got != tt.want {
				t.Fatalf("got %s, want %s", got, tt.want)
			}
		})
	}
}
