// Package realtime is the hub of tenant-scoped live events (message.created,
// message.status, conversation.created, conversation.updated,
// connection.status, template.status, contact.consent, ...). Producers
// publish after their transaction commits (db.Tx.AfterCommit), never before,
// so a subscriber that reacts by reading finds the rows. Browsers and API
// clients receive them over the WebSocket at /api/v1/events.
//
// Decisions:
//   - Delivery is best effort and never blocks a producer: a subscriber that
//     falls behind by more than its buffer loses events and is told so
//     (an event "resync"), after which a client reloads what it shows.
//   - Every event gets an id, increasing per instance; each company's last
//     1,000 events are kept so that a client that reconnects with ?since=<id>
//     gets what it missed, or "resync" when that is no longer held (or it
//     reconnected to another instance).
//   - On PostgreSQL, events go through NOTIFY on one channel and every
//     instance (this one too) delivers what it hears, so a browser connected
//     to one instance sees what happened on another (see Bridge). The events
//     published while one NOTIFY statement runs go in the next, several to a
//     notification (a JSON array): one commit per event, each waiting for
//     the disk and for the lock all NOTIFYs share, capped a campaign at a
//     few hundred messages a second. PostgreSQL folds identical
//     notifications of one transaction into one; two identical events
//     (same type and data) in one array are both kept.
//   - Events carry ids and states, not message text: every member of the
//     company may receive them, and reads what it may see through the API.
package realtime

import (
	"encoding/json"
	"sync"
)

// Event is one thing that happened in a company.
type Event struct {
	ID   int64  `json:"id"`
	Type string `json:"type"`
	Data any    `json:"data,omitempty"`

	wire []byte // the JSON, encoded once for every subscriber
}

// JSON is the event as subscribers receive it; the hub encodes it once
// however many subscribers there are.
func (ev Event) JSON() ([]byte, error) {
	if ev.wire != nil {
		return ev.wire, nil
	}
	return json.Marshal(ev)
}

const keep = 1000

// Hub fans events out to the subscribers of each company.
type Hub struct {
	mu     sync.RWMutex
	subs   map[string]map[*Subscription]struct{}
	seq    int64
	recent map[string][]Event // per company, oldest first, at most keep
	// send, when set, carries published events to every instance (the
	// PostgreSQL bridge); each instance then calls Deliver.
	send func(company string, ev Event)
}

// New returns an empty hub.
func New() *Hub {
	return &Hub{subs: map[string]map[*Subscription]struct{}{}, recent: map[string][]Event{}}
}

// Subscription receives one company's events on C until Close.
type Subscription struct {
	C       <-chan Event
	c       chan Event
	hub     *Hub
	company string
	once    sync.Once
}

// Subscribe starts receiving a company's events. With since > 0 the events
// after it that the hub still holds are delivered first; missed reports
// that some were no longer held (the client should reload).
func (h *Hub) Subscribe(companyID string, buffer int, since int64) (s *Subscription, missed bool) {
	if buffer <= 0 {
		buffer = 64
	}
	h.mu.Lock()
	defer h.mu.Unlock()
	var backlog []Event
	if since > 0 {
		recent := h.recent[companyID]
		switch {
		case since > h.seq:
			missed = true // ids from another instance or an older run
		case len(recent) > 0 && recent[0].ID > since+1 && len(recent) == keep:
			missed = true
		}
		for _, ev := range recent {
			if ev.ID > since {
				backlog = append(backlog, ev)
			}
		}
	}
	c := make(chan Event, buffer+len(backlog))
	for _, ev := range backlog {
		c <- ev
	}
	s = &Subscription{C: c, c: c, hub: h, company: companyID}
	if h.subs[companyID] == nil {
		h.subs[companyID] = map[*Subscription]struct{}{}
	}
	h.subs[companyID][s] = struct{}{}
	return s, missed
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

// Publish sends an event to the company's subscribers on every instance,
// without waiting for any of them.
func (h *Hub) Publish(companyID string, ev Event) {
	if h == nil {
		return
	}
	if h.send != nil {
		h.send(companyID, ev)
		return
	}
	h.Deliver(companyID, ev)
}

// Deliver hands an event to this instance's subscribers.
func (h *Hub) Deliver(companyID string, ev Event) {
	h.mu.Lock()
	h.seq++
	ev.ID = h.seq
	subs := make([]*Subscription, 0, len(h.subs[companyID]))
	for s := range h.subs[companyID] {
		subs = append(subs, s)
	}
	// Encoded once for every subscriber; with none (a campaign sending
	// while nobody watches) only if a reconnecting client asks for it.
	if len(subs) > 0 {
		if b, err := json.Marshal(ev); err == nil {
			ev.wire = b
		}
	}
	r := append(h.recent[companyID], ev)
	if len(r) > keep {
		r = r[len(r)-keep:]
	}
	h.recent[companyID] = r
	// Sends happen under the lock so that Close cannot close a channel
	// being sent to; they never block.
	for _, s := range subs {
		select {
		case s.c <- ev:
		default:
			// Full: drop the oldest and tell the subscriber it missed events.
			select {
			case <-s.c:
			default:
			}
			select {
			case s.c <- Event{ID: ev.ID, Type: "resync"}:
			default:
			}
		}
	}
	h.mu.Unlock()
}

// envelope is an event on the wire between instances.
type envelope struct {
	Company string          `json:"c"`
	Type    string          `json:"t"`
	Data    json.RawMessage `json:"d,omitempty"`
}
