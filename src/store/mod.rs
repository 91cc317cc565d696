//! The store: business-level operations over one database.
//!
//! `Store` is the only way the HTTP layer reaches data. Each database has its
//! own implementation beside this file; both keep the same guarantees.

mod postgres;
pub mod records;
mod search;
mod sql;
mod sqlite;
mod transfer;

pub use postgres::PostgresStore;
pub use records::{ExportItem, ImportOutcome, TransferError};
pub use sqlite::SqliteStore;

use crate::domain::charge::{Charge, ChargeStatus, Completion, PayRefusal, Token};
use crate::domain::event::{Event, WebhookDelivery};
use crate::domain::link::Link;
use crate::domain::refund::{NewRefund, Refund, RefundRefusal};
use crate::domain::search::Search;
use crate::domain::{ListWindow, Micros, Mode, Page};
use async_trait::async_trait;
use std::sync::Arc;
use thiserror::Error;

/// What went wrong below the business rules.
#[derive(Debug, Error)]
pub enum StoreError {
    /// The database cannot be reached (503).
    #[error("database unavailable: {0}")]
    Unavailable(#[source] sqlx::Error),
    /// Anything else (500).
    #[error("database error: {0}")]
    Internal(#[source] sqlx::Error),
    /// Stored data that does not decode: a bug or a corrupted row.
    #[error("stored data is invalid: {0}")]
    Corrupt(String),
}

impl From<sqlx::Error> for StoreError {
    fn from(e: sqlx::Error) -> Self {
        if is_unavailable(&e) {
            StoreError::Unavailable(e)
        } else {
            StoreError::Internal(e)
        }
    }
}

/// Errors that mean the database cannot be reached now, not that a query is
/// wrong: a later retry may succeed.
fn is_unavailable(e: &sqlx::Error) -> bool {
    match e {
        sqlx::Error::PoolTimedOut
        | sqlx::Error::PoolClosed
        | sqlx::Error::Io(_)
        | sqlx::Error::Tls(_)
        | sqlx::Error::WorkerCrashed => true,
        // SQLSTATE class 08 (connection exception), 57P01-57P03 (the server
        // is shutting down or starting), 53300 (too many connections).
        sqlx::Error::Database(db) => db
            .code()
            .is_some_and(|c| c.starts_with("08") || c.starts_with("57P") || c == "53300"),
        _ => false,
    }
}

/// Connection pool settings, for either database.
#[derive(Debug, Clone)]
pub struct PoolSettings {
    /// Most connections open at once (an in-memory SQLite store keeps one).
    pub max_connections: u32,
    /// How long a request waits for a connection before answering 503.
    pub acquire_timeout: std::time::Duration,
}

impl Default for PoolSettings {
    fn default() -> Self {
        PoolSettings {
            max_connections: 8,
            acquire_timeout: std::time::Duration::from_secs(5),
        }
    }
}

pub type StoreResult<T> = Result<T, StoreError>;

/// The two kinds of key.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum KeyKind {
    Public,
    Secret,
}

impl KeyKind {
    pub fn as_str(self) -> &'static str {
        match self {
            KeyKind::Public => "public",
            KeyKind::Secret => "secret",
        }
    }
}

/// A key as stored: its hash, never the key.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct KeyRecord {
    pub hash: String,
    pub kind: KeyKind,
    pub mode: Mode,
}

/// Whom a request's key speaks for.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Principal {
    pub account_id: String,
    pub kind: KeyKind,
    pub mode: Mode,
}

/// A payment of a link with a token.
#[derive(Debug, Clone)]
pub struct Payment {
    pub charge_id: String,
    pub link_id: String,
    pub token_id: String,
    pub ip: Option<String>,
    pub now: Micros,
    /// How long a 3-D Secure charge may wait for the payer.
    pub authorize_timeout: Micros,
}

