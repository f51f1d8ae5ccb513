package whatsappcloud

import (
	"strconv"
	"testing"
	"time"

	"github.com/masteria/masteria/internal/channel"
)

func TestExplain(t *testing.T) {
	tests := []struct {
		code int
		want channel.Class
	}{
		{130429, channel.RetryLater},
		{131057, channel.RetryLater},
		{80007, channel.RetryLater},
		{4, channel.RetryLater},
		{131056, channel.BackOffRecipient},
		{131047, channel.NeedsTemplate},
		{131048, channel.PauseSending},
		{131026, channel.Permanent},
		{131050, channel.Permanent},
		{131049, channel.Permanent},
		{132000, channel.FixRequest},
		{132001, channel.FixRequest},
		{132005, channel.FixRequest},
		{132007, channel.FixRequest},
		{132012, channel.FixRequest},
		{132015, channel.FixRequest},
		{132016, channel.FixRequest},
		{132003, channel.FixRequest}, // inside the range, not listed
		{100, channel.FixRequest},
		{131064, channel.FixRequest},
		{190, channel.NeedsAttention},
		{999999, channel.FixRequest}, // unknown
	}
	for _, tt := range tests {
		t.Run(strconv.Itoa(tt.code), func(t *testing.T) {
			class, meaning := Explain(tt.code)
			if class != tt.want {
				t.Fatalf("class %s, want %s", class, tt.want)
			}
			if meaning == "" {
				t.Fatal("no meaning")
			}
		})
	}
}

func TestClassify(t *testing.T) {
	tests := []struct {
		name       string
		code       int
		status     int
		want       channel.Class
		retryAfter time.Duration
	}{
		{"throughput", 130429, 400, channel.RetryLater, 0},
		{"maintenance waits a minute", 131057, 400, channel.RetryLater, time.Minute},
		{"pair rate hints a wait", 131056, 400, channel.BackOffRecipient, 6 * time.Second},
		{"healthy ecosystem: permanent, a day for the person", 131049, 400, channel.Permanent, 24 * time.Hour},
		{"unknown 4xx is the request's fault", 424242, 400, channel.FixRequest, 0},
		{"unknown 5xx is Meta's", 424242, 503, channel.RetryLater, 0},
		{"5xx without a code", 0, 500, channel.RetryLater, 0},
		{"429 without a code", 0, 429, channel.RetryLater, 0},
		{"token", 190, 401, channel.NeedsAttention, 0},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			e := classify(&channel.Error{Code: tt.code, Status: tt.status})
			if e.Class != tt.want || e.RetryAfter != tt.retryAfter || e.Meaning == "" {
				t.Fatalf("got %s %v %q, want %s %v", e.Class, e.RetryAfter, e.Meaning, tt.want, tt.retryAfter)
			}
		})
	}
}

func TestAPIError(t *testing.T) {
	body := `{"error":{"message":"(#131047) Re-engagement message","type":"OAuthException","code":131047,
		"error_subcode":2494010,"error_data":{"messaging_product":"whatsapp","details":"Message failed to send because more than 24 hours have passed"},
		"error_user_title":"Too late","error_user_msg":"Use a template","fbtrace_id":"Az8or2yhqkZfEZ-_4Qn_Bam"}}`
	e := apiError(400, []byte(body))
	want := channel.Error{
		Class: channel.NeedsTemplate, Code: 131047, Subcode: 2494010, Status: 400,
		Message: "(#131047) Re-engagement message", Details: "Message failed to send because more than 24 hours have passed",
		UserTitle: "Too late", UserMessage: "Use a template",
	}
	want.Meaning = e.Meaning
	if *e != want {
		t.Fatalf("got %+v\nwant %+v", *e, want)
	}

	html := apiError(502, []byte("<html>Bad Gateway</html>"))
	if html.Class != channel.RetryLater || html.Message != "HTTP 502" {
		t.Fatalf("non-JSON 502: %+v", html)
	}
}
