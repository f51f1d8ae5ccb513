package spreadsheet

import (
	"bytes"
	"errors"
	"io"
	"testing"
	"unicode/utf8"
)

// FuzzCSV checks that any text reads without panicking, that Next ends, and
// that rows respect the limits. Seeds are in testdata/fuzz/FuzzCSV.
func FuzzCSV(f *testing.F) {
	f.Add([]byte("a;b\n1;\"2\n3\"\r\n\n"))
	f.Fuzz(func(t *testing.T, data []byte) {
		opts := Options{MaxLineBytes: 16, MaxColumns: 4}
		r, err := Open(bytes.NewReader(data), int64(len(data)), "f.csv", opts)
		if err != nil {
			// Only the sniffed binary formats may refuse a file.
			if !errors.Is(err, ErrCorruptWorkbook) && !errors.Is(err, ErrProtectedWorkbook) {
				t.Fatalf("Open: %v", err)
			}
			return
		}
		defer r.Close()
		last := 0
		// Every row consumes at least one byte, so more calls than bytes
		// means Next is going round in circles.
		for range len(data) + 2 {
			row, err := r.Next()
			if err == io.EOF {
				return
			}
			if err != nil {
				if r.Format() == "xlsx" {
					return
				}
				t.Fatalf("Next: %v", err)
			}
			if row.Line <= last {
				t.Fatalf("line %d after %d", row.Line, last)
			}
			last = row.Line
			if len(row.Cells) > opts.MaxColumns {
				t.Fatalf("%d cells", len(row.Cells))
			}
			for _, c := range row.Cells {
				if r.Format() == "csv" && !utf8.ValidString(c) {
					t.Fatalf("cell %q is not UTF-8", c)
				}
			}
		}
		t.Fatalf("Next did not reach io.EOF")
	})
}
