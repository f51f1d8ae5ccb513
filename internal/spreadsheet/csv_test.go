package spreadsheet

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"

	"golang.org/x/text/encoding/charmap"
	"golang.org/x/text/encoding/unicode"
)

// readAll opens data as a file called name and returns every row.
func readAll(t testing.TB, data []byte, name string, opts Options) (*Reader, []Row) {
	t.Helper()
	r, err := Open(bytes.NewReader(data), int64(len(data)), name, opts)
	if err != nil {
		t.Fatalf("Open: %v", err)
	}
	t.Cleanup(func() { _ = r.Close() })
	var rows []Row
	for {
		row, err := r.Next()
		if err == io.EOF {
			return r, rows
		}
		if err != nil {
			t.Fatalf("Next: %v", err)
		}
		rows = append(rows, row)
	}
}

func latin1(t testing.TB, s string) []byte {
	t.Helper()
	b, err := charmap.Windows1252.NewEncoder().Bytes([]byte(s))
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func utf16le(t testing.TB, s string) []byte {
	t.Helper()
	b, err := unicode.UTF16(unicode.LittleEndian, unicode.UseBOM).NewEncoder().Bytes([]byte(s))
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func cellsOf(rows []Row) [][]string {
	var out [][]string
	for _, r := range rows {
		out = append(out, r.Cells)
	}
	return out
}

func linesOf(rows []Row) []int {
	var out []int
	for _, r := range rows {
		out = append(out, r.Line)
	}
	return out
}

func TestCSV(t *testing.T) {
	accents := "nome;cidade\nJoão;São Paulo\nConceição;Bahia\n"
	// The first accent comes after the 64 KiB sample.
	late := "nome;cidade\n" + strings.Repeat("Ana;Rio\n", sampleSize/8+10) + "Conceição;São Paulo\n"
	tests := []struct {
		name      string
		file      string // from testdata/, instead of data
		data      []byte
		encoding  string
		delim     rune
		want      [][]string
		wantLines []int // checked when set
	}{
		{
			name: "UTF-8 with BOM", data: append([]byte("\xEF\xBB\xBF"), accents...),
			encoding: "utf-8", delim: ';',
			want: [][]string{{"nome", "cidade"}, {"João", "São Paulo"}, {"Conceição", "Bahia"}},
		},
		{
			name: "UTF-8 without BOM", data: []byte(accents),
			encoding: "utf-8", delim: ';',
			want: [][]string{{"nome", "cidade"}, {"João", "São Paulo"}, {"Conceição", "Bahia"}},
		},
		{
			name: "Windows-1252", data: latin1(t, accents),
			encoding: "windows-1252", delim: ';',
			want: [][]string{{"nome", "cidade"}, {"João", "São Paulo"}, {"Conceição", "Bahia"}},
		},
		{
			name: "Windows-1252 only after the sample", data: latin1(t, late),
			encoding: "utf-8", delim: ';',
		},
		{
			name: "UTF-16 from Excel Unicode text", data: utf16le(t, "nome\tcidade\r\nJoão\tSão Paulo\r\n"),
			encoding: "utf-16", delim: '\t',
			want: [][]string{{"nome", "cidade"}, {"João", "São Paulo"}},
		},
		{
			name: "semicolons with decimal commas", file: "decimal_commas.csv",
			encoding: "utf-8", delim: ';',
			want: [][]string{{"nome", "valor", "telefone"}, {"Ana", "1,5", "5511987654321"}, {"Bia", "1.234,56", "5521912345678"}, {"Caio", "2", "5531998765432"}},
		},
		{
			name: "commas", data: []byte("nome,telefone\nAna,5511987654321\n"),
			encoding: "utf-8", delim: ',',
			want: [][]string{{"nome", "telefone"}, {"Ana", "5511987654321"}},
		},
		{
			name: "tab-separated", data: []byte("nome\ttelefone\nSilva, Ana\t5511987654321\n"),
			encoding: "utf-8", delim: '\t',
			want: [][]string{{"nome", "telefone"}, {"Silva, Ana", "5511987654321"}},
		},
		{
			name: "pipes", data: []byte("nome|telefone\nAna|5511987654321\n"),
			encoding: "utf-8", delim: '|',
			want: [][]string{{"nome", "telefone"}, {"Ana", "5511987654321"}},
		},
		{
			name: "sep line names the delimiter", data: []byte("sep=,\r\nnome;apelido,telefone\r\nAna;Aninha,5511\r\n"),
			encoding: "utf-8", delim: ',',
			want: [][]string{{"nome;apelido", "telefone"}, {"Ana;Aninha", "5511"}}, wantLines: []int{1, 2},
		},
		{
			name: "one column, commas in the values", data: []byte("nome\nSilva, Ana\nSouza, Bia\n"),
			encoding: "utf-8", delim: ';',
			want: [][]string{{"nome"}, {"Silva, Ana"}, {"Souza, Bia"}},
		},
		{
			name: "quoted newlines and doubled quotes", file: "quoted.csv",
			encoding: "utf-8", delim: ';',
			want: [][]string{
				{"nome", "obs"},
				{"Ana", "linha 1\nlinha 2"},
				{"Bia", `disse "oi"; foi`},
				{"Caio", ""},
			},
			wantLines: []int{1, 2, 3, 4},
		},
		{
			name: "CRLF and blank lines", data: []byte("a;b\r\n\r\n1;2\r\n;\r\n\r\n3;4\r\n"),
			encoding: "utf-8", delim: ';',
			want: [][]string{{"a", "b"}, {"1", "2"}, {"3", "4"}}, wantLines: []int{1, 3, 6},
		},
		{
			name: "lone CR line ends", data: []byte("a;b\r1;2\r3;4"),
			encoding: "utf-8", delim: ';',
			want: [][]string{{"a", "b"}, {"1", "2"}, {"3", "4"}}, wantLines: []int{1, 2, 3},
		},
		{
			name: "trailing empty columns kept", data: []byte("a;b;c;d\n1;2;;\n"),
			encoding: "utf-8", delim: ';',
			want: [][]string{{"a", "b", "c", "d"}, {"1", "2", "", ""}},
		},
		{
			name: "no newline at the end", data: []byte("a;b\n1;2"),
			encoding: "utf-8", delim: ';',
			want: [][]string{{"a", "b"}, {"1", "2"}},
		},
		{
			name: "quotes inside an unquoted field are text", data: []byte("a;b\nTV 42\" ;x\n\"12\" pol;y\n"),
			encoding: "utf-8", delim: ';',
			want: [][]string{{"a", "b"}, {"TV 42\" ", "x"}, {"12 pol", "y"}},
		},
		{
			name: "duplicate rows returned as they are", data: []byte("a;b\n1;2\n1;2\n1;2\n"),
			encoding: "utf-8", delim: ';',
			want: [][]string{{"a", "b"}, {"1", "2"}, {"1", "2"}, {"1", "2"}},
		},
		{
			name: "header only", data: []byte("nome;telefone\r\n"),
			encoding: "utf-8", delim: ';',
			want: [][]string{{"nome", "telefone"}},
		},
		{name: "empty file", data: []byte{}, encoding: "utf-8", delim: ';'},
		{name: "only a BOM", data: []byte("\xEF\xBB\xBF"), encoding: "utf-8", delim: ';'},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			data := tt.data
			if tt.file != "" {
				var err error
				if data, err = os.ReadFile(filepath.Join("testdata", tt.file)); err != nil {
					t.Fatal(err)
				}
			}
			r, rows := readAll(t, data, "contatos.csv", Options{})
			if r.Format() != "csv" || r.Encoding() != tt.encoding || r.Delimiter() != tt.delim {
				t.Fatalf("got %s %s %q, want csv %s %q", r.Format(), r.Encoding(), r.Delimiter(), tt.encoding, tt.delim)
			}
			for _, row := range rows {
				if row.Err != nil {
					t.Fatalf("line %d: %v", row.Line, row.Err)
				}
			}
			if tt.want != nil || len(data) == 0 {
				if got := cellsOf(rows); !reflect.DeepEqual(got, tt.want) {
					t.Fatalf("got %q\nwant %q", got, tt.want)
				}
			}
			if tt.wantLines != nil {
				if got := linesOf(rows); !reflect.DeepEqual(got, tt.wantLines) {
					t.Fatalf("lines %v, want %v", got, tt.wantLines)
				}
			}
		})
	}
}

