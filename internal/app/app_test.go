package app_test

import (
	"context"
	"crypto/rand"
	"encoding/base64"
	"io"
	"log/slog"
	"net"
	"net/http"
	"testing"
	"time"

	"github.com/masteria/masteria/internal/app"
	"github.com/masteria/masteria/internal/config"
	"github.com/masteria/masteria/internal/store/dbtest"
)

// TestServeAnswersAndShutsDownGracefully starts the whole product on a
// loopback port, waits for /readyz, then stops it through its context.
func TestServeAnswersAndShutsDownGracefully(t *testing.T) {
	key := make([]byte, 32)
	_, _ = rand.Read(key)
	cfg, err := config.Load([]string{"MASTERIA_DATA_DIR=" + t.TempDir(), "MASTERIA_ENCRYPTION_KEY=" + base64.StdEncoding.EncodeToString(key)}, nil)
	if err != nil {
		t.Fatal(err)
	}
	logger := slog.New(slog.NewTextHandler(io.Discard, nil))
	a, err := app.New(context.Background(), cfg, dbtest.SQLite(t), logger, app.Options{})
	if err != nil {
		t.Fatal(err)
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- a.Serve(ctx, ln) }()
	url := "http://" + ln.Addr().String() + "/readyz"
	deadline := time.Now().Add(5 * time.Second)
	for {
		res, err := http.Get(url)
		if err == nil {
			res.Body.Close()
			if res.StatusCode == 200 {
				break
			}
		}
		if time.Now().After(deadline) {
			t.Fatalf("never ready: %v", err)
		}
		time.Sleep(20 * time.Millisecond)
	}
	cancel()
	select {
	case err := <-done:
		if err != nil {
			t.Fatalf("shutdown: %v", err)
		}
	case <-time.After(25 * time.Second):
		t.Fatal("server did not stop")
	}
	if _, err := http.Get(url); err == nil {
		t.Fatal("still answering after shutdown")
	}
}
