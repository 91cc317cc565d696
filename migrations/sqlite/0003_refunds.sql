-- Refunds. A charge counts what its refunds add up to, and how many there
-- are, so that refunds racing for what is left are decided on its row.

ALTER TABLE charges ADD COLUMN refunded_amount BIGINT NOT NULL DEFAULT 0;
ALTER TABLE charges ADD COLUMN refund_count BIGINT NOT NULL DEFAULT 0;

-- Like charge_counters: refunds of an account and mode are numbered densely
-- and their times never go backwards; a charge's refunds are numbered by
-- its refund_count, so both lists page by index seeks.
CREATE TABLE refund_counters (
    account_id TEXT NOT NULL REFERENCES accounts (id),
    livemode BOOLEAN NOT NULL,
    last_seq BIGINT NOT NULL DEFAULT 0,
    last_at BIGINT NOT NULL DEFAULT 0,
    PRIMARY KEY (account_id, livemode)
);
INSERT INTO refund_counters (account_id, livemode) SELECT id, FALSE FROM accounts;
INSERT INTO refund_counters (account_id, livemode) SELECT id, TRUE FROM accounts;

CREATE TABLE refunds (
    id TEXT PRIMARY KEY NOT NULL,
    account_id TEXT NOT NULL REFERENCES accounts (id),
    livemode BOOLEAN NOT NULL,
    account_seq BIGINT NOT NULL,
    charge_id TEXT NOT NULL REFERENCES charges (id),
    charge_seq BIGINT NOT NULL,
    amount BIGINT NOT NULL,
    currency TEXT NOT NULL,
    metadata TEXT NOT NULL,
    created_at BIGINT NOT NULL,
    UNIQUE (account_id, livemode, account_seq),
    UNIQUE (charge_id, charge_seq)
);
CREATE INDEX refunds_account_time ON refunds (account_id, livemode, created_at, account_seq);
CREATE INDEX refunds_charge_time ON refunds (charge_id, created_at, charge_seq);
