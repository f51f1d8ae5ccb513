package httpapi_test

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"math/rand/v2"
	"net/http"
	"net/http/httptest"
	"net/http/httputil"
	"net/url"
	"os"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/coder/websocket"

	"github.com/masteria/masteria/internal/channel/whatsappcloud/fakegraph"
	"github.com/masteria/masteria/internal/httpapi"
	"github.com/masteria/masteria/internal/ids"
	"github.com/masteria/masteria/internal/store/db"
	"github.com/masteria/masteria/internal/store/dbtest"
)

// The shared inbox's speed goals, one benchmark each. Like the others they
// run only with -bench, on SQLite and (with TEST_DATABASE_URL) PostgreSQL;
// their sizes default to the goals' and are set by MASTERIA_BENCH_* for
// quicker runs. Each reports the machine's load average when it ended
// (load_1m), since the figures mean little on a busy machine.
//
//	go test -c -o /tmp/httpapi.test ./internal/httpapi && cd internal/httpapi
//	/tmp/httpapi.test -test.run XXX -test.bench 'LiveFanout|ReplyDuringCampaign|InboxPages' -test.benchtime 1x

// benchInt reads a size from the environment.
func benchInt(name string, def int) int {
	if n, err := strconv.Atoi(os.Getenv(name)); err == nil && n > 0 {
		return n
	}
	return def
}

// eachDialect runs fn on a fresh database of each dialect, PostgreSQL only
// when TEST_DATABASE_URL is set.
func eachDialect(b *testing.B, fn func(b *testing.B, d *db.DB)) {
	for _, dialect := range []db.Dialect{db.SQLite, db.Postgres} {
		b.Run(dialect.String(), func(b *testing.B) {
			if dialect == db.Postgres && os.Getenv("TEST_DATABASE_URL") == "" {
				b.Skip("TEST_DATABASE_URL is not set")
			}
			for range b.N {
				fn(b, dbtest.Open(b, dialect))
			}
		})
	}
}

// unlimited lifts the API's per-company and per-key rate limits for b: a
// thousand browsers opening the feed at once is the set-up, not the test.
func unlimited(b *testing.B) {
	httpOptions[b] = httpapi.Options{CompanyRate: 1e6, CompanyBurst: 1e6, KeyRate: 1e6, KeyBurst: 1e6}
	b.Cleanup(func() { delete(httpOptions, b) })
}

// pct returns the p-th percentile (0-100) of sorted durations.
func pct(sorted []time.Duration, p float64) time.Duration {
	if len(sorted) == 0 {
		return 0
	}
	i := int(float64(len(sorted)) * p / 100)
	return sorted[min(i, len(sorted)-1)]
}

func ms(d time.Duration) float64 { return float64(d.Microseconds()) / 1000 }

// reportLoad records the one-minute load average.
func reportLoad(b *testing.B) {
	out, err := os.ReadFile("/proc/loadavg")
	if err != nil {
		return
	}
	if f := strings.Fields(string(out)); len(f) > 0 {
		if v, err := strconv.ParseFloat(f[0], 64); err == nil {
			b.ReportMetric(v, "load_1m")
		}
	}
}

// BenchmarkLiveFanout: an inbound message reaches every open browser of the
// company within 100 ms (p99) with 1,000 of them connected. Signed WhatsApp
// Cloud webhooks are posted one every MASTERIA_BENCH_INTERVAL_MS (100) from
// 50 customers; each of MASTERIA_BENCH_CLIENTS (1,000) WebSocket clients on
// /api/v1/events, authenticated with an API key, notes when its
// message.created arrives. The latency of a delivery runs from the start of
// the webhook POST to that moment: intake, processing, the hub (NOTIFY and
// LISTEN on PostgreSQL) and the WebSocket write, all on the same two cores
// as the clients. A client that falls behind and gets "resync" counts its
// missing events as missed.
//
//	MASTERIA_BENCH_MESSAGES=300 /tmp/httpapi.test -test.run XXX -test.bench LiveFanout/sqlite -test.benchtime 1x
func BenchmarkLiveFanout(b *testing.B) {
	eachDialect(b, func(b *testing.B, d *db.DB) {
		benchFanout(b, d, benchInt("MASTERIA_BENCH_CLIENTS", 1000), benchInt("MASTERIA_BENCH_MESSAGES", 300),
			time.Duration(benchInt("MASTERIA_BENCH_INTERVAL_MS", 100))*time.Millisecond)
	})
}

