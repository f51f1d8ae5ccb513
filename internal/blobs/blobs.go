// Package blobs opens the store for files Masteria keeps outside the
// database: uploaded imports now, media later. It is a gocloud.dev bucket
// chosen by URL (MASTERIA_BLOB_URL); the default is a folder in DATA_DIR.
//
// Only the local-folder driver (file://) and the in-memory one (mem://, for
// tests) are compiled in for now; S3-compatible and GCS drivers come with the
// media work, where multi-instance deployments need a shared bucket. With
// several instances on PostgreSQL, DATA_DIR must then be a shared folder.
package blobs

import (
	"context"
	"fmt"
	"os"
	"strings"

	"gocloud.dev/blob"
	_ "gocloud.dev/blob/fileblob" // file:// buckets
	_ "gocloud.dev/blob/memblob"  // mem:// buckets
)

// Open opens the bucket at url, creating a local folder when needed.
func Open(ctx context.Context, url string) (*blob.Bucket, error) {
	if dir, ok := strings.CutPrefix(url, "file://"); ok {
		path, _, _ := strings.Cut(dir, "?")
		if err := os.MkdirAll(path, 0o700); err != nil {
			return nil, fmt.Errorf("create blob folder: %w", err)
		}
	}
	b, err := blob.OpenBucket(ctx, url)
	if err != nil {
		return nil, fmt.Errorf("open blob store %s: %w", url, err)
	}
	return b, nil
}
