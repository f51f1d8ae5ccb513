// Package campaigns owns mass sending: a campaign's settings, the freezing
// of its audience into one row per recipient, the feeder that hands
// recipients to the outbox in the campaign lane, and the reports.
//
// Decisions:
//   - The audience is frozen at start (INSERT … SELECT, one statement): each
//     contact of the audience gets a row; those excluded are rows with
//     status skipped and the reason (opted_out; no_consent when the company
//     requires a recorded opt-in for marketing: MARKETING templates and
//     free-form campaigns), so stats.total is the audience size. Phones are
//     unique per company, so a phone is never there twice.
//   - Several connections are rotated: the n-th recipient (by contact id)
//     goes to connection n mod k, each sending at its own pace.
//   - The feeder keeps a few seconds of work queued per connection and
//     moves a recipient pending → queued in the same transaction as its
//     outbox message, so a crash can neither skip a recipient nor queue one
//     twice; the outbox records sent/failed per send and reconciles sends in
//     flight at a crash as unknown (send_interrupted), never re-sending them
//     (package recipient keeps the recipient in step with its message).
//     Every instance may feed: rows are claimed with SKIP LOCKED on
//     PostgreSQL, and SQLite has one writer.
//   - Checks run again at dispatch (the outbox's): an opt-out that arrives
//     mid-campaign skips that recipient.
//   - Pause pulls back what is queued and not yet taken by a dispatcher
//     (back to pending); cancel skips everything not sent (reason
//     canceled). Stop rules pause by themselves: Meta's 131048 (spam rate
//     limit) at once, and a failure ratio over the last sends above the
//     threshold.
//   - A sending window (days and hours in the company's time zone) holds
//     the feeder outside it; the campaign resumes by itself.
//   - Free-form text (and media) campaigns are refused on WhatsApp Cloud
//     connections (template_required): Meta delivers only templates outside
//     the 24-hour window.
package campaigns

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"regexp"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/masteria/masteria/internal/apierr"
	"github.com/masteria/masteria/internal/channel"
	"github.com/masteria/masteria/internal/connections"
	"github.com/masteria/masteria/internal/contacts"
	"github.com/masteria/masteria/internal/ids"
	"github.com/masteria/masteria/internal/outbox"
	"github.com/masteria/masteria/internal/realtime"
	"github.com/masteria/masteria/internal/store/db"
	"github.com/masteria/masteria/internal/templates"
)

// Why a running campaign waits (its status_reason while it does).
const (
	WaitMessagingLimit = "messaging_limit" // the portfolio's 24-hour limit has no room left
	WaitDailyCap       = "daily_cap"       // a number reached its campaign messages for today
)

// Statuses of a campaign.
const (
	Draft     = "draft"
	Scheduled = "scheduled"
	Running   = "running"
	Paused    = "paused"
	Completed = "completed"
	Canceled  = "canceled"
)

// VarSource fills one template variable: a contact field (name, phone,
// first_name or a custom field key) or a constant.
type VarSource struct {
	Field string `json:"field,omitempty"`
	Value string `json:"value,omitempty"`
}

// TemplateSpec is the template a campaign sends and where its values come
// from. Variables are keyed by position ("1", "2", …) or by name.
type TemplateSpec struct {
	Name      string               `json:"name"`
	Language  string               `json:"language"`
	Variables map[string]VarSource `json:"variables,omitempty"`
	// A text header's variables, or a media header's file (header_type
	// image, video or document; guessed from the MIME type when absent).
	HeaderVariables map[string]VarSource `json:"header_variables,omitempty"`
	HeaderMedia     *channel.Media       `json:"header_media,omitempty"`
	HeaderType      string               `json:"header_type,omitempty"`
	// Buttons fill URL suffixes, quick-reply payloads or copy codes.
	Buttons []ButtonSpec `json:"buttons,omitempty"`
}

// ButtonSpec fills one template button's variable.
type ButtonSpec struct {
	Index   int       `json:"index"`
	SubType string    `json:"sub_type"` // url, quick_reply, copy_code
	Value   VarSource `json:"value"`
}

