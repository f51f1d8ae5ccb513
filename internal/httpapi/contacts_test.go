package httpapi_test

import (
	"bytes"
	"encoding/csv"
	"fmt"
	"strings"
	"testing"

	"golang.org/x/text/encoding/charmap"

	"github.com/masteria/masteria/internal/store/db"
	"github.com/masteria/masteria/internal/store/dbtest"
)

func TestContactsCreateUpdateAndPhoneRules(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		e := setup(t, d)
		owner, _ := e.signup("Acme", "ana@example.com")
		owner.must(201, "POST", "/api/v1/fields", map[string]any{"key": "city", "label": "Cidade", "type": "text"})
		owner.must(201, "POST", "/api/v1/fields", map[string]any{"key": "vip", "type": "boolean"})
		owner.must(201, "POST", "/api/v1/fields", map[string]any{"key": "plan", "type": "choice", "choices": []string{"Ouro", "Prata"}})
		c := owner.must(201, "POST", "/api/v1/contacts", map[string]any{"phone": "(11) 98765-4321", "name": "Bia",
			"email": "Bia@Example.com", "fields": map[string]any{"city": "Recife", "vip": true, "plan": "ouro"}, "tags": []string{"Clientes", "clientes"}})
		if c["phone"] != "+5511987654321" || c["email"] != "bia@example.com" || c["fields"].(map[string]any)["plan"] != "Ouro" {
			t.Fatalf("create: %v", c)
		}
		if tags := c["tags"].([]any); len(tags) != 1 || tags[0].(map[string]any)["name"] != "Clientes" {
			t.Fatalf("tags: %v", c["tags"])
		}
		id := c["id"].(string)
		// The same person written the old way (no ninth digit) is the same contact.
		r := owner.do("POST", "/api/v1/contacts", map[string]any{"phone": "+55 11 8765-4321"})
		if r.status != 409 || r.errCode(t) != "contact_exists" {
			t.Fatalf("duplicate via old spelling: %d %s", r.status, r.body)
		}
		bad := []struct {
			body  map[string]any
			field string
		}{
			{map[string]any{"phone": "12345"}, "phone"},
			{map[string]any{"phone": ""}, "phone"},
			{map[string]any{"phone": "+5581912345678", "email": "nope"}, "email"},
			{map[string]any{"phone": "+5581912345678", "fields": map[string]any{"vip": "maybe"}}, "fields.vip"},
			{map[string]any{"phone": "+5581912345678", "fields": map[string]any{"plan": "Bronze"}}, "fields.plan"},
			{map[string]any{"phone": "+5581912345678", "fields": map[string]any{"unknown": 1}}, "fields.unknown"},
		}
		for _, b := range bad {
			r := owner.do("POST", "/api/v1/contacts", b.body)
			if r.status != 422 || r.json(t)["error"].(map[string]any)["fields"].(map[string]any)[b.field] == nil {
				t.Errorf("%v: %d %s", b.body, r.status, r.body)
			}
		}
		if n := e.count("contacts"); n != 1 {
			t.Fatalf("bad input created contacts: %d", n)
		}
		u := owner.must(200, "PATCH", "/api/v1/contacts/"+id, map[string]any{"name": "Beatriz", "fields": map[string]any{"city": nil, "vip": "não"}, "tags": []string{"Novos"}})
		f := u["fields"].(map[string]any)
		if u["name"] != "Beatriz" || f["city"] != nil || f["vip"] != false || f["plan"] != "Ouro" || u["tags"].([]any)[0].(map[string]any)["name"] != "Novos" {
			t.Fatalf("patch: %v", u)
		}
		if r := owner.do("GET", "/api/v1/contacts/not-an-id", nil); r.status != 404 {
			t.Fatalf("bad id: %d", r.status)
		}
	})
}

