package whatsappcloud_test

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"mime"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/masteria/masteria/internal/channel"
	"github.com/masteria/masteria/internal/channel/whatsappcloud"
)

func TestMediaRoundTrip(t *testing.T) {
	g, c := setup(t)
	ctx := context.Background()
	data := bytes.Repeat([]byte("%PDF-1.7 fake "), 1000)
	id, err := c.UploadMedia(ctx, bytes.NewReader(data), "nota.pdf", "application/pdf")
	if err != nil {
		t.Fatal(err)
	}
	r := g.Requests()[0]
	if r.Method != "POST" || r.Path != "/v25.0/"+g.PhoneNumberID()+"/media" {
		t.Fatalf("%s %s", r.Method, r.Path)
	}
	if mt, _, _ := mime.ParseMediaType(r.Header.Get("Content-Type")); mt != "multipart/form-data" {
		t.Fatalf("Content-Type %s", mt)
	}
	stored, mt, ok := g.Media(id)
	if !ok || !bytes.Equal(stored, data) || mt != "application/pdf" {
		t.Fatalf("stored %d bytes of %s (%v)", len(stored), mt, ok)
	}

	info, err := c.MediaInfo(ctx, id)
	if err != nil {
		t.Fatal(err)
	}
	sum := sha256.Sum256(data)
	if info.ID != id || info.MimeType != "application/pdf" || info.FileSize != int64(len(data)) ||
		info.SHA256 != hex.EncodeToString(sum[:]) || !strings.HasPrefix(info.URL, g.URL()) {
		t.Fatalf("info %+v", info)
	}

	var buf bytes.Buffer
	n, err := c.DownloadMedia(ctx, info.URL, whatsappcloud.MaxMediaSize["document"], &buf)
	if err != nil {
		t.Fatal(err)
	}
	if n != int64(len(data)) || !bytes.Equal(buf.Bytes(), data) {
		t.Fatalf("downloaded %d bytes", n)
	}
	last := g.Requests()[len(g.Requests())-1]
	if last.Header.Get("Authorization") != "Bearer "+g.Token() {
		t.Fatal("download without the bearer token")
	}
}

func TestDownloadTooLarge(t *testing.T) {
	g, c := setup(t)
	ctx := context.Background()
	id := g.AddMedia("image/jpeg", make([]byte, 10_000))
	info, err := c.MediaInfo(ctx, id)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := c.DownloadMedia(ctx, info.URL, 1000, &bytes.Buffer{}); !errors.Is(err, whatsappcloud.ErrTooLarge) {
		t.Fatalf("got %v, want ErrTooLarge", err)
	}
	if n, err := c.DownloadMedia(ctx, info.URL, 10_000, &bytes.Buffer{}); err != nil || n != 10_000 {
		t.Fatalf("exactly the maximum: %d, %v", n, err)
	}
}

// A body without Content-Length shows its size only while reading.
func TestDownloadTooLargeChunked(t *testing.T) {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		for range 10 {
			w.Write(make([]byte, 500))
			w.(http.Flusher).Flush()
		}
	}))
	defer srv.Close()
	c := whatsappcloud.New(whatsappcloud.Config{BaseURL: srv.URL, AccessToken: "t"})
	var buf bytes.Buffer
	n, err := c.DownloadMedia(context.Background(), srv.URL+"/f", 1200, &buf)
	if !errors.Is(err, whatsappcloud.ErrTooLarge) || n > 1200 {
		t.Fatalf("got %d, %v", n, err)
	}
}

func TestDownloadNotFound(t *testing.T) {
	g, c := setup(t)
	_, err := c.DownloadMedia(context.Background(), g.URL()+"/media-files/404404", 1000, &bytes.Buffer{})
	if !errors.Is(err, whatsappcloud.ErrNotFound) {
		t.Fatalf("got %v, want ErrNotFound", err)
	}
}

func TestMediaInfoUnknown(t *testing.T) {
	_, c := setup(t)
	_, err := c.MediaInfo(context.Background(), "123")
	var ce *channel.Error
	if !errors.As(err, &ce) || ce.Code != 100 {
		t.Fatalf("got %v", err)
	}
}

func TestUploadFailureEndsTheWriter(t *testing.T) {
	g, c := setup(t)
	g.FailNext(1, 500, 131000)
	_, err := c.UploadMedia(context.Background(), bytes.NewReader(make([]byte, 1<<20)), "a.jpg", "image/jpeg")
	var ce *channel.Error
	if !errors.As(err, &ce) || ce.Class != channel.RetryLater {
		t.Fatalf("got %v", err)
	}
}

func TestCheckMedia(t *testing.T) {
	tests := []struct {
		kind, mime string
		size       int64
		want       error
	}{
		{"image", "image/jpeg", 5 * whatsappcloud.MB, nil},
		{"image", "image/png", 5*whatsappcloud.MB + 1, whatsappcloud.ErrTooLarge},
		{"image", "image/gif", 10, whatsappcloud.ErrMediaType},
		{"audio", "audio/ogg; codecs=opus", 16 * whatsappcloud.MB, nil},
		{"audio", "audio/mpeg", 16*whatsappcloud.MB + 1, whatsappcloud.ErrTooLarge},
		{"video", "video/mp4", 16 * whatsappcloud.MB, nil},
		{"video", "video/quicktime", 10, whatsappcloud.ErrMediaType},
		{"document", "application/pdf", 100 * whatsappcloud.MB, nil},
		{"document", "application/pdf", 100*whatsappcloud.MB + 1, whatsappcloud.ErrTooLarge},
		{"document", "application/x-msdownload", 10, whatsappcloud.ErrMediaType},
		{"sticker", "image/webp", 500 * 1024, nil},
		{"sticker", "image/webp", 500*1024 + 1, whatsappcloud.ErrTooLarge},
		{"sticker", "image/png", 10, whatsappcloud.ErrMediaType},
		{"location", "image/png", 10, whatsappcloud.ErrMediaType},
		{"image", "not a mime", 10, whatsappcloud.ErrMediaType},
	}
	for _, tt := range tests {
		t.Run(tt.kind+" "+tt.mime, func(t *testing.T) {
			err := whatsappcloud.CheckMedia(tt.kind, tt.mime, tt.size)
			if !errors.Is(err, tt.want) || (tt.want == nil) != (err == nil) {
				t.Fatalf("got %v, want %v", err, tt.want)
			}
		})
	}
}
