// Package dashboard computes the numbers of the product's home page for a
// period of days and, optionally, one connection.
//
// Decisions:
//
//   - Days are the company's days: a period from 2026-11-01 to 2026-11-30 is
//     midnight of the 1st to midnight after the 30th in the company's time
//     zone (companies.time_zone, as protocol numbers use it), so a message at
//     23:30 in São Paulo counts on that day, not on the next UTC day. Each day
//     is its own pair of UTC bounds, so days around a daylight-saving change
//     have their real length. A period is at most MaxDays long.
//   - Traffic comes from counters, not from the messages of the period
//     (migration 0012): message_counts holds a company's messages per
//     15-minute slot of created_at, connection and (for failed ones) error
//     code, with one column per status. Every time zone's midnight falls on
//     a quarter hour, so a company's day is a whole number of slots and the
//     counts per day are exact in any zone; the cost of a period grows with
//     its slots (96 a day per connection and failure code), never with its
//     messages. One statement reads one primary-key range per day (the
//     day's bounds written into it as numbers, so that no planner can turn
//     it into a scan) and gives the series, the totals and the failures by
//     code together.
//   - The counters are kept by triggers on messages, so no write path can
//     forget them: an insert, a status change, a failure's code, a
//     connection's deletion (SET NULL), a cancel or an erasure (CASCADE)
//     all move them. On SQLite a row trigger upserts the counter row (one
//     writer: nobody waits). On PostgreSQL a counter row would be a hot row
//     that concurrent sends, claims and delivery reports queue for (and
//     deadlock over when two take the same rows in different orders), so
//     statement-level triggers with transition tables append their
//     statement's net change to message_count_deltas, which is insert-only
//     while open; the reader sums counters and pending deltas in one
//     statement (one snapshot), and Compact folds the deltas into the
//     counters every CompactEvery, in one transaction, one instance at a
//     time (an advisory lock), in key order. A deleted company's counters go
//     to zero with its messages and stay as zero rows (no foreign keys, so
//     the deltas' inserts check nothing).
//   - First response reads stamps on the conversation, not messages: the
//     message triggers stamp the contact's first message (first_inbound_*)
//     and the first agent message after it (first_reply_*) when they are
//     written, and recompute them from the conversation's messages when one
//     of those is deleted (a scheduled reply cancelled) or a message comes
//     with an earlier id. Both it and resolution read one index range of
//     the period's conversations that holds every column they use, and the
//     agents' and teams' names once each.
//   - Opt-outs per day read the consent ledger's partial index (opt-outs are
//     rare next to messages); active conversations an index of the
//     conversations being worked now.
//   - A message belongs to the day it was created (received, or queued to
//     go), which is the order the index keeps. Notes and timeline events
//     (status internal) are not messages to anyone and are never counted.
//   - Sent: outbound messages of the period the provider accepted (sent,
//     delivered or read now). Delivered: delivered or read. Read: read.
//     Failed: failed, at the send or reported later. Waiting: queued or
//     sending. Delivery rate = delivered / sent and read rate = read / sent,
//     over the same messages; null when nothing was sent.
//   - These are the campaign report's numbers where both count the same
//     thing: for a campaign's messages, Sent equals the report's funnel
//     "sent" and Delivered its "delivered", and its failures by code agree,
//     except for two differences by design: the report counts a recipient
//     who replied as delivered and read whatever the message's own ticks
//     say, and it counts a send refused at dispatch because the contact opted
//     out as skipped, while here that message is a failure with code
//     opted_out. Failure codes are explained by campaigns.Meaning.
//   - Received: inbound messages of the period, per channel type.
//   - Opt-outs per day come from the consent ledger. Consent belongs to the
//     company, not to a number, so the connection filter does not narrow
//     them.
//   - Active conversations: open, pending and snoozed now (not of the
//     period), on the connection when one is chosen.
//   - First response: for each conversation opened in the period, from the
//     contact's first message in it to the first message an agent wrote
//     after it (outbound, source agent, with an author; not a note; a
//     reply still queued counts, one cancelled does not).
//     Conversations the contact never wrote in (a campaign nobody answered,
//     an agent's message with no reply) have no first response, and ones
//     nobody answered yet are not counted. Attributed to the agent who
//     answered and to the conversation's team. "First" is by message id,
//     which orders messages by creation.
//   - Resolution: for each conversation resolved in the period (still
//     resolved now), resolved_at minus created_at, attributed to its
//     assignee and team. A conversation without an assignee or a team counts
//     in the overall figure only.
//   - Times are the average and the median in seconds, with how many
//     conversations they cover; medians are computed here, since SQLite has
//     no percentile function.
//   - Running campaigns come from the campaigns service (status running),
//     with their stats, so they match the campaigns page; with a connection
//     chosen, those that send through it.
package dashboard

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"log/slog"
	"slices"
	"strings"
	"time"

	"github.com/masteria/masteria/internal/apierr"
	"github.com/masteria/masteria/internal/campaigns"
	"github.com/masteria/masteria/internal/ids"
	"github.com/masteria/masteria/internal/store/db"
)

