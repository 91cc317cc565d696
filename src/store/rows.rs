//! Stored rows as domain objects, for both databases: one decoder
//! (`Columns`) reads a database row or the JSON copy an event keeps of
//! one, and the snapshots write those copies.

use super::{StoreError, StoreResult};
use crate::domain::Mode;
use crate::domain::card::{FailureCode, Outcome};
use crate::domain::charge::{Charge, ChargeStatus, StoredCard};
use crate::domain::event::{Event, EventData, EventKey, WebhookDelivery};
use crate::domain::link::Link;
use crate::domain::money::Currency;
use crate::domain::refund::Refund;
use serde_json::{Map, Value, json};

// The columns each object is read from, as macros so that whole
// statements can be `concat!`ed into named constants, and as constants.

macro_rules! link_columns {
    () => {
        "id, account_id, livemode, amount, currency, title, description, multiple, used_at, \
         deleted_at, created_at, pending_charge_id"
    };
}

pub(in crate::store) use link_columns;
pub(in crate::store) const LINK_COLUMNS: &str = link_columns!();

macro_rules! charge_columns {
    () => {
        "id, account_id, livemode, link_id, amount, currency, description, failure_code, card, \
         ip, created_at, refunded_amount, refund_count, status, authorize, authorize_expires_at, \
         completed_at, failure_message"
    };
}

pub(in crate::store) use charge_columns;
pub(in crate::store) const CHARGE_COLUMNS: &str = charge_columns!();

macro_rules! refund_columns {
    () => {
        "id, account_id, livemode, charge_id, amount, currency, metadata, created_at"
    };
}

pub(in crate::store) use refund_columns;
pub(in crate::store) const REFUND_COLUMNS: &str = refund_columns!();

macro_rules! event_columns {
    () => {
        "id, account_id, livemode, key, data, created_at"
    };
}

pub(in crate::store) use event_columns;
pub(in crate::store) const EVENT_COLUMNS: &str = event_columns!();

macro_rules! delivery_columns {
    () => {
        "id, event_id, uri, status, error, created_at, duration_micros, response_body"
    };
}

pub(in crate::store) const DELIVERY_COLUMNS: &str = delivery_columns!();

macro_rules! settings_columns {
    () => {
        "webhook_uri, webhook_secret, previous_webhook_secret, previous_secret_until, \
         api_version"
    };
}

pub(in crate::store) use settings_columns;

/// A key's kind as stored.
pub fn key_kind(kind: &str) -> StoreResult<crate::store::KeyKind> {
    match kind {
        "public" => Ok(crate::store::KeyKind::Public),
        "secret" => Ok(crate::store::KeyKind::Secret),
        _ => Err(corrupt("key kind")),
    }
}

pub(in crate::store) fn corrupt(what: &str) -> StoreError {
    StoreError::Corrupt(what.to_owned())
}

