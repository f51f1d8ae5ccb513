-- 0005: the shared inbox. Teams of agents with round-robin assignment,
-- agent availability and capacity, labels, canned responses, protocol
-- numbers, closing reasons and snoozing on conversations.

CREATE TABLE teams (
    id                    TEXT PRIMARY KEY,
    company_id            TEXT NOT NULL REFERENCES companies (id) ON DELETE CASCADE,
    name                  TEXT NOT NULL,
    auto_assign           BOOLEAN NOT NULL DEFAULT TRUE,
    -- Round robin: the next assignment goes to the member after this one.
    last_assigned_user_id TEXT,
    created_at            TIMESTAMPTZ NOT NULL,
    updated_at            TIMESTAMPTZ NOT NULL
);
CREATE UNIQUE INDEX teams_name ON teams (company_id, lower(name));

CREATE TABLE team_members (
    team_id    TEXT NOT NULL REFERENCES teams (id) ON DELETE CASCADE,
    user_id    TEXT NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    company_id TEXT NOT NULL REFERENCES companies (id) ON DELETE CASCADE,
    PRIMARY KEY (team_id, user_id)
);
CREATE INDEX team_members_user ON team_members (company_id, user_id);

ALTER TABLE memberships ADD COLUMN availability TEXT NOT NULL DEFAULT 'offline' CHECK (availability IN ('online', 'away', 'offline'));
-- NULL: no limit on open conversations assigned to the agent.
ALTER TABLE memberships ADD COLUMN capacity INTEGER;

ALTER TABLE companies ADD COLUMN closing_reasons JSONB NOT NULL DEFAULT '[]';
ALTER TABLE companies ADD COLUMN closing_reason_required BOOLEAN NOT NULL DEFAULT FALSE;
ALTER TABLE companies ADD COLUMN protocol_seq BIGINT NOT NULL DEFAULT 0;

ALTER TABLE connections ADD COLUMN team_id TEXT REFERENCES teams (id) ON DELETE SET NULL;

ALTER TABLE conversations ADD COLUMN protocol TEXT NOT NULL DEFAULT '';
ALTER TABLE conversations ADD COLUMN assignee_id TEXT REFERENCES users (id) ON DELETE SET NULL;
ALTER TABLE conversations ADD COLUMN team_id TEXT REFERENCES teams (id) ON DELETE SET NULL;
ALTER TABLE conversations ADD COLUMN snoozed_until TIMESTAMPTZ;
ALTER TABLE conversations ADD COLUMN closing_reason TEXT NOT NULL DEFAULT '';
ALTER TABLE conversations ADD COLUMN resolved_at TIMESTAMPTZ;
ALTER TABLE conversations ADD COLUMN last_message_type TEXT NOT NULL DEFAULT '';
ALTER TABLE conversations ADD COLUMN last_message_text TEXT NOT NULL DEFAULT '';
ALTER TABLE conversations ADD COLUMN last_message_direction TEXT NOT NULL DEFAULT '';
CREATE INDEX conversations_assignee ON conversations (company_id, assignee_id, last_message_at, id);
CREATE INDEX conversations_status ON conversations (company_id, status, last_message_at, id);
-- The inbox's tab counts and "take next" read unresolved conversations by
-- assignee; the unassigned ones oldest first.
CREATE INDEX conversations_unresolved ON conversations (company_id, assignee_id, unread_count) WHERE status <> 'resolved';
CREATE INDEX conversations_unassigned ON conversations (company_id, status, created_at, id) WHERE assignee_id IS NULL;
CREATE INDEX conversations_snoozed ON conversations (snoozed_until) WHERE status = 'snoozed' AND snoozed_until IS NOT NULL;
CREATE INDEX conversations_protocol ON conversations (company_id, protocol);

CREATE TABLE labels (
    id         TEXT PRIMARY KEY,
    company_id TEXT NOT NULL REFERENCES companies (id) ON DELETE CASCADE,
    name       TEXT NOT NULL,
    color      TEXT NOT NULL,
    created_at TIMESTAMPTZ NOT NULL,
    updated_at TIMESTAMPTZ NOT NULL
);
CREATE UNIQUE INDEX labels_name ON labels (company_id, lower(name));

CREATE TABLE conversation_labels (
    conversation_id TEXT NOT NULL REFERENCES conversations (id) ON DELETE CASCADE,
    label_id        TEXT NOT NULL REFERENCES labels (id) ON DELETE CASCADE,
    company_id      TEXT NOT NULL REFERENCES companies (id) ON DELETE CASCADE,
    PRIMARY KEY (conversation_id, label_id)
);
CREATE INDEX conversation_labels_label ON conversation_labels (label_id, conversation_id);

CREATE TABLE canned_responses (
    id         TEXT PRIMARY KEY,
    company_id TEXT NOT NULL REFERENCES companies (id) ON DELETE CASCADE,
    shortcut   TEXT NOT NULL,
    text       TEXT NOT NULL,
    created_by TEXT REFERENCES users (id) ON DELETE SET NULL,
    created_at TIMESTAMPTZ NOT NULL,
    updated_at TIMESTAMPTZ NOT NULL
);
CREATE UNIQUE INDEX canned_responses_shortcut ON canned_responses (company_id, lower(shortcut));