// MaxDays is the longest period the dashboard covers: a year, leap day
// included.
const MaxDays = 366

// DefaultDays is the period shown when none is asked for: the last week.
const DefaultDays = 7

const dateLayout = "2006-01-02"

// Query chooses the period (inclusive dates in the company's time zone,
// YYYY-MM-DD) and optionally a connection.
type Query struct {
	From         string
	To           string
	ConnectionID string
}

// Dashboard is everything the home page shows.
type Dashboard struct {
	From          string               `json:"from"`
	To            string               `json:"to"`
	TimeZone      string               `json:"time_zone"`
	ConnectionID  *string              `json:"connection_id"`
	Channels      []string             `json:"channels"`
	Days          []Day                `json:"days"`
	Totals        Totals               `json:"totals"`
	DeliveryRate  *float64             `json:"delivery_rate"`
	ReadRate      *float64             `json:"read_rate"`
	Failures      []Failure            `json:"failures"`
	Conversations Active               `json:"conversations"`
	FirstResponse Times                `json:"first_response"`
	Resolution    Times                `json:"resolution"`
	Campaigns     []campaigns.Campaign `json:"campaigns"`
}

// Day is one day's traffic; Sent and Received are per channel type
// (connections.type), with every type of Channels present.
type Day struct {
	Date     string         `json:"date"`
	Sent     map[string]int `json:"sent"`
	Received map[string]int `json:"received"`
	Failed   int            `json:"failed"`
	OptOuts  int            `json:"opt_outs"`
}

// Totals sums the period.
type Totals struct {
	Sent      int `json:"sent"`
	Received  int `json:"received"`
	Delivered int `json:"delivered"`
	Read      int `json:"read"`
	Failed    int `json:"failed"`
	Waiting   int `json:"waiting"`
	OptOuts   int `json:"opt_outs"`
}

// Failure is the period's failed messages with one error code.
type Failure = campaigns.FailureGroup

// Active counts the conversations being worked now.
type Active struct {
	Active  int `json:"active"`
	Open    int `json:"open"`
	Pending int `json:"pending"`
	Snoozed int `json:"snoozed"`
}

// Stat summarizes durations.
type Stat struct {
	Count          int     `json:"count"`
	AverageSeconds float64 `json:"average_seconds"`
	MedianSeconds  float64 `json:"median_seconds"`
}

// Row is one agent's or team's Stat.
type Row struct {
	ID   string `json:"id"`
	Name string `json:"name"`
	Stat
}

// Times are a duration measured overall, per agent and per team.
type Times struct {
	Overall Stat  `json:"overall"`
	Agents  []Row `json:"agents"`
	Teams   []Row `json:"teams"`
}

// Service computes dashboards.
type Service struct {
	db        *db.DB
	campaigns *campaigns.Service
	logger    *slog.Logger
	now       func() time.Time
}

// NewService returns a Service.
func NewService(d *db.DB, cs *campaigns.Service, logger *slog.Logger) *Service {
	return &Service{db: d, campaigns: cs, logger: logger, now: time.Now}
}

