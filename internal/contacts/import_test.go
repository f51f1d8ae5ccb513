package contacts_test

import (
	"context"
	"strings"
	"testing"

	"github.com/riverqueue/river"
	"github.com/riverqueue/river/rivertype"

	"github.com/masteria/masteria/internal/contacts"
	"github.com/masteria/masteria/internal/store/db"
	"github.com/masteria/masteria/internal/store/dbtest"
)

// TestImportKeepsSuppressedNumbersOptedOut: a number whose opted-out contact
// was erased comes back opted out from an import that opts everyone else in;
// the import looks suppressions up only when the company has some, so both
// cases are here.
func TestImportKeepsSuppressedNumbersOptedOut(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		s, companyID := newService(t, d)
		ctx := context.Background()
		gone, err := s.Create(ctx, companyID, contacts.Input{Phone: "+5521987650001", Name: "Gone"})
		if err != nil {
			t.Fatal(err)
		}
		if _, err := s.RecordConsent(ctx, companyID, gone.ID, contacts.ConsentInput{Action: "opt_out", Source: "api"}); err != nil {
			t.Fatal(err)
		}
		if err := s.Delete(ctx, companyID, gone.ID); err != nil {
			t.Fatal(err)
		}

		csv := "Nome;Telefone\nVolta;(21) 98765-0001\nNova;(21) 98765-0002\n"
		imp, err := s.StartImport(ctx, companyID, "c.csv", strings.NewReader(csv), int64(len(csv)), nil,
			contacts.ImportOptions{OptInSource: "form", OptInWording: "Quero receber"})
		if err != nil {
			t.Fatal(err)
		}
		w := &contacts.ImportWorker{Service: s}
		if err := w.Work(ctx, &river.Job[contacts.ImportArgs]{JobRow: &rivertype.JobRow{}, Args: contacts.ImportArgs{ImportID: imp.ID, CompanyID: companyID}}); err != nil {
			t.Fatal(err)
		}
		got, _, err := s.List(ctx, companyID, contacts.Query{Limit: 10})
		if err != nil {
			t.Fatal(err)
		}
		want := map[string]string{"+5521987650001": contacts.OptedOut, "+5521987650002": contacts.OptedIn}
		if len(got) != len(want) {
			t.Fatalf("got %d contacts, want %d", len(got), len(want))
		}
		for _, c := range got {
			if c.Consent.State != want[c.Phone] {
				t.Errorf("%s: consent %q (source %q), want %q", c.Phone, c.Consent.State, c.Consent.Source, want[c.Phone])
			}
		}
	})
}
