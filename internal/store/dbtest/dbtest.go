// Package dbtest gives each test a fresh, migrated database on each dialect.
//
// SQLite: the migrations run once per test process into a template file,
// which each test copies (a copy is much faster than migrating).
// PostgreSQL (only when TEST_DATABASE_URL is set): the migrations run once
// into a template database whose name carries a hash of the migration files,
// shared by every test process, and each test gets `CREATE DATABASE ...
// TEMPLATE` of it, dropped when the test ends.
package dbtest

import (
	"context"
	"crypto/rand"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"io"
	"net/url"
	"os"
	"path/filepath"
	"runtime/debug"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/masteria/masteria/internal/store/db"
)

// Each runs fn on a fresh SQLite database and, when TEST_DATABASE_URL is set,
// on a fresh PostgreSQL database, as subtests named "sqlite" and "postgres".
func Each(t *testing.T, fn func(t *testing.T, d *db.DB)) {
	t.Helper()
	t.Run("sqlite", func(t *testing.T) { fn(t, SQLite(t)) })
	t.Run("postgres", func(t *testing.T) {
		d := Postgres(t)
		fn(t, d)
	})
}

// Open returns a fresh database: PostgreSQL when TEST_DATABASE_URL is set and
// the dialect argument asks for it, else SQLite.
func Open(t testing.TB, dialect db.Dialect) *db.DB {
	if dialect == db.Postgres {
		return Postgres(t)
	}
	return SQLite(t)
}

var (
	sqliteOnce sync.Once
	sqliteTpl  string
	sqliteErr  error
)

// SQLite returns a fresh migrated SQLite database in the test's temp dir.
func SQLite(t testing.TB) *db.DB {
	t.Helper()
	sqliteOnce.Do(func() {
		// One template per set of migrations, shared by test processes and
		// runs: made under a temporary name, then renamed into place.
		hash, err := migrationsHash(db.SQLite)
		if err != nil {
			sqliteErr = err
			return
		}
		sqliteTpl = filepath.Join(os.TempDir(), "masteria-dbtest-"+hash+".db")
		if _, err := os.Stat(sqliteTpl); err == nil {
			return
		}
		dir, err := os.MkdirTemp("", "masteria-dbtest-")
		if err != nil {
			sqliteErr = err
			return
		}
		defer os.RemoveAll(dir)
		tmp := filepath.Join(dir, "template.db")
		ctx := context.Background()
		d, err := db.Open(ctx, "sqlite://"+tmp)
		if err != nil {
			sqliteErr = err
			return
		}
		if err := d.Migrate(ctx); err != nil {
			sqliteErr = err
			d.Close()
			return
		}
		// Fold the WAL into the main file so that copying one file copies all.
		if _, err := d.Exec(ctx, `PRAGMA wal_checkpoint(TRUNCATE)`); err != nil {
			sqliteErr = err
		}
		d.Close()
		if sqliteErr == nil {
			sqliteErr = os.Rename(tmp, sqliteTpl)
		}
	})
	if sqliteErr != nil {
		t.Fatalf("sqlite template: %v", sqliteErr)
	}
	path := filepath.Join(t.TempDir(), "test.db")
	if err := copyFile(sqliteTpl, path); err != nil {
		t.Fatalf("copy sqlite template: %v", err)
	}
	d, err := db.Open(context.Background(), "sqlite://"+path)
	if err != nil {
		t.Fatalf("open sqlite: %v", err)
	}
	t.Cleanup(func() { d.Close() })
	return d
}

func copyFile(from, to string) error {
	src, err := os.Open(from)
	if err != nil {
		return err
	}
	defer src.Close()
	dst, err := os.Create(to)
	if err != nil {
		return err
	}
	if _, err := io.Copy(dst, src); err != nil {
		dst.Close()
		return err
	}
	return dst.Close()
}

// PostgresURL is TEST_DATABASE_URL; tests that need PostgreSQL skip without it.
func PostgresURL() string { return os.Getenv("TEST_DATABASE_URL") }

var (
	pgOnce sync.Once
	pgTpl  string
	pgErr  error
)

// Postgres returns a fresh migrated PostgreSQL database, or skips the test
// when TEST_DATABASE_URL is not set.
func Postgres(t testing.TB) *db.DB {
	t.Helper()
	d, err := db.Open(context.Background(), PostgresDatabase(t))
	if err != nil {
		t.Fatalf("open postgres: %v", err)
	}
	t.Cleanup(func() { d.Close() })
	return d
}

