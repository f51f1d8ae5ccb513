package conversations

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/masteria/masteria/internal/ids"
	"github.com/masteria/masteria/internal/store/db"
	"github.com/masteria/masteria/internal/store/dbtest"
)

// searchFixture is two companies' conversations, written straight into
// the store so that each case controls every text.
type searchFixture struct {
	t       testing.TB
	d       *db.DB
	at      time.Time
	company map[string]string // name -> id
	conv    map[string]string // name -> id, and back
	contact map[string]string // conversation name -> contact id
	msg     map[string]string // message text -> id
}

func newSearchFixture(t testing.TB, d *db.DB) *searchFixture {
	f := &searchFixture{t: t, d: d, at: time.Date(2026, 12, 1, 9, 0, 0, 0, time.UTC),
		company: map[string]string{}, conv: map[string]string{}, contact: map[string]string{}, msg: map[string]string{}}
	for _, co := range []string{"A", "B"} {
		f.company[co] = ids.New()
		f.exec(`INSERT INTO companies (id, name, time_zone, default_country, business_hours, created_at, updated_at) VALUES (?, ?, 'America/Sao_Paulo', 'BR', '{}', ?, ?)`,
			f.company[co], co, f.at, f.at)
	}
	return f
}

func (f *searchFixture) exec(q string, args ...any) {
	f.t.Helper()
	if _, err := f.d.Exec(context.Background(), q, args...); err != nil {
		f.t.Fatalf("%s: %v", q, err)
	}
}

// add writes a conversation with its contact and messages, oldest first;
// the last message is its preview and its time is the conversation's
// activity, so later conversations come first in the list.
func (f *searchFixture) add(co, name, contactName, phone, protocol string, texts ...string) {
	f.t.Helper()
	coID, contactID, convID := f.company[co], ids.New(), ids.New()
	f.exec(`INSERT INTO contacts (id, company_id, phone, name, search, created_at, updated_at) VALUES (?, ?, ?, ?, ?, ?, ?)`,
		contactID, coID, phone, contactName, strings.ToLower(contactName+" "+phone+" "), f.at, f.at)
	var last string
	for _, text := range texts {
		f.at = f.at.Add(time.Minute)
		last = text
	}
	f.exec(`INSERT INTO conversations (id, company_id, contact_id, status, last_message_at, protocol, last_message_type, last_message_text, created_at, updated_at)
		VALUES (?, ?, ?, 'open', ?, ?, 'text', ?, ?, ?)`, convID, coID, contactID, f.at, protocol, last, f.at, f.at)
	at := f.at.Add(-time.Duration(len(texts)) * time.Minute)
	for _, text := range texts {
		at = at.Add(time.Minute)
		id := ids.New()
		f.exec(`INSERT INTO messages (id, company_id, conversation_id, contact_id, direction, type, text, status, created_at)
			VALUES (?, ?, ?, ?, 'inbound', 'text', ?, 'received', ?)`, id, coID, convID, contactID, text, at)
		f.msg[text] = id
	}
	f.conv[name], f.conv[convID], f.contact[name] = convID, name, contactID
}

// search lists company A's conversations for q, following every cursor,
// and names them in list order.
func (f *searchFixture) search(t testing.TB, q string, limit int) []string {
	t.Helper()
	s := NewService(f.d, nil)
	var names []string
	cursor := ""
	for range 100 {
		page, next, err := s.List(context.Background(), f.company["A"], Query{Q: q, Limit: limit, Cursor: cursor})
		if err != nil {
			t.Fatalf("q=%q: %v", q, err)
		}
		for _, v := range page {
			names = append(names, f.conv[v.ID])
		}
		if next == "" {
			return names
		}
		cursor = next
	}
	t.Fatalf("q=%q: no last page", q)
	return nil
}

