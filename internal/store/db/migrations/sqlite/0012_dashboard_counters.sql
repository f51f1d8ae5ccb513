-- 0012: the dashboard reads maintained counters instead of one index entry
-- per message of its period, and first responses from stamps on the
-- conversation instead of two message lookups per conversation
-- (internal/dashboard; measured in docs/BENCHMARKS.md).
--
-- Triggers keep both, so that no path that writes messages (the outbox and
-- its dispatchers, campaigns, inbound messages and delivery reports,
-- cancels, a contact's erasure, a connection's or company's deletion through
-- ON DELETE CASCADE / SET NULL) can forget them.
--
-- SQLite: row triggers upsert the counter row directly; there is one writer,
-- so a counter row is never waited for. PostgreSQL does it per statement
-- into an append-only table of deltas (its 0012, and why).

-- message_counts: a company's messages per 15-minute slot of created_at
-- (Unix seconds of the slot's start; every time zone's midnight is on a
-- quarter hour, so any company's day is a whole number of slots),
-- connection ('' once the connection is deleted) and, for failed ones,
-- error code ('' for every other status). One row holds every status, so a
-- status change writes one row. Statuses the dashboard does not show
-- (notes and events: internal) are not counted. Rows are never deleted:
-- when their messages go, they go to zero.
CREATE TABLE message_counts (
    company_id    TEXT NOT NULL,
    slot          INTEGER NOT NULL,
    connection_id TEXT NOT NULL,
    code          TEXT NOT NULL,
    received      INTEGER NOT NULL DEFAULT 0,
    queued        INTEGER NOT NULL DEFAULT 0,
    sending       INTEGER NOT NULL DEFAULT 0,
    sent          INTEGER NOT NULL DEFAULT 0,
    delivered     INTEGER NOT NULL DEFAULT 0,
    read          INTEGER NOT NULL DEFAULT 0,
    failed        INTEGER NOT NULL DEFAULT 0,
    PRIMARY KEY (company_id, slot, connection_id, code)
) WITHOUT ROWID;

-- Always empty on SQLite; it exists so that the dashboard's one query reads
-- counters plus deltas on both databases.
CREATE TABLE message_count_deltas (
    company_id    TEXT NOT NULL,
    slot          INTEGER NOT NULL,
    connection_id TEXT NOT NULL,
    code          TEXT NOT NULL,
    received      INTEGER NOT NULL DEFAULT 0,
    queued        INTEGER NOT NULL DEFAULT 0,
    sending       INTEGER NOT NULL DEFAULT 0,
    sent          INTEGER NOT NULL DEFAULT 0,
    delivered     INTEGER NOT NULL DEFAULT 0,
    read          INTEGER NOT NULL DEFAULT 0,
    failed        INTEGER NOT NULL DEFAULT 0
);
CREATE INDEX message_count_deltas_slot ON message_count_deltas (company_id, slot);

-- A message counts when it is inbound (not internal), or outbound in one of
-- the statuses of the columns.
CREATE TRIGGER message_counts_insert AFTER INSERT ON messages
WHEN (new.direction = 'inbound' AND new.status <> 'internal')
  OR (new.direction = 'outbound' AND new.status IN ('queued', 'sending', 'sent', 'delivered', 'read', 'failed'))
BEGIN
    INSERT INTO message_counts (company_id, slot, connection_id, code, received, queued, sending, sent, delivered, read, failed)
    VALUES (new.company_id, CAST(strftime('%s', new.created_at) AS INTEGER) / 900 * 900, coalesce(new.connection_id, ''),
            CASE WHEN new.direction = 'outbound' AND new.status = 'failed' THEN new.error_code ELSE '' END,
            new.direction = 'inbound' AND new.status <> 'internal',
            new.direction = 'outbound' AND new.status = 'queued',
            new.direction = 'outbound' AND new.status = 'sending',
            new.direction = 'outbound' AND new.status = 'sent',
            new.direction = 'outbound' AND new.status = 'delivered',
            new.direction = 'outbound' AND new.status = 'read',
            new.direction = 'outbound' AND new.status = 'failed')
    ON CONFLICT (company_id, slot, connection_id, code) DO UPDATE SET
        received = received + excluded.received, queued = queued + excluded.queued, sending = sending + excluded.sending,
        sent = sent + excluded.sent, delivered = delivered + excluded.delivered, read = read + excluded.read,
        failed = failed + excluded.failed;
END;

CREATE TRIGGER message_counts_delete AFTER DELETE ON messages
WHEN (old.direction = 'inbound' AND old.status <> 'internal')
  OR (old.direction = 'outbound' AND old.status IN ('queued', 'sending', 'sent', 'delivered', 'read', 'failed'))
BEGIN
    INSERT INTO message_counts (company_id, slot, connection_id, code, received, queued, sending, sent, delivered, read, failed)
    VALUES (old.company_id, CAST(strftime('%s', old.created_at) AS INTEGER) / 900 * 900, coalesce(old.connection_id, ''),
            CASE WHEN old.direction = 'outbound' AND old.status = 'failed' THEN old.error_code ELSE '' END,
            -(old.direction = 'inbound' AND old.status <> 'internal'),
            -(old.direction = 'outbound' AND old.status = 'queued'),
            -(old.direction = 'outbound' AND old.status = 'sending'),
            -(old.direction = 'outbound' AND old.status = 'sent'),
            -(old.direction = 'outbound' AND old.status = 'delivered'),
            -(old.direction = 'outbound' AND old.status = 'read'),
            -(old.direction = 'outbound' AND old.status = 'failed'))
    ON CONFLICT (company_id, slot, connection_id, code) DO UPDATE SET
        received = received + excluded.received, queued = queued + excluded.queued, sending = sending + excluded.sending,
        sent = sent + excluded.sent, delivered = delivered + excluded.delivered, read = read + excluded.read,
        failed = failed + excluded.failed;
END;

-- The common change, a status moving on (queued → sending → sent →
-- delivered → read), stays in its row: one upsert of the difference.
CREATE TRIGGER message_counts_status AFTER UPDATE OF status, direction ON messages
WHEN (old.status IS NOT new.status OR old.direction IS NOT new.direction)
  AND old.company_id = new.company_id AND old.created_at = new.created_at AND old.connection_id IS new.connection_id
  AND (CASE WHEN old.direction = 'outbound' AND old.status = 'failed' THEN old.error_code ELSE '' END)
    = (CASE WHEN new.direction = 'outbound' AND new.status = 'failed' THEN new.error_code ELSE '' END)
BEGIN
    INSERT INTO message_counts (company_id, slot, connection_id, code, received, queued, sending, sent, delivered, read, failed)
    VALUES (new.company_id, CAST(strftime('%s', new.created_at) AS INTEGER) / 900 * 900, coalesce(new.connection_id, ''),
            CASE WHEN new.direction = 'outbound' AND new.status = 'failed' THEN new.error_code ELSE '' END,
            (new.direction = 'inbound' AND new.status <> 'internal') - (old.direction = 'inbound' AND old.status <> 'internal'),
            (new.direction = 'outbound' AND new.status = 'queued') - (old.direction = 'outbound' AND old.status = 'queued'),
            (new.direction = 'outbound' AND new.status = 'sending') - (old.direction = 'outbound' AND old.status = 'sending'),
            (new.direction = 'outbound' AND new.status = 'sent') - (old.direction = 'outbound' AND old.status = 'sent'),
            (new.direction = 'outbound' AND new.status = 'delivered') - (old.direction = 'outbound' AND old.status = 'delivered'),
            (new.direction = 'outbound' AND new.status = 'read') - (old.direction = 'outbound' AND old.status = 'read'),
            (new.direction = 'outbound' AND new.status = 'failed') - (old.direction = 'outbound' AND old.status = 'failed'))
    ON CONFLICT (company_id, slot, connection_id, code) DO UPDATE SET
        received = received + excluded.received, queued = queued + excluded.queued, sending = sending + excluded.sending,
        sent = sent + excluded.sent, delivered = delivered + excluded.delivered, read = read + excluded.read,
        failed = failed + excluded.failed;
END;

-- Any other change of the row's counter key (a failure's code, the
-- connection set to NULL by its deletion, a send failing): out of the old
-- row, into the new one.
CREATE TRIGGER message_counts_move AFTER UPDATE OF company_id, connection_id, direction, status, error_code, created_at ON messages
WHEN NOT (old.company_id = new.company_id AND old.created_at = new.created_at AND old.connection_id IS new.connection_id
  AND (CASE WHEN old.direction = 'outbound' AND old.status = 'failed' THEN old.error_code ELSE '' END)
    = (CASE WHEN new.direction = 'outbound' AND new.status = 'failed' THEN new.error_code ELSE '' END))
