-- 0002: contacts, their addresses, tags, custom fields, segments, the consent
-- ledger, suppressions and imports. SQLite types as in 0001.

ALTER TABLE companies ADD COLUMN optout_keywords JSONB NOT NULL DEFAULT '["SAIR","PARAR","STOP","CANCELAR","DESCADASTRAR","UNSUBSCRIBE"]';
ALTER TABLE companies ADD COLUMN optin_keywords JSONB NOT NULL DEFAULT '["VOLTAR","START"]';

CREATE TABLE contacts (
    id               TEXT PRIMARY KEY,
    company_id       TEXT NOT NULL REFERENCES companies (id) ON DELETE CASCADE,
    phone            TEXT NOT NULL,
    name             TEXT NOT NULL DEFAULT '',
    email            TEXT NOT NULL DEFAULT '',
    language         TEXT NOT NULL DEFAULT '',
    fields           JSONB NOT NULL DEFAULT '{}',
    notes            TEXT NOT NULL DEFAULT '',
    search           TEXT NOT NULL DEFAULT '',
    consent_state    TEXT NOT NULL DEFAULT 'unknown' CHECK (consent_state IN ('unknown', 'opted_in', 'opted_out')),
    consent_source   TEXT NOT NULL DEFAULT '',
    consent_at       TIMESTAMPTZ,
    last_inbound_at  TIMESTAMPTZ,
    last_outbound_at TIMESTAMPTZ,
    created_at       TIMESTAMPTZ NOT NULL,
    updated_at       TIMESTAMPTZ NOT NULL
);
CREATE UNIQUE INDEX contacts_phone ON contacts (company_id, phone);
CREATE INDEX contacts_company_id ON contacts (company_id, id);
CREATE INDEX contacts_consent ON contacts (company_id, consent_state, id);
-- Creation order is id order (UUIDv7), so contacts_company_id serves
-- "created before/after" too. Activity times are NULL until a message comes
-- or goes: partial indexes cost imports nothing.
CREATE INDEX contacts_inbound ON contacts (company_id, last_inbound_at) WHERE last_inbound_at IS NOT NULL;
CREATE INDEX contacts_outbound ON contacts (company_id, last_outbound_at) WHERE last_outbound_at IS NOT NULL;

-- Every way a person reaches us points at one contact: the E.164 phone (every
-- spelling of a Brazilian mobile normalizes to the one with the ninth digit)
-- and later channel identities (WhatsApp ids, @lid ids, SMS sender ids).
CREATE TABLE contact_addresses (
    company_id TEXT NOT NULL REFERENCES companies (id) ON DELETE CASCADE,
    contact_id TEXT NOT NULL REFERENCES contacts (id) ON DELETE CASCADE,
    kind       TEXT NOT NULL,
    value      TEXT NOT NULL,
    created_at TIMESTAMPTZ NOT NULL,
    PRIMARY KEY (company_id, kind, value)
);
CREATE INDEX contact_addresses_contact ON contact_addresses (contact_id);

CREATE TABLE tags (
    id         TEXT PRIMARY KEY,
    company_id TEXT NOT NULL REFERENCES companies (id) ON DELETE CASCADE,
    name       TEXT NOT NULL,
    name_key   TEXT NOT NULL,
    color      TEXT NOT NULL DEFAULT '',
    created_at TIMESTAMPTZ NOT NULL
);
CREATE UNIQUE INDEX tags_name ON tags (company_id, name_key);

CREATE TABLE contact_tags (
    company_id TEXT NOT NULL REFERENCES companies (id) ON DELETE CASCADE,
    contact_id TEXT NOT NULL REFERENCES contacts (id) ON DELETE CASCADE,
    tag_id     TEXT NOT NULL REFERENCES tags (id) ON DELETE CASCADE,
    PRIMARY KEY (contact_id, tag_id)
);
CREATE INDEX contact_tags_tag ON contact_tags (company_id, tag_id, contact_id);