func TestSearchConversations(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		f := newSearchFixture(t, d)
		f.add("A", "joana", "Joana Silva", "+5511911110001", "20261201-000001",
			"Quero trocar meu pedido 4471", "Pode me mandar o BOLETO?", "desconto de 10% no_frete")
		f.add("A", "carlos", "Carlos Lima", "+5511922220002", "20261201-000002",
			"Olá, ação promocional", "100 por cento, custo fixo")
		f.add("A", "maria", "Maria Souza", "+5511933330003", "20261201-000003", "bom dia")
		// Another company's conversation says the same things.
		f.add("B", "other", "Joana Pires", "+5511944440004", "20261201-000001",
			"Quero trocar meu pedido 4471", "boleto ação 10% no_frete", "Pires")

		tests := []struct {
			name, q string
			want    []string
		}{
			{"substring in the middle of a word", "olet", []string{"joana"}},
			{"end of a word and the next", "ocional", []string{"carlos"}},
			{"words across a space", "meu pedido", []string{"joana"}},
			{"case folded, query upper", "BoLeTo", []string{"joana"}},
			{"case folded, text upper", "boleto", []string{"joana"}},
			{"accent kept: query with accent", "ação", []string{"carlos"}},
			{"accent kept: query without", "acao", nil},
			{"contact name", "joana", []string{"joana"}},
			{"contact name, middle", "uza", []string{"maria"}},
			{"contact phone", "933330003", []string{"maria"}},
			{"protocol, exact", "20261201-000002", []string{"carlos"}},
			{"protocol, a part is not the protocol", "1201-00000", nil},
			{"percent is literal", "10%", []string{"joana"}},
			{"underscore is literal", "o_f", []string{"joana"}},
			{"backslash is literal", `10\%`, nil},
			{"quote in the query", `"boleto`, nil},
			{"nothing", "nada disso", nil},
			{"another company's message never matches", "pires", nil},
			{"two characters: contact name", "Jo", []string{"joana"}},
			{"two characters: last message's preview", "di", []string{"maria"}},
			{"two characters: an older message is not searched", "qu", nil},
			{"one character: in every number", "1", []string{"maria", "carlos", "joana"}},
			{"spaces around are trimmed", "  olet  ", []string{"joana"}},
			{"a long query, all of it checked", "Quero trocar meu pedido 4471", []string{"joana"}},
			{"a long query differing past the trigrams looked up", "Quero trocar meu pedido 4472", nil},
			{"trigrams present, not in sequence", "olepod", nil},
		}
		for _, way := range []struct {
			name string
			few  int
		}{{"from the index", 2000}, {"along the list", 0}} {
			t.Run(way.name, func(t *testing.T) {
				defer func(was int) { searchFew = was }(searchFew)
				searchFew = way.few
				for _, tt := range tests {
					t.Run(tt.name, func(t *testing.T) {
						if got := f.search(t, tt.q, 50); !slices.Equal(got, tt.want) {
							t.Fatalf("q=%q: got %v, want %v", tt.q, got, tt.want)
						}
					})
				}
			})
		}
	})
}

func TestSearchForgetsEditedDeletedAndErasedText(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		f := newSearchFixture(t, d)
		f.add("A", "joana", "Joana Silva", "+5511911110001", "p1", "mensagem agendada", "segunda mensagem")
		f.add("A", "carlos", "Carlos Lima", "+5511922220002", "p2", "mensagem apagada")
		f.add("A", "maria", "Maria Souza", "+5511933330003", "p3", "mensagem de quem pediu para ser esquecida")
		if got := f.search(t, "mensagem", 50); len(got) != 3 {
			t.Fatalf("before: %v", got)
		}
		// As the outbox edits a scheduled message's text.
		f.exec(`UPDATE messages SET text = ? WHERE id = ?`, "texto novo", f.msg["mensagem agendada"])
		// As a cancelled message is deleted.
		f.exec(`DELETE FROM messages WHERE id = ?`, f.msg["mensagem apagada"])
		// As a contact's erasure deletes it, its conversations and messages
		// going with it (ON DELETE CASCADE).
		f.exec(`DELETE FROM contacts WHERE company_id = ? AND id = ?`, f.company["A"], f.contact["maria"])

		for _, tt := range []struct {
			q    string
			want []string
		}{
			{"agendada", nil},
			{"texto novo", []string{"joana"}},
			{"apagada", nil},
			{"esquecida", nil},
			{"mensagem", []string{"joana"}},
		} {
			if got := f.search(t, tt.q, 50); !slices.Equal(got, tt.want) {
				t.Errorf("q=%q: got %v, want %v", tt.q, got, tt.want)
			}
		}
		// The index itself keeps nothing of the removed texts: an erased
		// person's words are gone, not just hidden by the join.
		if d.Dialect() == db.SQLite {
			for _, word := range []string{"agendada", "apagada", "esquecida", "texto novo"} {
				var n int
				if err := d.QueryRow(context.Background(), `SELECT count(*) FROM message_search WHERE message_search MATCH ?`, allTrigrams(word)).Scan(&n); err != nil {
					t.Fatal(err)
				}
				if want := map[bool]int{true: 1, false: 0}[word == "texto novo"]; n != want {
					t.Errorf("index rows for %q: %d, want %d", word, n, want)
				}
			}
		}
	})
}

func TestSearchPagesWithCursor(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		f := newSearchFixture(t, d)
		var want []string
		for i := range 7 {
			name := fmt.Sprintf("c%d", i)
			text := "sem assunto"
			if i%2 == 0 {
				text = fmt.Sprintf("segunda via do boleto %d", i)
			}
			f.add("A", name, "Pessoa "+name, fmt.Sprintf("+55119000000%02d", i), fmt.Sprintf("p%d", i), "oi", text)
			if i%2 == 0 {
				want = append([]string{name}, want...) // newest first
			}
		}
		for _, few := range []int{2000, 0} {
			t.Run(fmt.Sprintf("searchFew=%d", few), func(t *testing.T) {
				defer func(was int) { searchFew = was }(searchFew)
				searchFew = few
				for _, limit := range []int{1, 2, 3, 50} {
					if got := f.search(t, "boleto", limit); !slices.Equal(got, want) {
						t.Fatalf("limit %d: got %v, want %v", limit, got, want)
					}
				}
			})
		}
	})
}

// allTrigrams is an FTS5 query for the rows of message_search holding
// every trigram of a lower-case ASCII word.
func allTrigrams(word string) string {
	var terms []string
	for i := 0; i+3 <= len(word); i++ {
		terms = append(terms, `"`+word[i:i+3]+`"`)
	}
	return strings.Join(terms, " AND ")
}
