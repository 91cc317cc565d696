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
-- many charges there are. A bulk load skips it and sums once at its end,
-- as it does for charge_status_counts.
CREATE TABLE charge_day_totals (
    account_id TEXT NOT NULL,
    livemode BOOLEAN NOT NULL,
    day BIGINT NOT NULL,
    currency TEXT NOT NULL,
    status TEXT NOT NULL,
    n BIGINT NOT NULL,
    amount BIGINT NOT NULL,
    PRIMARY KEY (account_id, livemode, day, currency, status)
);
INSERT INTO charge_day_totals (account_id, livemode, day, currency, status, n, amount)
    SELECT account_id, livemode, created_at / 86400000000, currency, status, COUNT(*), SUM(amount)
    FROM charges GROUP BY account_id, livemode, created_at / 86400000000, currency, status;

CREATE FUNCTION charge_day_total() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF current_setting('paylink.bulk_load', true) = 'on' THEN
        RETURN NULL;
    END IF;
    IF TG_OP IN ('UPDATE', 'DELETE') THEN
        UPDATE charge_day_totals SET n = n - 1, amount = amount - OLD.amount
            WHERE account_id = OLD.account_id AND livemode = OLD.livemode
              AND day = OLD.created_at / 86400000000 AND currency = OLD.currency
              AND status = OLD.status;
    END IF;
    IF TG_OP IN ('INSERT', 'UPDATE') THEN
        INSERT INTO charge_day_totals (account_id, livemode, day, currency, status, n, amount)
            VALUES (NEW.account_id, NEW.livemode, NEW.created_at / 86400000000, NEW.currency,
                    NEW.status, 1, NEW.amount)
            ON CONFLICT (account_id, livemode, day, currency, status)
            DO UPDATE SET n = charge_day_totals.n + 1,
                          amount = charge_day_totals.amount + EXCLUDED.amount;
    END IF;
    RETURN NULL;
END;
$$;

CREATE TRIGGER charge_day_add AFTER INSERT ON charges
    FOR EACH ROW EXECUTE FUNCTION charge_day_total();
CREATE TRIGGER charge_day_change AFTER UPDATE OF status ON charges
    FOR EACH ROW WHEN (NEW.status IS DISTINCT FROM OLD.status)
    EXECUTE FUNCTION charge_day_total();
CREATE TRIGGER charge_day_remove AFTER DELETE ON charges
    FOR EACH ROW EXECUTE FUNCTION charge_day_total();
