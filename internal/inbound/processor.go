package inbound

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"sync"
	"time"

	"github.com/masteria/masteria/internal/channel"
	"github.com/masteria/masteria/internal/companies"
	"github.com/masteria/masteria/internal/connections"
	"github.com/masteria/masteria/internal/contacts"
	"github.com/masteria/masteria/internal/conversations"
	"github.com/masteria/masteria/internal/realtime"
	"github.com/masteria/masteria/internal/store/db"
)

// Parser reads one source's payload.
type Parser func(body []byte) ([]channel.Batch, error)

// Stored is a new inbound message as hooks see it.
type Stored struct {
	CompanyID      string
	ConnectionID   string
	ConversationID string
	ContactID      string
	MessageID      string
	Message        channel.Inbound
	// OpenedConversation says the message opened a new conversation.
	OpenedConversation bool
}

// Hook runs for every new inbound message inside the transaction that
// stored it; an error fails the event (and rolls the message back).
type Hook func(ctx context.Context, tx *db.Tx, m Stored) error

// Processor applies recorded events.
type Processor struct {
	DB          *db.DB
	Contacts    *contacts.Service
	Companies   *companies.Service
	Connections *connections.Service
	// Conversations auto-assigns and writes timeline events (nil: neither).
	Conversations *conversations.Service
	Hub           *realtime.Hub
	Logger        *slog.Logger
	Parsers       map[string]Parser
	// FetchMedia schedules the download of a message's file, in tx.
	FetchMedia func(ctx context.Context, tx *db.Tx, companyID, messageID string) error
	// Templates applies a provider's template review, in tx.
	Templates func(ctx context.Context, tx *db.Tx, companyID, connectionID string, u channel.TemplateUpdate) error
	Hooks     []Hook
	// BatchSize is how many events one transaction applies (default 200).
	BatchSize int
	// Workers is how many transactions apply events at once (default one).
	// A message's reports arrive one after another, so concurrent workers
	// on PostgreSQL mostly wait for each other's row locks (measured: more
	// workers were slower); several instances still share the work.
	Workers int
	// Poll is how often due events are looked for without a wake-up
	// (default 200 ms): scheduled events, and other instances' intake.
	Poll time.Duration

	wakeOnce sync.Once
	wake     chan struct{}
}

func (p *Processor) init() {
	p.wakeOnce.Do(func() {
		p.wake = make(chan struct{}, 1)
		if p.BatchSize == 0 {
			p.BatchSize = 200
		}
		if p.Poll == 0 {
			p.Poll = 200 * time.Millisecond
		}
		if p.Workers == 0 {
			p.Workers = 1
		}
	})
}

// Wake tells the processor new events were recorded.
func (p *Processor) Wake() {
	p.init()
	select {
	case p.wake <- struct{}{}:
	default:
	}
}

// Run applies due events until ctx ends.
func (p *Processor) Run(ctx context.Context) {
	p.init()
	var wg sync.WaitGroup
	for i := range p.Workers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			p.work(ctx, i == 0)
		}()
	}
	wg.Wait()
}

// work is one worker's loop; the first also cleans old events up.
func (p *Processor) work(ctx context.Context, cleans bool) {
	ticker := time.NewTicker(p.Poll)
	defer ticker.Stop()
	lastCleanup := time.Time{}
	for ctx.Err() == nil {
		n, err := p.ProcessDue(ctx)
		if err != nil && ctx.Err() == nil {
			p.Logger.Error("inbound processing failed; retrying", "err", err)
			select {
			case <-ctx.Done():
			case <-time.After(time.Second):
			}
			continue
		}
		if n >= p.BatchSize {
			continue
		}
		if cleans && time.Since(lastCleanup) > time.Hour {
			lastCleanup = time.Now()
			if err := p.cleanup(ctx); err != nil && ctx.Err() == nil {
				p.Logger.Warn("webhook event cleanup failed", "err", err)
			}
		}
		select {
		case <-ctx.Done():
		case <-p.wake:
		case <-ticker.C:
		}
	}
}

