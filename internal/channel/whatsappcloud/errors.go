package whatsappcloud

import (
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"time"

	"github.com/masteria/masteria/internal/channel"
)

// rule is what Masteria does about one of Meta's error codes.
type rule struct {
	class      channel.Class
	retryAfter time.Duration
	meaning    string
}

// rules is the one place where Meta's codes get a class and an explanation;
// the outbox acts on the class, reports group failures by code and show the
// meaning. Codes 132000–132016 not listed here fall back to templateRule.
var rules = map[int]rule{
	// Throttled or busy: the same message may go later.
	130429: {channel.RetryLater, 0, "The number reached its sending speed limit; messages wait and are tried again shortly."},
	131057: {channel.RetryLater, time.Minute, "The WhatsApp account is in maintenance, for example during a throughput upgrade; sending resumes in about a minute."},
	80007:  {channel.RetryLater, 0, "The WhatsApp Business Account reached its rate limit; sending slows down and tries again."},
	4:      {channel.RetryLater, 0, "The app reached its limit of API calls; sending slows down and tries again."},
	1:      {channel.RetryLater, 0, "Meta had an unknown problem; the message is tried again later."},
	2:      {channel.RetryLater, 0, "Meta's service was temporarily unavailable; the message is tried again later."},
	131000: {channel.RetryLater, 0, "Something went wrong at Meta; the message is tried again later."},
	131016: {channel.RetryLater, 0, "Meta's service was temporarily unavailable; the message is tried again later."},

	// Too much for one person: wait before the next message to them.
	131056: {channel.BackOffRecipient, 6 * time.Second, "Too many messages went to this person in a short time; the next one to them waits a little."},

	131047: {channel.NeedsTemplate, 0, "More than 24 hours passed since this person last wrote; only an approved template can be sent now."},

	131048: {channel.PauseSending, 0, "Meta is limiting this number because many people blocked or reported it; campaigns pause while its quality recovers."},
	368:    {channel.PauseSending, 0, "Meta temporarily blocked this account for policy violations; campaigns pause until the block ends."},

	// This message can never reach this person.
	131026: {channel.Permanent, 0, "The message could not be delivered: the number may not be on WhatsApp, may use an old app, or has not accepted WhatsApp's terms."},
	131050: {channel.Permanent, 0, "This person stopped marketing messages from the business."},
	// The message is lost for good, but the person may get marketing again
	// after a day: RetryAfter tells the campaign planner, the class tells
	// the outbox not to resend this one.
	131049: {channel.Permanent, 24 * time.Hour, "Meta held back this marketing message to keep engagement healthy; wait at least 24 hours before the next marketing message to this person."},
	131021: {channel.Permanent, 0, "The recipient is the business number itself."},
	130472: {channel.Permanent, 0, "Meta did not deliver this message because the person's number is part of an experiment."},

	// The request is wrong; sending it again changes nothing.
	100:    {channel.FixRequest, 0, "A parameter of the request is invalid."},
	131008: {channel.FixRequest, 0, "A required parameter is missing from the message."},
	131009: {channel.FixRequest, 0, "A value in the message is not valid."},
	131051: {channel.FixRequest, 0, "WhatsApp does not support this message type."},
	131052: {channel.FixRequest, 0, "Meta could not download the media from the given link."},
	131053: {channel.FixRequest, 0, "Meta could not process the uploaded media; check its type and size."},
	131064: {channel.FixRequest, 0, "The template breaks the rules of its category; fix the template's category."},
	135000: {channel.FixRequest, 0, "Meta rejected the request's parameters."},
	132000: {channel.FixRequest, 0, "The number of variables does not match the template."},
	132001: {channel.FixRequest, 0, "The template does not exist in that language or is not approved yet."},
	132005: {channel.FixRequest, 0, "The template's text is too long once the variables are filled in."},
	132007: {channel.FixRequest, 0, "The template's content breaks WhatsApp's policy; edit the template."},
	132012: {channel.FixRequest, 0, "A template variable has the wrong format."},
	132015: {channel.FixRequest, 0, "The template is paused for low quality; edit and resubmit it."},
	132016: {channel.FixRequest, 0, "The template was disabled for good because of low quality; create a new one."},

	// The connection itself no longer works.
	190:    {channel.NeedsAttention, 0, "The access token expired or was revoked; reconnect the WhatsApp connection."},
	3:      {channel.NeedsAttention, 0, "The app lacks the capability for this call; check the app's WhatsApp product setup."},
	10:     {channel.NeedsAttention, 0, "The app lacks permission for this call; check the token's permissions."},
	200:    {channel.NeedsAttention, 0, "The token lacks permission for this number or account; check the token's permissions."},
	131005: {channel.NeedsAttention, 0, "Access was denied; check the token's permissions."},
	131031: {channel.NeedsAttention, 0, "The WhatsApp account is locked; check Meta Business Manager."},
	131042: {channel.NeedsAttention, 0, "Meta refused the message because of a payment problem; check the account's payment method."},
	133010: {channel.NeedsAttention, 0, "The phone number is not registered with the Cloud API."},
}

