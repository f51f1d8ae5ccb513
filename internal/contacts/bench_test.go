package contacts_test

import (
	"bufio"
	"context"
	"fmt"
	"io"
	"log/slog"
	"math/rand/v2"
	"os"
	"path/filepath"
	"sort"
	"strconv"
	"testing"
	"time"

	"github.com/riverqueue/river"
	"github.com/riverqueue/river/rivertype"
	"gocloud.dev/blob/memblob"

	"github.com/masteria/masteria/internal/companies"
	"github.com/masteria/masteria/internal/contacts"
	"github.com/masteria/masteria/internal/store/db"
	"github.com/masteria/masteria/internal/store/dbtest"
)

// noJobs accepts job inserts without running them: the benchmark runs the
// worker itself, so that it times the import, not River's pickup.
type noJobs struct{}

func (noJobs) Insert(context.Context, *db.Tx, river.JobArgs, *river.InsertOpts) error { return nil }

func benchRows() int {
	if n, err := strconv.Atoi(os.Getenv("MASTERIA_BENCH_ROWS")); err == nil && n > 0 {
		return n
	}
	return 1_000_000
}

func newService(tb testing.TB, d *db.DB) (*contacts.Service, string) {
	tb.Helper()
	ctx := context.Background()
	var companyID string
	err := d.InTx(ctx, func(tx *db.Tx) error {
		now := db.Now()
		if _, err := tx.Exec(ctx, `INSERT INTO users (id, email, name, password_hash, created_at, updated_at) VALUES ('00000000-0000-7000-8000-000000000001', 'b@x.com', 'B', 'x', ?, ?)`, now, now); err != nil {
			return err
		}
		c, err := companies.Insert(ctx, tx, "Bench", "00000000-0000-7000-8000-000000000001")
		companyID = c.ID
		return err
	})
	if err != nil {
		tb.Fatal(err)
	}
	s := contacts.NewService(d, companies.NewService(d), slog.New(slog.NewTextHandler(io.Discard, nil)), []byte("bench-key-bench-key-bench-key-32"))
	s.UseImports(memblob.OpenBucket(nil), noJobs{})
	return s, companyID
}

// writeCSV makes a Brazilian-Excel-style file of n contacts.
func writeCSV(tb testing.TB, n int) string {
	tb.Helper()
	path := filepath.Join(tb.TempDir(), "contatos.csv")
	f, err := os.Create(path)
	if err != nil {
		tb.Fatal(err)
	}
	w := bufio.NewWriterSize(f, 1<<20)
	fmt.Fprint(w, "Nome;Telefone;E-mail;Etiquetas\r\n")
	for i := 0; i < n; i++ {
		fmt.Fprintf(w, "Pessoa %d;(11) 9%04d-%04d;p%d@exemplo.com.br;lote%d\r\n", i, i/10000, i%10000, i, i%10)
	}
	if err := w.Flush(); err != nil {
		tb.Fatal(err)
	}
	f.Close()
	return path
}

func runImport(b *testing.B, d *db.DB) {
	n := benchRows()
	path := writeCSV(b, n)
	for b.Loop() {
		b.StopTimer()
		s, companyID := newService(b, d)
		f, err := os.Open(path)
		if err != nil {
			b.Fatal(err)
		}
		st, _ := f.Stat()
		ctx := context.Background()
		imp, err := s.StartImport(ctx, companyID, "contatos.csv", f, st.Size(), nil, contacts.ImportOptions{Tags: []string{"importados"}})
		f.Close()
		if err != nil {
			b.Fatal(err)
		}
		w := &contacts.ImportWorker{Service: s}
		b.StartTimer()
		start := time.Now()
		err = w.Work(ctx, &river.Job[contacts.ImportArgs]{JobRow: &rivertype.JobRow{}, Args: contacts.ImportArgs{ImportID: imp.ID, CompanyID: companyID}})
		elapsed := time.Since(start)
		b.StopTimer()
		if err != nil {
			b.Fatal(err)
		}
		got, err := s.GetImport(ctx, companyID, imp.ID)
		if err != nil || got.Created != n || got.Status != "completed" {
			b.Fatalf("import: %+v %v", got, err)
		}
		b.ReportMetric(float64(n)/elapsed.Seconds(), "rows/s")
		b.ReportMetric(elapsed.Seconds(), "s/import")
		if _, err := d.Exec(ctx, `DELETE FROM companies WHERE id = ?`, companyID); err != nil {
			b.Fatal(err)
		}
		if _, err := d.Exec(ctx, `DELETE FROM users`); err != nil {
			b.Fatal(err)
		}
		b.StartTimer()
	}
}