// MessageSpec is what a campaign sends: a template, or text (or media with
// a caption) with {{field}} personalization and optional variations picked
// at random per recipient.
type MessageSpec struct {
	Type       string         `json:"type"`
	Text       string         `json:"text,omitempty"`
	Variations []string       `json:"variations,omitempty"`
	Media      *channel.Media `json:"media,omitempty"`
	Template   *TemplateSpec  `json:"template,omitempty"`
}

// Window is when a campaign may send: weekdays (0 Sunday … 6 Saturday) and
// hours in the company's time zone.
type Window struct {
	Days  []int  `json:"days"`
	Start string `json:"start"`
	End   string `json:"end"`
}

// Schedule is when a campaign starts and may send.
type Schedule struct {
	StartAt *time.Time `json:"start_at,omitempty"`
	Window  *Window    `json:"window,omitempty"`
}

// StopRules pause a campaign by itself when sending goes wrong.
type StopRules struct {
	// FailureRatio over the last OverLast sends (defaults 0.5 over 100).
	FailureRatio float64 `json:"failure_ratio,omitempty"`
	OverLast     int     `json:"over_last,omitempty"`
}

// Stats count a campaign's recipients by status.
type Stats struct {
	Total     int `json:"total"`
	Pending   int `json:"pending"`
	Queued    int `json:"queued"`
	Sent      int `json:"sent"`
	Delivered int `json:"delivered"`
	Read      int `json:"read"`
	Replied   int `json:"replied"`
	Failed    int `json:"failed"`
	Skipped   int `json:"skipped"`
}

// Campaign is a mass sending.
type Campaign struct {
	ID            string            `json:"id"`
	Name          string            `json:"name"`
	Status        string            `json:"status"`
	StatusReason  string            `json:"status_reason"`
	ConnectionIDs []string          `json:"connection_ids"`
	Audience      contacts.Audience `json:"audience"`
	Message       MessageSpec       `json:"message"`
	RatePerSecond *float64          `json:"rate_per_second"`
	Schedule      Schedule          `json:"schedule"`
	StopRules     StopRules         `json:"stop_rules"`
	Pacing        Pacing            `json:"pacing"`
	Stats         Stats             `json:"stats"`
	StartedAt     db.Time           `json:"started_at"`
	FinishedAt    db.Time           `json:"finished_at"`
	CreatedAt     db.Time           `json:"created_at"`
	UpdatedAt     db.Time           `json:"updated_at"`

	companyID string
}

// Input creates or changes a draft; nil fields stay as they are.
type Input struct {
	Name          *string            `json:"name"`
	ConnectionIDs *[]string          `json:"connection_ids"`
	Audience      *contacts.Audience `json:"audience"`
	Message       *MessageSpec       `json:"message"`
	RatePerSecond *float64           `json:"rate_per_second"`
	Schedule      *Schedule          `json:"schedule"`
	StopRules     *StopRules         `json:"stop_rules"`
	Pacing        *Pacing            `json:"pacing"`
}

// Service runs campaigns.
type Service struct {
	db       *db.DB
	conns    *connections.Service
	contacts *contacts.Service
	outbox   *outbox.Outbox
	hub      *realtime.Hub
	logger   *slog.Logger
	now      func() time.Time
	// Tick is how often the feeder looks at running campaigns (default
	// 200 ms).
	Tick time.Duration
}

// NewService returns a Service; Run starts its feeder.
func NewService(d *db.DB, conns *connections.Service, cs *contacts.Service, o *outbox.Outbox, hub *realtime.Hub, logger *slog.Logger) *Service {
	return &Service{db: d, conns: conns, contacts: cs, outbox: o, hub: hub, logger: logger, now: time.Now, Tick: 200 * time.Millisecond}
}

const columns = `id, company_id, name, status, status_reason, connection_ids, audience, message, rate_per_second, schedule, stop_rules, pacing,
	started_at, finished_at, created_at, updated_at`

