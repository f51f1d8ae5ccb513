package httpapi_test

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"mime/multipart"
	"net/textproto"
	"strings"
	"testing"

	"github.com/masteria/masteria/internal/channel"
	"github.com/masteria/masteria/internal/channel/whatsappcloud/fakegraph"
	"github.com/masteria/masteria/internal/store/db"
	"github.com/masteria/masteria/internal/store/dbtest"
	"github.com/masteria/masteria/internal/templates"
)

var welcome = []any{
	map[string]any{"type": "HEADER", "format": "TEXT", "text": "Olá {{1}}", "example": map[string]any{"header_text": []string{"Maria"}}},
	map[string]any{"type": "BODY", "text": "Seu pedido {{1}} chega em {{2}}.", "example": map[string]any{"body_text": [][]string{{"123", "2 dias"}}}},
	map[string]any{"type": "FOOTER", "text": "Loja Exemplo"},
	map[string]any{"type": "BUTTONS", "buttons": []any{
		map[string]any{"type": "URL", "text": "Rastrear", "url": "https://loja.example/p/{{1}}", "example": []string{"https://loja.example/p/123"}},
		map[string]any{"type": "QUICK_REPLY", "text": "Falar com alguém"},
	}},
}

func TestTemplatesOnCloud(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		g := fakegraph.New(t)
		for i := range 230 {
			g.AddTemplate(fakegraph.Template{Name: fmt.Sprintf("synced_%03d", i), Language: "pt_BR", Category: "UTILITY",
				Components: json.RawMessage(`[{"type":"BODY","text":"Oi {{1}}"}]`)})
		}
		g.SetTemplateStatus("synced_007", "REJECTED", "INVALID_FORMAT")
		e := setup(t, d, withGraph(g.URL()))
		owner, companyID := e.signup("Tpl Co", "owner@tpl.example")
		id := owner.must(201, "POST", "/api/v1/connections", map[string]any{"type": "whatsapp_cloud", "name": "C", "config": cloudConfig(g, "sec")})["id"].(string)
		base := "/api/v1/connections/" + id + "/templates"

		synced := data(owner.must(200, "POST", base+"/sync", nil))
		if len(synced) != 230 {
			t.Fatalf("synced %d of 230 (three pages)", len(synced))
		}
		for _, s := range synced {
			if s.(map[string]any)["name"] == "synced_007" && (s.(map[string]any)["status"] != "REJECTED" || s.(map[string]any)["rejected_reason"] != "INVALID_FORMAT") {
				t.Fatalf("rejected template = %v", s)
			}
		}

		created := owner.must(201, "POST", base, map[string]any{"name": "pedido_enviado", "language": "pt_BR", "category": "utility", "components": welcome})
		if created["status"] != "PENDING" || created["provider_id"] == "" || created["category"] != "UTILITY" {
			t.Fatalf("created = %v", created)
		}
		var submitted map[string]any
		for _, r := range g.Requests() {
			if r.Method == "POST" && strings.HasSuffix(r.Path, "/message_templates") {
				_ = json.Unmarshal(r.Body, &submitted)
			}
		}
		if submitted["name"] != "pedido_enviado" || len(submitted["components"].([]any)) != 4 {
			t.Fatalf("Meta got %v", submitted)
		}
		if r := owner.do("POST", base, map[string]any{"name": "pedido_enviado", "language": "pt_BR", "category": "UTILITY", "components": welcome}); r.status != 409 {
			t.Fatalf("same name twice: %d", r.status)
		}

		// Our own checks name the component.
		for name, tc := range map[string]struct {
			body  map[string]any
			field string
		}{
			"bad name":         {map[string]any{"name": "Pedido Enviado", "language": "pt_BR", "category": "UTILITY", "components": welcome}, "name"},
			"no body":          {map[string]any{"name": "x1", "language": "pt_BR", "category": "UTILITY", "components": []any{map[string]any{"type": "FOOTER", "text": "f"}}}, "components"},
			"example missing":  {map[string]any{"name": "x2", "language": "pt_BR", "category": "UTILITY", "components": []any{map[string]any{"type": "BODY", "text": "Oi {{1}}"}}}, "components.0.example"},
			"gap in variables": {map[string]any{"name": "x3", "language": "pt_BR", "category": "UTILITY", "components": []any{map[string]any{"type": "BODY", "text": "Oi {{1}} {{3}}"}}}, "components.0.text"},
			"mixed variables":  {map[string]any{"name": "x4", "language": "pt_BR", "category": "UTILITY", "components": []any{map[string]any{"type": "BODY", "text": "Oi {{1}} {{nome}}"}}}, "components.0.text"},
			"bad category":     {map[string]any{"name": "x5", "language": "pt_BR", "category": "PROMO", "components": welcome}, "category"},
			"media without sample": {map[string]any{"name": "x6", "language": "pt_BR", "category": "MARKETING", "components": []any{
				map[string]any{"type": "HEADER", "format": "IMAGE"}, map[string]any{"type": "BODY", "text": "Oi"}}}, "components.0.example"},
		} {
			r := owner.do("POST", base, tc.body)
			if r.status != 422 {
				t.Errorf("%s: %d %s", name, r.status, r.body)
				continue
			}
			if _, ok := r.json(t)["error"].(map[string]any)["fields"].(map[string]any)[tc.field]; !ok {
				t.Errorf("%s: not on %s: %s", name, tc.field, r.body)
			}
		}
		// Meta's own refusal is shown with its words.
		g.FailNext(1, 400, 100)
		r := owner.do("POST", base, map[string]any{"name": "meta_says_no", "language": "pt_BR", "category": "UTILITY", "components": welcome})
		if r.status != 422 || r.errCode(t) != "rejected_by_provider" {
			t.Fatalf("Meta's refusal: %d %s", r.status, r.body)
		}

		// A review arrives by webhook.
		owner.must(200, "PATCH", "/api/v1/connections/"+id, map[string]any{"config": map[string]any{"app_secret": "sec"}})
		hook := fakegraph.TemplateStatusWebhook(created["provider_id"].(string), "pedido_enviado", "pt_BR", "APPROVED", "NONE")
		if r := postHook(e.anon(), "/webhooks/whatsapp_cloud/"+id, "sec", hook); r.status != 200 {
			t.Fatal(r.status)
		}
		eventually(t, "the approval", func() bool {
			return owner.must(200, "GET", base, nil)["data"] != nil && templateStatus(t, owner, base, "pedido_enviado") == "APPROVED"
		})

		// The send check holds against the stored template.
		ctx := context.Background()
		good := &channel.TemplateMessage{Name: "pedido_enviado", Language: "pt_BR",
			Header:  &channel.TemplateHeader{Text: []channel.TemplateParam{{Value: "Ana"}}},
			Body:    []channel.TemplateParam{{Value: "9"}, {Value: "amanhã"}},
			Buttons: []channel.TemplateButton{{Index: 0, SubType: "url", Value: "9"}}}
		if err := templates.CheckSend(ctx, d, companyID, id, good); err != nil {
			t.Fatalf("good send refused: %v", err)
		}
		for name, tc := range map[string]struct {
			mutate func(m *channel.TemplateMessage)
			code   string
		}{
			"one body value short": {func(m *channel.TemplateMessage) { m.Body = m.Body[:1] }, "template_variables_mismatch"},
			"no header value":      {func(m *channel.TemplateMessage) { m.Header = nil }, "template_variables_mismatch"},
			"no url value":         {func(m *channel.TemplateMessage) { m.Buttons = nil }, "template_button_value_required"},
			"wrong language":       {func(m *channel.TemplateMessage) { m.Language = "en_US" }, "template_not_found"},
			"rejected": {func(m *channel.TemplateMessage) {
				m.Name, m.Body, m.Header, m.Buttons = "synced_007", m.Body[:1], nil, nil
			}, "template_not_approved"},
		} {
			m := *good
			tc.mutate(&m)
			err := templates.CheckSend(ctx, d, companyID, id, &m)
			if err == nil || !strings.Contains(err.Error(), tc.code) {
				t.Errorf("%s: %v, want %s", name, err, tc.code)
			}
		}

		// Edit goes back to review; delete removes it at Meta too.
		tid := created["id"].(string)
		edited := owner.must(200, "PATCH", base+"/"+tid, map[string]any{"category": "MARKETING"})
		if edited["status"] != "PENDING" || edited["category"] != "MARKETING" {
			t.Fatalf("edited = %v", edited)
		}
		if r := owner.do("PATCH", base+"/"+tid, map[string]any{"name": "other"}); r.status != 422 {
			t.Fatalf("rename: %d", r.status)
		}
		owner.must(204, "DELETE", base+"/"+tid, nil)
		for _, ft := range g.Templates() {
			if ft.Name == "pedido_enviado" {
				t.Fatal("still at Meta after delete")
			}
		}
		// A header sample goes through the resumable upload.
		var b bytes.Buffer
		mw := multipart.NewWriter(&b)
		h := textproto.MIMEHeader{}
		h.Set("Content-Disposition", `form-data; name="file"; filename="banner.png"`)
		h.Set("Content-Type", "image/png")
		part, _ := mw.CreatePart(h)
		part.Write([]byte("\x89PNG fake image"))
		mw.Close()
		up := owner.raw("POST", base+"/samples", &b, map[string]string{"Content-Type": mw.FormDataContentType()})
		if up.status != 200 {
			t.Fatalf("sample: %d %s", up.status, up.body)
		}
		if data, ok := g.Sample(up.json(t)["handle"].(string)); !ok || string(data) != "\x89PNG fake image" {
			t.Fatal("Meta did not get the sample")
		}
	})
}

