package outbox

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"github.com/masteria/masteria/internal/campaigns/recipient"
	"github.com/masteria/masteria/internal/conversations"
	"math"
	"math/rand/v2"
	"mime"
	"net"
	"slices"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"golang.org/x/time/rate"

	"github.com/masteria/masteria/internal/apierr"
	"github.com/masteria/masteria/internal/channel"
	"github.com/masteria/masteria/internal/connections"
	"github.com/masteria/masteria/internal/contacts"
	"github.com/masteria/masteria/internal/inbound"
	"github.com/masteria/masteria/internal/realtime"
	"github.com/masteria/masteria/internal/store/db"
	"github.com/masteria/masteria/internal/templates"
)

const (
	leaseTTL     = 15 * time.Second
	leaseRenew   = 2 * time.Second
	maxAttempts  = 8
	idleWait     = time.Second
	interrupted  = "send_interrupted"
	interruptMsg = "The server stopped while this message was being handed to the provider; it may or may not have left, so it is not sent again."
)

// DefaultRate is a connection type's sending speed when its settings name none.
func DefaultRate(typ string) (perSecond float64, burst int) {
	if typ == channel.WhatsAppCloud {
		return 80, 80 // Meta's default throughput per number
	}
	return 50, 50
}

// RateOf is the pace a connection sends at: its settings, else its type's
// default.
func RateOf(conn connections.Connection) (perSec float64, burst int) {
	perSec, burst = DefaultRate(conn.Type)
	st := conn.Settings()
	if st.MessagesPerSecond > 0 {
		perSec = st.MessagesPerSecond
		burst = max(1, int(perSec))
	}
	if st.Burst > 0 {
		burst = st.Burst
	}
	return perSec, burst
}

// Run keeps a dispatcher running for every active connection whose lease
// this instance holds, until ctx ends; then it stops them and gives the
// leases back.
func (o *Outbox) Run(ctx context.Context) {
	ticker := time.NewTicker(leaseRenew)
	defer ticker.Stop()
	for {
		if err := o.tend(ctx); err != nil && ctx.Err() == nil {
			o.logger.Error("outbox: tending leases failed", "err", err)
		}
		select {
		case <-ctx.Done():
			o.stopAll()
			return
		case <-ticker.C:
		case <-o.tendC:
		}
	}
}

func (o *Outbox) stopAll() {
	o.mu.Lock()
	ds := o.dispatchers
	o.dispatchers = map[string]*dispatcher{}
	o.mu.Unlock()
	for _, d := range ds {
		d.stop()
	}
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	if _, err := o.db.Exec(ctx, `DELETE FROM connection_leases WHERE owner = ?`, o.owner); err != nil {
		o.logger.Warn("outbox: leases not given back; they expire", "err", err)
	}
}

// tend acquires and renews leases and starts or stops dispatchers to match.
func (o *Outbox) tend(ctx context.Context) error {
	rows, err := o.db.Query(ctx, `SELECT id FROM connections WHERE status = 'active' ORDER BY id`)
	if err != nil {
		return fmt.Errorf("active connections: %w", err)
	}
	var active []string
	for rows.Next() {
		var id string
		if err := rows.Scan(&id); err != nil {
			rows.Close()
			return err
		}
		active = append(active, id)
	}
	rows.Close()
	want := map[string]bool{}
	now := o.now().UTC()
	for _, id := range active {
		res, err := o.db.Exec(ctx, `INSERT INTO connection_leases (connection_id, owner, expires_at) VALUES (?, ?, ?)
			ON CONFLICT (connection_id) DO UPDATE SET owner = excluded.owner, expires_at = excluded.expires_at
			WHERE connection_leases.expires_at < ? OR connection_leases.owner = excluded.owner`, id, o.owner, now.Add(leaseTTL), now)
		if err != nil {
			return fmt.Errorf("lease %s: %w", id, err)
		}
		if n, _ := res.RowsAffected(); n == 1 {
			want[id] = true
		}
	}
	o.mu.Lock()
	var stop []*dispatcher
	for id, d := range o.dispatchers {
		if !want[id] {
			stop = append(stop, d)
			delete(o.dispatchers, id)
		}
	}
	for id := range want {
		if o.dispatchers[id] == nil {
			d := newDispatcher(o, id)
			o.dispatchers[id] = d
			go d.run(context.WithoutCancel(ctx))
		}
	}
	o.mu.Unlock()
	for _, d := range stop {
		d.stop()
	}
	if len(stop) > 0 {
		if _, err := o.db.Exec(ctx, `DELETE FROM connection_leases WHERE owner = ? AND connection_id NOT IN (SELECT id FROM connections WHERE status = 'active')`, o.owner); err != nil {
			return fmt.Errorf("give leases back: %w", err)
		}
	}
	return nil
}