func TestContactListsFiltersSegmentsAndBulk(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		e := setup(t, d)
		owner, _ := e.signup("Acme", "ana@example.com")
		agent, _ := e.invite(owner, "bob@example.com", "agent")
		owner.must(201, "POST", "/api/v1/fields", map[string]any{"key": "birthday", "type": "date"})
		owner.must(201, "POST", "/api/v1/fields", map[string]any{"key": "spent", "type": "number"})
		var ids []string
		for i := 0; i < 7; i++ {
			c := owner.must(201, "POST", "/api/v1/contacts", map[string]any{"phone": fmt.Sprintf("+55 81 9123-400%d", i), "name": fmt.Sprintf("Pessoa %d", i),
				"fields": map[string]any{"birthday": fmt.Sprintf("199%d-05-01", i), "spent": float64(i) * 10.5}, "tags": map[bool][]string{true: {"par"}, false: {"impar"}}[i%2 == 0]})
			ids = append(ids, c["id"].(string))
		}
		tags := owner.must(200, "GET", "/api/v1/tags", nil)["data"].([]any)
		tagID := map[string]string{}
		for _, x := range tags {
			tagID[x.(map[string]any)["name"].(string)] = x.(map[string]any)["id"].(string)
		}
		count := func(q string) float64 {
			return owner.must(200, "GET", "/api/v1/contacts/count"+q, nil)["count"].(float64)
		}
		if n := count(""); n != 7 {
			t.Fatalf("count all: %v", n)
		}
		if n := count("?tag=" + tagID["par"]); n != 4 {
			t.Fatalf("tag par: %v", n)
		}
		if n := count("?q=pessoa%203"); n != 1 {
			t.Fatalf("q: %v", n)
		}
		// Paging walks everything once, newest first.
		var seen []string
		cursor := ""
		for {
			m := owner.must(200, "GET", "/api/v1/contacts?limit=3&cursor="+cursor, nil)
			for _, x := range m["data"].([]any) {
				seen = append(seen, x.(map[string]any)["id"].(string))
			}
			if m["next_cursor"] == nil || m["next_cursor"] == "" {
				break
			}
			cursor = m["next_cursor"].(string)
		}
		if len(seen) != 7 || seen[0] != ids[6] {
			t.Fatalf("paging: %v", seen)
		}
		filter := map[string]any{"tags": map[string]any{"any": []string{tagID["impar"]}},
			"fields": []any{map[string]any{"key": "birthday", "op": "after", "value": "1992-01-01"}, map[string]any{"key": "spent", "op": "before", "value": 60}}}
		if n := owner.must(200, "POST", "/api/v1/segments/count", map[string]any{"filter": filter})["count"].(float64); n != 2 {
			t.Fatalf("segment live count: %v (want people 3 and 5)", n)
		}
		seg := owner.must(201, "POST", "/api/v1/segments", map[string]any{"name": "Ímpares recentes", "filter": filter})
		if n := owner.must(200, "GET", "/api/v1/segments/"+seg["id"].(string)+"/count", nil)["count"].(float64); n != 2 {
			t.Fatalf("segment count: %v", n)
		}
		if n := len(owner.must(200, "GET", "/api/v1/contacts?segment_id="+seg["id"].(string), nil)["data"].([]any)); n != 2 {
			t.Fatalf("segment list: %d", n)
		}
		for _, bad := range []map[string]any{
			{"fields": []any{map[string]any{"key": "nope", "op": "equals", "value": "x"}}},
			{"fields": []any{map[string]any{"key": "birthday", "op": "before", "value": "not a date"}}},
			{"fields": []any{map[string]any{"key": "birthday", "op": "explode"}}},
			{"tags": map[string]any{"all": []string{"00000000-0000-7000-8000-000000000000"}}},
			{"consent": "maybe"},
		} {
			if r := owner.do("POST", "/api/v1/segments/count", map[string]any{"filter": bad}); r.status != 422 {
				t.Errorf("bad filter %v: %d %s", bad, r.status, r.body)
			}
		}
		// Bulk: tag a whole filter, untag a selection, erase (admins only).
		vip := owner.must(201, "POST", "/api/v1/tags", map[string]any{"name": "vip", "color": "#16a34a"})["id"].(string)
		if n := agent.must(200, "POST", "/api/v1/contacts/bulk", map[string]any{"filter": filter, "add_tags": []string{vip}})["affected"].(float64); n != 2 {
			t.Fatalf("bulk tag by filter: %v", n)
		}
		if n := agent.must(200, "POST", "/api/v1/contacts/bulk", map[string]any{"contact_ids": ids[:4], "remove_tags": []string{vip}})["affected"].(float64); n != 1 {
			t.Fatalf("bulk untag: %v", n)
		}
		if r := agent.do("POST", "/api/v1/contacts/bulk", map[string]any{"contact_ids": ids[:1], "delete": true}); r.status != 403 {
			t.Fatalf("agent bulk erase: %d", r.status)
		}
		if r := owner.do("POST", "/api/v1/contacts/bulk", map[string]any{"contact_ids": ids[:1], "add_tags": []string{vip}, "delete": true}); r.status != 422 {
			t.Fatalf("two actions at once: %d", r.status)
		}
		if n := owner.must(200, "POST", "/api/v1/contacts/bulk", map[string]any{"filter": map[string]any{"tags": map[string]any{"any": []string{tagID["par"]}}}, "delete": true})["affected"].(float64); n != 4 {
			t.Fatalf("bulk erase: %v", n)
		}
		if n := count(""); n != 3 {
			t.Fatalf("after erase: %v", n)
		}
	})
}

