package httpapi_test

import (
	"bytes"
	"context"
	"net/url"
	"testing"
	"time"

	"github.com/masteria/masteria/internal/channel"
	"github.com/masteria/masteria/internal/channel/whatsappcloud/fakegraph"
	"github.com/masteria/masteria/internal/conversations"
	"github.com/masteria/masteria/internal/inbound"
	"github.com/masteria/masteria/internal/store/db"
	"github.com/masteria/masteria/internal/store/dbtest"
)

// TestSimulatorOutbound: a message sent to the Simulator gets an id at once
// and its sent → delivered → read reports arrive after the connection's
// delay through the same intake as a provider's; a number ending in 0000
// fails as undeliverable.
func TestSimulatorOutbound(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		e := setup(t, d)
		owner, companyID := e.signup("Out Co", "owner@out.example")
		sim := owner.must(201, "POST", "/api/v1/connections", map[string]any{"type": "simulator", "name": "S",
			"config": map[string]any{"delivery_delay_ms": 100}})["id"].(string)
		ctx := context.Background()
		conn, err := e.app.Connections.Resolve(ctx, sim)
		if err != nil {
			t.Fatal(err)
		}
		sender, err := e.app.Adapters.Sender(ctx, conn)
		if err != nil {
			t.Fatal(err)
		}
		if _, err := sender.Send(ctx, channel.Outbound{To: "+5511987654321", Type: channel.TypeText}); err == nil {
			t.Fatal("an empty text was accepted")
		}
		send := func(to string) (string, string) {
			t.Helper()
			sub, _ := e.app.Hub.Subscribe(companyID, 16, 0)
			defer sub.Close()
			pid, err := sender.Send(ctx, channel.Outbound{To: to, Type: channel.TypeText, Text: "Seu pedido saiu"})
			if err != nil {
				t.Fatal(err)
			}
			var msgID string
			err = d.InTx(ctx, func(tx *db.Tx) error {
				contactID, _, err := e.app.Contacts.Resolve(ctx, tx, companyID, "BR", to, "")
				if err != nil {
					return err
				}
				found, err := conversations.FindOrOpen(ctx, tx, companyID, sim, contactID, time.Now(), false)
				if err != nil {
					return err
				}
				convID := found.ID
				msgID, _, err = conversations.Insert(ctx, tx, conversations.NewMessage{CompanyID: companyID, ConversationID: convID,
					ContactID: contactID, ConnectionID: sim, Direction: "outbound", Type: "text", Text: "Seu pedido saiu",
					Status: "queued", ProviderMessageID: pid, At: time.Now()})
				if err != nil {
					return err
				}
				// As the outbox will: reports that outran this commit.
				_, err = inbound.ApplyUnmatched(ctx, tx, companyID, sim, msgID, pid)
				return err
			})
			if err != nil {
				t.Fatal(err)
			}
			return pid, msgID
		}
		statusOf := func(msgID string) string {
			var s string
			if err := d.QueryRow(ctx, `SELECT status FROM messages WHERE id = ?`, msgID).Scan(&s); err != nil {
				t.Fatal(err)
			}
			return s
		}
		start := time.Now()
		_, ok := send("+5511987654321")
		eventually(t, "read", func() bool { return statusOf(ok) == "read" })
		if time.Since(start) < 200*time.Millisecond {
			t.Fatalf("read came after %s, before twice the 100 ms delay", time.Since(start))
		}
		_, bad := send("+5511987650000")
		eventually(t, "failed", func() bool { return statusOf(bad) == "failed" })
		var code string
		_ = d.QueryRow(ctx, `SELECT error_code FROM messages WHERE id = ?`, bad).Scan(&code)
		if code != "131026" {
			t.Fatalf("error code %q", code)
		}
	})
}

// TestUnknownTypesAndLiveEvents: a message type nobody knows yet is stored
// with its raw JSON, and every new message is published after its commit.
func TestUnknownTypesAndLiveEvents(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		e := setup(t, d)
		owner, companyID := e.signup("Live Co", "owner@live.example")
		id := owner.must(201, "POST", "/api/v1/connections", map[string]any{"type": "whatsapp_cloud", "name": "C",
			"config": map[string]any{"phone_number_id": "123456789", "waba_id": "987654321", "access_token": "t", "app_secret": "sec"}})["id"].(string)
		sub, _ := e.app.Hub.Subscribe(companyID, 16, 0)
		defer sub.Close()
		body := bytes.Replace(fakegraph.MessageWebhook("123456789", "5511987654321", "Ana", "wamid.NEW", "x", time.Now()),
			[]byte(`"type":"text"`), []byte(`"type":"hologram","hologram":{"depth":3}`), 1)
		if r := postHook(e.anon(), "/webhooks/whatsapp_cloud/"+id, "sec", body); r.status != 200 {
			t.Fatal(r.status)
		}
		select {
		case ev := <-sub.C:
			for ev.Type != "message.created" {
				ev = <-sub.C
			}
		case <-time.After(5 * time.Second):
			t.Fatal("no message.created event")
		}
		conv := waitConversations(t, owner, url.Values{}, 1)[0].(map[string]any)
		m := messagesOf(t, owner, conv["id"].(string))[0].(map[string]any)
		raw, _ := m["content"].(map[string]any)["raw"].(map[string]any)
		if m["type"] != "hologram" || raw == nil || raw["hologram"] == nil {
			t.Fatalf("unknown type stored as %v", m)
		}
	})
}