// span is one day's UTC bounds, [lo, hi).
type span struct {
	date   string
	lo, hi time.Time
}

// period checks the query's dates and turns them into the company's days.
func (s *Service) period(q Query, loc *time.Location) ([]span, error) {
	today := s.now().In(loc)
	to := time.Date(today.Year(), today.Month(), today.Day(), 0, 0, 0, 0, time.UTC)
	from := to.AddDate(0, 0, -(DefaultDays - 1))
	var err error
	if q.To != "" {
		if to, err = time.Parse(dateLayout, q.To); err != nil {
			return nil, apierr.BadRequest("invalid_date", "to must be a date like 2026-11-25.")
		}
		if q.From == "" {
			from = to.AddDate(0, 0, -(DefaultDays - 1))
		}
	}
	if q.From != "" {
		if from, err = time.Parse(dateLayout, q.From); err != nil {
			return nil, apierr.BadRequest("invalid_date", "from must be a date like 2026-11-25.")
		}
	}
	if from.After(to) {
		return nil, apierr.Field("from", "after_to")
	}
	// Counted on the calendar, not in hours, so a DST change cannot
	// shorten or lengthen the limit.
	n := 0
	for d := from; !d.After(to); d = d.AddDate(0, 0, 1) {
		if n++; n > MaxDays {
			return nil, apierr.Field("from", "period_too_long")
		}
	}
	days := make([]span, 0, n)
	for d := from; !d.After(to); d = d.AddDate(0, 0, 1) {
		lo := time.Date(d.Year(), d.Month(), d.Day(), 0, 0, 0, 0, loc)
		hi := time.Date(d.Year(), d.Month(), d.Day()+1, 0, 0, 0, 0, loc)
		days = append(days, span{date: d.Format(dateLayout), lo: lo.UTC(), hi: hi.UTC()})
	}
	return days, nil
}

// zone is the company's time zone; an unreadable one (which settings
// refuse) falls back to UTC rather than failing the home page.
func (s *Service) zone(ctx context.Context, companyID string) (string, *time.Location, error) {
	var name string
	err := s.db.QueryRow(ctx, `SELECT time_zone FROM companies WHERE id = ?`, companyID).Scan(&name)
	if errors.Is(err, sql.ErrNoRows) {
		return "", nil, apierr.NotFound()
	}
	if err != nil {
		return "", nil, fmt.Errorf("company time zone: %w", err)
	}
	loc, err := time.LoadLocation(name)
	if err != nil || name == "" {
		s.logger.Warn("dashboard: company time zone unreadable, using UTC", "company_id", companyID, "time_zone", name)
		return "UTC", time.UTC, nil
	}
	return name, loc, nil
}

