-- 0004: the outbox. An outbound message row is its own queue entry: its lane
-- (0 conversation replies, 1 automation and AI, 2 campaigns), when it may go
-- (send later, retry backoff) and how many calls were tried. One instance
-- sends for a connection at a time, holding its lease.

ALTER TABLE messages ADD COLUMN lane INTEGER NOT NULL DEFAULT 0;
ALTER TABLE messages ADD COLUMN source TEXT NOT NULL DEFAULT '';
ALTER TABLE messages ADD COLUMN author_id TEXT;
ALTER TABLE messages ADD COLUMN send_at TIMESTAMPTZ;
ALTER TABLE messages ADD COLUMN attempts INTEGER NOT NULL DEFAULT 0;
CREATE INDEX messages_outbox ON messages (connection_id, lane, send_at, id) WHERE status = 'queued';
CREATE INDEX messages_sending ON messages (connection_id) WHERE status = 'sending';

CREATE TABLE connection_leases (
    connection_id TEXT PRIMARY KEY REFERENCES connections (id) ON DELETE CASCADE,
    owner         TEXT NOT NULL,
    expires_at    TIMESTAMPTZ NOT NULL
);
