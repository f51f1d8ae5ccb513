// Package templates keeps each connection's message templates: synced from
// Meta (paginated) and refreshed by its review webhooks, created, edited and
// deleted from Masteria and submitted to Meta, and checked before any
// template send leaves (approved, the right variables).
//
// Decisions:
//   - Templates are stored per connection, with Meta's components JSON kept
//     as submitted; the editor builds that JSON.
//   - A sync replaces the connection's list with Meta's: templates Meta no
//     longer has are removed.
//   - Meta's refusals come back as a 422 whose message is Meta's own
//     explanation (error_user_msg) on the field it concerns, when it names
//     one, else on "components".
//   - On the Simulator, templates live only here: created PENDING and
//     approved two seconds later by a review that arrives through the
//     inbound path, as Meta's webhook would. A template whose body contains
//     the word REJECT is rejected instead, so the rejected flow can be tried.
package templates

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"strings"
	"time"

	"github.com/masteria/masteria/internal/apierr"
	"github.com/masteria/masteria/internal/audit"
	"github.com/masteria/masteria/internal/channel"
	"github.com/masteria/masteria/internal/channel/simulator"
	"github.com/masteria/masteria/internal/channel/whatsappcloud"
	"github.com/masteria/masteria/internal/connections"
	"github.com/masteria/masteria/internal/ids"
	"github.com/masteria/masteria/internal/inbound"
	"github.com/masteria/masteria/internal/store/db"
)

// Statuses Meta gives templates.
const (
	Pending  = "PENDING"
	Approved = "APPROVED"
	Rejected = "REJECTED"
)

// Template is a message template of a connection.
type Template struct {
	ID             string          `json:"id"`
	ConnectionID   string          `json:"connection_id"`
	ProviderID     string          `json:"provider_id"`
	Name           string          `json:"name"`
	Language       string          `json:"language"`
	Category       string          `json:"category"`
	Status         string          `json:"status"`
	RejectedReason string          `json:"rejected_reason"`
	Components     json.RawMessage `json:"components"`
	CreatedAt      db.Time         `json:"created_at"`
	UpdatedAt      db.Time         `json:"updated_at"`
}

// Input creates a template; an edit takes Category and Components.
type Input struct {
	Name       string          `json:"name"`
	Language   string          `json:"language"`
	Category   string          `json:"category"`
	Components json.RawMessage `json:"components"`
}

// Service manages templates.
type Service struct {
	db          *db.DB
	connections *connections.Service
	adapters    *connections.Adapters
	logger      *slog.Logger
	// ReviewDelay is how long the Simulator takes to review a template.
	ReviewDelay time.Duration
}

// NewService returns a Service.
func NewService(d *db.DB, conns *connections.Service, adapters *connections.Adapters, logger *slog.Logger) *Service {
	return &Service{db: d, connections: conns, adapters: adapters, logger: logger, ReviewDelay: 2 * time.Second}
}

const columns = `id, connection_id, provider_id, name, language, category, status, rejected_reason, components, created_at, updated_at`

func scan(sc interface{ Scan(...any) error }) (Template, error) {
	var t Template
	var comps string
	err := sc.Scan(&t.ID, &t.ConnectionID, &t.ProviderID, &t.Name, &t.Language, &t.Category, &t.Status, &t.RejectedReason, &comps, &t.CreatedAt, &t.UpdatedAt)
	t.Components = json.RawMessage(comps)
	return t, err
}

// connection loads a connection of the company with its secrets.
func (s *Service) connection(ctx context.Context, companyID, id string) (connections.Resolved, error) {
	if _, err := s.connections.Get(ctx, companyID, id); err != nil {
		return connections.Resolved{}, err
	}
	return s.connections.Resolve(ctx, id)
}

// List returns a connection's templates by name.
func (s *Service) List(ctx context.Context, companyID, connectionID string) ([]Template, error) {
	if _, err := s.connections.Get(ctx, companyID, connectionID); err != nil {
		return nil, err
	}
	rows, err := s.db.Query(ctx, `SELECT `+columns+` FROM templates WHERE company_id = ? AND connection_id = ? ORDER BY name, language`,
		companyID, connectionID)
	if err != nil {
		return nil, fmt.Errorf("list templates: %w", err)
	}
	defer rows.Close()
	out := []Template{}
	for rows.Next() {
		t, err := scan(rows)
		if err != nil {
			return nil, err
		}
		out = append(out, t)
	}
	return out, rows.Err()
}

