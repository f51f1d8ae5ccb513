package conversations

import (
	"context"
	"fmt"

	"github.com/masteria/masteria/internal/store/db"
)

// searchFew is the number of matching messages up to which a search lists
// the matching conversations from the text index; beyond it, conversations
// are checked along the list. Variable so tests can take both ways.
var searchFew = 2000

// searchCondition is the List condition for q (trimmed, not empty) and its
// arguments: the contact's name or number contains q, or the protocol is q,
// or the text of a message contains q. Each way is right for some q:
//
//   - q of fewer than db.MinTextSearch characters has no trigram for the
//     index to find, and reading every message for it took seconds at a
//     million messages; so only the conversation's own row is searched: the
//     contact, the protocol and the last message's preview.
//   - few matching messages (at most searchFew): the index lists them and
//     the conversations are looked up by id and sorted, in milliseconds,
//     however rare the match ("Pessoa 10000", or nothing at all, was 2.5 s
//     when every conversation's messages were read).
//   - many (a common word, "boleto" in every fifth conversation): the list
//     is walked in order and each conversation's messages checked, which
//     fills a page after a few hundred conversations; the index would
//     have to return every one of the many messages first.
//
// Counting up to searchFew+1 matches in the index picks the way; the count
// is bounded, so it costs about what the few-matches way does.
func (s *Service) searchCondition(ctx context.Context, companyID, q string) (string, []any, error) {
	like := db.LikeContains(q)
	if !db.TextSearchable(q) {
		return `(c.search LIKE ? ESCAPE '\' OR v.protocol = ? OR lower(v.last_message_text) LIKE ? ESCAPE '\')`,
			[]any{like, q, like}, nil
	}
	hits, hargs := db.MessagesWithText(s.db.Dialect(), companyID, q)
	var n int
	if err := s.db.QueryRow(ctx, `SELECT count(*) FROM (`+hits+` LIMIT ?) h`, append(hargs, searchFew+1)...).Scan(&n); err != nil {
		return "", nil, fmt.Errorf("count search matches: %w", err)
	}
	if n <= searchFew {
		// Every way to match gives ids; the list reads just those.
		args := append(hargs, companyID, q, companyID, like)
		return `v.id IN (` + hits + `
			UNION SELECT p.id FROM conversations p WHERE p.company_id = ? AND p.protocol = ?
			UNION SELECT k.id FROM conversations k WHERE k.contact_id IN
				(SELECT c2.id FROM contacts c2 WHERE c2.company_id = ? AND c2.search LIKE ? ESCAPE '\'))`, args, nil
	}
	// OFFSET 0 keeps PostgreSQL from turning the EXISTS into one hashed
	// pass over every matching message (the 0.5 s it took before); per
	// conversation, it stops at the first match.
	return `(c.search LIKE ? ESCAPE '\' OR v.protocol = ?
		OR EXISTS (SELECT 1 FROM messages m WHERE m.conversation_id = v.id AND m.company_id = v.company_id AND lower(m.text) LIKE ? ESCAPE '\' LIMIT 1 OFFSET 0))`,
		[]any{like, q, like}, nil
}
