package spreadsheet

import (
	"archive/zip"
	"bytes"
	"errors"
	"reflect"
	"strings"
	"testing"

	"github.com/xuri/excelize/v2"
)

// workbook builds an XLSX in memory; rows are written from A1 down, nil
// rows stay empty.
func workbook(t *testing.T, rows [][]any, opts ...excelize.Options) []byte {
	t.Helper()
	f := excelize.NewFile()
	defer f.Close()
	sheet := f.GetSheetName(0)
	for i, row := range rows {
		if row == nil {
			continue
		}
		cell, err := excelize.CoordinatesToCellName(1, i+1)
		if err != nil {
			t.Fatal(err)
		}
		if err := f.SetSheetRow(sheet, cell, &row); err != nil {
			t.Fatal(err)
		}
	}
	// A second sheet that must not be read.
	if _, err := f.NewSheet("Outra"); err != nil {
		t.Fatal(err)
	}
	if err := f.SetCellValue("Outra", "A1", "não leia"); err != nil {
		t.Fatal(err)
	}
	var buf bytes.Buffer
	if err := f.Write(&buf, opts...); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

func TestXLSX(t *testing.T) {
	data := workbook(t, [][]any{
		{"nome", "telefone", "cidade", "valor"},
		{"João", "5511987654321", "São Paulo", 1.5},
		nil,
		{"Conceição", 5511987654321, "Salvador", ""},
		{"Conceição", 5511987654321, "Salvador", ""},
		{"Ana", "5,511987654321E+12", "", "x"},
	})
	// The name does not matter: the zip magic does.
	r, rows := readAll(t, data, "contatos.csv", Options{})
	if r.Format() != "xlsx" || r.Encoding() != "" || r.Delimiter() != 0 {
		t.Fatalf("got %s %q %q", r.Format(), r.Encoding(), r.Delimiter())
	}
	want := [][]string{
		{"nome", "telefone", "cidade", "valor"},
		{"João", "5511987654321", "São Paulo", "1.5"},
		{"Conceição", "5511987654321", "Salvador"},
		{"Conceição", "5511987654321", "Salvador"},
		{"Ana", "5,511987654321E+12", "", "x"},
	}
	if got := cellsOf(rows); !reflect.DeepEqual(got, want) {
		t.Fatalf("got %q\nwant %q", got, want)
	}
	if got, want := linesOf(rows), []int{1, 2, 4, 5, 6}; !reflect.DeepEqual(got, want) {
		t.Fatalf("lines %v, want %v", got, want)
	}
	for _, row := range rows {
		if row.Err != nil {
			t.Fatalf("line %d: %v", row.Line, row.Err)
		}
	}
}

func TestXLSXLimits(t *testing.T) {
	wide := make([]any, 300)
	for i := range wide {
		wide[i] = "c"
	}
	data := workbook(t, [][]any{
		{"a", "b"},
		wide,
		{strings.Repeat("x", 3000), "y"},
		{"1", "2"},
	})
	_, rows := readAll(t, data, "c.xlsx", Options{MaxLineBytes: 2048})
	if len(rows) != 4 {
		t.Fatalf("got %d rows", len(rows))
	}
	if !errors.Is(rows[1].Err, ErrTooManyColumns) || len(rows[1].Cells) != defaultMaxColumns {
		t.Fatalf("wide row: %v, %d cells", rows[1].Err, len(rows[1].Cells))
	}
	if !errors.Is(rows[2].Err, ErrLineTooLong) || rows[2].Cells != nil {
		t.Fatalf("long row: %v", rows[2].Err)
	}
	if rows[3].Err != nil || rows[3].Line != 4 {
		t.Fatalf("last row: %+v", rows[3])
	}
}

func TestOpenRefuses(t *testing.T) {
	good := workbook(t, [][]any{{"a"}})
	tests := []struct {
		name string
		data []byte
		file string
		want error
	}{
		{"truncated zip", good[:len(good)/2], "c.xlsx", ErrCorruptWorkbook},
		{"zip that is not a workbook", zipOf(t, "hello.txt", "oi"), "c.xlsx", ErrCorruptWorkbook},
		{"text named .xlsx", []byte("nome;telefone\n"), "c.xlsx", ErrCorruptWorkbook},
		{"password-protected", workbook(t, [][]any{{"a"}}, excelize.Options{Password: "segredo"}), "c.xlsx", ErrProtectedWorkbook},
		{"old .xls", append([]byte{0xD0, 0xCF, 0x11, 0xE0, 0xA1, 0xB1, 0x1A, 0xE1}, make([]byte, 512)...), "c.xls", ErrProtectedWorkbook},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r, err := Open(bytes.NewReader(tt.data), int64(len(tt.data)), tt.file, Options{})
			if !errors.Is(err, tt.want) {
				if r != nil {
					_ = r.Close()
				}
				t.Fatalf("got %v, want %v", err, tt.want)
			}
		})
	}
}

func zipOf(t *testing.T, name, content string) []byte {
	t.Helper()
	var buf bytes.Buffer
	zw := zip.NewWriter(&buf)
	w, err := zw.Create(name)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := w.Write([]byte(content)); err != nil {
		t.Fatal(err)
	}
	if err := zw.Close(); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

func BenchmarkXLSX(b *testing.B) {
	const rows = 20_000
	f := excelize.NewFile()
	sw, err := f.NewStreamWriter(f.GetSheetName(0))
	if err != nil {
		b.Fatal(err)
	}
	for i := range rows {
		cell, _ := excelize.CoordinatesToCellName(1, i+1)
		row := []any{"Conceição", 5511900000000 + i, "pessoa@exemplo.com.br", "São Paulo", float64(i%1000) + 0.5, "cliente"}
		if err := sw.SetRow(cell, row); err != nil {
			b.Fatal(err)
		}
	}
	if err := sw.Flush(); err != nil {
		b.Fatal(err)
	}
	var buf bytes.Buffer
	if err := f.Write(&buf); err != nil {
		b.Fatal(err)
	}
	data := buf.Bytes()
	b.SetBytes(int64(len(data)))
	b.ResetTimer()
	for b.Loop() {
		_, got := readAll(b, data, "b.xlsx", Options{})
		if len(got) != rows || got[rows-1].Err != nil {
			b.Fatalf("got %d rows", len(got))
		}
	}
	b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N)/rows, "ns/row")
}