BEGIN
    INSERT INTO message_counts (company_id, slot, connection_id, code, received, queued, sending, sent, delivered, read, failed)
    VALUES (old.company_id, CAST(strftime('%s', old.created_at) AS INTEGER) / 900 * 900, coalesce(old.connection_id, ''),
            CASE WHEN old.direction = 'outbound' AND old.status = 'failed' THEN old.error_code ELSE '' END,
            -(old.direction = 'inbound' AND old.status <> 'internal'),
            -(old.direction = 'outbound' AND old.status = 'queued'),
            -(old.direction = 'outbound' AND old.status = 'sending'),
            -(old.direction = 'outbound' AND old.status = 'sent'),
            -(old.direction = 'outbound' AND old.status = 'delivered'),
            -(old.direction = 'outbound' AND old.status = 'read'),
            -(old.direction = 'outbound' AND old.status = 'failed'))
    ON CONFLICT (company_id, slot, connection_id, code) DO UPDATE SET
        received = received + excluded.received, queued = queued + excluded.queued, sending = sending + excluded.sending,
        sent = sent + excluded.sent, delivered = delivered + excluded.delivered, read = read + excluded.read,
        failed = failed + excluded.failed;
    INSERT INTO message_counts (company_id, slot, connection_id, code, received, queued, sending, sent, delivered, read, failed)
    VALUES (new.company_id, CAST(strftime('%s', new.created_at) AS INTEGER) / 900 * 900, coalesce(new.connection_id, ''),
            CASE WHEN new.direction = 'outbound' AND new.status = 'failed' THEN new.error_code ELSE '' END,
            new.direction = 'inbound' AND new.status <> 'internal',
            new.direction = 'outbound' AND new.status = 'queued',
            new.direction = 'outbound' AND new.status = 'sending',
            new.direction = 'outbound' AND new.status = 'sent',
            new.direction = 'outbound' AND new.status = 'delivered',
            new.direction = 'outbound' AND new.status = 'read',
            new.direction = 'outbound' AND new.status = 'failed')
    ON CONFLICT (company_id, slot, connection_id, code) DO UPDATE SET
        received = received + excluded.received, queued = queued + excluded.queued, sending = sending + excluded.sending,
        sent = sent + excluded.sent, delivered = delivered + excluded.delivered, read = read + excluded.read,
        failed = failed + excluded.failed;