func scan(sc interface{ Scan(...any) error }) (Campaign, error) {
	var c Campaign
	var conns, aud, msg, sched, rules, pacing string
	var rate sql.NullFloat64
	err := sc.Scan(&c.ID, &c.companyID, &c.Name, &c.Status, &c.StatusReason, &conns, &aud, &msg, &rate, &sched, &rules, &pacing,
		&c.StartedAt, &c.FinishedAt, &c.CreatedAt, &c.UpdatedAt)
	if err != nil {
		return c, err
	}
	c.ConnectionIDs = []string{}
	for _, p := range []struct {
		raw string
		dst any
	}{{conns, &c.ConnectionIDs}, {aud, &c.Audience}, {msg, &c.Message}, {sched, &c.Schedule}, {rules, &c.StopRules}, {pacing, &c.Pacing}} {
		if err := json.Unmarshal([]byte(p.raw), p.dst); err != nil {
			return c, fmt.Errorf("campaign %s: %w", c.ID, err)
		}
	}
	if rate.Valid {
		c.RatePerSecond = &rate.Float64
	}
	return c, nil
}

func get(ctx context.Context, q db.Querier, companyID, id string) (Campaign, error) {
	if !ids.Valid(id) {
		return Campaign{}, apierr.NotFound()
	}
	c, err := scan(q.QueryRow(ctx, `SELECT `+columns+` FROM campaigns WHERE company_id = ? AND id = ?`, companyID, id))
	if errors.Is(err, sql.ErrNoRows) {
		return c, apierr.NotFound()
	}
	return c, err
}

// Get returns a campaign with its stats.
func (s *Service) Get(ctx context.Context, companyID, id string) (Campaign, error) {
	c, err := get(ctx, s.db, companyID, id)
	if err != nil {
		return c, err
	}
	c.Stats, err = stats(ctx, s.db, id)
	return c, err
}

// List returns a company's campaigns, newest first, with their stats.
func (s *Service) List(ctx context.Context, companyID string) ([]Campaign, error) {
	return s.listWhere(ctx, `company_id = ? ORDER BY id DESC LIMIT 500`, companyID)
}

// Running returns a company's campaigns that are sending now, oldest first,
// with their stats: what the dashboard follows live.
func (s *Service) Running(ctx context.Context, companyID string) ([]Campaign, error) {
	return s.listWhere(ctx, `company_id = ? AND status = 'running' ORDER BY id LIMIT 100`, companyID)
}

// listWhere reads the campaigns a condition (with its order and limit)
// selects, with their stats.
func (s *Service) listWhere(ctx context.Context, cond string, args ...any) ([]Campaign, error) {
	rows, err := s.db.Query(ctx, `SELECT `+columns+` FROM campaigns WHERE `+cond, args...)
	if err != nil {
		return nil, fmt.Errorf("campaigns: %w", err)
	}
	out := []Campaign{}
	for rows.Next() {
		c, err := scan(rows)
		if err != nil {
			rows.Close()
			return nil, err
		}
		out = append(out, c)
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("campaigns: %w", err)
	}
	for i := range out {
		if out[i].Stats, err = stats(ctx, s.db, out[i].ID); err != nil {
			return nil, err
		}
	}
	return out, nil
}

// add counts n recipients of a status.
func (st *Stats) add(status string, n int) {
	st.Total += n
	switch status {
	case "pending":
		st.Pending += n
	case "queued":
		st.Queued += n
	case "sent":
		st.Sent += n
	case "delivered":
		st.Delivered += n
	case "read":
		st.Read += n
	case "replied":
		st.Replied += n
	case "failed":
		st.Failed += n
	case "skipped":
		st.Skipped += n
	}
}

