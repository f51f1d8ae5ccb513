package campaigns

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"github.com/masteria/masteria/internal/contacts"
	"math/rand/v2"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/masteria/masteria/internal/apierr"
	"github.com/masteria/masteria/internal/channel"
	"github.com/masteria/masteria/internal/outbox"
	"github.com/masteria/masteria/internal/realtime"
	"github.com/masteria/masteria/internal/store/db"
)

// Start freezes the audience and starts sending (or waits for the
// schedule's start).
func (s *Service) Start(ctx context.Context, companyID, id string) (Campaign, error) {
	c, err := get(ctx, s.db, companyID, id)
	if err != nil {
		return c, err
	}
	if c.Status != Draft {
		return Campaign{}, apierr.Conflict("not_draft", "This campaign was already started.")
	}
	if err := s.check(ctx, companyID, c); err != nil {
		return Campaign{}, err
	}
	err = s.db.InTx(ctx, func(tx *db.Tx) error {
		// The freeze writes a row per recipient, up to a million, in this
		// one transaction; its commit need not wait for the WAL to reach the
		// disk. A crash that loses it loses the whole start (the campaign is
		// still a draft, nothing was queued, since every send happens in a
		// later, ordinary transaction whose commit flushes this one first);
		// starting again redoes it.
		if err := db.BulkLoad(ctx, tx); err != nil {
			return err
		}
		now := db.Now()
		status := Running
		if c.Schedule.StartAt != nil && c.Schedule.StartAt.After(s.now()) {
			status = Scheduled
		}
		// The campaign row first: its lock makes a deletion of the
		// campaign wait for this commit (and then remove every recipient
		// written here), and a start that lost a race stops before
		// writing a million rows.
		res, err := tx.Exec(ctx, `UPDATE campaigns SET status = ?, status_reason = '', started_at = ?, updated_at = ? WHERE company_id = ? AND id = ? AND status = 'draft'`,
			status, now, now, companyID, c.ID)
		if err != nil {
			return fmt.Errorf("start campaign: %w", err)
		}
		if n, _ := res.RowsAffected(); n == 0 {
			return apierr.Conflict("not_draft", "This campaign was already started.")
		}
		cond, args, err := s.contacts.AudienceCond(ctx, tx, companyID, c.Audience)
		if err != nil {
			return err
		}
		requireOptIn, err := s.requiresOptIn(ctx, tx, companyID, c)
		if err != nil {
			return err
		}
		// The n-th recipient by contact id goes to connection n mod k. With
		// one connection there is no rotation, and no row_number() whose
		// sort SQLite would run for nothing.
		var pick, rn strings.Builder
		var pickArgs []any
		if len(c.ConnectionIDs) == 1 {
			pick.WriteString("?")
			pickArgs = append(pickArgs, c.ConnectionIDs[0])
		} else {
			pick.WriteString("CASE c.rn % " + strconv.Itoa(len(c.ConnectionIDs)))
			for i, conn := range c.ConnectionIDs {
				pick.WriteString(" WHEN " + strconv.Itoa(i) + " THEN ?")
				pickArgs = append(pickArgs, conn)
			}
			pick.WriteString(" END")
			rn.WriteString(", row_number() OVER (ORDER BY c.id) - 1 AS rn")
		}
		consent := "0 = 1"
		if requireOptIn {
			consent = "c.consent_state <> 'opted_in'"
		}
		q := `INSERT INTO campaign_recipients (campaign_id, contact_id, company_id, phone, connection_id, status, error_code, error_reason, updated_at)
			SELECT ?, c.id, c.company_id, c.phone, ` + pick.String() + `,
				CASE WHEN c.consent_state = 'opted_out' OR ` + consent + ` THEN 'skipped' ELSE 'pending' END,
				CASE WHEN c.consent_state = 'opted_out' THEN 'opted_out' WHEN ` + consent + ` THEN 'no_consent' ELSE '' END,
				CASE WHEN c.consent_state = 'opted_out' THEN ? WHEN ` + consent + ` THEN ? ELSE '' END,
				?
			FROM (SELECT c.id, c.company_id, c.phone, c.consent_state` + rn.String() + `
				FROM contacts c WHERE ` + cond + `) c`
		all := append([]any{c.ID}, pickArgs...)
		all = append(all, "The contact opted out of messages.", "No opt-in is recorded for this contact, and the company requires one for marketing.", now)
		all = append(all, args...)
		if _, err := tx.Exec(ctx, q, all...); err != nil {
			return fmt.Errorf("freeze audience: %w", err)
		}
		s.publish(tx, companyID, c.ID)
		return nil
	})
	if err != nil {
		return Campaign{}, err
	}
	// The freeze may have written most of the table: PostgreSQL would
	// otherwise plan the sends' look-ups by recipient from statistics taken
	// before it, until autovacuum's next round. A failure leaves only the
	// old statistics.
	if err := s.db.Analyze(ctx, "campaign_recipients"); err != nil {
		s.logger.Warn("campaigns: statistics not refreshed after the freeze", "campaign_id", id, "err", err)
	}
	return s.Get(ctx, companyID, id)
}

