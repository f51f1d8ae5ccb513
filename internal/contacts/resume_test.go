package contacts_test

import (
	"context"
	"errors"
	"fmt"
	"os"
	"strings"
	"testing"

	"github.com/riverqueue/river"
	"github.com/riverqueue/river/rivertype"

	"github.com/masteria/masteria/internal/contacts"
	"github.com/masteria/masteria/internal/store/db"
	"github.com/masteria/masteria/internal/store/dbtest"
)

// TestImportResumesAfterAnInterruption stops an import between batches (as
// a crash or a deploy would) and runs the job again, as River's retry does:
// every row ends up imported exactly once and the counters add up.
func TestImportResumesAfterAnInterruption(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		defer contacts.SetImportBatch(100)()
		s, companyID := newService(t, d)
		ctx := context.Background()
		const n = 1000
		var b strings.Builder
		b.WriteString("Nome;Telefone\n")
		for i := 0; i < n; i++ {
			fmt.Fprintf(&b, "P%d;(21) 9%04d-%04d\n", i, i, i)
		}
		path := t.TempDir() + "/c.csv"
		if err := os.WriteFile(path, []byte(b.String()), 0o600); err != nil {
			t.Fatal(err)
		}
		f, _ := os.Open(path)
		defer f.Close()
		imp, err := s.StartImport(ctx, companyID, "c.csv", f, int64(b.Len()), nil, contacts.ImportOptions{})
		if err != nil {
			t.Fatal(err)
		}
		job := &river.Job[contacts.ImportArgs]{JobRow: &rivertype.JobRow{}, Args: contacts.ImportArgs{ImportID: imp.ID, CompanyID: companyID}}
		w := &contacts.ImportWorker{Service: s}

		// Stop after the third committed batch, as a crash between batches would.
		runCtx, cancel := context.WithCancel(ctx)
		batches := 0
		defer contacts.AfterBatch(func() {
			if batches++; batches == 3 {
				cancel()
			}
		})()
		err = w.Work(runCtx, job)
		if err == nil || !errors.Is(err, context.Canceled) {
			t.Fatalf("first run should be interrupted, got %v", err)
		}
		mid, _ := s.GetImport(ctx, companyID, imp.ID)
		if mid.Status != "running" || mid.Processed == 0 || mid.Processed >= n || mid.Processed%100 != 0 {
			t.Fatalf("after the interruption: %+v", mid)
		}
		if err := w.Work(ctx, job); err != nil {
			t.Fatalf("second run: %v", err)
		}
		done, _ := s.GetImport(ctx, companyID, imp.ID)
		if done.Status != "completed" || done.Processed != n || done.Created != n || done.Skipped != 0 || done.Rejected != 0 {
			t.Fatalf("after resuming: %+v (interrupted at %d)", done, mid.Processed)
		}
		var contactsN int
		if err := d.QueryRow(ctx, `SELECT count(*) FROM contacts WHERE company_id = ?`, companyID).Scan(&contactsN); err != nil || contactsN != n {
			t.Fatalf("%d contacts, want %d", contactsN, n)
		}
	})
}

// TestImportRejectsHugeLinesAndWideRowsAndGoesOn: a 10 MB line and a row of
// 500 columns are rejected with their reason; the rows around them import.
func TestImportRejectsHugeLinesAndWideRowsAndGoesOn(t *testing.T) {
	d := dbtest.SQLite(t)
	s, companyID := newService(t, d)
	ctx := context.Background()
	var b strings.Builder
	b.WriteString("Nome;Telefone\n")
	b.WriteString("Antes;(21) 99999-0001\n")
	b.WriteString("Enorme;" + strings.Repeat("x", 10<<20) + "\n")
	b.WriteString("Larga" + strings.Repeat(";c", 499) + "\n")
	b.WriteString("Depois;(21) 99999-0002\n")
	path := t.TempDir() + "/c.csv"
	if err := os.WriteFile(path, []byte(b.String()), 0o600); err != nil {
		t.Fatal(err)
	}
	f, _ := os.Open(path)
	defer f.Close()
	imp, err := s.StartImport(ctx, companyID, "c.csv", f, int64(b.Len()), nil, contacts.ImportOptions{})
	if err != nil {
		t.Fatal(err)
	}
	w := &contacts.ImportWorker{Service: s}
	if err := w.Work(ctx, &river.Job[contacts.ImportArgs]{JobRow: &rivertype.JobRow{}, Args: contacts.ImportArgs{ImportID: imp.ID, CompanyID: companyID}}); err != nil {
		t.Fatal(err)
	}
	got, _ := s.GetImport(ctx, companyID, imp.ID)
	if got.Created != 2 || got.Rejected != 2 || got.Status != "completed" {
		t.Fatalf("import: %+v", got)
	}
	var out strings.Builder
	if err := s.Report(ctx, companyID, imp.ID, "en", &out); err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(out.String(), "3,The line is too long") || !strings.Contains(out.String(), "4,The line has too many columns") {
		t.Fatalf("report:\n%.500s", out.String())
	}
}
