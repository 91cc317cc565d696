//! What both stores share for export and import: the SQL, row decoding
//! into records, and the checks an imported document must pass.

use crate::domain::card::FailureCode;
use crate::domain::charge::ChargeStatus;
use crate::domain::event::EventKey;
use crate::domain::money::Currency;
use crate::domain::{Kind, Micros, Mode, ObjectId};
use crate::store::StoreResult;
use crate::store::records::{
    AccountRecord, ChargeRecord, CounterRecord, CountersRecord, EventRecord, ExportItem,
    LinkRecord, RefundRecord, Section, SettingsRecord, TokenRecord, TransferError,
};
use crate::store::rows::Columns;

pub(in crate::store) const EXPORT_ACCOUNT: &str =
    "SELECT id, created_at, display_name FROM accounts WHERE id = $1";
pub(in crate::store) const EXPORT_SETTINGS: &str = "SELECT webhook_uri, api_version FROM account_settings \
     WHERE account_id = $1 AND livemode = $2";
pub(in crate::store) const EXPORT_COUNTERS: &str = "SELECT c.last_seq AS charges_seq, c.last_at AS charges_at, \
     e.last_seq AS events_seq, e.last_at AS events_at, \
     r.last_seq AS refunds_seq, r.last_at AS refunds_at \
     FROM charge_counters c \
     JOIN event_counters e ON e.account_id = c.account_id AND e.livemode = c.livemode \
     JOIN refund_counters r ON r.account_id = c.account_id AND r.livemode = c.livemode \
     WHERE c.account_id = $1 AND c.livemode = $2";

/// Links in the account's creation order (the global `seq`, not exported).
pub(in crate::store) const EXPORT_LINKS: &str = "SELECT id, amount, currency, title, description, multiple, \
     charge_count, used_at, deleted_at, created_at, pending_charge_id FROM links \
     WHERE account_id = $1 AND livemode = $2 ORDER BY seq";
/// Tokens have no numbering: time, then id, is a stable order.
pub(in crate::store) const EXPORT_TOKENS: &str = "SELECT id, card, outcome, used, created_at FROM tokens \
     WHERE account_id = $1 AND livemode = $2 ORDER BY created_at, id";
pub(in crate::store) const EXPORT_CHARGES: &str = "SELECT id, account_seq, link_id, link_seq, token_id, \
     amount, currency, description, status, failure_code, failure_message, card, ip, created_at, \
     refunded_amount, refund_count, authorize, authorize_expires_at, completed_at FROM charges \
     WHERE account_id = $1 AND livemode = $2 ORDER BY account_seq";
pub(in crate::store) const EXPORT_REFUNDS: &str = "SELECT id, account_seq, charge_id, charge_seq, amount, \
     currency, metadata, created_at FROM refunds \
     WHERE account_id = $1 AND livemode = $2 ORDER BY account_seq";
pub(in crate::store) const EXPORT_EVENTS: &str = "SELECT id, account_seq, key, charge_id, data, created_at \
     FROM events WHERE account_id = $1 AND livemode = $2 ORDER BY account_seq";

/// Binds: $1 account, $2 created_at, $3 display name.
pub(in crate::store) const IMPORT_ACCOUNT: &str =
    "INSERT INTO accounts (id, created_at, display_name) VALUES ($1, $2, $3)";
