//! The store: business-level operations over one database.
//!
//! `Store` is the only way the HTTP layer reaches data. It gathers one
//! trait per concern, each in its own file with its SQL (written once, with
//! `$N` placeholders both databases accept) and the glue that runs it:
//!
//! | file | trait | holds |
//! |---|---|---|
//! | `accounts.rs` | `AccountStore` | accounts, keys, settings |
//! | `links.rs` | `LinkStore` | links |
//! | `charges.rs` | `ChargeStore` | tokens, charges, payments |
//! | `refunds.rs` | `RefundStore` | refunds |
//! | `events.rs` | `EventStore` | events, webhook deliveries |
//! | `sessions.rs` | `SessionStore` | the dashboard's sessions |
//! | `overview.rs` | `OverviewStore` | the dashboard's sums |
//! | `search/` | `SearchStore` | search (`clause.rs`: a `Search` as SQL) |
//! | `transfer/` | `TransferStore` | export, import, reset |
//! | `status.rs` | `StoreStatus` | health, pool, how commits show |
//!
//! `rows.rs` decodes rows, `lists.rs` reads pages by sequence number, and
//! `dialect.rs` declares what each database must provide: `sqlite.rs` and
//! `postgres.rs` implement it, and `impl_store!` gives them every trait.

mod accounts;
mod charges;
mod dialect;
mod events;
mod links;
mod lists;
mod overview;
mod postgres;
pub mod records;
mod refunds;
mod rows;
mod search;
mod sessions;
mod sqlite;
mod status;
mod transfer;

pub use accounts::{AccountSettings, AccountStore, KeyKind, KeyRecord, Principal, SettingsChange};
pub use charges::{ChargeStore, Payment};
pub use events::{ClaimedDelivery, DeliveryOutcome, EventStore, WebhookState};
pub use links::{LinkStamp, LinkStore};
pub use overview::{DAY_MICROS, DayTotal, OverviewStore};
pub use postgres::PostgresStore;
pub use records::{ExportItem, ImportOutcome, TransferError};
pub use refunds::RefundStore;
pub use search::SearchStore;
pub use sessions::{NewSession, Session, SessionStore};
pub use sqlite::SqliteStore;
pub use status::{ChangeToken, PoolConnections, StoreStatus, Touched, Unaccounted};
pub use transfer::{ResetCounts, TransferStore};

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
    /// A SQLite database this process cannot write (500): which file, and
    /// why. Reads still work.
    #[error("cannot write the SQLite database {path}: {cause}")]
    ReadOnly { path: String, cause: String },
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

/// Every operation of a store: what `AppState` holds as `Arc<dyn Store>`.
pub trait Store:
    AccountStore
    + LinkStore
    + ChargeStore
    + RefundStore
    + EventStore
    + SearchStore
    + SessionStore
    + OverviewStore
    + TransferStore
    + StoreStatus
    + 'static
{
}

/// Implements every concern's trait for `$store` over the sqlx database
/// `$db`, from the SQL in each concern's file and the hooks of `$store`'s
/// `Dialect`.
macro_rules! impl_store {
    ($store:ty, $db:ty) => {
        $crate::store::status::impl_store_status!($store);
        $crate::store::lists::impl_list_glue!($store, $db);
        $crate::store::accounts::impl_account_store!($store, $db);
        $crate::store::links::impl_link_store!($store, $db);
        $crate::store::charges::impl_charge_store!($store, $db);
        $crate::store::refunds::impl_refund_store!($store, $db);
        $crate::store::events::impl_event_store!($store, $db);
        $crate::store::search::impl_search_store!($store, $db);
        $crate::store::sessions::impl_session_store!($store, $db);
        $crate::store::overview::impl_overview_store!($store, $db);
        $crate::store::transfer::impl_import_glue!($store, $db);
        $crate::store::transfer::impl_transfer_store!($store, $db);
        impl $crate::store::Store for $store {}
    };
}

use impl_store;

/// Why a store could not be opened.
#[derive(Debug, Error)]
pub enum OpenError {
    /// A URL of another scheme, shown with any password masked.
    #[error(
        "unsupported database URL {0:?}: paylink takes a sqlite: path (sqlite://PATH, \
         created if missing, or sqlite::memory:) or a postgres:// URL \
         (postgres://USER:PASSWORD@HOST:PORT/DB)"
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
        Err(OpenError::UnsupportedUrl(mask_password(url)))
    }
}

/// `url` as it may be printed: the password of `USER:PASSWORD@` and of a
/// `password=` query parameter replaced by `***`.
fn mask_password(url: &str) -> String {
    let mut shown = url.to_owned();
    if let Some(start) = url.find("://").map(|i| i + 3) {
        let rest = &url[start..];
        let authority = &rest[..rest.find(['/', '?', '#']).unwrap_or(rest.len())];
        if let Some(at) = authority.rfind('@') {
            if let Some(colon) = authority[..at].find(':') {
                shown = format!("{}***{}", &url[..start + colon + 1], &url[start + at..]);
            }
        }
    }
    if let Some(query) = shown.find('?') {
        let (head, tail) = shown.split_at(query + 1);
        let pairs: Vec<String> = tail
            .split('&')
            .map(|pair| match pair.split_once('=') {
                Some((key, _)) if key.eq_ignore_ascii_case("password") => format!("{key}=***"),
                _ => pair.to_owned(),
            })
            .collect();
        shown = format!("{head}{}", pairs.join("&"));
    }
    shown
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn passwords_are_masked() {
        for (url, shown) in [
            (
                "mysql://root:hunter2@db.example:3306/shop",
                "mysql://root:***@db.example:3306/shop",
            ),
            (
                "mysql://root@db.example/shop",
                "mysql://root@db.example/shop",
            ),
            ("mysql:", "mysql:"),
            ("redis://:s3cr%40t@cache/0", "redis://:***@cache/0"),
            (
                "mysql://u:p@w@h/db?password=x&ssl=1",
                "mysql://u:***@h/db?password=***&ssl=1",
            ),
            (
                "mariadb://h/db?user=u&Password=x",
                "mariadb://h/db?user=u&Password=***",
            ),
            ("http://example.com/a@b:c", "http://example.com/a@b:c"),
        ] {
            assert_eq!(mask_password(url), shown, "{url}");
        }
    }

    #[tokio::test]
    async fn an_unsupported_url_is_quoted_whole_with_what_is_supported() {
        let Err(e) = connect(
            "mysql://root:hunter2@localhost/shop",
            &PoolSettings::default(),
        )
        .await
        else {
            panic!("a mysql URL opened a store");
        };
        let message = e.to_string();
        assert!(
            message.starts_with(r#"unsupported database URL "mysql://root:***@localhost/shop""#),
            "{message}"
        );
        assert!(!message.contains("hunter2"), "{message}");
        assert!(
            message.contains("sqlite:") && message.contains("postgres://"),
            "{message}"
        );
    }
}
