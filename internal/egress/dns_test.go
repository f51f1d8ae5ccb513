package egress_test

import (
	"context"
	"encoding/binary"
	"net"
	"net/netip"
	"strings"
	"sync"
	"testing"
)

// fakeDNS answers A and AAAA queries from a fixed table over UDP on
// 127.0.0.1, so tests can make a name resolve to anything without touching
// the system resolver.
type fakeDNS struct {
	conn    net.PacketConn
	mu      sync.Mutex
	answers map[string][]netip.Addr // lower-case name without the final dot
	queries map[string]int          // "name A" / "name AAAA" -> count
}

func newFakeDNS(t *testing.T, answers map[string][]netip.Addr) *fakeDNS {
	t.Helper()
	conn, err := net.ListenPacket("udp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	d := &fakeDNS{conn: conn, answers: answers, queries: map[string]int{}}
	go d.serve()
	t.Cleanup(func() { conn.Close() })
	return d
}

// Resolver returns a pure-Go resolver that sends every query to d.
func (d *fakeDNS) Resolver() *net.Resolver {
	return &net.Resolver{
		PreferGo: true,
		Dial: func(ctx context.Context, _, _ string) (net.Conn, error) {
			var dl net.Dialer
			return dl.DialContext(ctx, "udp", d.conn.LocalAddr().String())
		},
	}
}

func (d *fakeDNS) Queries(name, qtype string) int {
	d.mu.Lock()
	defer d.mu.Unlock()
	return d.queries[name+" "+qtype]
}

func (d *fakeDNS) serve() {
	buf := make([]byte, 1500)
	for {
		n, from, err := d.conn.ReadFrom(buf)
		if err != nil {
			return
		}
		if resp := d.answer(buf[:n]); resp != nil {
			d.conn.WriteTo(resp, from)
		}
	}
}

func (d *fakeDNS) answer(q []byte) []byte {
	if len(q) < 12 {
		return nil
	}
	// Question: labels, then type and class.
	i := 12
	var labels []string
	for i < len(q) && q[i] != 0 {
		l := int(q[i])
		if i+1+l > len(q) {
			return nil
		}
		labels = append(labels, string(q[i+1:i+1+l]))
		i += 1 + l
	}
	i++ // root label
	if i+4 > len(q) {
		return nil
	}
	qtype := binary.BigEndian.Uint16(q[i:])
	question := q[12 : i+4]
	name := strings.ToLower(strings.Join(labels, "."))

	var want func(netip.Addr) bool
	typeName := ""
	switch qtype {
	case 1:
		want, typeName = netip.Addr.Is4, "A"
	case 28:
		want, typeName = netip.Addr.Is6, "AAAA"
	}
	d.mu.Lock()
	d.queries[name+" "+typeName]++
	var rrs []netip.Addr
	for _, a := range d.answers[name] {
		if want != nil && want(a) {
			rrs = append(rrs, a)
		}
	}
	_, known := d.answers[name]
	d.mu.Unlock()

	resp := make([]byte, 12, 512)
	copy(resp, q[:2])                            // id
	binary.BigEndian.PutUint16(resp[2:], 0x8180) // response, recursion desired and available
	if !known {
		resp[3] |= 3 // NXDOMAIN
	}
	binary.BigEndian.PutUint16(resp[4:], 1)
	binary.BigEndian.PutUint16(resp[6:], uint16(len(rrs)))
	resp = append(resp, question...)
	for _, a := range rrs {
		resp = append(resp, 0xc0, 12) // pointer to the question name
		resp = binary.BigEndian.AppendUint16(resp, qtype)
		resp = binary.BigEndian.AppendUint16(resp, 1)  // class IN
		resp = binary.BigEndian.AppendUint32(resp, 60) // ttl
		raw := a.AsSlice()
		resp = binary.BigEndian.AppendUint16(resp, uint16(len(raw)))
		resp = append(resp, raw...)
	}
	return resp
}