// dispatcher sends for one connection.
type dispatcher struct {
	o        *Outbox
	connID   string
	wakeC    chan struct{} // new messages to send
	resultsC chan struct{} // outcomes to write
	claimC   chan claimReq // messages to mark sending
	quit     chan struct{}
	done     chan struct{}
	limiter  *rate.Limiter
	perSec   float64
	burst    int
	// turns keeps perSecond where the provider counts: at the call itself,
	// after the checks and the claim (see gate).
	turns gate
	// ahead counts the calls handed over that have not passed the gate;
	// passedC signals one passing (see waitAhead).
	ahead   atomic.Int64
	passedC chan struct{}

	slots   chan struct{} // provider calls in flight
	calls   sync.WaitGroup
	mu      sync.Mutex
	results []result // outcomes not yet written
	// writing counts outcomes in a flush not yet committed; flushedC
	// signals each flush's end (see waitBacklog).
	writing  int
	flushedC chan struct{}
	// handed are the messages given to calls since they were fetched, with
	// their attempts then: a fetch can return one whose claim has not
	// committed yet, and it must not take a second turn of the pace. A row
	// back in the queue with more attempts (a refusal that holds it for
	// later) is a new turn. Only the pacing loop touches it.
	handed map[string]int
	// held stops sending from the moment a provider says the connection's
	// credentials no longer work until that is recorded (the connection
	// then reads needs_attention): no more calls with a dead token.
	held atomic.Bool
	// templates the checks read, kept a moment (see facts).
	tplMu     sync.Mutex
	templates map[string]cachedTemplate
}

// InFlight is how many provider calls a connection may have open at once:
// Meta answers in 100-300 ms, so 80 messages per second need a dozen or so.
const InFlight = 32

// maxBacklog bounds the calls made whose outcome is not yet committed. A
// crash turns those into "outcome unknown" (send_interrupted), so when the
// database falls behind the provider, sending waits for it instead.
const maxBacklog = 2 * InFlight

// waitBacklog holds the next call while too many outcomes wait to be
// written.
func (d *dispatcher) waitBacklog(ctx context.Context) error {
	for {
		d.mu.Lock()
		n := len(d.results) + d.writing
		d.mu.Unlock()
		if n < maxBacklog {
			return nil
		}
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-d.flushedC:
		case <-time.After(5 * time.Millisecond):
		}
	}
}

func newDispatcher(o *Outbox, connID string) *dispatcher {
	return &dispatcher{o: o, connID: connID, wakeC: make(chan struct{}, 1), resultsC: make(chan struct{}, 1), claimC: make(chan claimReq), passedC: make(chan struct{}, 1), quit: make(chan struct{}), done: make(chan struct{}),
		slots: make(chan struct{}, InFlight), handed: map[string]int{}, templates: map[string]cachedTemplate{}, flushedC: make(chan struct{}, 1)}
}

func (d *dispatcher) wake() {
	select {
	case d.wakeC <- struct{}{}:
	default:
	}
}

func (d *dispatcher) stop() {
	close(d.quit)
	<-d.done
}

// result is the outcome of a send, written with the next commit.
type result struct {
	companyID, contactID, msgID string
	status                      string // sent, queued (retry), failed
	providerID                  string
	code, reason                string
	sendAt                      time.Time
	at                          time.Time
	marketingStop               bool
	scheduled                   bool
	attention                   string // a reason to mark the connection
	released                    bool   // claimed, never called: queued again as it was
}

// job is a queued message the dispatcher picked.
type job struct {
	id, companyID, contactID string
	contact                  contactState // as read with the row, moments before the call
	out                      channel.Outbound
	attempts                 int
	mediaKey                 string // a file an agent attached, to upload first
	scheduled                bool   // sent later: the list's last message once it leaves
}

func (d *dispatcher) run(parent context.Context) {
	defer close(d.done)
	ctx, cancel := context.WithCancel(parent)
	defer cancel()
	go func() {
		select {
		case <-d.quit:
			cancel()
		case <-ctx.Done():
		}
	}()
	if err := d.reconcile(ctx); err != nil && ctx.Err() == nil {
		d.o.logger.Error("outbox: reconciling interrupted sends failed", "connection_id", d.connID, "err", err)
	}
	flushed := make(chan struct{})
	go func() {
		defer close(flushed)
		d.flusher(ctx)
	}()
	claimsDone := make(chan struct{})
	go func() {
		defer close(claimsDone)
		d.claimer(ctx)
	}()
	var queue []*job
	for ctx.Err() == nil {
		var err error
		if queue, err = d.step(ctx, queue); err != nil && ctx.Err() == nil {
			d.o.logger.Error("outbox: dispatch failed; retrying", "connection_id", d.connID, "err", err)
			queue = nil
			d.idle(ctx, idleWait)
		}
	}
	// Calls in flight finish, and their outcomes are written.
	d.calls.Wait()
	<-claimsDone
	<-flushed
	if err := d.flush(context.WithoutCancel(parent)); err != nil {
		d.o.logger.Error("outbox: results not recorded at stop", "connection_id", d.connID, "err", err)
	}
}

