package contacts

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"math"
	"regexp"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/masteria/masteria/internal/apierr"
	"github.com/masteria/masteria/internal/audit"
	"github.com/masteria/masteria/internal/ids"
	"github.com/masteria/masteria/internal/store/db"
)

// Field types.
const (
	TypeText    = "text"
	TypeNumber  = "number"
	TypeDate    = "date"
	TypeBoolean = "boolean"
	TypeChoice  = "choice"
)

// FieldDef is a company-defined contact field; Key is what templates use
// ({{city}}).
type FieldDef struct {
	ID        string   `json:"id"`
	Key       string   `json:"key"`
	Label     string   `json:"label"`
	Type      string   `json:"type"`
	Choices   []string `json:"choices"`
	CreatedAt db.Time  `json:"created_at"`
}

// FieldInput creates or changes a field definition.
type FieldInput struct {
	Key     string    `json:"key"`
	Label   *string   `json:"label"`
	Type    string    `json:"type"`
	Choices *[]string `json:"choices"`
}

var fieldKey = regexp.MustCompile(`^[a-z][a-z0-9_]{0,39}$`)

// reservedKeys are the contact's own attributes, which templates also use.
var reservedKeys = map[string]bool{"name": true, "phone": true, "email": true, "language": true, "tags": true, "notes": true, "id": true}

func (s *Service) fieldDefs(ctx context.Context, q db.Querier, companyID string) (map[string]FieldDef, error) {
	list, err := listFields(ctx, q, companyID)
	if err != nil {
		return nil, err
	}
	out := make(map[string]FieldDef, len(list))
	for _, f := range list {
		out[f.Key] = f
	}
	return out, nil
}

func listFields(ctx context.Context, q db.Querier, companyID string) ([]FieldDef, error) {
	rows, err := q.Query(ctx, `SELECT id, key, label, type, choices, created_at FROM field_defs WHERE company_id = ? ORDER BY key`, companyID)
	if err != nil {
		return nil, fmt.Errorf("fields: %w", err)
	}
	defer rows.Close()
	out := []FieldDef{}
	for rows.Next() {
		var f FieldDef
		var choices string
		if err := rows.Scan(&f.ID, &f.Key, &f.Label, &f.Type, &choices, &f.CreatedAt); err != nil {
			return nil, err
		}
		f.Choices = []string{}
		_ = json.Unmarshal([]byte(choices), &f.Choices)
		out = append(out, f)
	}
	return out, rows.Err()
}

// Fields lists the company's field definitions.
func (s *Service) Fields(ctx context.Context, companyID string) ([]FieldDef, error) {
	return listFields(ctx, s.db, companyID)
}

func checkChoices(v apierr.Validation, typ string, choices *[]string) []string {
	if typ != TypeChoice {
		return []string{}
	}
	if choices == nil || len(*choices) == 0 {
		v.Add("choices", "required")
		return nil
	}
	seen := map[string]bool{}
	var out []string
	for _, c := range *choices {
		c = strings.TrimSpace(c)
		if c == "" || utf8.RuneCountInString(c) > 100 || seen[c] {
			v.Add("choices", "invalid_choice")
			continue
		}
		seen[c] = true
		out = append(out, c)
	}
	if len(out) > 200 {
		v.Add("choices", "too_many")
	}
	return out
}

// CreateField defines a new field.
func (s *Service) CreateField(ctx context.Context, companyID string, in FieldInput) (FieldDef, error) {
	v := apierr.Validation{}
	key := strings.TrimSpace(in.Key)
	switch {
	case !fieldKey.MatchString(key):
		v.Add("key", "invalid_key")
	case reservedKeys[key]:
		v.Add("key", "reserved_key")
	}
	label := key
	if in.Label != nil && strings.TrimSpace(*in.Label) != "" {
		label = strings.TrimSpace(*in.Label)
	}
	if utf8.RuneCountInString(label) > 100 {
		v.Add("label", "too_long")
	}
	switch in.Type {
	case TypeText, TypeNumber, TypeDate, TypeBoolean, TypeChoice:
	default:
		v.Add("type", "invalid_type")
	}
	choices := checkChoices(v, in.Type, in.Choices)
	if err := v.Err(); err != nil {
		return FieldDef{}, err
	}
	f := FieldDef{ID: ids.New(), Key: key, Label: label, Type: in.Type, Choices: choices, CreatedAt: db.Time{Time: db.Now()}}
	js, _ := json.Marshal(choices)
	err := s.db.InTx(ctx, func(tx *db.Tx) error {
		if _, err := tx.Exec(ctx, `INSERT INTO field_defs (id, company_id, key, label, type, choices, created_at) VALUES (?, ?, ?, ?, ?, ?, ?)`,
			f.ID, companyID, f.Key, f.Label, f.Type, string(js), f.CreatedAt.Time); err != nil {
			if db.IsUniqueViolation(err) {
				return apierr.Field("key", "taken")
			}
			return fmt.Errorf("insert field: %w", err)
		}
		return audit.Record(ctx, tx, companyID, "field.created", "field", f.ID, map[string]any{"key": key, "type": in.Type})
	})
	return f, err
}

