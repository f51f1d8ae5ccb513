package campaigns

import (
	"encoding/json"
	"testing"

	"github.com/masteria/masteria/internal/channel"
)

func TestPersonalization(t *testing.T) {
	s := &Service{}
	p := person{id: "c1", phone: "+5511999990001", name: "Maria Souza", fields: map[string]any{"pedido": "A-77", "pontos": 120.0}}
	tpl := &TemplateSpec{Name: "aviso", Language: "pt_BR",
		Variables:       map[string]VarSource{"10": {Value: "dez"}, "2": {Field: "pedido"}, "1": {Field: "first_name"}, "3": {Field: "cidade"}},
		HeaderVariables: map[string]VarSource{"1": {Field: "name"}},
		Buttons:         []ButtonSpec{{Index: 0, SubType: "url", Value: VarSource{Field: "pedido"}}}}
	got := s.outboundFor(MessageSpec{Type: channel.TypeTemplate, Template: tpl}, p)
	b, _ := json.Marshal(got.Template)
	want := `{"name":"aviso","language":"pt_BR","header":{"text":[{"value":"Maria Souza"}]},` +
		`"body":[{"value":"Maria"},{"value":"A-77"},{"value":"-"},{"value":"dez"}],"buttons":[{"index":0,"sub_type":"url","value":"A-77"}]}`
	if string(b) != want {
		t.Fatalf("template:\n got %s\nwant %s", b, want)
	}
	for _, c := range []struct {
		text, want string
	}{
		{"Olá {{first_name}}, seu pedido {{pedido}}!", "Olá Maria, seu pedido A-77!"},
		{"{{name}} tem {{pontos}} pontos", "Maria Souza tem 120 pontos"},
		{"Sem {{nada}} aqui", "Sem  aqui"},
		{"{{ phone }}", "+5511999990001"},
	} {
		if got := s.outboundFor(MessageSpec{Type: channel.TypeText, Text: c.text}, p); got.Text != c.want {
			t.Errorf("%q → %q, want %q", c.text, got.Text, c.want)
		}
	}
	// Variations are picked per recipient; every one is used in time.
	seen := map[string]bool{}
	for range 200 {
		seen[s.outboundFor(MessageSpec{Type: channel.TypeText, Text: "a", Variations: []string{"b", "c"}}, p).Text] = true
	}
	if len(seen) != 3 {
		t.Fatalf("variations used: %v", seen)
	}
	img := s.outboundFor(MessageSpec{Type: channel.TypeImage, Text: "Oi {{first_name}}", Media: &channel.Media{Link: "https://x/y.png"}}, p)
	if img.Media.Caption != "Oi Maria" || img.Media.Link != "https://x/y.png" {
		t.Fatalf("image = %+v", img.Media)
	}
}
