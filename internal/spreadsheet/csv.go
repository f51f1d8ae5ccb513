package spreadsheet

import (
	"bytes"
	"io"
	"unicode/utf8"

	"golang.org/x/text/encoding/charmap"
	"golang.org/x/text/encoding/unicode"
	"golang.org/x/text/transform"
)

// sampleSize is both the read buffer and the look-ahead used to choose the
// encoding and the delimiter.
const sampleSize = 64 << 10

type csvReader struct {
	src      io.Reader
	buf      []byte
	pos, end int
	eof      bool
	readErr  error

	encoding string
	utf8     bool // records that are valid UTF-8 are taken as they are
	delim    byte
	maxLine  int
	maxCols  int
	line     int
	skipLF   bool // the last record ended with '\r'; a '\n' right after belongs to it

	// The record being read: cell contents back to back, and where each ends.
	rec      []byte
	ends     []int
	tooLong  bool
	tooMany  bool
	unclosed bool
}

func openCSV(src io.Reader, opts Options) (*csvReader, error) {
	c := &csvReader{
		src:      src,
		buf:      make([]byte, sampleSize),
		encoding: "utf-8",
		utf8:     true,
		maxLine:  opts.MaxLineBytes,
		maxCols:  opts.MaxColumns,
	}
	if err := c.fillSample(); err != nil {
		return nil, err
	}
	head := c.buf[c.pos:c.end]
	switch {
	case bytes.HasPrefix(head, []byte{0xEF, 0xBB, 0xBF}):
		c.pos += 3
	case bytes.HasPrefix(head, []byte{0xFF, 0xFE}), bytes.HasPrefix(head, []byte{0xFE, 0xFF}):
		// Excel's "Unicode text": decode the whole stream to UTF-8 and
		// take the sample again from the decoded text.
		dec := unicode.UTF16(unicode.LittleEndian, unicode.ExpectBOM).NewDecoder()
		c.src = transform.NewReader(io.MultiReader(bytes.NewReader(append([]byte(nil), head...)), src), dec)
		c.pos, c.end, c.eof = 0, 0, false
		if err := c.fillSample(); err != nil {
			return nil, err
		}
		c.encoding = "utf-16"
	default:
		if !validUTF8Prefix(head, c.eof) {
			c.encoding, c.utf8 = "windows-1252", false
		}
	}
	sample := c.buf[c.pos:c.end]
	if d, n := sepLine(sample); n > 0 {
		c.delim = d
		c.pos += n
		sample = sample[n:]
	} else {
		c.delim = sniffDelimiter(sample, c.eof)
	}
	return c, nil
}

// fillSample reads until the buffer is full or the input ends, so that the
// sniffers see a real sample and not whatever one Read happened to return.
func (c *csvReader) fillSample() error {
	n, err := io.ReadFull(c.src, c.buf[c.end:])
	c.end += n
	switch err {
	case nil:
	case io.EOF, io.ErrUnexpectedEOF:
		c.eof = true
	default:
		return err
	}
	return nil
}

// fill makes bytes available at c.pos; false means the input is over (or
// failed, see c.readErr).
func (c *csvReader) fill() bool {
	for c.pos >= c.end {
		if c.eof || c.readErr != nil {
			return false
		}
		n, err := c.src.Read(c.buf)
		c.pos, c.end = 0, n
		if err == io.EOF {
			c.eof = true
		} else if err != nil {
			c.readErr = err
		}
	}
	return true
}

// validUTF8Prefix reports whether sample is UTF-8, allowing a rune cut by the
// end of a sample that is not the whole file.
func validUTF8Prefix(sample []byte, atEOF bool) bool {
	if utf8.Valid(sample) {
		return true
	}
	if atEOF {
		return false
	}
	for cut := 1; cut < utf8.UTFMax && cut <= len(sample); cut++ {
		if utf8.Valid(sample[:len(sample)-cut]) {
			return true
		}
	}
	return false
}

