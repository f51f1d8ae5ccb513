package httpapi_test

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/masteria/masteria/internal/channel/whatsappcloud/fakegraph"
	"github.com/masteria/masteria/internal/store/db"
	"github.com/masteria/masteria/internal/store/dbtest"
)

// simulate makes a contact write to a Simulator connection and returns the
// conversation it lands in.
func simulate(t *testing.T, c *client, connID, from, text string) map[string]any {
	t.Helper()
	c.must(202, "POST", "/api/v1/connections/"+connID+"/simulate", map[string]any{"from": from, "name": "Cliente " + from[len(from)-4:], "text": text})
	var conv map[string]any
	eventually(t, "the conversation of "+from, func() bool {
		for _, v := range data(c.must(200, "GET", "/api/v1/conversations?connection_id="+connID+"&limit=100", nil)) {
			v := v.(map[string]any)
			if strings.HasSuffix(v["contact"].(map[string]any)["phone"].(string), from[len(from)-4:]) && v["status"] != "resolved" {
				if lm, _ := v["last_message"].(map[string]any); lm != nil && lm["text"] == text {
					conv = v
					return true
				}
			}
		}
		return false
	})
	return conv
}

func events(t *testing.T, c *client, convID string) []map[string]any {
	t.Helper()
	var out []map[string]any
	for _, m := range messagesOf(t, c, convID) {
		m := m.(map[string]any)
		if m["type"] == "event" {
			out = append(out, m["content"].(map[string]any))
		}
	}
	return out
}

func assigneeOf(v map[string]any) string {
	if a, _ := v["assignee"].(map[string]any); a != nil {
		return a["id"].(string)
	}
	return ""
}

