package auth

import (
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
