package templates

import "testing"

func TestParseVariables(t *testing.T) {
	for text, want := range map[string]struct {
		count   int
		named   int
		problem string
	}{
		"Olá":                        {0, 0, ""},
		"Olá {{1}}, pedido {{2}}":    {2, 0, ""},
		"{{1}} e de novo {{1}}":      {1, 0, ""},
		"Olá {{nome}}, {{ cidade }}": {2, 2, ""},
		"{{nome}} {{nome}}":          {1, 1, ""},
		"Olá {{1}} {{3}}":            {0, 0, "variables_not_sequential"},
		"Olá {{1}} {{nome}}":         {0, 0, "mixed_variables"},
		"Olá {{0}}":                  {0, 0, "invalid_variable"},
		"Olá {{Nome Completo}}":      {0, 0, "invalid_variable"},
	} {
		v, problem := ParseVariables(text)
		if problem != want.problem {
			t.Errorf("%q: problem %q, want %q", text, problem, want.problem)
			continue
		}
		if problem == "" && (v.Count() != want.count || len(v.Named) != want.named) {
			t.Errorf("%q: %d values (%d named), want %d (%d)", text, v.Count(), len(v.Named), want.count, want.named)
		}
	}
}