func TestAutoAssignmentRoundRobinCapacityAndAvailability(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		e := setup(t, d)
		owner, _ := e.signup("Fila Co", "owner@fila.example")
		ana, anaID := e.invite(owner, "ana@fila.example", "agent")
		bia, biaID := e.invite(owner, "bia@fila.example", "agent")
		team := owner.must(201, "POST", "/api/v1/teams", map[string]any{"name": "Suporte", "member_ids": []string{anaID, biaID}})
		if team["auto_assign"] != true || len(team["members"].([]any)) != 2 {
			t.Fatalf("team = %v", team)
		}
		sim := owner.must(201, "POST", "/api/v1/connections", map[string]any{"type": "simulator", "name": "Sim", "team_id": team["id"]})
		if sim["team_id"] != team["id"] {
			t.Fatalf("connection team = %v", sim["team_id"])
		}
		connID := sim["id"].(string)

		// Nobody online: the conversation waits in the queue, with its team.
		first := simulate(t, owner, connID, "+5511900001001", "oi")
		if assigneeOf(first) != "" || first["team"].(map[string]any)["name"] != "Suporte" {
			t.Fatalf("offline team got %v", first)
		}
		if !strings.HasSuffix(first["protocol"].(string), "-000001") {
			t.Fatalf("protocol = %v", first["protocol"])
		}

		// Ana comes online: the waiting conversation is hers.
		ana.must(204, "PUT", "/api/v1/me/availability", map[string]any{"availability": "online"})
		if got := assigneeOf(owner.must(200, "GET", "/api/v1/conversations/"+first["id"].(string), nil)); got != anaID {
			t.Fatalf("waiting conversation went to %q, want Ana", got)
		}
		bia.must(204, "PUT", "/api/v1/me/availability", map[string]any{"availability": "online"})
		if ana.must(200, "GET", "/api/v1/me", nil)["availability"] != "online" {
			t.Fatal("availability not in /me")
		}

		// Both online: turns alternate.
		count := map[string]int{}
		var last string
		for i := 2; i <= 5; i++ {
			v := simulate(t, owner, connID, fmt.Sprintf("+55119000010%02d", i), "olá")
			a := assigneeOf(v)
			if a == "" || a == last {
				t.Fatalf("conversation %d went to %q after %q: not round robin", i, a, last)
			}
			last = a
			count[a]++
			if !strings.HasSuffix(v["protocol"].(string), fmt.Sprintf("-%06d", i)) {
				t.Fatalf("protocol %d = %v", i, v["protocol"])
			}
		}
		if count[anaID] != 2 || count[biaID] != 2 {
			t.Fatalf("shares = %v", count)
		}

		// Ana has 3 open conversations; a capacity of 3 keeps the next ones
		// for Bia.
		m := owner.must(200, "PATCH", "/api/v1/members/"+anaID, map[string]any{"capacity": 3})
		if m["capacity"] != float64(3) || m["open_conversations"] != float64(3) {
			t.Fatalf("member = %v", m)
		}
		for i := 6; i <= 7; i++ {
			if a := assigneeOf(simulate(t, owner, connID, fmt.Sprintf("+55119000010%02d", i), "oi")); a != biaID {
				t.Fatalf("conversation %d went to %q, want Bia (Ana is full)", i, a)
			}
		}
		// Bia away, Ana full: it waits, and "take next" refuses Ana.
		bia.must(204, "PUT", "/api/v1/me/availability", map[string]any{"availability": "away"})
		waiting := simulate(t, owner, connID, "+5511900001008", "alguém?")
		if assigneeOf(waiting) != "" {
			t.Fatalf("went to %q while nobody was available", assigneeOf(waiting))
		}
		if r := ana.do("POST", "/api/v1/conversations/take", nil); r.status != 409 || r.errCode(t) != "at_capacity" {
			t.Fatalf("take at capacity: %d %s", r.status, r.body)
		}
		counts := ana.must(200, "GET", "/api/v1/conversations/counts", nil)
		if counts["mine"].(map[string]any)["open"] != float64(3) || counts["unassigned"].(map[string]any)["open"] != float64(1) ||
			counts["all"].(map[string]any)["open"] != float64(8) {
			t.Fatalf("counts = %v", counts)
		}
		// Bia takes it from the queue by hand.
		took := bia.must(200, "POST", "/api/v1/conversations/take", nil)
		if took["id"] != waiting["id"] || assigneeOf(took) != biaID {
			t.Fatalf("took %v", took)
		}
		if r := bia.do("POST", "/api/v1/conversations/take", nil); r.status != 404 || r.errCode(t) != "queue_empty" {
			t.Fatalf("empty queue: %d %s", r.status, r.body)
		}
		// Resolving one of Ana's frees a place: nothing waits, nothing moves.
		mine := data(ana.must(200, "GET", "/api/v1/conversations?assignee=me", nil))
		if len(mine) != 3 {
			t.Fatalf("assignee=me lists %d", len(mine))
		}
		ev := events(t, owner, first["id"].(string))
		if len(ev) == 0 || ev[0]["event"] != "assigned" || ev[0]["auto"] != true {
			t.Fatalf("timeline events = %v", ev)
		}
	})
}