/// An account's settings for one mode.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AccountSettings {
    /// Where events are POSTed; `None`: they are not.
    pub webhook_uri: Option<String>,
    /// The secret that signs deliveries, base64 of 32 random bytes.
    pub webhook_secret: String,
    /// The secret before the last roll, still signed with until
    /// `previous_secret_until`.
    pub previous_webhook_secret: Option<String>,
    pub previous_secret_until: Option<Micros>,
    /// The API version event data is shown in.
    pub api_version: String,
}

/// A change to an account's settings for one mode; `None` leaves a field.
#[derive(Debug, Clone, Default)]
pub struct SettingsChange {
    /// `Some(None)` turns delivery off.
    pub webhook_uri: Option<Option<String>>,
    pub api_version: Option<String>,
    /// A new secret, and until when the old one still signs.
    pub roll_secret: Option<(String, Micros)>,
}

/// A due delivery this process has claimed: it alone attempts it until
/// `lease` ends.
#[derive(Debug, Clone)]
pub struct ClaimedDelivery {
    pub event: Event,
    /// This attempt's number, the first being 1.
    pub attempt: u32,
    /// The settings of the event's account and mode, as now.
    pub settings: Option<AccountSettings>,
    /// The attempts made before this one.
    pub previous: Vec<WebhookDelivery>,
}

/// How a claimed delivery ended this time.
#[derive(Debug, Clone)]
pub enum DeliveryOutcome {
    /// An attempt was made; it is retried at the time given, or its
    /// event's deliveries end if `None` (a 2xx, or the last attempt).
    Attempted {
        attempt: WebhookDelivery,
        number: u32,
        retry_at: Option<Micros>,
    },
    /// No attempt: delivery is off, or the attempts ran out. Ends it.
    Dropped { event_id: String },
}

/// A value that changes whenever anything is committed to the database, by
/// this process or any other, and costs no query to read. Whatever was read
/// from the database after a token was taken may be served again for as
/// long as the token stays equal: that is what makes caching safe.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ChangeToken {
    /// Counts commits: SQLite's WAL-index change counter, which every
    /// commit by any process moves on (or, for an in-memory database, this
    /// process's writes). A commit of this process that moved it on by
    /// exactly one is in the store's log of its own commits, with what it
    /// touched (`Store::own_commits`).
    pub version: u64,
    /// The database's own shared change marker (SQLite's WAL-index header).
    pub shared: [u8; 96],
}

/// What a commit of this process changed, as far as cached reads go.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Touched {
    /// Nothing a cached read shows: tokens, events, webhook bookkeeping,
    /// the search index, a new link (nothing cached names it yet).
    Nothing,
    /// These links: their objects and their charges.
    Links(Vec<String>),
    /// Every link of an account's mode.
    Account { account_id: String, live: bool },
    /// Anything at all: keys, accounts, or a write that did not say.
    Everything,
}

/// Why the commits between two versions cannot be accounted for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Unaccounted {
    /// The last of them is this process's write, committed and not logged
    /// yet: a reader serves nothing kept and changes nothing, and the next
    /// one will find it logged.
    InFlight,
    /// Another process committed, or the log has forgotten: a reader must
    /// assume anything changed.
    Unknown,
}

