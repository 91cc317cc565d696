-- The full-text indexes are keyed by the row's rowid (links.seq, charges'
-- rowid): a match is joined to its row in one seek, and a search reads no
-- column of the index's own copy of the text. A row whose text changes is
-- written again (INSERT OR REPLACE), its old entry deleted from that copy.
DROP TABLE link_search;
DROP TABLE charge_search;
CREATE VIRTUAL TABLE link_search USING fts5(text, tokenize = 'trigram');
CREATE VIRTUAL TABLE charge_search USING fts5(text, tokenize = 'trigram');
INSERT INTO link_search (rowid, text)
    SELECT seq, id || ' ' || title || ' ' || description FROM links;
INSERT INTO charge_search (rowid, text)
    SELECT rowid, id || ' ' || link_id || ' ' || description || ' '
        || COALESCE(json_extract(card, '$.name'), '') || ' '
        || COALESCE(json_extract(card, '$.last_digits'), '') || ' '
        || COALESCE(failure_code, '')
    FROM charges;
DELETE FROM link_search_queue;
DELETE FROM charge_search_queue;

-- How many charges each account and mode has in each status, kept by the
-- statement that changes them: a search filtered by status alone reads
-- its total here instead of counting the matches.
CREATE TABLE charge_status_counts (
    account_id TEXT NOT NULL,
    livemode BOOLEAN NOT NULL,
    status TEXT NOT NULL,
    n BIGINT NOT NULL,
    PRIMARY KEY (account_id, livemode, status)
) WITHOUT ROWID;
INSERT INTO charge_status_counts (account_id, livemode, status, n)
    SELECT account_id, livemode, status, COUNT(*) FROM charges
    GROUP BY account_id, livemode, status;

CREATE TRIGGER charge_status_add AFTER INSERT ON charges BEGIN
    INSERT OR IGNORE INTO charge_status_counts (account_id, livemode, status, n)
        VALUES (new.account_id, new.livemode, new.status, 0);
    UPDATE charge_status_counts SET n = n + 1
        WHERE account_id = new.account_id AND livemode = new.livemode AND status = new.status;
END;

CREATE TRIGGER charge_status_change AFTER UPDATE OF status ON charges
WHEN new.status <> old.status BEGIN
    UPDATE charge_status_counts SET n = n - 1
        WHERE account_id = old.account_id AND livemode = old.livemode AND status = old.status;
    INSERT OR IGNORE INTO charge_status_counts (account_id, livemode, status, n)
        VALUES (new.account_id, new.livemode, new.status, 0);
    UPDATE charge_status_counts SET n = n + 1
        WHERE account_id = new.account_id AND livemode = new.livemode AND status = new.status;
END;

CREATE TRIGGER charge_status_remove AFTER DELETE ON charges BEGIN
    UPDATE charge_status_counts SET n = n - 1
        WHERE account_id = old.account_id AND livemode = old.livemode AND status = old.status;
END;