func TestConversationStatusLabelsNotesAndSearch(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		e := setup(t, d)
		owner, _ := e.signup("Atende Co", "owner@atende.example")
		agent, agentID := e.invite(owner, "agent@atende.example", "agent")
		connID := owner.must(201, "POST", "/api/v1/connections", map[string]any{"type": "simulator", "name": "Sim"})["id"].(string)
		conv := simulate(t, owner, connID, "+5511911112222", "Quero trocar meu pedido 4471")
		convID := conv["id"].(string)
		other := simulate(t, owner, connID, "+5511933334444", "Bom dia")

		// Assign, label, note.
		vip := owner.must(201, "POST", "/api/v1/labels", map[string]any{"name": "VIP", "color": "#16a34a"})
		if r := owner.do("POST", "/api/v1/labels", map[string]any{"name": "vip"}); r.status != 409 || r.errCode(t) != "label_exists" {
			t.Fatalf("duplicate label: %d %s", r.status, r.body)
		}
		v := owner.must(200, "PATCH", "/api/v1/conversations/"+convID, map[string]any{"assignee_id": agentID, "label_ids": []string{vip["id"].(string)}})
		if assigneeOf(v) != agentID || len(v["labels"].([]any)) != 1 || v["labels"].([]any)[0].(map[string]any)["color"] != "#16a34a" {
			t.Fatalf("patched = %v", v)
		}
		note := agent.must(201, "POST", "/api/v1/conversations/"+convID+"/messages", map[string]any{"type": "note", "text": "Cliente já ligou duas vezes"})
		if note["status"] != "internal" || note["type"] != "note" || note["author"].(map[string]any)["id"] != agentID {
			t.Fatalf("note = %v", note)
		}
		if r := agent.do("POST", "/api/v1/conversations/"+convID+"/messages", map[string]any{"type": "note", "text": "  "}); r.status != 422 {
			t.Fatalf("empty note: %d", r.status)
		}

		// Filters.
		for _, c := range []struct {
			query string
			want  []string
		}{
			{"label=" + vip["id"].(string), []string{convID}},
			{"assignee=unassigned", []string{other["id"].(string)}},
			{"assignee=" + agentID, []string{convID}},
			{"q=pedido+4471", []string{convID}},
			{"q=" + url.QueryEscape(conv["protocol"].(string)), []string{convID}},
			{"q=3333", []string{other["id"].(string)}},
			{"q=nada+disso", nil},
			{"sort=oldest", []string{convID, other["id"].(string)}},
		} {
			var got []string
			for _, x := range data(agent.must(200, "GET", "/api/v1/conversations?"+c.query, nil)) {
				got = append(got, x.(map[string]any)["id"].(string))
			}
			if fmt.Sprint(got) != fmt.Sprint(c.want) {
				t.Errorf("%s: got %v, want %v", c.query, got, c.want)
			}
		}
		if r := agent.do("GET", "/api/v1/conversations?sort=sideways", nil); r.status != 422 {
			t.Fatalf("bad sort: %d", r.status)
		}
		// The note did not move the conversation's last message.
		if lm := owner.must(200, "GET", "/api/v1/conversations/"+convID, nil)["last_message"].(map[string]any); lm["text"] != "Quero trocar meu pedido 4471" {
			t.Fatalf("last message = %v", lm)
		}

		// Closing reasons: required, and from the list.
		owner.must(200, "PATCH", "/api/v1/company", map[string]any{"closing_reasons": []string{"Resolvido", "Sem resposta"}, "closing_reason_required": true})
		for _, c := range []struct {
			body map[string]any
			code string
		}{
			{map[string]any{"status": "resolved"}, "closing_reason_required"},
			{map[string]any{"status": "resolved", "closing_reason": "Outro"}, "unknown_closing_reason"},
			{map[string]any{"status": "sideways"}, "invalid_status"},
			{map[string]any{"status": "snoozed", "snoozed_until": time.Now().Add(-time.Hour).Format(time.RFC3339)}, "must_be_future"},
		} {
			r := agent.do("PATCH", "/api/v1/conversations/"+convID, c.body)
			if r.status != 422 || !strings.Contains(string(r.body), c.code) {
				t.Errorf("%v: %d %s, want %s", c.body, r.status, r.body, c.code)
			}
		}
		if got := owner.must(200, "GET", "/api/v1/conversations/"+convID, nil)["status"]; got != "open" {
			t.Fatalf("a refused patch changed the status to %v", got)
		}
		res := agent.must(200, "PATCH", "/api/v1/conversations/"+convID, map[string]any{"status": "resolved", "closing_reason": "Resolvido"})
		if res["status"] != "resolved" || res["closing_reason"] != "Resolvido" || res["resolved_at"] == nil {
			t.Fatalf("resolved = %v", res)
		}
		kinds := []string{}
		for _, ev := range events(t, owner, convID) {
			kinds = append(kinds, ev["event"].(string))
		}
		// Newest first.
		if strings.Join(kinds, ",") != "resolved,labels_changed,assigned" {
			t.Fatalf("events = %v", kinds)
		}

		// A new message after resolving starts a new conversation, with the
		// next protocol.
		again := simulate(t, owner, connID, "+5511911112222", "Voltei")
		if again["id"] == convID || again["protocol"] == conv["protocol"] || again["status"] != "open" {
			t.Fatalf("after resolve: %v", again)
		}
		// Reopening the old one while the new one is open is refused.
		if r := agent.do("PATCH", "/api/v1/conversations/"+convID, map[string]any{"status": "open"}); r.status != 409 || r.errCode(t) != "already_open" {
			t.Fatalf("reopen with another open: %d %s", r.status, r.body)
		}

		// Snooze until a time; the waker reopens it. An inbound message
		// reopens one snoozed without a time.
		until := time.Now().Add(1500 * time.Millisecond).UTC()
		sn := agent.must(200, "PATCH", "/api/v1/conversations/"+other["id"].(string), map[string]any{"status": "snoozed", "snoozed_until": until.Format(time.RFC3339Nano)})
		if sn["status"] != "snoozed" || sn["snoozed_until"] == nil {
			t.Fatalf("snoozed = %v", sn)
		}
		time.Sleep(time.Until(until) + 50*time.Millisecond)
		if n, err := e.app.Conversations.Wake(context.Background()); err != nil || n != 1 {
			t.Fatalf("woke %d: %v", n, err)
		}
		if st := owner.must(200, "GET", "/api/v1/conversations/"+other["id"].(string), nil)["status"]; st != "open" {
			t.Fatalf("after snooze: %v", st)
		}
		agent.must(200, "PATCH", "/api/v1/conversations/"+again["id"].(string), map[string]any{"status": "snoozed"})
		simulate(t, owner, connID, "+5511911112222", "Alô?")
		if st := owner.must(200, "GET", "/api/v1/conversations/"+again["id"].(string), nil)["status"]; st != "open" {
			t.Fatalf("inbound did not wake: %v", st)
		}

		// Read: unread goes to zero.
		if again := owner.must(200, "GET", "/api/v1/conversations/"+again["id"].(string), nil); again["unread_count"] != float64(2) {
			t.Fatalf("unread = %v", again["unread_count"])
		}
		agent.must(204, "POST", "/api/v1/conversations/"+again["id"].(string)+"/read", nil)
		if again := owner.must(200, "GET", "/api/v1/conversations/"+again["id"].(string), nil); again["unread_count"] != float64(0) {
			t.Fatalf("unread after read = %v", again["unread_count"])
		}
	})
}

