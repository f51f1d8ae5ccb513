package jobs_test

import (
	"context"
	"errors"
	"io"
	"log/slog"
	"testing"
	"time"

	"github.com/riverqueue/river"

	"github.com/masteria/masteria/internal/jobs"
	"github.com/masteria/masteria/internal/store/db"
	"github.com/masteria/masteria/internal/store/dbtest"
)

type pingArgs struct{ N int }

func (pingArgs) Kind() string { return "test.ping" }

type pingWorker struct {
	river.WorkerDefaults[pingArgs]
	done chan int
}

func (w *pingWorker) Work(_ context.Context, j *river.Job[pingArgs]) error {
	w.done <- j.Args.N
	return nil
}

// TestJobsShareTheCallersTransaction: a job inserted in a transaction that
// rolls back never exists; one that commits runs.
func TestJobsShareTheCallersTransaction(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		ctx := context.Background()
		w := &pingWorker{done: make(chan int, 4)}
		workers := river.NewWorkers()
		river.AddWorker(workers, w)
		q, err := jobs.New(d, slog.New(slog.NewTextHandler(io.Discard, nil)), jobs.Options{Workers: workers, PollInterval: 20 * time.Millisecond})
		if err != nil {
			t.Fatal(err)
		}
		boom := errors.New("boom")
		err = d.InTx(ctx, func(tx *db.Tx) error {
			if err := q.Insert(ctx, tx, pingArgs{N: 1}, nil); err != nil {
				return err
			}
			return boom
		})
		if !errors.Is(err, boom) {
			t.Fatal(err)
		}
		if err := d.InTx(ctx, func(tx *db.Tx) error { return q.Insert(ctx, tx, pingArgs{N: 2}, nil) }); err != nil {
			t.Fatal(err)
		}
		var n int
		if err := d.QueryRow(ctx, `SELECT count(*) FROM river_job`).Scan(&n); err != nil || n != 1 {
			t.Fatalf("%d jobs stored (%v), want only the committed one", n, err)
		}
		runCtx, cancel := context.WithCancel(ctx)
		defer cancel()
		if err := q.Start(runCtx); err != nil {
			t.Fatal(err)
		}
		defer func() {
			stopCtx, c := context.WithTimeout(ctx, 5*time.Second)
			defer c()
			_ = q.Stop(stopCtx)
		}()
		select {
		case got := <-w.done:
			if got != 2 {
				t.Fatalf("ran job %d, want 2", got)
			}
		case <-time.After(10 * time.Second):
			t.Fatal("the committed job never ran")
		}
	})
}
