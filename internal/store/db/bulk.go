package db

import (
	"context"
	"fmt"
	"strings"
)

// maxParams stays under both engines' limits on bound parameters (SQLite
// 32766, PostgreSQL 65535).
const maxParams = 30000

// InsertMany inserts rows into table in as few multi-row statements as the
// parameter limits allow. suffix is appended to each statement (for example
// "ON CONFLICT DO NOTHING"). Bulk paths (imports) use it: one statement per
// few thousand rows instead of one per row.
func InsertMany(ctx context.Context, q Querier, table string, cols []string, rows [][]any, suffix string) error {
	if len(rows) == 0 {
		return nil
	}
	per := max(1, maxParams/len(cols))
	one := "(" + strings.TrimSuffix(strings.Repeat("?,", len(cols)), ",") + ")"
	head := "INSERT INTO " + table + " (" + strings.Join(cols, ", ") + ") VALUES "
	for start := 0; start < len(rows); start += per {
		chunk := rows[start:min(start+per, len(rows))]
		var b strings.Builder
		b.WriteString(head)
		args := make([]any, 0, len(chunk)*len(cols))
		for i, r := range chunk {
			if len(r) != len(cols) {
				return fmt.Errorf("insert into %s: row has %d values for %d columns", table, len(r), len(cols))
			}
			if i > 0 {
				b.WriteByte(',')
			}
			b.WriteString(one)
			args = append(args, r...)
		}
		if suffix != "" {
			b.WriteString(" ")
			b.WriteString(suffix)
		}
		if _, err := q.Exec(ctx, b.String(), args...); err != nil {
			return fmt.Errorf("insert into %s: %w", table, err)
		}
	}
	return nil
}
