// Package blobs opens the store for files Masteria keeps outside the
// database: uploaded imports now, media later. It is a gocloud.dev bucket
// chosen by URL (MASTERIA_BLOB_URL); the default is a folder in DATA_DIR.
//
// Drivers compiled in: a local folder (file://, the default, in DATA_DIR),
// S3 and S3-compatible stores (s3://bucket?region=…&endpoint=…, credentials
// from the usual AWS environment), Google Cloud Storage (gs://bucket,
// application default credentials) and memory (mem://, for tests). Several
// instances on PostgreSQL need a shared bucket: S3, GCS, or a shared folder.
package blobs

import (
	"context"
	"fmt"
	"os"
	"strings"

	"gocloud.dev/blob"
	_ "gocloud.dev/blob/fileblob" // file:// buckets
	_ "gocloud.dev/blob/gcsblob"  // gs:// buckets
	_ "gocloud.dev/blob/memblob"  // mem:// buckets
	_ "gocloud.dev/blob/s3blob"   // s3:// buckets, S3-compatible endpoints too
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