// requiresOptIn says whether recipients without a recorded opt-in are
// skipped: the company's setting, for marketing (MARKETING templates and
// free-form messages).
func (s *Service) requiresOptIn(ctx context.Context, q db.Querier, companyID string, c Campaign) (bool, error) {
	var required bool
	if err := q.QueryRow(ctx, `SELECT campaigns_require_opt_in FROM companies WHERE id = ?`, companyID).Scan(&required); err != nil {
		return false, fmt.Errorf("consent setting: %w", err)
	}
	if !required {
		return false, nil
	}
	if c.Message.Type != channel.TypeTemplate {
		return true, nil
	}
	var category string
	err := q.QueryRow(ctx, `SELECT category FROM templates WHERE company_id = ? AND connection_id = ? AND name = ? AND language = ?`,
		companyID, c.ConnectionIDs[0], c.Message.Template.Name, c.Message.Template.Language).Scan(&category)
	if err != nil {
		return false, fmt.Errorf("template category: %w", err)
	}
	return strings.EqualFold(category, "MARKETING"), nil
}

// transition moves a campaign between statuses; from lists where it may
// come from.
func (s *Service) transition(ctx context.Context, companyID, id, to, reason string, from []string, then func(tx *db.Tx) error) (Campaign, error) {
	c, err := get(ctx, s.db, companyID, id)
	if err != nil {
		return c, err
	}
	if !slices.Contains(from, c.Status) {
		return Campaign{}, apierr.Conflict("invalid_transition", fmt.Sprintf("A %s campaign cannot be %s.", c.Status, to))
	}
	err = s.db.InTx(ctx, func(tx *db.Tx) error {
		now := db.Now()
		var finished any
		if to == Canceled || to == Completed {
			finished = now
		}
		res, err := tx.Exec(ctx, `UPDATE campaigns SET status = ?, status_reason = ?, finished_at = COALESCE(?, finished_at), updated_at = ?
			WHERE id = ? AND status = ?`, to, reason, finished, now, id, c.Status)
		if err != nil {
			return fmt.Errorf("campaign status: %w", err)
		}
		if n, _ := res.RowsAffected(); n == 0 {
			return apierr.Conflict("invalid_transition", "The campaign changed meanwhile; reload it.")
		}
		if then != nil {
			if err := then(tx); err != nil {
				return err
			}
		}
		s.publish(tx, companyID, id)
		return nil
	})
	if err != nil {
		return Campaign{}, err
	}
	return s.Get(ctx, companyID, id)
}

// pullBack withdraws a campaign's messages still waiting in the outbox
// (not yet taken by a dispatcher): their recipients go back to pending, or
// to status/reason when given.
func pullBack(ctx context.Context, tx *db.Tx, id, status, code, reason string) error {
	rows, err := tx.Query(ctx, `SELECT r.message_id FROM campaign_recipients r JOIN messages m ON m.id = r.message_id
		WHERE r.campaign_id = ? AND r.status = 'queued' AND m.status = 'queued'`, id)
	if err != nil {
		return fmt.Errorf("queued recipients: %w", err)
	}
	var msgs []string
	for rows.Next() {
		var m string
		if err := rows.Scan(&m); err != nil {
			rows.Close()
			return err
		}
		msgs = append(msgs, m)
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return err
	}
	for _, m := range msgs {
		// The dispatcher claims with status = 'queued' too: whichever
		// commits first wins, and a claimed message is left to finish.
		res, err := tx.Exec(ctx, `DELETE FROM messages WHERE id = ? AND status = 'queued'`, m)
		if err != nil {
			return fmt.Errorf("withdraw message: %w", err)
		}
		if n, _ := res.RowsAffected(); n == 0 {
			continue
		}
		if _, err := tx.Exec(ctx, `UPDATE campaign_recipients SET status = ?, message_id = NULL, error_code = ?, error_reason = ?, updated_at = ?
			WHERE campaign_id = ? AND message_id = ?`, status, code, reason, db.Now(), id, m); err != nil {
			return fmt.Errorf("recipient back: %w", err)
		}
	}
	return nil
}

