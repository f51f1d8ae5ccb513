package db_test

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"os"
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/masteria/masteria/internal/store/db"
	"github.com/masteria/masteria/internal/store/dbtest"
)

func TestRebind(t *testing.T) {
	tests := []struct{ name, in, want string }{
		{"plain", "SELECT a FROM t WHERE x = ? AND y = ?", "SELECT a FROM t WHERE x = $1 AND y = $2"},
		{"in a string literal", "SELECT '?' FROM t WHERE x = ?", "SELECT '?' FROM t WHERE x = $1"},
		{"in a comment", "-- why?\nSELECT ?", "-- why?\nSELECT $1"},
		{"in a block comment", "/* why? */ SELECT ?", "/* why? */ SELECT $1"},
		{"quoted identifier", `SELECT "a?" FROM t WHERE x = ?`, `SELECT "a?" FROM t WHERE x = $1`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := db.Rebind(tt.in); got != tt.want {
				t.Fatalf("got %q, want %q", got, tt.want)
			}
		})
	}
}

func TestOpenRefusesUnknownURL(t *testing.T) {
	if _, err := db.Open(context.Background(), "mysql://x"); err == nil {
		t.Fatal("mysql URL accepted")
	}
}

// TestDialectsHaveSameSchema proves both dialects' migrations end with the
// same tables and columns.
func TestDialectsHaveSameSchema(t *testing.T) {
	if dbtest.PostgresURL() == "" {
		t.Skip("needs TEST_DATABASE_URL to compare with PostgreSQL")
	}
	ctx := context.Background()
	lite := dbtest.SQLite(t)
	pg := dbtest.Postgres(t)

	liteCols := map[string]bool{}
	rows, err := lite.Query(ctx, `SELECT m.name, p.name FROM sqlite_master m, pragma_table_info(m.name) p
		WHERE m.type = 'table' AND m.name NOT LIKE 'sqlite_%' AND m.name NOT LIKE 'river_%'
		  -- SQLite's FTS5 search index and its shadow tables are PostgreSQL's GIN index (0009).
		  AND m.name NOT LIKE 'message\_search%' ESCAPE '\'`)
	if err != nil {
		t.Fatal(err)
	}
	for rows.Next() {
		var tbl, col string
		if err := rows.Scan(&tbl, &col); err != nil {
			t.Fatal(err)
		}
		liteCols[tbl+"."+col] = true
	}
	rows.Close()

	pgCols := map[string]bool{}
	rows, err = pg.Query(ctx, `SELECT table_name, column_name FROM information_schema.columns
		WHERE table_schema = 'public' AND table_name NOT LIKE 'river_%'`)
	if err != nil {
		t.Fatal(err)
	}
	for rows.Next() {
		var tbl, col string
		if err := rows.Scan(&tbl, &col); err != nil {
			t.Fatal(err)
		}
		pgCols[tbl+"."+col] = true
	}
	rows.Close()

	if len(liteCols) < 10 {
		t.Fatalf("sqlite schema has only %d columns", len(liteCols))
	}
	var diff []string
	for c := range liteCols {
		if !pgCols[c] {
			diff = append(diff, "only sqlite: "+c)
		}
	}
	for c := range pgCols {
		if !liteCols[c] {
			diff = append(diff, "only postgres: "+c)
		}
	}
	sort.Strings(diff)
	if len(diff) > 0 {
		t.Fatalf("schemas differ:\n%s", strings.Join(diff, "\n"))
	}
}

func TestMigrateIsIdempotent(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		ctx := context.Background()
		if err := d.Migrate(ctx); err != nil {
			t.Fatalf("second migrate: %v", err)
		}
		n, err := d.Pending(ctx)
		if err != nil || n != 0 {
			t.Fatalf("pending = %d, %v", n, err)
		}
	})
}

func TestTxCommitsOrRollsBackAndTimesRoundTrip(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		ctx := context.Background()
		now := db.Now()
		committed := false
		err := d.InTx(ctx, func(tx *db.Tx) error {
			tx.AfterCommit(func() { committed = true })
			_, err := tx.Exec(ctx, `INSERT INTO companies (id, name, time_zone, default_country, business_hours, created_at, updated_at)
				VALUES (?, ?, ?, ?, ?, ?, ?)`, "c1", "Acme", "UTC", "BR", "[]", now, now)
			return err
		})
		if err != nil || !committed {
			t.Fatalf("insert: %v, after-commit ran: %v", err, committed)
		}
		boom := context.Canceled
		err = d.InTx(ctx, func(tx *db.Tx) error {
			tx.AfterCommit(func() { t.Error("after-commit ran on rollback") })
			if _, err := tx.Exec(ctx, `UPDATE companies SET name = ? WHERE id = ?`, "Changed", "c1"); err != nil {
				return err
			}
			return boom
		})
		if err != boom {
			t.Fatalf("want the function's error, got %v", err)
		}
		var name string
		var created db.Time
		if err := d.QueryRow(ctx, `SELECT name, created_at FROM companies WHERE id = ? AND created_at <= ?`, "c1", now.Add(time.Second)).
			Scan(&name, &created); err != nil {
			t.Fatal(err)
		}
		if name != "Acme" {
			t.Fatalf("rollback kept the change: %q", name)
		}
		if !created.Equal(now) {
			t.Fatalf("time round trip: got %v, want %v", created.Time, now)
		}
	})
}

func TestCheckpointerTruncatesTheWAL(t *testing.T) {
	d := dbtest.SQLite(t)
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	now := db.Now()
	for i := 0; i < 50; i++ {
		if _, err := d.Exec(ctx, `INSERT INTO companies (id, name, time_zone, default_country, business_hours, created_at, updated_at)
			VALUES (?, 'x', 'UTC', 'BR', '[]', ?, ?)`, fmt.Sprint(i), now, now); err != nil {
			t.Fatal(err)
		}
	}
	wal := d.Path() + "-wal"
	if st, err := os.Stat(wal); err != nil || st.Size() == 0 {
		t.Fatalf("expected a non-empty WAL before the checkpointer runs: %v", err)
	}
	done := make(chan struct{})
	go func() {
		d.RunCheckpointer(ctx, 10*time.Millisecond, 1, slog.New(slog.NewTextHandler(io.Discard, nil)))
		close(done)
	}()
	deadline := time.Now().Add(5 * time.Second)
	for {
		st, err := os.Stat(wal)
		if err != nil {
			t.Fatal(err)
		}
		if st.Size() == 0 {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("WAL still %d bytes", st.Size())
		}
		time.Sleep(20 * time.Millisecond)
	}
	cancel()
	<-done
}
