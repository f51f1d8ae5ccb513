// Package connections owns a company's links to providers: a WhatsApp Cloud
// API number, the built-in Simulator, and later WhatsApp Web and SMS. It keeps
// each connection's public settings beside its secrets (encrypted, in one
// secrets row per connection) and builds the channel adapter that sends for it.
//
// Decisions:
//   - Secrets (access_token, app_secret, verify_token) are write-only: the API
//     answers `…_set: true`. A verify token left empty is generated and shown
//     once, in the answer to the create call (as API keys are).
//   - A per-connection Graph base URL is tenant input, so calls to it go
//     through the guarded HTTP client; the operator's MASTERIA_META_GRAPH_URL
//     is trusted configuration.
//   - Deleting a connection keeps its conversations and messages (their
//     connection becomes empty); disabling stops sending and webhook intake.
//   - Webhook intake looks connections up on every request, so their secrets
//     are cached in memory for a short time (30 s): a rotated app secret takes
//     effect on other instances within that time.
package connections

import (
	"bytes"
	"context"
	"crypto/rand"
	"database/sql"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"regexp"
	"strings"
	"sync"
	"time"
	"unicode/utf8"

	"github.com/masteria/masteria/internal/apierr"
	"github.com/masteria/masteria/internal/audit"
	"github.com/masteria/masteria/internal/channel"
	"github.com/masteria/masteria/internal/ids"
	"github.com/masteria/masteria/internal/secrets"
	"github.com/masteria/masteria/internal/store/db"
	"github.com/masteria/masteria/internal/teams"
)

// Statuses of a connection.
const (
	Active         = "active"
	Disabled       = "disabled"
	NeedsAttention = "needs_attention"
)

// Connection is a company's link to a provider. Config holds the public
// settings and, for each secret, a `<name>_set` flag.
type Connection struct {
	ID           string         `json:"id"`
	Type         string         `json:"type"`
	Name         string         `json:"name"`
	Status       string         `json:"status"`
	StatusReason string         `json:"status_reason"`
	Config       map[string]any `json:"config"`
	WebhookURL   string         `json:"webhook_url,omitempty"`
	Info         map[string]any `json:"info"`
	// VerifyToken is only filled in the answer that generated it.
	VerifyToken string `json:"verify_token,omitempty"`
	// TeamID is the team new conversations on this connection go to.
	TeamID    *string `json:"team_id"`
	CreatedAt db.Time `json:"created_at"`
	UpdatedAt db.Time `json:"updated_at"`

	CompanyID string   `json:"-"`
	settings  Settings // typed public settings
}

// Settings are the public settings of every connection type; each type uses
// its own fields.
type Settings struct {
	// whatsapp_cloud
	PhoneNumberID string `json:"phone_number_id,omitempty"`
	WABAID        string `json:"waba_id,omitempty"`
	AppID         string `json:"app_id,omitempty"`
	GraphURL      string `json:"graph_url,omitempty"`
	// simulator
	DeliveryDelayMS *int `json:"delivery_delay_ms,omitempty"`
	// MessagingLimit imitates Meta's messaging limit tier (unique people
	// per moving 24 hours; 0 is unlimited), so that admission control can
	// be tried with no Meta account.
	MessagingLimit int `json:"messaging_limit,omitempty"`
	// sending pace, for every type
	MessagesPerSecond float64 `json:"messages_per_second,omitempty"`
	Burst             int     `json:"burst,omitempty"`
}

// Secrets are a connection's write-only values.
type Secrets struct {
	AccessToken string `json:"access_token,omitempty"`
	AppSecret   string `json:"app_secret,omitempty"`
	VerifyToken string `json:"verify_token,omitempty"`
}

// Settings returns the typed public settings.
func (c Connection) Settings() Settings { return c.settings }

// DeliveryDelay is the Simulator's delay between sent, delivered and read.
func (c Connection) DeliveryDelay() time.Duration {
	if c.settings.DeliveryDelayMS == nil {
		return time.Second
	}
	return time.Duration(*c.settings.DeliveryDelayMS) * time.Millisecond
}