/// A new account's counters, at zero until its modes are read.
pub(in crate::store) const IMPORT_COUNTER_ROWS: [&str; 3] = [
    "INSERT INTO charge_counters (account_id, livemode) VALUES ($1, $2) ON CONFLICT DO NOTHING",
    "INSERT INTO event_counters (account_id, livemode) VALUES ($1, $2) ON CONFLICT DO NOTHING",
    "INSERT INTO refund_counters (account_id, livemode) VALUES ($1, $2) ON CONFLICT DO NOTHING",
];
/// Binds: $1 account, $2 livemode, $3 last_seq, $4 last_at, for the
/// charge, event and refund numberings in turn.
pub(in crate::store) const IMPORT_COUNTERS: [&str; 3] = [
    "UPDATE charge_counters SET last_seq = $3, last_at = $4 WHERE account_id = $1 AND livemode = $2",
    "UPDATE event_counters SET last_seq = $3, last_at = $4 WHERE account_id = $1 AND livemode = $2",
    "UPDATE refund_counters SET last_seq = $3, last_at = $4 WHERE account_id = $1 AND livemode = $2",
];
/// Keeps the account's webhook secret if it has one; a new one is made
/// otherwise (secrets are never exported). Binds: $1 account, $2 livemode,
/// $3 webhook_uri, $4 api_version, $5 a fresh secret.
pub(in crate::store) const IMPORT_SETTINGS: &str = "INSERT INTO account_settings \
     (account_id, livemode, webhook_uri, api_version, webhook_secret) VALUES ($1, $2, $3, $4, $5) \
     ON CONFLICT (account_id, livemode) DO UPDATE \
     SET webhook_uri = excluded.webhook_uri, api_version = excluded.api_version";
/// Whether the account already has rows of a mode in `{table}`.
pub(in crate::store) fn has_rows_sql(section: Section) -> String {
    format!(
        "SELECT EXISTS (SELECT 1 FROM {} WHERE account_id = $1 AND livemode = $2)",
        section.name()
    )
}

/// Binds: $1 account, $2 livemode, then the record's columns in order.
pub(in crate::store) const IMPORT_LINK: &str = "INSERT INTO links (account_id, livemode, id, amount, \
     currency, title, description, multiple, charge_count, used_at, deleted_at, created_at, \
     pending_charge_id) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13)";
pub(in crate::store) const IMPORT_TOKEN: &str = "INSERT INTO tokens (account_id, livemode, id, card, \
     outcome, used, created_at) VALUES ($1, $2, $3, $4, $5, $6, $7)";
/// Inserts nothing unless the charge's link and token are the account's
/// and mode's: a document never reaches into another account.
pub(in crate::store) const IMPORT_CHARGE: &str = "INSERT INTO charges (account_id, livemode, id, \
     account_seq, link_id, link_seq, token_id, amount, currency, description, status, \
     failure_code, failure_message, card, ip, created_at, refunded_amount, refund_count, \
     authorize, authorize_expires_at, completed_at) \
     SELECT $1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $17, $18, \
       $19, $20, $21 \
     WHERE EXISTS (SELECT 1 FROM links WHERE id = $5 AND account_id = $1 AND livemode = $2) \
       AND EXISTS (SELECT 1 FROM tokens WHERE id = $7 AND account_id = $1 AND livemode = $2)";
pub(in crate::store) const IMPORT_REFUND: &str = "INSERT INTO refunds (account_id, livemode, id, \
     account_seq, charge_id, charge_seq, amount, currency, metadata, created_at) \
     SELECT $1, $2, $3, $4, $5, $6, $7, $8, $9, $10 \
     WHERE EXISTS (SELECT 1 FROM charges WHERE id = $5 AND account_id = $1 AND livemode = $2)";
pub(in crate::store) const IMPORT_EVENT: &str = "INSERT INTO events (account_id, livemode, id, \
     account_seq, key, charge_id, data, created_at) \
     SELECT $1, $2, $3, $4, $5, $6, $7, $8 \
     WHERE $6 IS NULL \
       OR EXISTS (SELECT 1 FROM charges WHERE id = $6 AND account_id = $1 AND livemode = $2)";

/// After a mode's rows: a link whose `charge_count` is not its charges'
/// number, or whose charges are not numbered 1, 2, 3, …
pub(in crate::store) const LINK_COUNTS_WRONG: &str = "SELECT l.id FROM links l \
     LEFT JOIN (SELECT link_id, COUNT(*) AS n, MIN(link_seq) AS lo, MAX(link_seq) AS hi \
       FROM charges WHERE account_id = $1 AND livemode = $2 GROUP BY link_id) c \
       ON c.link_id = l.id \
     WHERE l.account_id = $1 AND l.livemode = $2 \
       AND (COALESCE(c.n, 0) <> l.charge_count OR c.lo <> 1 OR c.hi <> c.n) \
     ORDER BY l.id LIMIT 1";