func templateStatus(t *testing.T, c *client, base, name string) string {
	for _, tp := range data(c.must(200, "GET", base, nil)) {
		if tp.(map[string]any)["name"] == name {
			return tp.(map[string]any)["status"].(string)
		}
	}
	return ""
}

func TestTemplatesOnSimulator(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		e := setup(t, d)
		owner, _ := e.signup("Sim Tpl", "owner@simtpl.example")
		agent, _ := e.invite(owner, "agent@simtpl.example", "agent")
		id := owner.must(201, "POST", "/api/v1/connections", map[string]any{"type": "simulator", "name": "S"})["id"].(string)
		base := "/api/v1/connections/" + id + "/templates"
		created := owner.must(201, "POST", base, map[string]any{"name": "boas_vindas", "language": "pt_BR", "category": "MARKETING",
			"components": []any{map[string]any{"type": "BODY", "text": "Oi {{nome}}!", "example": map[string]any{
				"body_text_named_params": []any{map[string]any{"param_name": "nome", "example": "Maria"}}}}}})
		owner.must(201, "POST", base, map[string]any{"name": "vai_falhar", "language": "pt_BR", "category": "MARKETING",
			"components": []any{map[string]any{"type": "BODY", "text": "Please REJECT me"}}})
		// As created: the review (50 ms in tests) may already be over by a
		// later read on a busy machine.
		if created["status"] != "PENDING" {
			t.Fatalf("a new template starts %v, want pending", created["status"])
		}
		eventually(t, "the Simulator's review", func() bool {
			return templateStatus(t, agent, base, "boas_vindas") == "APPROVED" && templateStatus(t, agent, base, "vai_falhar") == "REJECTED"
		})
		if r := agent.do("POST", base, map[string]any{"name": "x", "language": "pt_BR", "category": "UTILITY"}); r.status != 403 {
			t.Fatalf("agent created a template: %d", r.status)
		}
		// Syncing a Simulator changes nothing.
		if n := len(data(owner.must(200, "POST", base+"/sync", nil))); n != 2 {
			t.Fatalf("sync = %d", n)
		}
	})
}
