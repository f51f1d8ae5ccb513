package egress

import "net/netip"

// NewAllowing returns a Client that also accepts the exact addresses given,
// so a test can run an "external" server on loopback while a canary on
// another loopback port stays forbidden.
func NewAllowing(opts Options, allowed ...netip.AddrPort) *Client {
	return newClient(opts, func(ap netip.AddrPort) bool {
		for _, a := range allowed {
			if a == ap {
				return true
			}
		}
		return false
	})
}

// ForbiddenIP exposes the address policy to table tests.
func ForbiddenIP(ip netip.Addr) string { return forbiddenIP(ip, false) }

// Control runs the dialer's last check on an address as the kernel would
// see it.
func (c *Client) Control(network, address string) error { return c.control(network, address, nil) }
