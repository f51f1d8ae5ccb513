package httpapi_test

import (
	"context"
	"fmt"
	"net/url"
	"testing"
	"time"

	"github.com/masteria/masteria/internal/store/db"
	"github.com/masteria/masteria/internal/store/dbtest"
)

// TestConversationPagesWalkEveryConversation: following next_cursor visits
// every conversation once, in order, in both sorts, also when conversations
// share a time (the id breaks the tie).
func TestConversationPagesWalkEveryConversation(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		e := setup(t, d)
		owner, _ := e.signup("Page Co", "owner@page.example")
		sim := owner.must(201, "POST", "/api/v1/connections", map[string]any{"type": "simulator", "name": "S"})["id"].(string)
		const n = 7
		for i := range n {
			owner.must(202, "POST", "/api/v1/connections/"+sim+"/simulate", map[string]any{"from": fmt.Sprintf("+55119876543%02d", i), "text": "oi"})
		}
		waitConversations(t, owner, url.Values{}, n)
		// Three share their last activity and their creation time.
		same := time.Now().UTC().Truncate(time.Second)
		if _, err := d.Exec(context.Background(), `UPDATE conversations SET last_message_at = ?, created_at = ?
			WHERE id IN (SELECT id FROM conversations ORDER BY id LIMIT 3)`, same, same); err != nil {
			t.Fatal(err)
		}
		for _, sort := range []string{"recent", "oldest"} {
			all := data(owner.must(200, "GET", "/api/v1/conversations?limit=100&sort="+sort, nil))
			var walked []any
			cursor := ""
			for range n + 1 {
				page := owner.must(200, "GET", "/api/v1/conversations?limit=2&sort="+sort+"&cursor="+url.QueryEscape(cursor), nil)
				walked = append(walked, data(page)...)
				cursor, _ = page["next_cursor"].(string)
				if cursor == "" {
					break
				}
			}
			if len(walked) != n || len(all) != n {
				t.Fatalf("%s: walked %d, listed %d, want %d", sort, len(walked), len(all), n)
			}
			for i := range all {
				if walked[i].(map[string]any)["id"] != all[i].(map[string]any)["id"] {
					t.Fatalf("%s: page order differs from the list at %d", sort, i)
				}
			}
		}
	})
}
