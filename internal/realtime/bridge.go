package realtime

import (
	"context"
	"encoding/json"
	"log/slog"
	"time"

	"github.com/jackc/pgx/v5/pgxpool"
)

// channelName is the NOTIFY channel every instance listens on.
const channelName = "masteria_events"

// Bridge carries events between instances through PostgreSQL's
// LISTEN/NOTIFY. NOTIFY payloads are limited to 8,000 bytes, which events
// (ids and states) stay far below.
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
		var env envelope
		if err := json.Unmarshal([]byte(n.Payload), &env); err != nil {
			continue
		}
		var data any
		if len(env.Data) > 0 {
			data = env.Data
		}
		b.hub.Deliver(env.Company, Event{Type: env.Type, Data: data})
	}
}

func (b *Bridge) sendLoop(ctx context.Context) {
	for {
		select {
		case <-ctx.Done():
			return
		case env := <-b.out:
			payload, _ := json.Marshal(env)
			if _, err := b.pool.Exec(ctx, `SELECT pg_notify($1, $2)`, channelName, string(payload)); err != nil && ctx.Err() == nil {
				b.logger.Warn("realtime: notify failed; event delivered on this instance only", "err", err)
				var data any
				if len(env.Data) > 0 {
					data = env.Data
				}
				b.hub.Deliver(env.Company, Event{Type: env.Type, Data: data})
			}
		}
	}
}