// Get computes a company's dashboard.
func (s *Service) Get(ctx context.Context, companyID string, q Query) (Dashboard, error) {
	zoneName, loc, err := s.zone(ctx, companyID)
	if err != nil {
		return Dashboard{}, err
	}
	days, err := s.period(q, loc)
	if err != nil {
		return Dashboard{}, err
	}
	types, err := s.connectionTypes(ctx, companyID)
	if err != nil {
		return Dashboard{}, err
	}
	d := Dashboard{From: days[0].date, To: days[len(days)-1].date, TimeZone: zoneName,
		Channels: []string{}, Days: make([]Day, len(days)), Failures: []Failure{}, Campaigns: []campaigns.Campaign{}}
	if q.ConnectionID != "" {
		// Another company's connection is as unknown as a made-up one.
		if _, ok := types[q.ConnectionID]; !ok || !ids.Valid(q.ConnectionID) {
			return Dashboard{}, apierr.NotFound()
		}
		d.ConnectionID = &q.ConnectionID
	}
	for i, day := range days {
		d.Days[i] = Day{Date: day.date, Sent: map[string]int{}, Received: map[string]int{}}
	}
	// Each part's time is logged, so that a slow dashboard says which of
	// its queries to look at.
	start, end := days[0].lo, days[len(days)-1].hi
	took := make([]any, 0, 16)
	part := func(name string, f func() error) error {
		t0 := time.Now()
		err := f()
		took = append(took, name+"_ms", time.Since(t0).Milliseconds())
		return err
	}
	for _, p := range []struct {
		name string
		f    func() error
	}{
		{"traffic", func() error { return s.traffic(ctx, companyID, q.ConnectionID, days, types, &d) }},
		{"opt_outs", func() error { return s.optOuts(ctx, companyID, days, &d) }},
		{"active", func() (err error) { d.Conversations, err = s.active(ctx, companyID, q.ConnectionID); return err }},
		{"first_response", func() (err error) {
			d.FirstResponse, err = s.firstResponse(ctx, companyID, q.ConnectionID, start, end)
			return err
		}},
		{"resolution", func() (err error) {
			d.Resolution, err = s.resolution(ctx, companyID, q.ConnectionID, start, end)
			return err
		}},
		{"campaigns", func() error {
			running, err := s.campaigns.Running(ctx, companyID)
			for _, c := range running {
				if q.ConnectionID == "" || slices.Contains(c.ConnectionIDs, q.ConnectionID) {
					d.Campaigns = append(d.Campaigns, c)
				}
			}
			return err
		}},
	} {
		if err := part(p.name, p.f); err != nil {
			return d, err
		}
	}
	s.logger.Debug("dashboard computed", append([]any{"company_id", companyID, "days", len(days)}, took...)...)
	if t := d.Totals; t.Sent > 0 {
		dr, rr := float64(t.Delivered)/float64(t.Sent), float64(t.Read)/float64(t.Sent)
		d.DeliveryRate, d.ReadRate = &dr, &rr
	}
	return d, nil
}

// connectionTypes maps the company's connections to their channel type.
func (s *Service) connectionTypes(ctx context.Context, companyID string) (map[string]string, error) {
	rows, err := s.db.Query(ctx, `SELECT id, type FROM connections WHERE company_id = ?`, companyID)
	if err != nil {
		return nil, fmt.Errorf("connections: %w", err)
	}
	defer rows.Close()
	out := map[string]string{}
	for rows.Next() {
		var id, typ string
		if err := rows.Scan(&id, &typ); err != nil {
			return nil, fmt.Errorf("connections: %w", err)
		}
		out[id] = typ
	}
	return out, rows.Err()
}

// unionPerDay repeats a statement over each day as a UNION ALL; the
// statement's first column is the day's index, its first three arguments the
// company and the day's bounds, then extra.
func unionPerDay(days []span, stmt, companyID string, extra ...any) (string, []any) {
	var b strings.Builder
	args := make([]any, 0, len(days)*(3+len(extra)))
	for i, d := range days {
		if i > 0 {
			b.WriteString("\nUNION ALL\n")
		}
		fmt.Fprintf(&b, stmt, i)
		args = append(args, companyID, d.lo, d.hi)
		args = append(args, extra...)
	}
	return b.String(), args
}

// noChannel names traffic of a connection since deleted.
const noChannel = "other"

// slotSeconds is the counters' slot (migration 0012): a quarter hour, on
// which every time zone's midnight falls.
const slotSeconds = 900

// dayCounters sums one day's counters per connection and failure code: one
// range of message_counts' primary key (company_id, slot, …). The day's
// bounds are written into the statement (numbers computed here), so that
// each branch is a range the planner cannot misjudge, statistics or not (a
// join with a list of days was read as a scan of every day per day on
// PostgreSQL before ANALYZE).
const dayCounters = `SELECT %d, connection_id, code, sum(received), sum(queued), sum(sending), sum(sent),
       sum(delivered), sum(read), sum(failed)
  FROM message_counts WHERE company_id = ? AND slot >= %d AND slot < %d%s
 GROUP BY connection_id, code`

