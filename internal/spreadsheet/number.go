package spreadsheet

import (
	"errors"
	"fmt"
	"strings"
)

// ErrLossyNumber means Excel showed a long digit string in scientific
// notation with fewer digits than it had, so the original cannot be rebuilt.
var ErrLossyNumber = errors.New("Excel rounded this number")

// RecoverNumber turns what Excel did to a long digit string, such as a phone
// number saved from a "General" column, back into the digits:
// "5,511987654321E+12" and "5.511987654321e+12" give "5511987654321".
//
// The result is exact only when the mantissa holds every digit. When zeros
// would have to be made up ("5.51199E+12", also "1E+3"), the digits may have
// been rounded away and RecoverNumber returns ErrLossyNumber instead of
// guessing. Anything that is not an integer in scientific notation (plain
// digits, text, "1,5", "1E-3", "1,25E+1") is returned unchanged.
func RecoverNumber(s string) (string, error) {
	t := strings.TrimSpace(s)
	neg := strings.HasPrefix(t, "-")
	if neg {
		t = t[1:]
	}
	e := strings.IndexAny(t, "eE")
	if e <= 0 {
		return s, nil
	}
	mant, exp := t[:e], t[e+1:]
	exp = strings.TrimPrefix(exp, "+")
	if !allDigits(exp) || len(exp) > 3 {
		return s, nil
	}
	whole, frac := mant, ""
	if i := strings.IndexAny(mant, ".,"); i >= 0 {
		whole, frac = mant[:i], mant[i+1:]
	}
	if !allDigits(whole) || (frac != "" && !allDigits(frac)) {
		return s, nil
	}
	n := 0
	for _, c := range exp {
		n = n*10 + int(c-'0')
	}
	if len(frac) > n {
		// A fraction remains: not a digit string Excel reformatted.
		return s, nil
	}
	digits := strings.TrimLeft(whole+frac, "0")
	if digits == "" {
		return s, nil
	}
	if len(frac) < n {
		return "", fmt.Errorf("%w: %q lost its last %d digits", ErrLossyNumber, s, n-len(frac))
	}
	if neg {
		digits = "-" + digits
	}
	return digits, nil
}

func allDigits(s string) bool {
	if s == "" {
		return false
	}
	for i := 0; i < len(s); i++ {
		if s[i] < '0' || s[i] > '9' {
			return false
		}
	}
	return true
}
