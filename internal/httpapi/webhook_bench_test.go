package httpapi_test

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"slices"
	"strconv"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/masteria/masteria/internal/channel/whatsappcloud"
	"github.com/masteria/masteria/internal/channel/whatsappcloud/fakegraph"
	"github.com/masteria/masteria/internal/conversations"
	"github.com/masteria/masteria/internal/store/db"
	"github.com/masteria/masteria/internal/store/dbtest"
)

// BenchmarkWebhookIntake posts signed WhatsApp Cloud webhooks as Meta would
// (three delivery reports per inbound message, from 64 connections at once)
// and measures how many are acknowledged per second, with the raw event
// durably committed before each 200, and their latency; then how fast the
// processor drains the backlog. The same load against a bare handler that
// only checks the signature gives the ratio.
//
//	MASTERIA_BENCH_WEBHOOKS=20000 go test -run XXX -bench WebhookIntake -benchtime 1x ./internal/httpapi
func BenchmarkWebhookIntake(b *testing.B) {
	n := 20000
	if v := os.Getenv("MASTERIA_BENCH_WEBHOOKS"); v != "" {
		n, _ = strconv.Atoi(v)
	}
	for _, dialect := range []db.Dialect{db.SQLite, db.Postgres} {
		b.Run(dialect.String(), func(b *testing.B) {
			if dialect == db.Postgres && os.Getenv("TEST_DATABASE_URL") == "" {
				b.Skip("TEST_DATABASE_URL is not set")
			}
			for range b.N {
				benchWebhooks(b, dbtest.Open(b, dialect), n)
			}
		})
	}
}