func TestCannedResponsesRenderVariables(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		e := setup(t, d)
		owner, _ := e.signup("Loja Bela", "owner@bela.example")
		owner.must(201, "POST", "/api/v1/fields", map[string]any{"key": "pedido", "label": "Pedido", "type": "text"})
		connID := owner.must(201, "POST", "/api/v1/connections", map[string]any{"type": "simulator", "name": "Sim"})["id"].(string)
		conv := simulate(t, owner, connID, "+5511955556666", "oi")
		owner.must(200, "PATCH", "/api/v1/contacts/"+conv["contact"].(map[string]any)["id"].(string), map[string]any{"name": "Maria Souza", "fields": map[string]any{"pedido": "A-77"}})

		for _, bad := range []map[string]any{
			{"shortcut": "com espaço", "text": "x"},
			{"shortcut": "ok", "text": ""},
			{"shortcut": "ok", "text": "Oi {{contato.nome}}"},
			{"shortcut": "ok", "text": "Oi {{contact.cpf}}"},
		} {
			if r := owner.do("POST", "/api/v1/canned-responses", bad); r.status != 422 {
				t.Errorf("%v: %d %s", bad, r.status, r.body)
			}
		}
		owner.must(201, "POST", "/api/v1/canned-responses", map[string]any{"shortcut": "/saudacao",
			"text": "Olá, {{contact.first_name}}! Sou {{agent.name}} da {{company.name}}. Pedido {{contact.pedido}}, protocolo {{conversation.protocol}}."})
		if r := owner.do("POST", "/api/v1/canned-responses", map[string]any{"shortcut": "SAUDACAO", "text": "x"}); r.status != 409 || r.errCode(t) != "shortcut_exists" {
			t.Fatalf("duplicate shortcut: %d %s", r.status, r.body)
		}
		got := data(owner.must(200, "GET", "/api/v1/canned-responses?q=/sau&conversation_id="+conv["id"].(string), nil))
		if len(got) != 1 {
			t.Fatalf("found %d", len(got))
		}
		want := "Olá, Maria! Sou Owner of Loja Bela da Loja Bela. Pedido A-77, protocolo " + conv["protocol"].(string) + "."
		if r := got[0].(map[string]any); r["shortcut"] != "saudacao" || r["rendered"] != want {
			t.Fatalf("rendered %q, want %q", r["rendered"], want)
		}
		if r := data(owner.must(200, "GET", "/api/v1/canned-responses?q=nada", nil)); len(r) != 0 {
			t.Fatalf("q=nada found %d", len(r))
		}
	})
}