// Input creates or edits a connection.
type Input struct {
	Type   string          `json:"type"`
	Name   *string         `json:"name"`
	Status *string         `json:"status"`
	Config json.RawMessage `json:"config"`
	// TeamID: a team id; null or "" for none; absent, unchanged.
	TeamID json.RawMessage `json:"team_id"`
}

// team reads Input.TeamID: set says whether it was given, id is "" for none.
func (in Input) team(ctx context.Context, q db.Querier, companyID string) (set bool, id any, err error) {
	if len(in.TeamID) == 0 {
		return false, nil, nil
	}
	var s *string
	if err := json.Unmarshal(in.TeamID, &s); err != nil {
		return true, nil, apierr.Field("team_id", "invalid_team")
	}
	if s == nil || *s == "" {
		return true, nil, nil
	}
	if err := teams.Exists(ctx, q, companyID, *s); err != nil {
		return true, nil, err
	}
	return true, *s, nil
}

// config is what clients send in "config": public settings and secrets.
type config struct {
	Settings
	Secrets
}

// Options configure the Service.
type Options struct {
	PublicURL    string // for webhook URLs
	GraphURL     string // MASTERIA_META_GRAPH_URL
	GraphVersion string // MASTERIA_META_GRAPH_VERSION
}

// Service manages connections.
type Service struct {
	db      *db.DB
	secrets *secrets.Store
	logger  *slog.Logger
	opts    Options

	mu    sync.Mutex
	cache map[string]cached

	// Changed is told after a connection's settings or status change (the
	// outbox starts or stops sending for it at once).
	Changed func(id string)
}

type cached struct {
	conn    Connection
	secrets Secrets
	at      time.Time
}

const cacheTTL = 30 * time.Second

// NewService returns a Service.
func NewService(d *db.DB, st *secrets.Store, logger *slog.Logger, opts Options) *Service {
	return &Service{db: d, secrets: st, logger: logger, opts: opts, cache: map[string]cached{}}
}

// Options returns the service's configuration.
func (s *Service) Options() Options { return s.opts }

var (
	digits   = regexp.MustCompile(`^[0-9]{5,30}$`)
	secretOK = regexp.MustCompile(`^[\x21-\x7e]{1,1000}$`)
)

func decodeConfig(raw json.RawMessage) (config, error) {
	var c config
	if len(bytes.TrimSpace(raw)) == 0 || string(bytes.TrimSpace(raw)) == "null" {
		return c, nil
	}
	dec := json.NewDecoder(bytes.NewReader(raw))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&c); err != nil {
		return c, apierr.Field("config", "invalid_config")
	}
	return c, nil
}

// check validates the merged settings and secrets of a connection of typ.
func check(v apierr.Validation, typ string, st Settings, sec Secrets) {
	switch typ {
	case channel.WhatsAppCloud:
		if !digits.MatchString(st.PhoneNumberID) {
			v.Add("config.phone_number_id", "invalid_id")
		}
		if !digits.MatchString(st.WABAID) {
			v.Add("config.waba_id", "invalid_id")
		}
		if st.AppID != "" && !digits.MatchString(st.AppID) {
			v.Add("config.app_id", "invalid_id")
		}
		if st.GraphURL != "" && !(strings.HasPrefix(st.GraphURL, "https://") || strings.HasPrefix(st.GraphURL, "http://")) {
			v.Add("config.graph_url", "invalid_url")
		}
		for field, val := range map[string]string{"access_token": sec.AccessToken, "app_secret": sec.AppSecret, "verify_token": sec.VerifyToken} {
			if val == "" && field != "verify_token" {
				v.Add("config."+field, "required")
			} else if val != "" && !secretOK.MatchString(val) {
				v.Add("config."+field, "invalid_secret")
			}
		}
		if st.DeliveryDelayMS != nil {
			v.Add("config.delivery_delay_ms", "not_for_this_type")
		}
		if st.MessagingLimit != 0 {
			v.Add("config.messaging_limit", "not_for_this_type")
		}
	case channel.Simulator:
		if st.MessagingLimit < 0 || st.MessagingLimit > 1000000 {
			v.Add("config.messaging_limit", "out_of_range")
		}
		if st.DeliveryDelayMS != nil && (*st.DeliveryDelayMS < 0 || *st.DeliveryDelayMS > 60000) {
			v.Add("config.delivery_delay_ms", "out_of_range")
		}
		if st.PhoneNumberID != "" || st.WABAID != "" || st.AppID != "" || st.GraphURL != "" {
			v.Add("config", "not_for_this_type")
		}
		if sec != (Secrets{}) {
			v.Add("config", "not_for_this_type")
		}
	default:
		v.Add("type", "invalid_type")
	}
	if st.MessagesPerSecond < 0 || st.MessagesPerSecond > 1000 {
		v.Add("config.messages_per_second", "out_of_range")
	}
	if st.Burst < 0 || st.Burst > 10000 {
		v.Add("config.burst", "out_of_range")
	}
}

