package db

import (
	"context"
	"strconv"
	"strings"
	"sync"
)

// rebound caches rewritten queries: stores use a fixed set of SQL strings.
var rebound sync.Map

// rebind rewrites `?` placeholders to PostgreSQL's `$n`, leaving question
// marks inside string literals, quoted identifiers and comments alone.
// (Dollar-quoted bodies are not understood: migrations, which may hold them,
// run without rewriting.)
func (db *DB) rebind(query string) string {
	if db.dialect != Postgres {
		return query
	}
	return Rebind(query)
}

// Rebind is the PostgreSQL rewrite of a `?` query.
func Rebind(query string) string {
	if v, ok := rebound.Load(query); ok {
		return v.(string)
	}
	var b strings.Builder
	b.Grow(len(query) + 8)
	n := 0
	for i := 0; i < len(query); i++ {
		c := query[i]
		switch {
		case c == '\'' || c == '"':
			j := i + 1
			for j < len(query) && query[j] != c {
				j++
			}
			b.WriteString(query[i:min(j+1, len(query))])
			i = j
		case c == '-' && i+1 < len(query) && query[i+1] == '-':
			j := strings.IndexByte(query[i:], '\n')
			if j < 0 {
				j = len(query) - i
			}
			b.WriteString(query[i : i+j])
			i += j - 1
		case c == '/' && i+1 < len(query) && query[i+1] == '*':
			j := strings.Index(query[i+2:], "*/")
			end := len(query)
			if j >= 0 {
				end = i + 2 + j + 2
			}
			b.WriteString(query[i:end])
			i = end - 1
		case c == '?':
			n++
			b.WriteByte('$')
			b.WriteString(strconv.Itoa(n))
		default:
			b.WriteByte(c)
		}
	}
	out := b.String()
	rebound.Store(query, out)
	return out
}

// Marks is n comma-separated placeholders, for an IN list or a row of
// VALUES written with ? (Rebind turns them into $n on PostgreSQL).
func Marks(n int) string {
	return strings.TrimSuffix(strings.Repeat("?, ", n), ", ")
}

// AddStrings runs a query of one text column and adds every value it
// answers to set: the look-ups that ask which of many keys are there.
func AddStrings(ctx context.Context, q Querier, set map[string]bool, query string, args ...any) error {
	rows, err := q.Query(ctx, query, args...)
	if err != nil {
		return err
	}
	defer rows.Close()
	for rows.Next() {
		var v string
		if err := rows.Scan(&v); err != nil {
			return err
		}
		set[v] = true
	}
	return rows.Err()
}
