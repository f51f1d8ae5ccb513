// Package canned owns canned responses: saved answers an agent inserts by
// typing "/" and the shortcut in the composer.
//
// Decisions:
//   - Shortcuts are letters, digits, "-" and "_" (so "/" plus the shortcut
//     is one word), unique per company ignoring case (409 shortcut_exists).
//   - Variables are {{contact.name}}, {{contact.first_name}},
//     {{contact.phone}}, {{contact.email}}, {{contact.<custom field key>}},
//     {{agent.name}}, {{company.name}} and {{conversation.protocol}}.
//     Anything else is refused when saving (422 unknown_variable), so a typo
//     is caught by whoever writes the answer, not by a customer. A value the
//     contact lacks renders empty, and the agent sees the text before
//     sending it.
//   - Every member may create and edit canned responses (agents write most
//     of them in practice); the audit log is not involved.
package canned

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"regexp"
	"strings"
	"unicode/utf8"

	"github.com/masteria/masteria/internal/apierr"
	"github.com/masteria/masteria/internal/ids"
	"github.com/masteria/masteria/internal/store/db"
)

// Response is a canned response; Rendered is set when listed for a
// conversation.
type Response struct {
	ID        string  `json:"id"`
	Shortcut  string  `json:"shortcut"`
	Text      string  `json:"text"`
	Rendered  *string `json:"rendered,omitempty"`
	CreatedAt db.Time `json:"created_at"`
	UpdatedAt db.Time `json:"updated_at"`
}

// Input creates or changes a canned response.
type Input struct {
	Shortcut *string `json:"shortcut"`
	Text     *string `json:"text"`
}

// Service manages canned responses.
type Service struct{ db *db.DB }

// NewService returns a Service.
func NewService(d *db.DB) *Service { return &Service{db: d} }

var (
	shortcutRE = regexp.MustCompile(`^[\p{L}\p{N}_-]{1,40}$`)
	variableRE = regexp.MustCompile(`\{\{\s*([a-zA-Z0-9_.]+)\s*\}\}`)
	fixedVars  = map[string]bool{"contact.name": true, "contact.first_name": true, "contact.phone": true, "contact.email": true,
		"agent.name": true, "company.name": true, "conversation.protocol": true}
)

func (s *Service) check(ctx context.Context, companyID string, in Input, creating bool) error {
	v := apierr.Validation{}
	if in.Shortcut != nil || creating {
		sc := ""
		if in.Shortcut != nil {
			sc = strings.TrimPrefix(strings.TrimSpace(*in.Shortcut), "/")
		}
		if !shortcutRE.MatchString(sc) {
			v.Add("shortcut", "invalid_shortcut")
		}
	}
	if in.Text != nil || creating {
		text := ""
		if in.Text != nil {
			text = strings.TrimSpace(*in.Text)
		}
		if text == "" || utf8.RuneCountInString(text) > 4096 {
			v.Add("text", "invalid_text")
		} else {
			for _, m := range variableRE.FindAllStringSubmatch(text, -1) {
				name := m[1]
				if fixedVars[name] {
					continue
				}
				if key, ok := strings.CutPrefix(name, "contact."); ok {
					var one int
					err := s.db.QueryRow(ctx, `SELECT 1 FROM field_defs WHERE company_id = ? AND key = ?`, companyID, key).Scan(&one)
					if err == nil {
						continue
					}
					if !errors.Is(err, sql.ErrNoRows) {
						return fmt.Errorf("field: %w", err)
					}
				}
				v.Add("text", "unknown_variable")
				break
			}
		}
	}
	return v.Err()
}

