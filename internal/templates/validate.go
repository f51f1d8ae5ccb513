package templates

import (
	"encoding/json"
	"fmt"
	"regexp"
	"strconv"
	"strings"
	"unicode/utf8"

	"github.com/masteria/masteria/internal/apierr"
)

var (
	nameRe     = regexp.MustCompile(`^[a-z0-9_]{1,512}$`)
	languageRe = regexp.MustCompile(`^[a-z]{2,3}(_[A-Z]{2,3})?$`)
	varRe      = regexp.MustCompile(`\{\{([^{}]*)\}\}`)
	namedVarRe = regexp.MustCompile(`^[a-z][a-z0-9_]*$`)
)

// Categories Meta accepts.
var Categories = map[string]bool{"MARKETING": true, "UTILITY": true, "AUTHENTICATION": true}

// Component is one part of a template in Meta's shape. Only the fields
// Masteria checks are typed; the whole component is stored and submitted as
// it came.
type Component struct {
	Type    string   `json:"type"`
	Format  string   `json:"format,omitempty"`
	Text    string   `json:"text,omitempty"`
	Buttons []Button `json:"buttons,omitempty"`
	Example *struct {
		HeaderText   []string   `json:"header_text,omitempty"`
		HeaderHandle []string   `json:"header_handle,omitempty"`
		BodyText     [][]string `json:"body_text,omitempty"`
		BodyNamed    []struct {
			ParamName string `json:"param_name"`
			Example   string `json:"example"`
		} `json:"body_text_named_params,omitempty"`
		HeaderNamed []struct {
			ParamName string `json:"param_name"`
			Example   string `json:"example"`
		} `json:"header_text_named_params,omitempty"`
	} `json:"example,omitempty"`
}

// Button is a template button.
type Button struct {
	Type        string `json:"type"`
	Text        string `json:"text,omitempty"`
	URL         string `json:"url,omitempty"`
	PhoneNumber string `json:"phone_number,omitempty"`
	Example     any    `json:"example,omitempty"`
}

// Variables are the placeholders of a text: positional ({{1}}, {{2}}) or
// named ({{first_name}}); Meta forbids mixing them.
type Variables struct {
	Positional int      // the highest number used
	Named      []string // in order of appearance, without repeats
}

// Count is how many values the text takes.
func (v Variables) Count() int {
	if len(v.Named) > 0 {
		return len(v.Named)
	}
	return v.Positional
}

// ParseVariables reads a text's placeholders and reports a problem code
// ("mixed_variables", "invalid_variable", "variables_not_sequential").
func ParseVariables(text string) (Variables, string) {
	var v Variables
	seen := map[string]bool{}
	nums := map[int]bool{}
	for _, m := range varRe.FindAllStringSubmatch(text, -1) {
		name := strings.TrimSpace(m[1])
		if n, err := strconv.Atoi(name); err == nil {
			if n < 1 {
				return v, "invalid_variable"
			}
			nums[n] = true
			v.Positional = max(v.Positional, n)
			continue
		}
		if !namedVarRe.MatchString(name) {
			return v, "invalid_variable"
		}
		if !seen[name] {
			seen[name] = true
			v.Named = append(v.Named, name)
		}
	}
	if len(nums) > 0 && len(v.Named) > 0 {
		return v, "mixed_variables"
	}
	for i := 1; i <= v.Positional; i++ {
		if !nums[i] {
			return v, "variables_not_sequential"
		}
	}
	return v, ""
}

// Parsed is a template's structure as sends are checked against it.
type Parsed struct {
	HeaderFormat string // TEXT, IMAGE, VIDEO, DOCUMENT, LOCATION or ""
	Header       Variables
	Body         Variables
	Buttons      []Button
}

// Parse reads stored components.
func Parse(raw json.RawMessage) (Parsed, error) {
	var comps []Component
	if err := json.Unmarshal(raw, &comps); err != nil {
		return Parsed{}, fmt.Errorf("template components: %w", err)
	}
	var p Parsed
	for _, c := range comps {
		switch strings.ToUpper(c.Type) {
		case "HEADER":
			p.HeaderFormat = strings.ToUpper(c.Format)
			p.Header, _ = ParseVariables(c.Text)
		case "BODY":
			p.Body, _ = ParseVariables(c.Text)
		case "BUTTONS":
			p.Buttons = c.Buttons
		}
	}
	return p, nil
}

