// Package realtime is the hub of tenant-scoped live events (message.created,
// message.status, conversation.updated, connection.status, import.progress,
// ...). Producers publish after their transaction commits (db.Tx.AfterCommit),
// never before, so a subscriber that reacts by reading finds the rows.
//
// Decisions: delivery is best effort and never blocks a producer: a
// subscriber that falls behind by more than its buffer loses events and is
// told so (Event "resync"), after which a browser reloads what it shows.
package realtime

import (
	"encoding/json"
	"sync"
)

// Event is one thing that happened in a company.
type Event struct {
	Type string `json:"type"`
	Data any    `json:"data"`
}

// MarshalData is the event's data as JSON, for transports.
func (e Event) MarshalData() json.RawMessage {
	b, _ := json.Marshal(e.Data)
	return b
}

// Hub fans events out to the subscribers of each company.
type Hub struct {
	mu   sync.RWMutex
	subs map[string]map[*Subscription]struct{}
}

// New returns an empty hub.
func New() *Hub { return &Hub{subs: map[string]map[*Subscription]struct{}{}} }

// Subscription receives one company's events on C until Close.
type Subscription struct {
	C       <-chan Event
	c       chan Event
	hub     *Hub
	company string
	once    sync.Once
}

// Subscribe starts receiving a company's events.
func (h *Hub) Subscribe(companyID string, buffer int) *Subscription {
	if buffer <= 0 {
		buffer = 64
	}
	c := make(chan Event, buffer)
	s := &Subscription{C: c, c: c, hub: h, company: companyID}
	h.mu.Lock()
	if h.subs[companyID] == nil {
		h.subs[companyID] = map[*Subscription]struct{}{}
	}
	h.subs[companyID][s] = struct{}{}
	h.mu.Unlock()
	return s
}

// Close stops the subscription and closes C.
func (s *Subscription) Close() {
	s.once.Do(func() {
		s.hub.mu.Lock()
		delete(s.hub.subs[s.company], s)
		if len(s.hub.subs[s.company]) == 0 {
			delete(s.hub.subs, s.company)
		}
		s.hub.mu.Unlock()
		close(s.c)
	})
}

// Publish sends an event to every subscriber of the company without
// waiting for any of them.
func (h *Hub) Publish(companyID string, ev Event) {
	if h == nil {
		return
	}
	h.mu.RLock()
	defer h.mu.RUnlock()
	for s := range h.subs[companyID] {
		select {
		case s.c <- ev:
		default:
			// Full: drop the oldest and tell the subscriber it missed events.
			select {
			case <-s.c:
			default:
			}
			select {
			case s.c <- Event{Type: "resync"}:
			default:
			}
		}
	}
}