// reconcile fails the rows a crash left in flight: never re-sent blindly.
func (d *dispatcher) reconcile(ctx context.Context) error {
	now := d.o.now().UTC()
	return d.o.db.InTx(ctx, func(tx *db.Tx) error {
		rows, err := tx.Query(ctx, `UPDATE messages SET status = 'failed', failed_at = ?, status_at = ?, error_code = ?, error_reason = ?
			WHERE connection_id = ? AND status = 'sending' RETURNING id`, now, now, interrupted, interruptMsg, d.connID)
		if err != nil {
			return err
		}
		var failed []string
		for rows.Next() {
			var id string
			if err := rows.Scan(&id); err != nil {
				rows.Close()
				return err
			}
			failed = append(failed, id)
		}
		rows.Close()
		if err := rows.Err(); err != nil {
			return err
		}
		for _, id := range failed {
			if err := recipient.Mirror(ctx, tx, id, channel.StatusFailed, interrupted, interruptMsg, now); err != nil {
				return err
			}
		}
		return nil
	})
}

// idle waits for a wake-up, the next scheduled send, or a second.
func (d *dispatcher) idle(ctx context.Context, wait time.Duration) {
	if wait > idleWait {
		wait = idleWait
	}
	if wait <= 0 {
		return
	}
	t := time.NewTimer(wait)
	defer t.Stop()
	select {
	case <-ctx.Done():
	case <-d.wakeC:
	case <-t.C:
	}
}

// step hands the next due message to a provider call, and returns the
// messages fetched ahead in lane order.
func (d *dispatcher) step(ctx context.Context, queue []*job) ([]*job, error) {
	conn, err := d.o.conns.Resolve(ctx, d.connID)
	if err != nil {
		return nil, err
	}
	if conn.Status != connections.Active || d.held.Load() {
		d.idle(ctx, idleWait)
		return nil, nil
	}
	d.pace(conn)
	if len(queue) == 0 {
		var next time.Duration
		if queue, next, err = d.fetch(ctx); err != nil {
			return nil, err
		}
		if len(queue) == 0 {
			d.idle(ctx, next)
			return nil, nil
		}
	}
	if err := d.waitBacklog(ctx); err != nil {
		return nil, err
	}
	if err := d.waitAhead(ctx); err != nil {
		return nil, err
	}
	if err := d.limiter.Wait(ctx); err != nil {
		return nil, err
	}
	// A message that arrived while waiting may belong to a faster lane:
	// the token goes to whatever is first now.
	select {
	case <-d.wakeC:
		if queue, _, err = d.fetch(ctx); err != nil || len(queue) == 0 {
			return nil, err
		}
	default:
	}
	j := queue[0]
	queue = queue[1:]
	d.handed[j.id] = j.attempts
	select {
	case d.slots <- struct{}{}:
	case <-ctx.Done():
		return nil, ctx.Err()
	}
	// The pace is kept here; the checks, the claim and the call run beside
	// it, so that the database's latency never slows the rate down.
	perSecond := d.perSecond()
	d.ahead.Add(1)
	d.calls.Add(1)
	go func() {
		defer d.calls.Done()
		defer func() { <-d.slots }()
		if err := d.handle(ctx, conn, j, perSecond); err != nil && ctx.Err() == nil {
			d.o.logger.Error("outbox: send failed", "connection_id", d.connID, "message_id", j.id, "err", err)
		}
	}()
	return queue, nil
}

// handle checks, claims and sends one message.
func (d *dispatcher) handle(ctx context.Context, conn connections.Resolved, j *job, perSecond int) error {
	passed := sync.OnceFunc(func() {
		d.ahead.Add(-1)
		select {
		case d.passedC <- struct{}{}:
		default:
		}
	})
	defer passed()
	if ok, err := d.ready(ctx, conn, j); err != nil || !ok {
		return err
	}
	// Committed before the call: after a crash the row says the call may
	// have happened.
	claimed, err := d.claim(ctx, j.id)
	if err != nil {
		return fmt.Errorf("claim: %w", err)
	}
	if !claimed {
		return nil // cancelled or changed meanwhile
	}
	sender, err := d.o.adapters.Sender(ctx, conn)
	var pid string
	if err == nil {
		// A call in flight finishes even when the server is stopping:
		// cutting it off would leave its outcome unknown.
		sendCtx, cancel := context.WithTimeout(context.WithoutCancel(ctx), d.o.SendTimeout)
		if err = d.upload(sendCtx, sender, j); err == nil {
			if err = d.turns.pass(ctx, perSecond, time.Second+callMargin); err != nil {
				// Stopping before its turn: nothing was sent, the
				// message is queued again as it was.
				cancel()
				d.add(result{companyID: j.companyID, contactID: j.contactID, msgID: j.id, status: channel.StatusQueued, released: true})
				return nil
			}
			passed()
			pid, err = sender.Send(sendCtx, j.out)
		}
		cancel()
	}
	d.add(d.outcome(j, pid, err))
	return nil
}

// claimReq asks the claimer to mark a message sending.
type claimReq struct {
	id    string
	reply chan claimAnswer
}

type claimAnswer struct {
	claimed bool
	err     error
}

// claim marks a message sending and answers once that is committed, or
// false when it is no longer queued (cancelled, withdrawn by a pause).
// The calls in flight claim at once, so the claimer commits together the
// claims that arrive while the previous commit runs: one commit for many
// messages, each still committed before its own provider call, and only
// messages about to be called are ever marked.
func (d *dispatcher) claim(ctx context.Context, id string) (bool, error) {
	req := claimReq{id: id, reply: make(chan claimAnswer, 1)}
	select {
	case d.claimC <- req:
	case <-ctx.Done():
		return false, ctx.Err()
	}
	// Answered even when ctx ends: a claim committed must be known, or its
	// row would stay sending without a call.
	a := <-req.reply
	return a.claimed, a.err
}

