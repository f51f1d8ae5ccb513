package egress

import (
	"fmt"
	"net/netip"
	"strings"
)

// forbiddenPrefixes lists the special-purpose ranges (IANA IPv4 and IPv6
// Special-Purpose Address Registries) that a tenant URL must never reach.
// netip's predicates cover loopback, link-local, multicast, unspecified and
// RFC 1918 / ULA; this table adds what they miss. Documentation and
// benchmarking ranges are here because no real service lives there, so
// refusing them costs nothing and closes odd routing set-ups.
var forbiddenPrefixes = func() []netip.Prefix {
	var ps []netip.Prefix
	for _, s := range []string{
		"0.0.0.0/8",       // "this network"; Linux connects 0.x to the local host
		"100.64.0.0/10",   // carrier-grade NAT, also Alibaba's 100.100.100.200 metadata
		"192.0.0.0/24",    // IETF protocol assignments
		"192.0.2.0/24",    // TEST-NET-1
		"192.88.99.0/24",  // 6to4 relay anycast
		"198.18.0.0/15",   // benchmarking
		"198.51.100.0/24", // TEST-NET-2
		"203.0.113.0/24",  // TEST-NET-3
		"240.0.0.0/4",     // reserved, includes 255.255.255.255 broadcast
		"::/96",           // IPv4-compatible (deprecated); some stacks route ::127.0.0.1 to loopback
		"64:ff9b:1::/48",  // local-use NAT64 (RFC 8215): translates to anything inside the site
		"100::/64",        // discard-only
		"2001::/23",       // IETF protocol assignments, includes Teredo 2001::/32
		"2001:db8::/32",   // documentation
		"fec0::/10",       // site-local (deprecated, still routed by some stacks)
	} {
		ps = append(ps, netip.MustParsePrefix(s))
	}
	return ps
}()

var (
	nat64     = netip.MustParsePrefix("64:ff9b::/96") // RFC 6052 well-known prefix
	sixToFour = netip.MustParsePrefix("2002::/16")    // RFC 3056
)

// forbiddenIP says why ip may not be dialled, or "" if it may. Addresses
// that embed an IPv4 address (IPv4-mapped, NAT64, 6to4) are judged by the
// IPv4 address they lead to, because that is where the packets end up.
func forbiddenIP(ip netip.Addr, allowLoopback bool) string {
	ip = ip.WithZone("")
	if ip.Is4In6() {
		return forbiddenIP(ip.Unmap(), allowLoopback)
	}
	if ip.Is6() && nat64.Contains(ip) {
		b := ip.As16()
		return forbiddenIP(netip.AddrFrom4([4]byte(b[12:16])), allowLoopback)
	}
	if ip.Is6() && sixToFour.Contains(ip) {
		b := ip.As16()
		return forbiddenIP(netip.AddrFrom4([4]byte(b[2:6])), allowLoopback)
	}
	switch {
	case !ip.IsValid():
		return "invalid address"
	case ip.IsLoopback():
		if allowLoopback {
			return ""
		}
		return "loopback address"
	case ip.IsUnspecified():
		return "unspecified address"
	case ip.IsPrivate():
		return "private address"
	case ip.IsLinkLocalUnicast():
		return "link-local address (includes cloud metadata 169.254.169.254)"
	case ip.IsMulticast(), ip.IsLinkLocalMulticast(), ip.IsInterfaceLocalMulticast():
		return "multicast address"
	}
	for _, p := range forbiddenPrefixes {
		if p.Contains(ip) {
			return "special-purpose address " + p.String()
		}
	}
	if !ip.IsGlobalUnicast() {
		return "not a global unicast address"
	}
	return ""
}

// metadataHosts are names that cloud providers resolve to their instance
// metadata service. They usually resolve to link-local addresses that the IP
// check refuses anyway; naming them gives a clearer error and still holds if
// a provider ever answers with a routable address.
var metadataHosts = map[string]bool{
	"metadata":                   true,
	"metadata.google.internal":   true,
	"metadata.goog":              true,
	"instance-data":              true,
	"instance-data.ec2.internal": true,
	"metadata.azure.internal":    true,
	"metadata.tencentyun.com":    true,
}

// checkHost refuses host names that must not be reached whatever DNS says.
// It is run before resolution (on every request and every redirect) and the
// dialled IP is checked again afterwards, so a name that passes here is not
// trusted yet.
func checkHost(host string, allowLoopback bool) error {
	h := strings.ToLower(strings.TrimRight(host, "."))
	if h == "" {
		return fmt.Errorf("%w: empty host", ErrForbiddenAddress)
	}
	if ip, err := netip.ParseAddr(h); err == nil {
		if why := forbiddenIP(ip, allowLoopback); why != "" {
			return fmt.Errorf("%w: %s is a %s", ErrForbiddenAddress, host, why)
		}
		return nil
	}
	if strings.Contains(h, ":") {
		// Not a valid IPv6 literal but looks like one: refuse rather than
		// let a resolver guess.
		return fmt.Errorf("%w: %q is not a valid address", ErrForbiddenAddress, host)
	}
	if endsInNumber(h) {
		// 2130706433, 0177.0.0.1, 0x7f.1 and 127.1 are all 127.0.0.1 to
		// inet_aton (used by the C resolver and by browsers), while Go's
		// parser rejects them and would send them to DNS. No real name ends
		// in a numeric label, so refuse every such form outright.
		return fmt.Errorf("%w: %q is a non-canonical IP address form", ErrForbiddenAddress, host)
	}
	if metadataHosts[h] {
		return fmt.Errorf("%w: %s is a cloud metadata host", ErrForbiddenAddress, host)
	}
	if h == "localhost" || strings.HasSuffix(h, ".localhost") {
		if allowLoopback {
			return nil
		}
		return fmt.Errorf("%w: %s is a loopback name", ErrForbiddenAddress, host)
	}
	// .internal (ICANN's private-use TLD, used by GCP and AWS for
	// in-cloud names), .local (mDNS) and .home.arpa (RFC 8375) only ever
	// name machines on the operator's own networks.
	for _, suffix := range []string{".internal", ".local", ".home.arpa"} {
		if strings.HasSuffix(h, suffix) || h == suffix[1:] {
			return fmt.Errorf("%w: %s is a private network name", ErrForbiddenAddress, host)
		}
	}
	return nil
}

// endsInNumber follows the WHATWG URL standard: a host whose last label is
// decimal digits or 0x-hex is parsed as an IPv4 address by browsers and by
// inet_aton.
func endsInNumber(h string) bool {
	last := h[strings.LastIndexByte(h, '.')+1:]
	if last == "" {
		return false
	}
	if strings.HasPrefix(last, "0x") {
		return strings.Trim(last[2:], "0123456789abcdef") == ""
	}
	return strings.Trim(last, "0123456789") == ""
}
