package auth

import (
	"net/netip"
	"sync"
	"time"
)

// Limiter counts failures per key in a sliding window. A key is blocked once
// it has Max failures inside Window.
type Limiter struct {
	Max    int
	Window time.Duration
	now    func() time.Time

	mu   sync.Mutex
	hits map[string][]time.Time
	ops  int
}

// NewLimiter returns a limiter allowing max failures per window.
func NewLimiter(max int, window time.Duration) *Limiter {
	return &Limiter{Max: max, Window: window, now: time.Now, hits: map[string][]time.Time{}}
}

// Blocked says whether key has used up its failures.
func (l *Limiter) Blocked(key string) bool {
	l.mu.Lock()
	defer l.mu.Unlock()
	return len(l.recent(key)) >= l.Max
}

// Fail records one failure for each key.
func (l *Limiter) Fail(keys ...string) {
	l.mu.Lock()
	defer l.mu.Unlock()
	for _, k := range keys {
		l.hits[k] = append(l.recent(k), l.now())
	}
	l.ops++
	if l.ops%1024 == 0 {
		l.sweep()
	}
}

// Attempt records one attempt on every key, unless one of them is already
// blocked: checking and recording under one lock means parallel guesses
// cannot all pass the check before any is recorded.
func (l *Limiter) Attempt(keys ...string) bool {
	l.mu.Lock()
	defer l.mu.Unlock()
	for _, k := range keys {
		if len(l.recent(k)) >= l.Max {
			return false
		}
	}
	now := l.now()
	for _, k := range keys {
		l.hits[k] = append(l.recent(k), now)
	}
	return true
}

// Undo takes back the latest attempt of key (a success that should not
// count against a shared address).
func (l *Limiter) Undo(key string) {
	l.mu.Lock()
	defer l.mu.Unlock()
	if h := l.recent(key); len(h) > 0 {
		l.hits[key] = h[:len(h)-1]
	}
}

// Reset forgets a key's failures (after a successful sign-in).
func (l *Limiter) Reset(key string) {
	l.mu.Lock()
	defer l.mu.Unlock()
	delete(l.hits, key)
}

func (l *Limiter) recent(key string) []time.Time {
	cut := l.now().Add(-l.Window)
	h := l.hits[key]
	i := 0
	for i < len(h) && h[i].Before(cut) {
		i++
	}
	h = h[i:]
	if len(h) == 0 {
		delete(l.hits, key)
		return nil
	}
	l.hits[key] = h
	return h
}

// sweep drops keys whose failures have all expired, bounding memory.
func (l *Limiter) sweep() {
	for k := range l.hits {
		l.recent(k)
	}
}

// IPKey is the limiter key of a client address: IPv6 clients are grouped by
// their /64, since one subscriber usually holds a whole /64.
func IPKey(ip string) string {
	a, err := netip.ParseAddr(ip)
	if err != nil {
		return "ip:" + ip
	}
	if a.Is6() && !a.Is4In6() {
		p, _ := a.Prefix(64)
		return "ip:" + p.String()
	}
	return "ip:" + a.Unmap().String()
}