// Pause stops feeding and withdraws what waits in the outbox.
func (s *Service) Pause(ctx context.Context, companyID, id, reason string) (Campaign, error) {
	return s.transition(ctx, companyID, id, Paused, reason, []string{Running, Scheduled}, func(tx *db.Tx) error {
		return pullBack(ctx, tx, id, "pending", "", "")
	})
}

// Resume continues a paused campaign (or waits again for its start, when
// it was paused before that).
func (s *Service) Resume(ctx context.Context, companyID, id string) (Campaign, error) {
	c, err := get(ctx, s.db, companyID, id)
	if err != nil {
		return c, err
	}
	to := Running
	if c.Schedule.StartAt != nil && c.Schedule.StartAt.After(s.now()) {
		to = Scheduled
	}
	return s.transition(ctx, companyID, id, to, "", []string{Paused}, nil)
}

const canceledReason = "The campaign was canceled before this message was sent."

// Cancel ends a campaign: everything not yet sent is skipped.
func (s *Service) Cancel(ctx context.Context, companyID, id string) (Campaign, error) {
	return s.transition(ctx, companyID, id, Canceled, "", []string{Draft, Scheduled, Running, Paused}, func(tx *db.Tx) error {
		if err := pullBack(ctx, tx, id, "skipped", "canceled", canceledReason); err != nil {
			return err
		}
		_, err := tx.Exec(ctx, `UPDATE campaign_recipients SET status = 'skipped', error_code = 'canceled', error_reason = ?, updated_at = ?
			WHERE campaign_id = ? AND status = 'pending'`, canceledReason, db.Now(), id)
		return err
	})
}

// Test sends the campaign's message to one number, now, personalized for
// the contact with that number (made when new).
func (s *Service) Test(ctx context.Context, companyID, id, phone, source, authorID string) (outbox.Queued, error) {
	c, err := get(ctx, s.db, companyID, id)
	if err != nil {
		return outbox.Queued{}, err
	}
	if err := s.check(ctx, companyID, c); err != nil {
		return outbox.Queued{}, err
	}
	var q outbox.Queued
	err = s.db.InTx(ctx, func(tx *db.Tx) error {
		var country string
		if err := tx.QueryRow(ctx, `SELECT default_country FROM companies WHERE id = ?`, companyID).Scan(&country); err != nil {
			return err
		}
		normalized, perr := contacts.NormalizePhone(phone, country)
		if perr != nil {
			return apierr.Field("phone", perr.Error())
		}
		contactID, _, err := s.contacts.Resolve(ctx, tx, companyID, country, strings.TrimPrefix(normalized, "+"), "")
		if err != nil {
			return err
		}
		r, err := loadRecipient(ctx, tx, companyID, contactID)
		if err != nil {
			return err
		}
		q, err = s.outbox.Enqueue(ctx, tx, outbox.Message{CompanyID: companyID, ConnectionID: c.ConnectionIDs[0], ContactID: contactID,
			Lane: outbox.Replies, Source: source, AuthorID: authorID, Out: s.outboundFor(c.Message, r)})
		return err
	})
	return q, err
}

// person is what personalization reads of a contact.
type person struct {
	id, phone, name string
	fields          map[string]any
}

func loadRecipient(ctx context.Context, q db.Querier, companyID, contactID string) (person, error) {
	p := person{id: contactID}
	var fields string
	if err := q.QueryRow(ctx, `SELECT phone, name, fields FROM contacts WHERE company_id = ? AND id = ?`, companyID, contactID).
		Scan(&p.phone, &p.name, &fields); err != nil {
		return p, fmt.Errorf("recipient: %w", err)
	}
	_ = json.Unmarshal([]byte(fields), &p.fields)
	return p, nil
}