/// The same for a charge's refunds, and what they add up to.
pub(in crate::store) const CHARGE_REFUNDS_WRONG: &str = "SELECT c.id FROM charges c \
     LEFT JOIN (SELECT charge_id, COUNT(*) AS n, MIN(charge_seq) AS lo, MAX(charge_seq) AS hi, \
         SUM(amount) AS total \
       FROM refunds WHERE account_id = $1 AND livemode = $2 GROUP BY charge_id) r \
       ON r.charge_id = c.id \
     WHERE c.account_id = $1 AND c.livemode = $2 \
       AND (COALESCE(r.n, 0) <> c.refund_count OR COALESCE(r.total, 0) <> c.refunded_amount \
         OR r.lo <> 1 OR r.hi <> r.n) \
     ORDER BY c.id LIMIT 1";
/// A link held by a payment in progress that is not its pending charge.
pub(in crate::store) const PENDING_WRONG: &str = "SELECT l.id FROM links l \
     WHERE l.account_id = $1 AND l.livemode = $2 AND l.pending_charge_id IS NOT NULL \
       AND NOT EXISTS (SELECT 1 FROM charges c WHERE c.id = l.pending_charge_id \
         AND c.link_id = l.id AND c.status = 'pending') \
     ORDER BY l.id LIMIT 1";

/// The checks above, with what each failure means.
pub(in crate::store) const MODE_CHECKS: [(&str, &str); 3] = [
    (
        LINK_COUNTS_WRONG,
        "its charge_count does not match its charges, or their link_seq is not 1, 2, 3, …",
    ),
    (
        CHARGE_REFUNDS_WRONG,
        "its refund_count or refunded_amount does not match its refunds, or their charge_seq is not 1, 2, 3, …",
    ),
    (
        PENDING_WRONG,
        "its pending_charge_id is not a pending charge of this link",
    ),
];

/// What a row with `id` of `section` is called in a message.
pub(in crate::store) fn noun(section: Section) -> &'static str {
    match section {
        Section::Links => "link",
        Section::Tokens => "token",
        Section::Charges => "charge",
        Section::Refunds => "refund",
        Section::Events => "event",
    }
}

pub(in crate::store) fn account_record(row: &impl Columns) -> StoreResult<AccountRecord> {
    Ok(AccountRecord {
        id: row.text("id")?,
        created_at: row.int("created_at")?,
        display_name: row.text_opt("display_name")?,
    })
}

pub(in crate::store) fn settings_record(row: &impl Columns) -> StoreResult<SettingsRecord> {
    Ok(SettingsRecord {
        webhook_uri: row.text_opt("webhook_uri")?,
        api_version: row.text("api_version")?,
    })
}

pub(in crate::store) fn counters_record(row: &impl Columns) -> StoreResult<CountersRecord> {
    let counter = |name: &str| -> StoreResult<CounterRecord> {
        Ok(CounterRecord {
            last_seq: row.int(&format!("{name}_seq"))?,
            last_at: row.int(&format!("{name}_at"))?,
        })
    };
    Ok(CountersRecord {
        charges: counter("charges")?,
        events: counter("events")?,
        refunds: counter("refunds")?,
    })
}

pub(in crate::store) fn link_item(row: &impl Columns) -> StoreResult<ExportItem> {
    Ok(ExportItem::Link(LinkRecord {
        id: row.text("id")?,
        amount: row.int("amount")?,
        currency: row.text("currency")?,
        title: row.text("title")?,
        description: row.text("description")?,
        multiple: row.flag("multiple")?,
        charge_count: row.int("charge_count")?,
        used_at: row.int_opt("used_at")?,
        deleted_at: row.int_opt("deleted_at")?,
        created_at: row.int("created_at")?,
        pending_charge_id: row.text_opt("pending_charge_id")?,
    }))
}

