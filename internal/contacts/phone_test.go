package contacts

import "testing"

func TestNormalizePhone(t *testing.T) {
	tests := []struct {
		name, raw, region, want string
		err                     error
	}{
		{"national with mask", "(11) 98765-4321", "BR", "+5511987654321", nil},
		{"international", "+55 11 98765-4321", "BR", "+5511987654321", nil},
		{"00 prefix", "0055 11 98765 4321", "BR", "+5511987654321", nil},
		{"bare digits with country code", "5511987654321", "BR", "+5511987654321", nil},
		{"old mobile without the ninth digit", "+55 11 8765-4321", "BR", "+5511987654321", nil},
		{"landline keeps eight digits", "(11) 3456-7890", "BR", "+551134567890", nil},
		{"another region", "(202) 555-0143", "US", "+12025550143", nil},
		{"portugal", "912 345 678", "PT", "+351912345678", nil},
		{"empty", "  ", "BR", "", ErrPhoneEmpty},
		{"letters", "call me", "BR", "", ErrPhoneInvalid},
		{"too short", "123", "BR", "", ErrPhoneInvalid},
		{"not a real number", "+55 11 12345", "BR", "", ErrPhoneInvalid},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := NormalizePhone(tt.raw, tt.region)
			if err != tt.err || got != tt.want {
				t.Fatalf("got %q, %v; want %q, %v", got, err, tt.want, tt.err)
			}
		})
	}
}