// Get returns one template of a connection.
func (s *Service) Get(ctx context.Context, companyID, connectionID, id string) (Template, error) {
	return get(ctx, s.db, companyID, connectionID, id)
}

func get(ctx context.Context, q db.Querier, companyID, connectionID, id string) (Template, error) {
	if !ids.Valid(id) || !ids.Valid(connectionID) {
		return Template{}, apierr.NotFound()
	}
	t, err := scan(q.QueryRow(ctx, `SELECT `+columns+` FROM templates WHERE company_id = ? AND connection_id = ? AND id = ?`,
		companyID, connectionID, id))
	if errors.Is(err, sql.ErrNoRows) {
		return t, apierr.NotFound()
	}
	return t, err
}

// providerError turns Meta's refusal into what the editor shows.
func providerError(err error) error {
	var ce *channel.Error
	if !errors.As(err, &ce) {
		return err
	}
	switch ce.Class {
	case channel.FixRequest:
		msg := firstNonEmpty(ce.UserMessage, ce.Details, ce.Message)
		e := apierr.New(422, "rejected_by_provider", "Meta refused the template: "+msg)
		e.Fields = map[string]string{fieldOf(ce.UserTitle + " " + msg): "rejected_by_provider"}
		return e
	case channel.NeedsAttention:
		return apierr.New(502, "provider_auth_failed", "Meta refused the connection's access token; update it in the connection settings.")
	}
	return apierr.New(502, "provider_unavailable", "Meta could not be reached or failed; try again in a moment. ("+ce.Message+")")
}

// fieldOf guesses which part of the template Meta's message is about.
func fieldOf(msg string) string {
	m := strings.ToLower(msg)
	switch {
	case strings.Contains(m, "name"):
		return "name"
	case strings.Contains(m, "language"):
		return "language"
	case strings.Contains(m, "category"):
		return "category"
	}
	return "components"
}

func firstNonEmpty(xs ...string) string {
	for _, x := range xs {
		if strings.TrimSpace(x) != "" {
			return x
		}
	}
	return ""
}

// Sync replaces a connection's templates with the provider's list.
func (s *Service) Sync(ctx context.Context, companyID, connectionID string) ([]Template, error) {
	c, err := s.connection(ctx, companyID, connectionID)
	if err != nil {
		return nil, err
	}
	if c.Type == channel.Simulator {
		return s.List(ctx, companyID, connectionID)
	}
	client, err := s.adapters.Cloud(c)
	if err != nil {
		return nil, err
	}
	remote, err := client.Templates(ctx)
	if err != nil {
		return nil, providerError(err)
	}
	err = s.db.InTx(ctx, func(tx *db.Tx) error {
		keep := map[string]bool{}
		for _, r := range remote {
			id, err := upsert(ctx, tx, companyID, connectionID, r)
			if err != nil {
				return err
			}
			keep[id] = true
		}
		rows, err := tx.Query(ctx, `SELECT id FROM templates WHERE company_id = ? AND connection_id = ?`, companyID, connectionID)
		if err != nil {
			return err
		}
		var gone []string
		for rows.Next() {
			var id string
			if err := rows.Scan(&id); err != nil {
				rows.Close()
				return err
			}
			if !keep[id] {
				gone = append(gone, id)
			}
		}
		rows.Close()
		for _, id := range gone {
			if _, err := tx.Exec(ctx, `DELETE FROM templates WHERE company_id = ? AND id = ?`, companyID, id); err != nil {
				return err
			}
		}
		return audit.Record(ctx, tx, companyID, "templates.synced", "connection", connectionID, map[string]any{"count": len(remote)})
	})
	if err != nil {
		return nil, fmt.Errorf("store synced templates: %w", err)
	}
	return s.List(ctx, companyID, connectionID)
}

func upsert(ctx context.Context, tx *db.Tx, companyID, connectionID string, r whatsappcloud.Template) (string, error) {
	comps := string(r.Components)
	if comps == "" {
		comps = "[]"
	}
	now := db.Now()
	var id string
	err := tx.QueryRow(ctx, `SELECT id FROM templates WHERE connection_id = ? AND name = ? AND language = ?`, connectionID, r.Name, r.Language).Scan(&id)
	switch {
	case errors.Is(err, sql.ErrNoRows):
		id = ids.New()
		_, err = tx.Exec(ctx, `INSERT INTO templates (id, company_id, connection_id, provider_id, name, language, category, status, rejected_reason, components, created_at, updated_at)
			VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`, id, companyID, connectionID, r.ID, r.Name, r.Language, r.Category, r.Status,
			cleanReason(r.RejectedReason), comps, now, now)
	case err == nil:
		_, err = tx.Exec(ctx, `UPDATE templates SET provider_id = ?, category = ?, status = ?, rejected_reason = ?, components = ?, updated_at = ? WHERE id = ?`,
			r.ID, r.Category, r.Status, cleanReason(r.RejectedReason), comps, now, id)
	}
	if err != nil {
		return "", fmt.Errorf("upsert template %s: %w", r.Name, err)
	}
	return id, nil
}