// png is the smallest valid PNG: one transparent pixel.
var png = []byte("\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00\x00\x01\x00\x00\x00\x01\x08\x06\x00\x00\x00\x1f\x15\xc4\x89\x00\x00\x00\rIDATx\x9cc\x00\x01\x00\x00\x05\x00\x01\r\n-\xb4\x00\x00\x00\x00IEND\xaeB`\x82")

func TestAttachmentsScheduledEditsAndReadReceipts(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		g := fakegraph.New(t)
		e := setup(t, d, withGraph(g.URL()))
		e.startJobs()
		owner, _ := e.signup("Anexo Co", "owner@anexo.example")
		_, conv := cloudWithContact(t, e, owner, g, "5511977778888")
		convID := conv["id"].(string)

		// An image: kept, uploaded to Meta when it leaves, sent by the id.
		r := owner.multipart("/api/v1/conversations/"+convID+"/attachments", "foto.png", png, map[string]string{"caption": "Seu comprovante"})
		if r.status != 202 {
			t.Fatalf("attach: %d %s", r.status, r.body)
		}
		m := r.json(t)
		if m["type"] != "image" || m["media"].(map[string]any)["url"] == nil {
			t.Fatalf("attached = %v", m)
		}
		sent := waitStatus(t, owner, convID, m["id"].(string), "sent")
		var uploaded bool
		for _, rq := range g.Requests() {
			if strings.HasSuffix(rq.Path, "/media") && rq.Method == "POST" && bytes.Contains(rq.Body, png[:8]) {
				uploaded = true
			}
		}
		var body string
		for _, s := range g.Sent() {
			if s.ID == sent["provider_message_id"] {
				body = string(s.Body)
			}
		}
		if !uploaded || !strings.Contains(body, `"image"`) || !strings.Contains(body, `"id"`) || !strings.Contains(body, "Seu comprovante") {
			t.Fatalf("uploaded %v, sent %s", uploaded, body)
		}
		// The agent's copy is served back.
		if got := owner.raw("GET", m["media"].(map[string]any)["url"].(string), nil, nil); got.status != 200 || !bytes.Equal(got.body, png) {
			t.Fatalf("media: %d", got.status)
		}

		// A scheduled attachment cancelled: its file goes with it.
		sched := owner.multipart("/api/v1/conversations/"+convID+"/attachments", "contrato.pdf", []byte("%PDF-1.4 contrato"),
			map[string]string{"send_at": time.Now().Add(time.Hour).Format(time.RFC3339)})
		if sched.status != 202 || sched.json(t)["type"] != "document" {
			t.Fatalf("scheduled attachment: %d %s", sched.status, sched.body)
		}
		var key string
		if err := d.QueryRow(context.Background(), `SELECT media_key FROM messages WHERE id = ?`, sched.json(t)["id"]).Scan(&key); err != nil || key == "" {
			t.Fatalf("media key %q: %v", key, err)
		}
		owner.must(204, "DELETE", "/api/v1/messages/"+sched.json(t)["id"].(string), nil)
		if rc, err := e.app.Media.OpenKey(context.Background(), key); err == nil {
			rc.Close()
			t.Fatal("a cancelled message's file is still stored")
		}

		// Too large for an image: refused, nothing written.
		before := len(messagesOf(t, owner, convID))
		big := append(append([]byte{}, png...), make([]byte, 5<<20)...)
		if r := owner.multipart("/api/v1/conversations/"+convID+"/attachments", "grande.png", big, nil); r.status != 413 || r.errCode(t) != "too_large" {
			t.Fatalf("oversized: %d %s", r.status, r.body)
		}
		if r := owner.raw("POST", "/api/v1/conversations/"+convID+"/attachments", strings.NewReader("{}"), map[string]string{"Content-Type": "application/json"}); r.status != 400 {
			t.Fatalf("not multipart: %d", r.status)
		}
		if after := len(messagesOf(t, owner, convID)); after != before {
			t.Fatalf("refused attachments wrote %d messages", after-before)
		}

		// Send later: edited and moved while it waits; refused once due.
		later := owner.must(202, "POST", "/api/v1/conversations/"+convID+"/messages", map[string]any{"type": "text", "text": "amanhã",
			"send_at": time.Now().Add(time.Hour).Format(time.RFC3339)})
		if lm := owner.must(200, "GET", "/api/v1/conversations/"+convID, nil)["last_message"].(map[string]any); lm["text"] == "amanhã" {
			t.Fatal("a message waiting for tomorrow is already the conversation's last message")
		}
		ed := owner.must(200, "PATCH", "/api/v1/messages/"+later["id"].(string), map[string]any{"text": "daqui a pouco",
			"send_at": time.Now().Add(time.Second).Format(time.RFC3339Nano)})
		if ed["text"] != "daqui a pouco" || ed["status"] != "queued" {
			t.Fatalf("edited = %v", ed)
		}
		if r := owner.do("PATCH", "/api/v1/messages/"+later["id"].(string), map[string]any{"text": "tarde"}); r.status != 409 || r.errCode(t) != "already_sent" {
			t.Fatalf("edit when due: %d %s", r.status, r.body)
		}
		left := waitStatus(t, owner, convID, later["id"].(string), "sent")
		if lm := owner.must(200, "GET", "/api/v1/conversations/"+convID, nil)["last_message"].(map[string]any); lm["text"] != "daqui a pouco" {
			t.Fatalf("after it left, the last message is %v", lm)
		}
		for _, s := range g.Sent() {
			if s.ID == left["provider_message_id"] && !strings.Contains(string(s.Body), "daqui a pouco") {
				t.Fatalf("sent %s", s.Body)
			}
		}

		// Reading the conversation sends Meta a read receipt for the
		// newest inbound message.
		g.Reset()
		owner.must(204, "POST", "/api/v1/conversations/"+convID+"/read", nil)
		eventually(t, "the read receipt", func() bool {
			for _, rq := range g.Requests() {
				if strings.Contains(string(rq.Body), `"status":"read"`) && strings.Contains(string(rq.Body), "wamid.hello.5511977778888") {
					return true
				}
			}
			return false
		})
	})
}

