// Package inbound is the first of Masteria's two message paths: everything a
// provider tells us. A webhook (or the Simulator) hands a verified payload to
// the Intake, which commits it to webhook_events and lets the handler answer
// at once; the Processor then reads due events in order and applies them:
// contacts are found or created, conversations opened, messages stored,
// delivery reports applied, consent keywords and provider preferences
// written to the ledger, template reviews and number quality recorded, and
// real-time events published after the commit.
//
// Decisions:
//   - Group commit: the Intake writes every event that arrived while the
//     previous commit was in flight in one transaction (SQLite's single
//     writer), and answers each caller only after its commit.
//   - The Processor applies up to 200 events per transaction, each inside a
//     savepoint: an event that cannot be applied is rolled back alone and
//     marked failed with the reason, kept, listed by the webhook-events API
//     and can be processed again after a fix. Nothing is ever dropped.
//   - Set-based: a batch's delivery reports and plain inbound messages are
//     applied together, a statement per kind of row for the whole batch
//     (copies left out, contacts found or created, conversations found,
//     reopened or opened, messages inserted, conversation activity, last
//     inbound, campaign replies; reports recorded, messages moved to their
//     furthest status), because on PostgreSQL every statement is a round
//     trip: about ten statements per message became about fifteen per
//     batch. Order is kept where it matters: a keyword message (consent,
//     timeline event) or a sender that is no phone number takes the
//     message-by-message path after the messages queued before it; a
//     preference, template review or quality change applies the queue
//     first; a report concerning a sender is applied before that sender's
//     next message. Hooks, media downloads and auto-assignment run for each
//     message in order once the batch's rows are written, so a hook sees the
//     batch's other messages stored. A failed batch is applied again event
//     by event, message by message, which is the reference behaviour
//     (TestBatchedMessagesApplyAsOneByOne compares the two).
//   - Exactly once, by the database: an inbound message is unique per
//     (connection, provider id) and a delivery report per (connection,
//     provider id, status), both checked by unique keys in the same commit
//     as the insert, so simultaneous copies from a retrying provider collide
//     in the database instead of slipping past a cache.
//   - Delivery reports only move a message forward (channel.Rank): a late
//     "delivered" fills delivered_at but never turns "read" back. A report
//     for a provider id we do not know yet is kept unmatched and applied when
//     the outbox records that id (ApplyUnmatched). On PostgreSQL the two take
//     turns through an advisory lock on (connection, provider id), so a
//     report and the send it reports on, committing at the same moment,
//     cannot miss each other.
//   - A batch for a phone number id other than the connection's is ignored:
//     the connection's app secret does not vouch for another number.
//   - Processed events are kept 7 days (for support), failed ones 30 days.
//   - Hooks: automation and AI plug in through Processor.Hooks, called for
//     every new inbound message inside the transaction that stored it.
package inbound