// PostgresDatabase makes a fresh migrated PostgreSQL database and returns
// its URL, for a test that runs the server in another process; it is
// dropped when the test ends. Without TEST_DATABASE_URL the test is skipped.
func PostgresDatabase(t testing.TB) string {
	t.Helper()
	base := PostgresURL()
	if base == "" {
		t.Skip("PostgreSQL variant skipped: set TEST_DATABASE_URL (e.g. postgres://postgres@127.0.0.1:5432/test) to run it")
	}
	ctx := context.Background()
	pgOnce.Do(func() { pgTpl, pgErr = pgTemplate(ctx, base) })
	if pgErr != nil {
		t.Fatalf("postgres template: %v", pgErr)
	}
	name := "masteria_test_" + randomHex(8)
	if err := adminExec(ctx, base, fmt.Sprintf(`CREATE DATABASE %s TEMPLATE %s`, name, pgTpl)); err != nil {
		t.Fatalf("create test database: %v", err)
	}
	t.Cleanup(func() {
		if err := adminExec(context.Background(), base, fmt.Sprintf(`DROP DATABASE IF EXISTS %s WITH (FORCE)`, name)); err != nil {
			t.Logf("drop test database %s: %v", name, err)
		}
	})
	return withDatabase(base, name)
}

// pgTemplate makes (once, across processes) the migrated template database.
func pgTemplate(ctx context.Context, base string) (string, error) {
	hash, err := migrationsHash(db.Postgres)
	if err != nil {
		return "", err
	}
	name := "masteria_tpl_" + hash

	conn, err := pgx.Connect(ctx, base)
	if err != nil {
		return "", err
	}
	defer conn.Close(ctx)
	// Test processes run in parallel: one builds the template, the others wait.
	if _, err := conn.Exec(ctx, `SELECT pg_advisory_lock(727374)`); err != nil {
		return "", err
	}
	defer conn.Exec(ctx, `SELECT pg_advisory_unlock(727374)`) //nolint:errcheck // the session ends anyway
	var exists bool
	if err := conn.QueryRow(ctx, `SELECT EXISTS (SELECT 1 FROM pg_database WHERE datname = $1 AND datistemplate)`, name).Scan(&exists); err != nil {
		return "", err
	}
	if exists {
		return name, nil
	}
	if _, err := conn.Exec(ctx, fmt.Sprintf(`DROP DATABASE IF EXISTS %s WITH (FORCE)`, name)); err != nil {
		return "", err
	}
	if _, err := conn.Exec(ctx, fmt.Sprintf(`CREATE DATABASE %s`, name)); err != nil {
		return "", err
	}
	d, err := db.Open(ctx, withDatabase(base, name))
	if err != nil {
		return "", err
	}
	err = d.Migrate(ctx)
	d.Close()
	if err != nil {
		return "", fmt.Errorf("migrate template: %w", err)
	}
	if _, err := conn.Exec(ctx, fmt.Sprintf(`ALTER DATABASE %s WITH IS_TEMPLATE true`, name)); err != nil {
		return "", err
	}
	return name, nil
}

func adminExec(ctx context.Context, base, stmt string) error {
	var err error
	for attempt := 0; attempt < 20; attempt++ {
		var conn *pgx.Conn
		conn, err = pgx.Connect(ctx, base)
		if err != nil {
			return err
		}
		_, err = conn.Exec(ctx, stmt)
		conn.Close(ctx)
		// CREATE DATABASE ... TEMPLATE fails while another session is
		// connected to the template for a moment; try again.
		if err == nil || !strings.Contains(err.Error(), "is being accessed by other users") {
			return err
		}
		time.Sleep(50 * time.Millisecond)
	}
	return err
}

func withDatabase(base, name string) string {
	u, err := url.Parse(base)
	if err != nil {
		return base
	}
	u.Path = "/" + name
	return u.String()
}

func randomHex(n int) string {
	b := make([]byte, n)
	if _, err := rand.Read(b); err != nil {
		panic(err)
	}
	return hex.EncodeToString(b)
}

// migrationsHash names a template after the migrations it holds (and the
// version of River, whose migrations run too).
func migrationsHash(d db.Dialect) (string, error) {
	migs, err := db.Migrations(d)
	if err != nil {
		return "", err
	}
	h := sha256.New()
	h.Write([]byte(riverVersion()))
	for _, m := range migs {
		h.Write([]byte(m.SQL))
	}
	return hex.EncodeToString(h.Sum(nil))[:16], nil
}

func riverVersion() string {
	if info, ok := debug.ReadBuildInfo(); ok {
		for _, m := range info.Deps {
			if m.Path == "github.com/riverqueue/river" {
				return m.Version
			}
		}
	}
	return ""
}