func stats(ctx context.Context, q db.Querier, id string) (Stats, error) {
	var st Stats
	rows, err := q.Query(ctx, `SELECT status, count(*) FROM campaign_recipients WHERE campaign_id = ? GROUP BY status`, id)
	if err != nil {
		return st, fmt.Errorf("campaign stats: %w", err)
	}
	defer rows.Close()
	for rows.Next() {
		var status string
		var n int
		if err := rows.Scan(&status, &n); err != nil {
			return st, err
		}
		st.add(status, n)
	}
	return st, rows.Err()
}

var (
	hhmm     = regexp.MustCompile(`^([01][0-9]|2[0-3]):[0-5][0-9]$`)
	fieldRef = regexp.MustCompile(`\{\{\s*([a-zA-Z0-9_]+)\s*\}\}`)
)

// check validates a campaign as it would be saved.
func (s *Service) check(ctx context.Context, companyID string, c Campaign) error {
	v := apierr.Validation{}
	if n := utf8.RuneCountInString(strings.TrimSpace(c.Name)); n == 0 || n > 100 {
		v.Add("name", "invalid_name")
	}
	if len(c.ConnectionIDs) == 0 || len(c.ConnectionIDs) > 20 {
		v.Add("connection_ids", "connections_required")
	}
	var cloud bool
	seen := map[string]bool{}
	for _, id := range c.ConnectionIDs {
		conn, err := s.conns.Get(ctx, companyID, id)
		if err != nil {
			return err // another company's, or none: 404
		}
		if seen[id] {
			v.Add("connection_ids", "duplicate_connection")
		}
		seen[id] = true
		cloud = cloud || conn.Type == channel.WhatsAppCloud
	}
	if c.RatePerSecond != nil && (*c.RatePerSecond <= 0 || *c.RatePerSecond > 1000) {
		v.Add("rate_per_second", "invalid_rate")
	}
	if w := c.Schedule.Window; w != nil {
		if !hhmm.MatchString(w.Start) || !hhmm.MatchString(w.End) || w.Start == w.End || len(w.Days) == 0 {
			v.Add("schedule.window", "invalid_window")
		}
		for _, d := range w.Days {
			if d < 0 || d > 6 {
				v.Add("schedule.window", "invalid_window")
			}
		}
	}
	c.Pacing.check(v)
	if r := c.StopRules; r.FailureRatio < 0 || r.FailureRatio > 1 || r.OverLast < 0 || r.OverLast > 10000 {
		v.Add("stop_rules", "invalid_stop_rules")
	}
	m := c.Message
	switch {
	case m.Type == channel.TypeTemplate:
		if m.Template == nil || m.Template.Name == "" || m.Template.Language == "" {
			v.Add("message.template", "template_required")
			break
		}
		for key, src := range m.Template.Variables {
			if (src.Field == "") == (src.Value == "") || key == "" {
				v.Add("message.template.variables", "field_or_value")
			}
		}
		for key, src := range m.Template.HeaderVariables {
			if (src.Field == "") == (src.Value == "") || key == "" {
				v.Add("message.template.header_variables", "field_or_value")
			}
		}
		for _, b := range m.Template.Buttons {
			if (b.Value.Field == "") == (b.Value.Value == "") || b.Index < 0 || b.Index > 9 {
				v.Add("message.template.buttons", "field_or_value")
			}
		}
		switch m.Template.HeaderType {
		case "", channel.TypeImage, channel.TypeVideo, channel.TypeDocument:
		default:
			v.Add("message.template.header_type", "invalid_type")
		}
	case m.Type == channel.TypeText || channel.MediaTypes[m.Type]:
		if cloud {
			v.Add("message.type", "template_required")
		}
		if m.Type == channel.TypeText && strings.TrimSpace(m.Text) == "" {
			v.Add("message.text", "required")
		}
		if m.Type != channel.TypeText && (m.Media == nil || m.Media.Link == "") {
			v.Add("message.media", "link_required")
		}
		if len(m.Variations) > 10 {
			v.Add("message.variations", "too_many")
		}
		for _, t := range append([]string{m.Text}, m.Variations...) {
			if utf8.RuneCountInString(t) > 4096 {
				v.Add("message.text", "too_long")
			}
		}
	default:
		v.Add("message.type", "invalid_type")
	}
	if err := v.Err(); err != nil {
		return err
	}
	if _, _, err := s.contacts.AudienceCond(ctx, s.db, companyID, c.Audience); err != nil {
		return err
	}
	if m.Type == channel.TypeTemplate {
		// Each connection must have the template approved, with as many
		// values as it takes.
		probe := s.templateFor(m.Template, map[string]string{"name": "x", "phone": "x", "first_name": "x"}, map[string]any{})
		for _, id := range c.ConnectionIDs {
			if err := templates.CheckSend(ctx, s.db, companyID, id, probe); err != nil {
				return err
			}
		}
	}
	return nil
}

