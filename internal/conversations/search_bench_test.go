package conversations

import (
	"context"
	"fmt"
	"testing"
	"time"

	"github.com/masteria/masteria/internal/ids"
	"github.com/masteria/masteria/internal/store/db"
	"github.com/masteria/masteria/internal/store/dbtest"
)

// BenchmarkMessageInsert measures what the search index (migration 0009)
// adds to writing a message, the hot path of inbound intake and campaign
// sending: the same inserts with the index ("indexed") and with its
// trigger or index dropped ("unindexed"), one message per transaction (a
// reply) and 100 per transaction (a group commit of webhook deliveries, a
// campaign's batch), into a table already holding 20,000 messages.
func BenchmarkMessageInsert(b *testing.B) {
	for _, dialect := range []db.Dialect{db.SQLite, db.Postgres} {
		for _, indexed := range []bool{true, false} {
			for _, batch := range []int{1, 100} {
				name := fmt.Sprintf("%s/indexed=%v/batch=%d", dialect, indexed, batch)
				b.Run(name, func(b *testing.B) {
					if dialect == db.Postgres && dbtest.PostgresURL() == "" {
						b.Skip("TEST_DATABASE_URL is not set")
					}
					benchInsert(b, dbtest.Open(b, dialect), indexed, batch)
				})
			}
		}
	}
}

func benchInsert(b *testing.B, d *db.DB, indexed bool, batch int) {
	ctx := context.Background()
	f := newSearchFixture(b, d)
	f.add("A", "c", "Pessoa", "+5511900000001", "p1", "oi")
	convID, contactID := f.conv["c"], f.contact["c"]
	if !indexed {
		drop := `DROP TRIGGER message_search_insert`
		if d.Dialect() == db.Postgres {
			drop = `DROP INDEX messages_text_trgm`
		}
		f.exec(drop)
	}
	n := 0
	insert := func(rows int) {
		err := d.InTx(ctx, func(tx *db.Tx) error {
			for range rows {
				n++
				_, err := tx.Exec(ctx, `INSERT INTO messages (id, company_id, conversation_id, contact_id, direction, type, text, status, created_at)
					VALUES (?, ?, ?, ?, 'inbound', 'text', ?, 'received', ?)`, ids.New(), f.company["A"], convID, contactID,
					fmt.Sprintf("Olá, meu pedido %d ainda não chegou, pode verificar o boleto %d?", n, n*7), time.Now())
				if err != nil {
					return err
				}
			}
			return nil
		})
		if err != nil {
			b.Fatal(err)
		}
	}
	for range 200 {
		insert(100)
	}
	b.ResetTimer()
	start := time.Now()
	for range b.N {
		insert(batch)
	}
	elapsed := time.Since(start)
	b.ReportMetric(float64(b.N*batch)/elapsed.Seconds(), "messages/s")
	b.ReportMetric(float64(elapsed.Microseconds())/float64(b.N*batch), "µs/message")
}