func checkName(v apierr.Validation, name string) string {
	name = strings.TrimSpace(name)
	if name == "" {
		v.Add("name", "required")
	} else if utf8.RuneCountInString(name) > 100 {
		v.Add("name", "too_long")
	}
	return name
}

func randomToken() string {
	b := make([]byte, 18)
	_, _ = rand.Read(b)
	return base64.RawURLEncoding.EncodeToString(b)
}

// Create adds a connection.
func (s *Service) Create(ctx context.Context, companyID string, in Input) (Connection, error) {
	v := apierr.Validation{}
	name := ""
	if in.Name == nil {
		v.Add("name", "required")
	} else {
		name = checkName(v, *in.Name)
	}
	if in.Status != nil {
		v.Add("status", "not_on_create")
	}
	cfg, err := decodeConfig(in.Config)
	if err != nil {
		return Connection{}, err
	}
	generated := ""
	if in.Type == channel.WhatsAppCloud && cfg.VerifyToken == "" {
		generated = randomToken()
		cfg.VerifyToken = generated
	}
	check(v, in.Type, cfg.Settings, cfg.Secrets)
	if err := v.Err(); err != nil {
		return Connection{}, err
	}
	id := ids.New()
	now := db.Now()
	err = s.db.InTx(ctx, func(tx *db.Tx) error {
		var secretID any
		if cfg.Secrets != (Secrets{}) {
			js, _ := json.Marshal(cfg.Secrets)
			sid, err := s.secrets.Put(ctx, tx, companyID, "connection", js)
			if err != nil {
				return err
			}
			secretID = sid
		}
		_, team, err := in.team(ctx, tx, companyID)
		if err != nil {
			return err
		}
		st, _ := json.Marshal(cfg.Settings)
		if _, err := tx.Exec(ctx, `INSERT INTO connections (id, company_id, type, name, config, secret_id, phone_number_id, team_id, created_at, updated_at)
			VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`, id, companyID, in.Type, name, string(st), secretID, nullable(cfg.PhoneNumberID), team, now, now); err != nil {
			return fmt.Errorf("insert connection: %w", err)
		}
		return audit.Record(ctx, tx, companyID, "connection.created", "connection", id, map[string]any{"type": in.Type, "name": name})
	})
	if err != nil {
		return Connection{}, err
	}
	c, err := s.Get(ctx, companyID, id)
	c.VerifyToken = generated
	return c, err
}

func nullable(s string) any {
	if s == "" {
		return nil
	}
	return s
}

const columns = `id, company_id, type, name, status, status_reason, config, secret_id, info, team_id, created_at, updated_at`