func (in Input) apply(c *Campaign) {
	if in.Name != nil {
		c.Name = strings.TrimSpace(*in.Name)
	}
	if in.ConnectionIDs != nil {
		c.ConnectionIDs = *in.ConnectionIDs
	}
	if in.Audience != nil {
		c.Audience = *in.Audience
	}
	if in.Message != nil {
		c.Message = *in.Message
	}
	if in.RatePerSecond != nil {
		c.RatePerSecond = in.RatePerSecond
	}
	if in.Schedule != nil {
		c.Schedule = *in.Schedule
	}
	if in.StopRules != nil {
		c.StopRules = *in.StopRules
	}
	if in.Pacing != nil {
		c.Pacing = *in.Pacing
	}
}

func (s *Service) save(ctx context.Context, q db.Querier, c Campaign, insert bool) error {
	conns, _ := json.Marshal(c.ConnectionIDs)
	aud, _ := json.Marshal(c.Audience)
	msg, _ := json.Marshal(c.Message)
	sched, _ := json.Marshal(c.Schedule)
	rules, _ := json.Marshal(c.StopRules)
	pacing, _ := json.Marshal(c.Pacing)
	var rate any
	if c.RatePerSecond != nil {
		rate = *c.RatePerSecond
	}
	now := db.Now()
	if insert {
		_, err := q.Exec(ctx, `INSERT INTO campaigns (id, company_id, name, status, connection_ids, audience, message, rate_per_second, schedule, stop_rules, pacing, created_at, updated_at)
			VALUES (?, ?, ?, 'draft', ?, ?, ?, ?, ?, ?, ?, ?, ?)`, c.ID, c.companyID, c.Name, string(conns), string(aud), string(msg), rate, string(sched), string(rules), string(pacing), now, now)
		if err != nil {
			return fmt.Errorf("create campaign: %w", err)
		}
		return nil
	}
	_, err := q.Exec(ctx, `UPDATE campaigns SET name = ?, connection_ids = ?, audience = ?, message = ?, rate_per_second = ?, schedule = ?, stop_rules = ?, pacing = ?, updated_at = ?
		WHERE company_id = ? AND id = ? AND status = 'draft'`, c.Name, string(conns), string(aud), string(msg), rate, string(sched), string(rules), string(pacing), now, c.companyID, c.ID)
	if err != nil {
		return fmt.Errorf("update campaign: %w", err)
	}
	return nil
}

// Create saves a draft.
func (s *Service) Create(ctx context.Context, companyID string, in Input) (Campaign, error) {
	c := Campaign{ID: ids.New(), companyID: companyID, Status: Draft, ConnectionIDs: []string{}}
	in.apply(&c)
	if err := s.check(ctx, companyID, c); err != nil {
		return Campaign{}, err
	}
	if err := s.save(ctx, s.db, c, true); err != nil {
		return Campaign{}, err
	}
	return s.Get(ctx, companyID, c.ID)
}

// Update changes a draft.
func (s *Service) Update(ctx context.Context, companyID, id string, in Input) (Campaign, error) {
	c, err := get(ctx, s.db, companyID, id)
	if err != nil {
		return c, err
	}
	if c.Status != Draft {
		return Campaign{}, apierr.Conflict("not_draft", "Only a draft can be changed; duplicate this campaign to send it again with changes.")
	}
	in.apply(&c)
	if err := s.check(ctx, companyID, c); err != nil {
		return Campaign{}, err
	}
	if err := s.save(ctx, s.db, c, false); err != nil {
		return Campaign{}, err
	}
	return s.Get(ctx, companyID, id)
}

