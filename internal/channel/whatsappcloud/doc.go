// Package whatsappcloud speaks Meta's WhatsApp Cloud API: sending messages,
// media and templates through the Graph API, and reading the webhooks Meta
// posts back. It turns Meta's JSON into the channel vocabulary and never
// touches the database.
//
// Decisions:
//
//   - Our own small client over net/http, no SDK: the surface Masteria uses
//     is a dozen calls, and owning the wire structs (payloads.go,
//     hookpayloads.go) keeps the exact JSON visible and tested.
//   - The base URL and Graph version are configuration (Config.BaseURL,
//     Config.Version, default v25.0), never constants in calls, so tests run
//     against fakegraph on 127.0.0.1 and a version bump is a setting.
//   - Every refusal is a *channel.Error in the error chain, classified by
//     one table in errors.go (code → class, meaning, wait). Unknown codes
//     with a 4xx are a fault in the request; 5xx, 429 and requests that got
//     no answer are retried later. 131049 is permanent for the message but
//     carries RetryAfter 24h, the time before that person may get marketing
//     again. Transport errors keep their cause in the chain, so a caller can
//     tell its own cancellation from Meta's silence.
//   - Obviously wrong messages (four buttons, empty text, a reaction
//     without its message) are refused before the call with a FixRequest
//     error whose Code is 0: a round trip would only return code 100.
//   - JSON answers are read up to 1 MiB; downloads up to the caller's
//     maximum, stopping with ErrTooLarge. Uploads stream, never held whole.
//   - Template pages are followed with the after cursor against the
//     configured base URL, not by fetching paging.next, so the token never
//     leaves for another host; a page cap stops a cursor that never ends.
//   - Meta's error_user_title/error_user_msg (template validation) are kept
//     on channel.Error.UserTitle/UserMessage for the editor to show on the
//     field.
//   - PhoneNumber asks for whatsapp_business_manager_messaging_limit, since
//     Meta moved messaging limits to the business portfolio and deprecated
//     messaging_limit_tier (read too, when an older answer carries it).
//   - Webhooks: Parse refuses only JSON that does not parse; unknown fields
//     and message types are kept (type string and Raw) or skipped rather
//     than failing a delivery Meta would retry for a week. A bad timestamp
//     becomes the zero time. Messages are grouped per phone_number_id;
//     WABA-level changes (template reviews, quality) land in the Batch with
//     an empty PhoneNumberID. PhoneNumberIDs reads only the routing ids, so
//     a shared app finds the connection and its secret first.
//   - Signatures are checked over the raw bytes with hmac.Equal; the verify
//     token with subtle.ConstantTimeCompare.
package whatsappcloud
