-- 0006: campaigns. A campaign's audience is frozen at start into one row
-- per contact (campaign_recipients): every member of the audience gets a
-- row, excluded ones with status skipped and the reason, so the report
-- explains every gap. A recipient moves pending → queued (its outbox
-- message written in the same transaction) → sent → delivered → read →
-- replied, or failed / skipped.

CREATE TABLE campaigns (
    id              TEXT PRIMARY KEY,
    company_id      TEXT NOT NULL REFERENCES companies (id) ON DELETE CASCADE,
    name            TEXT NOT NULL,
    status          TEXT NOT NULL DEFAULT 'draft' CHECK (status IN ('draft', 'scheduled', 'running', 'paused', 'completed', 'canceled')),
    status_reason   TEXT NOT NULL DEFAULT '',
    connection_ids  TEXT NOT NULL DEFAULT '[]',
    audience        TEXT NOT NULL DEFAULT '{}',
    message         TEXT NOT NULL DEFAULT '{}',
    rate_per_second REAL,
    schedule        TEXT NOT NULL DEFAULT '{}',
    stop_rules      TEXT NOT NULL DEFAULT '{}',
    created_by      TEXT REFERENCES users (id) ON DELETE SET NULL,
    start_at        TEXT,
    started_at      TEXT,
    finished_at     TEXT,
    created_at      TEXT NOT NULL,
    updated_at      TEXT NOT NULL
);
CREATE INDEX campaigns_company ON campaigns (company_id, id);
CREATE INDEX campaigns_active ON campaigns (status) WHERE status IN ('scheduled', 'running');

CREATE TABLE campaign_recipients (
    campaign_id   TEXT NOT NULL REFERENCES campaigns (id) ON DELETE CASCADE,
    contact_id    TEXT NOT NULL REFERENCES contacts (id) ON DELETE CASCADE,
    company_id    TEXT NOT NULL REFERENCES companies (id) ON DELETE CASCADE,
    phone         TEXT NOT NULL,
    connection_id TEXT,
    status        TEXT NOT NULL CHECK (status IN ('pending', 'queued', 'sent', 'delivered', 'read', 'replied', 'failed', 'skipped')),
    message_id    TEXT,
    error_code    TEXT NOT NULL DEFAULT '',
    error_reason  TEXT NOT NULL DEFAULT '',
    sent_at       TEXT,
    updated_at    TEXT NOT NULL,
    PRIMARY KEY (campaign_id, contact_id)
);
CREATE INDEX campaign_recipients_status ON campaign_recipients (campaign_id, connection_id, status, contact_id);
CREATE INDEX campaign_recipients_recent ON campaign_recipients (campaign_id, updated_at);
CREATE INDEX campaign_recipients_message ON campaign_recipients (message_id) WHERE message_id IS NOT NULL;
CREATE INDEX campaign_recipients_contact ON campaign_recipients (company_id, contact_id);

ALTER TABLE companies ADD COLUMN campaigns_require_opt_in INTEGER NOT NULL DEFAULT 1;

-- A message queued to leave later: it becomes its conversation's last
-- message when it leaves, not when it is written.
ALTER TABLE messages ADD COLUMN scheduled INTEGER NOT NULL DEFAULT 0;