func TestConsentLedgerSuppressionAndErasure(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		e := setup(t, d)
		owner, _ := e.signup("Acme", "ana@example.com")
		c := owner.must(201, "POST", "/api/v1/contacts", map[string]any{"phone": "+55 11 98765-4321", "name": "Bia"})
		id := c["id"].(string)
		owner.must(201, "POST", "/api/v1/contacts/"+id+"/consent", map[string]any{"action": "opt_in", "source": "form", "wording": "Aceito receber ofertas pelo WhatsApp"})
		ev := owner.must(201, "POST", "/api/v1/contacts/"+id+"/consent", map[string]any{"action": "opt_out", "source": "agent", "channel": "whatsapp", "reason": "pediu por telefone"})
		if ev["actor"].(map[string]any)["type"] != "user" {
			t.Fatalf("event: %v", ev)
		}
		got := owner.must(200, "GET", "/api/v1/contacts/"+id, nil)["consent"].(map[string]any)
		if got["state"] != "opted_out" || got["source"] != "agent" {
			t.Fatalf("state: %v", got)
		}
		hist := owner.must(200, "GET", "/api/v1/contacts/"+id+"/consent", nil)["data"].([]any)
		if len(hist) != 2 || hist[0].(map[string]any)["action"] != "opt_out" || hist[1].(map[string]any)["wording"] != "Aceito receber ofertas pelo WhatsApp" {
			t.Fatalf("ledger: %v", hist)
		}
		if r := owner.do("POST", "/api/v1/contacts/"+id+"/consent", map[string]any{"action": "maybe", "source": "agent"}); r.status != 422 {
			t.Fatalf("bad action: %d", r.status)
		}
		supp, err := e.app.Contacts.Suppressed(t.Context(), owner.must(200, "GET", "/api/v1/me", nil)["company"].(map[string]any)["id"].(string), "+5511987654321")
		if err != nil || !supp {
			t.Fatalf("suppressed: %v %v", supp, err)
		}
		export := owner.must(200, "GET", "/api/v1/contacts/"+id+"/export", nil)
		if export["contact"].(map[string]any)["id"] != id || len(export["consent_history"].([]any)) != 2 || len(export["addresses"].([]any)) != 1 {
			t.Fatalf("LGPD export: %v", export)
		}
		owner.must(204, "DELETE", "/api/v1/contacts/"+id, nil)
		if n := e.count("consent_events"); n != 0 {
			t.Fatalf("ledger survived erasure: %d rows", n)
		}
		var phones int
		if err := d.QueryRow(t.Context(), `SELECT count(*) FROM suppressions WHERE phone_hash LIKE '%98765%'`).Scan(&phones); err != nil || phones != 0 {
			t.Fatalf("suppression keeps the number in clear: %d %v", phones, err)
		}
		// The erased opted-out number comes back opted out.
		again := owner.must(201, "POST", "/api/v1/contacts", map[string]any{"phone": "11987654321"})
		if again["consent"].(map[string]any)["state"] != "opted_out" {
			t.Fatalf("suppression lost on erasure: %v", again["consent"])
		}
	})
}