// arrival is one client's receipt of one message.created.
type arrival struct {
	messageID string
	at        time.Time
}

func benchFanout(b *testing.B, d *db.DB, clients, n int, interval time.Duration) {
	unlimited(b)
	e := setup(b, d)
	owner, _ := e.signup("Live Co", "owner@live.example")
	const pnid, secret = "123456789", "bench-secret"
	connID := owner.must(201, "POST", "/api/v1/connections", map[string]any{"type": "whatsapp_cloud", "name": "C",
		"config": map[string]any{"phone_number_id": pnid, "waba_id": "987654321", "access_token": "t", "app_secret": secret}})["id"].(string)
	key := owner.must(201, "POST", "/api/v1/api-keys", map[string]any{"name": "feed"})["key"].(string)

	// Open the feeds, 16 at a time.
	wsURL := "ws" + strings.TrimPrefix(e.srv.URL, "http") + "/api/v1/events"
	conns := make([]*websocket.Conn, clients)
	var dialErr atomic.Value
	var wg sync.WaitGroup
	sem := make(chan struct{}, 16)
	for i := range conns {
		wg.Add(1)
		sem <- struct{}{}
		go func() {
			defer wg.Done()
			defer func() { <-sem }()
			ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
			defer cancel()
			c, _, err := websocket.Dial(ctx, wsURL, &websocket.DialOptions{HTTPHeader: http.Header{"Authorization": {"Bearer " + key}}})
			if err != nil {
				dialErr.Store(err)
				return
			}
			conns[i] = c
		}()
	}
	wg.Wait()
	if err := dialErr.Load(); err != nil {
		b.Fatalf("opening the feeds: %v", err)
	}

	// Each client reads until it has seen n inbound message.created events.
	got := make([][]arrival, clients)
	var resyncs, readErrs atomic.Int64
	var done sync.WaitGroup
	readCtx, stopReading := context.WithCancel(context.Background())
	defer stopReading()
	created := []byte(`"message.created"`)
	for i, c := range conns {
		got[i] = make([]arrival, 0, n)
		done.Add(1)
		go func() {
			defer done.Done()
			for len(got[i]) < n {
				_, frame, err := c.Read(readCtx)
				at := time.Now()
				if err != nil {
					if readCtx.Err() == nil {
						readErrs.Add(1)
					}
					return
				}
				if !bytes.Contains(frame, created) {
					if bytes.Contains(frame, []byte(`"resync"`)) {
						resyncs.Add(1)
					}
					continue
				}
				var ev liveEvent
				if json.Unmarshal(frame, &ev) != nil || ev.Data["direction"] != "inbound" {
					continue
				}
				id, _ := ev.Data["message_id"].(string)
				got[i] = append(got[i], arrival{id, at})
			}
		}()
	}

	hooks := &http.Client{Transport: &http.Transport{MaxIdleConnsPerHost: 4}}
	hookURL := e.srv.URL + "/webhooks/whatsapp_cloud/" + connID
	posted := make(map[string]time.Time, n) // provider id -> start of its POST
	b.ResetTimer()
	tick := time.NewTicker(interval)
	for i := range n {
		wamid := fmt.Sprintf("wamid.live.%d", i)
		body := fakegraph.MessageWebhook(pnid, fmt.Sprintf("55119%08d", i%50), "Cliente", wamid, "Olá, alguém aí?", time.Now())
		req, _ := http.NewRequest("POST", hookURL, bytes.NewReader(body))
		req.Header.Set("X-Hub-Signature-256", fakegraph.Sign(secret, body))
		req.Header.Set("Content-Type", "application/json")
		posted[wamid] = time.Now()
		res, err := hooks.Do(req)
		if err != nil {
			b.Fatal(err)
		}
		io.Copy(io.Discard, res.Body)
		res.Body.Close()
		if res.StatusCode != 200 {
			b.Fatalf("webhook: %d", res.StatusCode)
		}
		<-tick.C
	}
	tick.Stop()
	finished := make(chan struct{})
	go func() { done.Wait(); close(finished) }()
	select {
	case <-finished:
	case <-time.After(30 * time.Second):
	}
	b.StopTimer()
	stopReading()
	<-finished
	for _, c := range conns {
		c.CloseNow()
	}

	// Our message ids back to the provider ids whose POST times we know.
	ctx := context.Background()
	rows, err := d.Query(ctx, `SELECT id, provider_message_id FROM messages WHERE direction = 'inbound'`)
	if err != nil {
		b.Fatal(err)
	}
	sentAt := map[string]time.Time{}
	for rows.Next() {
		var id, pid string
		if err := rows.Scan(&id, &pid); err != nil {
			b.Fatal(err)
		}
		sentAt[id] = posted[pid]
	}
	rows.Close()
	if len(sentAt) != n {
		b.Fatalf("%d inbound messages stored, want %d", len(sentAt), n)
	}
	var lat []time.Duration
	first, last := map[string]time.Time{}, map[string]time.Time{}
	for _, arrivals := range got {
		for _, a := range arrivals {
			t0, ok := sentAt[a.messageID]
			if !ok {
				b.Fatalf("event for unknown message %s", a.messageID)
			}
			lat = append(lat, a.at.Sub(t0))
			if f, ok := first[a.messageID]; !ok || a.at.Before(f) {
				first[a.messageID] = a.at
			}
			if a.at.After(last[a.messageID]) {
				last[a.messageID] = a.at
			}
		}
	}
	var spread, firstLat []time.Duration
	for id, f := range first {
		spread = append(spread, last[id].Sub(f))
		firstLat = append(firstLat, f.Sub(sentAt[id]))
	}
	slices.Sort(lat)
	slices.Sort(spread)
	slices.Sort(firstLat)
	missed := clients*n - len(lat)
	b.ReportMetric(float64(clients), "clients")
	b.ReportMetric(float64(len(lat)), "deliveries")
	b.ReportMetric(float64(missed), "missed")
	b.ReportMetric(float64(resyncs.Load()), "resyncs")
	b.ReportMetric(ms(pct(lat, 50)), "p50_ms")
	b.ReportMetric(ms(pct(lat, 99)), "p99_ms")
	b.ReportMetric(ms(lat[len(lat)-1]), "max_ms")
	// To the first client's copy of a message: the inbound path without
	// the fan-out; from it to the last one's: the fan-out's own share.
	b.ReportMetric(ms(pct(firstLat, 99)), "first_p99_ms")
	b.ReportMetric(ms(pct(spread, 99)), "spread_p99_ms")
	reportLoad(b)
	if missed > 0 || readErrs.Load() > 0 {
		b.Errorf("%d deliveries missed, %d feeds broke", missed, readErrs.Load())
	}
}

