//! What the SQLite and PostgreSQL stores share: row decoding, page
//! arithmetic, and the SQL of every operation (written once, in
//! `impl_sql_store!`, with `$N` placeholders both databases accept).

use super::{StoreError, StoreResult};
use crate::domain::card::{FailureCode, Outcome};
use crate::domain::charge::{Charge, ChargeStatus, StoredCard};
use crate::domain::event::{Event, EventData, EventKey, WebhookDelivery};
use crate::domain::link::Link;
use crate::domain::money::Currency;
use crate::domain::refund::Refund;
use crate::domain::{ListWindow, Mode, Order};
use serde_json::{Map, Value, json};

pub(super) const LINK_COLUMNS: &str = "id, account_id, livemode, amount, currency, title, description, \
     multiple, used_at, deleted_at, created_at, pending_charge_id";
pub(super) const CHARGE_COLUMNS: &str = "id, account_id, livemode, link_id, amount, currency, description, \
     failure_code, card, ip, created_at, refunded_amount, refund_count, status, authorize, \
     authorize_expires_at, completed_at, failure_message";
pub(super) const REFUND_COLUMNS: &str =
    "id, account_id, livemode, charge_id, amount, currency, metadata, created_at";

pub(super) const EVENT_COLUMNS: &str = "id, account_id, livemode, key, data, created_at";
pub(super) const DELIVERY_COLUMNS: &str = "id, event_id, uri, status, error, created_at";
pub(super) const SETTINGS_COLUMNS: &str = "webhook_uri, webhook_secret, previous_webhook_secret, \
     previous_secret_until, api_version";

/// The number of an account's charges in a mode, in one status (`$3`) or,
/// when `$3` is NULL, in all: kept by triggers as charges change.
pub(super) const STATUS_TOTAL: &str = "SELECT CAST(COALESCE(SUM(n), 0) AS BIGINT) \
     FROM charge_status_counts WHERE account_id = $1 AND livemode = $2 \
     AND ($3 IS NULL OR status = $3)";

/// Counts an account's charges by status afresh (`$1` the account), after
/// a bulk load that told the triggers not to.
pub(super) const RECOUNT_STATUSES: [&str; 2] = [
    "DELETE FROM charge_status_counts WHERE account_id = $1",
    "INSERT INTO charge_status_counts (account_id, livemode, status, n) \
     SELECT account_id, livemode, status, COUNT(*) FROM charges WHERE account_id = $1 \
     GROUP BY account_id, livemode, status",
];

/// A reset of one account's mode (`$1` the account, `$2` the mode's
/// `livemode`), children before parents; `reset_counts` reads the counts.
pub(super) const RESET: [&str; 10] = [
    "DELETE FROM webhook_deliveries WHERE event_id IN \
     (SELECT id FROM events WHERE account_id = $1 AND livemode = $2)",
    "DELETE FROM webhook_outbox WHERE event_id IN \
     (SELECT id FROM events WHERE account_id = $1 AND livemode = $2)",
    "DELETE FROM events WHERE account_id = $1 AND livemode = $2",
    "DELETE FROM refunds WHERE account_id = $1 AND livemode = $2",
    "DELETE FROM charges WHERE account_id = $1 AND livemode = $2",
    "DELETE FROM tokens WHERE account_id = $1 AND livemode = $2",
    "DELETE FROM links WHERE account_id = $1 AND livemode = $2",
    "UPDATE charge_counters SET last_seq = 0, last_at = 0 WHERE account_id = $1 AND livemode = $2",
    "UPDATE event_counters SET last_seq = 0, last_at = 0 WHERE account_id = $1 AND livemode = $2",
    "UPDATE refund_counters SET last_seq = 0, last_at = 0 WHERE account_id = $1 AND livemode = $2",
];

/// What the statements of `RESET` deleted, by object.
pub(super) fn reset_counts(deleted: [u64; RESET.len()]) -> super::ResetCounts {
    super::ResetCounts {
        events: deleted[2],
        refunds: deleted[3],
        charges: deleted[4],
        tokens: deleted[5],
        links: deleted[6],
    }
}

/// A key's kind as stored.
pub fn key_kind(kind: &str) -> StoreResult<crate::store::KeyKind> {
    match kind {
        "public" => Ok(crate::store::KeyKind::Public),
        "secret" => Ok(crate::store::KeyKind::Secret),
        _ => Err(corrupt("key kind")),
    }
}

pub(super) fn corrupt(what: &str) -> StoreError {
    StoreError::Corrupt(what.to_owned())
}

/// Named columns of a stored record: a database row, or the JSON object an
/// event keeps of the row as it was. One decoder serves both.
pub(super) trait Columns {
    fn text(&self, name: &str) -> StoreResult<String>;
    fn text_opt(&self, name: &str) -> StoreResult<Option<String>>;
    fn int(&self, name: &str) -> StoreResult<i64>;
    fn int_opt(&self, name: &str) -> StoreResult<Option<i64>>;
    fn flag(&self, name: &str) -> StoreResult<bool>;

    /// A flag a copy kept before the column existed may lack.
    fn flag_opt(&self, name: &str) -> StoreResult<Option<bool>> {
        self.flag(name).map(Some)
    }
}

impl Columns for Map<String, Value> {
    fn text(&self, name: &str) -> StoreResult<String> {
        self.text_opt(name)?.ok_or_else(|| corrupt(name))
    }

    fn text_opt(&self, name: &str) -> StoreResult<Option<String>> {
        match self.get(name) {
            None | Some(Value::Null) => Ok(None),
            Some(Value::String(s)) => Ok(Some(s.clone())),
            Some(_) => Err(corrupt(name)),
        }
    }

    fn int(&self, name: &str) -> StoreResult<i64> {
        self.int_opt(name)?.ok_or_else(|| corrupt(name))
    }

    fn int_opt(&self, name: &str) -> StoreResult<Option<i64>> {
        match self.get(name) {
            None | Some(Value::Null) => Ok(None),
            Some(v) => v.as_i64().map(Some).ok_or_else(|| corrupt(name)),
        }
    }

    /// A boolean as PostgreSQL's JSON has it, or SQLite's 0 and 1.
    fn flag(&self, name: &str) -> StoreResult<bool> {
        match self.get(name) {
            Some(Value::Bool(b)) => Ok(*b),
            Some(v) => match v.as_i64() {
                Some(0) => Ok(false),
                Some(1) => Ok(true),
                _ => Err(corrupt(name)),
            },
            None => Err(corrupt(name)),
        }
    }

    fn flag_opt(&self, name: &str) -> StoreResult<Option<bool>> {
        match self.get(name) {
            None | Some(Value::Null) => Ok(None),
            Some(_) => self.flag(name).map(Some),
        }
    }
}

pub(super) fn link_from(row: &impl Columns) -> StoreResult<Link> {
    Ok(Link {
        id: row.text("id")?,
        account_id: row.text("account_id")?,
        mode: Mode::from_live(row.flag("livemode")?),
        amount: row.int("amount")?,
        currency: Currency::parse(&row.text("currency")?).map_err(|_| corrupt("link currency"))?,
        title: row.text("title")?,
        description: row.text("description")?,
        multiple: row.flag("multiple")?,
        used_at: row.int_opt("used_at")?,
        deleted_at: row.int_opt("deleted_at")?,
        created_at: row.int("created_at")?,
        pending_charge_id: row.text_opt("pending_charge_id")?,
    })
}

pub(super) fn charge_from(row: &impl Columns) -> StoreResult<Charge> {
    Ok(Charge {
        id: row.text("id")?,
        account_id: row.text("account_id")?,
        mode: Mode::from_live(row.flag("livemode")?),
        link_id: row.text("link_id")?,
        amount: row.int("amount")?,
        currency: Currency::parse(&row.text("currency")?)
            .map_err(|_| corrupt("charge currency"))?,
        description: row.text("description")?,
        status: charge_status(row)?,
        card: card_from_json(&row.text("card")?)?,
        ip: row.text_opt("ip")?,
        created_at: row.int("created_at")?,
        // An event's copy made before refunds existed has none.
        refunded_amount: row.int_opt("refunded_amount")?.unwrap_or(0),
        refund_count: row.int_opt("refund_count")?.unwrap_or(0),
        refunds: vec![],
        authorize: row.flag_opt("authorize")?.unwrap_or(false),
        authorize_expires_at: row.int_opt("authorize_expires_at")?,
        completed_at: row.int_opt("completed_at")?,
        failure_message: row.text_opt("failure_message")?,
    })
}

/// The stored status; a copy kept before statuses were stored has only
/// its failure code to tell.
fn charge_status(row: &impl Columns) -> StoreResult<ChargeStatus> {
    let failure = row
        .text_opt("failure_code")?
        .map(|code| FailureCode::parse(&code).ok_or_else(|| corrupt("failure code")))
        .transpose()?;
    match row.text_opt("status")? {
        Some(status) => {
            ChargeStatus::parse(&status, failure).ok_or_else(|| corrupt("charge status"))
        }
        None => Ok(failure.map_or(ChargeStatus::Successful, ChargeStatus::Failed)),
    }
}

pub(super) fn refund_from(row: &impl Columns) -> StoreResult<Refund> {
    Ok(Refund {
        id: row.text("id")?,
        account_id: row.text("account_id")?,
        mode: Mode::from_live(row.flag("livemode")?),
        charge_id: row.text("charge_id")?,
        amount: row.int("amount")?,
        currency: Currency::parse(&row.text("currency")?)
            .map_err(|_| corrupt("refund currency"))?,
        metadata: row.text("metadata")?,
        created_at: row.int("created_at")?,
    })
}

/// The refund's columns as an event keeps them (see `refund_from`).
pub(super) fn refund_snapshot(refund: &Refund) -> String {
    json!({
        "id": refund.id, "account_id": refund.account_id, "livemode": refund.mode.is_live(),
        "charge_id": refund.charge_id, "amount": refund.amount,
        "currency": refund.currency.code(), "metadata": refund.metadata,
        "created_at": refund.created_at,
    })
    .to_string()
}

/// The link's columns as an event keeps them (see `link_from`).
pub(super) fn link_snapshot(link: &Link) -> String {
    json!({
        "id": link.id, "account_id": link.account_id, "livemode": link.mode.is_live(),
        "amount": link.amount, "currency": link.currency.code(), "title": link.title,
        "description": link.description, "multiple": link.multiple,
        "used_at": link.used_at, "deleted_at": link.deleted_at, "created_at": link.created_at,
        "pending_charge_id": link.pending_charge_id,
    })
    .to_string()
}

