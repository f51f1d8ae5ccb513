package db

import (
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
// (migration 0007) and keep exactly the rows that
// `lower(text) LIKE '%s%'` keeps, so the two databases and the search before
// the index agree (case folded as lower() folds it, accents kept).
const (
	// FTS5 narrows to the rowids whose text holds every trigram of s in
	// sequence (a phrase query is a substring search with this tokenizer);
	// the join reads each candidate's row for its company and text.
	sqliteMessagesWithText = `SELECT m.conversation_id FROM message_search s JOIN messages m ON m.rowid = s.rowid
	WHERE s.text MATCH ? AND m.company_id = ? AND lower(m.text) LIKE ? ESCAPE '\'`
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
	// A quoted FTS5 string is taken literally (its operators and
	// punctuation are just characters); a quote is written twice.
	phrase := `"` + strings.ReplaceAll(s, `"`, `""`) + `"`
	return sqliteMessagesWithText, []any{phrase, companyID, LikeContains(s)}
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