// pendingDeltas sums PostgreSQL's deltas not yet folded into the counters
// (a few seconds' worth; none on SQLite) per day of d.
const pendingDeltas = `SELECT d.i, c.connection_id, c.code, sum(c.received), sum(c.queued), sum(c.sending), sum(c.sent),
       sum(c.delivered), sum(c.read), sum(c.failed)
  FROM d JOIN message_count_deltas c ON c.company_id = ? AND c.slot >= d.lo AND c.slot < d.hi%s
 GROUP BY d.i, c.connection_id, c.code`

// traffic reads the period's message counters per day, connection and
// failure code, and folds them into the series, the totals and the
// failures: one statement, counters and pending deltas together, so that
// one snapshot sees every message once.
func (s *Service) traffic(ctx context.Context, companyID, connID string, days []span, types map[string]string, d *Dashboard) error {
	filter, scope := "", []any{companyID}
	if connID != "" {
		filter, scope = " AND connection_id = ?", append(scope, connID)
	}
	var q, values strings.Builder
	var args []any
	for i, day := range days {
		lo, hi := slotOf(day.lo), slotOf(day.hi)
		if i > 0 {
			values.WriteString(", ")
		}
		fmt.Fprintf(&values, "(%d, %d, %d)", i, lo, hi)
		fmt.Fprintf(&q, dayCounters+"\nUNION ALL\n", i, lo, hi, filter)
		args = append(args, scope...)
	}
	fmt.Fprintf(&q, pendingDeltas, strings.ReplaceAll(filter, "connection_id", "c.connection_id"))
	args = append(args, scope...)
	query := "WITH d (i, lo, hi) AS (VALUES " + values.String() + ")\n" + q.String()
	rows, err := s.db.Query(ctx, query, args...)
	if err != nil {
		return fmt.Errorf("messages per day: %w", err)
	}
	defer rows.Close()
	seen := map[string]bool{}
	failures := map[string]int{}
	for rows.Next() {
		var day int
		var conn, code string
		var received, queued, sending, sent, delivered, read, failed int
		if err := rows.Scan(&day, &conn, &code, &received, &queued, &sending, &sent, &delivered, &read, &failed); err != nil {
			return fmt.Errorf("messages per day: %w", err)
		}
		if day < 0 || day >= len(d.Days) {
			continue
		}
		typ, ok := types[conn]
		if !ok {
			typ = noChannel
		}
		sent += delivered + read
		delivered += read
		if received+sent > 0 {
			// Zeros are filled in for the channels seen, once all is read.
			seen[typ] = true
			d.Days[day].Received[typ] += received
			d.Days[day].Sent[typ] += sent
		}
		d.Days[day].Failed += failed
		d.Totals.Received += received
		d.Totals.Sent += sent
		d.Totals.Delivered += delivered
		d.Totals.Read += read
		d.Totals.Failed += failed
		d.Totals.Waiting += queued + sending
		if failed != 0 {
			failures[code] += failed
		}
	}
	if err := rows.Err(); err != nil {
		return fmt.Errorf("messages per day: %w", err)
	}
	if connID != "" {
		// The chosen connection's channel is in the chart even on a quiet
		// period, so its legend does not vanish.
		seen[types[connID]] = true
	}
	for typ := range seen {
		d.Channels = append(d.Channels, typ)
	}
	slices.Sort(d.Channels)
	// Every day carries every channel, zeros included: what a chart needs.
	for i := range d.Days {
		for _, typ := range d.Channels {
			d.Days[i].Sent[typ] += 0
			d.Days[i].Received[typ] += 0
		}
	}
	for code, n := range failures {
		if n > 0 {
			d.Failures = append(d.Failures, Failure{Code: code, Count: n, Meaning: campaigns.Meaning(code)})
		}
	}
	slices.SortFunc(d.Failures, func(a, b Failure) int {
		if a.Count != b.Count {
			return b.Count - a.Count
		}
		return strings.Compare(a.Code, b.Code)
	})
	return nil
}

// slotOf is the slot t falls in. A day's bounds are on slots in every time
// zone of today's tz database; the local mean times of the 19th century
// were not, and a day back then is rounded down to its quarter hour.
func slotOf(t time.Time) int64 {
	u := t.Unix()
	return u - ((u%slotSeconds)+slotSeconds)%slotSeconds
}

