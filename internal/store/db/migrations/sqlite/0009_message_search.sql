-- 0009: searching conversations by message text (`q`) reads a trigram index
-- instead of every message of every conversation (2.5 s at 1,000,000
-- messages before).
--
-- SQLite: an FTS5 table with the trigram tokenizer, so that any substring of
-- three or more characters is found, not just whole words. It is contentless
-- (content='', the text is not stored twice) with contentless_delete=1 so
-- that triggers can remove a row by rowid alone; its rowid is the message's
-- rowid. Searches join back to messages on that rowid and check the real row
-- (company, conversation, `lower(text) LIKE`), so the index only narrows the
-- candidates and a stale entry can never show a wrong or foreign message.
-- detail=none: the index keeps which rows hold a trigram, not where, so a
-- search asks for rows holding all of q's trigrams and the LIKE check does
-- the rest; it makes writing a message's entry about half as costly
-- (BenchmarkMessageInsert) and the index smaller.
-- case_sensitive 0 (the default) folds case for the index; accents are kept
-- (no remove_diacritics), as the search always did. If the messages table is
-- ever rebuilt with new rowids (a VACUUM may renumber a table without an
-- INTEGER PRIMARY KEY), refill it:
--   INSERT INTO message_search (message_search) VALUES ('delete-all');
--   INSERT INTO message_search (rowid, text) SELECT rowid, text FROM messages WHERE text <> '';
-- PostgreSQL uses a pg_trgm GIN index on lower(text) instead (its 0007).
CREATE VIRTUAL TABLE message_search USING fts5 (
    text,
    content = '',
    contentless_delete = 1,
    detail = 'none',
    tokenize = 'trigram'
);

INSERT INTO message_search (rowid, text) SELECT rowid, text FROM messages WHERE text <> '';

-- Messages without text (media, reactions) take no room in the index.
CREATE TRIGGER message_search_insert AFTER INSERT ON messages WHEN new.text <> '' BEGIN
    INSERT INTO message_search (rowid, text) VALUES (new.rowid, new.text);
END;

-- A scheduled message's text may be edited while it waits.
CREATE TRIGGER message_search_update AFTER UPDATE OF text ON messages WHEN old.text IS NOT new.text BEGIN
    DELETE FROM message_search WHERE rowid = old.rowid AND old.text <> '';
    INSERT INTO message_search (rowid, text) SELECT new.rowid, new.text WHERE new.text <> '';
END;

-- Also fires for the rows that a contact's erasure or a conversation's or
-- company's deletion removes through ON DELETE CASCADE.
CREATE TRIGGER message_search_delete AFTER DELETE ON messages WHEN old.text <> '' BEGIN
    DELETE FROM message_search WHERE rowid = old.rowid;
END;

-- The contact part of the search (`search LIKE '%…%'`, also the contacts
-- list's) reads this index alone, a company's range of it in order, instead
-- of looking up every contact's row (contacts has no rowid, so FTS5 cannot
-- point at it): about 5 times faster at 20,000 contacts.
CREATE INDEX contacts_search ON contacts (company_id, search);

-- A common word is searched along the list, each conversation's messages
-- checked in turn (conversations/search.go). With the text in this index
-- that check reads a conversation's few index pages instead of one table
-- row per message, spread over the whole table. It replaces
-- messages_conversation (conversation_id, id), which the message pages use
-- the same way.
CREATE INDEX messages_conversation_text ON messages (conversation_id, id, company_id, text);
DROP INDEX messages_conversation;
