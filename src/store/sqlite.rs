//! The embedded default: SQLite in WAL mode.
//!
//! SQLite has one writer at a time. Every write transaction starts with
//! `BEGIN IMMEDIATE`, so it takes the write lock up front and waits
//! (`busy_timeout`) instead of failing when a read would upgrade to a write.

use sqlx::sqlite::{
    SqliteConnectOptions, SqliteJournalMode, SqlitePool, SqlitePoolOptions, SqliteSynchronous,
};
use std::str::FromStr;
use std::time::Duration;

static MIGRATOR: sqlx::migrate::Migrator = sqlx::migrate!("./migrations/sqlite");

/// The SQLite store.
#[derive(Clone)]
pub struct SqliteStore {
    pool: SqlitePool,
}

impl SqliteStore {
    /// Opens (creating if missing) and migrates the database at `url`.
    pub async fn connect(
        url: &str,
        settings: &super::PoolSettings,
    ) -> Result<SqliteStore, super::OpenError> {
        let in_memory = url.contains(":memory:") || url.contains("mode=memory");
        let options = SqliteConnectOptions::from_str(url)?
            .create_if_missing(true)
            .foreign_keys(true)
            .busy_timeout(Duration::from_secs(10))
            .synchronous(SqliteSynchronous::Normal)
            .journal_mode(if in_memory {
                SqliteJournalMode::Memory
            } else {
                SqliteJournalMode::Wal
            });
        // Each connection to `:memory:` is a database of its own, so an
        // in-memory store keeps exactly one connection for its whole life.
        let pool = if in_memory {
            SqlitePoolOptions::new()
                .max_connections(1)
                .min_connections(1)
                .idle_timeout(None)
                .max_lifetime(None)
        } else {
            SqlitePoolOptions::new().max_connections(settings.max_connections.max(1))
        }
        .acquire_timeout(settings.acquire_timeout)
        .connect_with(options)
        .await?;
        MIGRATOR.run(&pool).await?;
        Ok(SqliteStore { pool })
    }

    /// SQLite's two-argument maximum.
    const GREATEST: &'static str = "MAX";

    /// A write transaction that holds SQLite's write lock from its start.
    async fn write(&self) -> super::StoreResult<sqlx::Transaction<'static, sqlx::Sqlite>> {
        Ok(self.pool.begin_with("BEGIN IMMEDIATE").await?)
    }
}

super::sql::impl_sql_store!(SqliteStore, sqlx::Sqlite);
