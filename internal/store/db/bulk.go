package db

import (
	"context"
	"fmt"
	"strings"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/stdlib"
)

// maxParams stays under both engines' limits on bound parameters (SQLite
// 32766, PostgreSQL 65535).
const maxParams = 30000

// InsertMany inserts rows into table in as few multi-row statements as the
// parameter limits allow. suffix is appended to each statement (for example
// "ON CONFLICT DO NOTHING"). Bulk paths (imports) use it: one statement per
// few thousand rows instead of one per row.
func InsertMany(ctx context.Context, q Querier, table string, cols []string, rows [][]any, suffix string) error {
	if len(rows) == 0 {
		return nil
	}
	per := max(1, maxParams/len(cols))
	one := "(" + Marks(len(cols)) + ")"
	head := "INSERT INTO " + table + " (" + strings.Join(cols, ", ") + ") VALUES "
	for start := 0; start < len(rows); start += per {
		chunk := rows[start:min(start+per, len(rows))]
		var b strings.Builder
		b.WriteString(head)
		args := make([]any, 0, len(chunk)*len(cols))
		for i, r := range chunk {
			if len(r) != len(cols) {
				return fmt.Errorf("insert into %s: row has %d values for %d columns", table, len(r), len(cols))
			}
			if i > 0 {
				b.WriteByte(',')
			}
			b.WriteString(one)
			args = append(args, r...)
		}
		if suffix != "" {
			b.WriteString(" ")
			b.WriteString(suffix)
		}
		if _, err := q.Exec(ctx, b.String(), args...); err != nil {
			return fmt.Errorf("insert into %s: %w", table, err)
		}
	}
	return nil
}

// CopyRows inserts rows into table, as InsertMany does without a suffix,
// the fastest way each engine has. On PostgreSQL that is COPY: no statement
// with tens of thousands of parameters to parse and plan, and values sent in
// binary. On SQLite it is InsertMany; the engine runs in-process, so a
// statement costs no round trip, and SQLite has no COPY.
// Time values go in as time.Time; a nil value is NULL.
func CopyRows(ctx context.Context, tx *Tx, table string, cols []string, rows [][]any) error {
	if len(rows) == 0 {
		return nil
	}
	if tx.db.dialect != Postgres {
		return InsertMany(ctx, tx, table, cols, rows, "")
	}
	err := tx.conn.Raw(func(dc any) error {
		c, ok := dc.(*stdlib.Conn)
		if !ok {
			return fmt.Errorf("driver connection is %T, not pgx", dc)
		}
		_, err := c.Conn().CopyFrom(ctx, pgx.Identifier{table}, cols, pgx.CopyFromRows(rows))
		return err
	})
	if err != nil {
		return fmt.Errorf("copy into %s: %w", table, err)
	}
	return nil
}

// BulkLoad prepares tx for a bulk write that its caller can redo, such as
// an import batch whose resume point commits with it. On PostgreSQL the
// commit then does not wait for its WAL to reach the disk
// (synchronous_commit off, for this transaction only): a crash may lose the
// last few such commits, never half of one, and the caller redoes them from
// its durable resume point. The next ordinary commit flushes them all, since
// the WAL is written in order. SQLite already commits without a sync in WAL
// mode with synchronous=NORMAL, so there is nothing to change.
func BulkLoad(ctx context.Context, tx *Tx) error {
	if tx.db.dialect != Postgres {
		return nil
	}
	if _, err := tx.Exec(ctx, `SET LOCAL synchronous_commit = off`); err != nil {
		return fmt.Errorf("bulk load: %w", err)
	}
	return nil
}

// Refresh brings the planner's view of tables up to date after a bulk write:
// on PostgreSQL VACUUM (ANALYZE), so that statistics match the new rows and
// the visibility map lets counts read indexes alone (a server may run
// without autovacuum, and even with it a fresh million rows waits for its
// turn); on SQLite PRAGMA optimize. VACUUM cannot run in a transaction, so
// this runs on its own.
func (db *DB) Refresh(ctx context.Context, tables ...string) error {
	if db.dialect != Postgres {
		_, err := db.write.ExecContext(ctx, `PRAGMA optimize`)
		return err
	}
	_, err := db.write.ExecContext(ctx, `VACUUM (ANALYZE) `+strings.Join(tables, ", "))
	return err
}

// Analyze refreshes PostgreSQL's statistics of tables after a write that
// changed their shape, without Refresh's VACUUM (which reads every page);
// SQLite keeps its plans (PRAGMA optimize taken at the wrong moment pinned
// bad ones, see campaigns), so there it does nothing. ANALYZE reads a
// sample of 30,000 rows whatever the table's size.
func (db *DB) Analyze(ctx context.Context, tables ...string) error {
	if db.dialect != Postgres {
		return nil
	}
	_, err := db.write.ExecContext(ctx, `ANALYZE `+strings.Join(tables, ", "))
	return err
}