// BenchmarkReplyDuringCampaign: an agent's reply leaves within 1 s (p99)
// while a 100,000-recipient campaign runs on the same WhatsApp Cloud
// connection at its default rate (80 messages/s; the goal does not say the
// rate may be raised, so it is not). MASTERIA_BENCH_RECIPIENTS (100,000)
// opted-in contacts are written straight into the store; a campaign of an
// approved template to all of them is created and started through the API,
// so its feeder enqueues through the outbox's campaign lane as in
// production. After 3 s of campaign the agent sends MASTERIA_BENCH_REPLIES
// (100) replies through POST /api/v1/conversations/{id}/messages, one every
// 150 ms, to a customer who wrote first. Latency runs from the start of the
// POST to the moment the request reaches the provider: a recorder in front
// of fakegraph, which answers after 150 ms as Meta does in 100-300 ms (so a
// dozen calls are in flight). campaign_msgs/s counts the campaign's
// sends during the replies; with the replies they share the 80/s.
//
//	/tmp/httpapi.test -test.run XXX -test.bench ReplyDuringCampaign/sqlite -test.benchtime 1x
func BenchmarkReplyDuringCampaign(b *testing.B) {
	eachDialect(b, func(b *testing.B, d *db.DB) {
		benchReplies(b, d, benchInt("MASTERIA_BENCH_RECIPIENTS", 100_000), benchInt("MASTERIA_BENCH_REPLIES", 100))
	})
}