// claimer commits claims in groups until ctx ends.
func (d *dispatcher) claimer(ctx context.Context) {
	for {
		var batch []claimReq
		select {
		case <-ctx.Done():
			return
		case r := <-d.claimC:
			batch = append(batch, r)
		}
	more:
		for len(batch) < InFlight {
			select {
			case r := <-d.claimC:
				batch = append(batch, r)
			default:
				break more
			}
		}
		got, err := d.claimBatch(context.WithoutCancel(ctx), batch)
		for _, r := range batch {
			r.reply <- claimAnswer{claimed: got[r.id], err: err}
		}
	}
}

func (d *dispatcher) claimBatch(ctx context.Context, batch []claimReq) (map[string]bool, error) {
	args := []any{d.connID}
	for _, r := range batch {
		args = append(args, r.id)
	}
	got := map[string]bool{}
	if len(batch) == 1 {
		// Alone (a paced connection): the plain statement, its own commit.
		res, err := d.o.db.Exec(ctx, `UPDATE messages SET status = 'sending', attempts = attempts + 1 WHERE connection_id = ? AND id = ? AND status = 'queued'`,
			d.connID, batch[0].id)
		if err != nil {
			return nil, err
		}
		n, _ := res.RowsAffected()
		got[batch[0].id] = n == 1
		return got, nil
	}
	in := db.Marks(len(batch))
	// A transaction: on SQLite only the writer may update, and a plain
	// query goes to a reader.
	err := d.o.db.InTx(ctx, func(tx *db.Tx) error {
		rows, err := tx.Query(ctx, `UPDATE messages SET status = 'sending', attempts = attempts + 1
			WHERE connection_id = ? AND id IN (`+in+`) AND status = 'queued' RETURNING id`, args...)
		if err != nil {
			return err
		}
		defer rows.Close()
		for rows.Next() {
			var id string
			if err := rows.Scan(&id); err != nil {
				return err
			}
			got[id] = true
		}
		return rows.Err()
	})
	if err != nil {
		return nil, err
	}
	return got, nil
}

// upload hands an attached file to the provider and sends the message by
// the media id it answers. Nothing was sent yet when an upload fails, so a
// failure without an answer is retried like a refusal to try later.
func (d *dispatcher) upload(ctx context.Context, sender channel.Sender, j *job) error {
	m := attachedMedia(j.out, j.mediaKey)
	if m == nil {
		return nil
	}
	up, ok := sender.(channel.Uploader)
	if !ok {
		return &channel.Error{Class: channel.FixRequest, Message: "This connection cannot send attached files."}
	}
	if d.o.Files == nil {
		return errors.New("outbox: no file store to send attachments from")
	}
	r, err := d.o.Files(ctx, j.mediaKey)
	if err != nil {
		return &channel.Error{Class: channel.RetryLater, Status: 503, Message: "the attached file could not be read: " + err.Error()}
	}
	defer r.Close()
	name := m.Filename
	if name == "" {
		// Only documents carry a name to show; the upload needs one anyway.
		name = "attachment"
		if exts, _ := mime.ExtensionsByType(m.MimeType); len(exts) > 0 {
			name += exts[0]
		}
	}
	id, err := up.UploadMedia(ctx, r, name, m.MimeType)
	if err != nil {
		var ce *channel.Error
		if errors.As(err, &ce) && ce.Status == 0 && ce.Code == 0 {
			return &channel.Error{Class: channel.RetryLater, Status: 503, Message: "upload: " + ce.Message}
		}
		return err
	}
	m.ID = id
	return nil
}

// ready runs the checks again at dispatch; a message that fails them fails
// with their code and is never sent.
func (d *dispatcher) ready(ctx context.Context, conn connections.Resolved, j *job) (bool, error) {
	now := d.o.now().UTC()
	c := j.contact
	j.out.To = c.phone
	err := check(conn.Connection, j.contactID, c, withUpload(j.out, j.mediaKey), now, d.facts(ctx, j.companyID, conn.ID))
	if err == nil {
		return true, nil
	}
	e, ok := apierr.As(err)
	if !ok {
		return false, err
	}
	d.add(result{companyID: j.companyID, contactID: j.contactID, msgID: j.id, status: channel.StatusFailed,
		code: e.Code, reason: e.Message, at: now})
	return false, nil
}

// add queues an outcome for the flusher.
func (d *dispatcher) add(r result) {
	d.mu.Lock()
	d.results = append(d.results, r)
	n := len(d.results)
	d.mu.Unlock()
	if n == 1 || n >= 64 {
		select {
		case d.resultsC <- struct{}{}:
		default:
		}
	}
}

