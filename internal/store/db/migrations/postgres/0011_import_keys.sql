-- 0011: a 1,000,000-row contacts import (issue 4: at most 60 s) spent most of
-- its time in foreign-key checks, a trigger call per inserted row for each key.
-- The company_id keys of contact_addresses and contact_tags add nothing the
-- contact_id keys do not: a company's deletion removes its contacts, and
-- their addresses and tags go with them by contact_id (and tags by tag_id);
-- the rows' company_id is always written from their contact's. So
-- PostgreSQL drops those two keys, as 0010 did for campaign recipients.
ALTER TABLE contact_addresses DROP CONSTRAINT contact_addresses_company_id_fkey;
ALTER TABLE contact_tags DROP CONSTRAINT contact_tags_company_id_fkey;