func (s *Service) scan(sc interface{ Scan(...any) error }) (Connection, sql.NullString, error) {
	var c Connection
	var cfg, info string
	var secretID, team sql.NullString
	if err := sc.Scan(&c.ID, &c.CompanyID, &c.Type, &c.Name, &c.Status, &c.StatusReason, &cfg, &secretID, &info, &team, &c.CreatedAt, &c.UpdatedAt); err != nil {
		return c, secretID, err
	}
	if team.Valid {
		c.TeamID = &team.String
	}
	if err := json.Unmarshal([]byte(cfg), &c.settings); err != nil {
		return c, secretID, fmt.Errorf("connection %s config: %w", c.ID, err)
	}
	if err := json.Unmarshal([]byte(info), &c.Info); err != nil {
		return c, secretID, fmt.Errorf("connection %s info: %w", c.ID, err)
	}
	c.Config = map[string]any{}
	pub, _ := json.Marshal(c.settings)
	_ = json.Unmarshal(pub, &c.Config)
	if c.Type == channel.WhatsAppCloud {
		c.WebhookURL = strings.TrimRight(s.opts.PublicURL, "/") + "/webhooks/whatsapp_cloud/" + c.ID
		c.Config["access_token_set"] = secretID.Valid
		c.Config["app_secret_set"] = secretID.Valid
		c.Config["verify_token_set"] = secretID.Valid
	}
	if c.Type == channel.Simulator {
		c.Config["delivery_delay_ms"] = c.DeliveryDelay().Milliseconds()
	}
	return c, secretID, nil
}

// Get returns one connection of the company.
func (s *Service) Get(ctx context.Context, companyID, id string) (Connection, error) {
	c, _, err := s.get(ctx, s.db, companyID, id)
	return c, err
}

func (s *Service) get(ctx context.Context, q db.Querier, companyID, id string) (Connection, sql.NullString, error) {
	if !ids.Valid(id) {
		return Connection{}, sql.NullString{}, apierr.NotFound()
	}
	c, sid, err := s.scan(q.QueryRow(ctx, `SELECT `+columns+` FROM connections WHERE company_id = ? AND id = ?`, companyID, id))
	if errors.Is(err, sql.ErrNoRows) {
		return c, sid, apierr.NotFound()
	}
	return c, sid, err
}

// List returns the company's connections, oldest first (a company has few).
func (s *Service) List(ctx context.Context, companyID string) ([]Connection, error) {
	rows, err := s.db.Query(ctx, `SELECT `+columns+` FROM connections WHERE company_id = ? ORDER BY id`, companyID)
	if err != nil {
		return nil, fmt.Errorf("list connections: %w", err)
	}
	defer rows.Close()
	out := []Connection{}
	for rows.Next() {
		c, _, err := s.scan(rows)
		if err != nil {
			return nil, err
		}
		out = append(out, c)
	}
	return out, rows.Err()
}

