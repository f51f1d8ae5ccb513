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
	// Validation is the costly part of parsing (imports do it a million
	// times), so each candidate is validated once.
	valid := phonenumbers.IsValidNumber(num)
	if !valid && !strings.HasPrefix(s, "+") && len(digits) >= 11 {
		// Bare digits that already start with a country code.
		if alt, err := phonenumbers.Parse("+"+digits, ""); err == nil {
			num, valid = alt, phonenumbers.IsValidNumber(alt)
		}
	}
	if num.GetCountryCode() == 55 {
		if fixed, ok := brazilNinthDigit(num); ok {
			num, valid = fixed, true
		}
	}
	if !valid {
		return "", ErrPhoneInvalid
	}
	return phonenumbers.Format(num, phonenumbers.E164), nil
}

// brazilNinthDigit adds the ninth digit to an eight-digit Brazilian mobile
// (area code + 8 digits starting with 6-9), the form numbers had before 2016
// and WhatsApp ids of old accounts still have.
// It reports false when the number is not such a mobile.
func brazilNinthDigit(num *phonenumbers.PhoneNumber) (*phonenumbers.PhoneNumber, bool) {
	national := phonenumbers.GetNationalSignificantNumber(num)
	if len(national) != 10 || national[2] < '6' {
		return nil, false
	}
	fixed, err := phonenumbers.Parse("+55"+national[:2]+"9"+national[2:], "")
	if err != nil || !phonenumbers.IsValidNumber(fixed) {
		return nil, false
	}
	return fixed, true
}

// phoneAliases are other spellings stored as addresses of the same contact.
// None today: NormalizePhone already folds every spelling of a Brazilian
// mobile into the one with the ninth digit, so one address row suffices and
// lookups always normalize first. Channel identities that cannot be
// normalized into a phone (WhatsApp @lid ids) get their own address kinds.
func phoneAliases(string) []string { return nil }
