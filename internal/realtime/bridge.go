package realtime

import (
	"context"
	"encoding/json"
	"log/slog"
	"strings"
	"time"

	"github.com/jackc/pgx/v5/pgxpool"
)

// channelName is the NOTIFY channel every instance listens on.
const channelName = "masteria_events"

// Bridge carries events between instances through PostgreSQL's
// LISTEN/NOTIFY. NOTIFY payloads are limited to 8,000 bytes: events (ids
// and states) stay far below, and several travel in one notification.
type Bridge struct {
	pool   *pgxpool.Pool
	hub    *Hub
	logger *slog.Logger
	out    chan envelope
}

// NewBridge makes hub publish through PostgreSQL; Run listens and sends.
func NewBridge(pool *pgxpool.Pool, hub *Hub, logger *slog.Logger) *Bridge {
	b := &Bridge{pool: pool, hub: hub, logger: logger, out: make(chan envelope, 4096)}
	hub.send = func(company string, ev Event) {
		data, _ := json.Marshal(ev.Data)
		select {
		case b.out <- envelope{Company: company, Type: ev.Type, Data: data}:
		default:
			logger.Warn("realtime: bridge queue full; event delivered on this instance only", "type", ev.Type)
			hub.Deliver(company, ev)
		}
	}
	return b
}

// Run listens for other instances' events and sends this one's, until ctx
// ends; a lost connection is reopened.
func (b *Bridge) Run(ctx context.Context) {
	go b.sendLoop(ctx)
	for ctx.Err() == nil {
		if err := b.listen(ctx); err != nil && ctx.Err() == nil {
			b.logger.Warn("realtime: listening failed; reconnecting", "err", err)
			select {
			case <-ctx.Done():
			case <-time.After(time.Second):
			}
		}
	}
}

func (b *Bridge) listen(ctx context.Context) error {
	conn, err := b.pool.Acquire(ctx)
	if err != nil {
		return err
	}
	defer conn.Release()
	if _, err := conn.Exec(ctx, "LISTEN "+channelName); err != nil {
		return err
	}
	for {
		n, err := conn.Conn().WaitForNotification(ctx)
		if err != nil {
			return err
		}
		envs, err := unpack(n.Payload)
		if err != nil {
			continue
		}
		for _, env := range envs {
			b.deliver(env)
		}
	}
}

// deliver hands an envelope to this instance's subscribers.
func (b *Bridge) deliver(env envelope) {
	var data any
	if len(env.Data) > 0 {
		data = env.Data
	}
	b.hub.Deliver(env.Company, Event{Type: env.Type, Data: data})
}

// maxPayload keeps a notification under PostgreSQL's limit of 8,000 bytes.
const maxPayload = 7900

// maxBatch bounds the events one NOTIFY statement carries.
const maxBatch = 1024

// sendLoop sends the events published while the previous statement ran in
// one statement, packed several to a notification: a NOTIFY is a
// transaction whose commit waits for the disk and takes a lock every
// instance's NOTIFYs share, and a campaign publishes two or three events
// per message (thousands a second), which one commit each could not carry.
func (b *Bridge) sendLoop(ctx context.Context) {
	for {
		var batch []envelope
		select {
		case <-ctx.Done():
			return
		case env := <-b.out:
			batch = append(batch, env)
		}
	more:
		for len(batch) < maxBatch {
			select {
			case env := <-b.out:
				batch = append(batch, env)
			default:
				break more
			}
		}
		payloads, sent, alone := pack(batch)
		for _, env := range alone {
			b.logger.Warn("realtime: event too large for NOTIFY; delivered on this instance only", "type", env.Type)
			b.deliver(env)
		}
		if len(payloads) == 0 {
			continue
		}
		// In order: notifications of one transaction arrive in the order
		// they were made.
		_, err := b.pool.Exec(ctx, `SELECT pg_notify($1, p) FROM unnest(CAST($2 AS TEXT[])) WITH ORDINALITY AS t (p, i) ORDER BY i`, channelName, payloads)
		if err != nil && ctx.Err() == nil {
			b.logger.Warn("realtime: notify failed; events delivered on this instance only", "events", len(sent), "err", err)
			for _, env := range sent {
				b.deliver(env)
			}
		}
	}
}

// pack encodes envelopes, in order, as JSON arrays of at most maxPayload
// bytes (sent lists the envelopes they hold); one too large for a
// notification on its own is left out (alone).
func pack(envs []envelope) (payloads []string, sent, alone []envelope) {
	var buf []byte
	for _, env := range envs {
		one, err := json.Marshal(env)
		if err != nil {
			continue
		}
		if len(one)+2 > maxPayload {
			alone = append(alone, env)
			continue
		}
		if len(buf) > 0 && len(buf)+1+len(one)+1 > maxPayload {
			payloads = append(payloads, string(append(buf, ']')))
			buf = buf[:0]
		}
		if len(buf) == 0 {
			buf = append(buf, '[')
		} else {
			buf = append(buf, ',')
		}
		buf = append(buf, one...)
		sent = append(sent, env)
	}
	if len(buf) > 0 {
		payloads = append(payloads, string(append(buf, ']')))
	}
	return payloads, sent, alone
}

// unpack reads a notification: an array of envelopes, or one envelope (as
// an instance of an earlier version sends them during a rolling upgrade).
func unpack(payload string) ([]envelope, error) {
	if strings.HasPrefix(payload, "[") {
		var envs []envelope
		err := json.Unmarshal([]byte(payload), &envs)
		return envs, err
	}
	var env envelope
	if err := json.Unmarshal([]byte(payload), &env); err != nil {
		return nil, err
	}
	return []envelope{env}, nil
}