// Update edits a connection's name, status or settings; a secret left empty
// keeps its value.
func (s *Service) Update(ctx context.Context, companyID, id string, in Input) (Connection, error) {
	var out Connection
	err := s.db.InTx(ctx, func(tx *db.Tx) error {
		c, sid, err := s.get(ctx, tx, companyID, id)
		if err != nil {
			return err
		}
		v := apierr.Validation{}
		if in.Type != "" && in.Type != c.Type {
			v.Add("type", "cannot_change")
		}
		name := c.Name
		if in.Name != nil {
			name = checkName(v, *in.Name)
		}
		status := c.Status
		if in.Status != nil {
			switch *in.Status {
			case Active, Disabled:
				status = *in.Status
			default:
				v.Add("status", "invalid_status")
			}
		}
		patch, err := decodeConfig(in.Config)
		if err != nil {
			return err
		}
		st := c.settings
		// Unknown fields were refused; a JSON object merges over the
		// stored settings so that a PATCH names only what changes.
		if len(in.Config) > 0 {
			if err := json.Unmarshal(in.Config, &st); err != nil {
				return apierr.Field("config", "invalid_config")
			}
		}
		var sec Secrets
		if sid.Valid {
			if sec, err = s.readSecrets(ctx, tx, companyID, sid.String); err != nil {
				return err
			}
		}
		for _, p := range []struct {
			dst *string
			val string
		}{
			{&sec.AccessToken, patch.AccessToken}, {&sec.AppSecret, patch.AppSecret}, {&sec.VerifyToken, patch.VerifyToken},
		} {
			if p.val != "" {
				*p.dst = p.val
			}
		}
		check(v, c.Type, st, sec)
		if err := v.Err(); err != nil {
			return err
		}
		if patch.Secrets != (Secrets{}) {
			js, _ := json.Marshal(sec)
			if err := s.secrets.Replace(ctx, tx, companyID, sid.String, js); err != nil {
				return err
			}
		}
		reason := c.StatusReason
		if status != c.Status || patch.Secrets != (Secrets{}) {
			reason = "" // a person looked at it
		}
		js, _ := json.Marshal(st)
		if _, err := tx.Exec(ctx, `UPDATE connections SET name = ?, status = ?, status_reason = ?, config = ?, phone_number_id = ?, updated_at = ?
			WHERE company_id = ? AND id = ?`, name, status, reason, string(js), nullable(st.PhoneNumberID), db.Now(), companyID, id); err != nil {
			return fmt.Errorf("update connection: %w", err)
		}
		changed := map[string]any{}
		if set, team, err := in.team(ctx, tx, companyID); err != nil {
			return err
		} else if set {
			if _, err := tx.Exec(ctx, `UPDATE connections SET team_id = ? WHERE id = ?`, team, id); err != nil {
				return fmt.Errorf("connection team: %w", err)
			}
			changed["team_id"] = team
		}
		if name != c.Name {
			changed["name"] = name
		}
		if status != c.Status {
			changed["status"] = status
		}
		if patch.Secrets != (Secrets{}) {
			changed["secrets"] = "replaced"
		}
		if err := audit.Record(ctx, tx, companyID, "connection.updated", "connection", id, changed); err != nil {
			return err
		}
		out, _, err = s.get(ctx, tx, companyID, id)
		return err
	})
	s.forget(id)
	if err == nil && s.Changed != nil {
		s.Changed(id)
	}
	return out, err
}

// Delete removes a connection and its secrets; its conversations stay.
func (s *Service) Delete(ctx context.Context, companyID, id string) error {
	err := s.db.InTx(ctx, func(tx *db.Tx) error {
		c, sid, err := s.get(ctx, tx, companyID, id)
		if err != nil {
			return err
		}
		if _, err := tx.Exec(ctx, `DELETE FROM connections WHERE company_id = ? AND id = ?`, companyID, id); err != nil {
			return fmt.Errorf("delete connection: %w", err)
		}
		if sid.Valid {
			if err := s.secrets.Delete(ctx, tx, companyID, sid.String); err != nil {
				return err
			}
		}
		return audit.Record(ctx, tx, companyID, "connection.deleted", "connection", id, map[string]any{"type": c.Type, "name": c.Name})
	})
	s.forget(id)
	return err
}

func (s *Service) readSecrets(ctx context.Context, q db.Querier, companyID, secretID string) (Secrets, error) {
	raw, err := s.secrets.Get(ctx, q, companyID, secretID)
	if err != nil {
		return Secrets{}, fmt.Errorf("connection secrets: %w", err)
	}
	var sec Secrets
	if err := json.Unmarshal(raw, &sec); err != nil {
		return Secrets{}, fmt.Errorf("connection secrets: %w", err)
	}
	return sec, nil
}

// Resolved is a connection with its secrets, for the code that talks to its
// provider. It never leaves the server.
type Resolved struct {
	Connection
	Secrets Secrets
}

// Resolve loads a connection of any company with its secrets, through a
// short-lived cache (webhook intake calls it on every request). It answers
// apierr.NotFound for an unknown id.
func (s *Service) Resolve(ctx context.Context, id string) (Resolved, error) {
	s.mu.Lock()
	e, ok := s.cache[id]
	s.mu.Unlock()
	if ok && time.Since(e.at) < cacheTTL {
		return Resolved{e.conn, e.secrets}, nil
	}
	if !ids.Valid(id) {
		return Resolved{}, apierr.NotFound()
	}
	c, sid, err := s.scan(s.db.QueryRow(ctx, `SELECT `+columns+` FROM connections WHERE id = ?`, id))
	if errors.Is(err, sql.ErrNoRows) {
		return Resolved{}, apierr.NotFound()
	}
	if err != nil {
		return Resolved{}, err
	}
	var sec Secrets
	if sid.Valid {
		if sec, err = s.readSecrets(ctx, s.db, c.CompanyID, sid.String); err != nil {
			return Resolved{}, err
		}
	}
	s.mu.Lock()
	if len(s.cache) > 10000 {
		clear(s.cache)
	}
	s.cache[id] = cached{c, sec, time.Now()}
	s.mu.Unlock()
	return Resolved{c, sec}, nil
}