func TestMergeAndExport(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		e := setup(t, d)
		owner, _ := e.signup("Acme", "ana@example.com")
		owner.must(201, "POST", "/api/v1/fields", map[string]any{"key": "city", "type": "text"})
		a := owner.must(201, "POST", "/api/v1/contacts", map[string]any{"phone": "+55 11 98765-4321", "name": "Bia", "tags": []string{"a"}})
		b := owner.must(201, "POST", "/api/v1/contacts", map[string]any{"phone": "+55 21 99876-1234", "email": "bia@x.com",
			"fields": map[string]any{"city": "=HYPERLINK(\"http://evil\")"}, "tags": []string{"b"}})
		owner.must(201, "POST", "/api/v1/contacts/"+b["id"].(string)+"/consent", map[string]any{"action": "opt_out", "source": "keyword"})
		m := owner.must(200, "POST", "/api/v1/contacts/"+a["id"].(string)+"/merge", map[string]any{"other_id": b["id"]})
		if m["email"] != "bia@x.com" || len(m["tags"].([]any)) != 2 || m["consent"].(map[string]any)["state"] != "opted_out" {
			t.Fatalf("merge: %v", m)
		}
		if r := owner.do("GET", "/api/v1/contacts/"+b["id"].(string), nil); r.status != 404 {
			t.Fatalf("merged contact still there: %d", r.status)
		}
		// The other's number now reaches the survivor, also after the survivor's own number changes.
		if r := owner.do("POST", "/api/v1/contacts", map[string]any{"phone": "+55 21 99876-1234"}); r.status != 409 {
			t.Fatalf("merged number not kept: %d", r.status)
		}
		owner.must(200, "PATCH", "/api/v1/contacts/"+a["id"].(string), map[string]any{"phone": "+55 11 91111-2222"})
		if r := owner.do("POST", "/api/v1/contacts", map[string]any{"phone": "+55 21 99876-1234"}); r.status != 409 {
			t.Fatalf("merged number lost on a phone change: %d", r.status)
		}
		if r := owner.do("POST", "/api/v1/contacts", map[string]any{"phone": "+55 11 98765-4321"}); r.status != 201 {
			t.Fatalf("the old number should be free again: %d %s", r.status, r.body)
		}
		owner.must(204, "DELETE", "/api/v1/contacts/"+r2id(t, owner, "+5511987654321"), nil)
		r := owner.do("GET", "/api/v1/contacts/export", nil)
		if r.status != 200 || !bytes.HasPrefix(r.body, []byte("\xef\xbb\xbf")) || !strings.HasPrefix(r.header.Get("Content-Type"), "text/csv") {
			t.Fatalf("export: %d %q", r.status, r.body[:min(len(r.body), 40)])
		}
		recs, err := csv.NewReader(bytes.NewReader(r.body[3:])).ReadAll()
		if err != nil || len(recs) != 2 {
			t.Fatalf("export rows: %v %v", recs, err)
		}
		if recs[0][len(recs[0])-1] != "fields.city" || recs[1][len(recs[1])-1] != `'=HYPERLINK("http://evil")` || recs[1][0] != "'+5511911112222" {
			t.Fatalf("export row: %v / %v", recs[0], recs[1])
		}
	})
}