pub(in crate::store) fn token_item(row: &impl Columns) -> StoreResult<ExportItem> {
    Ok(ExportItem::Token(TokenRecord {
        id: row.text("id")?,
        card: row.text("card")?,
        outcome: row.text_opt("outcome")?,
        used: row.flag("used")?,
        created_at: row.int("created_at")?,
    }))
}

pub(in crate::store) fn charge_item(row: &impl Columns) -> StoreResult<ExportItem> {
    Ok(ExportItem::Charge(Box::new(ChargeRecord {
        id: row.text("id")?,
        account_seq: row.int("account_seq")?,
        link_id: row.text("link_id")?,
        link_seq: row.int("link_seq")?,
        token_id: row.text("token_id")?,
        amount: row.int("amount")?,
        currency: row.text("currency")?,
        description: row.text("description")?,
        status: row.text("status")?,
        failure_code: row.text_opt("failure_code")?,
        failure_message: row.text_opt("failure_message")?,
        card: row.text("card")?,
        ip: row.text_opt("ip")?,
        created_at: row.int("created_at")?,
        refunded_amount: row.int("refunded_amount")?,
        refund_count: row.int("refund_count")?,
        authorize: row.flag("authorize")?,
        authorize_expires_at: row.int_opt("authorize_expires_at")?,
        completed_at: row.int_opt("completed_at")?,
    })))
}

pub(in crate::store) fn refund_item(row: &impl Columns) -> StoreResult<ExportItem> {
    Ok(ExportItem::Refund(RefundRecord {
        id: row.text("id")?,
        account_seq: row.int("account_seq")?,
        charge_id: row.text("charge_id")?,
        charge_seq: row.int("charge_seq")?,
        amount: row.int("amount")?,
        currency: row.text("currency")?,
        metadata: row.text("metadata")?,
        created_at: row.int("created_at")?,
    }))
}

pub(in crate::store) fn event_item(row: &impl Columns) -> StoreResult<ExportItem> {
    Ok(ExportItem::Event(EventRecord {
        id: row.text("id")?,
        account_seq: row.int("account_seq")?,
        key: row.text("key")?,
        charge_id: row.text_opt("charge_id")?,
        data: row.text("data")?,
        created_at: row.int("created_at")?,
    }))
}

fn refused(message: String) -> TransferError {
    TransferError::Refused(message)
}

/// One numbering of a mode's rows as the document gives it: each row must
/// take the next number, and no row may be older than the one before it,
/// or pages and totals (differences of numbers) would read back wrong.
#[derive(Debug, Clone, Copy, Default)]
pub(in crate::store) struct Numbering {
    count: i64,
    last_at: Micros,
}

impl Numbering {
    pub(in crate::store) fn next(
        &mut self,
        section: Section,
        id: &str,
        seq: i64,
        at: Micros,
    ) -> Result<(), TransferError> {
        let what = noun(section);
        if seq != self.count + 1 {
            return Err(refused(format!(
                "{what} {id} has account_seq {seq} where {} was expected: a mode's {} are \
                 numbered 1, 2, 3, … in the order the document lists them",
                self.count + 1,
                section.name()
            )));
        }
        if at < self.last_at {
            return Err(refused(format!(
                "{what} {id} is older than the {what} numbered before it: a mode's {} must \
                 not go back in time",
                section.name()
            )));
        }
        self.count = seq;
        self.last_at = at;
        Ok(())
    }

    /// The document's counter must be where its rows left the numbering.
    pub(in crate::store) fn check_counter(
        &self,
        section: Section,
        mode: Mode,
        counter: &CounterRecord,
    ) -> Result<(), TransferError> {
        if counter.last_seq != self.count || counter.last_at < self.last_at {
            return Err(refused(format!(
                "counters.{} of {} mode says last_seq {} and last_at {}, but its {} end at \
                 number {} made at {}",
                section.name(),
                mode_name(mode),
                counter.last_seq,
                counter.last_at,
                section.name(),
                self.count,
                self.last_at
            )));
        }
        Ok(())
    }
}