END;

INSERT INTO message_counts (company_id, slot, connection_id, code, received, queued, sending, sent, delivered, read, failed)
SELECT company_id, slot, connection_id, code,
       sum(direction = 'inbound' AND status <> 'internal'),
       sum(direction = 'outbound' AND status = 'queued'),
       sum(direction = 'outbound' AND status = 'sending'),
       sum(direction = 'outbound' AND status = 'sent'),
       sum(direction = 'outbound' AND status = 'delivered'),
       sum(direction = 'outbound' AND status = 'read'),
       sum(direction = 'outbound' AND status = 'failed')
  FROM (SELECT company_id, CAST(strftime('%s', created_at) AS INTEGER) / 900 * 900 AS slot, coalesce(connection_id, '') AS connection_id,
               CASE WHEN direction = 'outbound' AND status = 'failed' THEN error_code ELSE '' END AS code, direction, status
          FROM messages
         WHERE (direction = 'inbound' AND status <> 'internal')
            OR (direction = 'outbound' AND status IN ('queued', 'sending', 'sent', 'delivered', 'read', 'failed')))
 GROUP BY company_id, slot, connection_id, code;

-- What 0008 added for counting messages is no longer read. IF EXISTS: the
-- outbox's own migrations may reshape messages' indexes too.
DROP INDEX IF EXISTS messages_dashboard;
DROP INDEX IF EXISTS messages_failed;

