-- 0012: the dashboard reads maintained counters instead of one index entry
-- per message of its period, and first responses from stamps on the
-- conversation instead of two message lookups per conversation
-- (internal/dashboard; measured in docs/BENCHMARKS.md).
--
-- Triggers keep both, so that no path that writes messages (the outbox and
-- its dispatchers, campaigns, inbound messages and delivery reports,
-- cancels, a contact's erasure, a connection's or company's deletion through
-- ON DELETE CASCADE / SET NULL, COPY) can forget them.
--
-- PostgreSQL differs from SQLite (whose triggers upsert the counter row per
-- message): here a counter row is shared by every transaction writing
-- messages of one connection in the same quarter hour, and an upsert would
-- hold it until commit, so concurrent sends, claims and delivery reports
-- would queue behind each other (and two of them taking the same rows in
-- different orders would deadlock). So the triggers are per statement, with
-- transition tables, and only append the statement's net change, one row
-- per counter touched, to message_count_deltas, which nothing else writes
-- to while it is open: inserts never wait. The dashboard reads counters
-- plus deltas in one statement (one snapshot); dashboard.Compact folds the
-- deltas into the counters every few seconds (in one transaction, so a
-- reader sees a delta in one place or the other, never both), one instance
-- at a time.

-- message_counts: a company's messages per 15-minute slot of created_at
-- (Unix seconds of the slot's start; every time zone's midnight is on a
-- quarter hour, so any company's day is a whole number of slots),
-- connection ('' once the connection is deleted) and, for failed ones,
-- error code ('' for every other status). One row holds every status, so a
-- status change is one row of change. Statuses the dashboard does not show
-- (notes and events: internal) are not counted. No foreign keys: a
-- deleted company's rows go to zero with its messages, and the deltas'
-- inserts check nothing.
CREATE TABLE message_counts (
    company_id    TEXT NOT NULL,
    slot          BIGINT NOT NULL,
    connection_id TEXT NOT NULL,
    code          TEXT NOT NULL,
    received      BIGINT NOT NULL DEFAULT 0,
    queued        BIGINT NOT NULL DEFAULT 0,
    sending       BIGINT NOT NULL DEFAULT 0,
    sent          BIGINT NOT NULL DEFAULT 0,
    delivered     BIGINT NOT NULL DEFAULT 0,
    read          BIGINT NOT NULL DEFAULT 0,
    failed        BIGINT NOT NULL DEFAULT 0,
    PRIMARY KEY (company_id, slot, connection_id, code)
);

CREATE TABLE message_count_deltas (
    company_id    TEXT NOT NULL,
    slot          BIGINT NOT NULL,
    connection_id TEXT NOT NULL,
    code          TEXT NOT NULL,
    received      BIGINT NOT NULL DEFAULT 0,
    queued        BIGINT NOT NULL DEFAULT 0,
    sending       BIGINT NOT NULL DEFAULT 0,
    sent          BIGINT NOT NULL DEFAULT 0,
    delivered     BIGINT NOT NULL DEFAULT 0,
    read          BIGINT NOT NULL DEFAULT 0,
    failed        BIGINT NOT NULL DEFAULT 0
);
CREATE INDEX message_count_deltas_slot ON message_count_deltas (company_id, slot);

-- A message counts when it is inbound (not internal), or outbound in one of
-- the statuses of the columns. Each function sums its statement's rows
-- (+1 new, -1 old) per counter row and appends what did not cancel out: a
-- claim of 200 queued messages is one delta row (queued -200, sending +200).
CREATE FUNCTION messages_counted_insert() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    INSERT INTO message_count_deltas (company_id, slot, connection_id, code, received, queued, sending, sent, delivered, read, failed)
    SELECT company_id, (floor(extract(epoch FROM created_at) / 900) * 900)::bigint AS slot, coalesce(connection_id, '') AS conn,
           CASE WHEN direction = 'outbound' AND status = 'failed' THEN error_code ELSE '' END AS code,
           count(*) FILTER (WHERE direction = 'inbound' AND status <> 'internal'),
           count(*) FILTER (WHERE direction = 'outbound' AND status = 'queued'),
           count(*) FILTER (WHERE direction = 'outbound' AND status = 'sending'),
           count(*) FILTER (WHERE direction = 'outbound' AND status = 'sent'),
           count(*) FILTER (WHERE direction = 'outbound' AND status = 'delivered'),
           count(*) FILTER (WHERE direction = 'outbound' AND status = 'read'),
           count(*) FILTER (WHERE direction = 'outbound' AND status = 'failed')
      FROM new_rows
     WHERE (direction = 'inbound' AND status <> 'internal')
        OR (direction = 'outbound' AND status IN ('queued', 'sending', 'sent', 'delivered', 'read', 'failed'))
     GROUP BY 1, 2, 3, 4;

    -- First inbound (and the first reply after it, recomputed: a message
    -- may arrive with an earlier id than the one stamped).
    UPDATE conversations c SET first_inbound_id = f.id, first_inbound_at = f.created_at,
           (first_reply_id, first_reply_at, first_reply_by) = (
               SELECT m.id, m.created_at, m.author_id FROM messages m
                WHERE m.conversation_id = c.id AND m.id > f.id AND m.direction = 'outbound'
                  AND m.source = 'agent' AND m.author_id IS NOT NULL AND m.status <> 'internal'
                ORDER BY m.id LIMIT 1)
      FROM (SELECT DISTINCT ON (conversation_id) conversation_id, id, created_at FROM new_rows
             WHERE direction = 'inbound' ORDER BY conversation_id, id) f
     WHERE c.id = f.conversation_id AND (c.first_inbound_id IS NULL OR c.first_inbound_id > f.id);
    -- First reply after the first inbound.
    UPDATE conversations c SET first_reply_id = r.id, first_reply_at = r.created_at, first_reply_by = r.author_id
      FROM (SELECT DISTINCT ON (n.conversation_id) n.conversation_id, n.id, n.created_at, n.author_id
              FROM new_rows n JOIN conversations x ON x.id = n.conversation_id
             WHERE n.direction = 'outbound' AND n.source = 'agent' AND n.author_id IS NOT NULL AND n.status <> 'internal'
               AND n.id > x.first_inbound_id
             ORDER BY n.conversation_id, n.id) r
     WHERE c.id = r.conversation_id AND (c.first_reply_id IS NULL OR c.first_reply_id > r.id);
    RETURN NULL;
END
$$;

CREATE FUNCTION messages_counted_update() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    INSERT INTO message_count_deltas (company_id, slot, connection_id, code, received, queued, sending, sent, delivered, read, failed)
    SELECT * FROM (
        SELECT company_id, (floor(extract(epoch FROM created_at) / 900) * 900)::bigint AS slot, coalesce(connection_id, '') AS conn,
               CASE WHEN direction = 'outbound' AND status = 'failed' THEN error_code ELSE '' END AS code,
               coalesce(sum(sign) FILTER (WHERE direction = 'inbound' AND status <> 'internal'), 0) AS received,
               coalesce(sum(sign) FILTER (WHERE direction = 'outbound' AND status = 'queued'), 0) AS queued,
               coalesce(sum(sign) FILTER (WHERE direction = 'outbound' AND status = 'sending'), 0) AS sending,
               coalesce(sum(sign) FILTER (WHERE direction = 'outbound' AND status = 'sent'), 0) AS sent,
               coalesce(sum(sign) FILTER (WHERE direction = 'outbound' AND status = 'delivered'), 0) AS delivered,
               coalesce(sum(sign) FILTER (WHERE direction = 'outbound' AND status = 'read'), 0) AS read,
               coalesce(sum(sign) FILTER (WHERE direction = 'outbound' AND status = 'failed'), 0) AS failed
          FROM (SELECT company_id, created_at, connection_id, direction, status, error_code, 1 AS sign FROM new_rows
                UNION ALL
                SELECT company_id, created_at, connection_id, direction, status, error_code, -1 FROM old_rows) r
         WHERE (direction = 'inbound' AND status <> 'internal')
            OR (direction = 'outbound' AND status IN ('queued', 'sending', 'sent', 'delivered', 'read', 'failed'))
         GROUP BY 1, 2, 3, 4) d
     -- Rows whose counted columns did not change (a media download, a
     -- contact merge) cancel out and leave nothing.
     WHERE received <> 0 OR queued <> 0 OR sending <> 0 OR sent <> 0 OR delivered <> 0 OR read <> 0 OR failed <> 0;
    RETURN NULL;
END
$$;

CREATE FUNCTION messages_counted_delete() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    INSERT INTO message_count_deltas (company_id, slot, connection_id, code, received, queued, sending, sent, delivered, read, failed)
    SELECT company_id, (floor(extract(epoch FROM created_at) / 900) * 900)::bigint AS slot, coalesce(connection_id, '') AS conn,
           CASE WHEN direction = 'outbound' AND status = 'failed' THEN error_code ELSE '' END AS code,
           -count(*) FILTER (WHERE direction = 'inbound' AND status <> 'internal'),
           -count(*) FILTER (WHERE direction = 'outbound' AND status = 'queued'),
           -count(*) FILTER (WHERE direction = 'outbound' AND status = 'sending'),
           -count(*) FILTER (WHERE direction = 'outbound' AND status = 'sent'),
           -count(*) FILTER (WHERE direction = 'outbound' AND status = 'delivered'),
           -count(*) FILTER (WHERE direction = 'outbound' AND status = 'read'),
           -count(*) FILTER (WHERE direction = 'outbound' AND status = 'failed')
      FROM old_rows
     WHERE (direction = 'inbound' AND status <> 'internal')
        OR (direction = 'outbound' AND status IN ('queued', 'sending', 'sent', 'delivered', 'read', 'failed'))
     GROUP BY 1, 2, 3, 4;

    -- A stamped message deleted (a queued reply cancelled; an erasure's
    -- conversations are deleted with their messages, so nothing is left to
    -- stamp): the next one in line takes its place.
    UPDATE conversations c SET (first_inbound_id, first_inbound_at) = (
               SELECT m.id, m.created_at FROM messages m
                WHERE m.conversation_id = c.id AND m.direction = 'inbound' ORDER BY m.id LIMIT 1)
     WHERE c.id IN (SELECT conversation_id FROM old_rows WHERE direction = 'inbound')
       AND c.first_inbound_id IN (SELECT id FROM old_rows);
    UPDATE conversations c SET (first_reply_id, first_reply_at, first_reply_by) = (
               SELECT m.id, m.created_at, m.author_id FROM messages m
                WHERE m.conversation_id = c.id AND m.id > c.first_inbound_id AND m.direction = 'outbound'
                  AND m.source = 'agent' AND m.author_id IS NOT NULL AND m.status <> 'internal'
                ORDER BY m.id LIMIT 1)
     WHERE c.id IN (SELECT conversation_id FROM old_rows)
       AND (c.first_reply_id IN (SELECT id FROM old_rows) OR c.first_reply_id <= c.first_inbound_id
            OR (c.first_inbound_id IS NULL AND c.first_reply_id IS NOT NULL));
    RETURN NULL;
END
$$;

ALTER TABLE conversations ADD COLUMN first_inbound_id TEXT;
ALTER TABLE conversations ADD COLUMN first_inbound_at TIMESTAMPTZ;
ALTER TABLE conversations ADD COLUMN first_reply_id TEXT;
ALTER TABLE conversations ADD COLUMN first_reply_at TIMESTAMPTZ;
ALTER TABLE conversations ADD COLUMN first_reply_by TEXT;

-- Created before the backfill reads messages: CREATE TRIGGER locks the
-- table against writes until this migration commits, so no message is
-- written between the backfill's reading and the triggers' counting.
CREATE TRIGGER messages_counted_insert AFTER INSERT ON messages
    REFERENCING NEW TABLE AS new_rows
    FOR EACH STATEMENT EXECUTE FUNCTION messages_counted_insert();
CREATE TRIGGER messages_counted_update AFTER UPDATE ON messages
    REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows
    FOR EACH STATEMENT EXECUTE FUNCTION messages_counted_update();
CREATE TRIGGER messages_counted_delete AFTER DELETE ON messages
    REFERENCING OLD TABLE AS old_rows
    FOR EACH STATEMENT EXECUTE FUNCTION messages_counted_delete();

INSERT INTO message_counts (company_id, slot, connection_id, code, received, queued, sending, sent, delivered, read, failed)
SELECT company_id, (floor(extract(epoch FROM created_at) / 900) * 900)::bigint AS slot, coalesce(connection_id, '') AS conn,
       CASE WHEN direction = 'outbound' AND status = 'failed' THEN error_code ELSE '' END AS code,
       count(*) FILTER (WHERE direction = 'inbound' AND status <> 'internal'),
       count(*) FILTER (WHERE direction = 'outbound' AND status = 'queued'),
       count(*) FILTER (WHERE direction = 'outbound' AND status = 'sending'),
       count(*) FILTER (WHERE direction = 'outbound' AND status = 'sent'),
       count(*) FILTER (WHERE direction = 'outbound' AND status = 'delivered'),
       count(*) FILTER (WHERE direction = 'outbound' AND status = 'read'),
       count(*) FILTER (WHERE direction = 'outbound' AND status = 'failed')
  FROM messages
 WHERE (direction = 'inbound' AND status <> 'internal')
    OR (direction = 'outbound' AND status IN ('queued', 'sending', 'sent', 'delivered', 'read', 'failed'))
 GROUP BY 1, 2, 3, 4;

-- What 0008 added for counting messages is no longer read, and every
-- status change wrote to it. IF EXISTS: the outbox's own migrations may
-- reshape messages' indexes too.
DROP INDEX IF EXISTS messages_dashboard;
DROP INDEX IF EXISTS messages_failed;

-- First response: the contact's first message in the conversation and the
-- first message an agent wrote after it (outbound, source agent, with an
-- author, not a note), "first" by message id, which orders messages by
-- creation. Stamped by the insert trigger, recomputed from the
-- conversation's messages when one of them is deleted or a message arrives
-- with an earlier id. The columns these depend on (direction, source,
-- author, conversation) never change after a message is written, and no
-- status becomes or stops being internal, so updates need no stamping.
UPDATE conversations c SET (first_inbound_id, first_inbound_at) = (
           SELECT m.id, m.created_at FROM messages m
            WHERE m.conversation_id = c.id AND m.direction = 'inbound' ORDER BY m.id LIMIT 1);
UPDATE conversations c SET (first_reply_id, first_reply_at, first_reply_by) = (
           SELECT m.id, m.created_at, m.author_id FROM messages m
            WHERE m.conversation_id = c.id AND m.id > c.first_inbound_id AND m.direction = 'outbound'
              AND m.source = 'agent' AND m.author_id IS NOT NULL AND m.status <> 'internal'
            ORDER BY m.id LIMIT 1)
 WHERE c.first_inbound_id IS NOT NULL;

-- The first-response and resolution figures read these indexes alone (every
-- column they use is in them): conversations of the period, not messages.
CREATE INDEX conversations_first_response ON conversations (company_id, created_at)
    INCLUDE (first_inbound_at, first_reply_at, first_reply_by, team_id, connection_id)
    WHERE first_reply_id IS NOT NULL;
CREATE INDEX conversations_resolution ON conversations (company_id, resolved_at)
    INCLUDE (created_at, assignee_id, team_id, connection_id)
    WHERE status = 'resolved';
DROP INDEX conversations_resolved;
