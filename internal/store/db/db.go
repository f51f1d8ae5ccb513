// Package db is Masteria's one door to its database: SQLite (modernc.org/sqlite,
// pure Go) or PostgreSQL (pgx v5), chosen by the URL.
//
// Every store is written once, in SQL both dialects accept, with `?`
// placeholders. The few real differences live in this package and nowhere else:
//
//   - placeholders: `?` is rewritten to `$n` for PostgreSQL (rebind.go);
//   - times: PostgreSQL has timestamptz; SQLite stores text. Time arguments are
//     written to SQLite as fixed-width UTC text, so that text order is time order,
//     and every time is read back through [Time], which accepts both forms;
//   - JSON is TEXT on SQLite and JSONB on PostgreSQL; stores pass and read it as
//     a string, so no query depends on the difference;
//   - migrations are numbered files per dialect (migrations/{sqlite,postgres}),
//     sharing number and meaning, where the DDL says why it differs;
//   - search of message text: a trigram index on each, FTS5 on SQLite and
//     pg_trgm on PostgreSQL (migration 0009); [MessagesWithText] holds the
//     one query that differs, [JSONStrings] passes a list as one argument
//     and [DB.EstimateRows] asks PostgreSQL's planner for a row count
//     (search.go);
//   - bulk writes: [CopyRows] is COPY on PostgreSQL and multi-row INSERTs on
//     SQLite, and [BulkLoad] lets a redoable batch commit without waiting
//     for the disk on PostgreSQL (SQLite's WAL mode already does).
//
// SQLite runs in WAL mode with one writer connection (transactions begin
// IMMEDIATE, so a writer never fails half-way on a lock upgrade) and a pool of
// read-only connections, so readers never wait for the writer. River gets a
// connection of its own on the same file. PostgreSQL uses one pgx pool, also
// shared by River through database/sql, so jobs are inserted in the same
// transaction as the rows they belong to on both databases.
package db

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"time"

	"github.com/jackc/pgx/v5/pgxpool"
	"github.com/jackc/pgx/v5/stdlib"
	_ "modernc.org/sqlite" // registers the "sqlite" driver
)

// Dialect names the database engine behind a DB.
type Dialect int

const (
	SQLite Dialect = iota + 1
	Postgres
)

func (d Dialect) String() string {
	switch d {
	case SQLite:
		return "sqlite"
	case Postgres:
		return "postgres"
	}
	return "unknown"
}

// DB is a database of either dialect. Its zero value is not usable; call Open.
type DB struct {
	dialect Dialect
	write   *sql.DB // SQLite: one connection; PostgreSQL: the pool
	read    *sql.DB // SQLite: read-only pool; PostgreSQL: same as write
	river   *sql.DB // SQLite: River's own connection; PostgreSQL: same as write
	pgx     *pgxpool.Pool
	path    string // SQLite file

	stmtMu sync.Mutex
	stmts  map[string]*sql.Stmt // SQLite writer's prepared statements
	wanted map[string]bool      // statements to prepare before the next transaction
}

// Querier is what both a DB and a Tx offer, so a store function can run
// inside or outside a caller's transaction.
type Querier interface {
	Exec(ctx context.Context, query string, args ...any) (sql.Result, error)
	Query(ctx context.Context, query string, args ...any) (*sql.Rows, error)
	QueryRow(ctx context.Context, query string, args ...any) *sql.Row
	Dialect() Dialect
}

// ErrBadURL is returned by Open for a URL it cannot use.
var ErrBadURL = errors.New("database URL must start with sqlite:// or postgres://")

// Open connects to the database named by rawURL: `sqlite:///path/file.db`,
// `sqlite://relative/file.db` or `postgres://...` (also `postgresql://`).
func Open(ctx context.Context, rawURL string) (*DB, error) {
	switch {
	case strings.HasPrefix(rawURL, "sqlite://"):
		return openSQLite(ctx, strings.TrimPrefix(rawURL, "sqlite://"))
	case strings.HasPrefix(rawURL, "postgres://"), strings.HasPrefix(rawURL, "postgresql://"):
		return openPostgres(ctx, rawURL)
	}
	return nil, ErrBadURL
}