func TestCSVLateWindows1252(t *testing.T) {
	head := "nome;cidade\n" + strings.Repeat("Ana;Rio\n", sampleSize/8+10)
	_, rows := readAll(t, latin1(t, head+"Conceição;São Paulo\n"), "c.csv", Options{})
	last := rows[len(rows)-1]
	if want := []string{"Conceição", "São Paulo"}; !reflect.DeepEqual(last.Cells, want) {
		t.Fatalf("got %q, want %q", last.Cells, want)
	}
}

func TestCSVLongLine(t *testing.T) {
	tests := []struct {
		name string
		long string
	}{
		{"unquoted", "x;" + strings.Repeat("a", 10<<20)},
		{"quoted with newlines", "x;\"" + strings.Repeat("a\n", 5<<20) + "\""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			data := "nome;obs\nAna;1\n" + tt.long + "\nBia;2\r\nCaio;3\n"
			_, rows := readAll(t, []byte(data), "c.csv", Options{})
			if len(rows) != 5 {
				t.Fatalf("got %d rows, want 5: %v", len(rows), linesOf(rows))
			}
			if !errors.Is(rows[2].Err, ErrLineTooLong) || rows[2].Line != 3 || rows[2].Cells != nil {
				t.Fatalf("row 3: %+v", rows[2].Err)
			}
			if got, want := cellsOf(rows[3:]), [][]string{{"Bia", "2"}, {"Caio", "3"}}; !reflect.DeepEqual(got, want) {
				t.Fatalf("after the long line: %q", got)
			}
			if got, want := linesOf(rows), []int{1, 2, 3, 4, 5}; !reflect.DeepEqual(got, want) {
				t.Fatalf("lines %v, want %v", got, want)
			}
		})
	}
}

