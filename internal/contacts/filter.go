package contacts

import (
	"context"
	"strings"
	"time"

	"github.com/masteria/masteria/internal/apierr"
	"github.com/masteria/masteria/internal/ids"
	"github.com/masteria/masteria/internal/store/db"
)

// Filter selects contacts; every part is optional and parts combine with AND.
// Segments save one; lists, counts, exports and bulk actions take one.
type Filter struct {
	Q            string      `json:"q,omitempty"`
	Tags         *TagFilter  `json:"tags,omitempty"`
	Fields       []FieldCond `json:"fields,omitempty"`
	Consent      string      `json:"consent,omitempty"`
	LastInbound  *TimeRange  `json:"last_inbound,omitempty"`
	LastOutbound *TimeRange  `json:"last_outbound,omitempty"`
	Created      *TimeRange  `json:"created,omitempty"`
}

// TagFilter: contacts with any of, all of, and none of the tags.
type TagFilter struct {
	Any  []string `json:"any,omitempty"`
	All  []string `json:"all,omitempty"`
	None []string `json:"none,omitempty"`
}

// FieldCond compares a custom field.
type FieldCond struct {
	Key   string `json:"key"`
	Op    string `json:"op"` // equals, contains, before, after, empty, not_empty
	Value any    `json:"value,omitempty"`
}

// TimeRange bounds a time: before and after are exclusive.
type TimeRange struct {
	Before *time.Time `json:"before,omitempty"`
	After  *time.Time `json:"after,omitempty"`
}

// compile turns a filter into a condition on contacts aliased c (never
// empty: "1=1" when nothing filters) and its arguments. Unknown fields, tags
// of other companies and bad operators are validation errors.
func (s *Service) compile(ctx context.Context, q db.Querier, companyID string, f Filter) (string, []any, error) {
	var conds []string
	var args []any
	v := apierr.Validation{}
	if t := strings.TrimSpace(f.Q); t != "" {
		if len(t) > 200 {
			v.Add("q", "too_long")
		}
		conds = append(conds, `c.search LIKE ? ESCAPE '\'`)
		args = append(args, "%"+likeEscape(strings.ToLower(t))+"%")
	}
	if f.Tags != nil {
		tagSets := []struct {
			ids  []string
			kind string
		}{{f.Tags.Any, "any"}, {f.Tags.All, "all"}, {f.Tags.None, "none"}}
		for _, set := range tagSets {
			for _, id := range set.ids {
				if !ids.Valid(id) {
					v.Add("tags."+set.kind, "unknown_tag")
				}
			}
		}
		if len(v) == 0 {
			for _, set := range tagSets {
				if _, err := ownTags(ctx, q, companyID, set.ids); err != nil {
					if _, ok := apierr.As(err); ok {
						v.Add("tags."+set.kind, "unknown_tag")
						continue
					}
					return "", nil, err
				}
			}
		}
		// IN (subquery) rather than EXISTS: both databases can then start
		// from the tag's index instead of visiting every contact.
		tagged := `c.id IN (SELECT ct.contact_id FROM contact_tags ct WHERE ct.company_id = ? AND ct.tag_id `
		if n := len(f.Tags.Any); n > 0 {
			conds = append(conds, tagged+`IN (`+db.Marks(n)+`))`)
			args = append(append(args, companyID), anys(f.Tags.Any)...)
		}
		for _, t := range f.Tags.All {
			conds = append(conds, tagged+`= ?)`)
			args = append(args, companyID, t)
		}
		if n := len(f.Tags.None); n > 0 {
			conds = append(conds, `NOT `+tagged+`IN (`+db.Marks(n)+`))`)
			args = append(append(args, companyID), anys(f.Tags.None)...)
		}
	}
	if len(f.Fields) > 0 {
		defs, err := s.fieldDefs(ctx, q, companyID)
		if err != nil {
			return "", nil, err
		}
		for _, fc := range f.Fields {
			def, ok := defs[fc.Key]
			if !ok {
				v.Add("fields."+fc.Key, "unknown_field")
				continue
			}
			text, targs := db.JSONText(q.Dialect(), "c.fields", fc.Key)
			switch fc.Op {
			case "empty":
				conds = append(conds, text+" IS NULL")
				args = append(args, targs...)
			case "not_empty":
				conds = append(conds, text+" IS NOT NULL")
				args = append(args, targs...)
			case "equals", "contains":
				val, code := coerce(def, fc.Value)
				if code != "" || val == nil {
					v.Add("fields."+fc.Key, "invalid_value")
					continue
				}
				want := valueText(val)
				if fc.Op == "equals" {
					conds = append(conds, "lower("+text+") = ?")
					args = append(append(args, targs...), strings.ToLower(want))
				} else {
					conds = append(conds, "lower("+text+") LIKE ? ESCAPE '\\'")
					args = append(append(args, targs...), "%"+likeEscape(strings.ToLower(want))+"%")
				}
			case "before", "after":
				cmp := "<"
				if fc.Op == "after" {
					cmp = ">"
				}
				val, code := coerce(def, fc.Value)
				switch {
				case code != "" || val == nil:
					v.Add("fields."+fc.Key, "invalid_value")
				case def.Type == TypeDate:
					conds = append(conds, text+" "+cmp+" ?")
					args = append(append(args, targs...), val)
				case def.Type == TypeNumber:
					num, nargs := db.JSONNumber(q.Dialect(), "c.fields", fc.Key)
					conds = append(conds, num+" "+cmp+" ?")
					args = append(append(args, nargs...), val)
				default:
					v.Add("fields."+fc.Key, "invalid_op")
				}
			default:
				v.Add("fields."+fc.Key, "invalid_op")
			}
		}
	}
	switch f.Consent {
	case "":
	case Unknown, OptedIn, OptedOut:
		conds = append(conds, "c.consent_state = ?")
		args = append(args, f.Consent)
	default:
		v.Add("consent", "invalid_consent")
	}
	for _, r := range []struct {
		col string
		tr  *TimeRange
	}{{"c.last_inbound_at", f.LastInbound}, {"c.last_outbound_at", f.LastOutbound}, {"c.created_at", f.Created}} {
		if r.tr == nil {
			continue
		}
		if r.tr.Before != nil {
			conds = append(conds, r.col+" < ?")
			args = append(args, r.tr.Before.UTC())
		}
		if r.tr.After != nil {
			conds = append(conds, r.col+" > ?")
			args = append(args, r.tr.After.UTC())
		}
	}
	if err := v.Err(); err != nil {
		return "", nil, err
	}
	if len(conds) == 0 {
		return "1=1", nil, nil
	}
	return strings.Join(conds, " AND "), args, nil
}

func valueText(v any) string {
	switch x := v.(type) {
	case bool:
		if x {
			return "true"
		}
		return "false"
	case float64:
		return formatFloat(x)
	case string:
		return x
	}
	return ""
}

func likeEscape(s string) string {
	return strings.NewReplacer(`\`, `\\`, `%`, `\%`, `_`, `\_`).Replace(s)
}

func anys(xs []string) []any {
	out := make([]any, len(xs))
	for i, x := range xs {
		out[i] = x
	}
	return out
}
