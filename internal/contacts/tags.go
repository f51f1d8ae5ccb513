package contacts

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"regexp"
	"strings"
	"unicode/utf8"

	"github.com/masteria/masteria/internal/apierr"
	"github.com/masteria/masteria/internal/audit"
	"github.com/masteria/masteria/internal/ids"
	"github.com/masteria/masteria/internal/store/db"
)

// Tag labels contacts; campaigns target tags.
type Tag struct {
	ID       string  `json:"id"`
	Name     string  `json:"name"`
	Color    string  `json:"color"`
	Contacts int     `json:"contacts"`
	Created  db.Time `json:"created_at"`
}

// TagInput creates or renames a tag.
type TagInput struct {
	Name  *string `json:"name"`
	Color *string `json:"color"`
}

var colorRE = regexp.MustCompile(`^#[0-9a-fA-F]{6}$`)

func tagKey(name string) string { return strings.ToLower(strings.TrimSpace(name)) }

// checkTagNames trims and de-duplicates tag names; the code names the problem.
func checkTagNames(names []string) ([]string, string) {
	seen := map[string]bool{}
	var out []string
	for _, n := range names {
		n = strings.TrimSpace(n)
		if n == "" || utf8.RuneCountInString(n) > 50 {
			return nil, "invalid_tag"
		}
		if !seen[tagKey(n)] {
			seen[tagKey(n)] = true
			out = append(out, n)
		}
	}
	if len(out) > 100 {
		return nil, "too_many"
	}
	return out, ""
}

// ensureTags finds or creates tags by name and returns their ids.
func ensureTags(ctx context.Context, tx *db.Tx, companyID string, names []string) ([]string, error) {
	var out []string
	for _, n := range names {
		if _, err := tx.Exec(ctx, `INSERT INTO tags (id, company_id, name, name_key, color, created_at) VALUES (?, ?, ?, ?, '', ?)
			ON CONFLICT (company_id, name_key) DO NOTHING`, ids.New(), companyID, n, tagKey(n), db.Now()); err != nil {
			return nil, fmt.Errorf("create tag: %w", err)
		}
		var id string
		if err := tx.QueryRow(ctx, `SELECT id FROM tags WHERE company_id = ? AND name_key = ?`, companyID, tagKey(n)).Scan(&id); err != nil {
			return nil, fmt.Errorf("find tag: %w", err)
		}
		out = append(out, id)
	}
	return out, nil
}

func addTags(ctx context.Context, tx *db.Tx, companyID, contactID string, tagIDs []string) error {
	for _, t := range tagIDs {
		if _, err := tx.Exec(ctx, `INSERT INTO contact_tags (company_id, contact_id, tag_id) VALUES (?, ?, ?) ON CONFLICT DO NOTHING`,
			companyID, contactID, t); err != nil {
			return fmt.Errorf("tag contact: %w", err)
		}
	}
	return nil
}

// Tags lists the company's tags with how many contacts carry each.
func (s *Service) Tags(ctx context.Context, companyID string) ([]Tag, error) {
	rows, err := s.db.Query(ctx, `SELECT t.id, t.name, t.color, t.created_at,
		       (SELECT count(*) FROM contact_tags ct WHERE ct.company_id = t.company_id AND ct.tag_id = t.id)
		  FROM tags t WHERE t.company_id = ? ORDER BY t.name_key`, companyID)
	if err != nil {
		return nil, fmt.Errorf("tags: %w", err)
	}
	defer rows.Close()
	out := []Tag{}
	for rows.Next() {
		var t Tag
		if err := rows.Scan(&t.ID, &t.Name, &t.Color, &t.Created, &t.Contacts); err != nil {
			return nil, err
		}
		out = append(out, t)
	}
	return out, rows.Err()
}

func checkTagInput(v apierr.Validation, in TagInput, creating bool) {
	if in.Name != nil || creating {
		name := ""
		if in.Name != nil {
			name = strings.TrimSpace(*in.Name)
		}
		if name == "" || utf8.RuneCountInString(name) > 50 {
			v.Add("name", "invalid_tag")
		}
	}
	if in.Color != nil && *in.Color != "" && !colorRE.MatchString(*in.Color) {
		v.Add("color", "invalid_color")
	}
}

