// Package labels owns conversation labels: the colored marks agents put on
// conversations ("vip", "reclamação") to filter the inbox by. Contact tags
// (package contacts) describe people; labels describe service episodes.
//
// Decisions: names are unique per company ignoring case (409
// label_exists); a color is a #rrggbb hex, a default one when omitted;
// deleting a label takes it off every conversation.
package labels

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"regexp"
	"strings"
	"unicode/utf8"

	"github.com/masteria/masteria/internal/apierr"
	"github.com/masteria/masteria/internal/ids"
	"github.com/masteria/masteria/internal/store/db"
)

// DefaultColor is used when a label is made without one.
const DefaultColor = "#64748b"

var colorRE = regexp.MustCompile(`^#[0-9a-fA-F]{6}$`)

// Label is a conversation label.
type Label struct {
	ID        string  `json:"id"`
	Name      string  `json:"name"`
	Color     string  `json:"color"`
	CreatedAt db.Time `json:"created_at"`
}

// Input creates or changes a label.
type Input struct {
	Name  *string `json:"name"`
	Color *string `json:"color"`
}

// Service manages labels.
type Service struct{ db *db.DB }

// NewService returns a Service.
func NewService(d *db.DB) *Service { return &Service{db: d} }

func check(in Input, creating bool) error {
	v := apierr.Validation{}
	if in.Name != nil || creating {
		name := ""
		if in.Name != nil {
			name = strings.TrimSpace(*in.Name)
		}
		if name == "" || utf8.RuneCountInString(name) > 40 {
			v.Add("name", "invalid_name")
		}
	}
	if in.Color != nil && !colorRE.MatchString(*in.Color) {
		v.Add("color", "invalid_color")
	}
	return v.Err()
}

// List returns a company's labels by name.
func (s *Service) List(ctx context.Context, companyID string) ([]Label, error) {
	rows, err := s.db.Query(ctx, `SELECT id, name, color, created_at FROM labels WHERE company_id = ? ORDER BY lower(name), id`, companyID)
	if err != nil {
		return nil, fmt.Errorf("labels: %w", err)
	}
	defer rows.Close()
	out := []Label{}
	for rows.Next() {
		var l Label
		if err := rows.Scan(&l.ID, &l.Name, &l.Color, &l.CreatedAt); err != nil {
			return nil, err
		}
		out = append(out, l)
	}
	return out, rows.Err()
}

func (s *Service) get(ctx context.Context, companyID, id string) (Label, error) {
	var l Label
	if !ids.Valid(id) {
		return l, apierr.NotFound()
	}
	err := s.db.QueryRow(ctx, `SELECT id, name, color, created_at FROM labels WHERE company_id = ? AND id = ?`, companyID, id).
		Scan(&l.ID, &l.Name, &l.Color, &l.CreatedAt)
	if errors.Is(err, sql.ErrNoRows) {
		return l, apierr.NotFound()
	}
	return l, err
}

var exists = apierr.Conflict("label_exists", "A label with this name already exists.")

// Create makes a label.
func (s *Service) Create(ctx context.Context, companyID string, in Input) (Label, error) {
	if err := check(in, true); err != nil {
		return Label{}, err
	}
	l := Label{ID: ids.New(), Name: strings.TrimSpace(*in.Name), Color: DefaultColor, CreatedAt: db.Time{Time: db.Now()}}
	if in.Color != nil {
		l.Color = strings.ToLower(*in.Color)
	}
	_, err := s.db.Exec(ctx, `INSERT INTO labels (id, company_id, name, color, created_at, updated_at) VALUES (?, ?, ?, ?, ?, ?)`,
		l.ID, companyID, l.Name, l.Color, l.CreatedAt.Time, l.CreatedAt.Time)
	if db.IsUniqueViolation(err) {
		return Label{}, exists
	}
	if err != nil {
		return Label{}, fmt.Errorf("create label: %w", err)
	}
	return l, nil
}

// Update renames or recolors a label.
func (s *Service) Update(ctx context.Context, companyID, id string, in Input) (Label, error) {
	if err := check(in, false); err != nil {
		return Label{}, err
	}
	l, err := s.get(ctx, companyID, id)
	if err != nil {
		return l, err
	}
	if in.Name != nil {
		l.Name = strings.TrimSpace(*in.Name)
	}
	if in.Color != nil {
		l.Color = strings.ToLower(*in.Color)
	}
	_, err = s.db.Exec(ctx, `UPDATE labels SET name = ?, color = ?, updated_at = ? WHERE company_id = ? AND id = ?`,
		l.Name, l.Color, db.Now(), companyID, id)
	if db.IsUniqueViolation(err) {
		return Label{}, exists
	}
	if err != nil {
		return Label{}, fmt.Errorf("update label: %w", err)
	}
	return l, nil
}

// Delete removes a label from the company and every conversation.
func (s *Service) Delete(ctx context.Context, companyID, id string) error {
	if !ids.Valid(id) {
		return apierr.NotFound()
	}
	res, err := s.db.Exec(ctx, `DELETE FROM labels WHERE company_id = ? AND id = ?`, companyID, id)
	if err != nil {
		return fmt.Errorf("delete label: %w", err)
	}
	if n, _ := res.RowsAffected(); n == 0 {
		return apierr.NotFound()
	}
	return nil
}