pub(in crate::store) fn mode_name(mode: Mode) -> &'static str {
    match mode {
        Mode::Test => "test",
        Mode::Live => "live",
    }
}

/// An id of `kind` whose mode is the mode it is listed in.
pub(in crate::store) fn check_id(kind: Kind, id: &str, mode: Mode) -> Result<(), TransferError> {
    match ObjectId::parse(kind, id) {
        Some(parsed) if parsed.mode() == mode => Ok(()),
        Some(_) => Err(refused(format!(
            "{id} is listed in {} mode but its id is of the other mode",
            mode_name(mode)
        ))),
        None => Err(refused(format!("{id:?} is not a {} id", kind.prefix()))),
    }
}

fn check_currency(id: &str, currency: &str) -> Result<(), TransferError> {
    Currency::parse(currency)
        .map(drop)
        .map_err(|_| refused(format!("{id} has an unknown currency {currency:?}")))
}

fn check_json(id: &str, field: &str, text: &str) -> Result<(), TransferError> {
    serde_json::from_str::<serde_json::Value>(text)
        .map(drop)
        .map_err(|e| refused(format!("{id}: {field} is not JSON text ({e})")))
}

/// What can be checked of one row on its own, before it is written: ids
/// of the right kind and mode, values the API can read back.
pub(in crate::store) fn check_row(item: &ExportItem, mode: Mode) -> Result<(), TransferError> {
    match item {
        ExportItem::Link(link) => {
            check_id(Kind::Link, &link.id, mode)?;
            check_currency(&link.id, &link.currency)
        }
        ExportItem::Token(token) => {
            check_id(Kind::Token, &token.id, mode)?;
            check_json(&token.id, "card", &token.card)?;
            crate::store::rows::outcome_from_code(token.outcome.clone())
                .map(drop)
                .map_err(|_| refused(format!("{} has an unknown outcome", token.id)))
        }
        ExportItem::Charge(charge) => {
            check_id(Kind::Charge, &charge.id, mode)?;
            check_currency(&charge.id, &charge.currency)?;
            crate::store::rows::card_from_json(&charge.card)
                .map_err(|_| refused(format!("{}: card is not a stored card", charge.id)))?;
            let failure = match &charge.failure_code {
                Some(code) => Some(FailureCode::parse(code).ok_or_else(|| {
                    refused(format!(
                        "{} has an unknown failure_code {code:?}",
                        charge.id
                    ))
                })?),
                None => None,
            };
            ChargeStatus::parse(&charge.status, failure)
                .map(drop)
                .ok_or_else(|| {
                    refused(format!(
                        "{} has status {:?}, which does not fit its failure_code",
                        charge.id, charge.status
                    ))
                })
        }
        ExportItem::Refund(refund) => {
            check_id(Kind::Refund, &refund.id, mode)?;
            check_currency(&refund.id, &refund.currency)?;
            check_json(&refund.id, "metadata", &refund.metadata)
        }
        ExportItem::Event(event) => {
            check_id(Kind::Event, &event.id, mode)?;
            EventKey::parse(&event.key).ok_or_else(|| {
                refused(format!("{} has an unknown key {:?}", event.id, event.key))
            })?;
            check_json(&event.id, "data", &event.data)
        }
        ExportItem::Account(_) | ExportItem::Mode(_) | ExportItem::End => Ok(()),
    }
}

/// Why an insert failed: a unique key met an existing row. Which one is
/// worked out after the rollback (PostgreSQL answers nothing more in an
/// aborted transaction).
pub(in crate::store) fn is_conflict(e: &sqlx::Error) -> bool {
    e.as_database_error()
        .is_some_and(|db| db.is_unique_violation())
}