// optOuts counts the consent ledger's opt-outs per day.
func (s *Service) optOuts(ctx context.Context, companyID string, days []span, d *Dashboard) error {
	query, args := unionPerDay(days, `SELECT %d, count(*) FROM consent_events
 WHERE company_id = ? AND created_at >= ? AND created_at < ? AND action = 'opt_out'`, companyID)
	rows, err := s.db.Query(ctx, query, args...)
	if err != nil {
		return fmt.Errorf("opt-outs per day: %w", err)
	}
	defer rows.Close()
	for rows.Next() {
		var i, n int
		if err := rows.Scan(&i, &n); err != nil {
			return fmt.Errorf("opt-outs per day: %w", err)
		}
		if i >= 0 && i < len(d.Days) {
			d.Days[i].OptOuts += n
			d.Totals.OptOuts += n
		}
	}
	return rows.Err()
}

// active counts the conversations open, pending or snoozed now.
func (s *Service) active(ctx context.Context, companyID, connID string) (Active, error) {
	var a Active
	q := `SELECT status, count(*) FROM conversations WHERE company_id = ? AND status IN ('open', 'pending', 'snoozed')`
	args := []any{companyID}
	if connID != "" {
		q += ` AND connection_id = ?`
		args = append(args, connID)
	}
	rows, err := s.db.Query(ctx, q+` GROUP BY status`, args...)
	if err != nil {
		return a, fmt.Errorf("active conversations: %w", err)
	}
	defer rows.Close()
	for rows.Next() {
		var status string
		var n int
		if err := rows.Scan(&status, &n); err != nil {
			return a, fmt.Errorf("active conversations: %w", err)
		}
		switch status {
		case "open":
			a.Open = n
		case "pending":
			a.Pending = n
		case "snoozed":
			a.Snoozed = n
		}
		a.Active += n
	}
	return a, rows.Err()
}

// sample is one conversation's measured duration, with who it counts for.
type sample struct {
	agentID, agentName string
	teamID, teamName   string
	d                  time.Duration
}

// firstResponse measures the conversations opened in [start, end) that an
// agent answered, from the stamps the message triggers keep on them
// (migration 0012): one range of the conversations_first_response index,
// which holds every column read here.
func (s *Service) firstResponse(ctx context.Context, companyID, connID string, start, end time.Time) (Times, error) {
	q := `SELECT c.first_inbound_at, c.first_reply_at, c.first_reply_by, c.team_id FROM conversations c
 WHERE c.company_id = ? AND c.created_at >= ? AND c.created_at < ? AND c.first_reply_id IS NOT NULL`
	t, err := s.times(ctx, companyID, connID, q, start, end)
	if err != nil {
		return Times{}, fmt.Errorf("first responses: %w", err)
	}
	return t, nil
}

// resolution measures the conversations resolved in [start, end), from
// the conversations_resolution index alone.
func (s *Service) resolution(ctx context.Context, companyID, connID string, start, end time.Time) (Times, error) {
	q := `SELECT c.created_at, c.resolved_at, c.assignee_id, c.team_id FROM conversations c
 WHERE c.company_id = ? AND c.resolved_at >= ? AND c.resolved_at < ? AND c.status = 'resolved'`
	t, err := s.times(ctx, companyID, connID, q, start, end)
	if err != nil {
		return Times{}, fmt.Errorf("resolutions: %w", err)
	}
	return t, nil
}

