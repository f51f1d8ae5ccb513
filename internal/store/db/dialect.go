package db

import "context"

// The SQL that differs between the dialects, beyond placeholders and times.

// JSONText is an expression for the text of key in a JSON-object column, with
// the arguments its placeholders take. Booleans read as 'true'/'false' and
// numbers as their shortest text on both databases. key must be a plain
// identifier (callers validate it); it is passed as an argument all the same.
func JSONText(d Dialect, col, key string) (string, []any) {
	if d == Postgres {
		return "(" + col + " ->> ?)", []any{key}
	}
	path := `$."` + key + `"`
	return "(CASE json_type(" + col + ", ?) WHEN 'true' THEN 'true' WHEN 'false' THEN 'false' ELSE CAST(json_extract(" + col + ", ?) AS TEXT) END)",
		[]any{path, path}
}

// JSONNumber is an expression for the numeric value of key in a JSON-object
// column (NULL when absent).
func JSONNumber(d Dialect, col, key string) (string, []any) {
	if d == Postgres {
		return "((" + col + " ->> ?)::numeric)", []any{key}
	}
	return "CAST(json_extract(" + col + ", ?) AS REAL)", []any{`$."` + key + `"`}
}

// SkipLocked ends a SELECT that claims rows for work: on PostgreSQL other
// instances skip the rows one has claimed; SQLite has one writer, whose
// transaction already excludes every other.
func SkipLocked(d Dialect) string {
	if d == Postgres {
		return " FOR UPDATE SKIP LOCKED"
	}
	return ""
}

// BytesContain is a condition that a binary column contains the bytes given
// as its one argument (raw provider payloads searched for a phone number).
func BytesContain(d Dialect, col string) string {
	if d == Postgres {
		return "position(CAST(? AS bytea) IN " + col + ") > 0"
	}
	return "instr(" + col + ", CAST(? AS BLOB)) > 0"
}

// LockKey takes a transaction-long lock on a name, so that two transactions
// about the same thing (a delivery report and the send it reports on) take
// turns. SQLite's one writer already serializes every transaction.
func LockKey(ctx context.Context, tx *Tx, key string) error {
	if tx.Dialect() != Postgres {
		return nil
	}
	_, err := tx.Exec(ctx, `SELECT pg_advisory_xact_lock(hashtextextended(?, 0))`, key)
	return err
}

// LockKeys is LockKey for many names, in the order given (callers sort
// them, so that two transactions never wait for each other in a cycle),
// in one statement: a dispatcher locks the reports of every send it
// records at once.
func LockKeys(ctx context.Context, tx *Tx, keys []string) error {
	if tx.Dialect() != Postgres || len(keys) == 0 {
		return nil
	}
	_, err := tx.Exec(ctx, `SELECT pg_advisory_xact_lock(hashtextextended(k, 0)) FROM unnest(CAST(? AS TEXT[])) WITH ORDINALITY AS t (k, i) ORDER BY i`, keys)
	return err
}

// TimeValue is a placeholder for a time inside a VALUES list: PostgreSQL
// types a bare parameter there as text, which a timestamptz column
// refuses; SQLite stores times as text anyway.
func TimeValue(d Dialect) string {
	if d == Postgres {
		return "CAST(? AS TIMESTAMPTZ)"
	}
	return "?"
}
