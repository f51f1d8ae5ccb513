package blobs_test

import (
	"context"
	"io"
	"net/http/httptest"
	"net/url"
	"testing"

	"github.com/johannesboyne/gofakes3"
	"github.com/johannesboyne/gofakes3/backend/s3mem"

	"github.com/masteria/masteria/internal/blobs"
)

// TestBucketsByURL writes and reads a file through each driver chosen by
// MASTERIA_BLOB_URL: a local folder, and an S3-compatible store (a fake S3
// on loopback, as MinIO or R2 would be).
func TestBucketsByURL(t *testing.T) {
	backend := s3mem.New()
	if err := backend.CreateBucket("masteria"); err != nil {
		t.Fatal(err)
	}
	s3 := httptest.NewServer(gofakes3.New(backend).Server())
	defer s3.Close()
	t.Setenv("AWS_ACCESS_KEY_ID", "test")
	t.Setenv("AWS_SECRET_ACCESS_KEY", "test")
	t.Setenv("AWS_REGION", "us-east-1")
	s3URL := "s3://masteria?" + url.Values{"endpoint": {s3.URL}, "use_path_style": {"true"}, "region": {"us-east-1"}, "disable_https": {"true"}}.Encode()

	for name, raw := range map[string]string{"file": "file://" + t.TempDir() + "/blobs", "s3": s3URL, "mem": "mem://"} {
		t.Run(name, func(t *testing.T) {
			ctx := context.Background()
			b, err := blobs.Open(ctx, raw)
			if err != nil {
				t.Fatal(err)
			}
			defer b.Close()
			if err := b.WriteAll(ctx, "media/c/m", []byte("uma foto"), nil); err != nil {
				t.Fatal(err)
			}
			r, err := b.NewReader(ctx, "media/c/m", nil)
			if err != nil {
				t.Fatal(err)
			}
			got, _ := io.ReadAll(r)
			r.Close()
			if string(got) != "uma foto" {
				t.Fatalf("read %q", got)
			}
			if err := b.Delete(ctx, "media/c/m"); err != nil {
				t.Fatal(err)
			}
		})
	}
	if _, err := blobs.Open(context.Background(), "ftp://nope"); err == nil {
		t.Fatal("an unknown scheme was accepted")
	}
}
