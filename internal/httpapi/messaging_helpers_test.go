package httpapi_test

import (
	"bytes"
	"fmt"
	"net/url"
	"testing"
	"time"

	"github.com/masteria/masteria/internal/channel/whatsappcloud/fakegraph"
)

// eventually retries check until it passes or five seconds go by.
func eventually(t *testing.T, what string, check func() bool) {
	t.Helper()
	eventuallyWithin(t, 5*time.Second, what, check)
}

// eventuallyWithin waits up to d for check; for waits whose shortest time
// is already seconds (a paced run), so a busy machine does not fail them.
func eventuallyWithin(t *testing.T, d time.Duration, what string, check func() bool) {
	t.Helper()
	deadline := time.Now().Add(d)
	for time.Now().Before(deadline) {
		if check() {
			return
		}
		time.Sleep(15 * time.Millisecond)
	}
	t.Fatalf("timed out waiting for %s", what)
}

func data(m map[string]any) []any {
	d, _ := m["data"].([]any)
	return d
}

// waitConversations waits until the filter lists n conversations.
func waitConversations(t *testing.T, c *client, query url.Values, n int) []any {
	t.Helper()
	var got []any
	eventually(t, fmt.Sprintf("%d conversations (%s)", n, query.Encode()), func() bool {
		got = data(c.must(200, "GET", "/api/v1/conversations?"+query.Encode(), nil))
		return len(got) == n
	})
	return got
}

func messagesOf(t *testing.T, c *client, conversationID string) []any {
	t.Helper()
	return data(c.must(200, "GET", "/api/v1/conversations/"+conversationID+"/messages", nil))
}

// postHook sends a signed delivery to a webhook path.
func postHook(c *client, path, secret string, body []byte) resp {
	return c.raw("POST", path, bytes.NewReader(body), map[string]string{"X-Hub-Signature-256": fakegraph.Sign(secret, body)})
}

type messagingSeed struct {
	simulator, cloud, conversation, message, template, event string
	team, label, canned, note, campaign                      string
}

// seedMessaging gives a company one of every messaging object: a Simulator
// and a Cloud connection, a conversation with a message, a template and a
// failed webhook event.
func seedMessaging(t *testing.T, e *env, owner *client, companyID string) messagingSeed {
	t.Helper()
	var s messagingSeed
	s.simulator = owner.must(201, "POST", "/api/v1/connections", map[string]any{"type": "simulator", "name": "Alpha Phone",
		"config": map[string]any{"delivery_delay_ms": 10}})["id"].(string)
	s.cloud = owner.must(201, "POST", "/api/v1/connections", map[string]any{"type": "whatsapp_cloud", "name": "Alpha Cloud",
		"config": map[string]any{"phone_number_id": "1111111111", "waba_id": "2222222222", "access_token": "alpha-token",
			"app_secret": "alpha-app-secret", "verify_token": "alpha-verify"}})["id"].(string)
	owner.must(202, "POST", "/api/v1/connections/"+s.simulator+"/simulate", map[string]any{"from": "+55 11 98765-2222", "name": "Alpha Customer Two", "text": "Alpha hello"})
	conv := waitConversations(t, owner, url.Values{"connection_id": {s.simulator}}, 1)[0].(map[string]any)
	s.conversation = conv["id"].(string)
	s.message = messagesOf(t, owner, s.conversation)[0].(map[string]any)["id"].(string)
	s.template = owner.must(201, "POST", "/api/v1/connections/"+s.simulator+"/templates", map[string]any{"name": "alpha_welcome",
		"language": "pt_BR", "category": "UTILITY", "components": []any{map[string]any{"type": "BODY", "text": "Alpha hello"}}})["id"].(string)
	// The Simulator's review arrives later: wait for it, so that nothing
	// changes the company's rows after seeding.
	eventually(t, "the template review", func() bool {
		for _, tp := range data(owner.must(200, "GET", "/api/v1/connections/"+s.simulator+"/templates", nil)) {
			if tp.(map[string]any)["status"] == "APPROVED" {
				return true
			}
		}
		return false
	})
	s.team = owner.must(201, "POST", "/api/v1/teams", map[string]any{"name": "Alpha Team", "auto_assign": false})["id"].(string)
	s.label = owner.must(201, "POST", "/api/v1/labels", map[string]any{"name": "alpha-label", "color": "#ff0000"})["id"].(string)
	s.canned = owner.must(201, "POST", "/api/v1/canned-responses", map[string]any{"shortcut": "alphahi", "text": "Alpha canned {{contact.name}}"})["id"].(string)
	owner.must(200, "PATCH", "/api/v1/conversations/"+s.conversation, map[string]any{"team_id": s.team, "label_ids": []string{s.label}})
	s.note = owner.must(201, "POST", "/api/v1/conversations/"+s.conversation+"/messages", map[string]any{"type": "note", "text": "Alpha note"})["id"].(string)
	s.campaign = owner.must(201, "POST", "/api/v1/campaigns", map[string]any{"name": "Alpha campaign", "connection_ids": []string{s.simulator},
		"audience": map[string]any{"all": true}, "message": map[string]any{"type": "text", "text": "Alpha promo"}})["id"].(string)
	bad := fakegraph.MessageWebhook("1111111111", "not-a-number", "Alpha Nobody", "wamid.alpha-bad", "Alpha hello", time.Now())
	if r := postHook(e.anon(), "/webhooks/whatsapp_cloud/"+s.cloud, "alpha-app-secret", bad); r.status != 200 {
		t.Fatalf("seed webhook: %d %s", r.status, r.body)
	}
	eventually(t, "the failed event", func() bool {
		evs := data(owner.must(200, "GET", "/api/v1/webhook-events?status=failed", nil))
		if len(evs) == 1 {
			s.event = evs[0].(map[string]any)["id"].(string)
		}
		return s.event != ""
	})
	return s
}
