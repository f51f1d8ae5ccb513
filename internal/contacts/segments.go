package contacts

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"unicode/utf8"

	"github.com/masteria/masteria/internal/apierr"
	"github.com/masteria/masteria/internal/audit"
	"github.com/masteria/masteria/internal/ids"
	"github.com/masteria/masteria/internal/store/db"
)

// Segment is a saved filter; campaigns target segments.
type Segment struct {
	ID        string  `json:"id"`
	Name      string  `json:"name"`
	Filter    Filter  `json:"filter"`
	CreatedAt db.Time `json:"created_at"`
	UpdatedAt db.Time `json:"updated_at"`
}

// SegmentInput creates or changes a segment.
type SegmentInput struct {
	Name   *string `json:"name"`
	Filter *Filter `json:"filter"`
}

func (s *Service) checkSegment(ctx context.Context, companyID string, in SegmentInput, creating bool) error {
	v := apierr.Validation{}
	if in.Name != nil || creating {
		name := ""
		if in.Name != nil {
			name = strings.TrimSpace(*in.Name)
		}
		if name == "" || utf8.RuneCountInString(name) > 100 {
			v.Add("name", "required")
		}
	}
	if creating && in.Filter == nil {
		v.Add("filter", "required")
	}
	if err := v.Err(); err != nil {
		return err
	}
	if in.Filter != nil {
		if _, _, err := s.compile(ctx, s.db, companyID, *in.Filter); err != nil {
			return err
		}
	}
	return nil
}

// CreateSegment saves a filter.
func (s *Service) CreateSegment(ctx context.Context, companyID string, in SegmentInput) (Segment, error) {
	if err := s.checkSegment(ctx, companyID, in, true); err != nil {
		return Segment{}, err
	}
	now := db.Now()
	seg := Segment{ID: ids.New(), Name: strings.TrimSpace(*in.Name), Filter: *in.Filter, CreatedAt: db.Time{Time: now}, UpdatedAt: db.Time{Time: now}}
	js, _ := json.Marshal(seg.Filter)
	err := s.db.InTx(ctx, func(tx *db.Tx) error {
		if _, err := tx.Exec(ctx, `INSERT INTO segments (id, company_id, name, filter, created_at, updated_at) VALUES (?, ?, ?, ?, ?, ?)`,
			seg.ID, companyID, seg.Name, string(js), now, now); err != nil {
			return fmt.Errorf("insert segment: %w", err)
		}
		return audit.Record(ctx, tx, companyID, "segment.created", "segment", seg.ID, map[string]any{"name": seg.Name})
	})
	return seg, err
}

// Segments lists the saved segments.
func (s *Service) Segments(ctx context.Context, companyID string) ([]Segment, error) {
	rows, err := s.db.Query(ctx, `SELECT id, name, filter, created_at, updated_at FROM segments WHERE company_id = ? ORDER BY id DESC`, companyID)
	if err != nil {
		return nil, fmt.Errorf("segments: %w", err)
	}
	defer rows.Close()
	out := []Segment{}
	for rows.Next() {
		seg, err := scanSegment(rows)
		if err != nil {
			return nil, err
		}
		out = append(out, seg)
	}
	return out, rows.Err()
}

func scanSegment(sc interface{ Scan(...any) error }) (Segment, error) {
	var seg Segment
	var filter string
	if err := sc.Scan(&seg.ID, &seg.Name, &filter, &seg.CreatedAt, &seg.UpdatedAt); err != nil {
		return Segment{}, err
	}
	if err := json.Unmarshal([]byte(filter), &seg.Filter); err != nil {
		return Segment{}, fmt.Errorf("segment %s filter: %w", seg.ID, err)
	}
	return seg, nil
}

// Segment returns one segment.
func (s *Service) Segment(ctx context.Context, companyID, id string) (Segment, error) {
	if !ids.Valid(id) {
		return Segment{}, apierr.NotFound()
	}
	seg, err := scanSegment(s.db.QueryRow(ctx, `SELECT id, name, filter, created_at, updated_at FROM segments WHERE company_id = ? AND id = ?`, companyID, id))
	if errors.Is(err, sql.ErrNoRows) {
		return Segment{}, apierr.NotFound()
	}
	return seg, err
}

// UpdateSegment renames a segment or replaces its filter.
func (s *Service) UpdateSegment(ctx context.Context, companyID, id string, in SegmentInput) (Segment, error) {
	seg, err := s.Segment(ctx, companyID, id)
	if err != nil {
		return Segment{}, err
	}
	if err := s.checkSegment(ctx, companyID, in, false); err != nil {
		return Segment{}, err
	}
	if in.Name != nil {
		seg.Name = strings.TrimSpace(*in.Name)
	}
	if in.Filter != nil {
		seg.Filter = *in.Filter
	}
	seg.UpdatedAt = db.Time{Time: db.Now()}
	js, _ := json.Marshal(seg.Filter)
	if _, err := s.db.Exec(ctx, `UPDATE segments SET name = ?, filter = ?, updated_at = ? WHERE company_id = ? AND id = ?`,
		seg.Name, string(js), seg.UpdatedAt.Time, companyID, id); err != nil {
		return Segment{}, fmt.Errorf("update segment: %w", err)
	}
	return seg, nil
}

// DeleteSegment removes a segment (its contacts stay).
func (s *Service) DeleteSegment(ctx context.Context, companyID, id string) error {
	if !ids.Valid(id) {
		return apierr.NotFound()
	}
	res, err := s.db.Exec(ctx, `DELETE FROM segments WHERE company_id = ? AND id = ?`, companyID, id)
	if err != nil {
		return fmt.Errorf("delete segment: %w", err)
	}
	if n, _ := res.RowsAffected(); n == 0 {
		return apierr.NotFound()
	}
	return nil
}
