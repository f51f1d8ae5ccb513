-- 0003: connections to providers, the durable record of everything providers
-- tell us (webhook_events), conversations, messages, the status ledger that
-- dedupes delivery reports, and message templates.

CREATE TABLE connections (
    id              TEXT PRIMARY KEY,
    company_id      TEXT NOT NULL REFERENCES companies (id) ON DELETE CASCADE,
    type            TEXT NOT NULL,
    name            TEXT NOT NULL,
    status          TEXT NOT NULL DEFAULT 'active' CHECK (status IN ('active', 'disabled', 'needs_attention')),
    status_reason   TEXT NOT NULL DEFAULT '',
    config          JSONB NOT NULL DEFAULT '{}',
    secret_id       TEXT REFERENCES secrets (id) ON DELETE SET NULL,
    phone_number_id TEXT,
    info            JSONB NOT NULL DEFAULT '{}',
    created_at      TIMESTAMPTZ NOT NULL,
    updated_at      TIMESTAMPTZ NOT NULL
);
CREATE INDEX connections_company ON connections (company_id, id);
-- Not unique: a shared app's deliveries are routed by phone_number_id, and
-- each candidate proves itself with its own app secret, so nobody can claim
-- another company's number by registering it first.
CREATE INDEX connections_phone_number_id ON connections (phone_number_id) WHERE phone_number_id IS NOT NULL;

CREATE TABLE webhook_events (
    id            TEXT PRIMARY KEY,
    company_id    TEXT NOT NULL REFERENCES companies (id) ON DELETE CASCADE,
    connection_id TEXT NOT NULL REFERENCES connections (id) ON DELETE CASCADE,
    source        TEXT NOT NULL,
    payload       BYTEA NOT NULL,
    status        TEXT NOT NULL DEFAULT 'received' CHECK (status IN ('received', 'processed', 'failed')),
    error         TEXT NOT NULL DEFAULT '',
    attempts      INTEGER NOT NULL DEFAULT 0,
    available_at  TIMESTAMPTZ NOT NULL,
    received_at   TIMESTAMPTZ NOT NULL,
    processed_at  TIMESTAMPTZ
);
CREATE INDEX webhook_events_due ON webhook_events (available_at, id) WHERE status = 'received';
CREATE INDEX webhook_events_company ON webhook_events (company_id, status, id);

CREATE TABLE conversations (
    id              TEXT PRIMARY KEY,
    company_id      TEXT NOT NULL REFERENCES companies (id) ON DELETE CASCADE,
    connection_id   TEXT REFERENCES connections (id) ON DELETE SET NULL,
    contact_id      TEXT NOT NULL REFERENCES contacts (id) ON DELETE CASCADE,
    status          TEXT NOT NULL DEFAULT 'open' CHECK (status IN ('open', 'pending', 'snoozed', 'resolved')),
    unread_count    INTEGER NOT NULL DEFAULT 0,
    last_message_at TIMESTAMPTZ NOT NULL,
    last_inbound_at TIMESTAMPTZ,
    created_at      TIMESTAMPTZ NOT NULL,
    updated_at      TIMESTAMPTZ NOT NULL
);
-- One open conversation per (connection, contact); resolved ones are history.
CREATE UNIQUE INDEX conversations_open ON conversations (connection_id, contact_id) WHERE status <> 'resolved';
CREATE INDEX conversations_recent ON conversations (company_id, last_message_at, id);
CREATE INDEX conversations_contact ON conversations (contact_id);

CREATE TABLE messages (
    id                  TEXT PRIMARY KEY,
    company_id          TEXT NOT NULL REFERENCES companies (id) ON DELETE CASCADE,
    conversation_id     TEXT NOT NULL REFERENCES conversations (id) ON DELETE CASCADE,
    contact_id          TEXT NOT NULL REFERENCES contacts (id) ON DELETE CASCADE,
    connection_id       TEXT REFERENCES connections (id) ON DELETE SET NULL,
    direction           TEXT NOT NULL CHECK (direction IN ('inbound', 'outbound')),
    type                TEXT NOT NULL,
    text                TEXT NOT NULL DEFAULT '',
    content             JSONB NOT NULL DEFAULT '{}',
    status              TEXT NOT NULL,
    status_at           TIMESTAMPTZ,
    provider_message_id TEXT,
    reply_to            TEXT NOT NULL DEFAULT '',
    error_code          TEXT NOT NULL DEFAULT '',
    error_reason        TEXT NOT NULL DEFAULT '',
    media_key           TEXT NOT NULL DEFAULT '',
    media_status        TEXT NOT NULL DEFAULT '',
    media_error         TEXT NOT NULL DEFAULT '',
    sent_at             TIMESTAMPTZ,
    delivered_at        TIMESTAMPTZ,
    read_at             TIMESTAMPTZ,
    failed_at           TIMESTAMPTZ,
    created_at          TIMESTAMPTZ NOT NULL
);
-- The provider's id is the dedupe key of inbound messages and the handle of
-- status reports: checked by the database in the same commit as the insert.
CREATE UNIQUE INDEX messages_provider_id ON messages (connection_id, provider_message_id) WHERE provider_message_id IS NOT NULL;
CREATE INDEX messages_conversation ON messages (conversation_id, id);
CREATE INDEX messages_contact ON messages (contact_id);

-- Every delivery report once: (connection, provider id, status) is the key a
-- second copy of the same report collides with. message_id is NULL while no
-- message of ours carries that provider id (a report that outran the send's
-- own commit, or one for a message we never sent).
CREATE TABLE message_statuses (
    company_id          TEXT NOT NULL REFERENCES companies (id) ON DELETE CASCADE,
    connection_id       TEXT NOT NULL REFERENCES connections (id) ON DELETE CASCADE,
    provider_message_id TEXT NOT NULL,
    status              TEXT NOT NULL,
    message_id          TEXT REFERENCES messages (id) ON DELETE CASCADE,
    error_code          TEXT NOT NULL DEFAULT '',
    error_reason        TEXT NOT NULL DEFAULT '',
    at                  TIMESTAMPTZ NOT NULL,
    received_at         TIMESTAMPTZ NOT NULL,
    PRIMARY KEY (connection_id, provider_message_id, status)
);
CREATE INDEX message_statuses_unmatched ON message_statuses (company_id, received_at) WHERE message_id IS NULL;
CREATE INDEX message_statuses_message ON message_statuses (message_id);

CREATE TABLE templates (
    id              TEXT PRIMARY KEY,
    company_id      TEXT NOT NULL REFERENCES companies (id) ON DELETE CASCADE,
    connection_id   TEXT NOT NULL REFERENCES connections (id) ON DELETE CASCADE,
    provider_id     TEXT NOT NULL DEFAULT '',
    name            TEXT NOT NULL,
    language        TEXT NOT NULL,
    category        TEXT NOT NULL,
    status          TEXT NOT NULL,
    rejected_reason TEXT NOT NULL DEFAULT '',
    components      JSONB NOT NULL DEFAULT '[]',
    created_at      TIMESTAMPTZ NOT NULL,
    updated_at      TIMESTAMPTZ NOT NULL
);
CREATE UNIQUE INDEX templates_name ON templates (connection_id, name, language);
CREATE INDEX templates_company ON templates (company_id, connection_id, name);
