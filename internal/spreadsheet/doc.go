// Package spreadsheet turns an uploaded contacts file, CSV/TSV text or XLSX,
// into rows of strings, one at a time, so that a CSV of millions of rows
// never sits in memory as a whole (for XLSX see below).
//
// Decisions:
//
//   - Format comes from the first bytes before the name: a zip is XLSX
//     whatever it is called, an OLE container (an encrypted workbook or an
//     old .xls) is refused with ErrProtectedWorkbook, a non-empty .xlsx that
//     is not a zip is ErrCorruptWorkbook, an empty file has no rows, and
//     everything else is delimited text, because many systems write text
//     files named .xls.
//   - Errors come in two kinds. Next returns an error only when the file
//     itself cannot be read further; a bad record (ErrLineTooLong,
//     ErrTooManyColumns, ErrUnclosedQuote) comes back as Row.Err and reading
//     goes on, so one broken line does not stop an import.
//   - Row.Line is the row number Excel would show: the header is 1, blank
//     records count but are not returned, a quoted newline does not add one.
//     Rows whose cells are all empty (";;;" lines, empty sheet rows) are
//     skipped the same way. Trailing empty cells of other rows are kept.
//     Every Row has its own Cells slice; callers may keep it.
//   - Encoding: a UTF-8 BOM is stripped; a UTF-16 BOM (Excel's "Unicode
//     text") decodes the whole stream. Otherwise the first 64 KiB decide:
//     valid UTF-8 gives "utf-8", else "windows-1252" (which also covers
//     Latin-1). Because a file can be plain ASCII for 64 KiB and meet its
//     first "ã" later, a "utf-8" file is still checked record by record and
//     a record that is not valid UTF-8 is read as Windows-1252. A file
//     decided as Windows-1252 is read as such throughout: its bytes never
//     fail to decode, and taking a few records as UTF-8 would bet on a
//     mixed file over a Latin-1 one.
//   - Delimiter: a first line "sep=;" (Excel's own hint) names it.
//     Otherwise ';', ',', '\t' and '|' are counted outside quotes in the
//     first 100 records of the sample; a candidate needs at least one in the
//     header, and wins by matching the header's count in the most records,
//     so decimal commas ("1,5") under a ';' header do not fool it. Ties go
//     to ';', the Brazilian Excel default. A header with none of them means
//     one column, and the candidate seen least is used so that it splits as
//     few values as possible.
//   - CSV parsing is a hand-written RFC 4180 state machine over a 64 KiB
//     buffer instead of encoding/csv, which can neither cap a record's size
//     nor carry on after one. It is lenient, as real exports need: a quote
//     opens a quoted cell only at the start of a cell, elsewhere it is text,
//     and text after a closing quote is kept. Records end at LF, CRLF or a lone CR
//     (old Mac exports); inside quotes line breaks are kept as written.
//   - A record whose cells exceed MaxLineBytes is still read to its end, to
//     find where the next one starts, but its bytes are dropped as they
//     come, so a 10 MB line costs MaxLineBytes of memory at most. A quote
//     that is never closed runs to the end of the file (no boundary can be
//     trusted after it): the last row then carries ErrUnclosedQuote, or
//     ErrLineTooLong if that tail is larger than MaxLineBytes.
//   - XLSX: the first sheet in workbook order is streamed with excelize's
//     Rows. Cells are the text excelize formats from the number format,
//     not the raw values, and nothing else is done to them: a cell whose
//     text is "5,511987654321E+12" (a pasted CSV, a scientific format)
//     arrives as that text, and callers pass such cells through
//     RecoverNumber like CSV cells. excelize.OpenReader holds
//     the compressed file in memory and spills worksheets larger than 16 MiB
//     unzipped to temporary files, removed by Close. A workbook may unzip to
//     2 GiB at most, so a small zip bomb is refused rather than unpacked.
//   - Speed, one core (BenchmarkCSV, BenchmarkXLSX, six cells a row): CSV
//     about 0.7-1 µs a row, so a million rows take about a second; XLSX
//     about 50-90 µs a row, almost all of it in excelize's encoding/xml
//     decoding, so a full 1,048,576-row sheet takes one to two minutes. The
//     import should run as a background job and report progress.
//   - RecoverNumber only rebuilds a number when the mantissa holds every
//     digit; when zeros would have to be invented it returns ErrLossyNumber
//     so the import can ask for the column to be fixed instead of storing a
//     wrong phone number.
package spreadsheet
