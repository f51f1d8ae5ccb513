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
//   - A row is committed as sending before the provider call. The calls in
//     flight claim together: one UPDATE commits the claims that arrived
//     while the previous one ran, and each call waits for its own row's
//     commit, so only rows about to be called are ever marked. Outcomes are
//     group-committed by a flusher (many per transaction, sends recorded a
//     statement per kind of row), at most 2 x InFlight behind the calls.
//     Rows found sending when a dispatcher takes a lease were in flight at
//     a crash: they are failed with code send_interrupted and never re-sent
//     blindly.
//   - Pace: a connection's rate (messages/s) and burst, the most sends any
//     one second may hold, as the provider counts. A token bucket hands
//     messages to calls at the rate, holding only what the burst allows
//     beyond it (at least a tenth of a second's sends, to catch up after a
//     stall). The burst is kept at the call itself: after its checks and its
//     claim, a call waits its turn at a gate that lets no second (plus 10 ms
//     for the way to the provider) hold more than the burst, counted at the
//     moment each call passes. Checks and claims take varying time; kept
//     before them, the window let calls held up together reach the provider
//     together (88 in one second at 80/s). The margin and the moments lost
//     to a late wake-up cost about 1% of the rate (docs/BENCHMARKS.md).
//     When the gate is what keeps the rate (burst no larger than the rate),
//     calls are handed over a tenth faster and up to a fifth of a second's
//     sends wait claimed in front of it, so that it is never left idle
//     while a claim commits. A call still waiting when the dispatcher stops
//     was never made: its message is queued again as it was.
//   - EnqueueMany is Enqueue for a batch of one connection (the campaign
//     feeder): the same checks and rows, read and written a statement per
//     kind of row. A conversation it opens is written with its first
//     message as its last, not updated again.
//   - Batch statements that join a VALUES list to a table also list the
//     keys (IN on the key or indexed id): PostgreSQL, planning from
//     statistics taken while a table was small, otherwise read the whole
//     table once per batch (see docs/BENCHMARKS.md, "Sending on
//     PostgreSQL").
//   - Wake (new messages) looks at the leases only when no dispatcher here
//     sends for the connection; Changed (a connection added, enabled or
//     disabled) always does. A lease round commits a row per connection,
//     and a campaign's feeder wakes its connections several times a second.
//   - Outcomes: sent with the provider id (early delivery reports are then
//     applied, see inbound.ApplyUnmatched); retryable refusals go back to
//     queued with exponential backoff (at most 8 tries); a back-off for one
//     recipient (Meta's pair rate limit, 131056) waits 4^n seconds after the
//     n-th refusal, or the provider's hint when longer; everything else
//     fails with the provider's code and our explanation.
package outbox
