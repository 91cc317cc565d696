-- Events, the account settings webhooks need, and the webhook outbox.

-- The name payers see on the payment page; the account id when unset.
ALTER TABLE accounts ADD COLUMN display_name TEXT;

-- Per account and mode: where webhooks go, the secret that signs them (and
-- the one before it, still signed with until a day after a roll), and the
-- API version event data is shown in. Made when first needed.
CREATE TABLE account_settings (
    account_id TEXT NOT NULL REFERENCES accounts (id),
    livemode BOOLEAN NOT NULL,
    webhook_uri TEXT,
    webhook_secret TEXT NOT NULL,
    previous_webhook_secret TEXT,
    previous_secret_until BIGINT,
    api_version TEXT NOT NULL DEFAULT '2019-05-29',
    PRIMARY KEY (account_id, livemode)
);

-- Like charge_counters: events of an account and mode are numbered densely
-- and their times never go backwards, so list totals are differences.
CREATE TABLE event_counters (
    account_id TEXT NOT NULL REFERENCES accounts (id),
    livemode BOOLEAN NOT NULL,
    last_seq BIGINT NOT NULL DEFAULT 0,
    last_at BIGINT NOT NULL DEFAULT 0,
    PRIMARY KEY (account_id, livemode)
);
INSERT INTO event_counters (account_id, livemode) SELECT id, FALSE FROM accounts;
INSERT INTO event_counters (account_id, livemode) SELECT id, TRUE FROM accounts;

-- `data` is the object's stored columns as they were when the event
-- happened, as a JSON object; it is shown in the account's API version.
CREATE TABLE events (
    id TEXT PRIMARY KEY NOT NULL,
    account_id TEXT NOT NULL REFERENCES accounts (id),
    livemode BOOLEAN NOT NULL,
    account_seq BIGINT NOT NULL,
    key TEXT NOT NULL,
    charge_id TEXT,
    data TEXT NOT NULL,
    created_at BIGINT NOT NULL,
    UNIQUE (account_id, livemode, account_seq)
);
CREATE INDEX events_account_time ON events (account_id, livemode, created_at, account_seq);
CREATE INDEX events_charge ON events (charge_id, account_seq) WHERE charge_id IS NOT NULL;

-- Events still to deliver. A worker claims due rows by setting a lease
-- (`locked_until`, `claim`); a claimant that dies lets its lease expire.
CREATE TABLE webhook_outbox (
    event_id TEXT PRIMARY KEY NOT NULL REFERENCES events (id),
    attempts BIGINT NOT NULL DEFAULT 0,
    next_attempt_at BIGINT NOT NULL,
    locked_until BIGINT,
    claim TEXT
);
CREATE INDEX webhook_outbox_due ON webhook_outbox (next_attempt_at);

-- Every attempt, as the event's `webhook_deliveries` lists it.
CREATE TABLE webhook_deliveries (
    id TEXT PRIMARY KEY NOT NULL,
    event_id TEXT NOT NULL REFERENCES events (id),
    attempt BIGINT NOT NULL,
    uri TEXT NOT NULL,
    status BIGINT,
    error TEXT,
    created_at BIGINT NOT NULL
);
CREATE INDEX webhook_deliveries_event ON webhook_deliveries (event_id, attempt);