// sepLine recognises Excel's "sep=;" first line, which names the delimiter
// and is not a row.
func sepLine(sample []byte) (byte, int) {
	if len(sample) < 5 || !bytes.EqualFold(sample[:4], []byte("sep=")) {
		return 0, 0
	}
	d := sample[4]
	if bytes.IndexByte(delimiters, d) < 0 {
		return 0, 0
	}
	rest := sample[5:]
	switch {
	case len(rest) == 0:
		return d, 5
	case bytes.HasPrefix(rest, []byte("\r\n")):
		return d, 7
	case rest[0] == '\n' || rest[0] == '\r':
		return d, 6
	}
	return 0, 0
}

// delimiters in order of preference when two fit equally well: ';' first
// because Brazilian Excel writes it (',' is the decimal separator there).
var delimiters = []byte{';', ',', '\t', '|'}

const sniffRecords = 100

// sniffDelimiter counts each candidate outside quotes in the first records
// of the sample. A candidate qualifies when the header has it; the winner is
// the one whose count in most records equals the header's, so a column of
// decimal commas under a ';' header does not win. When the header has none
// of them the file is one column, and the candidate seen least in the sample
// is chosen so that it splits as few values as possible.
func sniffDelimiter(sample []byte, atEOF bool) byte {
	var records [][4]int
	var cur [4]int
	inQuote, fieldStart, nonEmpty := false, true, false
	for i := 0; i < len(sample) && len(records) < sniffRecords; i++ {
		ch := sample[i]
		if inQuote {
			if ch == '"' {
				if i+1 < len(sample) && sample[i+1] == '"' {
					i++
				} else {
					inQuote = false
				}
			}
			continue
		}
		switch ch {
		case '\n', '\r':
			if nonEmpty {
				records = append(records, cur)
			}
			cur, fieldStart, nonEmpty = [4]int{}, true, false
			continue
		case '"':
			if fieldStart {
				inQuote = true
			}
		}
		nonEmpty = true
		fieldStart = false
		if k := bytes.IndexByte(delimiters, ch); k >= 0 {
			cur[k]++
			fieldStart = true
		}
	}
	if nonEmpty && atEOF && !inQuote && len(records) < sniffRecords {
		records = append(records, cur)
	}
	if len(records) == 0 {
		return delimiters[0]
	}
	best, bestScore := -1, 0
	for k := range delimiters {
		h := records[0][k]
		if h == 0 {
			continue
		}
		score := 0
		for _, r := range records {
			if r[k] == h {
				score++
			}
		}
		if score > bestScore {
			best, bestScore = k, score
		}
	}
	if best >= 0 {
		return delimiters[best]
	}
	best, least := 0, -1
	for k := range delimiters {
		total := 0
		for _, r := range records {
			total += r[k]
		}
		if least < 0 || total < least {
			best, least = k, total
		}
	}
	return delimiters[best]
}

const (
	stFieldStart = iota
	stUnquoted
	stQuoted
	stQuoteSeen // a '"' inside a quoted field: closing, or the first of "" ?
)

var quote = []byte{'"'}

func (c *csvReader) next() (Row, error) {
	for {
		ok, err := c.readRecord()
		if err != nil {
			return Row{}, err
		}
		if !ok {
			return Row{}, io.EOF
		}
		c.line++
		row := Row{Line: c.line}
		switch {
		case c.tooLong:
			row.Err = ErrLineTooLong
			return row, nil
		case c.tooMany:
			row.Err = ErrTooManyColumns
		case c.unclosed:
			row.Err = ErrUnclosedQuote
		}
		row.Cells = c.cells()
		if row.Err == nil && allEmpty(row.Cells) {
			continue
		}
		return row, nil
	}
}

