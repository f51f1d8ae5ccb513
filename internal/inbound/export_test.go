package inbound

import "context"

// ProcessBatched applies due events as one batch, set-based, without
// falling back to event-by-event application: a test sees the batched
// path's own error, if any.
func (p *Processor) ProcessBatched(ctx context.Context) (int, error) {
	p.init()
	return p.process(ctx, false)
}

// ProcessEachAlone applies due events one by one, message by message (the
// path a batch falls back to).
func (p *Processor) ProcessEachAlone(ctx context.Context) (int, error) {
	p.init()
	return p.process(ctx, true)
}