// providerLog notes when each call reaches the provider.
type providerLog struct {
	mu        sync.Mutex
	replies   map[string]time.Time // reply marker -> arrival
	campaign  []time.Time          // template sends
	recipient map[string]int       // campaign sends per number
}

var replyMarker = regexp.MustCompile(`reply-\d+`)

func (l *providerLog) front(target string) http.Handler {
	u, _ := url.Parse(target)
	proxy := httputil.NewSingleHostReverseProxy(u)
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		at := time.Now()
		body, _ := io.ReadAll(r.Body)
		r.Body = io.NopCloser(bytes.NewReader(body))
		if strings.HasSuffix(r.URL.Path, "/messages") {
			l.mu.Lock()
			if m := replyMarker.Find(body); m != nil {
				l.replies[string(m)] = at
			} else if bytes.Contains(body, []byte(`"template"`)) {
				l.campaign = append(l.campaign, at)
			}
			l.mu.Unlock()
		}
		proxy.ServeHTTP(w, r)
	})
}

func benchReplies(b *testing.B, d *db.DB, recipients, replies int) {
	g := fakegraph.New(b)
	g.SetLatency(150 * time.Millisecond)
	g.AddTemplate(fakegraph.Template{Name: "oferta", Language: "pt_BR", Category: "MARKETING",
		Components: json.RawMessage(`[{"type":"BODY","text":"Oferta da semana"}]`)})
	plog := &providerLog{replies: map[string]time.Time{}}
	front := httptest.NewServer(plog.front(g.URL()))
	b.Cleanup(front.Close)
	e := setup(b, d, withGraph(front.URL))
	owner, companyID := e.signup("Camp Co", "owner@camp.example")
	connID := owner.must(201, "POST", "/api/v1/connections", map[string]any{"type": "whatsapp_cloud", "name": "C", "config": cloudConfig(g, "sec")})["id"].(string)
	owner.must(200, "POST", "/api/v1/connections/"+connID+"/templates/sync", nil)

	// The customer the agent answers wrote first: the 24-hour window is open.
	if r := postHook(e.anon(), "/webhooks/whatsapp_cloud/"+connID, "sec", fakegraph.MessageWebhook(g.PhoneNumberID(), "5521987650000", "Ana", "wamid.hello", "Oi", time.Now())); r.status != 200 {
		b.Fatal(r.status)
	}
	var convID string
	for deadline := time.Now().Add(10 * time.Second); convID == "" && time.Now().Before(deadline); time.Sleep(20 * time.Millisecond) {
		if l := data(owner.must(200, "GET", "/api/v1/conversations", nil)); len(l) == 1 {
			convID = l[0].(map[string]any)["id"].(string)
		}
	}
	if convID == "" {
		b.Fatal("the customer's conversation did not open")
	}

	// The audience: contacts who opted in, written straight into the
	// store as an import leaves them; then a real campaign of an approved
	// template to all of them, started through the API: the audience is
	// frozen into campaign_recipients and the feeder keeps the outbox's
	// campaign lane two seconds ahead of the connection's rate.
	ctx := context.Background()
	seeded := seedAudience(b, d, companyID, recipients)
	campaign := owner.must(201, "POST", "/api/v1/campaigns", map[string]any{"name": "Black Friday", "connection_ids": []string{connID},
		"audience": map[string]any{"all": true}, "message": map[string]any{"type": "template", "template": map[string]any{"name": "oferta", "language": "pt_BR"}}})
	startAt := time.Now()
	owner.must(200, "POST", "/api/v1/campaigns/"+campaign["id"].(string)+"/start", nil)
	started := time.Since(startAt)
	var frozen int
	if err := d.QueryRow(ctx, `SELECT count(*) FROM campaign_recipients WHERE campaign_id = ? AND status <> 'skipped'`, campaign["id"]).Scan(&frozen); err != nil {
		b.Fatal(err)
	}
	if frozen != recipients {
		b.Fatalf("%d recipients to send to, want %d", frozen, recipients)
	}

	// Let the campaign reach its pace, then answer the customer.
	time.Sleep(3 * time.Second)
	b.ResetTimer()
	postedAt := make([]time.Time, replies)
	var accepted []time.Duration // until the 202: the reply is queued
	windowStart := time.Now()
	tick := time.NewTicker(150 * time.Millisecond)
	for i := range replies {
		postedAt[i] = time.Now()
		owner.must(202, "POST", "/api/v1/conversations/"+convID+"/messages", map[string]any{"type": "text", "text": fmt.Sprintf("Já vejo isso (reply-%d)", i)})
		accepted = append(accepted, time.Since(postedAt[i]))
		<-tick.C
	}
	tick.Stop()
	windowEnd := time.Now()
	deadline := time.Now().Add(15 * time.Second)
	for {
		plog.mu.Lock()
		n := len(plog.replies)
		plog.mu.Unlock()
		if n == replies || time.Now().After(deadline) {
			break
		}
		time.Sleep(20 * time.Millisecond)
	}
	b.StopTimer()

	plog.mu.Lock()
	var lat []time.Duration
	for i := range replies {
		if at, ok := plog.replies[fmt.Sprintf("reply-%d", i)]; ok {
			lat = append(lat, at.Sub(postedAt[i]))
		}
	}
	var during int
	for _, at := range plog.campaign {
		if !at.Before(windowStart) && at.Before(windowEnd) {
			during++
		}
	}
	campaignSent := len(plog.campaign)
	plog.mu.Unlock()
	var pending int
	if err := d.QueryRow(ctx, `SELECT count(*) FROM campaign_recipients WHERE status IN ('pending', 'queued')`).Scan(&pending); err != nil {
		b.Fatal(err)
	}
	slices.Sort(lat)
	b.ReportMetric(float64(len(lat)), "replies")
	b.ReportMetric(ms(pct(lat, 50)), "p50_ms")
	b.ReportMetric(ms(pct(lat, 99)), "p99_ms")
	b.ReportMetric(ms(lat[len(lat)-1]), "max_ms")
	// The POST's own share: the reply's transaction waits for the
	// database's writer, which the campaign's feeder and results share.
	slices.Sort(accepted)
	b.ReportMetric(ms(pct(accepted, 99)), "accepted_p99_ms")
	b.ReportMetric(float64(during)/windowEnd.Sub(windowStart).Seconds(), "campaign_msgs/s")
	b.ReportMetric(float64(campaignSent), "campaign_sent")
	b.ReportMetric(float64(pending), "campaign_left")
	b.ReportMetric(seeded.Seconds(), "seed_s")
	b.ReportMetric(started.Seconds(), "start_s")
	reportLoad(b)
	if len(lat) != replies {
		b.Errorf("%d of %d replies reached the provider", len(lat), replies)
	}
}

