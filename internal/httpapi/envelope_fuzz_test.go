package httpapi

import (
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/masteria/masteria/internal/apierr"
	"github.com/masteria/masteria/internal/auth"
)

// FuzzReadJSON: any body either decodes or yields a client error with the
// envelope's fields; it never panics and never becomes a 500.
func FuzzReadJSON(f *testing.F) {
	for _, seed := range []string{`{}`, `{"company_name":"a","name":"b","email":"c@d.e","password":"0123456789"}`,
		`{"name":1}`, `[`, `null`, `{"x":1}`, `{} {}`, "\x00", `{"email":"\ud800"}`} {
		f.Add(seed)
	}
	f.Fuzz(func(t *testing.T, body string) {
		r := httptest.NewRequest("POST", "/", strings.NewReader(body))
		r.Header.Set("Content-Type", "application/json")
		var in auth.SignupInput
		err := readJSON(httptest.NewRecorder(), r, &in)
		if err == nil {
			return
		}
		e, ok := apierr.As(err)
		if !ok || e.Status < 400 || e.Status >= 500 || e.Code == "" || e.Message == "" {
			t.Fatalf("body %q: %v is not a client error envelope", body, err)
		}
	})
}
