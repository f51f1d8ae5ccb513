-- 0009: searching conversations by message text (`q`) reads a trigram index
-- instead of every message of every conversation (0.5 s at 1,000,000
-- messages before).
--
-- PostgreSQL: pg_trgm's GIN index on lower(text) answers the search's own
-- `lower(m.text) LIKE '%…%'` (the index is lossy and PostgreSQL rechecks each
-- row, so results are exactly the LIKE's). pg_trgm ships with PostgreSQL
-- (contrib) and is a trusted extension, so the database's owner may create it
-- without being a superuser. The index is built inside this migration's
-- transaction: on a large existing messages table, writes to it wait until
-- the build ends (about half a minute per million messages).
-- SQLite uses an FTS5 trigram table instead (its 0007).
CREATE EXTENSION IF NOT EXISTS pg_trgm;

CREATE INDEX messages_text_trgm ON messages USING gin (lower(text) gin_trgm_ops);

-- The contact part of the search (`search LIKE '%…%'`, also the contacts
-- list's), from the same kind of index instead of reading every contact.
CREATE INDEX contacts_search_trgm ON contacts USING gin (search gin_trgm_ops);

-- A common word is searched along the list, each conversation's messages
-- checked in turn (conversations/search.go). With the text in this index
-- that check is an index-only scan, a conversation's few index pages
-- instead of one heap row per message spread over the whole table (0.13 ms
-- per conversation down to 0.02 ms in EXPLAIN ANALYZE at 1,000,000
-- messages). It replaces messages_conversation (conversation_id, id), which
-- the message pages use the same way; INCLUDE keeps the key as it was.
CREATE INDEX messages_conversation_text ON messages (conversation_id, id) INCLUDE (company_id, text);
DROP INDEX messages_conversation;
