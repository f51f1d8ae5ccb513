package spreadsheet

import (
	"errors"
	"fmt"
	"io"

	"github.com/xuri/excelize/v2"
)

// maxUnzippedBytes bounds what a workbook may expand to, so that a small
// upload cannot unpack into gigabytes (excelize's own default is 16 GB).
// A million rows of contacts is a few hundred MB of worksheet XML.
const maxUnzippedBytes = 2 << 30

type xlsxReader struct {
	file    *excelize.File
	rows    *excelize.Rows
	line    int
	maxLine int
	maxCols int
}

func openXLSX(r io.ReaderAt, size int64, opts Options) (*xlsxReader, error) {
	// excelize.OpenReader reads the compressed file into memory; worksheets
	// above 16 MiB unzipped are spilled to temporary files by excelize.
	f, err := excelize.OpenReader(io.NewSectionReader(r, 0, size), excelize.Options{UnzipSizeLimit: maxUnzippedBytes})
	if err != nil {
		if f != nil {
			_ = f.Close()
		}
		if errors.Is(err, excelize.ErrWorkbookPassword) || errors.Is(err, excelize.ErrWorkbookFileFormat) {
			return nil, ErrProtectedWorkbook
		}
		return nil, fmt.Errorf("%w: %w", ErrCorruptWorkbook, err)
	}
	sheets := f.GetSheetList()
	if len(sheets) == 0 {
		_ = f.Close()
		return nil, fmt.Errorf("%w: it has no worksheet", ErrCorruptWorkbook)
	}
	rows, err := f.Rows(sheets[0])
	if err != nil {
		_ = f.Close()
		return nil, fmt.Errorf("%w: worksheet %q: %w", ErrCorruptWorkbook, sheets[0], err)
	}
	return &xlsxReader{file: f, rows: rows, maxLine: opts.MaxLineBytes, maxCols: opts.MaxColumns}, nil
}

// next returns the cells as excelize formats them (the text Excel shows,
// number formats applied). Empty rows are skipped but counted, so Line is
// the sheet's row number.
func (x *xlsxReader) next() (Row, error) {
	for x.rows.Next() {
		x.line++
		row := Row{Line: x.line}
		cells, err := x.rows.Columns()
		if err != nil {
			row.Err = err
			return row, nil
		}
		if allEmpty(cells) {
			continue
		}
		n := 0
		for _, c := range cells {
			n += len(c)
		}
		switch {
		case n > x.maxLine:
			row.Err = ErrLineTooLong
		case len(cells) > x.maxCols:
			row.Err = ErrTooManyColumns
			row.Cells = cells[:x.maxCols:x.maxCols]
		default:
			row.Cells = cells
		}
		return row, nil
	}
	if err := x.rows.Error(); err != nil {
		return Row{}, fmt.Errorf("%w: %w", ErrCorruptWorkbook, err)
	}
	return Row{}, io.EOF
}

func (x *xlsxReader) close() error {
	err := x.rows.Close()
	if cerr := x.file.Close(); err == nil {
		err = cerr
	}
	return err
}
