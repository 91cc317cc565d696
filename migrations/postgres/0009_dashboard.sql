-- The dashboard's sign-ins. Only the hash of a session's token is kept;
-- `key_hash` is the key that signed in, so that rolling it ends the
-- session (a session is read only joined with its key). `csrf` is the
-- token every form of the session carries.
CREATE TABLE dashboard_sessions (
    token_hash TEXT PRIMARY KEY NOT NULL,
    account_id TEXT NOT NULL REFERENCES accounts (id),
    livemode BOOLEAN NOT NULL,
    key_hash TEXT NOT NULL,
    csrf TEXT NOT NULL,
    created_at BIGINT NOT NULL,
    last_seen_at BIGINT NOT NULL
);
CREATE INDEX dashboard_sessions_seen ON dashboard_sessions (last_seen_at);

-- What the dashboard shows of each webhook attempt: how long it took, and
-- the first 2 KiB of the receiver's answer.
ALTER TABLE webhook_deliveries ADD COLUMN duration_micros BIGINT;
ALTER TABLE webhook_deliveries ADD COLUMN response_body TEXT;