func TestImportRealWorldFiles(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		e := setup(t, d)
		e.startJobs()
		owner, _ := e.signup("Acme", "ana@example.com")
		owner.must(201, "POST", "/api/v1/fields", map[string]any{"key": "cidade", "label": "Cidade", "type": "text"})
		owner.must(201, "POST", "/api/v1/fields", map[string]any{"key": "saldo", "label": "Saldo", "type": "number"})
		file := "\ufeffNome;Telefone;E-mail;Cidade;Saldo;Etiquetas\r\n" +
			"João da Silva;(11) 98765-4321;joao@x.com;São Paulo;1.234,50;clientes\r\n" +
			"\r\n" +
			"\"Maria \"\"Nina\"\" Souza\";5,511987654322E+12;;\"Rio de\nJaneiro\";10;clientes|vip\r\n" +
			"Arredondado;5.51199E+12;;;;\r\n" +
			"Sem número;;;;;\r\n" +
			"Email ruim;11987654323;nao-e-email;;;\r\n" +
			"João da Silva;(11) 98765-4321;joao@x.com;São Paulo;1.234,50;clientes\r\n"
		prev := owner.multipart("/api/v1/contacts/import/preview", "contatos.csv", []byte(file), nil)
		if prev.status != 200 {
			t.Fatalf("preview: %d %s", prev.status, prev.body)
		}
		p := prev.json(t)
		mapping := p["mapping"].(map[string]any)
		if p["delimiter"] != ";" || mapping["Telefone"] != "phone" || mapping["Nome"] != "name" || mapping["E-mail"] != "email" ||
			mapping["Cidade"] != "fields.cidade" || mapping["Etiquetas"] != "tags" || len(p["rows"].([]any)) != 6 {
			t.Fatalf("preview: %v", p)
		}
		opts := map[string]any{"tags": []string{"importados"}, "on_existing": "update", "opt_in_source": "import", "opt_in_wording": "Aceito mensagens"}
		id := importCSV(t, owner, file, opts)
		imp := owner.must(200, "GET", "/api/v1/imports/"+id, nil)
		want := map[string]float64{"total": 6, "processed": 6, "created": 2, "updated": 0, "skipped": 1, "rejected": 3}
		for k, v := range want {
			if imp[k] != v {
				t.Errorf("%s = %v, want %v (%v)", k, imp[k], v, imp)
			}
		}
		if imp["status"] != "completed" {
			t.Fatalf("status %v", imp)
		}
		list := owner.must(200, "GET", "/api/v1/contacts?q=maria", nil)["data"].([]any)
		if len(list) != 1 {
			t.Fatalf("maria: %v", list)
		}
		maria := list[0].(map[string]any)
		if maria["phone"] != "+5511987654322" || maria["fields"].(map[string]any)["cidade"] != "Rio de\nJaneiro" || len(maria["tags"].([]any)) != 3 ||
			maria["consent"].(map[string]any)["state"] != "opted_in" {
			t.Fatalf("maria: %v", maria)
		}
		joao := owner.must(200, "GET", "/api/v1/contacts?q=jo%C3%A3o", nil)["data"].([]any)[0].(map[string]any)
		if joao["fields"].(map[string]any)["saldo"] != 1234.5 {
			t.Fatalf("decimal comma: %v", joao["fields"])
		}
		report := owner.do("GET", "/api/v1/imports/"+id+"/report.csv?lang=pt-BR", nil)
		recs, err := csv.NewReader(bytes.NewReader(bytes.TrimPrefix(report.body, []byte("\xef\xbb\xbf")))).ReadAll()
		if err != nil || len(recs) != 4 || recs[1][0] != "5" || !strings.Contains(recs[1][1], "arredondou") || !strings.Contains(recs[3][1], "e-mail") {
			t.Fatalf("report: %v %v", recs, err)
		}
		ledger := e.count("consent_events")

		// The same file again changes nothing.
		id2 := importCSV(t, owner, file, opts)
		imp2 := owner.must(200, "GET", "/api/v1/imports/"+id2, nil)
		if imp2["created"] != 0.0 || imp2["updated"] != 0.0 || imp2["skipped"] != 3.0 || imp2["rejected"] != 3.0 {
			t.Fatalf("second import: %v", imp2)
		}
		if e.count("consent_events") != ledger || e.count("contacts") != 2 {
			t.Fatal("second import changed the ledger or the contacts")
		}

		// Latin-1 (Windows-1252) from old Excel.
		latin, _ := charmap.Windows1252.NewEncoder().String("Nome,Celular\nConceição,81 99876-5432\n")
		importCSV(t, owner, latin, nil)
		if got := owner.must(200, "GET", "/api/v1/contacts?q=concei", nil)["data"].([]any); len(got) != 1 || got[0].(map[string]any)["name"] != "Conceição" {
			t.Fatalf("latin-1: %v", got)
		}

		// A file without a phone column is refused up front, and so is garbage.
		if r := owner.multipart("/api/v1/contacts/import", "x.csv", []byte("Nome;Cidade\nA;B\n"), nil); r.status != 422 {
			t.Fatalf("no phone column: %d %s", r.status, r.body)
		}
		if r := owner.multipart("/api/v1/contacts/import", "x.xlsx", []byte("not a zip"), nil); r.status != 400 {
			t.Fatalf("broken xlsx: %d %s", r.status, r.body)
		}
		if r := owner.do("POST", "/api/v1/contacts/import", map[string]any{}); r.status != 400 {
			t.Fatalf("json instead of a file: %d", r.status)
		}
	})
}

// r2id finds a contact's id by its E.164 phone.
func r2id(t *testing.T, c *client, phone string) string {
	t.Helper()
	list := c.must(200, "GET", "/api/v1/contacts?q="+strings.TrimPrefix(phone, "+"), nil)["data"].([]any)
	if len(list) != 1 {
		t.Fatalf("%s: %d contacts", phone, len(list))
	}
	return list[0].(map[string]any)["id"].(string)
}