// List returns a company's canned responses by shortcut; q filters by
// shortcut prefix or text. With a conversation, each is also rendered for it.
func (s *Service) List(ctx context.Context, companyID, q, conversationID, agentID string) ([]Response, error) {
	var vars map[string]string
	if conversationID != "" {
		var err error
		if vars, err = s.variables(ctx, companyID, conversationID, agentID); err != nil {
			return nil, err
		}
	}
	where := "company_id = ?"
	args := []any{companyID}
	if q = strings.ToLower(strings.TrimPrefix(strings.TrimSpace(q), "/")); q != "" {
		esc := strings.NewReplacer(`\`, `\\`, `%`, `\%`, `_`, `\_`).Replace(q)
		where += ` AND (lower(shortcut) LIKE ? ESCAPE '\' OR lower(text) LIKE ? ESCAPE '\')`
		args = append(args, esc+"%", "%"+esc+"%")
	}
	rows, err := s.db.Query(ctx, `SELECT id, shortcut, text, created_at, updated_at FROM canned_responses WHERE `+where+` ORDER BY lower(shortcut) LIMIT 200`, args...)
	if err != nil {
		return nil, fmt.Errorf("canned responses: %w", err)
	}
	defer rows.Close()
	out := []Response{}
	for rows.Next() {
		var r Response
		if err := rows.Scan(&r.ID, &r.Shortcut, &r.Text, &r.CreatedAt, &r.UpdatedAt); err != nil {
			return nil, err
		}
		if vars != nil {
			text := Render(r.Text, vars)
			r.Rendered = &text
		}
		out = append(out, r)
	}
	return out, rows.Err()
}

// Render fills a text's variables from vars; missing ones render empty.
func Render(text string, vars map[string]string) string {
	return variableRE.ReplaceAllStringFunc(text, func(m string) string {
		return vars[variableRE.FindStringSubmatch(m)[1]]
	})
}

// variables are the values a conversation gives its canned responses.
func (s *Service) variables(ctx context.Context, companyID, conversationID, agentID string) (map[string]string, error) {
	if !ids.Valid(conversationID) {
		return nil, apierr.NotFound()
	}
	var name, phone, email, fields, protocol, company string
	err := s.db.QueryRow(ctx, `SELECT c.name, c.phone, c.email, c.fields, v.protocol, co.name FROM conversations v
		JOIN contacts c ON c.id = v.contact_id JOIN companies co ON co.id = v.company_id
		WHERE v.company_id = ? AND v.id = ?`, companyID, conversationID).Scan(&name, &phone, &email, &fields, &protocol, &company)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, apierr.NotFound()
	}
	if err != nil {
		return nil, fmt.Errorf("conversation: %w", err)
	}
	first, _, _ := strings.Cut(strings.TrimSpace(name), " ")
	vars := map[string]string{"contact.name": name, "contact.first_name": first, "contact.phone": phone, "contact.email": email,
		"company.name": company, "conversation.protocol": protocol}
	if agentID != "" {
		var agent string
		_ = s.db.QueryRow(ctx, `SELECT name FROM users WHERE id = ?`, agentID).Scan(&agent)
		vars["agent.name"] = agent
	}
	var custom map[string]any
	_ = json.Unmarshal([]byte(fields), &custom)
	for k, v := range custom {
		if _, fixed := vars["contact."+k]; fixed {
			continue
		}
		switch x := v.(type) {
		case string:
			vars["contact."+k] = x
		case nil:
		default:
			b, _ := json.Marshal(x)
			vars["contact."+k] = string(b)
		}
	}
	return vars, nil
}

var taken = apierr.Conflict("shortcut_exists", "Another canned response already uses this shortcut.")

// Create saves a canned response.
func (s *Service) Create(ctx context.Context, companyID, userID string, in Input) (Response, error) {
	if err := s.check(ctx, companyID, in, true); err != nil {
		return Response{}, err
	}
	now := db.Now()
	r := Response{ID: ids.New(), Shortcut: strings.TrimPrefix(strings.TrimSpace(*in.Shortcut), "/"), Text: strings.TrimSpace(*in.Text),
		CreatedAt: db.Time{Time: now}, UpdatedAt: db.Time{Time: now}}
	var by any
	if userID != "" {
		by = userID
	}
	_, err := s.db.Exec(ctx, `INSERT INTO canned_responses (id, company_id, shortcut, text, created_by, created_at, updated_at) VALUES (?, ?, ?, ?, ?, ?, ?)`,
		r.ID, companyID, r.Shortcut, r.Text, by, now, now)
	if db.IsUniqueViolation(err) {
		return Response{}, taken
	}
	if err != nil {
		return Response{}, fmt.Errorf("create canned response: %w", err)
	}
	return r, nil
}

// Update changes a canned response.
func (s *Service) Update(ctx context.Context, companyID, id string, in Input) (Response, error) {
	if !ids.Valid(id) {
		return Response{}, apierr.NotFound()
	}
	var r Response
	err := s.db.QueryRow(ctx, `SELECT id, shortcut, text, created_at, updated_at FROM canned_responses WHERE company_id = ? AND id = ?`, companyID, id).
		Scan(&r.ID, &r.Shortcut, &r.Text, &r.CreatedAt, &r.UpdatedAt)
	if errors.Is(err, sql.ErrNoRows) {
		return r, apierr.NotFound()
	}
	if err != nil {
		return r, fmt.Errorf("canned response: %w", err)
	}
	if err := s.check(ctx, companyID, in, false); err != nil {
		return Response{}, err
	}
	if in.Shortcut != nil {
		r.Shortcut = strings.TrimPrefix(strings.TrimSpace(*in.Shortcut), "/")
	}
	if in.Text != nil {
		r.Text = strings.TrimSpace(*in.Text)
	}
	r.UpdatedAt = db.Time{Time: db.Now()}
	_, err = s.db.Exec(ctx, `UPDATE canned_responses SET shortcut = ?, text = ?, updated_at = ? WHERE company_id = ? AND id = ?`,
		r.Shortcut, r.Text, r.UpdatedAt.Time, companyID, id)
	if db.IsUniqueViolation(err) {
		return Response{}, taken
	}
	if err != nil {
		return Response{}, fmt.Errorf("update canned response: %w", err)
	}
	return r, nil
}

// Delete removes a canned response.
func (s *Service) Delete(ctx context.Context, companyID, id string) error {
	if !ids.Valid(id) {
		return apierr.NotFound()
	}
	res, err := s.db.Exec(ctx, `DELETE FROM canned_responses WHERE company_id = ? AND id = ?`, companyID, id)
	if err != nil {
		return fmt.Errorf("delete canned response: %w", err)
	}
	if n, _ := res.RowsAffected(); n == 0 {
		return apierr.NotFound()
	}
	return nil
}
