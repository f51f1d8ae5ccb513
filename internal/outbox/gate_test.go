package outbox

import (
	"context"
	"errors"
	"slices"
	"sync"
	"testing"
	"time"
)

// TestGateKeepsEverySpan: however calls arrive (all at once, or in bunches
// after a stall), no span holds more than n passes.
func TestGateKeepsEverySpan(t *testing.T) {
	for _, tc := range []struct {
		name    string
		n       int
		span    time.Duration
		calls   int
		bunches int // calls arrive in this many bunches, a span/3 apart
	}{
		{"all at once", 5, 100 * time.Millisecond, 17, 1},
		{"in bunches", 4, 80 * time.Millisecond, 16, 4},
		{"one per span", 1, 30 * time.Millisecond, 6, 6},
	} {
		t.Run(tc.name, func(t *testing.T) {
			var g gate
			var mu sync.Mutex
			var passed []time.Time
			var wg sync.WaitGroup
			per := tc.calls / tc.bunches
			for b := range tc.bunches {
				for range per {
					wg.Go(func() {
						if err := g.pass(context.Background(), tc.n, tc.span); err != nil {
							t.Error(err)
							return
						}
						mu.Lock()
						passed = append(passed, time.Now())
						mu.Unlock()
					})
				}
				if b < tc.bunches-1 {
					time.Sleep(tc.span / 3)
				}
			}
			wg.Wait()
			slices.SortFunc(passed, func(x, y time.Time) int { return x.Compare(y) })
			if len(passed) != per*tc.bunches {
				t.Fatalf("%d passed of %d", len(passed), per*tc.bunches)
			}
			// Any n+1 passes in a row are at least a span apart.
			for i := tc.n; i < len(passed); i++ {
				if gap := passed[i].Sub(passed[i-tc.n]); gap < tc.span {
					t.Fatalf("passes %d and %d only %v apart (span %v, n %d)", i-tc.n, i, gap, tc.span, tc.n)
				}
			}
		})
	}
}

// TestGateStops: a call waiting its turn gives up when its context ends,
// and is not counted as passed.
func TestGateStops(t *testing.T) {
	var g gate
	ctx := context.Background()
	if err := g.pass(ctx, 1, time.Hour); err != nil {
		t.Fatal(err)
	}
	waiting, cancel := context.WithTimeout(ctx, 20*time.Millisecond)
	defer cancel()
	if err := g.pass(waiting, 1, time.Hour); !errors.Is(err, context.DeadlineExceeded) {
		t.Fatalf("waiting call ended with %v", err)
	}
	// The turn was given back: the next call waits for the hour again
	// rather than finding the gate held.
	again, cancel2 := context.WithTimeout(ctx, 20*time.Millisecond)
	defer cancel2()
	if err := g.pass(again, 1, time.Hour); !errors.Is(err, context.DeadlineExceeded) {
		t.Fatalf("next call ended with %v", err)
	}
	if g.ring[0].IsZero() || time.Since(g.ring[0]) < 40*time.Millisecond {
		t.Fatalf("a call that gave up was counted: %v", g.ring)
	}
}
