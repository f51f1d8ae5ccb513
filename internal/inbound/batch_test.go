package inbound_test

import (
	"context"
	"crypto/rand"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/masteria/masteria/internal/app"
	"github.com/masteria/masteria/internal/auth"
	"github.com/masteria/masteria/internal/channel/whatsappcloud/fakegraph"
	"github.com/masteria/masteria/internal/config"
	"github.com/masteria/masteria/internal/connections"
	"github.com/masteria/masteria/internal/conversations"
	"github.com/masteria/masteria/internal/inbound"
	"github.com/masteria/masteria/internal/realtime"
	"github.com/masteria/masteria/internal/store/db"
	"github.com/masteria/masteria/internal/store/dbtest"
)

const pnid = "123456789"

// world is a company with a WhatsApp Cloud connection whose inbound
// processor a test runs by hand.
type world struct {
	t        *testing.T
	app      *app.App
	db       *db.DB
	company  string
	conn     string
	events   *realtime.Subscription
	stored   []inbound.Stored
	t0       time.Time
	contacts map[string]string // phone -> id, of contacts made before
}

func newWorld(t *testing.T, d *db.DB, t0 time.Time) *world {
	t.Helper()
	ctx := context.Background()
	key := make([]byte, 32)
	_, _ = rand.Read(key)
	cfg, err := config.Load([]string{"MASTERIA_DATA_DIR=" + t.TempDir(), "MASTERIA_ENCRYPTION_KEY=" + base64.StdEncoding.EncodeToString(key)}, nil)
	if err != nil {
		t.Fatal(err)
	}
	logger := slog.New(slog.NewTextHandler(io.Discard, nil))
	a, err := app.New(ctx, cfg, d, logger, app.Options{Version: "test", Argon2: auth.Argon2{Time: 1, Memory: 1024, Threads: 1}, AllowLoopback: true})
	if err != nil {
		t.Fatal(err)
	}
	g, err := a.Auth.Signup(ctx, auth.SignupInput{CompanyName: "Batch Co", Name: "Owner", Email: "owner@batch.example", Password: "a long enough password 1"}, auth.ClientMeta{})
	if err != nil {
		t.Fatal(err)
	}
	name := "C"
	conn, err := a.Connections.Create(ctx, g.Company.ID, connections.Input{Type: "whatsapp_cloud", Name: &name,
		Config: json.RawMessage(`{"phone_number_id": "` + pnid + `", "waba_id": "987654321", "access_token": "t", "app_secret": "s"}`)})
	if err != nil {
		t.Fatal(err)
	}
	w := &world{t: t, app: a, db: d, company: g.Company.ID, conn: conn.ID, t0: t0, contacts: map[string]string{}}
	// The processor's own events, on a hub of the test's (PostgreSQL's
	// hub sends through a bridge this test does not run).
	hub := realtime.New()
	a.Inbound.Hub = hub
	w.events, _ = hub.Subscribe(w.company, 10000, 0)
	a.Inbound.Hooks = []inbound.Hook{func(ctx context.Context, tx *db.Tx, m inbound.Stored) error {
		w.stored = append(w.stored, m)
		return nil
	}}
	return w
}

func (w *world) at(s int) time.Time { return w.t0.Add(time.Duration(s) * time.Second) }