// flusher writes outcomes in groups: many results per commit, so that
// SQLite's one writer keeps up with fast connections.
func (d *dispatcher) flusher(ctx context.Context) {
	for {
		select {
		case <-ctx.Done():
			return
		case <-d.resultsC:
		}
		// Let a few more gather: the first one waits at most this long.
		select {
		case <-ctx.Done():
		case <-time.After(5 * time.Millisecond):
		}
		if err := d.flush(context.WithoutCancel(ctx)); err != nil {
			d.o.logger.Error("outbox: recording results failed; retrying", "connection_id", d.connID, "err", err)
			select {
			case <-ctx.Done():
				return
			case <-time.After(time.Second):
			}
			d.add(result{}) // nudge: try again
		}
	}
}

// perSecond is how many sends any one second may hold: the burst, or the
// rate's sends when the burst is smaller (a send at a time, evenly
// spaced).
func (d *dispatcher) perSecond() int {
	return max(d.burst, int(math.Ceil(d.perSec)))
}

// callMargin widens the second the gate keeps. A call released by the gate
// reaches the provider a moment later, and that moment varies (the HTTP
// client, the scheduler on a busy machine): two calls a second apart at the
// gate may arrive less than a second apart. Keeping perSecond within a
// second and this margin absorbs that much of it, for a rate 1% below the
// connection's.
const callMargin = 10 * time.Millisecond

// gate lets calls through one at a time, in the order they arrive, so that
// no second (plus callMargin) holds more than n of them. Each call counts
// from the moment it actually passes, not the moment it was due: calls
// held up together by the database, or by a timer that fired late, then
// pass one by one and never together. (Counting the moment due kept the
// rate a little higher but let 82 through in a second at 80/s.) Calls wait
// here claimed, so that the claim's varying commit time is behind them;
// see aheadMax for how many.
type gate struct {
	once sync.Once
	turn chan struct{} // held by the call passing; receivers queue in order
	ring []time.Time   // the last n passes, oldest at next
	next int
}

// pass waits for the call's turn. It fails only when ctx ends first.
func (g *gate) pass(ctx context.Context, n int, span time.Duration) error {
	g.once.Do(func() {
		g.turn = make(chan struct{}, 1)
		g.turn <- struct{}{}
	})
	select {
	case <-g.turn:
	case <-ctx.Done():
		return ctx.Err()
	}
	defer func() { g.turn <- struct{}{} }()
	if len(g.ring) != n {
		g.ring, g.next = make([]time.Time, n), 0
	}
	at := time.Now()
	if old := g.ring[g.next]; !old.IsZero() {
		if due := old.Add(span); due.After(at) {
			t := time.NewTimer(due.Sub(at))
			defer t.Stop()
			select {
			case <-ctx.Done():
				return ctx.Err()
			case <-t.C:
			}
			at = time.Now()
		}
	}
	g.ring[g.next] = at
	g.next = (g.next + 1) % n
	return nil
}

// aheadMax bounds the calls handed over that have not passed the gate yet
// (being checked, claimed, or waiting their turn): enough to keep the gate
// busy through a claim's commit, a fifth of a second's sends, at least 4
// (a twentieth starved the gate on SQLite under -race: 46/s at 50/s). Not
// more, because a claimed call still leaves after a pause (16 at 80/s).
// Calls are handed over faster than the gate lets them through (see
// pace), so without a bound every slot would end up claimed and waiting,
// and a crash would leave them all unknown though never sent.
func (d *dispatcher) aheadMax() int64 {
	return int64(max(4, int(math.Ceil(d.perSec/5))))
}

// waitAhead holds the next hand-over while aheadMax calls are on their way
// to the gate.
func (d *dispatcher) waitAhead(ctx context.Context) error {
	for d.ahead.Load() >= d.aheadMax() {
		select {
		case <-d.passedC:
		case <-ctx.Done():
			return ctx.Err()
		}
	}
	return nil
}

// pace keeps the limiter in step with the connection's settings. The
// burst setting is the most sends any one second may hold (as a provider
// counts; window keeps it), so the bucket holds what the burst allows
// beyond the second's own rate: a bucket of the whole burst would let a
// rested connection send it at once and then a second's worth more within
// that same second (160 at 80/s with a burst of 80), and while window held
// it back the bucket would fill again, sending every second in one bunch.
// It holds at least a tenth of a second's sends (within the burst), so
// that a dispatcher held up for a moment by the database catches up
// rather than losing the rate.
func (d *dispatcher) pace(conn connections.Resolved) {
	perSec, burst := RateOf(conn.Connection)
	perSecN := int(math.Ceil(perSec))
	bucket := burst - perSecN
	if tenth := (perSecN + 9) / 10; bucket < tenth {
		bucket = max(1, min(burst, tenth))
	}
	// When the gate's second (plus callMargin) is tighter than the rate, the
	// gate keeps the rate, and calls are handed over a tenth faster so that
	// a few always wait their turn there (at most aheadMax): a gate with
	// none waiting loses for good every moment a claim holds its next call
	// up (46/s measured at 50/s under -race with calls handed at the rate).
	limit := perSec
	if float64(max(burst, perSecN))/(time.Second+callMargin).Seconds() < perSec {
		limit = perSec * 1.1
	}
	if d.limiter == nil {
		d.limiter = rate.NewLimiter(rate.Limit(limit), bucket)
	} else if perSec != d.perSec || burst != d.burst {
		d.limiter.SetLimit(rate.Limit(limit))
		d.limiter.SetBurst(bucket)
	}
	d.perSec, d.burst = perSec, burst
}