// cleanReason drops Meta's "NONE" placeholder.
func cleanReason(s string) string {
	if strings.EqualFold(s, "NONE") {
		return ""
	}
	return s
}

// Create submits a new template.
func (s *Service) Create(ctx context.Context, companyID, connectionID string, in Input) (Template, error) {
	c, err := s.connection(ctx, companyID, connectionID)
	if err != nil {
		return Template{}, err
	}
	in.Category = strings.ToUpper(strings.TrimSpace(in.Category))
	if err := check(in.Name, in.Language, in.Category, in.Components, true); err != nil {
		return Template{}, err
	}
	var n int
	if err := s.db.QueryRow(ctx, `SELECT count(*) FROM templates WHERE connection_id = ? AND name = ? AND language = ?`,
		connectionID, in.Name, in.Language).Scan(&n); err != nil {
		return Template{}, err
	}
	if n > 0 {
		return Template{}, apierr.Conflict("template_exists", "A template with this name and language already exists.")
	}
	remote := whatsappcloud.Template{Name: in.Name, Language: in.Language, Category: in.Category, Status: Pending, Components: in.Components}
	if c.Type == channel.WhatsAppCloud {
		client, err := s.adapters.Cloud(c)
		if err != nil {
			return Template{}, err
		}
		id, status, category, err := client.CreateTemplate(ctx, whatsappcloud.TemplateInput{Name: in.Name, Language: in.Language,
			Category: in.Category, Components: in.Components})
		if err != nil {
			return Template{}, providerError(err)
		}
		remote.ID, remote.Status = id, firstNonEmpty(status, Pending)
		remote.Category = firstNonEmpty(category, in.Category)
	}
	var id string
	err = s.db.InTx(ctx, func(tx *db.Tx) error {
		if id, err = upsert(ctx, tx, companyID, connectionID, remote); err != nil {
			return err
		}
		if c.Type == channel.Simulator {
			if err := s.review(ctx, tx, c, in); err != nil {
				return err
			}
		}
		return audit.Record(ctx, tx, companyID, "template.created", "template", id, map[string]any{"name": in.Name, "language": in.Language})
	})
	if err != nil {
		return Template{}, err
	}
	return s.Get(ctx, companyID, connectionID, id)
}

// review schedules the Simulator's verdict on a template, in the
// transaction that stores the template.
func (s *Service) review(ctx context.Context, tx *db.Tx, c connections.Resolved, in Input) error {
	verdict := Approved
	if strings.Contains(strings.ToUpper(string(in.Components)), "REJECT") {
		verdict = Rejected
	}
	body, _ := json.Marshal(simulator.Payload{Templates: []simulator.TemplateReport{{Name: in.Name, Language: in.Language, Event: verdict}}})
	return inbound.Insert(ctx, tx, inbound.Event{CompanyID: c.CompanyID, ConnectionID: c.ID, Source: channel.Simulator,
		Payload: body, AvailableAt: time.Now().Add(s.ReviewDelay)})
}