// BenchmarkInboxPages: the conversation list and a conversation's messages
// answer within 50 ms (p95) with 1,000,000 messages in the company.
// MASTERIA_BENCH_MESSAGES (1,000,000) messages are written straight into the
// store over one conversation per 50 messages (20,000 conversations and
// contacts; 70% resolved, 20% open, 10% pending), in time order round robin
// across the conversations, so that a conversation's messages lie spread
// over the whole table as in a busy inbox. The planner's statistics are then
// refreshed (db.Refresh, as an import ends). Every page is then asked for
// MASTERIA_BENCH_QUERIES (200) times through the HTTP API, as the owner
// with a bearer token (a page far over the goal stops after 10 s): the
// conversation list (first page, status=open, later pages by cursor, the
// inbox's assignee, team and label filters, the queue's sort=oldest and q
// search), a conversation's messages (first page, and the next by cursor)
// for conversations picked at random, and the tabs' counts.
//
//	/tmp/httpapi.test -test.run XXX -test.bench InboxPages/sqlite -test.benchtime 1x
func BenchmarkInboxPages(b *testing.B) {
	eachDialect(b, func(b *testing.B, d *db.DB) {
		benchPages(b, d, benchInt("MASTERIA_BENCH_MESSAGES", 1_000_000), benchInt("MASTERIA_BENCH_QUERIES", 200))
	})
}