// fetchSize is how many rows a fetch reads ahead: a tenth of a second's
// sends, at least 20. A reply still goes next: it wakes a new fetch.
func (d *dispatcher) fetchSize() int {
	return max(20, min(200, int(d.perSec/10)))
}

// facts are the checks' reads for a dispatcher: the stored template is
// kept for a second, since a fast connection sends the same one hundreds
// of times a second; a review that pauses it takes effect within that.
func (d *dispatcher) facts(ctx context.Context, companyID, connID string) facts {
	return dispatchFacts{queryFacts{ctx, d.o.db, companyID, connID}, d}
}

type dispatchFacts struct {
	queryFacts
	d *dispatcher
}

// templateTTL is how long a dispatcher trusts a stored template it read.
const templateTTL = time.Second

type cachedTemplate struct {
	st templates.Stored
	at time.Time
}

func (f dispatchFacts) template(name, language string) (templates.Stored, error) {
	key := f.companyID + "|" + name + "|" + language
	now := time.Now()
	f.d.tplMu.Lock()
	c, ok := f.d.templates[key]
	f.d.tplMu.Unlock()
	if ok && now.Sub(c.at) < templateTTL {
		return c.st, nil
	}
	st, err := f.queryFacts.template(name, language)
	if err != nil {
		return st, err
	}
	f.d.tplMu.Lock()
	f.d.templates[key] = cachedTemplate{st, now}
	f.d.tplMu.Unlock()
	return st, nil
}

// fetch reads the next due messages in lane order (a few, so that a
// reply waits for at most the ones already fetched, and a wake-up fetches
// again); when none is due it says how long until the next scheduled one.
func (d *dispatcher) fetch(ctx context.Context) ([]*job, time.Duration, error) {
	now := d.o.now().UTC()
	// The contact's number and consent come with the row: read in the
	// same moment as the row itself, a few calls before it leaves.
	rows, err := d.o.db.Query(ctx, `SELECT m.id, m.company_id, m.contact_id, m.content, m.attempts, m.media_key, m.scheduled, c.phone, c.consent_state
		FROM messages m JOIN contacts c ON c.id = m.contact_id
		WHERE m.connection_id = ? AND m.status = 'queued' AND m.send_at <= ? ORDER BY m.lane, m.send_at, m.id LIMIT ?`, d.connID, now, d.fetchSize())
	if err != nil {
		return nil, 0, fmt.Errorf("next messages: %w", err)
	}
	var out []*job
	handed := map[string]int{}
	for rows.Next() {
		var j job
		var content string
		if err := rows.Scan(&j.id, &j.companyID, &j.contactID, &content, &j.attempts, &j.mediaKey, &j.scheduled, &j.contact.phone, &j.contact.consent); err != nil {
			rows.Close()
			return nil, 0, err
		}
		if n, ok := d.handed[j.id]; ok && n == j.attempts {
			handed[j.id] = n // still being claimed: not again
			continue
		}
		if err := json.Unmarshal([]byte(content), &j.out); err != nil {
			rows.Close()
			return nil, 0, fmt.Errorf("message %s content: %w", j.id, err)
		}
		out = append(out, &j)
	}
	rows.Close()
	d.handed = handed
	if err := rows.Err(); err != nil || len(out) > 0 {
		return out, 0, err
	}
	if len(handed) > 0 {
		return nil, 5 * time.Millisecond, nil // their claims commit in a moment
	}
	var soonest db.Time
	if err := d.o.db.QueryRow(ctx, `SELECT min(send_at) FROM messages WHERE connection_id = ? AND status = 'queued'`, d.connID).Scan(&soonest); err != nil {
		return nil, 0, err
	}
	if soonest.IsZero() {
		return nil, idleWait, nil
	}
	return nil, soonest.Sub(now), nil
}

// outcome turns a send's answer into the result to record.
func (d *dispatcher) outcome(j *job, pid string, err error) result {
	now := d.o.now().UTC()
	r := result{companyID: j.companyID, contactID: j.contactID, msgID: j.id, at: now, scheduled: j.scheduled}
	if err == nil {
		r.status, r.providerID = channel.StatusSent, pid
		return r
	}
	var ce *channel.Error
	if !errors.As(err, &ce) {
		r.status, r.code, r.reason = channel.StatusFailed, "internal", "The message could not be handed to the provider: "+err.Error()
		return r
	}
	r.code = strconv.Itoa(ce.Code)
	if ce.Code == 0 {
		r.code = string(ce.Class)
	}
	var dial *net.OpError
	if ce.Class == channel.RetryLater && ce.Status == 0 && ce.Code == 0 && !(errors.As(err, &dial) && dial.Op == "dial") {
		// No answer after the request may have arrived: the provider may
		// have sent it. Never sent twice: it fails as unknown.
		r.status, r.code = channel.StatusFailed, "outcome_unknown"
		r.reason = "The provider did not answer after the message was handed over; it may have been sent, so it is not sent again."
		return r
	}
	r.reason = ce.Meaning
	if r.reason == "" {
		r.reason = ce.Message
	}
	attempts := j.attempts + 1
	switch {
	case ce.Class == channel.NeedsAttention:
		// Not the message's fault: it waits until the connection is fixed.
		r.status, r.sendAt, r.attention = channel.StatusQueued, now, ce.Meaning
		d.held.Store(true)
	case ce.Class.Retryable() && attempts < maxAttempts:
		wait := d.o.RetryBase << min(attempts-1, 8)
		if ce.Class == channel.BackOffRecipient {
			// Meta's pair rate limit: 4^n seconds after the n-th refusal.
			wait = max(wait, time.Duration(math.Pow(4, float64(min(attempts, 5))))*time.Second)
		}
		wait += time.Duration(rand.Int64N(int64(wait/4) + 1))
		if ce.RetryAfter > wait {
			wait = ce.RetryAfter
		}
		r.status, r.sendAt = channel.StatusQueued, now.Add(min(wait, 5*time.Minute))
	default:
		r.status = channel.StatusFailed
		r.marketingStop = ce.Code == 131050
	}
	return r
}

