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
-- The number of the last attempt an outbox row may make: set when the
-- dashboard resends an event whose deliveries had ended, so that the
-- resend is one attempt more; NULL, the worker's --webhook-max-attempts.
ALTER TABLE webhook_outbox ADD COLUMN last_attempt BIGINT;

-- The dashboard's overview: charges of each account and mode summed per
-- UTC day, currency and status, kept by the statement that changes them,
-- so that the overview reads 30 days as at most a few rows a day however
-- many charges there are.
CREATE TABLE charge_day_totals (
    account_id TEXT NOT NULL,
    livemode BOOLEAN NOT NULL,
    day BIGINT NOT NULL,
    currency TEXT NOT NULL,
    status TEXT NOT NULL,
    n BIGINT NOT NULL,
    amount BIGINT NOT NULL,
    PRIMARY KEY (account_id, livemode, day, currency, status)
) WITHOUT ROWID;
INSERT INTO charge_day_totals (account_id, livemode, day, currency, status, n, amount)
    SELECT account_id, livemode, created_at / 86400000000, currency, status, COUNT(*), SUM(amount)
    FROM charges GROUP BY account_id, livemode, created_at / 86400000000, currency, status;

CREATE TRIGGER charge_day_add AFTER INSERT ON charges BEGIN
    INSERT INTO charge_day_totals (account_id, livemode, day, currency, status, n, amount)
        VALUES (new.account_id, new.livemode, new.created_at / 86400000000, new.currency,
                new.status, 1, new.amount)
        ON CONFLICT (account_id, livemode, day, currency, status)
        DO UPDATE SET n = n + 1, amount = amount + excluded.amount;
END;

CREATE TRIGGER charge_day_change AFTER UPDATE OF status ON charges
WHEN new.status <> old.status BEGIN
    UPDATE charge_day_totals SET n = n - 1, amount = amount - old.amount
        WHERE account_id = old.account_id AND livemode = old.livemode
          AND day = old.created_at / 86400000000 AND currency = old.currency
          AND status = old.status;
    INSERT INTO charge_day_totals (account_id, livemode, day, currency, status, n, amount)
        VALUES (new.account_id, new.livemode, new.created_at / 86400000000, new.currency,
                new.status, 1, new.amount)
        ON CONFLICT (account_id, livemode, day, currency, status)
        DO UPDATE SET n = n + 1, amount = amount + excluded.amount;
END;

CREATE TRIGGER charge_day_remove AFTER DELETE ON charges BEGIN
    UPDATE charge_day_totals SET n = n - 1, amount = amount - old.amount
        WHERE account_id = old.account_id AND livemode = old.livemode
          AND day = old.created_at / 86400000000 AND currency = old.currency
          AND status = old.status;
END;
