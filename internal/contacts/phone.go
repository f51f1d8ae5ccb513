package contacts

import (
	"errors"
	"strings"

	"github.com/nyaruka/phonenumbers"
)

// Reasons a phone number is refused; they are the field codes the API and
// the import report show.
var (
	ErrPhoneEmpty   = errors.New("phone_required")
	ErrPhoneInvalid = errors.New("invalid_phone")
)

// NormalizePhone turns what a person typed into E.164, reading numbers
// without a country code as numbers of region (the company's default
// country). Brazilian mobiles written the old way, without the ninth digit,
// get it back, so that both spellings are one person.
func NormalizePhone(raw, region string) (string, error) {
	s := strings.TrimSpace(raw)
	if s == "" {
		return "", ErrPhoneEmpty
	}
	// "00" international prefix and WhatsApp-style bare digits with a
	// country code ("5511987654321") are common in exports.
	digits := strings.Map(func(r rune) rune {
		if r >= '0' && r <= '9' {
			return r
		}
		return -1
	}, s)
	if len(digits) < 6 || len(digits) > 17 {
		return "", ErrPhoneInvalid
	}
	if strings.HasPrefix(s, "00") {
		s = "+" + digits[2:]
	}
	num, err := phonenumbers.Parse(s, strings.ToUpper(region))
	if err != nil {
		return "", ErrPhoneInvalid
	}
	if !phonenumbers.IsValidNumber(num) && !strings.HasPrefix(s, "+") && len(digits) >= 11 {
		// Bare digits that already start with a country code.
		if alt, err := phonenumbers.Parse("+"+digits, ""); err == nil {
			num = alt
		}
	}
	if num.GetCountryCode() == 55 {
		num = brazilNinthDigit(num)
	}
	if !phonenumbers.IsValidNumber(num) {
		return "", ErrPhoneInvalid
	}
	return phonenumbers.Format(num, phonenumbers.E164), nil
}

// brazilNinthDigit adds the ninth digit to an eight-digit Brazilian mobile
// (area code + 8 digits starting with 6-9), the form numbers had before 2016
// and WhatsApp ids of old accounts still have.
func brazilNinthDigit(num *phonenumbers.PhoneNumber) *phonenumbers.PhoneNumber {
	national := phonenumbers.GetNationalSignificantNumber(num)
	if len(national) != 10 || national[2] < '6' {
		return num
	}
	fixed, err := phonenumbers.Parse("+55"+national[:2]+"9"+national[2:], "")
	if err != nil || !phonenumbers.IsValidNumber(fixed) {
		return num
	}
	return fixed
}

// phoneAliases are the other spellings that reach the same contact: for a
// Brazilian mobile, the number without its ninth digit.
func phoneAliases(e164 string) []string {
	if strings.HasPrefix(e164, "+55") && len(e164) == 14 && e164[5] == '9' {
		return []string{e164[:5] + e164[6:]}
	}
	return nil
}