// BenchmarkImport imports a 1,000,000-row CSV (MASTERIA_BENCH_ROWS to change).
func BenchmarkImport(b *testing.B) {
	b.Run("sqlite", func(b *testing.B) { runImport(b, dbtest.SQLite(b)) })
	b.Run("postgres", func(b *testing.B) { runImport(b, dbtest.Postgres(b)) })
}

// BenchmarkListAndCount times indexed list and count queries over a company
// of 1,000,000 contacts and reports their p95.
func BenchmarkListAndCount(b *testing.B) {
	b.Run("sqlite", func(b *testing.B) { runQueries(b, dbtest.SQLite(b)) })
	b.Run("postgres", func(b *testing.B) { runQueries(b, dbtest.Postgres(b)) })
}

func runQueries(b *testing.B, d *db.DB) {
	n := benchRows()
	s, companyID := newService(b, d)
	ctx := context.Background()
	f, err := os.Open(writeCSV(b, n))
	if err != nil {
		b.Fatal(err)
	}
	st, _ := f.Stat()
	imp, err := s.StartImport(ctx, companyID, "contatos.csv", f, st.Size(), nil, contacts.ImportOptions{})
	f.Close()
	if err != nil {
		b.Fatal(err)
	}
	w := &contacts.ImportWorker{Service: s}
	if err := w.Work(ctx, &river.Job[contacts.ImportArgs]{JobRow: &rivertype.JobRow{}, Args: contacts.ImportArgs{ImportID: imp.ID, CompanyID: companyID}}); err != nil {
		b.Fatal(err)
	}
	if d.Dialect() == db.Postgres {
		if _, err := d.Exec(ctx, `ANALYZE`); err != nil {
			b.Fatal(err)
		}
	}
	tags, err := s.Tags(ctx, companyID)
	if err != nil || len(tags) == 0 {
		b.Fatalf("tags: %v %v", tags, err)
	}
	queries := map[string]func() error{
		"list first page": func() error {
			_, _, err := s.List(ctx, companyID, contacts.Query{Limit: 50})
			return err
		},
		"list by tag": func() error {
			_, _, err := s.List(ctx, companyID, contacts.Query{Limit: 50, Filter: contacts.Filter{Tags: &contacts.TagFilter{All: []string{tags[rand.IntN(len(tags))].ID}}}})
			return err
		},
		"count by tag": func() error {
			_, err := s.Count(ctx, companyID, contacts.Query{Filter: contacts.Filter{Tags: &contacts.TagFilter{Any: []string{tags[rand.IntN(len(tags))].ID}}}})
			return err
		},
		"count by consent": func() error {
			_, err := s.Count(ctx, companyID, contacts.Query{Filter: contacts.Filter{Consent: contacts.OptedOut}})
			return err
		},
	}
	names := make([]string, 0, len(queries))
	for k := range queries {
		names = append(names, k)
	}
	sort.Strings(names)
	for _, name := range names {
		q := queries[name]
		b.Run(name, func(b *testing.B) {
			var lat []time.Duration
			for b.Loop() {
				start := time.Now()
				if err := q(); err != nil {
					b.Fatal(err)
				}
				lat = append(lat, time.Since(start))
			}
			sort.Slice(lat, func(i, j int) bool { return lat[i] < lat[j] })
			b.ReportMetric(float64(lat[len(lat)*95/100].Microseconds())/1000, "p95-ms")
		})
	}
}