func openSQLite(ctx context.Context, path string) (*DB, error) {
	if path == "" {
		return nil, fmt.Errorf("%w: sqlite URL has no file path", ErrBadURL)
	}
	if dir := filepath.Dir(path); dir != "" {
		if err := os.MkdirAll(dir, 0o700); err != nil {
			return nil, fmt.Errorf("create database folder: %w", err)
		}
	}
	// foreign_keys on every pooled connection (whatsmeow refuses a database
	// without them); busy_timeout so the reader pool and River wait for the
	// writer instead of failing.
	base := "file:" + url.PathEscape(path) + "?_pragma=foreign_keys(1)&_pragma=journal_mode(WAL)" +
		"&_pragma=busy_timeout(10000)&_pragma=synchronous(NORMAL)"
	// The writer gets a 64 MiB page cache: bulk writes (imports) touch many
	// index pages, and re-reading them from the OS is most of their cost.
	// Statement and savepoint journals in memory: the inbound processor
	// applies each event in a savepoint, and a journal file per savepoint
	// was a tenth of its time.
	write, err := sql.Open("sqlite", base+"&_pragma=cache_size(-65536)&_pragma=temp_store(MEMORY)&_txlock=immediate")
	if err != nil {
		return nil, fmt.Errorf("open sqlite: %w", err)
	}
	write.SetMaxOpenConns(1)
	write.SetConnMaxIdleTime(0)
	if err := write.PingContext(ctx); err != nil {
		write.Close()
		return nil, fmt.Errorf("open sqlite %s: %w", path, err)
	}
	read, err := sql.Open("sqlite", base+"&_pragma=query_only(1)")
	if err != nil {
		write.Close()
		return nil, fmt.Errorf("open sqlite readers: %w", err)
	}
	read.SetMaxOpenConns(4)
	river, err := sql.Open("sqlite", base+"&_txlock=immediate")
	if err != nil {
		write.Close()
		read.Close()
		return nil, fmt.Errorf("open sqlite for jobs: %w", err)
	}
	// River's SQLite driver needs a single connection (its README).
	river.SetMaxOpenConns(1)
	return &DB{dialect: SQLite, write: write, read: read, river: river, path: path}, nil
}

func openPostgres(ctx context.Context, rawURL string) (*DB, error) {
	cfg, err := pgxpool.ParseConfig(rawURL)
	if err != nil {
		return nil, fmt.Errorf("%w: %v", ErrBadURL, err) //nolint:errorlint // the pgx error text names the bad part
	}
	// pgx's default (four connections on two cores) is too few once River's
	// listener holds one and requests hold a transaction each.
	if !strings.Contains(rawURL, "pool_max_conns") {
		cfg.MaxConns = 20
	}
	pool, err := pgxpool.NewWithConfig(ctx, cfg)
	if err != nil {
		return nil, fmt.Errorf("open postgres: %w", err)
	}
	if err := pool.Ping(ctx); err != nil {
		pool.Close()
		return nil, fmt.Errorf("open postgres: %w", err)
	}
	sdb := stdlib.OpenDBFromPool(pool)
	return &DB{dialect: Postgres, write: sdb, read: sdb, river: sdb, pgx: pool}, nil
}

// Close releases every connection.
func (db *DB) Close() error {
	var errs []error
	db.stmtMu.Lock()
	for _, st := range db.stmts {
		errs = append(errs, st.Close())
	}
	clear(db.stmts)
	db.stmtMu.Unlock()
	errs = append(errs, db.write.Close())
	if db.read != db.write {
		errs = append(errs, db.read.Close())
	}
	if db.river != db.write {
		errs = append(errs, db.river.Close())
	}
	if db.pgx != nil {
		db.pgx.Close()
	}
	return errors.Join(errs...)
}