/// The business operations; see `sql.rs` for the SQL behind each.
#[async_trait]
pub trait Store: Send + Sync + 'static {
    /// The current change token; `None` when the database gives no cheap
    /// signal of other processes' commits, and then nothing may be cached.
    fn change_token(&self) -> Option<ChangeToken>;

    /// What this process's own commits from `from` to `to` (versions of
    /// `ChangeToken`) touched, in order, when every commit in between is
    /// one of them and known.
    fn own_commits(&self, from: u64, to: u64) -> Result<Vec<Touched>, Unaccounted> {
        let _ = (from, to);
        Err(Unaccounted::Unknown)
    }

    /// Notified after this process commits a change that wrote an event,
    /// so the webhook worker need not wait for its next poll.
    fn events_written(&self) -> Arc<tokio::sync::Notify>;

    /// Succeeds when the database answers.
    async fn ping(&self) -> StoreResult<()>;

    async fn account_count(&self) -> StoreResult<u64>;
    async fn create_account(&self, id: &str, keys: &[KeyRecord], now: Micros) -> StoreResult<()>;
    /// Replaces every key of the account; false when there is no such account.
    async fn replace_keys(
        &self,
        account_id: &str,
        keys: &[KeyRecord],
        now: Micros,
    ) -> StoreResult<bool>;
    async fn principal(&self, key_hash: &str) -> StoreResult<Option<Principal>>;

    async fn insert_link(&self, link: &Link) -> StoreResult<()>;
    /// A link the principal's account and mode can see.
    async fn link(&self, account_id: &str, mode: Mode, id: &str) -> StoreResult<Option<Link>>;
    /// The principal of a key, and, for a store without a change token,
    /// the stamp of the link `link_id` as that principal sees it (its
    /// account and mode): a value that changes with every commit that
    /// changes the link or any of its charges. Both are read in one
    /// statement, so that an answer about the link can be kept and checked
    /// with one round trip instead of read again. The stamp is `None` for
    /// no such link, or a store that does not stamp (it has a change token
    /// instead).
    async fn principal_and_link_stamp(
        &self,
        key_hash: &str,
        link_id: &str,
    ) -> StoreResult<Option<(Principal, Option<crate::api::cache::LinkStamp>)>>;
    /// Any account's link by id, for the public payment page.
    async fn link_by_id(&self, id: &str) -> StoreResult<Option<Link>>;
    /// Links that are not deleted, in the window.
    async fn links_page(
        &self,
        account_id: &str,
        mode: Mode,
        window: &ListWindow,
    ) -> StoreResult<Page<Link>>;
    /// Marks the link deleted (once); `None` when it is not visible.
    async fn delete_link(
        &self,
        account_id: &str,
        mode: Mode,
        id: &str,
        now: Micros,
    ) -> StoreResult<Option<Link>>;

    async fn insert_token(&self, token: &Token) -> StoreResult<()>;
    async fn token(&self, account_id: &str, mode: Mode, id: &str) -> StoreResult<Option<Token>>;

    /// Charges the link with the token in one transaction: a single-use link
    /// takes one successful charge ever, a token one charge ever.
    async fn pay_link(&self, payment: &Payment) -> StoreResult<Result<Charge, PayRefusal>>;
    async fn charge(&self, account_id: &str, mode: Mode, id: &str) -> StoreResult<Option<Charge>>;
    /// Any account's charge, for the payment page's outcome.
    async fn charge_by_id(&self, id: &str) -> StoreResult<Option<Charge>>;
    async fn link_charges(&self, link_id: &str, window: &ListWindow) -> StoreResult<Page<Charge>>;
    /// One page of charges for each link, in the same window, read over
    /// one connection (a page of links embeds each link's charges).
    async fn links_charges(
        &self,
        link_ids: &[&str],
        window: &ListWindow,
    ) -> StoreResult<Vec<Page<Charge>>>;
    async fn account_charges(
        &self,
        account_id: &str,
        mode: Mode,
        window: &ListWindow,
    ) -> StoreResult<Page<Charge>>;

    /// The name payers see: the display name, or else the account id;
    /// `None` if there is no such account.
    async fn account_display_name(&self, account_id: &str) -> StoreResult<Option<String>>;
    /// Sets the display name; false if there is no such account.
    async fn set_display_name(&self, account_id: &str, name: &str) -> StoreResult<bool>;

    /// Ends a pending charge as `completion` says, in one transaction with
    /// its link and its `charge.complete` event. `None` if there is no such
    /// charge; `Err` with its status if it is not pending.
    async fn complete_charge(
        &self,
        id: &str,
        completion: Completion,
        now: Micros,
    ) -> StoreResult<Option<Result<Charge, ChargeStatus>>>;
    /// Moves rows written since the last call into the search indexes (on
    /// SQLite, whose full-text index is written in batches); nothing to do
    /// on PostgreSQL. Searches see every row either way.
    async fn index_search_queue(&self) -> StoreResult<()>;

    /// Pending charges whose time to authenticate is over, oldest first.
    async fn pending_charges_due(&self, now: Micros, limit: u32) -> StoreResult<Vec<String>>;

    /// Refunds part or all of a successful charge, in one transaction:
    /// refunds racing for what is left cannot together exceed the charge.
    async fn create_refund(&self, refund: &NewRefund)
    -> StoreResult<Result<Refund, RefundRefusal>>;
    /// A refund of this charge that the account and mode can see.
    async fn refund(
        &self,
        account_id: &str,
        mode: Mode,
        charge_id: &str,
        id: &str,
    ) -> StoreResult<Option<Refund>>;
    /// A charge's refunds (the caller has checked it is visible).
    async fn charge_refunds(
        &self,
        charge_id: &str,
        window: &ListWindow,
    ) -> StoreResult<Page<Refund>>;
    async fn account_refunds(
        &self,
        account_id: &str,
        mode: Mode,
        window: &ListWindow,
    ) -> StoreResult<Page<Refund>>;

    /// Links of the account and mode that the search finds: one page, and
    /// how many there are in all.
    async fn search_links(
        &self,
        account_id: &str,
        mode: Mode,
        search: &Search,
    ) -> StoreResult<(Vec<Link>, u64)>;
    /// The same for charges.
    async fn search_charges(
        &self,
        account_id: &str,
        mode: Mode,
        search: &Search,
    ) -> StoreResult<(Vec<Charge>, u64)>;

    /// When the account was created; `None` if there is no such account.
    async fn account_created_at(&self, account_id: &str) -> StoreResult<Option<Micros>>;
    async fn account_settings(
        &self,
        account_id: &str,
        mode: Mode,
    ) -> StoreResult<Option<AccountSettings>>;
    /// Applies `change`, first making the settings with `fresh_secret` if
    /// the account has none for this mode; `None` if there is no account.
    async fn change_settings(
        &self,
        account_id: &str,
        mode: Mode,
        change: &SettingsChange,
        fresh_secret: &str,
    ) -> StoreResult<Option<AccountSettings>>;

    async fn events_page(
        &self,
        account_id: &str,
        mode: Mode,
        window: &ListWindow,
    ) -> StoreResult<Page<Event>>;
    async fn event(&self, account_id: &str, mode: Mode, id: &str) -> StoreResult<Option<Event>>;
    /// The events of one charge (the caller has checked it is visible).
    async fn charge_events(&self, charge_id: &str, window: &ListWindow)
    -> StoreResult<Page<Event>>;
    /// Each event's delivery attempts, oldest first.
    async fn webhook_deliveries(
        &self,
        event_ids: &[&str],
    ) -> StoreResult<Vec<Vec<WebhookDelivery>>>;

    /// Claims up to `limit` deliveries due at `now` under `claim`, each
    /// until `lease_until`; no other claimant gets them meanwhile.
    async fn claim_deliveries(
        &self,
        now: Micros,
        lease_until: Micros,
        claim: &str,
        limit: u32,
    ) -> StoreResult<Vec<ClaimedDelivery>>;
    /// Records how deliveries claimed under `claim` ended, all in one
    /// transaction; a row whose lease another claimant took is left to it.
    async fn finish_deliveries(&self, claim: &str, outcomes: &[DeliveryOutcome])
    -> StoreResult<()>;

    /// Events whose webhook is still to be sent (due or waiting to retry).
    async fn webhooks_waiting(&self) -> StoreResult<u64>;

    /// The connection pool as it is now.
    fn pool_connections(&self) -> PoolConnections;

    /// Deletes an account's test-mode links, charges, tokens, events and
    /// refunds (and what hangs off them) in one transaction, and restarts
    /// its test-mode sequences; live mode, settings and keys stay.
    async fn reset_test_mode(&self, account_id: &str) -> StoreResult<ResetCounts>;

    /// Hands the account's rows of `modes` to `sink` in document order
    /// (see `ExportItem`), from one consistent snapshot and one row at a
    /// time: nothing is collected, whatever the account's size. Keys,
    /// webhook secrets, the outbox and delivery attempts are not exported.
    async fn export_account(
        &self,
        account_id: &str,
        modes: &[Mode],
        sink: &mut (dyn FnMut(ExportItem) -> std::io::Result<()> + Send),
    ) -> Result<records::TransferCounts, TransferError>;

    /// Writes the items that follow `account` in a document, as `items`
    /// yields them, in one transaction committed only at `ExportItem::End`:
    /// an error in the document (an `Err` from `items`) or in its rows
    /// changes nothing. A missing account is made with `keys`; an existing
    /// one must have no rows in the document's modes.
    async fn import_account(
        &self,
        account: &records::AccountRecord,
        keys: &[KeyRecord],
        now: Micros,
        items: &mut tokio::sync::mpsc::Receiver<Result<ExportItem, String>>,
    ) -> Result<ImportOutcome, TransferError>;
}

