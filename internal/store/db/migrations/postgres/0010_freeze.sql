-- 0010: starting a campaign freezes its audience, up to a million rows of
-- campaign_recipients written by one INSERT … SELECT, and must take at most
-- 30 s (issue 7). On PostgreSQL every foreign key checks each new row with a
-- trigger call (a query on the parent, which also locks the parent row):
-- measured at 1,000,000 rows, the three keys were two thirds of the
-- backend's CPU. Two of them go; what they did stays true by other means.
--
-- company_id: deleting a company already deletes its recipients twice over,
-- through its campaigns and through its contacts; the value itself is copied
-- from the contact row the freeze reads, filtered by company.
ALTER TABLE campaign_recipients DROP CONSTRAINT campaign_recipients_company_id_fkey;

-- campaign_id: its one duty left is the cascade when a finished or
-- canceled campaign is deleted, done here once per statement instead of a
-- check per inserted row. Recipients are written only by the start, which
-- first updates (so locks) the campaign row: a deletion either came first
-- (the start finds no draft and writes nothing) or waits for the start to
-- commit and then removes every row it wrote.
ALTER TABLE campaign_recipients DROP CONSTRAINT campaign_recipients_campaign_id_fkey;

CREATE FUNCTION campaign_recipients_cascade() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    DELETE FROM campaign_recipients r USING gone g WHERE r.campaign_id = g.id;
    RETURN NULL;
END
$$;

CREATE TRIGGER campaigns_delete_recipients AFTER DELETE ON campaigns
    REFERENCING OLD TABLE AS gone
    FOR EACH STATEMENT EXECUTE FUNCTION campaign_recipients_cascade();

-- The key to contacts stays: an erased or merged contact's recipients (its
-- phone number) must go with it, and the check's lock on the contact row
-- keeps a deletion racing the start from leaving a recipient behind.

-- The stop rules read only settled sends (sent … replied, failed) by
-- updated_at: index only those, so that the freeze, whose rows are all
-- pending or skipped, writes nothing to it.
DROP INDEX campaign_recipients_recent;
CREATE INDEX campaign_recipients_settled ON campaign_recipients (campaign_id, updated_at)
    WHERE status IN ('sent', 'delivered', 'read', 'replied', 'failed');

-- Recipients by contact: replies look them up by contact, and deleting a
-- contact cascades by contact_id alone, which (company_id, contact_id) could
-- only answer by reading the whole index. A shorter key is cheaper to write
-- at freeze time too.
DROP INDEX campaign_recipients_contact;
CREATE INDEX campaign_recipients_contact ON campaign_recipients (contact_id);