// Dialect says which engine this is.
func (db *DB) Dialect() Dialect { return db.dialect }

// Pgx is the PostgreSQL pool (nil on SQLite), for LISTEN/NOTIFY.
func (db *DB) Pgx() *pgxpool.Pool { return db.pgx }

// Path is the SQLite file ("" on PostgreSQL).
func (db *DB) Path() string { return db.path }

// RiverDB is the *sql.DB River works through.
func (db *DB) RiverDB() *sql.DB { return db.river }

// Ping checks that the database answers.
func (db *DB) Ping(ctx context.Context) error { return db.read.PingContext(ctx) }

// Exec runs a statement on the writer.
func (db *DB) Exec(ctx context.Context, query string, args ...any) (sql.Result, error) {
	return db.write.ExecContext(ctx, db.rebind(query), db.args(args)...)
}

// Query reads through the reader pool.
func (db *DB) Query(ctx context.Context, query string, args ...any) (*sql.Rows, error) {
	return db.read.QueryContext(ctx, db.rebind(query), db.args(args)...)
}

// QueryRow reads one row through the reader pool.
func (db *DB) QueryRow(ctx context.Context, query string, args ...any) *sql.Row {
	return db.read.QueryRowContext(ctx, db.rebind(query), db.args(args)...)
}

// WriteRow runs a statement that returns a row (INSERT ... RETURNING) on the writer.
func (db *DB) WriteRow(ctx context.Context, query string, args ...any) *sql.Row {
	return db.write.QueryRowContext(ctx, db.rebind(query), db.args(args)...)
}

// Tx is a transaction on the writer.
type Tx struct {
	tx       *sql.Tx
	conn     *sql.Conn // PostgreSQL: the transaction's connection, for COPY (CopyRows)
	db       *DB
	onCommit []func()
}

// InTx runs fn in a transaction: committed when fn returns nil, rolled back
// otherwise. Functions given to Tx.AfterCommit run after a successful commit
// (real-time events are published there, never before).
func (db *DB) InTx(ctx context.Context, fn func(tx *Tx) error) error {
	if db.dialect == SQLite {
		db.prepareWanted(ctx)
	}
	// On PostgreSQL the transaction begins on a connection held for it, so
	// that pgx's COPY can run on the same connection, inside the transaction;
	// database/sql offers the driver connection only through a *sql.Conn.
	var conn *sql.Conn
	begin := db.write.BeginTx
	if db.dialect == Postgres {
		c, err := db.write.Conn(ctx)
		if err != nil {
			return fmt.Errorf("begin: %w", err)
		}
		defer c.Close()
		conn, begin = c, c.BeginTx
	}
	sqlTx, err := begin(ctx, nil)
	if err != nil {
		return fmt.Errorf("begin: %w", err)
	}
	tx := &Tx{tx: sqlTx, conn: conn, db: db}
	if err := fn(tx); err != nil {
		if rbErr := sqlTx.Rollback(); rbErr != nil && !errors.Is(rbErr, sql.ErrTxDone) {
			return errors.Join(err, fmt.Errorf("rollback: %w", rbErr))
		}
		return err
	}
	if err := sqlTx.Commit(); err != nil {
		return fmt.Errorf("commit: %w", err)
	}
	for _, f := range tx.onCommit {
		f()
	}
	return nil
}

// AfterCommit registers f to run once the transaction has committed.
func (tx *Tx) AfterCommit(f func()) { tx.onCommit = append(tx.onCommit, f) }

// SQL is the underlying transaction, for River's InsertTx.
func (tx *Tx) SQL() *sql.Tx { return tx.tx }

// Dialect says which engine this is.
func (tx *Tx) Dialect() Dialect { return tx.db.dialect }

