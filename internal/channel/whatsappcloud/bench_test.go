package whatsappcloud_test

import (
	"context"
	"os"
	"path/filepath"
	"testing"

	"github.com/masteria/masteria/internal/channel"
	"github.com/masteria/masteria/internal/channel/whatsappcloud"
	"github.com/masteria/masteria/internal/channel/whatsappcloud/fakegraph"
)

func BenchmarkSendText(b *testing.B) {
	g := fakegraph.New(b)
	c := whatsappcloud.New(whatsappcloud.Config{BaseURL: g.URL(), AccessToken: g.Token(), PhoneNumberID: g.PhoneNumberID()})
	m := channel.Outbound{To: "5511999998888", Type: "text", Text: "Olá"}
	b.ReportAllocs()
	for b.Loop() {
		if _, err := c.Send(context.Background(), m); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkParse(b *testing.B) {
	body, err := os.ReadFile(filepath.Join("testdata", "webhooks", "multi.json"))
	if err != nil {
		b.Fatal(err)
	}
	b.SetBytes(int64(len(body)))
	b.ReportAllocs()
	for b.Loop() {
		if _, err := whatsappcloud.Parse(body); err != nil {
			b.Fatal(err)
		}
	}
}
