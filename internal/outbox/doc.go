// Package outbox is the second of Masteria's two message paths: every
// outgoing message, whoever sends it (an agent, the API, automation, an AI
// persona, a campaign), is a row written by Enqueue in the caller's
// transaction and sent by its connection's dispatcher. Rate limits, retries,
// opt-out, the 24-hour window and template checks are written here once.
//
// Decisions:
//   - The message row is the queue entry (status queued, a lane, send_at).
//     Lanes: conversation replies (0) before automation and AI (1) before
//     campaigns (2); within a lane, oldest first. The dispatcher picks the
//     next row before every send, so a reply overtakes a running campaign
//     after at most the send in progress.
//   - One dispatcher per connection in the whole deployment: an instance
//     sends for a connection only while it holds the connection's lease row
//     (15 s, renewed every 5 s), so the connection's rate limit is exact.
//   - The dispatcher is a long-running loop, not a job per message.
//   - Checks run again at dispatch: an opt-out that arrived while messages
//     were queued stops them (failed, code opted_out), a closed 24-hour
//     window fails free-form messages on whatsapp_cloud (window_closed;
//     templates pass), a template must be approved with the right values.
//   - A row is committed as sending before the provider call, together with
//     the results of the previous sends (one commit per message). Rows found
//     sending when a dispatcher takes a lease were in flight at a crash: they
//     are failed with code send_interrupted and never re-sent blindly.
//   - Outcomes: sent with the provider id (early delivery reports are then
//     applied, see inbound.ApplyUnmatched); retryable refusals go back to
//     queued with exponential backoff (at most 8 tries); a back-off for one
//     recipient (Meta's pair rate limit, 131056) waits 4^n seconds after the
//     n-th refusal, or the provider's hint when longer; everything else
//     fails with the provider's code and our explanation.
package outbox