func (p person) values() map[string]string {
	first, _, _ := strings.Cut(strings.TrimSpace(p.name), " ")
	return map[string]string{"name": p.name, "first_name": first, "phone": p.phone}
}

func fieldValue(key string, fixed map[string]string, fields map[string]any) string {
	if v, ok := fixed[key]; ok {
		return v
	}
	switch x := fields[key].(type) {
	case string:
		return x
	case nil:
		return ""
	default:
		b, _ := json.Marshal(x)
		return string(b)
	}
}

// templateFor fills a template's variables for one recipient.
func (s *Service) templateFor(t *TemplateSpec, fixed map[string]string, fields map[string]any) *channel.TemplateMessage {
	m := &channel.TemplateMessage{Name: t.Name, Language: t.Language, Body: params(t.Variables, fixed, fields)}
	if t.HeaderMedia != nil {
		media := *t.HeaderMedia
		typ := t.HeaderType
		switch {
		case typ != "":
		case strings.HasPrefix(media.MimeType, "video/"):
			typ = channel.TypeVideo
		case media.MimeType != "" && !strings.HasPrefix(media.MimeType, "image/"):
			typ = channel.TypeDocument
		default:
			typ = channel.TypeImage
		}
		m.Header = &channel.TemplateHeader{Media: &media, Type: typ}
	} else if len(t.HeaderVariables) > 0 {
		m.Header = &channel.TemplateHeader{Text: params(t.HeaderVariables, fixed, fields)}
	}
	for _, b := range t.Buttons {
		val := b.Value.Value
		if b.Value.Field != "" {
			val = fieldValue(b.Value.Field, fixed, fields)
		}
		m.Buttons = append(m.Buttons, channel.TemplateButton{Index: b.Index, SubType: b.SubType, Value: val})
	}
	return m
}

// params fills variables in their order: positional ones by number ("2"
// before "10"), named ones by name.
func params(vars map[string]VarSource, fixed map[string]string, fields map[string]any) []channel.TemplateParam {
	keys := make([]string, 0, len(vars))
	for k := range vars {
		keys = append(keys, k)
	}
	slices.SortFunc(keys, func(a, b string) int {
		na, ea := strconv.Atoi(a)
		nb, eb := strconv.Atoi(b)
		if ea == nil && eb == nil {
			return na - nb
		}
		return strings.Compare(a, b)
	})
	var out []channel.TemplateParam
	for _, k := range keys {
		src := vars[k]
		val := src.Value
		if src.Field != "" {
			val = fieldValue(src.Field, fixed, fields)
		}
		if val == "" {
			val = "-" // Meta refuses an empty parameter
		}
		p := channel.TemplateParam{Value: val}
		if _, err := strconv.Atoi(k); err != nil {
			p.Name = k
		}
		out = append(out, p)
	}
	return out
}

// outboundFor is the campaign's message for one recipient.
func (s *Service) outboundFor(m MessageSpec, p person) channel.Outbound {
	fixed := p.values()
	if m.Type == channel.TypeTemplate {
		return channel.Outbound{Type: channel.TypeTemplate, Template: s.templateFor(m.Template, fixed, p.fields)}
	}
	text := m.Text
	if n := len(m.Variations); n > 0 {
		if i := rand.IntN(n + 1); i > 0 {
			text = m.Variations[i-1]
		}
	}
	text = fieldRef.ReplaceAllStringFunc(text, func(ref string) string {
		return fieldValue(fieldRef.FindStringSubmatch(ref)[1], fixed, p.fields)
	})
	if m.Type == channel.TypeText {
		return channel.Outbound{Type: channel.TypeText, Text: text}
	}
	media := *m.Media
	media.Caption = text
	return channel.Outbound{Type: m.Type, Media: &media}
}

func (s *Service) publish(tx *db.Tx, companyID, id string) {
	if s.hub == nil {
		return
	}
	tx.AfterCommit(func() {
		st, err := stats(context.Background(), s.db, id)
		if err != nil {
			return
		}
		var status string
		_ = s.db.QueryRow(context.Background(), `SELECT status FROM campaigns WHERE id = ?`, id).Scan(&status)
		s.hub.Publish(companyID, realtime.Event{Type: "campaign.progress", Data: map[string]any{"campaign_id": id, "status": status, "stats": st}})
	})
}

