-- 0008: the dashboard reads a company's period in index order instead of
-- scanning whole tables (internal/dashboard; measured in docs/BENCHMARKS.md).

-- Messages of a connection in a period, counted by direction and status:
-- the index holds every column those counts read, so they never touch the
-- rows.
CREATE INDEX messages_dashboard ON messages (company_id, connection_id, created_at, direction, status);
-- Failures by code read the failed messages only.
CREATE INDEX messages_failed ON messages (company_id, created_at, connection_id, error_code) WHERE status = 'failed';
-- Conversations opened in a period (first response) and resolved in it
-- (resolution time).
CREATE INDEX conversations_created ON conversations (company_id, created_at);
CREATE INDEX conversations_resolved ON conversations (company_id, resolved_at) WHERE resolved_at IS NOT NULL;
-- Opt-outs per day; consent_events is append-only and mostly opt-ins.
CREATE INDEX consent_events_opt_outs ON consent_events (company_id, created_at) WHERE action = 'opt_out';
