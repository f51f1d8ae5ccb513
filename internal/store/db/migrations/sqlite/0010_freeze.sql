-- 0010: starting a campaign freezes its audience, up to a million rows of
-- campaign_recipients in one INSERT … SELECT (issue 7: at most 30 s).
--
-- PostgreSQL drops the foreign keys on company_id and campaign_id here (a
-- trigger call per inserted row each) and deletes a campaign's recipients
-- with a trigger on campaigns instead. SQLite keeps both keys: its checks are
-- index look-ups in the same process, its start met the goal with them, and
-- it cannot drop a constraint without rebuilding the table. Deleting a
-- company, campaign or contact removes the same recipients on both.

-- The stop rules read only settled sends (sent … replied, failed) by
-- updated_at: index only those, so that the freeze, whose rows are all
-- pending or skipped, writes nothing to it. SQLite uses a partial index only
-- when the query repeats its condition word for word; the stop-rule queries
-- do (campaigns.settledCond).
DROP INDEX campaign_recipients_recent;
CREATE INDEX campaign_recipients_settled ON campaign_recipients (campaign_id, updated_at)
    WHERE status IN ('sent', 'delivered', 'read', 'replied', 'failed');

-- Recipients by contact: replies look them up by contact, and deleting a
-- contact cascades by contact_id alone, which (company_id, contact_id) could
-- not answer without reading the whole table.
DROP INDEX campaign_recipients_contact;
CREATE INDEX campaign_recipients_contact ON campaign_recipients (contact_id);