// Run feeds running campaigns until ctx ends.
func (s *Service) Run(ctx context.Context) {
	f := &feeder{s: s, allowance: map[string]float64{}, last: map[string]time.Time{}, reported: map[string]time.Time{}, reach: map[string]reachCache{}, groups: map[string]groupsCache{}}
	t := time.NewTicker(s.Tick)
	defer t.Stop()
	for {
		if err := f.round(ctx); err != nil && ctx.Err() == nil {
			s.logger.Error("campaigns: feeding failed", "err", err)
		}
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
	}
}

type feeder struct {
	s         *Service
	mu        sync.Mutex
	allowance map[string]float64 // campaign/connection: messages the campaign's own rate allows now
	last      map[string]time.Time
	reported  map[string]time.Time   // campaign: last progress event
	reach     map[string]reachCache  // company/limit group: people reached in 24 hours
	groups    map[string]groupsCache // company: its numbers' limit groups
}

func (f *feeder) round(ctx context.Context) error {
	s := f.s
	now := s.now()
	rows, err := s.db.Query(ctx, `SELECT `+columns+` FROM campaigns WHERE status IN ('scheduled', 'running')`)
	if err != nil {
		return fmt.Errorf("running campaigns: %w", err)
	}
	var running []Campaign
	for rows.Next() {
		c, err := scan(rows)
		if err != nil {
			rows.Close()
			return err
		}
		running = append(running, c)
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return err
	}
	for _, c := range running {
		if err := f.campaign(ctx, c, now); err != nil {
			s.logger.Error("campaigns: feeding a campaign failed", "campaign_id", c.ID, "err", err)
		}
	}
	return f.afterwards(ctx, now)
}

// afterwards keeps reporting a campaign for a while after it ends:
// delivery and read reports, and replies, still arrive for its messages.
func (f *feeder) afterwards(ctx context.Context, now time.Time) error {
	rows, err := f.s.db.Query(ctx, `SELECT id, company_id, status FROM campaigns WHERE status IN ('completed', 'canceled', 'paused')
		AND updated_at >= ?`, now.Add(-afterglow))
	if err != nil {
		return fmt.Errorf("ended campaigns: %w", err)
	}
	type ended struct{ id, company, status string }
	var all []ended
	for rows.Next() {
		var e ended
		if err := rows.Scan(&e.id, &e.company, &e.status); err != nil {
			rows.Close()
			return err
		}
		all = append(all, e)
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return err
	}
	for _, e := range all {
		f.reportEvery(Campaign{ID: e.id, companyID: e.company, Status: e.status}, now, 5*time.Second)
	}
	return nil
}

// afterglow is how long an ended (or paused) campaign keeps being
// reported.
const afterglow = 15 * time.Minute

// campaign does one round of work for one campaign.
func (f *feeder) campaign(ctx context.Context, c Campaign, now time.Time) error {
	s := f.s
	if c.Status == Scheduled {
		if c.Schedule.StartAt != nil && c.Schedule.StartAt.After(now) {
			return nil
		}
		if _, err := s.db.Exec(ctx, `UPDATE campaigns SET status = 'running', updated_at = ? WHERE id = ? AND status = 'scheduled'`, db.Now(), c.ID); err != nil {
			return err
		}
	}
	if stop, reason, err := s.shouldStop(ctx, c); err != nil {
		return err
	} else if stop {
		_, err := s.Pause(ctx, c.companyID, c.ID, reason)
		return err
	}
	open, err := s.inWindow(ctx, c, now)
	if err != nil {
		return err
	}
	busy, fedAny, wait := false, false, ""
	if open {
		for _, connID := range c.ConnectionIDs {
			b, fed, w, err := f.feed(ctx, c, connID, now)
			if err != nil {
				return err
			}
			busy, fedAny = busy || b, fedAny || fed > 0
			if wait == "" {
				wait = w
			}
		}
		if fedAny {
			wait = ""
		}
		if err := f.waiting(ctx, c, wait); err != nil {
			return err
		}
	}
	f.report(c, now)
	if busy || !open {
		return nil
	}
	// Done when nothing waits and nothing is in the outbox.
	var left int
	err = s.db.QueryRow(ctx, `SELECT 1 FROM campaign_recipients WHERE campaign_id = ? AND status IN ('pending', 'queued') LIMIT 1`, c.ID).Scan(&left)
	if errors.Is(err, sql.ErrNoRows) {
		_, err := s.transition(ctx, c.companyID, c.ID, Completed, "", []string{Running}, nil)
		return err
	}
	return err
}