// flush writes the pending outcomes in one transaction (the flusher groups
// them, so that many sends share a commit).
func (d *dispatcher) flush(ctx context.Context) error {
	d.mu.Lock()
	pending := d.results
	d.results = nil
	d.writing = len(pending)
	d.mu.Unlock()
	if len(pending) == 0 {
		return nil
	}
	defer func() {
		d.mu.Lock()
		d.writing = 0
		d.mu.Unlock()
		select {
		case d.flushedC <- struct{}{}:
		default:
		}
	}()
	err := d.o.db.InTx(ctx, func(tx *db.Tx) error {
		var sent []string
		for _, r := range pending {
			if r.status == channel.StatusSent && r.msgID != "" {
				sent = append(sent, r.providerID)
			}
		}
		if err := inbound.LockReports(ctx, tx, d.connID, sent); err != nil {
			return err
		}
		// Sends, the bulk of any flush, are recorded a statement per kind
		// of row for the lot; retries and failures one by one.
		var pubs []pub
		var ok []result
		for _, r := range pending {
			if r.status == channel.StatusSent && r.msgID != "" {
				ok = append(ok, r)
				continue
			}
			p, err := d.record(ctx, tx, r)
			if err != nil {
				return err
			}
			pubs = append(pubs, p...)
		}
		attention := slices.ContainsFunc(pending, func(r result) bool { return r.attention != "" })
		p, err := d.recordSent(ctx, tx, ok)
		if err != nil {
			return err
		}
		pubs = append(pubs, p...)
		tx.AfterCommit(func() {
			if attention {
				d.held.Store(false) // the connection now says needs_attention itself
			}
			for _, p := range pubs {
				d.o.hub.Publish(p.company, p.ev)
			}
		})
		return nil
	})
	if err != nil {
		// Kept for the next commit: outcomes of calls made are never dropped.
		d.mu.Lock()
		d.results = append(pending, d.results...)
		d.mu.Unlock()
	}
	return err
}

type pub struct {
	company string
	ev      realtime.Event
}

// recordSent records sends as record does each: the message sent with its
// provider id (unless a new lease holder reconciled it meanwhile), the
// campaign recipient, the contact's last outbound time, a scheduled
// message becoming its conversation's last, and delivery reports that
// arrived before the send was recorded (see LockReports in flush).
func (d *dispatcher) recordSent(ctx context.Context, tx *db.Tx, rs []result) ([]pub, error) {
	byCompany := map[string][]result{}
	var companies []string
	for _, r := range rs {
		if _, ok := byCompany[r.companyID]; !ok {
			companies = append(companies, r.companyID)
		}
		byCompany[r.companyID] = append(byCompany[r.companyID], r)
	}
	var pubs []pub
	for _, co := range companies {
		rs := byCompany[co]
		var args, keys []any
		for _, r := range rs {
			args = append(args, r.msgID, r.providerID, r.at)
			keys = append(keys, r.msgID)
		}
		args = append(append(args, keys...), d.connID, co)
		values := strings.TrimSuffix(strings.Repeat("(?, ?, "+db.TimeValue(tx.Dialect())+"), ", len(rs)), ", ")
		// The ids also as a list on the key: found by it whatever the
		// statistics say (see recipient.MirrorSent).
		rows, err := tx.Query(ctx, `WITH v (id, pid, at) AS (VALUES `+values+`)
			UPDATE messages SET status = 'sent', provider_message_id = v.pid, sent_at = v.at, status_at = v.at, error_code = '', error_reason = ''
			FROM v WHERE messages.id = v.id AND messages.id IN (`+db.Marks(len(keys))+`)
			AND messages.connection_id || '' = ? AND messages.company_id || '' = ? AND messages.status || '' = 'sending'
			RETURNING messages.id`, args...)
		if err != nil {
			return nil, fmt.Errorf("record sent: %w", err)
		}
		recorded := map[string]bool{}
		for rows.Next() {
			var id string
			if err := rows.Scan(&id); err != nil {
				rows.Close()
				return nil, err
			}
			recorded[id] = true
		}
		rows.Close()
		if err := rows.Err(); err != nil {
			return nil, fmt.Errorf("record sent: %w", err)
		}
		sentAt, touched := map[string]time.Time{}, map[string]time.Time{}
		var pids []string
		for _, r := range rs {
			if !recorded[r.msgID] {
				continue // reconciled meanwhile by a new lease holder
			}
			sentAt[r.msgID] = r.at
			if r.at.After(touched[r.contactID]) {
				touched[r.contactID] = r.at
			}
			pids = append(pids, r.providerID)
			pubs = append(pubs, pub{co, realtime.Event{Type: "message.status", Data: map[string]any{
				"message_id": r.msgID, "status": channel.StatusSent, "error_code": ""}}})
			if r.scheduled {
				if err := conversations.Left(ctx, tx, r.msgID, r.at); err != nil {
					return nil, err
				}
			}
		}
		if err := recipient.MirrorSent(ctx, tx, co, sentAt); err != nil {
			return nil, err
		}
		if err := contacts.TouchOutboundMany(ctx, tx, co, touched); err != nil {
			return nil, err
		}
		early, err := inbound.Unmatched(ctx, tx, d.connID, pids)
		if err != nil {
			return nil, err
		}
		for _, r := range rs {
			if !recorded[r.msgID] || !early[r.providerID] {
				continue
			}
			evs, err := inbound.ApplyUnmatched(ctx, tx, co, d.connID, r.msgID, r.providerID)
			if err != nil {
				return nil, err
			}
			for _, ev := range evs {
				pubs = append(pubs, pub{co, ev})
			}
		}
	}
	return pubs, nil
}

