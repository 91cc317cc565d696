-- Search: trigram indexes (FTS5) of the text `query` matches.
--
-- An FTS5 table costs a write of its own structure at every commit, which
-- would cost each payment several times its own work. So a row written is
-- noted in a small queue table by a trigger, in the transaction that writes
-- it, and a worker moves queued rows into the index in batches. A search
-- reads the index and also checks the queued rows directly, so it sees
-- every committed row whether or not it is indexed yet.

CREATE VIRTUAL TABLE link_search USING fts5(text, link_id UNINDEXED, tokenize = 'trigram');
CREATE VIRTUAL TABLE charge_search USING fts5(text, charge_id UNINDEXED, tokenize = 'trigram');
CREATE TABLE link_search_queue (link_id TEXT PRIMARY KEY NOT NULL) WITHOUT ROWID;
CREATE TABLE charge_search_queue (charge_id TEXT PRIMARY KEY NOT NULL) WITHOUT ROWID;

INSERT INTO link_search (text, link_id)
    SELECT id || ' ' || title || ' ' || description, id FROM links;
INSERT INTO charge_search (text, charge_id)
    SELECT id || ' ' || link_id || ' ' || description || ' '
        || COALESCE(json_extract(card, '$.name'), '') || ' '
        || COALESCE(json_extract(card, '$.last_digits'), '') || ' '
        || COALESCE(failure_code, ''), id
    FROM charges;

CREATE TRIGGER link_search_add AFTER INSERT ON links BEGIN
    INSERT INTO link_search_queue (link_id) VALUES (new.id);
END;

CREATE TRIGGER charge_search_add AFTER INSERT ON charges BEGIN
    INSERT INTO charge_search_queue (charge_id) VALUES (new.id);
END;

-- A 3-D Secure charge that fails gets its failure code after it is made:
-- it is indexed again, as a row of its own, so nothing need be rewritten.
CREATE TRIGGER charge_search_failure AFTER UPDATE OF failure_code ON charges
WHEN new.failure_code IS NOT NULL AND old.failure_code IS NULL BEGIN
    INSERT OR IGNORE INTO charge_search_queue (charge_id) VALUES (new.id);
END;

-- Filters by status count and page by index.
CREATE INDEX charges_status ON charges (account_id, livemode, status, created_at, account_seq);