// record commits payloads as deliveries of the connection, all at once.
func (w *world) record(payloads ...[]byte) {
	w.t.Helper()
	ctx := context.Background()
	err := w.db.InTx(ctx, func(tx *db.Tx) error {
		for i, p := range payloads {
			// Distinct times keep the processor's order the recording order.
			ev := inbound.Event{CompanyID: w.company, ConnectionID: w.conn, Source: "whatsapp_cloud", Payload: p,
				AvailableAt: time.Now().Add(-time.Minute).Add(time.Duration(i) * time.Millisecond)}
			if err := inbound.Insert(ctx, tx, ev); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		w.t.Fatal(err)
	}
}

func (w *world) text(from, name, id, text string, s int) []byte {
	return fakegraph.MessageWebhook(pnid, from, name, id, text, w.at(s))
}

func (w *world) image(from, id string, s int) []byte {
	return []byte(fmt.Sprintf(`{"object":"whatsapp_business_account","entry":[{"id":"987654321","changes":[{"field":"messages","value":{
		"messaging_product":"whatsapp","metadata":{"display_phone_number":"15550000000","phone_number_id":%q},
		"contacts":[{"profile":{"name":"Foto"},"wa_id":%q}],
		"messages":[{"from":%q,"id":%q,"timestamp":"%d","type":"image","image":{"id":"media-%s","mime_type":"image/jpeg","caption":"olha"}}]}}]}]}`,
		pnid, from, from, id, w.at(s).Unix(), id))
}

// known makes a contact before the batch, as an import would (no name).
func (w *world) known(phone string) {
	w.t.Helper()
	ctx := context.Background()
	err := w.db.InTx(ctx, func(tx *db.Tx) error {
		id, _, err := w.app.Contacts.Resolve(ctx, tx, w.company, "BR", phone, "")
		w.contacts[phone] = id
		return err
	})
	if err != nil {
		w.t.Fatal(err)
	}
}

// exec runs a statement for the scenario's starting state.
func (w *world) exec(q string, args ...any) {
	w.t.Helper()
	if _, err := w.db.Exec(context.Background(), q, args...); err != nil {
		w.t.Fatal(err)
	}
}

// sent stores an outbound message with a provider id (its reports can
// then be applied), opening the contact's conversation.
func (w *world) sent(phone, providerID string) {
	w.t.Helper()
	ctx := context.Background()
	err := w.db.InTx(ctx, func(tx *db.Tx) error {
		id, _, err := w.app.Contacts.Resolve(ctx, tx, w.company, "BR", phone, "")
		if err != nil {
			return err
		}
		w.contacts[phone] = id
		f, err := conversations.FindOrOpen(ctx, tx, w.company, w.conn, id, w.t0, false)
		if err != nil {
			return err
		}
		_, _, err = conversations.Insert(ctx, tx, conversations.NewMessage{CompanyID: w.company, ConversationID: f.ID, ContactID: id,
			ConnectionID: w.conn, Direction: "outbound", Type: "text", Text: "Oferta", Status: "sent", ProviderMessageID: providerID, At: w.t0})
		return err
	})
	if err != nil {
		w.t.Fatal(err)
	}
}

// lines reads a query's rows as text, each column formatted.
func (w *world) lines(q string) []string {
	w.t.Helper()
	rows, err := w.db.Query(context.Background(), q)
	if err != nil {
		w.t.Fatalf("%s: %v", q, err)
	}
	defer rows.Close()
	cols, _ := rows.Columns()
	var out []string
	for rows.Next() {
		vals := make([]any, len(cols))
		ptrs := make([]any, len(cols))
		for i := range vals {
			ptrs[i] = &vals[i]
		}
		if err := rows.Scan(ptrs...); err != nil {
			w.t.Fatal(err)
		}
		parts := make([]string, len(vals))
		for i, v := range vals {
			switch v := v.(type) {
			case []byte:
				parts[i] = string(v)
			case time.Time:
				parts[i] = v.UTC().Format(time.RFC3339)
			case string:
				if t, err := time.Parse(time.RFC3339Nano, v); err == nil {
					parts[i] = t.UTC().Format(time.RFC3339)
				} else {
					parts[i] = v
				}
			default:
				parts[i] = fmt.Sprint(v)
			}
		}
		out = append(out, strings.Join(parts, " | "))
	}
	if err := rows.Err(); err != nil {
		w.t.Fatal(err)
	}
	return out
}

// snapshot is everything applying a batch may change, without generated
// ids and the moment it ran.
func (w *world) snapshot() map[string][]string {
	s := map[string][]string{
		"contacts":  w.lines(`SELECT phone, name, search, consent_state, consent_source, last_inbound_at FROM contacts ORDER BY phone`),
		"addresses": w.lines(`SELECT c.phone, a.kind, a.value FROM contact_addresses a JOIN contacts c ON c.id = a.contact_id ORDER BY a.value`),
		"conversations": w.lines(`SELECT c.phone, v.status, v.protocol, v.unread_count, v.last_message_at, v.last_message_type, v.last_message_text,
			v.last_message_direction, v.last_inbound_at, v.snoozed_until FROM conversations v JOIN contacts c ON c.id = v.contact_id ORDER BY v.protocol`),
		"statuses": w.lines(`SELECT provider_message_id, status, message_id IS NULL, error_code, at FROM message_statuses ORDER BY provider_message_id, status`),
		"messages": w.lines(`SELECT COALESCE(m.provider_message_id, ''), c.phone, v.protocol, m.direction, m.type, m.text, m.content, m.status, m.media_status,
			m.sent_at, m.delivered_at, m.read_at, m.failed_at, m.status_at, m.error_code, m.error_reason
			FROM messages m JOIN contacts c ON c.id = m.contact_id JOIN conversations v ON v.id = m.conversation_id
			ORDER BY v.protocol, m.direction, m.type, m.text, COALESCE(m.provider_message_id, '')`),
		"consent":        w.lines(`SELECT c.phone, e.action, e.source, e.reason FROM consent_events e JOIN contacts c ON c.id = e.contact_id ORDER BY e.id`),
		"recipients":     w.lines(`SELECT c.phone, r.status FROM campaign_recipients r JOIN contacts c ON c.id = r.contact_id ORDER BY c.phone`),
		"webhook events": w.lines(`SELECT status, error FROM webhook_events ORDER BY available_at`),
		"media jobs":     w.lines(`SELECT count(*) FROM river_job WHERE kind = 'media.fetch'`),
	}
	// The processor's events in order, ids replaced by what they name.
	names := map[string]string{}
	for _, l := range w.lines(`SELECT id, phone FROM contacts`) {
		f := strings.Split(l, " | ")
		names[f[0]] = "contact " + f[1]
	}
	for _, l := range w.lines(`SELECT id, protocol FROM conversations`) {
		f := strings.Split(l, " | ")
		names[f[0]] = "conversation " + f[1]
	}
	for _, l := range w.lines(`SELECT id, COALESCE(provider_message_id, type) FROM messages`) {
		f := strings.Split(l, " | ")
		names[f[0]] = "message " + f[1]
	}
	name := func(v any) string {
		if s, ok := v.(string); ok && names[s] != "" {
			return names[s]
		}
		return fmt.Sprint(v)
	}
	for {
		select {
		case ev := <-w.events.C:
			data, _ := ev.Data.(map[string]any)
			keys := make([]string, 0, len(data))
			for k := range data {
				keys = append(keys, k)
			}
			slices.Sort(keys)
			line := ev.Type
			for _, k := range keys {
				line += " " + k + "=" + name(data[k])
			}
			if ev.Type == "message.status" {
				// A batch tells of a message's furthest status once, where
				// report by report tells of each step (reports.go).
				s["published"] = slices.DeleteFunc(s["published"], func(l string) bool {
					return strings.HasPrefix(l, "message.status ") && strings.Contains(l, " message_id="+name(data["message_id"])+" ")
				})
			}
			s["published"] = append(s["published"], line)
			continue
		default:
		}
		break
	}
	for _, m := range w.stored {
		s["hooks"] = append(s["hooks"], fmt.Sprintf("%s %s %s %s %v", m.Message.ProviderID, name(m.ContactID), name(m.ConversationID), name(m.MessageID), m.OpenedConversation))
	}
	return s
}

// TestBatchedMessagesApplyAsOneByOne applies each scenario's deliveries as
// one batch, set-based, and on a second database event by event, message by
// message, and compares everything they wrote and published.
func TestBatchedMessagesApplyAsOneByOne(t *testing.T) {
	type scenario struct {
		name   string
		before func(w *world)
		events func(w *world) [][]byte
		check  func(t *testing.T, s map[string][]string)
	}
	scenarios := []scenario{
		{
			name: "a new person writing three times gets one contact and one conversation",
			events: func(w *world) [][]byte {
				return [][]byte{w.text("5511987650001", "Ana", "wamid.a1", "Oi", 1), w.text("5511987650001", "Ana", "wamid.a2", "Tudo bem?", 2),
					w.text("5511987650001", "Ana", "wamid.a3", "Quero saber do pedido", 3)}
			},
			check: func(t *testing.T, s map[string][]string) {
				if len(s["contacts"]) != 1 || len(s["conversations"]) != 1 || len(s["messages"]) != 3 {
					t.Fatalf("contacts %v, conversations %v, messages %d", s["contacts"], s["conversations"], len(s["messages"]))
				}
				if !strings.Contains(s["conversations"][0], "| 3 |") || !strings.Contains(s["conversations"][0], "Quero saber do pedido") {
					t.Fatalf("conversation %s: want 3 unread and the last text", s["conversations"][0])
				}
			},
		},
		{
			name:   "two people, one known without a name, interleaved",
			before: func(w *world) { w.known("+5511987650002") },
			events: func(w *world) [][]byte {
				return [][]byte{w.text("5511987650002", "", "wamid.b1", "Bom dia", 1), w.text("5511987650003", "Caio", "wamid.c1", "Olá", 2),
					w.text("5511987650002", "Bia", "wamid.b2", "Sou a Bia", 3), w.text("5511987650003", "Caio", "wamid.c2", "Alô?", 4)}
			},
			check: func(t *testing.T, s map[string][]string) {
				if len(s["contacts"]) != 2 || len(s["conversations"]) != 2 || !strings.Contains(s["contacts"][0], "Bia") {
					t.Fatalf("contacts %v, conversations %v", s["contacts"], s["conversations"])
				}
			},
		},
		{
			name: "copies within the batch and of a stored message are stored once",
			before: func(w *world) {
				w.record(w.text("5511987650004", "Duda", "wamid.d1", "Primeira", 1))
				if _, err := w.app.Inbound.ProcessDue(context.Background()); err != nil {
					w.t.Fatal(err)
				}
				w.stored = nil
				for len(w.events.C) > 0 {
					<-w.events.C
				}
			},
			events: func(w *world) [][]byte {
				return [][]byte{w.text("5511987650004", "Duda", "wamid.d1", "Primeira", 1), w.text("5511987650004", "Duda", "wamid.d2", "Segunda", 2),
					w.text("5511987650004", "Duda", "wamid.d2", "Segunda", 2), w.text("5511987650005", "Eva", "wamid.e1", "Oi", 3),
					w.text("5511987650005", "Eva", "wamid.e1", "Oi", 3)}
			},
			check: func(t *testing.T, s map[string][]string) {
				if len(s["messages"]) != 3 || len(s["contacts"]) != 2 {
					t.Fatalf("messages %v, contacts %v", s["messages"], s["contacts"])
				}
			},
		},
		{
			name: "a STOP between messages is applied in order",
			events: func(w *world) [][]byte {
				return [][]byte{w.text("5511987650006", "Fabi", "wamid.f1", "Oi", 1), w.text("5511987650006", "Fabi", "wamid.f2", "STOP", 2),
					w.text("5511987650006", "Fabi", "wamid.f3", "Mudei de ideia", 3), w.text("5511987650007", "Gil", "wamid.g1", "sair!", 4),
					w.text("5511987650007", "Gil", "wamid.g2", "Tchau", 5)}
			},
			check: func(t *testing.T, s map[string][]string) {
				if len(s["consent"]) != 2 || len(s["messages"]) != 7 { // five, and two timeline events
					t.Fatalf("consent %v, messages %v", s["consent"], s["messages"])
				}
			},
		},
		{
			name: "a pending conversation reopens; a resolved one is followed by a new one",
			before: func(w *world) {
				w.sent("+5511987650008", "wamid.out.h")
				w.sent("+5511987650009", "wamid.out.i")
				w.exec(`UPDATE conversations SET status = 'pending' WHERE contact_id = ?`, w.contacts["+5511987650008"])
				w.exec(`UPDATE conversations SET status = 'resolved' WHERE contact_id = ?`, w.contacts["+5511987650009"])
			},
			events: func(w *world) [][]byte {
				return [][]byte{w.text("5511987650008", "Hugo", "wamid.h1", "Voltei", 1), w.text("5511987650009", "Iris", "wamid.i1", "Oi de novo", 2)}
			},
			check: func(t *testing.T, s map[string][]string) {
				if len(s["conversations"]) != 3 {
					t.Fatalf("conversations %v", s["conversations"])
				}
				for _, c := range s["conversations"] {
					if strings.HasPrefix(c, "+5511987650008") && !strings.Contains(c, "| open |") {
						t.Fatalf("not reopened: %s", c)
					}
				}
			},
		},
		{
			name:   "reports on a sender's message are applied before the sender's next message",
			before: func(w *world) { w.sent("+5511999998888", "wamid.out.j") },
			events: func(w *world) [][]byte {
				return [][]byte{w.text("5511987650010", "Ju", "wamid.k1", "Oi", 1),
					fakegraph.StatusWebhook(pnid, "wamid.out.j", "delivered", w.at(2), 0),
					w.text("5511999998888", "Lu", "wamid.l1", "Recebi", 3),
					fakegraph.StatusWebhook(pnid, "wamid.out.j", "read", w.at(4), 0),
					w.text("5511999998888", "Lu", "wamid.l2", "Li", 5)}
			},
		},
		{
			name: "reports on several messages, late, copied and unknown, move each message once",
			before: func(w *world) {
				w.sent("+5511987650013", "wamid.out.o1")
				w.sent("+5511987650013", "wamid.out.o2")
				w.sent("+5511987650014", "wamid.out.p1")
			},
			events: func(w *world) [][]byte {
				return [][]byte{fakegraph.StatusWebhook(pnid, "wamid.out.o1", "sent", w.at(1), 0),
					fakegraph.StatusWebhook(pnid, "wamid.out.o1", "read", w.at(3), 0),
					fakegraph.StatusWebhook(pnid, "wamid.out.o1", "delivered", w.at(2), 0),
					fakegraph.StatusWebhook(pnid, "wamid.out.o2", "delivered", w.at(2), 0),
					fakegraph.StatusWebhook(pnid, "wamid.out.o2", "delivered", w.at(2), 0),
					fakegraph.StatusWebhook(pnid, "wamid.out.p1", "failed", w.at(4), 131026),
					fakegraph.StatusWebhook(pnid, "wamid.out.unknown", "delivered", w.at(5), 0)}
			},
			check: func(t *testing.T, s map[string][]string) {
				if !slices.ContainsFunc(s["messages"], func(l string) bool { return strings.HasPrefix(l, "wamid.out.o1 ") && strings.Contains(l, "| read |") }) {
					t.Fatalf("messages %v", s["messages"])
				}
			},
		},
		{
			name: "a campaign recipient who answers has replied",
			before: func(w *world) {
				w.sent("+5511987650011", "wamid.out.m")
				w.exec(`INSERT INTO campaigns (id, company_id, name, status, message, created_at, updated_at) VALUES ('cmp1', ?, 'Promo', 'running', '{}', ?, ?)`,
					w.company, w.t0, w.t0)
				w.exec(`INSERT INTO campaign_recipients (campaign_id, company_id, contact_id, phone, connection_id, status, message_id, sent_at, updated_at)
					SELECT 'cmp1', company_id, contact_id, '+5511987650011', connection_id, 'delivered', id, ?, ? FROM messages WHERE provider_message_id = 'wamid.out.m'`, w.t0, w.t0)
			},
			events: func(w *world) [][]byte {
				return [][]byte{w.text("5511987650011", "Mia", "wamid.m1", "Quero!", 1)}
			},
			check: func(t *testing.T, s map[string][]string) {
				if len(s["recipients"]) != 1 || !strings.HasSuffix(s["recipients"][0], "replied") {
					t.Fatalf("recipients %v", s["recipients"])
				}
			},
		},
		{
			name: "a photo schedules its download",
			events: func(w *world) [][]byte {
				return [][]byte{w.image("5511987650012", "wamid.n1", 1), w.text("5511987650012", "Nina", "wamid.n2", "Viu?", 2)}
			},
			check: func(t *testing.T, s map[string][]string) {
				if s["media jobs"][0] != "1" {
					t.Fatalf("media jobs %v", s["media jobs"])
				}
			},
		},
	}
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		for _, sc := range scenarios {
			t.Run(sc.name, func(t *testing.T) {
				ctx := context.Background()
				t0 := time.Now().Add(-time.Hour).Truncate(time.Second)
				run := func(d *db.DB, batched bool) map[string][]string {
					w := newWorld(t, d, t0)
					if sc.before != nil {
						sc.before(w)
					}
					w.record(sc.events(w)...)
					process := w.app.Inbound.ProcessEachAlone
					if batched {
						process = w.app.Inbound.ProcessBatched
					}
					n, err := process(ctx)
					if err != nil {
						t.Fatalf("batched %v: %v", batched, err)
					}
					if n == 0 {
						t.Fatal("nothing was due")
					}
					return w.snapshot()
				}
				batched := run(dbtest.Open(t, d.Dialect()), true)
				alone := run(dbtest.Open(t, d.Dialect()), false)
				for _, k := range []string{"statuses", "contacts", "addresses", "conversations", "messages", "consent", "recipients", "webhook events", "media jobs", "published", "hooks"} {
					if !slices.Equal(batched[k], alone[k]) {
						t.Errorf("%s differ:\nbatched:\n  %s\none by one:\n  %s", k, strings.Join(batched[k], "\n  "), strings.Join(alone[k], "\n  "))
					}
				}
				if sc.check != nil {
					sc.check(t, batched)
				}
			})
		}
	})
}
