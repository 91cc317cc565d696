-- Search: trigram indexes (pg_trgm, GIN) of the text `query` matches. An
-- expression index is kept in step with its rows by PostgreSQL itself.

CREATE EXTENSION IF NOT EXISTS pg_trgm;

CREATE INDEX links_search ON links
    USING gin ((id || ' ' || title || ' ' || description) gin_trgm_ops);

CREATE INDEX charges_search ON charges USING gin ((
    id || ' ' || link_id || ' ' || description || ' '
        || COALESCE(card::jsonb ->> 'name', '') || ' '
        || COALESCE(card::jsonb ->> 'last_digits', '') || ' '
        || COALESCE(failure_code, '')
) gin_trgm_ops);

-- Filters by status count and page by index.
CREATE INDEX charges_status ON charges (account_id, livemode, status, created_at, account_seq);
