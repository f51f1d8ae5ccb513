package whatsappcloud_test

import (
	"context"
	"errors"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/masteria/masteria/internal/channel"
	"github.com/masteria/masteria/internal/channel/whatsappcloud"
	"github.com/masteria/masteria/internal/channel/whatsappcloud/fakegraph"
)

var hello = channel.Outbound{To: "5511999998888", Type: "text", Text: "hi"}

func TestSendErrorsAreClassified(t *testing.T) {
	tests := []struct {
		name   string
		status int
		code   int
		want   channel.Class
	}{
		{"throughput", 400, 130429, channel.RetryLater},
		{"pair rate", 400, 131056, channel.BackOffRecipient},
		{"outside the window", 400, 131047, channel.NeedsTemplate},
		{"spam limit", 400, 131048, channel.PauseSending},
		{"undeliverable", 400, 131026, channel.Permanent},
		{"marketing stopped", 400, 131050, channel.Permanent},
		{"healthy ecosystem", 400, 131049, channel.Permanent},
		{"bad parameter", 400, 100, channel.FixRequest},
		{"Meta down", 500, 131000, channel.RetryLater},
		{"unknown 5xx", 503, 1234567, channel.RetryLater},
		{"unknown 4xx", 400, 1234567, channel.FixRequest},
	}
	g, c := setup(t)
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			g.FailNext(1, tt.status, tt.code)
			_, err := c.Send(context.Background(), hello)
			var ce *channel.Error
			if !errors.As(err, &ce) {
				t.Fatalf("got %v, want a *channel.Error", err)
			}
			if ce.Class != tt.want || ce.Code != tt.code || ce.Status != tt.status || ce.Message == "" || ce.Meaning == "" {
				t.Fatalf("got %+v", ce)
			}
		})
	}
	if _, err := c.Send(context.Background(), hello); err != nil {
		t.Fatalf("after the burst: %v", err)
	}
}

func TestFailToOneRecipient(t *testing.T) {
	g, c := setup(t)
	g.FailTo("5511000000000", 131026)
	_, err := c.Send(context.Background(), channel.Outbound{To: "5511000000000", Type: "text", Text: "hi"})
	var ce *channel.Error
	if !errors.As(err, &ce) || ce.Code != 131026 || ce.Class != channel.Permanent {
		t.Fatalf("got %v", err)
	}
	if _, err := c.Send(context.Background(), hello); err != nil {
		t.Fatalf("another recipient: %v", err)
	}
}

func TestWrongTokenNeedsAttention(t *testing.T) {
	g := fakegraph.New(t)
	c := whatsappcloud.New(whatsappcloud.Config{BaseURL: g.URL(), AccessToken: "stale", PhoneNumberID: g.PhoneNumberID()})
	_, err := c.Send(context.Background(), hello)
	var ce *channel.Error
	if !errors.As(err, &ce) || ce.Class != channel.NeedsAttention || ce.Status != http.StatusUnauthorized || ce.Code != 190 {
		t.Fatalf("got %v", err)
	}
	if strings.Contains(err.Error(), "stale") {
		t.Fatalf("the token leaked into the error: %v", err)
	}
}

func TestTimeoutIsRetryLater(t *testing.T) {
	g, c := setup(t)
	g.SetTimeout(true)
	ctx, cancel := context.WithTimeout(context.Background(), 50*time.Millisecond)
	defer cancel()
	start := time.Now()
	_, err := c.Send(ctx, hello)
	var ce *channel.Error
	if !errors.As(err, &ce) || ce.Class != channel.RetryLater || ce.Code != 0 {
		t.Fatalf("got %v", err)
	}
	if !errors.Is(err, context.DeadlineExceeded) {
		t.Fatalf("the cause is lost: %v", err)
	}
	if time.Since(start) > 5*time.Second {
		t.Fatal("the deadline was not honoured")
	}
	g.SetTimeout(false)
	if _, err := c.Send(context.Background(), hello); err != nil {
		t.Fatal(err)
	}
}

func TestLatencyAndDeadline(t *testing.T) {
	g, c := setup(t)
	g.SetLatency(30 * time.Millisecond)
	start := time.Now()
	if _, err := c.Send(context.Background(), hello); err != nil {
		t.Fatal(err)
	}
	if time.Since(start) < 30*time.Millisecond {
		t.Fatal("latency not applied")
	}
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Millisecond)
	defer cancel()
	if _, err := c.Send(ctx, hello); !errors.Is(err, context.DeadlineExceeded) {
		t.Fatalf("got %v", err)
	}
}

func TestUnreachableIsRetryLater(t *testing.T) {
	g := fakegraph.New(nil)
	url := g.URL()
	g.Close()
	c := whatsappcloud.New(whatsappcloud.Config{BaseURL: url, AccessToken: "t", PhoneNumberID: "1"})
	_, err := c.Send(context.Background(), hello)
	var ce *channel.Error
	if !errors.As(err, &ce) || ce.Class != channel.RetryLater {
		t.Fatalf("got %v", err)
	}
}

func TestConfigDefaultsAndVersion(t *testing.T) {
	g := fakegraph.New(t)
	c := whatsappcloud.New(whatsappcloud.Config{BaseURL: g.URL() + "/", Version: "v24.0", AccessToken: g.Token(), PhoneNumberID: g.PhoneNumberID()})
	if _, err := c.Send(context.Background(), hello); err != nil {
		t.Fatal(err)
	}
	if p := g.Requests()[0].Path; p != "/v24.0/"+g.PhoneNumberID()+"/messages" {
		t.Fatalf("path %s", p)
	}
}

func TestPhoneNumber(t *testing.T) {
	g, c := setup(t)
	g.SetQuality("YELLOW")
	info, err := c.PhoneNumber(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	want := whatsappcloud.NumberInfo{
		ID: g.PhoneNumberID(), DisplayPhoneNumber: fakegraph.DisplayPhoneNumber, VerifiedName: "Masteria Test",
		QualityRating: "YELLOW", Throughput: "STANDARD", MessagingLimit: "TIER_2K",
	}
	if info != want {
		t.Fatalf("got %+v\nwant %+v", info, want)
	}
	r := g.Requests()[0]
	if r.Method != "GET" || r.Query.Get("fields") == "" {
		t.Fatalf("%s %v", r.Method, r.Query)
	}
}

func TestPhoneNumberUnknown(t *testing.T) {
	g := fakegraph.New(t)
	c := whatsappcloud.New(whatsappcloud.Config{BaseURL: g.URL(), AccessToken: g.Token(), PhoneNumberID: "999"})
	_, err := c.PhoneNumber(context.Background())
	var ce *channel.Error
	if !errors.As(err, &ce) || ce.Code != 100 || ce.Subcode != 33 || ce.Class != channel.FixRequest {
		t.Fatalf("got %v", err)
	}
}

func TestTemplateSendNeedsApproval(t *testing.T) {
	g, c := setup(t)
	msg := channel.Outbound{To: "5511999998888", Type: "template", Template: &channel.TemplateMessage{Name: "promo", Language: "pt_BR"}}
	g.AddTemplate(fakegraph.Template{Name: "promo", Language: "pt_BR", Category: "MARKETING", Status: "PENDING"})
	_, err := c.Send(context.Background(), msg)
	var ce *channel.Error
	if !errors.As(err, &ce) || ce.Code != 132001 || ce.Class != channel.FixRequest {
		t.Fatalf("got %v", err)
	}
	g.Approve("promo")
	if _, err := c.Send(context.Background(), msg); err != nil {
		t.Fatal(err)
	}
}
