package db

import (
	"database/sql/driver"
	"fmt"
	"time"
)

// timeLayout is how SQLite stores times: fixed width and UTC, so that
// comparing the text compares the times.
const timeLayout = "2006-01-02T15:04:05.000000Z"

func formatTime(t time.Time) string { return t.UTC().Format(timeLayout) }

// Time scans a time from either dialect (timestamptz or SQLite text) and
// always holds UTC. The zero Time is NULL.
type Time struct{ time.Time }

// Scan implements sql.Scanner.
func (t *Time) Scan(src any) error {
	switch v := src.(type) {
	case nil:
		t.Time = time.Time{}
		return nil
	case time.Time:
		t.Time = v.UTC()
		return nil
	case string:
		return t.parse(v)
	case []byte:
		return t.parse(string(v))
	}
	return fmt.Errorf("db.Time: cannot scan %T", src)
}

func (t *Time) parse(s string) error {
	for _, layout := range []string{timeLayout, time.RFC3339Nano, "2006-01-02 15:04:05.999999999-07:00", "2006-01-02 15:04:05"} {
		if p, err := time.Parse(layout, s); err == nil {
			t.Time = p.UTC()
			return nil
		}
	}
	return fmt.Errorf("db.Time: cannot parse %q", s)
}

// Value implements driver.Valuer; SQLite arguments are rewritten before they
// reach the driver (see DB.args), so this serves PostgreSQL.
func (t Time) Value() (driver.Value, error) {
	if t.IsZero() {
		return nil, nil
	}
	return t.UTC(), nil
}

// Now is the current time at the precision both databases keep (microseconds).
func Now() time.Time { return time.Now().UTC().Truncate(time.Microsecond) }

// MarshalJSON writes RFC 3339 in UTC, and null for the zero Time.
func (t Time) MarshalJSON() ([]byte, error) {
	if t.IsZero() {
		return []byte("null"), nil
	}
	return t.UTC().MarshalJSON()
}
