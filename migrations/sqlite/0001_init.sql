-- Accounts, their hashed keys, links, tokens and charges.
-- Times are microseconds since the Unix epoch; money is BIGINT minor units.

CREATE TABLE accounts (
    id TEXT PRIMARY KEY NOT NULL,
    created_at BIGINT NOT NULL
);

CREATE TABLE api_keys (
    key_hash TEXT PRIMARY KEY NOT NULL,
    account_id TEXT NOT NULL REFERENCES accounts (id),
    kind TEXT NOT NULL CHECK (kind IN ('public', 'secret')),
    livemode BOOLEAN NOT NULL,
    created_at BIGINT NOT NULL
);
CREATE INDEX api_keys_account ON api_keys (account_id);

-- One row per account and mode: the last charge's sequence number and time.
-- Paying takes this row first, so charges of an account are numbered densely
-- and their times never go backwards; list totals are then differences.
CREATE TABLE charge_counters (
    account_id TEXT NOT NULL REFERENCES accounts (id),
    livemode BOOLEAN NOT NULL,
    last_seq BIGINT NOT NULL DEFAULT 0,
    last_at BIGINT NOT NULL DEFAULT 0,
    PRIMARY KEY (account_id, livemode)
);

CREATE TABLE links (
    seq INTEGER PRIMARY KEY,
    id TEXT NOT NULL UNIQUE,
    account_id TEXT NOT NULL REFERENCES accounts (id),
    livemode BOOLEAN NOT NULL,
    amount BIGINT NOT NULL,
    currency TEXT NOT NULL,
    title TEXT NOT NULL,
    description TEXT NOT NULL,
    multiple BOOLEAN NOT NULL,
    charge_count BIGINT NOT NULL DEFAULT 0,
    used_at BIGINT,
    deleted_at BIGINT,
    created_at BIGINT NOT NULL
);
CREATE INDEX links_listing ON links (account_id, livemode, created_at, seq)
    WHERE deleted_at IS NULL;

CREATE TABLE tokens (
    id TEXT PRIMARY KEY NOT NULL,
    account_id TEXT NOT NULL REFERENCES accounts (id),
    livemode BOOLEAN NOT NULL,
    card TEXT NOT NULL,
    outcome TEXT,
    used BOOLEAN NOT NULL DEFAULT FALSE,
    created_at BIGINT NOT NULL
);

CREATE TABLE charges (
    id TEXT PRIMARY KEY NOT NULL,
    account_id TEXT NOT NULL REFERENCES accounts (id),
    livemode BOOLEAN NOT NULL,
    account_seq BIGINT NOT NULL,
    link_id TEXT NOT NULL REFERENCES links (id),
    link_seq BIGINT NOT NULL,
    token_id TEXT NOT NULL UNIQUE REFERENCES tokens (id),
    amount BIGINT NOT NULL,
    currency TEXT NOT NULL,
    description TEXT NOT NULL,
    failure_code TEXT,
    card TEXT NOT NULL,
    ip TEXT,
    created_at BIGINT NOT NULL,
    UNIQUE (link_id, link_seq),
    UNIQUE (account_id, livemode, account_seq)
);
CREATE INDEX charges_link_time ON charges (link_id, created_at, link_seq);
CREATE INDEX charges_account_time ON charges (account_id, livemode, created_at, account_seq);