// check validates a template before it is submitted; field paths name the
// component ("components.1.text") so the editor can show the problem where
// it is.
func check(name, language, category string, raw json.RawMessage, creating bool) error {
	v := apierr.Validation{}
	if creating {
		if !nameRe.MatchString(name) {
			v.Add("name", "invalid_name")
		}
		if !languageRe.MatchString(language) {
			v.Add("language", "invalid_language")
		}
	}
	if !Categories[category] {
		v.Add("category", "invalid_category")
	}
	var comps []Component
	if len(raw) == 0 || json.Unmarshal(raw, &comps) != nil {
		v.Add("components", "invalid_components")
		return v.Err()
	}
	bodies, seen := 0, map[string]bool{}
	for i, c := range comps {
		f := fmt.Sprintf("components.%d", i)
		typ := strings.ToUpper(c.Type)
		if seen[typ] {
			v.Add(f+".type", "duplicate_component")
		}
		seen[typ] = true
		switch typ {
		case "HEADER":
			switch strings.ToUpper(c.Format) {
			case "TEXT":
				vars, problem := ParseVariables(c.Text)
				switch {
				case strings.TrimSpace(c.Text) == "":
					v.Add(f+".text", "required")
				case utf8.RuneCountInString(c.Text) > 60:
					v.Add(f+".text", "too_long")
				case problem != "":
					v.Add(f+".text", problem)
				case vars.Count() > 1:
					v.Add(f+".text", "too_many_variables")
				case vars.Count() == 1 && (c.Example == nil || (len(c.Example.HeaderText) == 0 && len(c.Example.HeaderNamed) == 0)):
					v.Add(f+".example", "example_required")
				}
			case "IMAGE", "VIDEO", "DOCUMENT":
				if c.Example == nil || len(c.Example.HeaderHandle) == 0 || c.Example.HeaderHandle[0] == "" {
					v.Add(f+".example", "sample_required")
				}
			case "LOCATION":
			default:
				v.Add(f+".format", "invalid_format")
			}
		case "BODY":
			bodies++
			vars, problem := ParseVariables(c.Text)
			switch {
			case strings.TrimSpace(c.Text) == "":
				v.Add(f+".text", "required")
			case utf8.RuneCountInString(c.Text) > 1024:
				v.Add(f+".text", "too_long")
			case problem != "":
				v.Add(f+".text", problem)
			case vars.Count() > 0:
				n := 0
				if c.Example != nil {
					if len(vars.Named) > 0 {
						n = len(c.Example.BodyNamed)
					} else if len(c.Example.BodyText) > 0 {
						n = len(c.Example.BodyText[0])
					}
				}
				if n != vars.Count() {
					v.Add(f+".example", "example_required")
				}
			}
		case "FOOTER":
			if strings.TrimSpace(c.Text) == "" {
				v.Add(f+".text", "required")
			} else if utf8.RuneCountInString(c.Text) > 60 {
				v.Add(f+".text", "too_long")
			} else if strings.Contains(c.Text, "{{") {
				v.Add(f+".text", "no_variables_allowed")
			}
		case "BUTTONS":
			if len(c.Buttons) == 0 || len(c.Buttons) > 10 {
				v.Add(f+".buttons", "one_to_ten_buttons")
			}
			for j, b := range c.Buttons {
				bf := fmt.Sprintf("%s.buttons.%d", f, j)
				if strings.ToUpper(b.Type) != "COPY_CODE" && (strings.TrimSpace(b.Text) == "" || utf8.RuneCountInString(b.Text) > 25) {
					v.Add(bf+".text", "one_to_25_characters")
				}
				switch strings.ToUpper(b.Type) {
				case "QUICK_REPLY":
				case "URL":
					if !strings.HasPrefix(b.URL, "https://") && !strings.HasPrefix(b.URL, "http://") {
						v.Add(bf+".url", "invalid_url")
					} else if strings.Contains(b.URL, "{{") && !strings.HasSuffix(b.URL, "{{1}}") {
						v.Add(bf+".url", "variable_only_at_end")
					}
				case "PHONE_NUMBER":
					if !regexp.MustCompile(`^\+?[0-9]{6,20}$`).MatchString(b.PhoneNumber) {
						v.Add(bf+".phone_number", "invalid_phone")
					}
				case "COPY_CODE":
					if b.Example == nil {
						v.Add(bf+".example", "example_required")
					}
				default:
					v.Add(bf+".type", "invalid_button_type")
				}
			}
		default:
			v.Add(f+".type", "invalid_component_type")
		}
	}
	if bodies != 1 {
		v.Add("components", "one_body_required")
	}
	return v.Err()
}
