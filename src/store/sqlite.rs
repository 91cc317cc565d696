//! The embedded default: SQLite in WAL mode.
//!
//! SQLite has one writer at a time. Every write transaction starts with
//! `BEGIN IMMEDIATE`, so it takes the write lock up front and waits
//! (`busy_timeout`) instead of failing when a read would upgrade to a write.
//! Within this process, writers first queue on an async mutex: SQLite's own
//! busy handler waits by sleeping whole milliseconds, which under many
//! concurrent payers would leave the database idle most of the time.

use super::ChangeToken;
use sqlx::sqlite::{
    SqliteConnectOptions, SqliteJournalMode, SqlitePool, SqlitePoolOptions, SqliteSynchronous,
};
use std::fs::File;
use std::str::FromStr;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Duration;
use tokio::sync::{Mutex, OwnedMutexGuard};

static MIGRATOR: sqlx::migrate::Migrator = sqlx::migrate!("./migrations/sqlite");

/// The SQLite store.
#[derive(Clone)]
pub struct SqliteStore {
    pool: SqlitePool,
    writer: Arc<Mutex<()>>,
    /// Write transactions finished by this process.
    writes: Arc<AtomicU64>,
    /// The `-shm` file of a WAL database: its first 96 bytes are the
    /// WAL-index header, which every commit by any process changes.
    wal_index: Option<Arc<File>>,
}

/// Held for a write transaction's life: one writer of this process at a
/// time, and the write is counted when it ends.
pub struct WriteGuard {
    _writer: OwnedMutexGuard<()>,
    writes: Arc<AtomicU64>,
}

impl Drop for WriteGuard {
    fn drop(&mut self) {
        self.writes.fetch_add(1, Ordering::SeqCst);
    }
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
        let filename = options.get_filename().to_owned();
        // Each connection to `:memory:` is a database of its own, so an
        // in-memory store keeps exactly one connection for its whole life.
        // A file store keeps its connections open too: while one is open,
        // SQLite never deletes the `-shm` file the change token reads.
        let max_connections = if in_memory {
            1
        } else {
            settings.max_connections.max(1)
        };
        let pool = SqlitePoolOptions::new()
            .max_connections(max_connections)
            .min_connections(1)
            .idle_timeout(None)
            .max_lifetime(None)
            .acquire_timeout(settings.acquire_timeout)
            .connect_with(options)
            .await?;
        MIGRATOR.run(&pool).await?;
        let wal_index = if in_memory {
            None
        } else {
            let mut shm = filename.into_os_string();
            shm.push("-shm");
            File::open(shm).ok().map(Arc::new)
        };
        Ok(SqliteStore {
            pool,
            writer: Arc::new(Mutex::new(())),
            writes: Arc::new(AtomicU64::new(0)),
            wal_index,
        })
    }

    /// The change token: this process's writes, plus for a file database
    /// the WAL-index header that commits of other processes change. An
    /// in-memory database has no other process.
    fn change_token(&self) -> Option<ChangeToken> {
        let mut shared = [0u8; 96];
        if let Some(file) = &self.wal_index {
            use std::os::unix::fs::FileExt;
            file.read_exact_at(&mut shared, 0).ok()?;
        }
        Some(ChangeToken {
            local: self.writes.load(Ordering::SeqCst),
            shared,
        })
    }

    /// SQLite's two-argument maximum.
    const GREATEST: &'static str = "MAX";

    /// This process's turn to write.
    async fn exclusive(&self) -> WriteGuard {
        WriteGuard {
            _writer: self.writer.clone().lock_owned().await,
            writes: self.writes.clone(),
        }
    }

    /// A write transaction that holds SQLite's write lock from its start.
    async fn write(
        &self,
    ) -> super::StoreResult<(WriteGuard, sqlx::Transaction<'static, sqlx::Sqlite>)> {
        let guard = self.exclusive().await;
        Ok((guard, self.pool.begin_with("BEGIN IMMEDIATE").await?))
    }
}

super::sql::impl_sql_store!(SqliteStore, sqlx::Sqlite);