/// Why an import stopped, before its rollback.
pub(in crate::store) enum ImportFailure {
    Transfer(TransferError),
    /// A row's unique key is taken: by a row already in the database, or
    /// by an earlier row of the document.
    Conflict {
        section: Section,
        id: String,
        detail: String,
    },
}

impl From<TransferError> for ImportFailure {
    fn from(e: TransferError) -> Self {
        ImportFailure::Transfer(e)
    }
}

impl From<crate::store::StoreError> for ImportFailure {
    fn from(e: crate::store::StoreError) -> Self {
        ImportFailure::Transfer(e.into())
    }
}

impl From<sqlx::Error> for ImportFailure {
    fn from(e: sqlx::Error) -> Self {
        ImportFailure::Transfer(e.into())
    }
}

impl ImportFailure {
    /// The failure of inserting `id` into `section`'s table.
    pub(in crate::store) fn insert(section: Section, id: &str, e: sqlx::Error) -> ImportFailure {
        if is_conflict(&e) {
            ImportFailure::Conflict {
                section,
                id: id.to_owned(),
                detail: e.to_string(),
            }
        } else {
            ImportFailure::Transfer(e.into())
        }
    }
}

/// The message for a conflict, once it is known whether `id` is already
/// in the database.
pub(in crate::store) fn conflict_message(
    section: Section,
    id: &str,
    detail: &str,
    exists: bool,
) -> String {
    let what = noun(section);
    if exists {
        format!(
            "{what} {id} already exists in this database, in another account: ids are kept by \
             an import, so a document can be imported only into a database without them"
        )
    } else {
        format!("{what} {id} clashes with an earlier row of the document ({detail})")
    }
}

/// A mode being imported: its head, and where its rows have got to.
pub(in crate::store) struct ModeImport {
    pub head: crate::store::records::ModeRecord,
    pub section: Section,
    pub charges: Numbering,
    pub refunds: Numbering,
    pub events: Numbering,
}

impl ModeImport {
    pub(in crate::store) fn new(head: crate::store::records::ModeRecord) -> ModeImport {
        ModeImport {
            head,
            section: Section::Links,
            charges: Numbering::default(),
            refunds: Numbering::default(),
            events: Numbering::default(),
        }
    }

    pub(in crate::store) fn mode(&self) -> Mode {
        self.head.mode()
    }

    /// Checks a row's place: sections in order, numberings dense.
    pub(in crate::store) fn accept(&mut self, item: &ExportItem) -> Result<(), TransferError> {
        let Some(section) = item.section() else {
            return Ok(());
        };
        if section < self.section {
            return Err(refused(format!(
                "{} come after {} in a mode",
                section.name(),
                self.section.name()
            )));
        }
        self.section = section;
        check_row(item, self.mode())?;
        match item {
            ExportItem::Charge(c) => self
                .charges
                .next(section, &c.id, c.account_seq, c.created_at),
            ExportItem::Refund(r) => self
                .refunds
                .next(section, &r.id, r.account_seq, r.created_at),
            ExportItem::Event(e) => self
                .events
                .next(section, &e.id, e.account_seq, e.created_at),
            _ => Ok(()),
        }
    }

    /// The document's counters against the rows it listed.
    pub(in crate::store) fn check_counters(&self) -> Result<(), TransferError> {
        let (mode, counters) = (self.mode(), &self.head.counters);
        self.charges
            .check_counter(Section::Charges, mode, &counters.charges)?;
        self.refunds
            .check_counter(Section::Refunds, mode, &counters.refunds)?;
        self.events
            .check_counter(Section::Events, mode, &counters.events)
    }
}

/// `acct_` and a suffix of `[0-9a-z]`, as accounts are made.
pub(in crate::store) fn check_account_id(id: &str) -> Result<(), TransferError> {
    let valid = id.strip_prefix("acct_").is_some_and(|s| {
        !s.is_empty()
            && s.bytes()
                .all(|b| b.is_ascii_digit() || b.is_ascii_lowercase())
    });
    if valid {
        Ok(())
    } else {
        Err(refused(format!("{id:?} is not an account id")))
    }
}