// Exec runs a statement in the transaction.
func (tx *Tx) Exec(ctx context.Context, query string, args ...any) (sql.Result, error) {
	if st := tx.prepared(ctx, query); st != nil {
		return st.ExecContext(ctx, tx.db.args(args)...)
	}
	return tx.tx.ExecContext(ctx, tx.db.rebind(query), tx.db.args(args)...)
}

// Query reads in the transaction.
func (tx *Tx) Query(ctx context.Context, query string, args ...any) (*sql.Rows, error) {
	if st := tx.prepared(ctx, query); st != nil {
		return st.QueryContext(ctx, tx.db.args(args)...)
	}
	return tx.tx.QueryContext(ctx, tx.db.rebind(query), tx.db.args(args)...)
}

// QueryRow reads one row in the transaction.
func (tx *Tx) QueryRow(ctx context.Context, query string, args ...any) *sql.Row {
	if st := tx.prepared(ctx, query); st != nil {
		return st.QueryRowContext(ctx, tx.db.args(args)...)
	}
	return tx.tx.QueryRowContext(ctx, tx.db.rebind(query), tx.db.args(args)...)
}

// maxPrepared bounds the SQLite writer's statement cache; statements whose
// text varies (multi-row inserts) stop being cached once it is full.
const maxPrepared = 256

// prepared returns the writer's cached prepared statement for query, bound
// to the transaction, or nil to run the query as text. SQLite compiles every
// statement it is given, and on hot paths (webhook processing) compiling
// costs more than running, so the writer keeps each statement it has seen
// compiled. A statement seen for the first time runs as text and is
// prepared before the next transaction begins: preparing needs the writer's
// one connection, which the running transaction holds. PostgreSQL needs none
// of this: pgx caches statements per connection itself.
func (tx *Tx) prepared(ctx context.Context, query string) *sql.Stmt {
	db := tx.db
	if db.dialect != SQLite || len(query) > 4000 || strings.Contains(strings.TrimRight(query, "; \n\t"), ";") {
		return nil
	}
	db.stmtMu.Lock()
	st, ok := db.stmts[query]
	if !ok && len(db.stmts)+len(db.wanted) < maxPrepared {
		if db.wanted == nil {
			db.wanted = map[string]bool{}
		}
		db.wanted[query] = true
	}
	db.stmtMu.Unlock()
	if st == nil {
		return nil
	}
	return tx.tx.StmtContext(ctx, st)
}

// prepareWanted compiles the statements transactions asked for, before a
// transaction takes the writer.
func (db *DB) prepareWanted(ctx context.Context) {
	db.stmtMu.Lock()
	if len(db.wanted) == 0 {
		db.stmtMu.Unlock()
		return
	}
	queries := make([]string, 0, len(db.wanted))
	for q := range db.wanted {
		queries = append(queries, q)
	}
	clear(db.wanted)
	db.stmtMu.Unlock()
	for _, q := range queries {
		st, err := db.write.PrepareContext(ctx, db.rebind(q))
		if err != nil {
			continue // it keeps running as text
		}
		db.stmtMu.Lock()
		if db.stmts == nil {
			db.stmts = map[string]*sql.Stmt{}
		}
		if old, ok := db.stmts[q]; ok {
			old.Close()
		}
		db.stmts[q] = st
		db.stmtMu.Unlock()
	}
}

// args converts time arguments for SQLite into fixed-width UTC text.
func (db *DB) args(args []any) []any {
	if db.dialect != SQLite {
		return args
	}
	var out []any // copied on the first change: the caller's slice stays as it was
	for i, a := range args {
		var conv any
		switch v := a.(type) {
		case time.Time:
			conv = formatTime(v)
		case *time.Time:
			if v != nil {
				conv = formatTime(*v)
			}
		case Time:
			if !v.IsZero() {
				conv = formatTime(v.Time)
			}
		default:
			continue
		}
		if out == nil {
			out = append([]any(nil), args...)
		}
		out[i] = conv
	}
	if out == nil {
		return args
	}
	return out
}