func TestCSVTooManyColumns(t *testing.T) {
	wide := strings.Repeat("c;", 499) + "c"
	data := "a;b\n" + wide + "\n1;2\n"
	_, rows := readAll(t, []byte(data), "c.csv", Options{})
	if len(rows) != 3 {
		t.Fatalf("got %d rows", len(rows))
	}
	if !errors.Is(rows[1].Err, ErrTooManyColumns) || rows[1].Line != 2 || len(rows[1].Cells) != defaultMaxColumns {
		t.Fatalf("wide row: err %v, line %d, %d cells", rows[1].Err, rows[1].Line, len(rows[1].Cells))
	}
	if rows[2].Err != nil || !reflect.DeepEqual(rows[2].Cells, []string{"1", "2"}) {
		t.Fatalf("after the wide row: %+v", rows[2])
	}

	_, rows = readAll(t, []byte(data), "c.csv", Options{MaxColumns: 500})
	if rows[1].Err != nil || len(rows[1].Cells) != 500 {
		t.Fatalf("with MaxColumns 500: err %v, %d cells", rows[1].Err, len(rows[1].Cells))
	}
}

func TestCSVUnclosedQuote(t *testing.T) {
	_, rows := readAll(t, []byte("a;b\n1;\"open\n2;3\n"), "c.csv", Options{})
	if len(rows) != 2 || !errors.Is(rows[1].Err, ErrUnclosedQuote) {
		t.Fatalf("got %+v", rows)
	}
	if want := []string{"1", "open\n2;3\n"}; !reflect.DeepEqual(rows[1].Cells, want) {
		t.Fatalf("got %q, want %q", rows[1].Cells, want)
	}
}

func TestSniffDelimiter(t *testing.T) {
	tests := []struct {
		name, in string
		want     byte
	}{
		{"decimal commas under a ; header", "a;b\n1,5;2\n3,5;4\n", ';'},
		{"commas inside quotes", "a,b\n\"1;2;3\",4\n\"5;6\",7\n", ','},
		{"tie goes to ;", "a;b,c\n1;2,3\n", ';'},
		{"ragged rows still pick the consistent one", "a,b,c\n1,2,3\n4,5\n6,7,8\n", ','},
		{"single column picks the rarest", "nome\nSilva, Ana\n", ';'},
		{"nothing", "", ';'},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := sniffDelimiter([]byte(tt.in), true); got != tt.want {
				t.Fatalf("got %q, want %q", got, tt.want)
			}
		})
	}
}

func BenchmarkCSV(b *testing.B) {
	const rows = 1_000_000
	var buf bytes.Buffer
	buf.WriteString("nome;telefone;email;cidade;valor;obs\r\n")
	for i := range rows {
		fmt.Fprintf(&buf, "Conceição %d;55119%08d;pessoa%d@exemplo.com.br;São Paulo;%d,50;\"cliente, desde 2020\"\r\n", i, i, i, i%1000)
	}
	data := buf.Bytes()
	b.SetBytes(int64(len(data)))
	b.ResetTimer()
	for b.Loop() {
		r, err := Open(bytes.NewReader(data), int64(len(data)), "b.csv", Options{})
		if err != nil {
			b.Fatal(err)
		}
		n := 0
		for {
			row, err := r.Next()
			if err == io.EOF {
				break
			}
			if err != nil || row.Err != nil || len(row.Cells) != 6 {
				b.Fatalf("row %d: %v %v %q", n, err, row.Err, row.Cells)
			}
			n++
		}
		if n != rows+1 {
			b.Fatalf("got %d rows", n)
		}
	}
	b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N)/float64(rows+1), "ns/row")
}