// A template whose header is an image is sent from the attachments route:
// the file is kept, uploaded when the message leaves, and sent as the
// header's media id; the timeline serves the agent's copy back.
func TestTemplateHeaderAttachment(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		g := fakegraph.New(t)
		g.AddTemplate(fakegraph.Template{Name: "cardapio", Language: "pt_BR", Category: "MARKETING",
			Components: json.RawMessage(`[{"type":"HEADER","format":"IMAGE"},{"type":"BODY","text":"Oi {{1}}, veja o cardápio."}]`)})
		e := setup(t, d, withGraph(g.URL()))
		e.startJobs()
		owner, _ := e.signup("Cabecalho Co", "owner@cabecalho.example")
		connID, conv := cloudWithContact(t, e, owner, g, "5511977776666")
		convID := conv["id"].(string)
		owner.must(200, "POST", "/api/v1/connections/"+connID+"/templates/sync", nil)
		path := "/api/v1/conversations/" + convID + "/attachments"
		tpl := `{"name":"cardapio","language":"pt_BR","body":[{"value":"Ana"}]}`

		r := owner.multipart(path, "cardapio.png", png, map[string]string{"template": tpl, "caption": "ignored"})
		if r.status != 202 {
			t.Fatalf("send: %d %s", r.status, r.body)
		}
		m := r.json(t)
		media, _ := m["media"].(map[string]any)
		if m["type"] != "template" || media == nil || media["url"] == nil || media["mime_type"] != "image/png" {
			t.Fatalf("queued = %v", m)
		}
		if rendered := m["content"].(map[string]any)["template"].(map[string]any)["rendered"].(map[string]any); rendered["body"] != "Oi Ana, veja o cardápio." {
			t.Fatalf("rendered = %v", rendered)
		}
		sent := waitStatus(t, owner, convID, m["id"].(string), "sent")
		var body string
		for _, s := range g.Sent() {
			if s.ID == sent["provider_message_id"] {
				body = string(s.Body)
			}
		}
		var wire struct {
			Template struct {
				Components []struct {
					Type       string `json:"type"`
					Parameters []struct {
						Type  string `json:"type"`
						Image *struct {
							ID string `json:"id"`
						} `json:"image"`
						Text string `json:"text"`
					} `json:"parameters"`
				} `json:"components"`
			} `json:"template"`
		}
		if err := json.Unmarshal([]byte(body), &wire); err != nil {
			t.Fatalf("sent %q: %v", body, err)
		}
		var headerID string
		for _, c := range wire.Template.Components {
			if c.Type == "header" && len(c.Parameters) == 1 && c.Parameters[0].Image != nil {
				headerID = c.Parameters[0].Image.ID
			}
		}
		if headerID == "" || strings.Contains(body, "ignored") {
			t.Fatalf("the header went without the uploaded id: %s", body)
		}
		if got := owner.raw("GET", media["url"].(string), nil, nil); got.status != 200 || !bytes.Equal(got.body, png) {
			t.Fatalf("media: %d", got.status)
		}

		// Refused before anything is kept: a document for an image header,
		// the body's value missing, no template JSON, a sticker.
		before := len(messagesOf(t, owner, convID))
		for name, tc := range map[string]struct {
			file, tpl string
			content   []byte
			status    int
			code      string
		}{
			"wrong kind":    {"cardapio.pdf", tpl, []byte("%PDF-1.4 x"), 422, "template_header_type_mismatch"},
			"missing value": {"cardapio.png", `{"name":"cardapio","language":"pt_BR"}`, png, 422, "template_variables_mismatch"},
			"not json":      {"cardapio.png", `{"name":`, png, 422, "validation_failed"},
			"unknown":       {"cardapio.png", `{"name":"nao_existe","language":"pt_BR"}`, png, 422, "template_not_found"},
			"sticker":       {"figurinha.webp", tpl, []byte("RIFF\x00\x00\x00\x00WEBPVP8 "), 422, "validation_failed"},
		} {
			r := owner.multipart(path, tc.file, tc.content, map[string]string{"template": tc.tpl})
			if r.status != tc.status || r.errCode(t) != tc.code {
				t.Errorf("%s: %d %s", name, r.status, r.body)
			}
		}
		if after := len(messagesOf(t, owner, convID)); after != before {
			t.Fatalf("refused sends wrote %d messages", after-before)
		}
	})
}