/// The charge's columns as an event keeps them (see `charge_from`).
pub(super) fn charge_snapshot(charge: &Charge) -> StoreResult<String> {
    let card = serde_json::to_string(&charge.card).map_err(|_| corrupt("card"))?;
    Ok(json!({
        "id": charge.id, "account_id": charge.account_id, "livemode": charge.mode.is_live(),
        "link_id": charge.link_id, "amount": charge.amount, "currency": charge.currency.code(),
        "description": charge.description,
        "failure_code": charge.status.failure().map(FailureCode::code),
        "card": card, "ip": charge.ip, "created_at": charge.created_at,
        "refunded_amount": charge.refunded_amount, "refund_count": charge.refund_count,
        "status": charge.status.as_str(), "authorize": charge.authorize,
        "authorize_expires_at": charge.authorize_expires_at, "completed_at": charge.completed_at,
        "failure_message": charge.failure_message,
    })
    .to_string())
}

/// The same snapshot built by SQL from a `charges` row aliased `c`, for a
/// payment that runs as one statement list; `json_fn` is the dialect's
/// `json_object`.
pub(super) fn charge_snapshot_sql(json_fn: &str) -> String {
    format!(
        "{json_fn}('id', c.id, 'account_id', c.account_id, 'livemode', c.livemode, \
         'link_id', c.link_id, 'amount', c.amount, 'currency', c.currency, \
         'description', c.description, 'failure_code', c.failure_code, 'card', c.card, \
         'ip', c.ip, 'created_at', c.created_at, 'status', c.status, 'authorize', c.authorize, \
         'authorize_expires_at', c.authorize_expires_at)"
    )
}

pub(super) fn event_from(row: &impl Columns) -> StoreResult<Event> {
    let key = EventKey::parse(&row.text("key")?).ok_or_else(|| corrupt("event key"))?;
    let data: Map<String, Value> =
        serde_json::from_str(&row.text("data")?).map_err(|_| corrupt("event data"))?;
    let data = match key.object() {
        "link" => EventData::Link(link_from(&data)?),
        "refund" => EventData::Refund(Box::new(refund_from(&data)?)),
        _ => EventData::Charge(Box::new(charge_from(&data)?)),
    };
    Ok(Event {
        id: row.text("id")?,
        account_id: row.text("account_id")?,
        mode: Mode::from_live(row.flag("livemode")?),
        key,
        data,
        created_at: row.int("created_at")?,
    })
}

pub(super) fn delivery_from(row: &impl Columns) -> StoreResult<WebhookDelivery> {
    Ok(WebhookDelivery {
        id: row.text("id")?,
        event_id: row.text("event_id")?,
        uri: row.text("uri")?,
        status: row
            .int_opt("status")?
            .map(|s| u16::try_from(s).map_err(|_| corrupt("delivery status")))
            .transpose()?,
        error: row.text_opt("error")?,
        created_at: row.int("created_at")?,
    })
}

pub(super) fn settings_from(row: &impl Columns) -> StoreResult<super::AccountSettings> {
    Ok(super::AccountSettings {
        webhook_uri: row.text_opt("webhook_uri")?,
        webhook_secret: row.text("webhook_secret")?,
        previous_webhook_secret: row.text_opt("previous_webhook_secret")?,
        previous_secret_until: row.int_opt("previous_secret_until")?,
        api_version: row.text("api_version")?,
    })
}

pub(super) fn card_from_json(json: &str) -> StoreResult<StoredCard> {
    serde_json::from_str(json).map_err(|_| corrupt("card"))
}

/// A token's stored outcome for a 3-D Secure card.
pub(super) const AUTHENTICATE: &str = "authentication_required";

pub(super) fn outcome_from_code(code: Option<String>) -> StoreResult<Outcome> {
    match code {
        None => Ok(Outcome::Success),
        Some(code) if code == AUTHENTICATE => Ok(Outcome::Authenticate),
        Some(code) => FailureCode::parse(&code)
            .map(Outcome::Decline)
            .ok_or_else(|| corrupt("failure code")),
    }
}

/// The charge a payment of `link` made, as both ways of paying return it.
pub(super) fn paid_charge(
    payment: &super::Payment,
    link: &crate::domain::link::Link,
    status: crate::domain::charge::ChargeStatus,
    card: StoredCard,
    created_at: crate::domain::Micros,
) -> crate::domain::charge::Charge {
    crate::domain::charge::Charge {
        id: payment.charge_id.clone(),
        account_id: link.account_id.clone(),
        mode: link.mode,
        link_id: link.id.clone(),
        amount: link.amount,
        currency: link.currency,
        description: crate::domain::charge::describe(&link.title, &link.description),
        status,
        card,
        ip: payment.ip.clone(),
        created_at,
        refunded_amount: 0,
        refund_count: 0,
        refunds: vec![],
        authorize: status == crate::domain::charge::ChargeStatus::Pending,
        authorize_expires_at: (status == crate::domain::charge::ChargeStatus::Pending)
            .then(|| created_at.saturating_add(payment.authorize_timeout)),
        completed_at: None,
        failure_message: None,
    }
}

/// The mode a charge id names (test unless it says live): a payment's
/// event is of its charge's mode.
pub(super) fn mode_of(charge_id: &str) -> Mode {
    crate::domain::id::ObjectId::parse(crate::domain::id::Kind::Charge, charge_id)
        .map_or(Mode::Test, |id| id.mode())
}

/// Records an event: numbers it in its account and mode (its time never
/// goes backwards), writes it, and puts it in the webhook outbox if the
/// account has a webhook for the mode. Binds: $1 account, $2 livemode,
/// $3 time, $4 event id, $5 key, $6 charge id, $7 data. Each store writes
/// it as one round trip in its own dialect.
pub(super) const RECORD_EVENT_SQLITE: &str = "\
     UPDATE event_counters SET last_seq = last_seq + 1, last_at = MAX(last_at, $3) \
       WHERE account_id = $1 AND livemode = $2; \
     INSERT INTO events (id, account_id, livemode, account_seq, key, charge_id, data, created_at) \
       SELECT $4, $1, $2, last_seq, $5, $6, $7, last_at FROM event_counters \
       WHERE account_id = $1 AND livemode = $2; \
     INSERT INTO webhook_outbox (event_id, next_attempt_at) \
       SELECT $4, last_at FROM event_counters c JOIN account_settings s \
         ON s.account_id = c.account_id AND s.livemode = c.livemode \
       WHERE c.account_id = $1 AND c.livemode = $2 AND s.webhook_uri IS NOT NULL;";

/// The same as one PostgreSQL statement of data-modifying CTEs.
pub(super) const RECORD_EVENT_POSTGRES: &str = "\
     WITH counter AS (UPDATE event_counters \
         SET last_seq = last_seq + 1, last_at = GREATEST(last_at, $3) \
         WHERE account_id = $1 AND livemode = $2 RETURNING last_seq, last_at), \
       event AS (INSERT INTO events \
         (id, account_id, livemode, account_seq, key, charge_id, data, created_at) \
         SELECT $4, $1, $2, last_seq, $5, $6, $7, last_at FROM counter RETURNING created_at) \
     INSERT INTO webhook_outbox (event_id, next_attempt_at) \
       SELECT $4, event.created_at FROM event JOIN account_settings s \
         ON s.account_id = $1 AND s.livemode = $2 \
       WHERE s.webhook_uri IS NOT NULL";

/// Takes the amount from what is left to refund on a successful charge;
/// PostgreSQL re-checks the condition after a concurrent refund commits.
pub(super) const CLAIM_REFUND: &str = "UPDATE charges \
     SET refunded_amount = refunded_amount + $4, refund_count = refund_count + 1 \
     WHERE id = $1 AND account_id = $2 AND livemode = $3 AND status = 'successful' \
       AND refunded_amount + $4 <= amount \
     RETURNING currency, refund_count, link_id";

/// Numbers a refund of an account and mode; its time never goes backwards.
pub(super) fn count_refund_sql(greatest: &str) -> String {
    format!(
        "UPDATE refund_counters SET last_seq = last_seq + 1, last_at = {greatest}(last_at, $3) \
         WHERE account_id = $1 AND livemode = $2 RETURNING last_seq, last_at"
    )
}

pub(super) const INSERT_REFUND: &str = "INSERT INTO refunds (id, account_id, livemode, \
     account_seq, charge_id, charge_seq, amount, currency, metadata, created_at) \
     VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)";

/// The first page of refunds of each charge that has any.
pub(super) fn first_refunds_sql(n: usize) -> String {
    format!(
        "SELECT {REFUND_COLUMNS} FROM refunds WHERE charge_id IN ({}) AND charge_seq <= 20 \
         ORDER BY charge_seq",
        placeholders(1, n)
    )
}

/// Takes a lease on the due deliveries, oldest first; `skip_locked` lets
/// PostgreSQL claimants pass over the rows another one is claiming.
pub(super) fn claim_sql(skip_locked: &str) -> String {
    format!(
        "UPDATE webhook_outbox SET locked_until = $1, claim = $2, attempts = attempts + 1 \
         WHERE event_id IN (SELECT event_id FROM webhook_outbox \
           WHERE next_attempt_at <= $3 AND (locked_until IS NULL OR locked_until <= $3) \
           ORDER BY next_attempt_at LIMIT $4 {skip_locked}) \
         RETURNING event_id, attempts"
    )
}

pub(super) const RECORD_ATTEMPT: &str = "INSERT INTO webhook_deliveries \
     (id, event_id, attempt, uri, status, error, created_at) VALUES ($1, $2, $3, $4, $5, $6, $7)";
pub(super) const RETRY_DELIVERY: &str = "UPDATE webhook_outbox \
     SET next_attempt_at = $3, locked_until = NULL, claim = NULL WHERE event_id = $1 AND claim = $2";
pub(super) const END_DELIVERY: &str =
    "DELETE FROM webhook_outbox WHERE event_id = $1 AND claim = $2";

/// The SQL sort direction of a list order.
pub(super) fn direction(order: Order) -> &'static str {
    match order {
        Order::Chronological => "ASC",
        Order::ReverseChronological => "DESC",
    }
}

