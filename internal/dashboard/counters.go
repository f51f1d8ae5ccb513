package dashboard

import (
	"context"
	"fmt"
	"time"

	"github.com/masteria/masteria/internal/store/db"
)

// compactLock is the advisory lock that lets one instance at a time fold
// the deltas: two would wait for each other's deleted rows and counter
// rows for nothing.
const compactLock = 7273746572696112

// CompactEvery is how often RunCompactor folds the deltas. The dashboard
// reads pending deltas too, so this bounds how many it reads, not how fresh
// it is.
const CompactEvery = 2 * time.Second

// Compact folds PostgreSQL's message_count_deltas into message_counts and
// says how many counter rows it wrote. The deltas are deleted and added to
// the counters in one transaction, so that a reader's snapshot sees each
// one once; rows taken in key order, so that it never deadlocks with
// another compaction. On SQLite the triggers write the counters directly
// and there are never deltas.
func (s *Service) Compact(ctx context.Context) (int64, error) {
	if s.db.Dialect() != db.Postgres {
		return 0, nil
	}
	var n int64
	err := s.db.InTx(ctx, func(tx *db.Tx) error {
		var mine bool
		if err := tx.QueryRow(ctx, `SELECT pg_try_advisory_xact_lock(?)`, int64(compactLock)).Scan(&mine); err != nil || !mine {
			return err
		}
		res, err := tx.Exec(ctx, `WITH moved AS (DELETE FROM message_count_deltas RETURNING *)
INSERT INTO message_counts (company_id, slot, connection_id, code, received, queued, sending, sent, delivered, read, failed)
SELECT company_id, slot, connection_id, code, sum(received), sum(queued), sum(sending), sum(sent), sum(delivered), sum(read), sum(failed)
  FROM moved
 GROUP BY company_id, slot, connection_id, code
 ORDER BY company_id, slot, connection_id, code
    ON CONFLICT (company_id, slot, connection_id, code) DO UPDATE SET
       received = message_counts.received + excluded.received, queued = message_counts.queued + excluded.queued,
       sending = message_counts.sending + excluded.sending, sent = message_counts.sent + excluded.sent,
       delivered = message_counts.delivered + excluded.delivered, read = message_counts.read + excluded.read,
       failed = message_counts.failed + excluded.failed`)
		if err != nil {
			return err
		}
		n, err = res.RowsAffected()
		return err
	})
	if err != nil {
		return 0, fmt.Errorf("compact message counters: %w", err)
	}
	return n, nil
}

// RunCompactor compacts every CompactEvery until ctx ends.
func (s *Service) RunCompactor(ctx context.Context) {
	if s.db.Dialect() != db.Postgres {
		return
	}
	t := time.NewTicker(CompactEvery)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
		if _, err := s.Compact(ctx); err != nil && ctx.Err() == nil {
			s.logger.Error("dashboard: compacting message counters", "err", err)
		}
	}
}
