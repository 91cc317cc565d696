-- Paying a link as one statement: the function does what the store once did
-- in a transaction of several round trips, in the same order of row locks
-- (the token, the account's charge counter, the link, the charge, the event
-- counter, the event and its delivery), so the hot rows (the counter, a
-- single-use link, the event counter) are held for the statement's execution
-- only, never across round trips.
--
-- It returns one row for a payment made: the token's card and outcome, the
-- charge's time (`last_at`), the link's columns as the link was updated, and
-- the link's `charge_count`. It returns no row when the token cannot be
-- claimed (unknown, used, of another account or mode) or the link cannot be
-- paid as seen before anything is written. If the link is claimed by a
-- concurrent payer between that first look and the link's update (which
-- waits for the other payer's commit and checks again), the function raises
-- SQLSTATE PAYRF, and the whole statement, the token's claim and the
-- counter's number with it, is rolled back. Either way the caller reads why
-- afterwards.
CREATE FUNCTION paylink_pay(
    p_token_id TEXT,
    p_link_id TEXT,
    p_now BIGINT,
    p_charge_id TEXT,
    p_ip TEXT,
    p_event_id TEXT,
    p_authorize_timeout BIGINT
) RETURNS TABLE (
    card TEXT,
    outcome TEXT,
    last_at BIGINT,
    id TEXT,
    account_id TEXT,
    livemode BOOLEAN,
    amount BIGINT,
    currency TEXT,
    title TEXT,
    description TEXT,
    multiple BOOLEAN,
    used_at BIGINT,
    deleted_at BIGINT,
    created_at BIGINT,
    pending_charge_id TEXT,
    charge_count BIGINT
) LANGUAGE plpgsql AS $$
#variable_conflict use_column
DECLARE
    v_card TEXT;
    v_outcome TEXT;
    v_account TEXT;
    v_live BOOLEAN;
    v_seq BIGINT;
    v_at BIGINT;
    v_status TEXT;
    v_pending BOOLEAN;
    v_link links%ROWTYPE;
    v_charge charges%ROWTYPE;
    v_event_seq BIGINT;
    v_event_at BIGINT;
BEGIN
    -- The token, of the link's account and mode, if the link looks payable
    -- (a plain read: the link's row is locked only by its own update below).
    UPDATE tokens t SET used = TRUE
        FROM links l
        WHERE t.id = p_token_id AND NOT t.used
          AND l.id = p_link_id AND t.account_id = l.account_id AND t.livemode = l.livemode
          AND l.used_at IS NULL AND l.pending_charge_id IS NULL AND l.deleted_at IS NULL
        RETURNING t.card, t.outcome, t.account_id, t.livemode
        INTO v_card, v_outcome, v_account, v_live;
    IF NOT FOUND THEN
        RETURN;
    END IF;
    v_pending := v_outcome IS NOT DISTINCT FROM 'authentication_required';
    v_status := CASE WHEN v_outcome IS NULL THEN 'successful'
        WHEN v_pending THEN 'pending' ELSE 'failed' END;

    -- The counter row orders all charges of the account and mode: the time
    -- never goes backwards, so sequence order is time order.
    UPDATE charge_counters c SET last_seq = c.last_seq + 1, last_at = GREATEST(c.last_at, p_now)
        WHERE c.account_id = v_account AND c.livemode = v_live
        RETURNING c.last_seq, c.last_at INTO v_seq, v_at;
    IF NOT FOUND THEN
        RAISE EXCEPTION 'paylink_pay: no charge counter for account %', v_account;
    END IF;

    -- Exactly once: only an unused, undeleted link is updated; a concurrent
    -- payer's update is waited for and the condition checked again after
    -- it commits.
    UPDATE links l SET charge_count = l.charge_count + 1,
            used_at = CASE WHEN v_status = 'successful' AND NOT l.multiple THEN v_at
                ELSE l.used_at END,
            pending_charge_id = CASE WHEN v_pending AND NOT l.multiple THEN p_charge_id
                ELSE l.pending_charge_id END
        WHERE l.id = p_link_id AND l.used_at IS NULL AND l.pending_charge_id IS NULL
          AND l.deleted_at IS NULL
        RETURNING l.* INTO v_link;
    IF NOT FOUND THEN
        RAISE EXCEPTION USING ERRCODE = 'PAYRF',
            MESSAGE = 'paylink_pay: the link takes no payment now';
    END IF;

    INSERT INTO charges (id, account_id, livemode, account_seq, link_id, link_seq, token_id,
            amount, currency, description, failure_code, card, ip, created_at, status,
            authorize, authorize_expires_at)
        VALUES (p_charge_id, v_account, v_live, v_seq, v_link.id, v_link.charge_count, p_token_id,
            v_link.amount, v_link.currency, v_link.title || E'\n\n' || v_link.description,
            NULLIF(v_outcome, 'authentication_required'), v_card, p_ip, v_at, v_status,
            v_pending, CASE WHEN v_pending THEN v_at + p_authorize_timeout END)
        RETURNING * INTO v_charge;

    -- The charge's event, numbered in its account and mode (its time never
    -- goes backwards), with the charge's columns as they are now; queued
    -- for delivery if the account has a webhook for the mode.
    UPDATE event_counters e SET last_seq = e.last_seq + 1, last_at = GREATEST(e.last_at, v_at)
        WHERE e.account_id = v_account AND e.livemode = v_live
        RETURNING e.last_seq, e.last_at INTO v_event_seq, v_event_at;
    INSERT INTO events (id, account_id, livemode, account_seq, key, charge_id, data, created_at)
        SELECT p_event_id, v_account, v_live, v_event_seq, 'charge.create', p_charge_id,
            json_build_object(
                'id', v_charge.id, 'account_id', v_charge.account_id,
                'livemode', v_charge.livemode, 'link_id', v_charge.link_id,
                'amount', v_charge.amount, 'currency', v_charge.currency,
                'description', v_charge.description, 'failure_code', v_charge.failure_code,
                'card', v_charge.card, 'ip', v_charge.ip, 'created_at', v_charge.created_at,
                'refunded_amount', v_charge.refunded_amount,
                'refund_count', v_charge.refund_count, 'status', v_charge.status,
                'authorize', v_charge.authorize,
                'authorize_expires_at', v_charge.authorize_expires_at,
                'completed_at', v_charge.completed_at,
                'failure_message', v_charge.failure_message)::text,
            v_event_at
        WHERE v_event_seq IS NOT NULL;
    INSERT INTO webhook_outbox (event_id, next_attempt_at)
        SELECT p_event_id, v_event_at FROM account_settings s
        WHERE s.account_id = v_account AND s.livemode = v_live AND s.webhook_uri IS NOT NULL
          AND v_event_seq IS NOT NULL;

    RETURN QUERY SELECT v_card, v_outcome, v_at, v_link.id, v_link.account_id, v_link.livemode,
        v_link.amount, v_link.currency, v_link.title, v_link.description, v_link.multiple,
        v_link.used_at, v_link.deleted_at, v_link.created_at, v_link.pending_charge_id,
        v_link.charge_count;
END;
$$;