// times reads conversations as (from, to, agent, team) rows of query and
// summarizes them. Names are read once per agent and team afterwards: a
// join would look them up again for each of thousands of conversations.
func (s *Service) times(ctx context.Context, companyID, connID, query string, start, end time.Time) (Times, error) {
	args := []any{companyID, start, end}
	if connID != "" {
		query += ` AND c.connection_id = ?`
		args = append(args, connID)
	}
	rows, err := s.db.Query(ctx, query, args...)
	if err != nil {
		return Times{}, err
	}
	defer rows.Close()
	var samples []sample
	agents, teams := map[string]string{}, map[string]string{}
	for rows.Next() {
		var from, to db.Time
		var agent, team sql.NullString
		if err := rows.Scan(&from, &to, &agent, &team); err != nil {
			return Times{}, err
		}
		if agent.Valid {
			agents[agent.String] = ""
		}
		if team.Valid {
			teams[team.String] = ""
		}
		samples = append(samples, sample{agentID: agent.String, teamID: team.String, d: max(0, to.Sub(from.Time))})
	}
	if err := rows.Err(); err != nil {
		return Times{}, err
	}
	rows.Close()
	if err := s.names(ctx, `SELECT id, name FROM users WHERE id IN (%s)`, nil, agents); err != nil {
		return Times{}, err
	}
	if err := s.names(ctx, `SELECT id, name FROM teams WHERE company_id = ? AND id IN (%s)`, []any{companyID}, teams); err != nil {
		return Times{}, err
	}
	for i := range samples {
		samples[i].agentName, samples[i].teamName = agents[samples[i].agentID], teams[samples[i].teamID]
	}
	return summarize(samples), nil
}

// names fills the names of the ids in m. Another company's team is left
// without a name, as the join it replaces did.
func (s *Service) names(ctx context.Context, query string, args []any, m map[string]string) error {
	if len(m) == 0 {
		return nil
	}
	for id := range m {
		args = append(args, id)
	}
	rows, err := s.db.Query(ctx, fmt.Sprintf(query, db.Marks(len(m))), args...)
	if err != nil {
		return fmt.Errorf("names: %w", err)
	}
	defer rows.Close()
	for rows.Next() {
		var id, name string
		if err := rows.Scan(&id, &name); err != nil {
			return fmt.Errorf("names: %w", err)
		}
		m[id] = name
	}
	return rows.Err()
}

// summarize groups samples overall, per agent and per team; rows are
// ordered by how many conversations they cover, then by name.
func summarize(samples []sample) Times {
	t := Times{Agents: []Row{}, Teams: []Row{}}
	all := make([]time.Duration, 0, len(samples))
	type group struct {
		name string
		ds   []time.Duration
	}
	agents, teams := map[string]*group{}, map[string]*group{}
	add := func(m map[string]*group, id, name string, d time.Duration) {
		if id == "" {
			return
		}
		g, ok := m[id]
		if !ok {
			g = &group{name: name}
			m[id] = g
		}
		g.ds = append(g.ds, d)
	}
	for _, s := range samples {
		all = append(all, s.d)
		add(agents, s.agentID, s.agentName, s.d)
		add(teams, s.teamID, s.teamName, s.d)
	}
	t.Overall = stat(all)
	rowsOf := func(m map[string]*group) []Row {
		out := make([]Row, 0, len(m))
		for id, g := range m {
			out = append(out, Row{ID: id, Name: g.name, Stat: stat(g.ds)})
		}
		slices.SortFunc(out, func(a, b Row) int {
			if a.Count != b.Count {
				return b.Count - a.Count
			}
			if c := strings.Compare(a.Name, b.Name); c != 0 {
				return c
			}
			return strings.Compare(a.ID, b.ID)
		})
		return out
	}
	t.Agents, t.Teams = rowsOf(agents), rowsOf(teams)
	return t
}

// stat is the count, average and median of ds, in seconds (millisecond
// precision, so that both databases' times give the same figure).
func stat(ds []time.Duration) Stat {
	if len(ds) == 0 {
		return Stat{}
	}
	slices.Sort(ds)
	var sum time.Duration
	for _, d := range ds {
		sum += d
	}
	med := ds[len(ds)/2]
	if len(ds)%2 == 0 {
		med = (ds[len(ds)/2-1] + ds[len(ds)/2]) / 2
	}
	secs := func(d time.Duration) float64 { return float64(d.Round(time.Millisecond).Milliseconds()) / 1000 }
	return Stat{Count: len(ds), AverageSeconds: secs(sum / time.Duration(len(ds))), MedianSeconds: secs(med)}
}