var templateRule = rule{channel.FixRequest, 0, "The message does not match the approved template."}

// lookup finds the rule for code; ok is false for codes not in the table.
func lookup(code int) (rule, bool) {
	if r, ok := rules[code]; ok {
		return r, true
	}
	if code >= 132000 && code <= 132016 {
		return templateRule, true
	}
	return rule{}, false
}

// Explain says what a Meta error code means and what a sender does about
// it, for reports that group failures by code. Unknown codes are taken as a
// fault in the request, since Meta answers its own faults with 5xx.
func Explain(code int) (channel.Class, string) {
	if r, ok := lookup(code); ok {
		return r.class, r.meaning
	}
	return channel.FixRequest, fmt.Sprintf("Meta refused the request with code %d.", code)
}

// classify fills an Error's class, meaning and wait from its code and
// HTTP status.
func classify(e *channel.Error) *channel.Error {
	if r, ok := lookup(e.Code); ok {
		e.Class, e.Meaning, e.RetryAfter = r.class, r.meaning, r.retryAfter
		return e
	}
	if e.Status >= 500 || e.Status == http.StatusTooManyRequests {
		e.Class, e.Meaning = channel.RetryLater, "Meta had a temporary problem; the message is tried again later."
		return e
	}
	e.Class, e.Meaning = Explain(e.Code)
	return e
}

// graphError is Meta's error envelope.
type graphError struct {
	Error *struct {
		Message     string `json:"message"`
		Type        string `json:"type"`
		Code        int    `json:"code"`
		Subcode     int    `json:"error_subcode"`
		UserTitle   string `json:"error_user_title"`
		UserMessage string `json:"error_user_msg"`
		FBTraceID   string `json:"fbtrace_id"`
		ErrorData   *struct {
			Details string `json:"details"`
		} `json:"error_data"`
	} `json:"error"`
}

// apiError turns a non-2xx answer into a classified *channel.Error. A body
// that is not Meta's envelope (a proxy's HTML page, say) still yields an
// error classified by the HTTP status alone.
func apiError(status int, body []byte) *channel.Error {
	e := &channel.Error{Status: status}
	var g graphError
	if json.Unmarshal(body, &g) == nil && g.Error != nil {
		e.Code, e.Subcode, e.Message = g.Error.Code, g.Error.Subcode, g.Error.Message
		e.UserTitle, e.UserMessage = g.Error.UserTitle, g.Error.UserMessage
		if g.Error.ErrorData != nil {
			e.Details = g.Error.ErrorData.Details
		}
	}
	if e.Message == "" {
		e.Message = fmt.Sprintf("HTTP %d", status)
	}
	return classify(e)
}

// transportError is a request that got no answer: Meta may never have seen
// it, so it is retried. The cause stays in the chain so that callers can
// tell their own cancellation (context.Canceled) from a timeout.
func transportError(err error) error {
	e := &channel.Error{
		Class:   channel.RetryLater,
		Message: "no answer from Meta",
		Meaning: "Meta could not be reached; the message is tried again later.",
	}
	return fmt.Errorf("%w: %w", e, err)
}

// invalid is a FixRequest refusal found before calling Meta.
func invalid(format string, args ...any) *channel.Error {
	msg := fmt.Sprintf(format, args...)
	return &channel.Error{Class: channel.FixRequest, Message: msg, Meaning: msg}
}

// ErrTooLarge is a media file over the size limit for its kind, or a
// download over the caller's maximum.
var ErrTooLarge = errors.New("media too large")

// ErrMediaType is a media file whose MIME type WhatsApp does not accept for
// its kind.
var ErrMediaType = errors.New("media type not accepted")

// ErrNotFound is a media file Meta no longer has (expired URL or deleted
// media).
var ErrNotFound = errors.New("media not found")
