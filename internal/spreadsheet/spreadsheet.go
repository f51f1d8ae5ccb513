package spreadsheet

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"path/filepath"
	"strings"
)

// Row-level problems: the record is reported with one of these in Row.Err and
// reading goes on with the next record.
var (
	ErrLineTooLong    = errors.New("line too long")
	ErrTooManyColumns = errors.New("too many columns")
	ErrUnclosedQuote  = errors.New("quoted field never closed before the end of the file")
)

// File-level problems, returned by Open.
var (
	ErrCorruptWorkbook = errors.New("the XLSX file is damaged or is not a workbook")
	// ErrProtectedWorkbook covers both the encrypted (password) workbook and
	// the old binary .xls: both are OLE containers and neither can be read.
	ErrProtectedWorkbook = errors.New("the workbook is password-protected or in the old .xls format: save it as .xlsx without a password, or as CSV")
)

// Options limit what one record may cost. Zero values take the defaults.
type Options struct {
	MaxLineBytes int // cell bytes of one record; default 1 MiB
	MaxColumns   int // cells of one record; default 200
}

const (
	defaultMaxLineBytes = 1 << 20
	defaultMaxColumns   = 200
)

// Row is one record. Line is the row number a person sees when the file is
// opened in Excel: the header is 1, blank records count, and a quoted newline
// does not start a new one.
//
// When Err is set, Cells holds what could be kept: nil for ErrLineTooLong,
// the first MaxColumns cells for ErrTooManyColumns, everything up to the end
// of the file for ErrUnclosedQuote.
type Row struct {
	Line  int
	Cells []string
	Err   error
}

// Reader returns the rows of one CSV, TSV or XLSX file.
type Reader struct {
	format string
	csv    *csvReader
	xlsx   *xlsxReader
}

var (
	zipMagic = []byte("PK\x03\x04")
	oleMagic = []byte{0xD0, 0xCF, 0x11, 0xE0, 0xA1, 0xB1, 0x1A, 0xE1}
)

// Open sniffs the format from the first bytes, then from the name: a zip is
// XLSX, an OLE container is refused with ErrProtectedWorkbook, a file named
// .xlsx that is not a zip is ErrCorruptWorkbook, and anything else is read
// as delimited text (many systems save text as .xls).
func Open(r io.ReaderAt, size int64, name string, opts Options) (*Reader, error) {
	if opts.MaxLineBytes <= 0 {
		opts.MaxLineBytes = defaultMaxLineBytes
	}
	if opts.MaxColumns <= 0 {
		opts.MaxColumns = defaultMaxColumns
	}
	ext := strings.ToLower(filepath.Ext(name))
	head := make([]byte, len(oleMagic))
	n, err := r.ReadAt(head, 0)
	if err != nil && err != io.EOF {
		return nil, fmt.Errorf("read %s: %w", name, err)
	}
	head = head[:n]
	switch {
	case bytes.HasPrefix(head, zipMagic):
		x, err := openXLSX(r, size, opts)
		if err != nil {
			return nil, err
		}
		return &Reader{format: "xlsx", xlsx: x}, nil
	case bytes.HasPrefix(head, oleMagic):
		return nil, ErrProtectedWorkbook
	case size > 0 && (ext == ".xlsx" || ext == ".xlsm"):
		return nil, ErrCorruptWorkbook
	}
	c, err := openCSV(io.NewSectionReader(r, 0, size), opts)
	if err != nil {
		return nil, fmt.Errorf("read %s: %w", name, err)
	}
	return &Reader{format: "csv", csv: c}, nil
}

// Format is "csv" (any delimited text) or "xlsx".
func (r *Reader) Format() string { return r.format }

// Encoding is the text encoding chosen for a CSV: "utf-8", "windows-1252" or
// "utf-16" (Excel's "Unicode text"). It is empty for XLSX.
func (r *Reader) Encoding() string {
	if r.csv == nil {
		return ""
	}
	return r.csv.encoding
}

// Delimiter is the CSV cell separator: ',', ';', '\t' or '|'. It is zero for
// XLSX.
func (r *Reader) Delimiter() rune {
	if r.csv == nil {
		return 0
	}
	return rune(r.csv.delim)
}

// Next returns the next non-blank row, or io.EOF after the last one. An error
// returned here concerns the whole file and ends reading; a problem confined
// to one record comes back in Row.Err instead.
func (r *Reader) Next() (Row, error) {
	if r.xlsx != nil {
		return r.xlsx.next()
	}
	return r.csv.next()
}

// Close releases the temporary files excelize may have made for a large
// worksheet. It does not close the io.ReaderAt given to Open.
func (r *Reader) Close() error {
	if r.xlsx != nil {
		return r.xlsx.close()
	}
	return nil
}

func allEmpty(cells []string) bool {
	for _, c := range cells {
		if c != "" {
			return false
		}
	}
	return true
}