-- First response: the contact's first message in the conversation and the
-- first message an agent wrote after it (outbound, source agent, with an
-- author, not a note), "first" by message id, which orders messages by
-- creation. Stamped when they are written, recomputed from the
-- conversation's messages when one of them is deleted (a queued reply
-- cancelled) or a message arrives out of order (an earlier id). The columns
-- these depend on (direction, source, author, conversation) never change
-- after a message is written, and no status becomes or stops being internal,
-- so updates need no trigger.
ALTER TABLE conversations ADD COLUMN first_inbound_id TEXT;
ALTER TABLE conversations ADD COLUMN first_inbound_at TEXT;
ALTER TABLE conversations ADD COLUMN first_reply_id TEXT;
ALTER TABLE conversations ADD COLUMN first_reply_at TEXT;
ALTER TABLE conversations ADD COLUMN first_reply_by TEXT;

CREATE TRIGGER conversations_first_inbound AFTER INSERT ON messages WHEN new.direction = 'inbound'
BEGIN
    UPDATE conversations SET first_inbound_id = new.id, first_inbound_at = new.created_at,
           (first_reply_id, first_reply_at, first_reply_by) = (
               SELECT m.id, m.created_at, m.author_id FROM messages m
                WHERE m.conversation_id = new.conversation_id AND m.id > new.id AND m.direction = 'outbound'
                  AND m.source = 'agent' AND m.author_id IS NOT NULL AND m.status <> 'internal'
                ORDER BY m.id LIMIT 1)
     WHERE id = new.conversation_id AND (first_inbound_id IS NULL OR first_inbound_id > new.id);
END;

CREATE TRIGGER conversations_first_reply AFTER INSERT ON messages
WHEN new.direction = 'outbound' AND new.source = 'agent' AND new.author_id IS NOT NULL AND new.status <> 'internal'
BEGIN
    UPDATE conversations SET first_reply_id = new.id, first_reply_at = new.created_at, first_reply_by = new.author_id
     WHERE id = new.conversation_id AND first_inbound_id < new.id AND (first_reply_id IS NULL OR first_reply_id > new.id);
END;

CREATE TRIGGER conversations_first_delete AFTER DELETE ON messages
WHEN old.direction = 'inbound'
  OR (old.direction = 'outbound' AND old.source = 'agent' AND old.author_id IS NOT NULL AND old.status <> 'internal')
BEGIN
    UPDATE conversations SET (first_inbound_id, first_inbound_at) = (
               SELECT m.id, m.created_at FROM messages m
                WHERE m.conversation_id = old.conversation_id AND m.direction = 'inbound' ORDER BY m.id LIMIT 1)
     WHERE id = old.conversation_id AND first_inbound_id = old.id;
    UPDATE conversations SET (first_reply_id, first_reply_at, first_reply_by) = (
               SELECT m.id, m.created_at, m.author_id FROM messages m
                WHERE m.conversation_id = old.conversation_id AND m.id > conversations.first_inbound_id AND m.direction = 'outbound'
                  AND m.source = 'agent' AND m.author_id IS NOT NULL AND m.status <> 'internal'
                ORDER BY m.id LIMIT 1)
     WHERE id = old.conversation_id
       AND (first_reply_id = old.id OR first_reply_id <= first_inbound_id OR (first_inbound_id IS NULL AND first_reply_id IS NOT NULL));
END;

UPDATE conversations SET (first_inbound_id, first_inbound_at) = (
           SELECT m.id, m.created_at FROM messages m
            WHERE m.conversation_id = conversations.id AND m.direction = 'inbound' ORDER BY m.id LIMIT 1);
UPDATE conversations SET (first_reply_id, first_reply_at, first_reply_by) = (
           SELECT m.id, m.created_at, m.author_id FROM messages m
            WHERE m.conversation_id = conversations.id AND m.id > conversations.first_inbound_id AND m.direction = 'outbound'
              AND m.source = 'agent' AND m.author_id IS NOT NULL AND m.status <> 'internal'
            ORDER BY m.id LIMIT 1)
 WHERE first_inbound_id IS NOT NULL;

-- The first-response and resolution figures read these indexes alone (every
-- column they use is in them): conversations of the period, not messages.
CREATE INDEX conversations_first_response ON conversations
    (company_id, created_at, first_inbound_at, first_reply_at, first_reply_by, team_id, connection_id, first_reply_id)
    WHERE first_reply_id IS NOT NULL;
CREATE INDEX conversations_resolution ON conversations
    (company_id, resolved_at, created_at, assignee_id, team_id, connection_id, status)
    WHERE status = 'resolved';
DROP INDEX conversations_resolved;