/// The claimed events with their account's settings for the mode, if any.
pub(super) fn claimed_events_sql(n: usize) -> String {
    format!(
        "SELECT e.id, e.account_id, e.livemode, e.key, e.data, e.created_at, \
         s.webhook_uri, s.webhook_secret, s.previous_webhook_secret, \
         s.previous_secret_until, s.api_version \
         FROM events e LEFT JOIN account_settings s \
           ON s.account_id = e.account_id AND s.livemode = e.livemode \
         WHERE e.id IN ({})",
        placeholders(1, n)
    )
}

/// `$first, $first+1, …` for `n` binds.
pub(super) fn placeholders(first: usize, n: usize) -> String {
    (first..first + n)
        .map(|i| format!("${i}"))
        .collect::<Vec<_>>()
        .join(", ")
}

/// The inclusive range of sequence numbers `[first, last]` to read for one
/// page, given the window's bounds `[lo, hi]` in the same numbering.
pub(super) fn page_range(lo: i64, hi: i64, window: &ListWindow) -> Option<(i64, i64)> {
    let offset = i64::try_from(window.offset).ok()?;
    let limit = i64::from(window.limit);
    match window.order {
        Order::Chronological => {
            let first = lo.checked_add(offset)?;
            (first <= hi).then(|| (first, hi.min(first + limit - 1)))
        }
        Order::ReverseChronological => {
            let last = hi.checked_sub(offset)?;
            (last >= lo).then(|| (lo.max(last - limit + 1), last))
        }
    }
}

pub(super) fn outcome_code(outcome: Outcome) -> Option<&'static str> {
    match outcome {
        Outcome::Success => None,
        Outcome::Decline(code) => Some(code.code()),
        Outcome::Authenticate => Some(AUTHENTICATE),
    }
}

/// A token's row; the SQLite store writes several in one statement.
pub(super) const INSERT_TOKEN: &str = "INSERT INTO tokens (id, account_id, livemode, card, outcome, used, created_at) \
     VALUES ($1, $2, $3, $4, $5, $6, $7)";

