package conversations

import (
	"context"
	"encoding/json"
	"fmt"

	"github.com/masteria/masteria/internal/store/db"
)

// searchFew is the number of matching messages up to which a search lists
// the matching conversations from the text index; beyond it, conversations
// are checked along the list. Variable so tests can take both ways.
var searchFew = 2000

// searchCondition is the List condition for q (trimmed, not empty) and its
// arguments, naming no table but v (List sorts conversations before joining
// them): the contact's name or number contains q, or the protocol is q,
// or the text of a message contains q. Each way is right for some q:
//
//   - q of fewer than db.MinTextSearch characters has no trigram for the
//     index to find, and reading every message for it took seconds at a
//     million messages; so only the conversation's own row is searched: the
//     contact, the protocol and the last message's preview.
//   - few matching messages (at most searchFew): the index lists them, and
//     their conversations, with those of matching contacts and protocol, are
//     looked up by id and sorted, in milliseconds however rare the match
//     ("Pessoa 10000", or nothing at all, took 2.5 s when every
//     conversation's messages were read).
//   - many (a common word, "boleto" in every fifth conversation): the list
//     is walked in order and each conversation's messages checked, which
//     fills a page after a few hundred conversations, where the index would
//     have to return every one of the many messages first.
//
// Reading up to searchFew+1 matches from the index picks the way (on
// PostgreSQL, after the planner's estimate, when it is far over); when they
// are few, the conversations read are the ones listed, so the index is read
// once.
func (s *Service) searchCondition(ctx context.Context, companyID, q string) (string, []any, error) {
	like := db.LikeContains(q)
	if !db.TextSearchable(q) {
		return `(v.contact_id IN (SELECT c2.id FROM contacts c2 WHERE c2.company_id = ? AND c2.search LIKE ? ESCAPE '\')
			OR v.protocol = ? OR lower(v.last_message_text) LIKE ? ESCAPE '\')`,
			[]any{companyID, like, q, like}, nil
	}
	d := s.db.Dialect()
	hits, hargs := db.MessagesWithText(d, companyID, q)
	// Reading 2,001 matches of a common word cost PostgreSQL 30 to 40 ms
	// (a sequential scan, lower() and LIKE on each row), more than the
	// walk it leads to; its estimate of the matches (from the column's
	// statistics) is cheap, and when far over searchFew the walk is taken
	// at once. SQLite has no estimate; its index reads 2,001 in a few ms.
	est, err := s.db.EstimateRows(ctx, hits, hargs...)
	if err != nil {
		return "", nil, err
	}
	if est > 10*searchFew {
		return walkCondition(companyID, q, like)
	}
	rows, err := s.db.Query(ctx, hits+` LIMIT ?`, append(hargs, searchFew+1)...)
	if err != nil {
		return "", nil, fmt.Errorf("search messages: %w", err)
	}
	defer rows.Close()
	n, seen, convs := 0, map[string]bool{}, []string{}
	for rows.Next() {
		var id string
		if err := rows.Scan(&id); err != nil {
			return "", nil, err
		}
		n++
		if !seen[id] {
			seen[id] = true
			convs = append(convs, id)
		}
	}
	if err := rows.Err(); err != nil {
		return "", nil, fmt.Errorf("search messages: %w", err)
	}
	if n <= searchFew {
		list, _ := json.Marshal(convs)
		return `v.id IN (` + db.JSONStrings(d) + `
			UNION SELECT p.id FROM conversations p WHERE p.company_id = ? AND p.protocol = ?
			UNION SELECT k.id FROM conversations k WHERE k.company_id = ? AND k.contact_id IN
				(SELECT c2.id FROM contacts c2 WHERE c2.company_id = ? AND c2.search LIKE ? ESCAPE '\'))`,
			[]any{string(list), companyID, q, companyID, companyID, like}, nil
	}
	return walkCondition(companyID, q, like)
}

// walkCondition checks each conversation along the list.
func walkCondition(companyID, q, like string) (string, []any, error) {
	// The condition names v alone, the contacts matched once by their
	// index, so that PostgreSQL filters conversations as it reads them in
	// order and stops after a page; with `c.search` in it, the planner
	// joined and checked all 20,000 conversations and sorted them (2.4 s).
	// OFFSET 0 keeps PostgreSQL from turning the EXISTS into one hashed
	// pass over every matching message (the 0.5 s it took before); per
	// conversation, it stops at the first match.
	return `(v.contact_id IN (SELECT c2.id FROM contacts c2 WHERE c2.company_id = ? AND c2.search LIKE ? ESCAPE '\')
		OR v.protocol = ?
		OR EXISTS (SELECT 1 FROM messages m WHERE m.conversation_id = v.id AND m.company_id = v.company_id
			AND lower(m.text) LIKE ? ESCAPE '\' LIMIT 1 OFFSET 0))`,
		[]any{companyID, like, q, like}, nil
}
