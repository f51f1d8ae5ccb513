package db

import (
	"context"
	"log/slog"
	"time"
)

// RunCheckpointer keeps SQLite's write-ahead log small until ctx ends.
// SQLite's own automatic checkpoint cannot finish while readers hold old
// snapshots, so under constant reads the WAL grows without bound; a
// periodic PASSIVE checkpoint copies what it can, and a TRUNCATE once the
// log holds truncateFrames pages (10,000 is about 40 MB) resets it. PostgreSQL needs nothing: it returns at once.
func (db *DB) RunCheckpointer(ctx context.Context, every time.Duration, truncateFrames int, logger *slog.Logger) {
	if db.dialect != SQLite {
		return
	}
	t := time.NewTicker(every)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
		var busy, logFrames, done int
		if err := db.write.QueryRowContext(ctx, `PRAGMA wal_checkpoint(PASSIVE)`).Scan(&busy, &logFrames, &done); err != nil {
			logger.Warn("wal checkpoint", "err", err)
			continue
		}
		if logFrames >= truncateFrames && done == logFrames {
			if _, err := db.write.ExecContext(ctx, `PRAGMA wal_checkpoint(TRUNCATE)`); err != nil {
				logger.Warn("wal truncate", "err", err)
			}
		}
	}
}