// readRecord reads one record into c.rec and c.ends. It is an RFC 4180 state
// machine that is lenient the way Excel is: a quote opens a quoted field only
// at the start of a field, a quote elsewhere is an ordinary character, and
// text after a closing quote is kept. Records end at "\n", "\r\n" or a lone
// "\r" (old Mac exports). It returns false when the input is over.
func (c *csvReader) readRecord() (bool, error) {
	c.rec, c.ends = c.rec[:0], c.ends[:0]
	c.tooLong, c.tooMany, c.unclosed = false, false, false
	state, started := stFieldStart, false
	for {
		if !c.fill() {
			if c.readErr != nil {
				return false, c.readErr
			}
			if !started {
				return false, nil
			}
			c.unclosed = state == stQuoted
			c.endCell()
			return true, nil
		}
		if c.skipLF {
			c.skipLF = false
			if c.buf[c.pos] == '\n' {
				c.pos++
				continue
			}
		}
		started = true
		b := c.buf[c.pos:c.end]
		switch state {
		case stFieldStart:
			if b[0] == '"' {
				c.pos++
				state = stQuoted
				continue
			}
			state = stUnquoted
			fallthrough
		case stUnquoted:
			d := c.delim
			i := 0
			for i < len(b) {
				ch := b[i]
				if ch == d || ch == '\n' || ch == '\r' {
					break
				}
				i++
			}
			c.appendCell(b[:i])
			c.pos += i
			if i == len(b) {
				continue
			}
			c.pos++
			c.endCell()
			if b[i] == d {
				state = stFieldStart
				continue
			}
			c.skipLF = b[i] == '\r'
			return true, nil
		case stQuoted:
			i := bytes.IndexByte(b, '"')
			if i < 0 {
				c.appendCell(b)
				c.pos = c.end
				continue
			}
			c.appendCell(b[:i])
			c.pos += i + 1
			state = stQuoteSeen
		case stQuoteSeen:
			if b[0] == '"' {
				c.appendCell(quote)
				c.pos++
				state = stQuoted
				continue
			}
			state = stUnquoted
		}
	}
}

func (c *csvReader) appendCell(p []byte) {
	if c.tooLong || c.tooMany {
		return
	}
	if len(c.rec)+len(p) > c.maxLine {
		// Keep reading to find where the record ends, but stop keeping it.
		c.tooLong = true
		c.rec = c.rec[:0]
		return
	}
	c.rec = append(c.rec, p...)
}

func (c *csvReader) endCell() {
	if c.tooLong || c.tooMany {
		return
	}
	if len(c.ends) == c.maxCols {
		c.tooMany = true
		c.rec = c.rec[:c.ends[len(c.ends)-1]]
		return
	}
	c.ends = append(c.ends, len(c.rec))
}

// cells turns the record into strings: one allocation for the text, one for
// the slice. A record that is not valid UTF-8 is read as Windows-1252, which
// gives every byte a character, so a Latin-1 file whose first accent comes
// after the sample still reads right.
func (c *csvReader) cells() []string {
	rec, ends := c.rec, c.ends
	if !c.utf8 || !utf8.Valid(rec) {
		rec, ends = decode1252(rec, ends)
	}
	s := string(rec)
	cells := make([]string, len(ends))
	start := 0
	for i, e := range ends {
		cells[i] = s[start:e]
		start = e
	}
	return cells
}

var win1252 = func() (t [256]rune) {
	for i := range t {
		t[i] = charmap.Windows1252.DecodeByte(byte(i))
	}
	return t
}()

func decode1252(rec []byte, ends []int) ([]byte, []int) {
	out := make([]byte, 0, len(rec)+len(rec)/4)
	newEnds := make([]int, len(ends))
	start := 0
	for i, e := range ends {
		for _, b := range rec[start:e] {
			if b < utf8.RuneSelf {
				out = append(out, b)
			} else {
				out = utf8.AppendRune(out, win1252[b])
			}
		}
		newEnds[i] = len(out)
		start = e
	}
	return out, newEnds
}
