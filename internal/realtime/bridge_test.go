package realtime

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"strings"
	"testing"
	"time"

	"github.com/masteria/masteria/internal/store/dbtest"
)

func TestPackUnpack(t *testing.T) {
	small := func(i int) envelope {
		return envelope{Company: "co", Type: "message.status", Data: json.RawMessage(fmt.Sprintf(`{"message_id":"m%04d"}`, i))}
	}
	big := envelope{Company: "co", Type: "huge", Data: json.RawMessage(`"` + strings.Repeat("x", maxPayload) + `"`)}
	many := make([]envelope, 500)
	for i := range many {
		many[i] = small(i)
	}
	tests := []struct {
		name     string
		in       []envelope
		payloads int // at least
		alone    int
	}{
		{"one", []envelope{small(1)}, 1, 0},
		{"many split under the limit, in order", many, 2, 0},
		{"too large alone is left out, the rest still goes", []envelope{small(1), big, small(2)}, 1, 1},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			payloads, sent, alone := pack(tt.in)
			if len(payloads) < tt.payloads || len(alone) != tt.alone || len(sent)+len(alone) != len(tt.in) {
				t.Fatalf("%d payloads, %d sent, %d alone", len(payloads), len(sent), len(alone))
			}
			var got []envelope
			for _, p := range payloads {
				if len(p) > maxPayload {
					t.Fatalf("payload of %d bytes", len(p))
				}
				envs, err := unpack(p)
				if err != nil {
					t.Fatal(err)
				}
				got = append(got, envs...)
			}
			if len(got) != len(sent) {
				t.Fatalf("unpacked %d, sent %d", len(got), len(sent))
			}
			for i := range got {
				if got[i].Type != sent[i].Type || string(got[i].Data) != string(sent[i].Data) {
					t.Fatalf("event %d: got %+v, want %+v", i, got[i], sent[i])
				}
			}
		})
	}
	// An instance of an earlier version sends one envelope per notification.
	envs, err := unpack(`{"c":"co","t":"message.created","d":{"message_id":"m1"}}`)
	if err != nil || len(envs) != 1 || envs[0].Type != "message.created" {
		t.Fatalf("single envelope: %+v, %v", envs, err)
	}
}

// TestBridgeCarriesEveryEventInOrder publishes a campaign's worth of events
// on one instance faster than one NOTIFY each could carry them, and checks
// that both instances deliver all of them, in order.
func TestBridgeCarriesEveryEventInOrder(t *testing.T) {
	d := dbtest.Postgres(t)
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	logger := slog.New(slog.NewTextHandler(io.Discard, nil))
	hubA, hubB := New(), New()
	a, b := NewBridge(d.Pgx(), hubA, logger), NewBridge(d.Pgx(), hubB, logger)
	go a.Run(ctx)
	go b.Run(ctx)
	const n = 3000
	subA, _ := hubA.Subscribe("co", n+10, 0)
	subB, _ := hubB.Subscribe("co", n+10, 0)
	defer subA.Close()
	defer subB.Close()
	// Both listen before anything is published: a probe comes back.
	for probe := 0; ; probe++ {
		hubA.Publish("co", Event{Type: "probe"})
		if got(t, subA.C, 2*time.Second) && got(t, subB.C, 2*time.Second) {
			break
		}
		if probe > 20 {
			t.Fatal("the bridges never started listening")
		}
	}
	for len(subA.C) > 0 || len(subB.C) > 0 {
		drain(subA.C)
		drain(subB.C)
		time.Sleep(50 * time.Millisecond)
	}
	for i := range n {
		hubA.Publish("co", Event{Type: "message.status", Data: map[string]any{"message_id": fmt.Sprintf("m%05d", i)}})
	}
	for name, c := range map[string]<-chan Event{"publisher": subA.C, "other instance": subB.C} {
		for i := range n {
			select {
			case ev := <-c:
				var data map[string]string
				if err := json.Unmarshal(ev.Data.(json.RawMessage), &data); err != nil {
					t.Fatal(err)
				}
				if want := fmt.Sprintf("m%05d", i); data["message_id"] != want {
					t.Fatalf("%s: event %d is %s, want %s", name, i, data["message_id"], want)
				}
			case <-time.After(30 * time.Second):
				t.Fatalf("%s: %d of %d events delivered", name, i, n)
			}
		}
	}
}

func got(t *testing.T, c <-chan Event, wait time.Duration) bool {
	t.Helper()
	select {
	case <-c:
		return true
	case <-time.After(wait):
		return false
	}
}

func drain(c <-chan Event) {
	for {
		select {
		case <-c:
		default:
			return
		}
	}
}