// CreateTag makes a tag.
func (s *Service) CreateTag(ctx context.Context, companyID string, in TagInput) (Tag, error) {
	v := apierr.Validation{}
	checkTagInput(v, in, true)
	if err := v.Err(); err != nil {
		return Tag{}, err
	}
	t := Tag{ID: ids.New(), Name: strings.TrimSpace(*in.Name), Created: db.Time{Time: db.Now()}}
	if in.Color != nil {
		t.Color = *in.Color
	}
	_, err := s.db.Exec(ctx, `INSERT INTO tags (id, company_id, name, name_key, color, created_at) VALUES (?, ?, ?, ?, ?, ?)`,
		t.ID, companyID, t.Name, tagKey(t.Name), t.Color, t.Created.Time)
	if db.IsUniqueViolation(err) {
		return Tag{}, apierr.Field("name", "taken")
	}
	if err != nil {
		return Tag{}, fmt.Errorf("create tag: %w", err)
	}
	return t, nil
}

// UpdateTag renames or recolours a tag.
func (s *Service) UpdateTag(ctx context.Context, companyID, id string, in TagInput) (Tag, error) {
	v := apierr.Validation{}
	checkTagInput(v, in, false)
	if err := v.Err(); err != nil {
		return Tag{}, err
	}
	if !ids.Valid(id) {
		return Tag{}, apierr.NotFound()
	}
	var t Tag
	err := s.db.QueryRow(ctx, `SELECT id, name, color, created_at FROM tags WHERE company_id = ? AND id = ?`, companyID, id).Scan(&t.ID, &t.Name, &t.Color, &t.Created)
	if errors.Is(err, sql.ErrNoRows) {
		return Tag{}, apierr.NotFound()
	}
	if err != nil {
		return Tag{}, fmt.Errorf("tag: %w", err)
	}
	if in.Name != nil {
		t.Name = strings.TrimSpace(*in.Name)
	}
	if in.Color != nil {
		t.Color = *in.Color
	}
	_, err = s.db.Exec(ctx, `UPDATE tags SET name = ?, name_key = ?, color = ? WHERE company_id = ? AND id = ?`, t.Name, tagKey(t.Name), t.Color, companyID, id)
	if db.IsUniqueViolation(err) {
		return Tag{}, apierr.Field("name", "taken")
	}
	if err != nil {
		return Tag{}, fmt.Errorf("update tag: %w", err)
	}
	return t, nil
}

// DeleteTag removes a tag from every contact.
func (s *Service) DeleteTag(ctx context.Context, companyID, id string) error {
	if !ids.Valid(id) {
		return apierr.NotFound()
	}
	return s.db.InTx(ctx, func(tx *db.Tx) error {
		res, err := tx.Exec(ctx, `DELETE FROM tags WHERE company_id = ? AND id = ?`, companyID, id)
		if err != nil {
			return fmt.Errorf("delete tag: %w", err)
		}
		if n, _ := res.RowsAffected(); n == 0 {
			return apierr.NotFound()
		}
		return audit.Record(ctx, tx, companyID, "tag.deleted", "tag", id, nil)
	})
}

// ownTags keeps only ids of tags that belong to the company, so that bulk
// actions cannot attach another company's tag.
func ownTags(ctx context.Context, q db.Querier, companyID string, tagIDs []string) ([]string, error) {
	var out []string
	for _, t := range tagIDs {
		if !ids.Valid(t) {
			return nil, apierr.NotFound()
		}
		var n int
		if err := q.QueryRow(ctx, `SELECT count(*) FROM tags WHERE company_id = ? AND id = ?`, companyID, t).Scan(&n); err != nil {
			return nil, err
		}
		if n == 0 {
			return nil, apierr.NotFound()
		}
		out = append(out, t)
	}
	return out, nil
}
