package contacts

import "testing"

func TestKeywordAction(t *testing.T) {
	out, in := []string{"SAIR", "PARAR", "STOP", "DESCADASTRAR"}, []string{"VOLTAR", "START"}
	for text, want := range map[string]string{
		"SAIR":                "opt_out",
		"  sair! ":            "opt_out",
		"Parar.":              "opt_out",
		"descadastrar 🙏":      "opt_out",
		"Voltar":              "opt_in",
		"start":               "opt_in",
		"quero sair da lista": "",
		"não quero parar":     "",
		"":                    "",
		"sairr":               "",
		"SAÍR":                "opt_out", // accents do not matter
	} {
		if got := KeywordAction(text, out, in); got != want {
			t.Errorf("%q: %q, want %q", text, got, want)
		}
		if got := NewKeywordSet(out, in).Action(text); got != want {
			t.Errorf("KeywordSet: %q: %q, want %q", text, got, want)
		}
	}
}
