package templates

import (
	"cmp"
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"strconv"
	"strings"

	"github.com/masteria/masteria/internal/apierr"
	"github.com/masteria/masteria/internal/channel"
	"github.com/masteria/masteria/internal/store/db"
)

// CheckSend validates a template send against the stored template before it
// leaves: the template exists in that language, is approved, and the send
// fills exactly its variables (by position or by name), its media header and
// its URL button variables. It answers 422 errors whose codes the outbox
// records as the failure reason.
func CheckSend(ctx context.Context, q db.Querier, companyID, connectionID string, m *channel.TemplateMessage) error {
	if m == nil || m.Name == "" || m.Language == "" {
		return apierr.New(http.StatusUnprocessableEntity, "template_required", "Choose a template and its language.")
	}
	st, err := Lookup(ctx, q, companyID, connectionID, m.Name, m.Language)
	if err != nil {
		return err
	}
	return st.Check(m)
}

// Stored is a template as read once for many sends: a campaign queues
// hundreds of sends of one template per transaction, and reading it for
// each would cost a query per recipient twice (check and render).
type Stored struct {
	name, status, comps string
	found               bool
}

// Lookup reads a template of a connection; one that does not exist is not
// an error here but fails Check.
func Lookup(ctx context.Context, q db.Querier, companyID, connectionID, name, language string) (Stored, error) {
	st := Stored{name: name}
	err := q.QueryRow(ctx, `SELECT status, components FROM templates WHERE company_id = ? AND connection_id = ? AND name = ? AND language = ?`,
		companyID, connectionID, name, language).Scan(&st.status, &st.comps)
	if errors.Is(err, sql.ErrNoRows) {
		return st, nil
	}
	if err != nil {
		return st, fmt.Errorf("template %s: %w", name, err)
	}
	st.found = true
	return st, nil
}

// Check is CheckSend against a template already read (m is of that name
// and language).
func (st Stored) Check(m *channel.TemplateMessage) error {
	if m == nil || m.Name == "" || m.Language == "" {
		return apierr.New(http.StatusUnprocessableEntity, "template_required", "Choose a template and its language.")
	}
	if !st.found {
		return apierr.New(http.StatusUnprocessableEntity, "template_not_found",
			fmt.Sprintf("The template %s (%s) does not exist on this connection; sync the templates.", m.Name, m.Language))
	}
	status, comps := st.status, st.comps
	if status != Approved {
		return apierr.New(http.StatusUnprocessableEntity, "template_not_approved",
			fmt.Sprintf("The template %s is %s; only approved templates can be sent.", m.Name, strings.ToLower(status)))
	}
	p, err := Parse([]byte(comps))
	if err != nil {
		return err
	}
	mismatch := func(part string, want, got int) error {
		return apierr.New(http.StatusUnprocessableEntity, "template_variables_mismatch",
			fmt.Sprintf("The template's %s takes %d values; %d were given.", part, want, got))
	}
	if err := matchParams("body", p.Body, m.Body, mismatch); err != nil {
		return err
	}
	switch p.HeaderFormat {
	case "TEXT":
		var got []channel.TemplateParam
		if m.Header != nil {
			got = m.Header.Text
		}
		if err := matchParams("header", p.Header, got, mismatch); err != nil {
			return err
		}
	case "IMAGE", "VIDEO", "DOCUMENT":
		if m.Header == nil || m.Header.Media == nil || (m.Header.Media.ID == "" && m.Header.Media.Link == "") {
			return apierr.New(http.StatusUnprocessableEntity, "template_header_media_required",
				fmt.Sprintf("The template's header is a %s; attach one.", strings.ToLower(p.HeaderFormat)))
		}
		// WhatsApp refuses a header of another kind than the approved one
		// only when the message leaves; said here, it is said to the sender.
		if want := strings.ToLower(p.HeaderFormat); !strings.EqualFold(m.Header.Type, want) {
			return apierr.New(http.StatusUnprocessableEntity, "template_header_type_mismatch",
				fmt.Sprintf("The template's header is a %s, not a %s.", want, cmp.Or(m.Header.Type, "file without a type")))
		}
	}
	for i, b := range p.Buttons {
		if strings.ToUpper(b.Type) != "URL" || !strings.Contains(b.URL, "{{") {
			continue
		}
		found := false
		for _, given := range m.Buttons {
			if given.Index == i && given.Value != "" {
				found = true
			}
		}
		if !found {
			return apierr.New(http.StatusUnprocessableEntity, "template_button_value_required",
				fmt.Sprintf("The template's button %d has a link variable; give its value.", i+1))
		}
	}
	return nil
}

func matchParams(part string, want Variables, got []channel.TemplateParam, mismatch func(string, int, int) error) error {
	if want.Count() != len(got) {
		return mismatch(part, want.Count(), len(got))
	}
	if len(want.Named) > 0 {
		names := map[string]bool{}
		for _, g := range got {
			names[g.Name] = true
		}
		for _, n := range want.Named {
			if !names[n] {
				return apierr.New(http.StatusUnprocessableEntity, "template_variables_mismatch",
					fmt.Sprintf("The template's %s needs a value for {{%s}}.", part, n))
			}
		}
	}
	return nil
}

// Render fills a stored template's header and body texts with a send's
// values, as the contact will read them: what the timeline shows. The
// server renders it rather than trusting a client's text.
func Render(ctx context.Context, q db.Querier, companyID, connectionID string, m *channel.TemplateMessage) (map[string]string, error) {
	st, err := Lookup(ctx, q, companyID, connectionID, m.Name, m.Language)
	if err != nil {
		return nil, err
	}
	return st.Render(m)
}

// Render is the package's Render against a template already read.
func (st Stored) Render(m *channel.TemplateMessage) (map[string]string, error) {
	if !st.found {
		return nil, fmt.Errorf("template for rendering: %s: %w", st.name, sql.ErrNoRows)
	}
	var parts []Component
	if err := json.Unmarshal([]byte(st.comps), &parts); err != nil {
		return nil, fmt.Errorf("template components: %w", err)
	}
	fill := func(text string, params []channel.TemplateParam) string {
		return varRe.ReplaceAllStringFunc(text, func(ref string) string {
			name := strings.TrimSpace(varRe.FindStringSubmatch(ref)[1])
			if n, err := strconv.Atoi(name); err == nil {
				if n >= 1 && n <= len(params) {
					return params[n-1].Value
				}
				return ref
			}
			for _, p := range params {
				if p.Name == name {
					return p.Value
				}
			}
			return ref
		})
	}
	out := map[string]string{}
	for _, c := range parts {
		switch strings.ToUpper(c.Type) {
		case "HEADER":
			if strings.ToUpper(c.Format) == "TEXT" || c.Format == "" {
				var params []channel.TemplateParam
				if m.Header != nil {
					params = m.Header.Text
				}
				if c.Text != "" {
					out["header"] = fill(c.Text, params)
				}
			}
		case "BODY":
			out["body"] = fill(c.Text, m.Body)
		case "FOOTER":
			if c.Text != "" {
				out["footer"] = c.Text
			}
		}
	}
	return out, nil
}