func benchPages(b *testing.B, d *db.DB, total, queries int) {
	unlimited(b)
	e := setup(b, d)
	owner, companyID := e.signup("Inbox Co", "owner@inbox.example")
	connID := owner.must(201, "POST", "/api/v1/connections", map[string]any{"type": "whatsapp_cloud", "name": "C",
		"config": map[string]any{"phone_number_id": "123456789", "waba_id": "987654321", "access_token": "t", "app_secret": "s"}})["id"].(string)
	ownerID := owner.must(200, "GET", "/api/v1/me", nil)["user"].(map[string]any)["id"].(string)
	// Four agents (the owner one of them) share the conversations; a team
	// holds them; two labels, one on 30% of conversations, one on 1%.
	agents := []string{ownerID}
	for i := range 3 {
		_, id := e.invite(owner, fmt.Sprintf("agent%d@inbox.example", i), "agent")
		agents = append(agents, id)
	}
	teamID := owner.must(201, "POST", "/api/v1/teams", map[string]any{"name": "Suporte", "auto_assign": false, "member_ids": agents})["id"].(string)
	common := owner.must(201, "POST", "/api/v1/labels", map[string]any{"name": "pedido", "color": "#2563eb"})["id"].(string)
	rare := owner.must(201, "POST", "/api/v1/labels", map[string]any{"name": "vip", "color": "#16a34a"})["id"].(string)

	ctx := context.Background()
	const perConversation = 50
	nConv := max(1, total/perConversation)
	seedStart := time.Now()
	contactIDs, convIDs, assignee := make([]string, nConv), make([]string, nConv), make([]any, nConv)
	base := time.Now().UTC().Add(-time.Duration(total) * time.Second)
	texts := []string{"Oi, tudo bem?", "Quero saber do meu pedido", "Qual o prazo de entrega?", "Obrigado!", "Pode me mandar o boleto?"}
	// About one message in a thousand is a rarer one, which a search for
	// "comprovante" finds in about a thousand conversations (1009 and the
	// 20,000 conversations have no common factor, so they spread).
	textOf := func(k int) string {
		if k%1009 == 1008 {
			return fmt.Sprintf("Segue o comprovante %d", k)
		}
		return texts[k%len(texts)]
	}
	{
		var contactRows, addrRows, convRows, labelRows [][]any
		now := time.Now().UTC()
		for c := range nConv {
			contactIDs[c], convIDs[c] = ids.New(), ids.New()
			phone := fmt.Sprintf("+55119%08d", c)
			name := fmt.Sprintf("Pessoa %d", c)
			contactRows = append(contactRows, []any{contactIDs[c], companyID, phone, name, strings.ToLower(name + " " + phone + " "), now, now})
			addrRows = append(addrRows, []any{companyID, contactIDs[c], "phone", phone, now})
			// 70% resolved (each by an agent), 20% open and 10% pending,
			// of which a third wait unassigned in the queue.
			status := "resolved"
			var resolvedAt any = base.Add(time.Duration(total-nConv+c+1) * time.Second)
			switch c % 10 {
			case 0, 1:
				status, resolvedAt = "open", nil
			case 2:
				status, resolvedAt = "pending", nil
			}
			assignee[c] = agents[c%len(agents)]
			if status != "resolved" && c%3 == 0 {
				assignee[c] = nil
			}
			// The last message of conversation c is number total-nConv+c,
			// an inbound one.
			last := base.Add(time.Duration(total-nConv+c) * time.Second)
			convRows = append(convRows, []any{convIDs[c], companyID, connID, contactIDs[c], status, c % 4, last, last,
				fmt.Sprintf("20261125-%06d", c+1), assignee[c], teamID, resolvedAt, "text", textOf(total - nConv + c), "inbound", now, now})
			if c%10 < 3 {
				labelRows = append(labelRows, []any{convIDs[c], common, companyID})
			}
			if c%100 == 7 {
				labelRows = append(labelRows, []any{convIDs[c], rare, companyID})
			}
		}
		err := d.InTx(ctx, func(tx *db.Tx) error {
			if err := db.BulkLoad(ctx, tx); err != nil {
				return err
			}
			if err := db.CopyRows(ctx, tx, "contacts", []string{"id", "company_id", "phone", "name", "search", "created_at", "updated_at"}, contactRows); err != nil {
				return err
			}
			if err := db.CopyRows(ctx, tx, "contact_addresses", []string{"company_id", "contact_id", "kind", "value", "created_at"}, addrRows); err != nil {
				return err
			}
			if err := db.CopyRows(ctx, tx, "conversations", []string{"id", "company_id", "connection_id", "contact_id", "status", "unread_count",
				"last_message_at", "last_inbound_at", "protocol", "assignee_id", "team_id", "resolved_at", "last_message_type", "last_message_text",
				"last_message_direction", "created_at", "updated_at"}, convRows); err != nil {
				return err
			}
			return db.CopyRows(ctx, tx, "conversation_labels", []string{"conversation_id", "label_id", "company_id"}, labelRows)
		})
		if err != nil {
			b.Fatal(err)
		}
	}
	const batch = 50_000
	for start := 0; start < total; start += batch {
		rows := make([][]any, 0, batch)
		for k := start; k < min(start+batch, total); k++ {
			c := k % nConv
			at := base.Add(time.Duration(k) * time.Second)
			// Inbound and agents' answers take turns; the last is inbound.
			dir, status, source := "inbound", "received", ""
			var sentAt, readAt, author any
			if (perConversation-1-k/nConv)%2 == 1 {
				dir, status, source, sentAt, readAt, author = "outbound", "read", "agent", at, at, assignee[c]
			}
			rows = append(rows, []any{ids.New(), companyID, convIDs[c], contactIDs[c], connID, dir, "text", textOf(k), "{}", status,
				fmt.Sprintf("wamid.seed.%d", k), "", "", 0, source, author, sentAt, readAt, at})
		}
		err := d.InTx(ctx, func(tx *db.Tx) error {
			if err := db.BulkLoad(ctx, tx); err != nil {
				return err
			}
			return db.CopyRows(ctx, tx, "messages", []string{"id", "company_id", "conversation_id", "contact_id", "connection_id", "direction", "type", "text",
				"content", "status", "provider_message_id", "reply_to", "media_status", "lane", "source", "author_id", "sent_at", "read_at", "created_at"}, rows)
		})
		if err != nil {
			b.Fatal(err)
		}
	}
	if err := d.Refresh(ctx, "contacts", "contact_addresses", "conversations", "conversation_labels", "messages"); err != nil {
		b.Fatal(err)
	}
	seeded := time.Since(seedStart)

	// What the pages need: cursors of later list pages and of conversations'
	// second message pages, for random conversations.
	rng := rand.New(rand.NewPCG(1, 2))
	pick := make([]string, 50)
	for i := range pick {
		pick[i] = convIDs[rng.IntN(nConv)]
	}
	var listCursors, openCursors []string
	cur := ""
	for range 20 {
		m := owner.must(200, "GET", "/api/v1/conversations?cursor="+url.QueryEscape(cur), nil)
		cur, _ = m["next_cursor"].(string)
		listCursors = append(listCursors, cur)
	}
	cur = ""
	for range 5 {
		m := owner.must(200, "GET", "/api/v1/conversations?status=open&cursor="+url.QueryEscape(cur), nil)
		cur, _ = m["next_cursor"].(string)
		openCursors = append(openCursors, cur)
	}
	msgCursors := make([]string, len(pick))
	for i, id := range pick {
		m := owner.must(200, "GET", "/api/v1/conversations/"+id+"/messages", nil)
		if len(data(m)) != 50 {
			b.Fatalf("conversation %s: %d messages on its first page", id, len(data(m)))
		}
		msgCursors[i], _ = m["next_cursor"].(string)
	}

	pages := []benchPage{
		{"list", func(int) string { return "/api/v1/conversations" }},
		{"list_open", func(int) string { return "/api/v1/conversations?status=open" }},
		{"list_cursor", func(i int) string {
			return "/api/v1/conversations?cursor=" + url.QueryEscape(listCursors[i%len(listCursors)])
		}},
		{"list_open_cursor", func(i int) string {
			return "/api/v1/conversations?status=open&cursor=" + url.QueryEscape(openCursors[i%len(openCursors)])
		}},
		{"messages", func(i int) string { return "/api/v1/conversations/" + pick[i%len(pick)] + "/messages" }},
		{"messages_cursor", func(i int) string {
			return "/api/v1/conversations/" + pick[i%len(pick)] + "/messages?cursor=" + url.QueryEscape(msgCursors[i%len(pick)])
		}},
	}
	// The inbox's tabs and filters (docs/inbox-api.md).
	for _, f := range []struct{ name, query string }{
		{"list_mine", "assignee=me"},
		{"list_unassigned", "assignee=unassigned"},
		{"list_mine_open", "assignee=me&status=open"},
		{"list_team", "team_id=" + teamID},
		{"list_label", "label=" + common},
		{"list_label_rare", "label=" + rare},
		{"list_oldest_unassigned", "sort=oldest&assignee=unassigned&status=open"},
		{"search_contact", "q=" + url.QueryEscape(fmt.Sprintf("Pessoa %d", nConv/2))},
		{"search_text", "q=boleto"},
		{"search_missing", "q=" + url.QueryEscape("nada disso")},
		{"search_rare_text", "q=comprovante"},
		{"search_short", "q=bo"},
	} {
		pages = append(pages, benchPage{f.name, func(int) string { return "/api/v1/conversations?" + f.query }})
	}
	// Not a page, but every inbox load asks for it: the tabs' counts.
	pages = append(pages, benchPage{"counts", func(int) string { return "/api/v1/conversations/counts" }})

	b.ResetTimer()
	for _, p := range pages {
		lat := make([]time.Duration, 0, queries)
		// A page far over the goal stops after 10 s (and 10 samples).
		stop := time.Now().Add(10 * time.Second)
		for i := range queries {
			if i >= 10 && time.Now().After(stop) {
				b.Logf("%s: %d samples in 10 s", p.name, i)
				break
			}
			path := p.path(i)
			t0 := time.Now()
			r := owner.do("GET", path, nil)
			lat = append(lat, time.Since(t0))
			if r.status != 200 {
				b.Fatalf("GET %s: %d %s", path, r.status, r.body)
			}
		}
		slices.Sort(lat)
		b.ReportMetric(ms(pct(lat, 50)), p.name+"_p50_ms")
		b.ReportMetric(ms(pct(lat, 95)), p.name+"_p95_ms")
	}
	b.StopTimer()
	b.ReportMetric(float64(total), "messages")
	b.ReportMetric(seeded.Seconds(), "seed_s")
	reportLoad(b)
}

// benchPage is one API page the inbox benchmark times.
type benchPage struct {
	name string
	path func(i int) string
}