CREATE TABLE field_defs (
    id         TEXT PRIMARY KEY,
    company_id TEXT NOT NULL REFERENCES companies (id) ON DELETE CASCADE,
    key        TEXT NOT NULL,
    label      TEXT NOT NULL,
    type       TEXT NOT NULL CHECK (type IN ('text', 'number', 'date', 'boolean', 'choice')),
    choices    TEXT NOT NULL DEFAULT '[]',
    created_at TIMESTAMPTZ NOT NULL
);
CREATE UNIQUE INDEX field_defs_key ON field_defs (company_id, key);

CREATE TABLE segments (
    id         TEXT PRIMARY KEY,
    company_id TEXT NOT NULL REFERENCES companies (id) ON DELETE CASCADE,
    name       TEXT NOT NULL,
    filter     TEXT NOT NULL,
    created_at TIMESTAMPTZ NOT NULL,
    updated_at TIMESTAMPTZ NOT NULL
);
CREATE INDEX segments_company ON segments (company_id, id);

-- Append-only: rows are inserted, never updated (LGPD Art. 8, proof of consent).
CREATE TABLE consent_events (
    id         TEXT PRIMARY KEY,
    company_id TEXT NOT NULL REFERENCES companies (id) ON DELETE CASCADE,
    contact_id TEXT NOT NULL REFERENCES contacts (id) ON DELETE CASCADE,
    action     TEXT NOT NULL CHECK (action IN ('opt_in', 'opt_out')),
    source     TEXT NOT NULL,
    channel    TEXT NOT NULL DEFAULT '',
    wording    TEXT NOT NULL DEFAULT '',
    reason     TEXT NOT NULL DEFAULT '',
    actor_type TEXT NOT NULL,
    actor_id   TEXT NOT NULL DEFAULT '',
    actor_name TEXT NOT NULL DEFAULT '',
    created_at TIMESTAMPTZ NOT NULL
);
CREATE INDEX consent_events_contact ON consent_events (company_id, contact_id, id);

-- Opted-out numbers stay suppressed after their contact is erased: only a
-- keyed hash of the number is kept, not the number.
CREATE TABLE suppressions (
    company_id TEXT NOT NULL REFERENCES companies (id) ON DELETE CASCADE,
    phone_hash TEXT NOT NULL,
    created_at TIMESTAMPTZ NOT NULL,
    PRIMARY KEY (company_id, phone_hash)
);

CREATE TABLE imports (
    id          TEXT PRIMARY KEY,
    company_id  TEXT NOT NULL REFERENCES companies (id) ON DELETE CASCADE,
    filename    TEXT NOT NULL,
    blob_key    TEXT NOT NULL,
    mapping     TEXT NOT NULL,
    options     TEXT NOT NULL,
    status      TEXT NOT NULL CHECK (status IN ('running', 'completed', 'failed')),
    error       TEXT NOT NULL DEFAULT '',
    total       BIGINT NOT NULL DEFAULT 0,
    processed   BIGINT NOT NULL DEFAULT 0,
    next_line   BIGINT NOT NULL DEFAULT 0,
    created     BIGINT NOT NULL DEFAULT 0,
    updated     BIGINT NOT NULL DEFAULT 0,
    skipped     BIGINT NOT NULL DEFAULT 0,
    rejected    BIGINT NOT NULL DEFAULT 0,
    created_by  TEXT NOT NULL DEFAULT '',
    created_at  TIMESTAMPTZ NOT NULL,
    finished_at TIMESTAMPTZ
);
CREATE INDEX imports_company ON imports (company_id, id);

CREATE TABLE import_rejections (
    company_id TEXT NOT NULL REFERENCES companies (id) ON DELETE CASCADE,
    import_id  TEXT NOT NULL REFERENCES imports (id) ON DELETE CASCADE,
    line       INTEGER NOT NULL,
    reason     TEXT NOT NULL,
    raw        TEXT NOT NULL,
    PRIMARY KEY (import_id, line)
);