/// What a reset deleted.
#[derive(Debug, Default, Clone, Copy, PartialEq, Eq, serde::Serialize)]
pub struct ResetCounts {
    pub links: u64,
    pub charges: u64,
    pub tokens: u64,
    pub events: u64,
    pub refunds: u64,
}

/// A pool's connections: open ones, and how many of them are idle.
#[derive(Debug, Default, Clone, Copy, PartialEq, Eq)]
pub struct PoolConnections {
    pub open: u32,
    pub idle: u32,
}

/// Why a store could not be opened.
#[derive(Debug, Error)]
pub enum OpenError {
    #[error(
        "unsupported database URL {0:?}: use sqlite://PATH, sqlite::memory: or postgres://USER@HOST:PORT/DB"
    )]
    UnsupportedUrl(String),
    #[error(
        "{0:?} names no file: write sqlite://PATH (for example sqlite://paylink.db), or sqlite::memory: for a throwaway database"
    )]
    NoSqlitePath(String),
    #[error("database URL {0:?} has no scheme: did you mean sqlite://{0}?")]
    BarePath(String),
    #[error("cannot open the database: {0}")]
    Open(#[from] sqlx::Error),
    /// A SQLite file that cannot be opened: its path and the likely cause.
    #[error("cannot open the SQLite database {path}: {cause}")]
    Sqlite { path: String, cause: String },
    /// A PostgreSQL server that does not answer: where, and why.
    #[error("cannot connect to PostgreSQL at {at}: {cause}")]
    Postgres { at: String, cause: String },
    #[error("cannot migrate the database: {0}")]
    Migrate(#[from] sqlx::migrate::MigrateError),
}

/// Opens the store a database URL names, creating and migrating it. Only
/// the two schemes below are accepted: never a silent fallback.
pub async fn connect(url: &str, settings: &PoolSettings) -> Result<Arc<dyn Store>, OpenError> {
    if matches!(url.trim(), "sqlite:" | "sqlite://" | "sqlite:///") {
        return Err(OpenError::NoSqlitePath(url.to_owned()));
    }
    if url.starts_with("sqlite:") {
        Ok(Arc::new(SqliteStore::connect(url, settings).await?))
    } else if url.starts_with("postgres://") || url.starts_with("postgresql://") {
        Ok(Arc::new(PostgresStore::connect(url, settings).await?))
    } else if !url.contains(':') {
        // A bare path: the user most likely meant a SQLite file.
        Err(OpenError::BarePath(url.to_owned()))
    } else {
        let scheme = url.split(':').next().unwrap_or_default();
        Err(OpenError::UnsupportedUrl(format!("{scheme}:")))
    }
}