func (p *Processor) cleanup(ctx context.Context) error {
	now := time.Now().UTC()
	_, err := p.DB.Exec(ctx, `DELETE FROM webhook_events WHERE (status = 'processed' AND processed_at < ?) OR (status = 'failed' AND processed_at < ?)`,
		now.Add(-7*24*time.Hour), now.Add(-30*24*time.Hour))
	return err
}

type eventRow struct {
	id, companyID, connectionID, source string
	payload                             []byte
}

// errCareful asks for the batch to be applied again event by event.
var errCareful = errors.New("an event failed; applying the batch one event at a time")

// ProcessDue applies up to BatchSize due events in one transaction and
// returns how many it handled. The batch is first applied as a whole; if
// any event fails, it is rolled back and applied again with each event in
// its own savepoint, so that only the failing ones are marked failed.
func (p *Processor) ProcessDue(ctx context.Context) (int, error) {
	p.init()
	n, err := p.process(ctx, false)
	if errors.Is(err, errCareful) {
		return p.process(ctx, true)
	}
	return n, err
}

func (p *Processor) process(ctx context.Context, careful bool) (int, error) {
	var n int
	err := p.DB.InTx(ctx, func(tx *db.Tx) error {
		// The raw events are durable already; what applying them writes
		// can be redone from them, so on PostgreSQL this commit does not
		// wait for the disk (see db.BulkLoad): a crash loses at most the last
		// few applications, and their events, still "received", are applied
		// again, to the same result.
		if err := db.BulkLoad(ctx, tx); err != nil {
			return err
		}
		rows, err := tx.Query(ctx, `SELECT id, company_id, connection_id, source, payload FROM webhook_events
			WHERE status = 'received' AND available_at <= ? ORDER BY available_at, id LIMIT ?`+db.SkipLocked(tx.Dialect()),
			db.Now(), p.BatchSize)
		if err != nil {
			return fmt.Errorf("claim webhook events: %w", err)
		}
		var evs []eventRow
		for rows.Next() {
			var e eventRow
			if err := rows.Scan(&e.id, &e.companyID, &e.connectionID, &e.source, &e.payload); err != nil {
				rows.Close()
				return err
			}
			evs = append(evs, e)
		}
		rows.Close()
		if err := rows.Err(); err != nil {
			return err
		}
		n = len(evs)
		cache := map[string]companies.Company{}
		if careful {
			// Events fail alone, each rolled back to its savepoint; a
			// deadlock or serialization failure is nobody's input and
			// retries the whole batch later.
			for _, e := range evs {
				if err := p.processOne(ctx, tx, e, cache); err != nil {
					return err
				}
			}
			return nil
		}
		type published struct {
			company string
			events  []realtime.Event
		}
		var pubs []published
		var appliers []*applier
		set := &batchSet{} // the batch's reports and plain messages, applied together
		done := make([]any, 0, len(evs))
		for _, e := range evs {
			a, err := p.applyEvent(ctx, tx, e, cache, set)
			if err != nil {
				if ctx.Err() != nil {
					return ctx.Err()
				}
				return fmt.Errorf("%w: %v", errCareful, err)
			}
			appliers = append(appliers, a)
			done = append(done, e.id)
		}
		err = flushMessages(ctx, tx, set)
		if err == nil {
			err = applyReports(ctx, tx, set.reports)
		}
		if err != nil {
			if ctx.Err() != nil {
				return ctx.Err()
			}
			return fmt.Errorf("%w: %v", errCareful, err)
		}
		for _, a := range appliers {
			if len(a.pubs) > 0 {
				pubs = append(pubs, published{a.company.ID, a.pubs})
			}
		}
		if len(done) > 0 {
			args := append([]any{db.Now()}, done...)
			if _, err := tx.Exec(ctx, `UPDATE webhook_events SET status = 'processed', error = '', attempts = attempts + 1, processed_at = ?
				WHERE id IN (`+db.Marks(len(done))+`)`, args...); err != nil {
				return fmt.Errorf("mark processed: %w", err)
			}
		}
		tx.AfterCommit(func() {
			for _, pub := range pubs {
				for _, ev := range pub.events {
					p.Hub.Publish(pub.company, ev)
				}
			}
		})
		return nil
	})
	return n, err
}