// ByPhoneNumberID lists the ids of the WhatsApp Cloud connections that claim
// a phone number id (normally one).
func (s *Service) ByPhoneNumberID(ctx context.Context, phoneNumberID string) ([]string, error) {
	rows, err := s.db.Query(ctx, `SELECT id FROM connections WHERE phone_number_id = ? AND type = ? ORDER BY id LIMIT 20`,
		phoneNumberID, channel.WhatsAppCloud)
	if err != nil {
		return nil, fmt.Errorf("connections by number: %w", err)
	}
	defer rows.Close()
	var out []string
	for rows.Next() {
		var id string
		if err := rows.Scan(&id); err != nil {
			return nil, err
		}
		out = append(out, id)
	}
	return out, rows.Err()
}

func (s *Service) forget(id string) {
	s.mu.Lock()
	delete(s.cache, id)
	s.mu.Unlock()
}

// SetStatus moves a connection to needs_attention (with the reason) or back
// to active; a disabled connection stays disabled.
func (s *Service) SetStatus(ctx context.Context, q db.Querier, companyID, id, status, reason string) error {
	_, err := q.Exec(ctx, `UPDATE connections SET status = ?, status_reason = ?, updated_at = ?
		WHERE company_id = ? AND id = ? AND status <> 'disabled'`, status, reason, db.Now(), companyID, id)
	s.forget(id)
	if tx, ok := q.(*db.Tx); ok {
		// A read between the forget and the commit would cache the old
		// status again (for cacheTTL): forget once more when it is in.
		tx.AfterCommit(func() { s.forget(id) })
	}
	if err != nil {
		return fmt.Errorf("connection status: %w", err)
	}
	return nil
}

// MergeInfo merges fields into a connection's provider info (number details,
// quality, limits).
func (s *Service) MergeInfo(ctx context.Context, q db.Querier, companyID, id string, fields map[string]any) error {
	var raw string
	if err := q.QueryRow(ctx, `SELECT info FROM connections WHERE company_id = ? AND id = ?`, companyID, id).Scan(&raw); err != nil {
		if errors.Is(err, sql.ErrNoRows) {
			return apierr.NotFound()
		}
		return fmt.Errorf("connection info: %w", err)
	}
	info := map[string]any{}
	_ = json.Unmarshal([]byte(raw), &info)
	for k, v := range fields {
		info[k] = v
	}
	js, _ := json.Marshal(info)
	if _, err := q.Exec(ctx, `UPDATE connections SET info = ?, updated_at = ? WHERE company_id = ? AND id = ?`,
		string(js), db.Now(), companyID, id); err != nil {
		return fmt.Errorf("connection info: %w", err)
	}
	s.forget(id)
	return nil
}

// CloudConnections lists every WhatsApp Cloud connection with its secrets
// (at most 1,000), for the handshake of a shared app's callback URL.
func (s *Service) CloudConnections(ctx context.Context) ([]Resolved, error) {
	rows, err := s.db.Query(ctx, `SELECT id FROM connections WHERE type = ? ORDER BY id LIMIT 1000`, channel.WhatsAppCloud)
	if err != nil {
		return nil, fmt.Errorf("cloud connections: %w", err)
	}
	var idList []string
	for rows.Next() {
		var id string
		if err := rows.Scan(&id); err != nil {
			rows.Close()
			return nil, err
		}
		idList = append(idList, id)
	}
	rows.Close()
	var out []Resolved
	for _, id := range idList {
		c, err := s.Resolve(ctx, id)
		if err != nil {
			continue
		}
		out = append(out, c)
	}
	return out, rows.Err()
}