func (d *dispatcher) record(ctx context.Context, tx *db.Tx, r result) ([]pub, error) {
	if r.msgID == "" {
		return nil, nil
	}
	var pubs []pub
	status := func(s, code string) {
		pubs = append(pubs, pub{r.companyID, realtime.Event{Type: "message.status", Data: map[string]any{
			"message_id": r.msgID, "status": s, "error_code": code}}})
	}
	switch r.status {
	case channel.StatusSent:
		res, err := tx.Exec(ctx, `UPDATE messages SET status = 'sent', provider_message_id = ?, sent_at = ?, status_at = ?, error_code = '', error_reason = ''
			WHERE id = ? AND status = 'sending'`, r.providerID, r.at, r.at, r.msgID)
		if err != nil {
			return nil, fmt.Errorf("record sent: %w", err)
		}
		if n, _ := res.RowsAffected(); n == 0 {
			return nil, nil // reconciled meanwhile by a new lease holder
		}
		status(channel.StatusSent, "")
		if err := recipient.Mirror(ctx, tx, r.msgID, channel.StatusSent, "", "", r.at); err != nil {
			return nil, err
		}
		if r.scheduled {
			if err := conversations.Left(ctx, tx, r.msgID, r.at); err != nil {
				return nil, err
			}
		}
		if err := contacts.TouchOutbound(ctx, tx, r.companyID, r.contactID, r.at); err != nil {
			return nil, err
		}
		evs, err := inbound.ApplyUnmatched(ctx, tx, r.companyID, d.connID, r.msgID, r.providerID)
		if err != nil {
			return nil, err
		}
		for _, ev := range evs {
			pubs = append(pubs, pub{r.companyID, ev})
		}
	case channel.StatusQueued:
		if r.released {
			if _, err := tx.Exec(ctx, `UPDATE messages SET status = 'queued', attempts = attempts - 1 WHERE id = ? AND status = 'sending'`, r.msgID); err != nil {
				return nil, fmt.Errorf("release claim: %w", err)
			}
			return nil, nil
		}
		if _, err := tx.Exec(ctx, `UPDATE messages SET status = 'queued', send_at = ?, error_code = ?, error_reason = ?
			WHERE id = ? AND status = 'sending'`, r.sendAt, r.code, r.reason, r.msgID); err != nil {
			return nil, fmt.Errorf("record retry: %w", err)
		}
		if r.attention != "" {
			if err := d.o.conns.SetStatus(ctx, tx, r.companyID, d.connID, connections.NeedsAttention, r.attention); err != nil {
				return nil, err
			}
			pubs = append(pubs, pub{r.companyID, realtime.Event{Type: "connection.status", Data: map[string]any{
				"connection_id": d.connID, "status": connections.NeedsAttention}}})
		}
	default:
		if _, err := tx.Exec(ctx, `UPDATE messages SET status = 'failed', failed_at = ?, status_at = ?, error_code = ?, error_reason = ?
			WHERE id = ? AND status IN ('sending', 'queued')`, r.at, r.at, r.code, r.reason, r.msgID); err != nil {
			return nil, fmt.Errorf("record failure: %w", err)
		}
		status(channel.StatusFailed, r.code)
		if err := recipient.Mirror(ctx, tx, r.msgID, channel.StatusFailed, r.code, r.reason, r.at); err != nil {
			return nil, err
		}
		if r.marketingStop && d.o.Contacts != nil {
			if _, err := d.o.Contacts.RecordConsentTx(ctx, tx, r.companyID, r.contactID, contacts.ConsentInput{
				Action: "opt_out", Source: "provider", Channel: channel.WhatsAppCloud, Reason: "marketing_messages stopped (WhatsApp error 131050)",
			}); err != nil {
				return nil, err
			}
		}
	}
	return pubs, nil
}