/// Named columns of a stored record: a database row, or the JSON object an
/// event keeps of the row as it was. One decoder serves both.
pub(in crate::store) trait Columns {
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

pub(in crate::store) fn link_from(row: &impl Columns) -> StoreResult<Link> {
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

pub(in crate::store) fn charge_from(row: &impl Columns) -> StoreResult<Charge> {
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

pub(in crate::store) fn refund_from(row: &impl Columns) -> StoreResult<Refund> {
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
pub(in crate::store) fn refund_snapshot(refund: &Refund) -> String {
    json!({
        "id": refund.id, "account_id": refund.account_id, "livemode": refund.mode.is_live(),
        "charge_id": refund.charge_id, "amount": refund.amount,
        "currency": refund.currency.code(), "metadata": refund.metadata,
        "created_at": refund.created_at,
    })
    .to_string()
}

/// The link's columns as an event keeps them (see `link_from`).
pub(in crate::store) fn link_snapshot(link: &Link) -> String {
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
pub(in crate::store) fn charge_snapshot(charge: &Charge) -> StoreResult<String> {
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
pub(in crate::store) fn charge_snapshot_sql(json_fn: &str) -> String {
    format!(
        "{json_fn}('id', c.id, 'account_id', c.account_id, 'livemode', c.livemode, \
         'link_id', c.link_id, 'amount', c.amount, 'currency', c.currency, \
         'description', c.description, 'failure_code', c.failure_code, 'card', c.card, \
         'ip', c.ip, 'created_at', c.created_at, 'status', c.status, 'authorize', c.authorize, \
         'authorize_expires_at', c.authorize_expires_at)"
    )
}

pub(in crate::store) fn event_from(row: &impl Columns) -> StoreResult<Event> {
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

pub(in crate::store) fn delivery_from(row: &impl Columns) -> StoreResult<WebhookDelivery> {
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
        duration_micros: row.int_opt("duration_micros")?,
        response_body: row.text_opt("response_body")?,
    })
}

pub(in crate::store) fn settings_from(row: &impl Columns) -> StoreResult<super::AccountSettings> {
    Ok(super::AccountSettings {
        webhook_uri: row.text_opt("webhook_uri")?,
        webhook_secret: row.text("webhook_secret")?,
        previous_webhook_secret: row.text_opt("previous_webhook_secret")?,
        previous_secret_until: row.int_opt("previous_secret_until")?,
        api_version: row.text("api_version")?,
    })
}

pub(in crate::store) fn card_from_json(json: &str) -> StoreResult<StoredCard> {
    serde_json::from_str(json).map_err(|_| corrupt("card"))
}

/// A token's stored outcome for a 3-D Secure card.
pub(in crate::store) const AUTHENTICATE: &str = "authentication_required";

pub(in crate::store) fn outcome_from_code(code: Option<String>) -> StoreResult<Outcome> {
    match code {
        None => Ok(Outcome::Success),
        Some(code) if code == AUTHENTICATE => Ok(Outcome::Authenticate),
        Some(code) => FailureCode::parse(&code)
            .map(Outcome::Decline)
            .ok_or_else(|| corrupt("failure code")),
    }
}

/// The charge a payment of `link` made, as both ways of paying return it.
pub(in crate::store) fn paid_charge(
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
pub(in crate::store) fn mode_of(charge_id: &str) -> Mode {
    crate::domain::id::ObjectId::parse(crate::domain::id::Kind::Charge, charge_id)
        .map_or(Mode::Test, |id| id.mode())
}

pub(in crate::store) fn outcome_code(outcome: Outcome) -> Option<&'static str> {
    match outcome {
        Outcome::Success => None,
        Outcome::Decline(code) => Some(code.code()),
        Outcome::Authenticate => Some(AUTHENTICATE),
    }
}

/// A token's row.
pub(in crate::store) fn token_from(
    row: &impl Columns,
) -> StoreResult<crate::domain::charge::Token> {
    Ok(crate::domain::charge::Token {
        id: row.text("id")?,
        account_id: row.text("account_id")?,
        mode: Mode::from_live(row.flag("livemode")?),
        card: card_from_json(&row.text("card")?)?,
        outcome: outcome_from_code(row.text_opt("outcome")?)?,
        used: row.flag("used")?,
        created_at: row.int("created_at")?,
    })
}

/// Database rows read by column name, as `Columns` asks.
macro_rules! row_columns {
    ($row:ty) => {
        impl Columns for $row {
            fn text(&self, name: &str) -> StoreResult<String> {
                Ok(sqlx::Row::try_get(self, name)?)
            }
            fn text_opt(&self, name: &str) -> StoreResult<Option<String>> {
                Ok(sqlx::Row::try_get(self, name)?)
            }
            fn int(&self, name: &str) -> StoreResult<i64> {
                Ok(sqlx::Row::try_get(self, name)?)
            }
            fn int_opt(&self, name: &str) -> StoreResult<Option<i64>> {
                Ok(sqlx::Row::try_get(self, name)?)
            }
            fn flag(&self, name: &str) -> StoreResult<bool> {
                Ok(sqlx::Row::try_get(self, name)?)
            }
        }
    };
}

row_columns!(sqlx::sqlite::SqliteRow);
row_columns!(sqlx::postgres::PgRow);