// Update edits a template's category and components and sends it to review
// again.
func (s *Service) Update(ctx context.Context, companyID, connectionID, id string, in Input) (Template, error) {
	c, err := s.connection(ctx, companyID, connectionID)
	if err != nil {
		return Template{}, err
	}
	t, err := s.Get(ctx, companyID, connectionID, id)
	if err != nil {
		return Template{}, err
	}
	v := apierr.Validation{}
	if in.Name != "" && in.Name != t.Name {
		v.Add("name", "cannot_change")
	}
	if in.Language != "" && in.Language != t.Language {
		v.Add("language", "cannot_change")
	}
	if err := v.Err(); err != nil {
		return Template{}, err
	}
	if in.Category == "" {
		in.Category = t.Category
	}
	if len(in.Components) == 0 {
		in.Components = t.Components
	}
	in.Category = strings.ToUpper(in.Category)
	if err := check(t.Name, t.Language, in.Category, in.Components, false); err != nil {
		return Template{}, err
	}
	if c.Type == channel.WhatsAppCloud {
		client, err := s.adapters.Cloud(c)
		if err != nil {
			return Template{}, err
		}
		if err := client.EditTemplate(ctx, t.ProviderID, whatsappcloud.TemplateInput{Category: in.Category, Components: in.Components}); err != nil {
			return Template{}, providerError(err)
		}
	}
	err = s.db.InTx(ctx, func(tx *db.Tx) error {
		if _, err := tx.Exec(ctx, `UPDATE templates SET category = ?, components = ?, status = ?, rejected_reason = '', updated_at = ?
			WHERE company_id = ? AND id = ?`, in.Category, string(in.Components), Pending, db.Now(), companyID, id); err != nil {
			return fmt.Errorf("update template: %w", err)
		}
		if c.Type == channel.Simulator {
			if err := s.review(ctx, tx, c, Input{Name: t.Name, Language: t.Language, Components: in.Components}); err != nil {
				return err
			}
		}
		return audit.Record(ctx, tx, companyID, "template.updated", "template", id, map[string]any{"name": t.Name})
	})
	if err != nil {
		return Template{}, err
	}
	return s.Get(ctx, companyID, connectionID, id)
}

// Delete removes a template here and at the provider.
func (s *Service) Delete(ctx context.Context, companyID, connectionID, id string) error {
	c, err := s.connection(ctx, companyID, connectionID)
	if err != nil {
		return err
	}
	t, err := s.Get(ctx, companyID, connectionID, id)
	if err != nil {
		return err
	}
	if c.Type == channel.WhatsAppCloud && t.ProviderID != "" {
		client, err := s.adapters.Cloud(c)
		if err != nil {
			return err
		}
		if err := client.DeleteTemplate(ctx, t.Name, t.ProviderID); err != nil {
			return providerError(err)
		}
	}
	return s.db.InTx(ctx, func(tx *db.Tx) error {
		if _, err := tx.Exec(ctx, `DELETE FROM templates WHERE company_id = ? AND id = ?`, companyID, id); err != nil {
			return fmt.Errorf("delete template: %w", err)
		}
		return audit.Record(ctx, tx, companyID, "template.deleted", "template", id, map[string]any{"name": t.Name, "language": t.Language})
	})
}

// UploadSample stores a header sample at the provider and returns the handle
// the components cite (example.header_handle).
func (s *Service) UploadSample(ctx context.Context, companyID, connectionID string, r io.Reader, size int64, mimeType string) (string, error) {
	c, err := s.connection(ctx, companyID, connectionID)
	if err != nil {
		return "", err
	}
	if c.Type == channel.Simulator {
		// The Simulator reviews nothing but the text; a handle names the upload.
		n, err := io.Copy(io.Discard, io.LimitReader(r, 100<<20))
		if err != nil {
			return "", err
		}
		return fmt.Sprintf("sim:%s:%d", mimeType, n), nil
	}
	client, err := s.adapters.Cloud(c)
	if err != nil {
		return "", err
	}
	h, err := client.UploadSample(ctx, r, size, mimeType)
	if err != nil {
		return "", providerError(err)
	}
	return h, nil
}

// ApplyUpdate records a provider's review of a template (the inbound path
// calls it). A review for a template Masteria does not hold is ignored: the
// next sync brings it.
func (s *Service) ApplyUpdate(ctx context.Context, tx *db.Tx, companyID, connectionID string, u channel.TemplateUpdate) error {
	status := strings.ToUpper(u.Event)
	switch status {
	case "APPROVED", "REJECTED", "PAUSED", "DISABLED", "PENDING", "FLAGGED", "REINSTATED", "PENDING_DELETION", "IN_APPEAL", "LIMIT_EXCEEDED":
	default:
		return nil
	}
	if status == "REINSTATED" {
		status = Approved
	}
	reason := ""
	if status == Rejected || status == "PAUSED" || status == "DISABLED" {
		reason = cleanReason(u.Reason)
	}
	_, err := tx.Exec(ctx, `UPDATE templates SET status = ?, rejected_reason = ?, updated_at = ?
		WHERE company_id = ? AND connection_id = ? AND ((provider_id <> '' AND provider_id = ?) OR (name = ? AND language = ?))`,
		status, reason, db.Now(), companyID, connectionID, u.ProviderID, u.Name, u.Language)
	if err != nil {
		return fmt.Errorf("template review: %w", err)
	}
	return nil
}