func benchWebhooks(b *testing.B, d *db.DB, n int) {
	e := setup(b, d)
	owner, companyID := e.signup("Bench Co", "owner@bench.example")
	const pnid, secret = "123456789", "bench-secret"
	connID := owner.must(201, "POST", "/api/v1/connections", map[string]any{"type": "whatsapp_cloud", "name": "C",
		"config": map[string]any{"phone_number_id": pnid, "waba_id": "987654321", "access_token": "t", "app_secret": secret}})["id"].(string)

	// Outbound messages for the reports to move, as the outbox leaves them.
	ctx := context.Background()
	reports := n * 3 / 4
	sentMessages := reports / 3
	var convID, contactID string
	err := d.InTx(ctx, func(tx *db.Tx) error {
		var err error
		if contactID, _, err = e.app.Contacts.Resolve(ctx, tx, companyID, "BR", "5511900000000", "Bench"); err != nil {
			return err
		}
		found, err := conversations.FindOrOpen(ctx, tx, companyID, connID, contactID, time.Now(), true)
		if err != nil {
			return err
		}
		convID = found.ID
		for i := range sentMessages {
			if _, _, err := conversations.Insert(ctx, tx, conversations.NewMessage{CompanyID: companyID, ConversationID: convID, ContactID: contactID,
				ConnectionID: connID, Direction: "outbound", Type: "text", Text: "campanha", Status: "sent",
				ProviderMessageID: fmt.Sprintf("wamid.out.%d", i), At: time.Now()}); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		b.Fatal(err)
	}
	bodies := make([][]byte, 0, n)
	t0 := time.Now().Add(-time.Hour)
	statuses := []string{"sent", "delivered", "read"}
	for i := range n {
		if i%4 == 3 {
			from := fmt.Sprintf("55119%08d", i%2000)
			bodies = append(bodies, fakegraph.MessageWebhook(pnid, from, "Cliente", fmt.Sprintf("wamid.in.%d", i), "Olá, quero saber do pedido", t0.Add(time.Duration(i)*time.Millisecond)))
		} else {
			k := i - i/4
			bodies = append(bodies, fakegraph.StatusWebhook(pnid, fmt.Sprintf("wamid.out.%d", (k/3)%sentMessages), statuses[k%3], t0.Add(time.Duration(i)*time.Millisecond), 0))
		}
	}
	sigs := make([]string, n)
	for i, body := range bodies {
		sigs[i] = fakegraph.Sign(secret, body)
	}

	url := e.srv.URL + "/webhooks/whatsapp_cloud/" + connID
	b.ResetTimer()
	start := time.Now()
	rate, p50, p99 := hammer(b, url, bodies, sigs)
	acked := time.Now()
	for {
		var backlog int
		if err := d.QueryRow(ctx, `SELECT count(*) FROM webhook_events WHERE status = 'received'`).Scan(&backlog); err != nil {
			b.Fatal(err)
		}
		if backlog == 0 {
			break
		}
		time.Sleep(100 * time.Millisecond)
	}
	drain := time.Since(acked)
	b.StopTimer()
	var processed, failed int
	_ = d.QueryRow(ctx, `SELECT count(*) FROM webhook_events WHERE status = 'processed'`).Scan(&processed)
	_ = d.QueryRow(ctx, `SELECT count(*) FROM webhook_events WHERE status = 'failed'`).Scan(&failed)
	if processed != n || failed != 0 {
		b.Fatalf("processed %d, failed %d of %d", processed, failed, n)
	}

	bare := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body, _ := io.ReadAll(http.MaxBytesReader(w, r.Body, 4<<20))
		if !whatsappcloud.VerifySignature(secret, body, r.Header.Get("X-Hub-Signature-256")) {
			w.WriteHeader(401)
			return
		}
		w.WriteHeader(200)
	}))
	defer bare.Close()
	bareRate, _, bareP99 := hammer(b, bare.URL, bodies, sigs)

	b.ReportMetric(rate, "acks/s")
	b.ReportMetric(float64(p50.Microseconds())/1000, "p50_ms")
	b.ReportMetric(float64(p99.Microseconds())/1000, "p99_ms")
	// Processing runs while the deliveries arrive; this is its rate over the
	// whole run, from the first request to an empty backlog.
	b.ReportMetric(float64(n)/(acked.Sub(start)+drain).Seconds(), "processed/s")
	b.ReportMetric(float64(drain.Milliseconds()), "drain_after_last_ack_ms")
	b.ReportMetric(bareRate, "bare_acks/s")
	b.ReportMetric(float64(bareP99.Microseconds())/1000, "bare_p99_ms")
	b.ReportMetric(rate/bareRate, "ratio")
}

// hammer posts every body once from 64 concurrent senders and returns the
// rate of 200s and the latency percentiles.
func hammer(b *testing.B, url string, bodies [][]byte, sigs []string) (rate float64, p50, p99 time.Duration) {
	const senders = 64
	client := &http.Client{Transport: &http.Transport{MaxIdleConnsPerHost: senders, MaxConnsPerHost: senders}}
	lat := make([]time.Duration, len(bodies))
	var next atomic.Int64
	var wg sync.WaitGroup
	var failures atomic.Int64
	start := time.Now()
	for range senders {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for {
				i := int(next.Add(1) - 1)
				if i >= len(bodies) {
					return
				}
				req, _ := http.NewRequest("POST", url, bytes.NewReader(bodies[i]))
				req.Header.Set("X-Hub-Signature-256", sigs[i])
				req.Header.Set("Content-Type", "application/json")
				t := time.Now()
				resp, err := client.Do(req)
				if err != nil {
					failures.Add(1)
					continue
				}
				io.Copy(io.Discard, resp.Body)
				resp.Body.Close()
				lat[i] = time.Since(t)
				if resp.StatusCode != 200 {
					failures.Add(1)
				}
			}
		}()
	}
	wg.Wait()
	elapsed := time.Since(start)
	if f := failures.Load(); f > 0 {
		b.Fatalf("%d requests failed", f)
	}
	slices.Sort(lat)
	return float64(len(bodies)) / elapsed.Seconds(), lat[len(lat)/2], lat[len(lat)*99/100]
}