// Duplicate copies a campaign's settings into a new draft.
func (s *Service) Duplicate(ctx context.Context, companyID, id string) (Campaign, error) {
	c, err := get(ctx, s.db, companyID, id)
	if err != nil {
		return c, err
	}
	c.ID = ids.New()
	c.Name = strings.TrimSpace(c.Name + " (cópia)")
	if utf8.RuneCountInString(c.Name) > 100 {
		c.Name = string([]rune(c.Name)[:100])
	}
	if err := s.save(ctx, s.db, c, true); err != nil {
		return Campaign{}, err
	}
	return s.Get(ctx, companyID, c.ID)
}

// Delete removes a campaign that is not sending.
func (s *Service) Delete(ctx context.Context, companyID, id string) error {
	c, err := get(ctx, s.db, companyID, id)
	if err != nil {
		return err
	}
	switch c.Status {
	case Scheduled, Running, Paused:
		return apierr.Conflict("cancel_first", "This campaign is still on; cancel it before deleting it.")
	}
	_, err = s.db.Exec(ctx, `DELETE FROM campaigns WHERE company_id = ? AND id = ?`, companyID, id)
	return err
}

// AudienceCount is what the wizard shows before a start: how many contacts
// the audience holds and how many the start would skip.
type AudienceCount struct {
	Total          int  `json:"total"`
	OptedOut       int  `json:"opted_out"`
	WithoutConsent int  `json:"without_consent"` // skipped for no_consent when RequiresOptIn
	Eligible       int  `json:"eligible"`
	RequiresOptIn  bool `json:"requires_opt_in"`
	// MessagingLimits is how much of each messaging limit the campaign's
	// numbers count against it would use (admission control).
	MessagingLimits []Reach `json:"messaging_limits"`
}

// CountAudience counts an audience exactly as Start freezes it (the union
// of its tags and segments, each contact once, with the consent rule of the
// message).
func (s *Service) CountAudience(ctx context.Context, companyID string, in Input) (AudienceCount, error) {
	var out AudienceCount
	if in.Audience == nil {
		return out, apierr.Field("audience", "audience_required")
	}
	cond, args, err := s.contacts.AudienceCond(ctx, s.db, companyID, *in.Audience)
	if err != nil {
		return out, err
	}
	c := Campaign{companyID: companyID, ConnectionIDs: []string{}}
	in.apply(&c)
	for _, id := range c.ConnectionIDs {
		if _, err := s.conns.Get(ctx, companyID, id); err != nil {
			return out, err
		}
	}
	if c.Message.Type != "" && len(c.ConnectionIDs) > 0 && (c.Message.Type != channel.TypeTemplate || c.Message.Template != nil) {
		if out.RequiresOptIn, err = s.requiresOptIn(ctx, s.db, companyID, c); err != nil {
			out.RequiresOptIn = false // a template not synced yet: the start will say so
		}
	}
	err = s.db.QueryRow(ctx, `SELECT count(*),
		coalesce(sum(CASE WHEN c.consent_state = 'opted_out' THEN 1 ELSE 0 END), 0),
		coalesce(sum(CASE WHEN c.consent_state NOT IN ('opted_out', 'opted_in') THEN 1 ELSE 0 END), 0)
		FROM contacts c WHERE `+cond, args...).Scan(&out.Total, &out.OptedOut, &out.WithoutConsent)
	if err != nil {
		return out, fmt.Errorf("count audience: %w", err)
	}
	out.Eligible = out.Total - out.OptedOut
	if out.RequiresOptIn {
		out.Eligible -= out.WithoutConsent
	}
	out.MessagingLimits, err = s.reachFor(ctx, companyID, c.ConnectionIDs, out.Eligible)
	return out, err
}
