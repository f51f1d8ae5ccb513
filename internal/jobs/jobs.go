// Package jobs runs Masteria's durable background work on River: its SQLite
// driver on SQLite (a connection of its own, as River's driver asks) and its
// database/sql driver over the pgx pool on PostgreSQL, with a pgx listener so
// jobs start at once instead of at the next poll.
//
// One client type on both databases (*sql.Tx) means a domain inserts its jobs
// with Queue.Insert in the same db.Tx as its rows: commit gives the job,
// rollback gives none.
//
// River stays off the per-message hot path (see DESIGN.md). Every job kind
// sets its own Timeout (river.Worker.Timeout) and the client rescues jobs
// stuck past RescueAfter, instead of River's one-hour default, so work
// interrupted by a crash resumes within minutes.
package jobs

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"log/slog"
	"time"

	"github.com/riverqueue/river"
	"github.com/riverqueue/river/riverdriver"
	"github.com/riverqueue/river/riverdriver/riverdatabasesql"
	"github.com/riverqueue/river/riverdriver/riversqlite"

	"github.com/masteria/masteria/internal/store/db"
)

// RescueAfter is how long a running job may go without finishing before
// River gives it to another worker (after a crash, say).
const RescueAfter = 5 * time.Minute

// Queue inserts jobs and, once started, works them.
type Queue struct {
	client *river.Client[*sql.Tx]
}

// Options tune the client; zero values are production defaults.
type Options struct {
	Workers      *river.Workers // nil: insert-only
	PollInterval time.Duration
	MaxWorkers   int
}

// New builds the River client for d. Call Start to begin working jobs.
func New(d *db.DB, logger *slog.Logger, opts Options) (*Queue, error) {
	var driver riverdriver.Driver[*sql.Tx]
	if d.Dialect() == db.SQLite {
		driver = riversqlite.New(d.RiverDB())
	} else {
		driver = riverdatabasesql.NewWithPgxListener(d.RiverDB(), d.Pgx())
	}
	cfg := &river.Config{
		Logger:               logger.With("component", "jobs"),
		RescueStuckJobsAfter: RescueAfter,
		JobTimeout:           time.Minute,
		FetchPollInterval:    opts.PollInterval,
	}
	if opts.PollInterval > 0 && opts.PollInterval < river.FetchCooldownDefault {
		cfg.FetchCooldown = opts.PollInterval
	}
	if opts.Workers != nil {
		cfg.Workers = opts.Workers
		n := opts.MaxWorkers
		if n == 0 {
			n = 10
		}
		cfg.Queues = map[string]river.QueueConfig{river.QueueDefault: {MaxWorkers: n}}
	}
	client, err := river.NewClient(driver, cfg)
	if err != nil {
		return nil, fmt.Errorf("river client: %w", err)
	}
	return &Queue{client: client}, nil
}

// Start begins working jobs until ctx ends or Stop is called.
func (q *Queue) Start(ctx context.Context) error {
	if err := q.client.Start(ctx); err != nil {
		return fmt.Errorf("start jobs: %w", err)
	}
	return nil
}

// Stop lets running jobs finish (until ctx ends), then stops.
func (q *Queue) Stop(ctx context.Context) error {
	err := q.client.Stop(ctx)
	if errors.Is(err, context.DeadlineExceeded) || errors.Is(err, context.Canceled) {
		return q.client.StopAndCancel(context.WithoutCancel(ctx))
	}
	return err
}

// Insert adds a job in the caller's transaction.
func (q *Queue) Insert(ctx context.Context, tx *db.Tx, args river.JobArgs, opts *river.InsertOpts) error {
	if _, err := q.client.InsertTx(ctx, tx.SQL(), args, opts); err != nil {
		return fmt.Errorf("insert %s job: %w", args.Kind(), err)
	}
	return nil
}

// Client is the River client, for tests that wait on job events.
func (q *Queue) Client() *river.Client[*sql.Tx] { return q.client }
