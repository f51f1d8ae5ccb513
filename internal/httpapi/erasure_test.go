package httpapi_test

import (
	"context"
	"net/http"
	"net/http/httptest"
	"net/url"
	"testing"

	"github.com/masteria/masteria/internal/blobs"
	"github.com/masteria/masteria/internal/store/db"
	"github.com/masteria/masteria/internal/store/dbtest"
)

// TestErasureTakesConversationsMessagesAndFiles: exporting a contact gives
// its conversations and messages; erasing it removes them, their files and
// the raw deliveries that name its number (LGPD Art. 18).
func TestErasureTakesConversationsMessagesAndFiles(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		files := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			w.Header().Set("Content-Type", "image/png")
			w.Write([]byte("\x89PNG selfie"))
		}))
		defer files.Close()
		e := setup(t, d)
		e.startJobs()
		owner, companyID := e.signup("Erase Co", "owner@erase.example")
		sim := owner.must(201, "POST", "/api/v1/connections", map[string]any{"type": "simulator", "name": "S"})["id"].(string)
		path := "/api/v1/connections/" + sim + "/simulate"
		owner.must(202, "POST", path, map[string]any{"from": "+5511987654321", "name": "Joana", "text": "meus dados"})
		owner.must(202, "POST", path, map[string]any{"from": "+5511987654321", "media_url": files.URL + "/selfie.png"})
		owner.must(202, "POST", path, map[string]any{"from": "+5521987650000", "name": "Outro", "text": "fico"})
		conv := waitConversations(t, owner, url.Values{}, 2)
		var joana string
		for _, c := range conv {
			if c.(map[string]any)["contact"].(map[string]any)["name"] == "Joana" {
				joana = c.(map[string]any)["contact"].(map[string]any)["id"].(string)
			}
		}
		var key string
		eventually(t, "the file stored", func() bool {
			return d.QueryRow(context.Background(), `SELECT media_key FROM messages WHERE contact_id = ? AND media_status = 'stored'`, joana).Scan(&key) == nil
		})

		export := owner.must(200, "GET", "/api/v1/contacts/"+joana+"/export", nil)
		threads := export["conversations"].([]any)
		if len(threads) != 1 || len(threads[0].(map[string]any)["messages"].([]any)) != 2 {
			t.Fatalf("export conversations = %v", threads)
		}

		if got := data(owner.must(200, "GET", "/api/v1/conversations?q="+url.QueryEscape("meus dados"), nil)); len(got) != 1 {
			t.Fatalf("before the erasure, a search for her words finds %d conversations", len(got))
		}
		owner.must(204, "DELETE", "/api/v1/contacts/"+joana, nil)
		// Her words are gone from the search and from its index, not just
		// hidden by the join to messages.
		if got := data(owner.must(200, "GET", "/api/v1/conversations?q="+url.QueryEscape("meus dados"), nil)); len(got) != 0 {
			t.Errorf("after the erasure, a search for her words finds %d conversations", len(got))
		}
		if d.Dialect() == db.SQLite {
			if n := e.count(`message_search WHERE message_search MATCH '"meu" AND "dad"'`); n != 0 {
				t.Errorf("the search index keeps %d entries of her words", n)
			}
			if n := e.count(`message_search WHERE message_search MATCH '"fic"'`); n != 1 {
				t.Errorf("the search index lost the other contact's words: %d entries", n)
			}
		}
		for table, want := range map[string]int{
			"messages WHERE contact_id = '" + joana + "'":      0,
			"conversations WHERE contact_id = '" + joana + "'": 0,
			"messages":      1,
			"conversations": 1,
			"webhook_events WHERE company_id = '" + companyID + "'": 1,
		} {
			if n := e.count(table); n != want {
				t.Errorf("%s: %d rows, want %d", table, n, want)
			}
		}
		bucket, err := blobs.Open(context.Background(), e.app.Config.BlobURL)
		if err != nil {
			t.Fatal(err)
		}
		defer bucket.Close()
		eventually(t, "the file deleted", func() bool {
			ok, err := bucket.Exists(context.Background(), key)
			return err == nil && !ok
		})
	})
}

// TestMergeMovesConversations: the survivor gets the merged contact's
// conversations and messages; a clashing open conversation is resolved.
func TestMergeMovesConversations(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		e := setup(t, d)
		owner, _ := e.signup("Merge Co", "owner@merge.example")
		sim := owner.must(201, "POST", "/api/v1/connections", map[string]any{"type": "simulator", "name": "S"})["id"].(string)
		path := "/api/v1/connections/" + sim + "/simulate"
		owner.must(202, "POST", path, map[string]any{"from": "+5511987654321", "name": "Ana", "text": "oi do celular"})
		owner.must(202, "POST", path, map[string]any{"from": "+5511912345678", "name": "Ana trabalho", "text": "oi do trabalho"})
		convs := waitConversations(t, owner, url.Values{}, 2)
		a := convs[0].(map[string]any)["contact"].(map[string]any)["id"].(string)
		b := convs[1].(map[string]any)["contact"].(map[string]any)["id"].(string)
		owner.must(200, "POST", "/api/v1/contacts/"+a+"/merge", map[string]any{"other_id": b})
		all := waitConversations(t, owner, url.Values{"contact_id": {a}}, 2)
		open := 0
		for _, c := range all {
			if c.(map[string]any)["status"] != "resolved" {
				open++
			}
		}
		if open != 1 {
			t.Fatalf("%d open conversations after the merge, want 1", open)
		}
		if n := e.count("messages WHERE contact_id = '" + a + "'"); n != 2 {
			t.Fatalf("survivor has %d messages, want 2", n)
		}
		// The merged-away number still reaches the survivor.
		owner.must(202, "POST", path, map[string]any{"from": "+5511912345678", "text": "de novo"})
		eventually(t, "the new message on the survivor", func() bool { return e.count("messages WHERE contact_id = '"+a+"'") == 3 })
	})
}
