package spreadsheet

import (
	"errors"
	"testing"
)

func TestRecoverNumber(t *testing.T) {
	tests := []struct {
		name, in, want string
		lossy          bool
	}{
		{"decimal comma, every digit kept", "5,511987654321E+12", "5511987654321", false},
		{"decimal point, lower-case e", "5.511987654321e+12", "5511987654321", false},
		{"exponent without sign", "5.511987654321E12", "5511987654321", false},
		{"surrounding spaces", " 5,511987654321E+12 ", "5511987654321", false},
		{"rounded by Excel", "5.51199E+12", "", true},
		{"zeros would be made up", "1E+3", "", true},
		{"negative keeps its sign", "-1,5E+1", "-15", false},
		{"negative and rounded", "-5,5E+12", "", true},
		{"plain digits", "5511987654321", "5511987654321", false},
		{"plain text", "João", "João", false},
		{"decimal comma", "1,5", "1,5", false},
		{"negative exponent is a fraction", "1E-3", "1E-3", false},
		{"fraction left over", "1,25E+1", "1,25E+1", false},
		{"garbage mantissa", "abcE+12", "abcE+12", false},
		{"missing exponent", "5,5E+", "5,5E+", false},
		{"exponent too large to be a phone", "1E+9999", "1E+9999", false},
		{"two separators", "1,2,3E+5", "1,2,3E+5", false},
		{"empty", "", "", false},
		{"only e", "E+12", "E+12", false},
		{"zero", "0E+0", "0E+0", false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := RecoverNumber(tt.in)
			if tt.lossy {
				if !errors.Is(err, ErrLossyNumber) {
					t.Fatalf("got %q, %v; want ErrLossyNumber", got, err)
				}
				return
			}
			if err != nil || got != tt.want {
				t.Fatalf("got %q, %v; want %q", got, err, tt.want)
			}
		})
	}
}
