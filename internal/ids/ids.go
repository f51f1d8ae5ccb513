// Package ids makes the identifiers of every row: UUIDv7 text, so that ids
// sort by creation time and serve as pagination cursors, and are strings on
// the API as the contract requires.
package ids

import "github.com/google/uuid"

// New returns a new time-ordered id.
func New() string {
	return uuid.Must(uuid.NewV7()).String()
}

// Valid says whether s looks like an id we made. Lookups of anything else
// answer "not found" without asking the database.
func Valid(s string) bool {
	_, err := uuid.Parse(s)
	return err == nil && len(s) == 36
}