func (f *feeder) report(c Campaign, now time.Time) {
	c.Status = Running
	f.reportEvery(c, now, time.Second)
}

// reportEvery publishes a campaign's counters at most once per interval.
func (f *feeder) reportEvery(c Campaign, now time.Time, every time.Duration) {
	f.mu.Lock()
	due := now.Sub(f.reported[c.ID]) >= every
	if due {
		f.reported[c.ID] = now
	}
	f.mu.Unlock()
	if !due || f.s.hub == nil {
		return
	}
	st, err := stats(context.Background(), f.s.db, c.ID)
	if err != nil {
		return
	}
	data := map[string]any{"campaign_id": c.ID, "status": c.Status, "stats": st}
	if c.Status == Running {
		data["status_reason"] = c.StatusReason // a running campaign's wait (messaging_limit, daily_cap)
	}
	f.s.hub.Publish(c.companyID, realtime.Event{Type: "campaign.progress", Data: data})
}

// feed queues the next recipients of a connection: enough to keep its
// dispatcher busy for a couple of seconds, within the campaign's own rate,
// the messaging limit and the campaign's pacing. It answers whether
// recipients may still wait (queued, or pending), how many it queued, and
// why it queued none when a limit holds them.
func (f *feeder) feed(ctx context.Context, c Campaign, connID string, now time.Time) (busy bool, fed int, wait string, err error) {
	s := f.s
	conn, err := s.conns.Get(ctx, c.companyID, connID)
	if err != nil {
		return false, 0, "", nil // deleted meanwhile: its recipients wait for nothing
	}
	perSec, _ := outbox.RateOf(conn)
	want := max(20, int(perSec*2))
	key := c.ID + "/" + connID
	if c.RatePerSecond != nil && *c.RatePerSecond < perSec {
		f.mu.Lock()
		last, ok := f.last[key]
		if !ok {
			last = now.Add(-time.Second)
		}
		// At least one message may build up, so that a rate under one per
		// second still sends.
		f.allowance[key] = min(f.allowance[key]+now.Sub(last).Seconds()**c.RatePerSecond, max(*c.RatePerSecond, 1))
		f.last[key] = now
		f.mu.Unlock()
	}
	var queued int
	if err := s.db.QueryRow(ctx, `SELECT count(*) FROM campaign_recipients WHERE campaign_id = ? AND connection_id = ? AND status = 'queued'`,
		c.ID, connID).Scan(&queued); err != nil {
		return false, 0, "", fmt.Errorf("campaign backlog: %w", err)
	}
	n := min(want-queued, 500)
	if c.RatePerSecond != nil && *c.RatePerSecond < perSec {
		f.mu.Lock()
		n = min(n, int(f.allowance[key]))
		f.mu.Unlock()
	}
	if n <= 0 || conn.Status != "active" {
		return true, 0, "", nil // full, throttled or waiting for the connection
	}
	var pending int
	err = s.db.QueryRow(ctx, `SELECT count(*) FROM (SELECT 1 FROM campaign_recipients WHERE campaign_id = ? AND connection_id = ? AND status = 'pending' LIMIT 1) p`,
		c.ID, connID).Scan(&pending)
	if err != nil {
		return false, 0, "", fmt.Errorf("campaign pending: %w", err)
	}
	if pending == 0 {
		return queued > 0, 0, "", nil
	}
	room, reachKey, err := f.room(ctx, c.companyID, connID, n, now)
	if err != nil {
		return false, 0, "", err
	}
	if reachKey != "" {
		if room == 0 {
			return true, 0, WaitMessagingLimit, nil
		}
		n = min(n, room)
	}
	n, wait, err = f.paced(ctx, c, connID, n, now)
	if err != nil || n == 0 {
		return true, 0, wait, err
	}
	found := 0
	// Small transactions: on SQLite the one writer is shared with agents'
	// replies, which must not wait behind a long batch.
	for fed < n {
		want := min(n-fed, feedChunk)
		took, queuedNow, err := f.feedChunk(ctx, c, connID, want)
		if err != nil {
			return false, fed, "", err
		}
		found += took
		fed += queuedNow
		if took < want {
			break // nothing more is pending (or the campaign stopped)
		}
	}
	if reachKey != "" {
		f.reachUsed(reachKey, fed)
	}
	if c.RatePerSecond != nil {
		f.mu.Lock()
		f.allowance[key] -= float64(fed)
		f.mu.Unlock()
	}
	return queued > 0 || found > 0, fed, "", nil
}