// UpdateField changes a field's label or choices; key and type are fixed
// once values exist under them.
func (s *Service) UpdateField(ctx context.Context, companyID, id string, in FieldInput) (FieldDef, error) {
	var out FieldDef
	err := s.db.InTx(ctx, func(tx *db.Tx) error {
		f, err := fieldByID(ctx, tx, companyID, id)
		if err != nil {
			return err
		}
		v := apierr.Validation{}
		if in.Key != "" && in.Key != f.Key {
			v.Add("key", "immutable")
		}
		if in.Type != "" && in.Type != f.Type {
			v.Add("type", "immutable")
		}
		if in.Label != nil {
			l := strings.TrimSpace(*in.Label)
			if l == "" || utf8.RuneCountInString(l) > 100 {
				v.Add("label", "invalid_label")
			}
			f.Label = l
		}
		if in.Choices != nil {
			f.Choices = checkChoices(v, f.Type, in.Choices)
		}
		if err := v.Err(); err != nil {
			return err
		}
		js, _ := json.Marshal(f.Choices)
		if _, err := tx.Exec(ctx, `UPDATE field_defs SET label = ?, choices = ? WHERE company_id = ? AND id = ?`, f.Label, string(js), companyID, id); err != nil {
			return fmt.Errorf("update field: %w", err)
		}
		out = f
		return audit.Record(ctx, tx, companyID, "field.updated", "field", id, map[string]any{"key": f.Key})
	})
	return out, err
}

// DeleteField removes a definition; values already stored stay in the
// contacts' data (and in exports) but are no longer editable or filterable.
func (s *Service) DeleteField(ctx context.Context, companyID, id string) error {
	return s.db.InTx(ctx, func(tx *db.Tx) error {
		f, err := fieldByID(ctx, tx, companyID, id)
		if err != nil {
			return err
		}
		if _, err := tx.Exec(ctx, `DELETE FROM field_defs WHERE company_id = ? AND id = ?`, companyID, id); err != nil {
			return fmt.Errorf("delete field: %w", err)
		}
		return audit.Record(ctx, tx, companyID, "field.deleted", "field", id, map[string]any{"key": f.Key})
	})
}

func fieldByID(ctx context.Context, q db.Querier, companyID, id string) (FieldDef, error) {
	if !ids.Valid(id) {
		return FieldDef{}, apierr.NotFound()
	}
	var f FieldDef
	var choices string
	err := q.QueryRow(ctx, `SELECT id, key, label, type, choices, created_at FROM field_defs WHERE company_id = ? AND id = ?`, companyID, id).
		Scan(&f.ID, &f.Key, &f.Label, &f.Type, &choices, &f.CreatedAt)
	if errors.Is(err, sql.ErrNoRows) {
		return FieldDef{}, apierr.NotFound()
	}
	if err != nil {
		return FieldDef{}, fmt.Errorf("field: %w", err)
	}
	f.Choices = []string{}
	_ = json.Unmarshal([]byte(choices), &f.Choices)
	return f, nil
}

// coerceFields validates values against their definitions and merges them
// over base (nil values remove a field). It returns the field codes of bad
// values by key.
func coerceFields(defs map[string]FieldDef, in map[string]any, base map[string]any) (map[string]any, map[string]string) {
	out := map[string]any{}
	for k, v := range base {
		out[k] = v
	}
	errs := map[string]string{}
	for k, v := range in {
		if v == nil {
			delete(out, k)
			continue
		}
		def, ok := defs[k]
		if !ok {
			errs[k] = "unknown_field"
			continue
		}
		val, err := coerce(def, v)
		if err != "" {
			errs[k] = err
			continue
		}
		if val == nil {
			delete(out, k)
		} else {
			out[k] = val
		}
	}
	return out, errs
}

// coerce turns a value (from JSON or from a spreadsheet cell) into the
// field's type; an empty string clears the field.
func coerce(def FieldDef, v any) (any, string) {
	if s, ok := v.(string); ok {
		s = strings.TrimSpace(s)
		if s == "" {
			return nil, ""
		}
		v = s
	}
	switch def.Type {
	case TypeText:
		s, ok := v.(string)
		if !ok {
			return nil, "invalid_text"
		}
		if utf8.RuneCountInString(s) > 1000 {
			return nil, "too_long"
		}
		return s, ""
	case TypeNumber:
		switch x := v.(type) {
		case float64:
			if math.IsNaN(x) || math.IsInf(x, 0) {
				return nil, "invalid_number"
			}
			return x, ""
		case string:
			// Brazilian decimal comma: "1.234,5" and "1234,5".
			t := x
			if strings.Contains(t, ",") {
				t = strings.ReplaceAll(strings.ReplaceAll(t, ".", ""), ",", ".")
			}
			f, err := strconv.ParseFloat(t, 64)
			if err != nil || math.IsNaN(f) || math.IsInf(f, 0) {
				return nil, "invalid_number"
			}
			return f, ""
		}
		return nil, "invalid_number"
	case TypeDate:
		s, ok := v.(string)
		if !ok {
			return nil, "invalid_date"
		}
		for _, layout := range []string{"2006-01-02", "02/01/2006", time.RFC3339} {
			if t, err := time.Parse(layout, s); err == nil {
				return t.Format("2006-01-02"), ""
			}
		}
		return nil, "invalid_date"
	case TypeBoolean:
		switch x := v.(type) {
		case bool:
			return x, ""
		case string:
			switch strings.ToLower(x) {
			case "true", "sim", "s", "yes", "y", "1", "verdadeiro", "x":
				return true, ""
			case "false", "não", "nao", "n", "no", "0", "falso":
				return false, ""
			}
		}
		return nil, "invalid_boolean"
	case TypeChoice:
		s, ok := v.(string)
		if !ok {
			return nil, "invalid_choice"
		}
		for _, c := range def.Choices {
			if strings.EqualFold(c, s) {
				return c, ""
			}
		}
		return nil, "invalid_choice"
	}
	return nil, "unknown_field"
}

func formatFloat(f float64) string {
	if f == math.Trunc(f) && math.Abs(f) < 1e15 {
		return strconv.FormatInt(int64(f), 10)
	}
	return strconv.FormatFloat(f, 'f', -1, 64)
}
