-- Search: trigram indexes of the text `query` matches, kept in step with
-- the rows by triggers, in the transaction that writes them.

CREATE VIRTUAL TABLE link_search USING fts5(text, link_id UNINDEXED, tokenize = 'trigram');
CREATE VIRTUAL TABLE charge_search USING fts5(text, charge_id UNINDEXED, tokenize = 'trigram');

INSERT INTO link_search (text, link_id)
    SELECT id || ' ' || title || ' ' || description, id FROM links;
INSERT INTO charge_search (text, charge_id)
    SELECT id || ' ' || link_id || ' ' || description || ' '
        || COALESCE(json_extract(card, '$.name'), '') || ' '
        || COALESCE(json_extract(card, '$.last_digits'), '') || ' '
        || COALESCE(failure_code, ''), id
    FROM charges;

CREATE TRIGGER link_search_add AFTER INSERT ON links BEGIN
    INSERT INTO link_search (text, link_id)
        VALUES (new.id || ' ' || new.title || ' ' || new.description, new.id);
END;

CREATE TRIGGER charge_search_add AFTER INSERT ON charges BEGIN
    INSERT INTO charge_search (text, charge_id) VALUES (
        new.id || ' ' || new.link_id || ' ' || new.description || ' '
            || COALESCE(json_extract(new.card, '$.name'), '') || ' '
            || COALESCE(json_extract(new.card, '$.last_digits'), '') || ' '
            || COALESCE(new.failure_code, ''),
        new.id);
END;

-- A 3-D Secure charge that fails gets its failure code after it is made:
-- the code is added as a row of its own, so nothing need be found to update.
CREATE TRIGGER charge_search_failure AFTER UPDATE OF failure_code ON charges
WHEN new.failure_code IS NOT NULL AND old.failure_code IS NULL BEGIN
    INSERT INTO charge_search (text, charge_id) VALUES (new.failure_code, new.id);
END;

-- Filters by status count and page by index.
CREATE INDEX charges_status ON charges (account_id, livemode, status, created_at, account_seq);
