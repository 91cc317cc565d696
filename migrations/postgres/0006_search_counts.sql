-- A charge's searched text is stored, and the trigram index is on it: a
-- search rechecks its candidates against the text itself instead of
-- computing it, and parsing the card's JSON, for each of them.
ALTER TABLE charges ADD COLUMN search_text TEXT GENERATED ALWAYS AS (
    id || ' ' || link_id || ' ' || description || ' '
        || COALESCE(card::jsonb ->> 'name', '') || ' '
        || COALESCE(card::jsonb ->> 'last_digits', '') || ' '
        || COALESCE(failure_code, '')
) STORED;
DROP INDEX charges_search;
CREATE INDEX charges_search ON charges USING gin (search_text gin_trgm_ops);

-- How many charges each account and mode has in each status, kept by the
-- statement that changes them: a search filtered by status alone reads
-- its total here instead of counting the matches. (The SQLite migration of
-- this name also rebuilds its full-text indexes.)
CREATE TABLE charge_status_counts (
    account_id TEXT NOT NULL,
    livemode BOOLEAN NOT NULL,
    status TEXT NOT NULL,
    n BIGINT NOT NULL,
    PRIMARY KEY (account_id, livemode, status)
);
INSERT INTO charge_status_counts (account_id, livemode, status, n)
    SELECT account_id, livemode, status, COUNT(*) FROM charges
    GROUP BY account_id, livemode, status;

-- A bulk load (an import, a benchmark's seed) says so with
-- `SET LOCAL paylink.bulk_load = 'on'` and counts once at its end: one
-- counter row updated a million times in one transaction leaves a million
-- row versions for each update to walk.
CREATE FUNCTION charge_status_count() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF current_setting('paylink.bulk_load', true) = 'on' THEN
        RETURN NULL;
    END IF;
    IF TG_OP IN ('UPDATE', 'DELETE') THEN
        UPDATE charge_status_counts SET n = n - 1
            WHERE account_id = OLD.account_id AND livemode = OLD.livemode AND status = OLD.status;
    END IF;
    IF TG_OP IN ('INSERT', 'UPDATE') THEN
        INSERT INTO charge_status_counts (account_id, livemode, status, n)
            VALUES (NEW.account_id, NEW.livemode, NEW.status, 1)
            ON CONFLICT (account_id, livemode, status) DO UPDATE SET n = charge_status_counts.n + 1;
    END IF;
    RETURN NULL;
END;
$$;

CREATE TRIGGER charge_status_add AFTER INSERT ON charges
    FOR EACH ROW EXECUTE FUNCTION charge_status_count();
CREATE TRIGGER charge_status_change AFTER UPDATE OF status ON charges
    FOR EACH ROW WHEN (NEW.status IS DISTINCT FROM OLD.status)
    EXECUTE FUNCTION charge_status_count();
CREATE TRIGGER charge_status_remove AFTER DELETE ON charges
    FOR EACH ROW EXECUTE FUNCTION charge_status_count();