// processOne applies one event inside a savepoint, marking it processed or
// failed. Only a cancelled context aborts the whole batch.
func (p *Processor) processOne(ctx context.Context, tx *db.Tx, e eventRow, cache map[string]companies.Company) error {
	if _, err := tx.Exec(ctx, `SAVEPOINT event`); err != nil {
		return fmt.Errorf("savepoint: %w", err)
	}
	a, applyErr := p.applyEvent(ctx, tx, e, cache, nil)
	if applyErr != nil {
		if ctx.Err() != nil {
			return ctx.Err()
		}
		if db.IsTransient(applyErr) {
			return applyErr
		}
		if _, err := tx.Exec(ctx, `ROLLBACK TO SAVEPOINT event`); err != nil {
			return fmt.Errorf("rollback to savepoint: %w", err)
		}
		msg := applyErr.Error()
		if len(msg) > 1000 {
			msg = msg[:1000]
		}
		p.Logger.Warn("webhook event failed", "event_id", e.id, "connection_id", e.connectionID, "err", msg)
		_, err := tx.Exec(ctx, `UPDATE webhook_events SET status = 'failed', error = ?, attempts = attempts + 1, processed_at = ? WHERE id = ?`,
			msg, db.Now(), e.id)
		return err
	}
	if _, err := tx.Exec(ctx, `RELEASE SAVEPOINT event`); err != nil {
		return fmt.Errorf("release savepoint: %w", err)
	}
	if _, err := tx.Exec(ctx, `UPDATE webhook_events SET status = 'processed', error = '', attempts = attempts + 1, processed_at = ? WHERE id = ?`,
		db.Now(), e.id); err != nil {
		return err
	}
	if pubs := a.pubs; len(pubs) > 0 {
		company := e.companyID
		tx.AfterCommit(func() {
			for _, ev := range pubs {
				p.Hub.Publish(company, ev)
			}
		})
	}
	return nil
}

// errBadEvent marks problems of the event itself, not of the database.
var errBadEvent = errors.New("bad event")

// applyEvent applies one event's batches; set, when not nil, collects its
// delivery reports and plain messages for the caller to apply with the rest
// of the batch.
func (p *Processor) applyEvent(ctx context.Context, tx *db.Tx, e eventRow, cache map[string]companies.Company, set *batchSet) (*applier, error) {
	parse := p.Parsers[e.source]
	if parse == nil {
		return nil, fmt.Errorf("%w: no parser for source %q", errBadEvent, e.source)
	}
	batches, err := parse(e.payload)
	if err != nil {
		return nil, fmt.Errorf("could not read the payload: %w", err)
	}
	conn, err := p.Connections.Resolve(ctx, e.connectionID)
	if err != nil {
		return nil, fmt.Errorf("connection: %w", err)
	}
	co, ok := cache[e.companyID]
	if !ok {
		if co, err = p.Companies.Get(ctx, e.companyID); err != nil {
			return nil, fmt.Errorf("company: %w", err)
		}
		cache[e.companyID] = co
	}
	a := &applier{p: p, tx: tx, conn: conn, company: co, set: set}
	for _, b := range batches {
		if conn.Type == channel.WhatsAppCloud && b.PhoneNumberID != "" && b.PhoneNumberID != conn.Settings().PhoneNumberID {
			continue
		}
		if err := a.batch(ctx, b); err != nil {
			return nil, err
		}
	}
	return a, nil
}