// waiting shows why a running campaign is held (a limit), or clears it.
func (f *feeder) waiting(ctx context.Context, c Campaign, reason string) error {
	if c.StatusReason == reason || (reason == "" && c.StatusReason != WaitMessagingLimit && c.StatusReason != WaitDailyCap) {
		return nil
	}
	_, err := f.s.db.Exec(ctx, `UPDATE campaigns SET status_reason = ? WHERE id = ? AND status = 'running'`, reason, c.ID)
	if err != nil {
		return fmt.Errorf("campaign wait reason: %w", err)
	}
	return nil
}

// feedChunk is how many recipients one feeding transaction takes at most:
// written a statement per kind of row (outbox.EnqueueMany), 250 take a few
// milliseconds, short enough for an agent's reply waiting for SQLite's one
// writer, and few enough statements per message to queue thousands a second.
const feedChunk = 250

// feedChunk queues up to n pending recipients of a connection in one
// transaction; it answers how many it took and how many it queued.
func (f *feeder) feedChunk(ctx context.Context, c Campaign, connID string, n int) (found, fed int, err error) {
	s := f.s
	err = s.db.InTx(ctx, func(tx *db.Tx) error {
		// Holding the campaign's row, a pause or cancel either waits for
		// this batch (and then withdraws it) or has already committed (and
		// this batch sees it and stops).
		var status string
		lock := ""
		if tx.Dialect() == db.Postgres {
			lock = " FOR UPDATE"
		}
		if err := tx.QueryRow(ctx, `SELECT status FROM campaigns WHERE id = ?`+lock, c.ID).Scan(&status); err != nil {
			return fmt.Errorf("campaign status: %w", err)
		}
		if status != Running {
			return nil
		}
		rows, err := tx.Query(ctx, `SELECT r.contact_id, c.phone, c.name, c.fields FROM campaign_recipients r JOIN contacts c ON c.id = r.contact_id
			WHERE r.campaign_id = ? AND r.connection_id = ? AND r.status = 'pending' ORDER BY r.contact_id LIMIT ?`+db.SkipLocked(tx.Dialect()),
			c.ID, connID, n)
		if err != nil {
			return fmt.Errorf("next recipients: %w", err)
		}
		var batch []person
		for rows.Next() {
			var p person
			var fields string
			if err := rows.Scan(&p.id, &p.phone, &p.name, &fields); err != nil {
				rows.Close()
				return err
			}
			_ = json.Unmarshal([]byte(fields), &p.fields)
			batch = append(batch, p)
		}
		rows.Close()
		if err := rows.Err(); err != nil {
			return err
		}
		found = len(batch)
		msgs := make([]outbox.Message, len(batch))
		for i, p := range batch {
			msgs[i] = outbox.Message{CompanyID: c.companyID, ConnectionID: connID, ContactID: p.id,
				Lane: outbox.Campaigns, Source: "campaign", Out: s.outboundFor(c.Message, p)}
		}
		queued, refused, err := s.outbox.EnqueueMany(ctx, tx, c.companyID, connID, msgs)
		if err != nil {
			return err
		}
		// Each recipient moves to queued in the transaction that writes
		// its message: one statement for the batch.
		var pairs []any
		for i, p := range batch {
			err := refused[i]
			if err == nil {
				pairs = append(pairs, p.id, queued[i].MessageID)
				continue
			}
			e, ok := apierr.As(err)
			if !ok || e.Status >= 500 || e.Code == "not_found" {
				return err
			}
			// Refused before anything was written: the recipient is
			// skipped (opted out meanwhile) or fails with the reason.
			status := "failed"
			if e.Code == "opted_out" {
				status = "skipped"
			}
			if _, err := tx.Exec(ctx, `UPDATE campaign_recipients SET status = ?, error_code = ?, error_reason = ?, updated_at = ?
				WHERE campaign_id = ? AND contact_id = ?`, status, e.Code, e.Message, db.Now(), c.ID, p.id); err != nil {
				return err
			}
		}
		if len(pairs) == 0 {
			return nil
		}
		n := len(pairs) / 2
		values := strings.TrimSuffix(strings.Repeat("(?, ?), ", n), ", ")
		args := append(pairs, db.Now(), c.ID)
		for i := 0; i < len(pairs); i += 2 {
			args = append(args, pairs[i])
		}
		// The contacts also as a list on the key: found by it whatever the
		// statistics say (see recipient.MirrorSent).
		res, err := tx.Exec(ctx, `WITH v (contact_id, message_id) AS (VALUES `+values+`)
			UPDATE campaign_recipients SET status = 'queued', message_id = v.message_id, updated_at = ?
			FROM v WHERE campaign_recipients.campaign_id = ? AND campaign_recipients.contact_id = v.contact_id
			AND campaign_recipients.contact_id IN (`+db.Marks(n)+`) AND campaign_recipients.status = 'pending'`, args...)
		if err != nil {
			return fmt.Errorf("recipients queued: %w", err)
		}
		if got, _ := res.RowsAffected(); got != int64(n) {
			// The rows were read pending in this transaction (locked on
			// PostgreSQL, the one writer on SQLite): anything else would
			// leave a message without its recipient.
			return fmt.Errorf("recipients queued: %d of %d were still pending", got, n)
		}
		fed = n
		return nil
	})
	return found, fed, err
}

