package db

import (
	"context"
	"encoding/json"
	"fmt"
	"strings"
	"unicode/utf8"
)

// MinTextSearch is the shortest string that the message-text index can
// find: both indexes are made of trigrams (three consecutive characters),
// and a shorter string has none, so it would read every message.
const MinTextSearch = 3

// TextSearchable reports whether s is long enough for [MessagesWithText].
func TextSearchable(s string) bool {
	return utf8.RuneCountInString(s) >= MinTextSearch
}

// LikeContains is a LIKE pattern, for use with ESCAPE '\', that matches any
// text containing the lower-case s literally: its % and _ are not wildcards.
func LikeContains(s string) string {
	return "%" + strings.NewReplacer(`\`, `\\`, `%`, `\%`, `_`, `\_`).Replace(strings.ToLower(s)) + "%"
}

// sqlMessagesWithText per dialect: both find candidates in a trigram index
// (migration 0009) and keep exactly the rows that
// `lower(text) LIKE '%s%'` keeps, so the two databases and the search before
// the index agree (case folded as lower() folds it, accents kept). Neither
// index holds the company: other companies' candidates are read and dropped
// by the company_id condition, which is cheap while one company's common
// word is not another's rare one (a shared instance with many tenants would
// want the company in the index: btree_gin on PostgreSQL).
const (
	// FTS5 narrows to the rowids whose text holds every trigram of s
	// (anywhere: the index keeps no positions, see migration 0009); the
	// join reads each candidate's row for its company and its text, which
	// LIKE checks for s itself.
	sqliteMessagesWithText = `SELECT m.conversation_id FROM message_search JOIN messages m ON m.rowid = message_search.rowid
	WHERE message_search MATCH ? AND m.company_id = ? AND lower(m.text) LIKE ? ESCAPE '\'`
	// The GIN index on lower(text) answers the LIKE itself.
	postgresMessagesWithText = `SELECT m.conversation_id FROM messages m
	WHERE m.company_id = ? AND lower(m.text) LIKE ? ESCAPE '\'`
)

// MessagesWithText is a query for the conversation_id of each of a
// company's messages whose text contains s, with its arguments; one row per
// message, so a caller wanting conversations uses it in IN (...) or adds
// DISTINCT. s must be [TextSearchable]: the index cannot find shorter ones.
func MessagesWithText(d Dialect, companyID, s string) (string, []any) {
	if d == Postgres {
		return postgresMessagesWithText, []any{companyID, LikeContains(s)}
	}
	return sqliteMessagesWithText, []any{trigramQuery(s), companyID, LikeContains(s)}
}

// maxTrigrams bounds the terms of a search in the FTS5 index: a long q
// (a pasted sentence) is narrowed enough by its first ones, and the LIKE
// check keeps the answer exact.
const maxTrigrams = 24

// trigramQuery is an FTS5 query for the rows holding every trigram of s,
// each a quoted string (taken literally: operators and punctuation are just
// characters; a quote is written twice). The index has no positions
// (detail=none), which rules out phrase queries but halves its cost per
// message written.
func trigramQuery(s string) string {
	r := []rune(s)
	seen := map[string]bool{}
	var terms []string
	for i := 0; i+3 <= len(r) && len(terms) < maxTrigrams; i++ {
		t := strings.ToLower(string(r[i : i+3]))
		if seen[t] {
			continue
		}
		seen[t] = true
		terms = append(terms, `"`+strings.ReplaceAll(t, `"`, `""`)+`"`)
	}
	return strings.Join(terms, " AND ")
}

// JSONStrings is a subquery listing the strings of a JSON array given as
// its one argument: a list of any length passed as one value, so the
// statement's text (and the prepared-statement and rewrite caches keyed by
// it) stays the same whatever the length.
func JSONStrings(d Dialect) string {
	if d == Postgres {
		return `SELECT jsonb_array_elements_text(CAST(? AS jsonb))`
	}
	return `SELECT value FROM json_each(?)`
}

// EstimateRows is the planner's estimate of the rows query returns, or -1
// on SQLite, which keeps no statistics to make one. It plans the query
// without running it (EXPLAIN), so a caller can choose between two ways to
// answer before paying for either.
func (db *DB) EstimateRows(ctx context.Context, query string, args ...any) (int, error) {
	if db.dialect != Postgres {
		return -1, nil
	}
	var out string
	if err := db.QueryRow(ctx, `EXPLAIN (FORMAT JSON) `+query, args...).Scan(&out); err != nil {
		return 0, fmt.Errorf("estimate: %w", err)
	}
	var plans []struct {
		Plan struct {
			Rows float64 `json:"Plan Rows"`
		} `json:"Plan"`
	}
	if err := json.Unmarshal([]byte(out), &plans); err != nil || len(plans) == 0 {
		return 0, fmt.Errorf("estimate: unreadable plan %.100q", out)
	}
	return int(plans[0].Plan.Rows), nil
}
