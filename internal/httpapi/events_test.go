package httpapi_test

import (
	"context"
	"encoding/json"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/coder/websocket"

	"github.com/masteria/masteria/internal/store/db"
	"github.com/masteria/masteria/internal/store/dbtest"
)

type liveEvent struct {
	ID   int64          `json:"id"`
	Type string         `json:"type"`
	Data map[string]any `json:"data"`
}

func dialEvents(t *testing.T, e *env, c *client, query string, hdr http.Header) (*websocket.Conn, *http.Response, error) {
	t.Helper()
	if hdr == nil {
		hdr = http.Header{}
	}
	if c.token != "" {
		hdr.Set("Authorization", "Bearer "+c.token)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	return websocket.Dial(ctx, "ws"+strings.TrimPrefix(e.srv.URL, "http")+"/api/v1/events"+query,
		&websocket.DialOptions{HTTPHeader: hdr, HTTPClient: c.http})
}

// next reads frames until one of typ arrives.
func next(t *testing.T, ws *websocket.Conn, typ string) liveEvent {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	for {
		_, b, err := ws.Read(ctx)
		if err != nil {
			t.Fatalf("waiting for %s: %v", typ, err)
		}
		var ev liveEvent
		if err := json.Unmarshal(b, &ev); err != nil {
			t.Fatal(err)
		}
		if ev.Type == typ {
			return ev
		}
	}
}

func TestLiveEvents(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		e := setup(t, d)
		owner, _ := e.signup("Live Co", "owner@live.example")
		other, _ := e.signup("Other Co", "owner@other.example")
		sim := owner.must(201, "POST", "/api/v1/connections", map[string]any{"type": "simulator", "name": "S", "config": map[string]any{"delivery_delay_ms": 50}})["id"].(string)

		ws, _, err := dialEvents(t, e, owner, "", nil)
		if err != nil {
			t.Fatal(err)
		}
		defer ws.CloseNow()
		spy, _, err := dialEvents(t, e, other, "", nil)
		if err != nil {
			t.Fatal(err)
		}
		defer spy.CloseNow()

		owner.must(202, "POST", "/api/v1/connections/"+sim+"/simulate", map[string]any{"from": "+5511987654321", "text": "oi"})
		created := next(t, ws, "message.created")
		if created.Data["direction"] != "inbound" || created.Data["conversation_id"] == "" {
			t.Fatalf("event = %+v", created)
		}
		// A reply's ticks arrive live.
		sent := owner.must(202, "POST", "/api/v1/conversations/"+created.Data["conversation_id"].(string)+"/messages", map[string]any{"type": "text", "text": "olá"})
		for _, want := range []string{"sent", "delivered", "read"} {
			for {
				ev := next(t, ws, "message.status")
				if ev.Data["message_id"] == sent["id"] && ev.Data["status"] == want {
					break
				}
			}
		}
		// Another company hears nothing of it.
		ctx, cancel := context.WithTimeout(context.Background(), 300*time.Millisecond)
		_, b, err := spy.Read(ctx)
		cancel()
		if err == nil {
			t.Fatalf("another company received %s", b)
		}

		// Resuming: a client that saw the first event gets the rest again.
		again, _, err := dialEvents(t, e, owner, "?since="+jsonNumber(created.ID), nil)
		if err != nil {
			t.Fatal(err)
		}
		defer again.CloseNow()
		if ev := next(t, again, "message.created"); ev.ID <= created.ID {
			t.Fatalf("resumed at %d after %d", ev.ID, created.ID)
		}
		stale, _, err := dialEvents(t, e, owner, "?since=999999999", nil)
		if err != nil {
			t.Fatal(err)
		}
		defer stale.CloseNow()
		next(t, stale, "resync")

		// Browsers: the session cookie from this site works; another
		// site's page cannot open the feed with it.
		b2 := e.browser("owner@live.example", goodPassword)
		if _, _, err := dialEvents(t, e, b2, "", http.Header{"Origin": {e.srv.URL}}); err != nil {
			t.Fatalf("same-origin browser: %v", err)
		}
		if _, resp, err := dialEvents(t, e, b2, "", http.Header{"Origin": {"https://evil.example"}}); err == nil || resp == nil || resp.StatusCode != 403 {
			t.Fatalf("cross-origin browser was let in: %v", err)
		}
		if _, resp, err := dialEvents(t, e, e.anon(), "", nil); err == nil || resp.StatusCode != 401 {
			t.Fatalf("anonymous feed: %v", err)
		}
	})
}

func jsonNumber(n int64) string {
	b, _ := json.Marshal(n)
	return string(b)
}

// TestLiveEventsAreRoleAware proves admin-only events (import progress)
// reach admins and not agents, while inbox events reach both.
func TestLiveEventsAreRoleAware(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		e := setup(t, d)
		e.startJobs()
		owner, _ := e.signup("Roles Co", "owner@roles.example")
		agent, _ := e.invite(owner, "agent@roles.example", "agent")
		ows, _, err := dialEvents(t, e, owner, "", nil)
		if err != nil {
			t.Fatal(err)
		}
		defer ows.CloseNow()
		aws, _, err := dialEvents(t, e, agent, "", nil)
		if err != nil {
			t.Fatal(err)
		}
		defer aws.CloseNow()

		importCSV(t, owner, "Nome;Telefone\nAna;(11) 98888-1234\n", nil)
		if ev := next(t, ows, "import.progress"); ev.Data["import_id"] == "" {
			t.Fatalf("event = %+v", ev)
		}
		next(t, ows, "import.progress") // completed
		// A later event the agent may see: everything before it was
		// either delivered or filtered.
		bia := owner.must(201, "POST", "/api/v1/contacts", map[string]any{"phone": "+55 11 97777-1234"})
		owner.must(200, "PATCH", "/api/v1/contacts/"+bia["id"].(string), map[string]any{"name": "Bia"})
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		for {
			_, b, err := aws.Read(ctx)
			if err != nil {
				t.Fatalf("agent feed: %v", err)
			}
			var ev liveEvent
			_ = json.Unmarshal(b, &ev)
			if ev.Type == "import.progress" {
				t.Fatal("an agent received import progress")
			}
			if ev.Type == "contact.updated" {
				break
			}
		}
	})
}