// inWindow says whether the campaign may send now.
func (s *Service) inWindow(ctx context.Context, c Campaign, now time.Time) (bool, error) {
	w := c.Schedule.Window
	if w == nil {
		return true, nil
	}
	var zone string
	if err := s.db.QueryRow(ctx, `SELECT time_zone FROM companies WHERE id = ?`, c.companyID).Scan(&zone); err != nil {
		return false, err
	}
	return InWindow(*w, now, zone), nil
}

// InWindow says whether t falls in the window, in the time zone.
func InWindow(w Window, t time.Time, zone string) bool {
	if loc, err := time.LoadLocation(zone); err == nil {
		t = t.In(loc)
	}
	if !slices.Contains(w.Days, int(t.Weekday())) {
		return false
	}
	hm := t.Format("15:04")
	if w.Start < w.End {
		return hm >= w.Start && hm < w.End
	}
	return hm >= w.Start || hm < w.End // a window across midnight
}

// settledCond is the condition of the campaign_recipients_settled index,
// word for word: SQLite uses a partial index only for a query that repeats
// it (PostgreSQL would also prove it from status = 'failed').
const settledCond = `status IN ('sent', 'delivered', 'read', 'replied', 'failed')`

// shouldStop applies the stop rules: Meta's spam limit (131048) pauses at
// once; a failure ratio over the last sends above the threshold too.
func (s *Service) shouldStop(ctx context.Context, c Campaign) (bool, string, error) {
	var spam int
	// Only what happened since the campaign last changed state (a resume
	// starts afresh).
	since := c.UpdatedAt.Time
	if err := s.db.QueryRow(ctx, `SELECT count(*) FROM campaign_recipients WHERE campaign_id = ? AND `+settledCond+` AND status = 'failed' AND error_code = '131048' AND updated_at >= ?`,
		c.ID, since).Scan(&spam); err != nil {
		return false, "", err
	}
	if spam > 0 {
		return true, "spam_rate_limit", nil
	}
	ratio, over := c.StopRules.FailureRatio, c.StopRules.OverLast
	if ratio == 0 {
		ratio = 0.5
	}
	if over == 0 {
		over = 100
	}
	// The most recently settled sends (updated_at order, by its index).
	rows, err := s.db.Query(ctx, `SELECT status FROM campaign_recipients WHERE campaign_id = ? AND updated_at >= ?
		AND `+settledCond+` AND error_code <> 'send_interrupted'
		ORDER BY updated_at DESC LIMIT ?`, c.ID, since, over)
	if err != nil {
		return false, "", err
	}
	defer rows.Close()
	var n, failed int
	for rows.Next() {
		var st string
		if err := rows.Scan(&st); err != nil {
			return false, "", err
		}
		n++
		if st == "failed" {
			failed++
		}
	}
	if err := rows.Err(); err != nil {
		return false, "", err
	}
	if n >= over && float64(failed)/float64(n) > ratio {
		return true, "failure_ratio", nil
	}
	return false, "", nil
}