/// Implements `Store` for `$store` over the sqlx database `$db`. The store
/// type provides `writer()` (the connection writes go through, held for the
/// write's whole life), `begin()` (a transaction on it), `pay()` (paying a
/// link in one round trip, each database its own way), `GREATEST` (the SQL
/// name of the two-argument maximum),
/// `SNAPSHOT` (how a read transaction of one snapshot begins)
/// and `change_token()`; everything else is the same SQL on every database.
macro_rules! impl_sql_store {
    ($store:ty, $db:ty, $row:ty) => {
        use $crate::domain::charge::{Charge, ChargeStatus, PayRefusal, Token};
        use $crate::domain::card::FailureCode;
        use $crate::domain::event::{Event, EventKey, WebhookDelivery};
        use $crate::domain::link::Link;
        use $crate::domain::{ListWindow, Micros, Mode, Page};
        use $crate::store::sql::{CHARGE_COLUMNS, DELIVERY_COLUMNS, EVENT_COLUMNS, LINK_COLUMNS, REFUND_COLUMNS, SETTINGS_COLUMNS};
        use $crate::store::{KeyRecord, Payment, Principal, StoreResult};
        use sqlx::Row;

        impl $crate::store::sql::Columns for $row {
            fn text(&self, name: &str) -> StoreResult<String> {
                Ok(self.try_get(name)?)
            }
            fn text_opt(&self, name: &str) -> StoreResult<Option<String>> {
                Ok(self.try_get(name)?)
            }
            fn int(&self, name: &str) -> StoreResult<i64> {
                Ok(self.try_get(name)?)
            }
            fn int_opt(&self, name: &str) -> StoreResult<Option<i64>> {
                Ok(self.try_get(name)?)
            }
            fn flag(&self, name: &str) -> StoreResult<bool> {
                Ok(self.try_get(name)?)
            }
        }

        impl $store {
            fn link_from_row(row: &<$db as sqlx::Database>::Row) -> StoreResult<Link> {
                $crate::store::sql::link_from(row)
            }

            fn charge_from_row(row: &<$db as sqlx::Database>::Row) -> StoreResult<Charge> {
                $crate::store::sql::charge_from(row)
            }

            fn token_from_row(row: &<$db as sqlx::Database>::Row) -> StoreResult<Token> {
                let card: String = row.try_get("card")?;
                Ok(Token {
                    id: row.try_get("id")?,
                    account_id: row.try_get("account_id")?,
                    mode: Mode::from_live(row.try_get("livemode")?),
                    card: $crate::store::sql::card_from_json(&card)?,
                    outcome: $crate::store::sql::outcome_from_code(row.try_get("outcome")?)?,
                    used: row.try_get("used")?,
                    created_at: row.try_get("created_at")?,
                })
            }

            /// A query over a scope's binds: its ids, then the mode if any.
            fn scoped<'q>(
                sql: &'q str,
                binds: &[&str],
                mode: Option<Mode>,
            ) -> sqlx::query::Query<'q, $db, <$db as sqlx::Database>::Arguments<'q>> {
                let mut query = sqlx::query(sql);
                for b in binds {
                    query = query.bind(b.to_string());
                }
                if let Some(mode) = mode {
                    query = query.bind(mode.is_live());
                }
                query
            }

            /// Reads one page of charges from a sequence numbering (per link, or per
            /// account and mode): two index seeks find the window's first and last
            /// numbers, so `total` is a difference and `offset` a seek, whatever the size.
            async fn charges_by_seq(
                conn: &mut <$db as sqlx::Database>::Connection,
                scope: &str,
                seq: &str,
                binds: &[&str],
                mode: Option<Mode>,
                window: &ListWindow,
            ) -> StoreResult<Page<Charge>> {
                let page = Self::rows_by_seq(&mut *conn, "charges", CHARGE_COLUMNS, scope, seq, binds, mode, window).await?;
                let mut page = page.try_map(Self::charge_from_row)?;
                Self::attach_refunds(conn, &mut page.data).await?;
                Ok(page)
            }

            /// A search's page of rows and its total.
            #[allow(clippy::too_many_arguments)]
            async fn search_rows(
                conn: &mut <$db as sqlx::Database>::Connection,
                account_id: &str,
                mode: Mode,
                search: &$crate::domain::search::Search,
                columns: &str,
                seq: &str,
            ) -> StoreResult<(Vec<<$db as sqlx::Database>::Row>, u64)> {
                use $crate::store::search::Bind;
                let clause = $crate::store::search::clause(search, &<$store>::SEARCH);
                let direction = $crate::store::sql::direction(search.order);
                let n = clause.binds.len() + 2;
                // A text query finds few rows through its index: one
                // statement both pages them and counts them all.
                let windowed = search.query.is_some();
                let page_sql = format!(
                    "SELECT {columns}{} FROM {} WHERE {} ORDER BY created_at {direction}, {seq} {direction} \
                     LIMIT ${} OFFSET ${}",
                    if windowed { ", COUNT(*) OVER () AS search_total" } else { "" },
                    clause.from, clause.sql, n + 1, n + 2
                );
                let mut page = sqlx::query(&page_sql).bind(account_id).bind(mode.is_live());
                for bind in &clause.binds {
                    page = match bind {
                        Bind::Text(s) => page.bind(s.clone()),
                        Bind::Int(i) => page.bind(*i),
                        Bind::Flag(b) => page.bind(*b),
                    };
                }
                let rows = page
                    .bind(i64::from(search.per_page))
                    .bind(i64::try_from(search.offset()).unwrap_or(i64::MAX))
                    .fetch_all(&mut *conn)
                    .await?;
                let total = match (rows.first(), search.status_total()) {
                    (Some(row), _) if windowed => row.try_get::<i64, _>("search_total")?,
                    (None, _) if windowed && search.offset() == 0 => 0,
                    (_, Some(status)) => {
                        sqlx::query_scalar::<_, i64>($crate::store::sql::STATUS_TOTAL)
                            .bind(account_id)
                            .bind(mode.is_live())
                            .bind(status)
                            .fetch_one(&mut *conn)
                            .await?
                    }
                    _ => {
                        let count_sql = format!("SELECT COUNT(*) FROM {} WHERE {}", clause.from, clause.sql);
                        let mut count = sqlx::query_scalar::<_, i64>(&count_sql).bind(account_id).bind(mode.is_live());
                        for bind in &clause.binds {
                            count = match bind {
                                Bind::Text(s) => count.bind(s.clone()),
                                Bind::Int(i) => count.bind(*i),
                                Bind::Flag(b) => count.bind(*b),
                            };
                        }
                        count.fetch_one(&mut *conn).await?
                    }
                };
                Ok((rows, total.max(0) as u64))
            }

            /// Gives each charge that has refunds its first page of them.
            async fn attach_refunds(
                conn: &mut <$db as sqlx::Database>::Connection,
                charges: &mut [Charge],
            ) -> StoreResult<()> {
                let ids: Vec<&str> = charges
                    .iter()
                    .filter(|c| c.refund_count > 0)
                    .map(|c| c.id.as_str())
                    .collect();
                if ids.is_empty() {
                    return Ok(());
                }
                let sql = $crate::store::sql::first_refunds_sql(ids.len());
                let rows = Self::scoped(&sql, &ids, None).fetch_all(&mut *conn).await?;
                let mut refunds = rows
                    .iter()
                    .map($crate::store::sql::refund_from)
                    .collect::<StoreResult<Vec<_>>>()?;
                for charge in charges.iter_mut() {
                    let (mine, rest) = refunds.into_iter().partition(|r| r.charge_id == charge.id);
                    charge.refunds = mine;
                    refunds = rest;
                }
                Ok(())
            }

            /// One charge's row, with its refunds.
            async fn charge_where(&self, sql: &str, binds: &[&str], mode: Option<Mode>) -> StoreResult<Option<Charge>> {
                let mut conn = self.pool.acquire().await?;
                let row = Self::scoped(sql, binds, mode).fetch_optional(&mut *conn).await?;
                let Some(mut charge) = row.as_ref().map(Self::charge_from_row).transpose()? else {
                    return Ok(None);
                };
                Self::attach_refunds(&mut conn, std::slice::from_mut(&mut charge)).await?;
                Ok(Some(charge))
            }

            /// Why a refund was not made, read after its transaction rolled back.
            async fn refund_refusal(&self, new: &$crate::domain::refund::NewRefund) -> StoreResult<$crate::domain::refund::RefundRefusal> {
                use $crate::domain::refund::RefundRefusal;
                let row = sqlx::query(
                    "SELECT amount, refunded_amount, status FROM charges \
                     WHERE id = $1 AND account_id = $2 AND livemode = $3",
                )
                .bind(&new.charge_id)
                .bind(&new.account_id)
                .bind(new.mode.is_live())
                .fetch_optional(&self.pool)
                .await?;
                let Some(row) = row else { return Ok(RefundRefusal::ChargeNotFound) };
                let status: String = row.try_get("status")?;
                if status != "successful" {
                    return Ok(RefundRefusal::NotSuccessful);
                }
                let (amount, refunded): (i64, i64) = (row.try_get("amount")?, row.try_get("refunded_amount")?);
                Ok(RefundRefusal::ExceedsRemaining { remaining: amount - refunded })
            }

            /// The same over any table numbered that way (charges, events).
            #[allow(clippy::too_many_arguments)]
            async fn rows_by_seq(
                conn: &mut <$db as sqlx::Database>::Connection,
                table: &str,
                columns: &str,
                scope: &str,
                seq: &str,
                binds: &[&str],
                mode: Option<Mode>,
                window: &ListWindow,
            ) -> StoreResult<Page<<$db as sqlx::Database>::Row>> {
                let (start, end) = window.created_range();
                let n = binds.len() + usize::from(mode.is_some());
                let lo_sql = format!(
                    "SELECT {seq} FROM {table} WHERE {scope} AND created_at >= ${} \
                     ORDER BY created_at, {seq} LIMIT 1",
                    n + 1
                );
                let lo: Option<i64> = Self::scoped(&lo_sql, binds, mode)
                    .bind(start)
                    .fetch_optional(&mut *conn)
                    .await?
                    .map(|r| r.try_get(0))
                    .transpose()?;
                let hi_sql = format!(
                    "SELECT {seq} FROM {table} WHERE {scope} AND created_at < ${} \
                     ORDER BY created_at DESC, {seq} DESC LIMIT 1",
                    n + 1
                );
                let hi: Option<i64> = Self::scoped(&hi_sql, binds, mode)
                    .bind(end)
                    .fetch_optional(&mut *conn)
                    .await?
                    .map(|r| r.try_get(0))
                    .transpose()?;
                let (lo, hi) = match (lo, hi) {
                    (Some(lo), Some(hi)) if lo <= hi => (lo, hi),
                    _ => {
                        return Ok(Page {
                            data: vec![],
                            total: 0,
                            window: *window,
                        });
                    }
                };
                let total = (hi - lo + 1) as u64;
                let Some((first, last)) = $crate::store::sql::page_range(lo, hi, window) else {
                    return Ok(Page {
                        data: vec![],
                        total,
                        window: *window,
                    });
                };
                let direction = $crate::store::sql::direction(window.order);
                let page_sql = format!(
                    "SELECT {columns} FROM {table} WHERE {scope} AND {seq} BETWEEN ${} AND ${} \
                     ORDER BY {seq} {direction}",
                    n + 1,
                    n + 2
                );
                let rows = Self::scoped(&page_sql, binds, mode)
                    .bind(first)
                    .bind(last)
                    .fetch_all(&mut *conn)
                    .await?;
                Ok(Page {
                    data: rows,
                    total,
                    window: *window,
                })
            }


            /// Writes an event and, if the account has a webhook for the
            /// mode, its delivery, on `conn` inside the caller's transaction.
            #[allow(clippy::too_many_arguments)]
            async fn record_event(
                conn: &mut <$db as sqlx::Database>::Connection,
                key: EventKey,
                account_id: &str,
                mode: Mode,
                charge_id: Option<&str>,
                data: &str,
                at: Micros,
            ) -> StoreResult<()> {
                // One round trip: numbering, the event and its delivery.
                let id = $crate::domain::id::new_id($crate::domain::Kind::Event, mode);
                sqlx::query(<$store>::RECORD_EVENT)
                    .bind(account_id)
                    .bind(mode.is_live())
                    .bind(at)
                    .bind(&id)
                    .bind(key.as_str())
                    .bind(charge_id)
                    .bind(data)
                    .execute(&mut *conn)
                    .await?;
                Ok(())
            }

            /// Why a payment was refused, read after its transaction rolled
            /// back: the link's state first, then the token's.
            async fn refusal(&self, payment: &Payment) -> StoreResult<PayRefusal> {
                let link = sqlx::query(&format!("SELECT {LINK_COLUMNS} FROM links WHERE id = $1"))
                    .bind(&payment.link_id)
                    .fetch_optional(&self.pool)
                    .await?;
                let Some(link) = link.as_ref().map(Self::link_from_row).transpose()? else {
                    return Ok(PayRefusal::LinkUnavailable);
                };
                if link.deleted() {
                    return Ok(PayRefusal::LinkUnavailable);
                }
                if link.used() {
                    return Ok(PayRefusal::LinkUsed);
                }
                if link.pending_charge_id.is_some() {
                    return Ok(PayRefusal::PaymentInProgress);
                }
                let used: Option<bool> = sqlx::query_scalar(
                    "SELECT used FROM tokens WHERE id = $1 AND account_id = $2 AND livemode = $3",
                )
                .bind(&payment.token_id)
                .bind(&link.account_id)
                .bind(link.mode.is_live())
                .fetch_optional(&self.pool)
                .await?;
                Ok(match used {
                    None => PayRefusal::TokenNotFound,
                    Some(_) => PayRefusal::TokenUsed,
                })
            }

            async fn insert_keys(
                tx: &mut sqlx::Transaction<'_, $db>,
                account_id: &str,
                keys: &[KeyRecord],
                now: Micros,
            ) -> StoreResult<()> {
                for key in keys {
                    sqlx::query(
                        "INSERT INTO api_keys (key_hash, account_id, kind, livemode, created_at) \
                         VALUES ($1, $2, $3, $4, $5)",
                    )
                    .bind(&key.hash)
                    .bind(account_id)
                    .bind(key.kind.as_str())
                    .bind(key.mode.is_live())
                    .bind(now)
                    .execute(&mut **tx)
                    .await?;
                }
                Ok(())
            }

            /// The rows of an import after its account, in `tx`; see
            /// `Store::import_account`.
            async fn import_rows(
                tx: &mut sqlx::Transaction<'_, $db>,
                account: &$crate::store::records::AccountRecord,
                keys: &[KeyRecord],
                now: Micros,
                items: &mut tokio::sync::mpsc::Receiver<Result<$crate::store::ExportItem, String>>,
            ) -> Result<$crate::store::ImportOutcome, $crate::store::transfer::ImportFailure> {
                use $crate::store::records::{ExportItem, TransferCounts, TransferError};
                use $crate::store::transfer::{self as t, ModeImport};
                let refused = |m: String| t::ImportFailure::Transfer(TransferError::Refused(m));
                let exists = sqlx::query("SELECT 1 FROM accounts WHERE id = $1")
                    .bind(&account.id)
                    .fetch_optional(&mut **tx)
                    .await?
                    .is_some();
                if !exists {
                    t::check_account_id(&account.id)?;
                    sqlx::query(t::IMPORT_ACCOUNT)
                        .bind(&account.id)
                        .bind(account.created_at)
                        .bind(&account.display_name)
                        .execute(&mut **tx)
                        .await?;
                    for live in [false, true] {
                        for sql in t::IMPORT_COUNTER_ROWS {
                            sqlx::query(sql).bind(&account.id).bind(live).execute(&mut **tx).await?;
                        }
                    }
                    Self::insert_keys(tx, &account.id, keys, now).await?;
                }
                let mut counts = TransferCounts::default();
                let mut open: Option<ModeImport> = None;
                let mut seen: Vec<Mode> = vec![];
                loop {
                    let item = match items.recv().await {
                        Some(Ok(item)) => item,
                        Some(Err(message)) => return Err(refused(message)),
                        None => return Err(refused("the document ended before its end".into())),
                    };
                    counts.add(&item);
                    match item {
                        ExportItem::Account(_) => return Err(refused("a document holds one account".into())),
                        ExportItem::Mode(head) => {
                            if let Some(done) = open.take() {
                                Self::finish_mode(tx, &account.id, &done).await?;
                            }
                            let mode = head.mode();
                            if seen.contains(&mode) {
                                return Err(refused(format!("{} mode is in the document twice", t::mode_name(mode))));
                            }
                            seen.push(mode);
                            if exists {
                                Self::check_mode_empty(tx, &account.id, mode).await?;
                            }
                            if let Some(settings) = &head.settings {
                                sqlx::query(t::IMPORT_SETTINGS)
                                    .bind(&account.id)
                                    .bind(mode.is_live())
                                    .bind(&settings.webhook_uri)
                                    .bind(&settings.api_version)
                                    .bind($crate::domain::event::new_webhook_secret())
                                    .execute(&mut **tx)
                                    .await?;
                            }
                            open = Some(ModeImport::new(head));
                        }
                        ExportItem::End => {
                            if let Some(done) = open.take() {
                                Self::finish_mode(tx, &account.id, &done).await?;
                            }
                            return Ok($crate::store::ImportOutcome { created: !exists, counts });
                        }
                        row => {
                            let Some(mode) = open.as_mut() else {
                                return Err(refused("rows come before their mode".into()));
                            };
                            mode.accept(&row)?;
                            Self::import_row(tx, &account.id, mode.mode(), row).await?;
                        }
                    }
                }
            }

            /// Writes one row of a mode; a row that refers to another one
            /// not among the mode's rows is refused.
            async fn import_row(
                tx: &mut sqlx::Transaction<'_, $db>,
                account_id: &str,
                mode: Mode,
                row: $crate::store::ExportItem,
            ) -> Result<(), $crate::store::transfer::ImportFailure> {
                use $crate::store::records::{ExportItem, Section, TransferError};
                use $crate::store::transfer::{self as t, ImportFailure};
                let live = mode.is_live();
                let (section, id, missing, done) = match &row {
                    ExportItem::Link(l) => (Section::Links, &l.id, None, sqlx::query(t::IMPORT_LINK)
                        .bind(account_id).bind(live).bind(&l.id).bind(l.amount).bind(&l.currency)
                        .bind(&l.title).bind(&l.description).bind(l.multiple).bind(l.charge_count)
                        .bind(l.used_at).bind(l.deleted_at).bind(l.created_at).bind(&l.pending_charge_id)
                        .execute(&mut **tx).await),
                    ExportItem::Token(k) => (Section::Tokens, &k.id, None, sqlx::query(t::IMPORT_TOKEN)
                        .bind(account_id).bind(live).bind(&k.id).bind(&k.card).bind(&k.outcome)
                        .bind(k.used).bind(k.created_at)
                        .execute(&mut **tx).await),
                    ExportItem::Charge(c) => (Section::Charges, &c.id,
                        Some(format!("its link {} or its token {}", c.link_id, c.token_id)),
                        sqlx::query(t::IMPORT_CHARGE)
                        .bind(account_id).bind(live).bind(&c.id).bind(c.account_seq).bind(&c.link_id)
                        .bind(c.link_seq).bind(&c.token_id).bind(c.amount).bind(&c.currency)
                        .bind(&c.description).bind(&c.status).bind(&c.failure_code)
                        .bind(&c.failure_message).bind(&c.card).bind(&c.ip).bind(c.created_at)
                        .bind(c.refunded_amount).bind(c.refund_count).bind(c.authorize)
                        .bind(c.authorize_expires_at).bind(c.completed_at)
                        .execute(&mut **tx).await),
                    ExportItem::Refund(r) => (Section::Refunds, &r.id,
                        Some(format!("its charge {}", r.charge_id)),
                        sqlx::query(t::IMPORT_REFUND)
                        .bind(account_id).bind(live).bind(&r.id).bind(r.account_seq).bind(&r.charge_id)
                        .bind(r.charge_seq).bind(r.amount).bind(&r.currency).bind(&r.metadata)
                        .bind(r.created_at)
                        .execute(&mut **tx).await),
                    ExportItem::Event(e) => (Section::Events, &e.id,
                        e.charge_id.as_ref().map(|c| format!("its charge {c}")),
                        sqlx::query(t::IMPORT_EVENT)
                        .bind(account_id).bind(live).bind(&e.id).bind(e.account_seq).bind(&e.key)
                        .bind(&e.charge_id).bind(&e.data).bind(e.created_at)
                        .execute(&mut **tx).await),
                    ExportItem::Account(_) | ExportItem::Mode(_) | ExportItem::End => return Ok(()),
                };
                let done = done.map_err(|e| ImportFailure::insert(section, id, e))?;
                if done.rows_affected() == 1 {
                    return Ok(());
                }
                Err(ImportFailure::Transfer(TransferError::Refused(format!(
                    "{} {id} refers to {}, which is not among the document's {} of {} mode",
                    t::noun(section),
                    missing.unwrap_or_default(),
                    if section == Section::Charges { "links and tokens" } else { "charges" },
                    t::mode_name(mode),
                ))))
            }

            /// An existing account takes an import only into a mode with
            /// no rows.
            async fn check_mode_empty(
                tx: &mut sqlx::Transaction<'_, $db>,
                account_id: &str,
                mode: Mode,
            ) -> Result<(), $crate::store::transfer::ImportFailure> {
                use $crate::store::records::{Section, TransferError};
                let mut found = vec![];
                for section in Section::ALL {
                    let has: bool = sqlx::query_scalar(&$crate::store::transfer::has_rows_sql(section))
                        .bind(account_id)
                        .bind(mode.is_live())
                        .fetch_one(&mut **tx)
                        .await?;
                    if has {
                        found.push(section.name());
                    }
                }
                if found.is_empty() {
                    return Ok(());
                }
                Err(TransferError::Refused(format!(
                    "account {account_id} already has {} in {} mode: an import goes only into a \
                     new account, or a mode of one without links, tokens, charges, refunds or events",
                    found.join(", "),
                    $crate::store::transfer::mode_name(mode)
                ))
                .into())
            }

            /// The end of a mode: its counters, and what only all its rows
            /// together can show.
            async fn finish_mode(
                tx: &mut sqlx::Transaction<'_, $db>,
                account_id: &str,
                done: &$crate::store::transfer::ModeImport,
            ) -> Result<(), $crate::store::transfer::ImportFailure> {
                use $crate::store::records::TransferError;
                use $crate::store::transfer as t;
                done.check_counters()?;
                let live = done.mode().is_live();
                let counters = &done.head.counters;
                for (sql, counter) in t::IMPORT_COUNTERS.iter().zip([counters.charges, counters.events, counters.refunds]) {
                    sqlx::query(sql)
                        .bind(account_id)
                        .bind(live)
                        .bind(counter.last_seq)
                        .bind(counter.last_at)
                        .execute(&mut **tx)
                        .await?;
                }
                for (sql, meaning) in t::MODE_CHECKS {
                    let wrong: Option<String> = sqlx::query_scalar(sql)
                        .bind(account_id)
                        .bind(live)
                        .fetch_optional(&mut **tx)
                        .await?;
                    if let Some(id) = wrong {
                        return Err(TransferError::Refused(format!("{id}: {meaning}")).into());
                    }
                }
                Ok(())
            }

        }

        #[async_trait::async_trait]
        impl $crate::store::Store for $store {
            fn change_token(&self) -> Option<$crate::store::ChangeToken> {
                <$store>::change_token(self)
            }

            fn own_commits(
                &self,
                from: u64,
                to: u64,
            ) -> Result<Vec<$crate::store::Touched>, $crate::store::Unaccounted> {
                <$store>::own_commits(self, from, to)
            }

            fn events_written(&self) -> std::sync::Arc<tokio::sync::Notify> {
                self.events_written.clone()
            }

            async fn ping(&self) -> StoreResult<()> {
                sqlx::query("SELECT 1").execute(&self.pool).await?;
                Ok(())
            }

            async fn account_count(&self) -> StoreResult<u64> {
                let n: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM accounts")
                    .fetch_one(&self.pool)
                    .await?;
                Ok(n as u64)
            }

            async fn create_account(&self, id: &str, keys: &[KeyRecord], now: Micros) -> StoreResult<()> {
                let mut writer = self.writer().await?;
                let mut tx = <$store>::begin(&mut writer).await?;
                sqlx::query("INSERT INTO accounts (id, created_at) VALUES ($1, $2)")
                    .bind(id)
                    .bind(now)
                    .execute(&mut *tx)
                    .await?;
                for live in [false, true] {
                    for counters in ["charge_counters", "event_counters", "refund_counters"] {
                        sqlx::query(&format!("INSERT INTO {counters} (account_id, livemode) VALUES ($1, $2)"))
                            .bind(id)
                            .bind(live)
                            .execute(&mut *tx)
                            .await?;
                    }
                }
                Self::insert_keys(&mut tx, id, keys, now).await?;
                tx.commit().await?;
                Ok(())
            }

            async fn replace_keys(
                &self,
                account_id: &str,
                keys: &[KeyRecord],
                now: Micros,
            ) -> StoreResult<bool> {
                let mut writer = self.writer().await?;
                let mut tx = <$store>::begin(&mut writer).await?;
                let exists = sqlx::query("SELECT 1 FROM accounts WHERE id = $1")
                    .bind(account_id)
                    .fetch_optional(&mut *tx)
                    .await?
                    .is_some();
                if !exists {
                    return Ok(false);
                }
                sqlx::query("DELETE FROM api_keys WHERE account_id = $1")
                    .bind(account_id)
                    .execute(&mut *tx)
                    .await?;
                Self::insert_keys(&mut tx, account_id, keys, now).await?;
                tx.commit().await?;
                Ok(true)
            }

            async fn principal(&self, key_hash: &str) -> StoreResult<Option<Principal>> {
                let row =
                    sqlx::query("SELECT account_id, kind, livemode FROM api_keys WHERE key_hash = $1")
                        .bind(key_hash)
                        .fetch_optional(&self.pool)
                        .await?;
                let Some(row) = row else { return Ok(None) };
                let kind: String = row.try_get("kind")?;
                Ok(Some(Principal {
                    account_id: row.try_get("account_id")?,
                    kind: $crate::store::sql::key_kind(&kind)?,
                    mode: Mode::from_live(row.try_get("livemode")?),
                }))
            }

            async fn insert_link(&self, link: &Link) -> StoreResult<()> {
                let mut writer = self.writer().await?;
                let mut tx = <$store>::begin(&mut writer).await?;
                sqlx::query(
                    "INSERT INTO links (id, account_id, livemode, amount, currency, title, description, \
                     multiple, created_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)",
                )
                .bind(&link.id)
                .bind(&link.account_id)
                .bind(link.mode.is_live())
                .bind(link.amount)
                .bind(link.currency.code())
                .bind(&link.title)
                .bind(&link.description)
                .bind(link.multiple)
                .bind(link.created_at)
                .execute(&mut *tx)
                .await?;
                let snapshot = $crate::store::sql::link_snapshot(link);
                Self::record_event(&mut tx, EventKey::LinkCreate, &link.account_id, link.mode,
                    None, &snapshot, link.created_at).await?;
                tx.commit().await?;
                <$store>::touch(&mut writer, $crate::store::Touched::Nothing);
                self.events_written.notify_one();
                Ok(())
            }

            async fn link(&self, account_id: &str, mode: Mode, id: &str) -> StoreResult<Option<Link>> {
                let row = sqlx::query(&format!(
                    "SELECT {LINK_COLUMNS} FROM links WHERE id = $1 AND account_id = $2 AND livemode = $3"
                ))
                .bind(id)
                .bind(account_id)
                .bind(mode.is_live())
                .fetch_optional(&self.pool)
                .await?;
                row.as_ref().map(Self::link_from_row).transpose()
            }

            async fn principal_and_link_stamp(
                &self,
                key_hash: &str,
                link_id: &str,
            ) -> StoreResult<Option<(Principal, Option<$crate::api::cache::LinkStamp>)>> {
                self.principal_with_stamp(key_hash, link_id).await
            }

            async fn link_by_id(&self, id: &str) -> StoreResult<Option<Link>> {
                let row = sqlx::query(&format!("SELECT {LINK_COLUMNS} FROM links WHERE id = $1"))
                    .bind(id)
                    .fetch_optional(&self.pool)
                    .await?;
                row.as_ref().map(Self::link_from_row).transpose()
            }

            async fn links_page(
                &self,
                account_id: &str,
                mode: Mode,
                window: &ListWindow,
            ) -> StoreResult<Page<Link>> {
                let (start, end) = window.created_range();
                let scope = "account_id = $1 AND livemode = $2 AND deleted_at IS NULL \
                             AND created_at >= $3 AND created_at < $4";
                let mut conn = self.pool.acquire().await?;
                let total: i64 = sqlx::query_scalar(&format!("SELECT COUNT(*) FROM links WHERE {scope}"))
                    .bind(account_id)
                    .bind(mode.is_live())
                    .bind(start)
                    .bind(end)
                    .fetch_one(&mut *conn)
                    .await?;
                let direction = $crate::store::sql::direction(window.order);
                let rows = sqlx::query(&format!(
                    "SELECT {LINK_COLUMNS} FROM links WHERE {scope} \
                     ORDER BY created_at {direction}, seq {direction} LIMIT $5 OFFSET $6"
                ))
                .bind(account_id)
                .bind(mode.is_live())
                .bind(start)
                .bind(end)
                .bind(i64::from(window.limit))
                .bind(i64::try_from(window.offset).unwrap_or(i64::MAX))
                .fetch_all(&mut *conn)
                .await?;
                Ok(Page {
                    data: rows.iter().map(Self::link_from_row).collect::<StoreResult<_>>()?,
                    total: total as u64,
                    window: *window,
                })
            }

            async fn delete_link(
                &self,
                account_id: &str,
                mode: Mode,
                id: &str,
                now: Micros,
            ) -> StoreResult<Option<Link>> {
                // One statement commits by itself, on the writer's connection.
                let mut writer = self.writer().await?;
                // Deleting twice keeps the first time: the update only sets it once.
                let row = sqlx::query(&format!(
                    "UPDATE links SET deleted_at = COALESCE(deleted_at, $4) \
                     WHERE id = $1 AND account_id = $2 AND livemode = $3 RETURNING {LINK_COLUMNS}"
                ))
                .bind(id)
                .bind(account_id)
                .bind(mode.is_live())
                .bind(now)
                .fetch_optional(&mut *writer)
                .await?;
                // A statement that changed nothing says nothing: its commit
                // moved no counter, so a commit seen meanwhile is another's.
                if row.is_some() {
                    <$store>::touch(&mut writer, $crate::store::Touched::Links(vec![id.to_owned()]));
                }
                row.as_ref().map(Self::link_from_row).transpose()
            }

            async fn insert_token(&self, token: &Token) -> StoreResult<()> {
                self.add_token(token).await
            }

            async fn token(&self, account_id: &str, mode: Mode, id: &str) -> StoreResult<Option<Token>> {
                let row = sqlx::query(
                    "SELECT id, account_id, livemode, card, outcome, used, created_at FROM tokens \
                     WHERE id = $1 AND account_id = $2 AND livemode = $3",
                )
                .bind(id)
                .bind(account_id)
                .bind(mode.is_live())
                .fetch_optional(&self.pool)
                .await?;
                row.as_ref().map(Self::token_from_row).transpose()
            }

            async fn pay_link(&self, payment: &Payment) -> StoreResult<Result<Charge, PayRefusal>> {
                self.pay(payment).await
            }

            async fn charge(&self, account_id: &str, mode: Mode, id: &str) -> StoreResult<Option<Charge>> {
                let sql = format!(
                    "SELECT {CHARGE_COLUMNS} FROM charges \
                     WHERE id = $1 AND account_id = $2 AND livemode = $3"
                );
                self.charge_where(&sql, &[id, account_id], Some(mode)).await
            }

            async fn charge_by_id(&self, id: &str) -> StoreResult<Option<Charge>> {
                let sql = format!("SELECT {CHARGE_COLUMNS} FROM charges WHERE id = $1");
                self.charge_where(&sql, &[id], None).await
            }

            async fn complete_charge(
                &self,
                id: &str,
                completion: $crate::domain::charge::Completion,
                now: Micros,
            ) -> StoreResult<Option<Result<Charge, ChargeStatus>>> {
                let status = completion.status();
                let mut writer = self.writer().await?;
                let mut tx = <$store>::begin(&mut writer).await?;
                // Only a pending charge completes, once: a concurrent
                // completion (a payer and the expiry, say) finds it done.
                let row = sqlx::query(&format!(
                    "UPDATE charges SET status = $2, failure_code = $3, failure_message = $4, \
                     completed_at = $5 WHERE id = $1 AND status = 'pending' RETURNING {CHARGE_COLUMNS}"
                ))
                .bind(id)
                .bind(status.as_str())
                .bind(status.failure().map(FailureCode::code))
                .bind(completion.failure_message())
                .bind(now)
                .fetch_optional(&mut *tx)
                .await?;
                let Some(row) = row else {
                    tx.rollback().await?;
                    drop(writer);
                    let current = $crate::store::Store::charge_by_id(self, id).await?;
                    return Ok(current.map(|c| Err(c.status)));
                };
                let charge = Self::charge_from_row(&row)?;
                // The link's payment in progress is over: a single-use link
                // is used if it succeeded, and takes payments again if not.
                sqlx::query(
                    "UPDATE links SET pending_charge_id = NULL, \
                     used_at = CASE WHEN $3 THEN $4 ELSE used_at END \
                     WHERE id = $1 AND pending_charge_id = $2",
                )
                .bind(&charge.link_id)
                .bind(&charge.id)
                .bind(status.paid())
                .bind(now)
                .execute(&mut *tx)
                .await?;
                let snapshot = $crate::store::sql::charge_snapshot(&charge)?;
                Self::record_event(&mut tx, EventKey::ChargeComplete, &charge.account_id, charge.mode,
                    Some(&charge.id), &snapshot, now).await?;
                tx.commit().await?;
                <$store>::touch(&mut writer, $crate::store::Touched::Links(vec![charge.link_id.clone()]));
                self.events_written.notify_one();
                Ok(Some(Ok(charge)))
            }

            async fn index_search_queue(&self) -> StoreResult<()> {
                let Some(sql) = <$store>::INDEX_QUEUED else { return Ok(()) };
                loop {
                    // Read first: most looks find nothing, and need no writer.
                    let queued: bool = sqlx::query_scalar(
                        "SELECT EXISTS (SELECT 1 FROM charge_search_queue) \
                         OR EXISTS (SELECT 1 FROM link_search_queue)",
                    )
                    .fetch_one(&self.pool)
                    .await?;
                    if !queued {
                        return Ok(());
                    }
                    // One batch a transaction; the writer is let go between.
                    let mut writer = self.writer().await?;
                    let mut tx = <$store>::begin(&mut writer).await?;
                    sqlx::query(sql).execute(&mut *tx).await?;
                    tx.commit().await?;
                    <$store>::touch(&mut writer, $crate::store::Touched::Nothing);
                }
            }

            async fn pending_charges_due(&self, now: Micros, limit: u32) -> StoreResult<Vec<String>> {
                Ok(sqlx::query_scalar(
                    "SELECT id FROM charges WHERE status = 'pending' AND authorize_expires_at <= $1 \
                     ORDER BY authorize_expires_at LIMIT $2",
                )
                .bind(now)
                .bind(i64::from(limit))
                .fetch_all(&self.pool)
                .await?)
            }

            async fn create_refund(
                &self,
                new: &$crate::domain::refund::NewRefund,
            ) -> StoreResult<Result<$crate::domain::refund::Refund, $crate::domain::refund::RefundRefusal>> {
                let mut writer = self.writer().await?;
                let mut tx = <$store>::begin(&mut writer).await?;
                let charged = sqlx::query($crate::store::sql::CLAIM_REFUND)
                    .bind(&new.charge_id)
                    .bind(&new.account_id)
                    .bind(new.mode.is_live())
                    .bind(new.amount)
                    .fetch_optional(&mut *tx)
                    .await?;
                let Some(charged) = charged else {
                    // Roll back before the writer is let go.
                    tx.rollback().await?;
                    drop(writer);
                    return Ok(Err(self.refund_refusal(new).await?));
                };
                let currency: String = charged.try_get("currency")?;
                let charge_seq: i64 = charged.try_get("refund_count")?;
                let link_id: String = charged.try_get("link_id")?;
                let counter = sqlx::query(&$crate::store::sql::count_refund_sql(<$store>::GREATEST))
                    .bind(&new.account_id)
                    .bind(new.mode.is_live())
                    .bind(new.now)
                    .fetch_one(&mut *tx)
                    .await?;
                let refund = $crate::domain::refund::Refund {
                    id: new.id.clone(),
                    account_id: new.account_id.clone(),
                    mode: new.mode,
                    charge_id: new.charge_id.clone(),
                    amount: new.amount,
                    currency: $crate::domain::money::Currency::parse(&currency)
                        .map_err(|_| $crate::store::sql::corrupt("charge currency"))?,
                    metadata: new.metadata.clone(),
                    created_at: counter.try_get("last_at")?,
                };
                sqlx::query($crate::store::sql::INSERT_REFUND)
                    .bind(&refund.id)
                    .bind(&refund.account_id)
                    .bind(refund.mode.is_live())
                    .bind(counter.try_get::<i64, _>("last_seq")?)
                    .bind(&refund.charge_id)
                    .bind(charge_seq)
                    .bind(refund.amount)
                    .bind(refund.currency.code())
                    .bind(&refund.metadata)
                    .bind(refund.created_at)
                    .execute(&mut *tx)
                    .await?;
                let snapshot = $crate::store::sql::refund_snapshot(&refund);
                Self::record_event(&mut tx, EventKey::RefundCreate, &refund.account_id, refund.mode,
                    Some(&refund.charge_id), &snapshot, refund.created_at).await?;
                tx.commit().await?;
                <$store>::touch(&mut writer, $crate::store::Touched::Links(vec![link_id]));
                self.events_written.notify_one();
                Ok(Ok(refund))
            }

            async fn refund(
                &self,
                account_id: &str,
                mode: Mode,
                charge_id: &str,
                id: &str,
            ) -> StoreResult<Option<$crate::domain::refund::Refund>> {
                let sql = format!(
                    "SELECT {REFUND_COLUMNS} FROM refunds \
                     WHERE id = $1 AND charge_id = $2 AND account_id = $3 AND livemode = $4"
                );
                let row = Self::scoped(&sql, &[id, charge_id, account_id], Some(mode))
                    .fetch_optional(&self.pool)
                    .await?;
                row.as_ref().map($crate::store::sql::refund_from).transpose()
            }

            async fn charge_refunds(
                &self,
                charge_id: &str,
                window: &ListWindow,
            ) -> StoreResult<Page<$crate::domain::refund::Refund>> {
                let mut conn = self.pool.acquire().await?;
                let page = Self::rows_by_seq(&mut conn, "refunds", REFUND_COLUMNS, "charge_id = $1",
                    "charge_seq", &[charge_id], None, window).await?;
                page.try_map($crate::store::sql::refund_from)
            }

            async fn account_refunds(
                &self,
                account_id: &str,
                mode: Mode,
                window: &ListWindow,
            ) -> StoreResult<Page<$crate::domain::refund::Refund>> {
                let mut conn = self.pool.acquire().await?;
                let page = Self::rows_by_seq(&mut conn, "refunds", REFUND_COLUMNS,
                    "account_id = $1 AND livemode = $2", "account_seq", &[account_id], Some(mode), window).await?;
                page.try_map($crate::store::sql::refund_from)
            }

            async fn links_charges(
                &self,
                link_ids: &[&str],
                window: &ListWindow,
            ) -> StoreResult<Vec<Page<Charge>>> {
                let mut conn = self.pool.acquire().await?;
                let mut pages = Vec::with_capacity(link_ids.len());
                for link_id in link_ids {
                    pages.push(
                        Self::charges_by_seq(&mut conn, "link_id = $1", "link_seq", &[link_id], None, window)
                            .await?,
                    );
                }
                Ok(pages)
            }

            async fn link_charges(&self, link_id: &str, window: &ListWindow) -> StoreResult<Page<Charge>> {
                let mut conn = self.pool.acquire().await?;
                Self::charges_by_seq(
                    &mut conn,
                    "link_id = $1",
                    "link_seq",
                    &[link_id],
                    None,
                    window,
                )
                .await
            }

            async fn account_charges(
                &self,
                account_id: &str,
                mode: Mode,
                window: &ListWindow,
            ) -> StoreResult<Page<Charge>> {
                let mut conn = self.pool.acquire().await?;
                Self::charges_by_seq(
                    &mut conn,
                    "account_id = $1 AND livemode = $2",
                    "account_seq",
                    &[account_id],
                    Some(mode),
                    window,
                )
                .await
            }

            async fn account_display_name(&self, account_id: &str) -> StoreResult<Option<String>> {
                Ok(sqlx::query_scalar("SELECT COALESCE(display_name, id) FROM accounts WHERE id = $1")
                    .bind(account_id)
                    .fetch_optional(&self.pool)
                    .await?)
            }

            async fn set_display_name(&self, account_id: &str, name: &str) -> StoreResult<bool> {
                // One statement commits by itself, on the writer's connection.
                let mut writer = self.writer().await?;
                let done = sqlx::query("UPDATE accounts SET display_name = $2 WHERE id = $1")
                    .bind(account_id)
                    .bind(name)
                    .execute(&mut *writer)
                    .await?;
                Ok(done.rows_affected() == 1)
            }

            async fn search_links(
                &self,
                account_id: &str,
                mode: Mode,
                search: &$crate::domain::search::Search,
            ) -> StoreResult<(Vec<Link>, u64)> {
                let mut conn = self.pool.acquire().await?;
                let (rows, total) = Self::search_rows(&mut conn, account_id, mode, search, LINK_COLUMNS, "seq").await?;
                let links = rows.iter().map(Self::link_from_row).collect::<StoreResult<_>>()?;
                Ok((links, total))
            }

            async fn search_charges(
                &self,
                account_id: &str,
                mode: Mode,
                search: &$crate::domain::search::Search,
            ) -> StoreResult<(Vec<Charge>, u64)> {
                let mut conn = self.pool.acquire().await?;
                let (rows, total) = Self::search_rows(&mut conn, account_id, mode, search, CHARGE_COLUMNS, "account_seq").await?;
                let mut charges = rows.iter().map(Self::charge_from_row).collect::<StoreResult<Vec<_>>>()?;
                Self::attach_refunds(&mut conn, &mut charges).await?;
                Ok((charges, total))
            }

            async fn account_created_at(&self, account_id: &str) -> StoreResult<Option<Micros>> {
                Ok(sqlx::query_scalar("SELECT created_at FROM accounts WHERE id = $1")
                    .bind(account_id)
                    .fetch_optional(&self.pool)
                    .await?)
            }

            async fn account_settings(
                &self,
                account_id: &str,
                mode: Mode,
            ) -> StoreResult<Option<$crate::store::AccountSettings>> {
                let row = sqlx::query(&format!(
                    "SELECT {SETTINGS_COLUMNS} FROM account_settings WHERE account_id = $1 AND livemode = $2"
                ))
                .bind(account_id)
                .bind(mode.is_live())
                .fetch_optional(&self.pool)
                .await?;
                row.as_ref().map($crate::store::sql::settings_from).transpose()
            }

            async fn change_settings(
                &self,
                account_id: &str,
                mode: Mode,
                change: &$crate::store::SettingsChange,
                fresh_secret: &str,
            ) -> StoreResult<Option<$crate::store::AccountSettings>> {
                let mut writer = self.writer().await?;
                let mut tx = <$store>::begin(&mut writer).await?;
                let exists = sqlx::query("SELECT 1 FROM accounts WHERE id = $1")
                    .bind(account_id)
                    .fetch_optional(&mut *tx)
                    .await?
                    .is_some();
                if !exists {
                    tx.rollback().await?;
                    return Ok(None);
                }
                sqlx::query(
                    "INSERT INTO account_settings (account_id, livemode, webhook_secret) \
                     VALUES ($1, $2, $3) ON CONFLICT DO NOTHING",
                )
                .bind(account_id)
                .bind(mode.is_live())
                .bind(fresh_secret)
                .execute(&mut *tx)
                .await?;
                let scope = "WHERE account_id = $1 AND livemode = $2";
                if let Some(uri) = &change.webhook_uri {
                    sqlx::query(&format!("UPDATE account_settings SET webhook_uri = $3 {scope}"))
                        .bind(account_id)
                        .bind(mode.is_live())
                        .bind(uri.as_deref())
                        .execute(&mut *tx)
                        .await?;
                }
                if let Some(version) = &change.api_version {
                    sqlx::query(&format!("UPDATE account_settings SET api_version = $3 {scope}"))
                        .bind(account_id)
                        .bind(mode.is_live())
                        .bind(version)
                        .execute(&mut *tx)
                        .await?;
                }
                if let Some((secret, until)) = &change.roll_secret {
                    sqlx::query(&format!(
                        "UPDATE account_settings SET previous_webhook_secret = webhook_secret, \
                         previous_secret_until = $3, webhook_secret = $4 {scope}"
                    ))
                    .bind(account_id)
                    .bind(mode.is_live())
                    .bind(until)
                    .bind(secret)
                    .execute(&mut *tx)
                    .await?;
                }
                let row = sqlx::query(&format!("SELECT {SETTINGS_COLUMNS} FROM account_settings {scope}"))
                    .bind(account_id)
                    .bind(mode.is_live())
                    .fetch_one(&mut *tx)
                    .await?;
                let settings = $crate::store::sql::settings_from(&row)?;
                tx.commit().await?;
                Ok(Some(settings))
            }

            async fn events_page(
                &self,
                account_id: &str,
                mode: Mode,
                window: &ListWindow,
            ) -> StoreResult<Page<Event>> {
                let mut conn = self.pool.acquire().await?;
                let page = Self::rows_by_seq(
                    &mut conn,
                    "events",
                    EVENT_COLUMNS,
                    "account_id = $1 AND livemode = $2",
                    "account_seq",
                    &[account_id],
                    Some(mode),
                    window,
                )
                .await?;
                page.try_map($crate::store::sql::event_from)
            }

            async fn event(&self, account_id: &str, mode: Mode, id: &str) -> StoreResult<Option<Event>> {
                let row = sqlx::query(&format!(
                    "SELECT {EVENT_COLUMNS} FROM events WHERE id = $1 AND account_id = $2 AND livemode = $3"
                ))
                .bind(id)
                .bind(account_id)
                .bind(mode.is_live())
                .fetch_optional(&self.pool)
                .await?;
                row.as_ref().map($crate::store::sql::event_from).transpose()
            }

            async fn charge_events(&self, charge_id: &str, window: &ListWindow) -> StoreResult<Page<Event>> {
                // A charge has a handful of events: counting them is cheap.
                let (start, end) = window.created_range();
                let scope = "charge_id = $1 AND created_at >= $2 AND created_at < $3";
                let mut conn = self.pool.acquire().await?;
                let total: i64 = sqlx::query_scalar(&format!("SELECT COUNT(*) FROM events WHERE {scope}"))
                    .bind(charge_id)
                    .bind(start)
                    .bind(end)
                    .fetch_one(&mut *conn)
                    .await?;
                let direction = $crate::store::sql::direction(window.order);
                let rows = sqlx::query(&format!(
                    "SELECT {EVENT_COLUMNS} FROM events WHERE {scope} \
                     ORDER BY account_seq {direction} LIMIT $4 OFFSET $5"
                ))
                .bind(charge_id)
                .bind(start)
                .bind(end)
                .bind(i64::from(window.limit))
                .bind(i64::try_from(window.offset).unwrap_or(i64::MAX))
                .fetch_all(&mut *conn)
                .await?;
                Ok(Page {
                    data: rows.iter().map($crate::store::sql::event_from).collect::<StoreResult<_>>()?,
                    total: total as u64,
                    window: *window,
                })
            }

            async fn webhook_deliveries(
                &self,
                event_ids: &[&str],
            ) -> StoreResult<Vec<Vec<WebhookDelivery>>> {
                let mut found = vec![Vec::new(); event_ids.len()];
                if event_ids.is_empty() {
                    return Ok(found);
                }
                let sql = format!(
                    "SELECT {DELIVERY_COLUMNS} FROM webhook_deliveries WHERE event_id IN ({}) \
                     ORDER BY attempt",
                    $crate::store::sql::placeholders(1, event_ids.len())
                );
                let rows = Self::scoped(&sql, event_ids, None).fetch_all(&self.pool).await?;
                for row in &rows {
                    let delivery = $crate::store::sql::delivery_from(row)?;
                    if let Some(i) = event_ids.iter().position(|id| *id == delivery.event_id) {
                        found[i].push(delivery);
                    }
                }
                Ok(found)
            }

            async fn claim_deliveries(
                &self,
                now: Micros,
                lease_until: Micros,
                claim: &str,
                limit: u32,
            ) -> StoreResult<Vec<$crate::store::ClaimedDelivery>> {
                let claimed = {
                    // One statement commits by itself, on the writer's connection.
                    let mut writer = self.writer().await?;
                    let rows = sqlx::query(&$crate::store::sql::claim_sql(<$store>::SKIP_LOCKED))
                        .bind(lease_until)
                        .bind(claim)
                        .bind(now)
                        .bind(i64::from(limit))
                        .fetch_all(&mut *writer)
                        .await?;
                    // Claiming nothing commits nothing: a commit seen
                    // meanwhile is another process's, and must not be logged.
                    if !rows.is_empty() {
                        <$store>::touch(&mut writer, $crate::store::Touched::Nothing);
                    }
                    rows
                };
                if claimed.is_empty() {
                    return Ok(vec![]);
                }
                let mut attempts = Vec::with_capacity(claimed.len());
                for row in &claimed {
                    let id: String = row.try_get("event_id")?;
                    let n: i64 = row.try_get("attempts")?;
                    attempts.push((id, u32::try_from(n).unwrap_or(u32::MAX)));
                }
                let ids: Vec<&str> = attempts.iter().map(|(id, _)| id.as_str()).collect();
                let sql = $crate::store::sql::claimed_events_sql(ids.len());
                let mut conn = self.pool.acquire().await?;
                let rows = Self::scoped(&sql, &ids, None).fetch_all(&mut *conn).await?;
                drop(conn);
                let mut previous = $crate::store::Store::webhook_deliveries(self, &ids).await?;
                let mut deliveries = Vec::with_capacity(rows.len());
                for row in &rows {
                    let event = $crate::store::sql::event_from(row)?;
                    let Some(i) = ids.iter().position(|id| *id == event.id) else { continue };
                    let settings = match $crate::store::sql::Columns::text_opt(row, "webhook_secret")? {
                        Some(_) => Some($crate::store::sql::settings_from(row)?),
                        None => None,
                    };
                    deliveries.push($crate::store::ClaimedDelivery {
                        event,
                        attempt: attempts[i].1,
                        settings,
                        previous: std::mem::take(&mut previous[i]),
                    });
                }
                Ok(deliveries)
            }

            async fn finish_deliveries(
                &self,
                claim: &str,
                outcomes: &[$crate::store::DeliveryOutcome],
            ) -> StoreResult<()> {
                use $crate::store::DeliveryOutcome;
                if outcomes.is_empty() {
                    return Ok(());
                }
                let mut writer = self.writer().await?;
                let mut tx = <$store>::begin(&mut writer).await?;
                for outcome in outcomes {
                    match outcome {
                        DeliveryOutcome::Attempted { attempt, number, retry_at } => {
                            sqlx::query($crate::store::sql::RECORD_ATTEMPT)
                                .bind(&attempt.id)
                                .bind(&attempt.event_id)
                                .bind(i64::from(*number))
                                .bind(&attempt.uri)
                                .bind(attempt.status.map(i64::from))
                                .bind(&attempt.error)
                                .bind(attempt.created_at)
                                .execute(&mut *tx)
                                .await?;
                            match retry_at {
                                Some(at) => sqlx::query($crate::store::sql::RETRY_DELIVERY)
                                    .bind(&attempt.event_id)
                                    .bind(claim)
                                    .bind(at),
                                None => sqlx::query($crate::store::sql::END_DELIVERY)
                                    .bind(&attempt.event_id)
                                    .bind(claim),
                            }
                            .execute(&mut *tx)
                            .await?;
                        }
                        DeliveryOutcome::Dropped { event_id } => {
                            sqlx::query($crate::store::sql::END_DELIVERY)
                                .bind(event_id)
                                .bind(claim)
                                .execute(&mut *tx)
                                .await?;
                        }
                    }
                }
                tx.commit().await?;
                <$store>::touch(&mut writer, $crate::store::Touched::Nothing);
                Ok(())
            }

            async fn webhooks_waiting(&self) -> StoreResult<u64> {
                let n: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM webhook_outbox")
                    .fetch_one(&self.pool)
                    .await?;
                Ok(n as u64)
            }

            fn pool_connections(&self) -> $crate::store::PoolConnections {
                $crate::store::PoolConnections {
                    open: self.pool.size(),
                    idle: self.pool.num_idle() as u32,
                }
            }

            async fn reset_test_mode(&self, account_id: &str) -> StoreResult<$crate::store::ResetCounts> {
                let mut writer = self.writer().await?;
                let mut tx = <$store>::begin(&mut writer).await?;
                let mut deleted = [0u64; $crate::store::sql::RESET.len()];
                for statement in <$store>::RESET_SEARCH {
                    sqlx::query(statement).bind(account_id).bind(false).execute(&mut *tx).await?;
                }
                for (n, statement) in deleted.iter_mut().zip($crate::store::sql::RESET) {
                    *n = sqlx::query(statement)
                        .bind(account_id)
                        .bind(false)
                        .execute(&mut *tx)
                        .await?
                        .rows_affected();
                }
                tx.commit().await?;
                <$store>::touch(&mut writer, $crate::store::Touched::Account { account_id: account_id.to_owned(), live: false });
                Ok($crate::store::sql::reset_counts(deleted))
            }

            async fn export_account(
                &self,
                account_id: &str,
                modes: &[Mode],
                sink: &mut (dyn FnMut($crate::store::ExportItem) -> std::io::Result<()> + Send),
            ) -> Result<$crate::store::records::TransferCounts, $crate::store::TransferError> {
                use futures_util::TryStreamExt;
                use $crate::store::records::{ExportItem, ModeRecord, TransferCounts, TransferError};
                use $crate::store::transfer as t;
                let mut conn = self.pool.acquire().await?;
                // One snapshot: rows written meanwhile are all in or all out.
                let mut tx = sqlx::Connection::begin_with(&mut *conn, <$store>::SNAPSHOT).await?;
                let account = sqlx::query(t::EXPORT_ACCOUNT)
                    .bind(account_id)
                    .fetch_optional(&mut *tx)
                    .await?;
                let Some(account) = account else {
                    return Err(TransferError::Refused(format!("no account {account_id}")));
                };
                sink(ExportItem::Account(t::account_record(&account)?))?;
                let mut counts = TransferCounts::default();
                let tables: [(&str, fn(&$row) -> StoreResult<ExportItem>); 5] = [
                    (t::EXPORT_LINKS, t::link_item),
                    (t::EXPORT_TOKENS, t::token_item),
                    (t::EXPORT_CHARGES, t::charge_item),
                    (t::EXPORT_REFUNDS, t::refund_item),
                    (t::EXPORT_EVENTS, t::event_item),
                ];
                for mode in modes {
                    let live = mode.is_live();
                    let settings = sqlx::query(t::EXPORT_SETTINGS)
                        .bind(account_id)
                        .bind(live)
                        .fetch_optional(&mut *tx)
                        .await?;
                    let counters = sqlx::query(t::EXPORT_COUNTERS)
                        .bind(account_id)
                        .bind(live)
                        .fetch_optional(&mut *tx)
                        .await?;
                    let head = ExportItem::Mode(ModeRecord {
                        livemode: live,
                        settings: settings.as_ref().map(t::settings_record).transpose()?,
                        counters: counters.as_ref().map(t::counters_record).transpose()?.unwrap_or_default(),
                    });
                    counts.add(&head);
                    sink(head)?;
                    for (sql, decode) in tables {
                        let mut rows = sqlx::query(sql).bind(account_id).bind(live).fetch(&mut *tx);
                        while let Some(row) = rows.try_next().await? {
                            let item = decode(&row)?;
                            counts.add(&item);
                            sink(item)?;
                        }
                    }
                }
                sink(ExportItem::End)?;
                tx.rollback().await?;
                Ok(counts)
            }

            async fn import_account(
                &self,
                account: &$crate::store::records::AccountRecord,
                keys: &[KeyRecord],
                now: Micros,
                items: &mut tokio::sync::mpsc::Receiver<Result<$crate::store::ExportItem, String>>,
            ) -> Result<$crate::store::ImportOutcome, $crate::store::TransferError> {
                use $crate::store::records::TransferError;
                use $crate::store::transfer::{self as t, ImportFailure};
                let mut writer = self.writer().await?;
                let mut tx = <$store>::begin(&mut writer).await?;
                for statement in <$store>::BULK_LOAD {
                    sqlx::query(statement).execute(&mut *tx).await?;
                }
                let failure = match Self::import_rows(&mut tx, account, keys, now, items).await {
                    Ok(outcome) => {
                        for statement in $crate::store::sql::RECOUNT_STATUSES {
                            sqlx::query(statement).bind(&account.id).execute(&mut *tx).await?;
                        }
                        tx.commit().await?;
                        return Ok(outcome);
                    }
                    Err(failure) => failure,
                };
                tx.rollback().await?;
                drop(writer);
                match failure {
                    ImportFailure::Transfer(e) => Err(e),
                    ImportFailure::Conflict { section, id, detail } => {
                        let exists = sqlx::query(&format!("SELECT 1 FROM {} WHERE id = $1", section.name()))
                            .bind(&id)
                            .fetch_optional(&self.pool)
                            .await?
                            .is_some();
                        Err(TransferError::Refused(t::conflict_message(section, &id, &detail, exists)))
                    }
                }
            }
        }
    };
}

pub(super) use impl_sql_store;

#[cfg(test)]
mod tests {
    use super::*;

    fn window(offset: u64, limit: u32, order: Order) -> ListWindow {
        ListWindow {
            limit,
            offset,
            order,
            from: 0,
            to: 0,
        }
    }

    #[test]
    fn page_ranges_in_both_orders() {
        let chrono = |o, l| page_range(11, 30, &window(o, l, Order::Chronological));
        assert_eq!(chrono(0, 20), Some((11, 30)));
        assert_eq!(chrono(5, 10), Some((16, 25)));
        assert_eq!(chrono(19, 10), Some((30, 30)));
        assert_eq!(chrono(20, 10), None);
        assert_eq!(chrono(u64::MAX, 10), None);
        let reverse = |o, l| page_range(11, 30, &window(o, l, Order::ReverseChronological));
        assert_eq!(reverse(0, 5), Some((26, 30)));
        assert_eq!(reverse(18, 5), Some((11, 12)));
        assert_eq!(reverse(20, 5), None);
    }
}
