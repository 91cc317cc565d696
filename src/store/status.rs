//! What a store tells about itself rather than about objects: whether it
//! answers, its pool, and how its commits show (the read cache's ground).

use super::StoreResult;
use async_trait::async_trait;
use std::sync::Arc;

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

/// A pool's connections: open ones, and how many of them are idle.
#[derive(Debug, Default, Clone, Copy, PartialEq, Eq)]
pub struct PoolConnections {
    pub open: u32,
    pub idle: u32,
}

/// The store's health and its commits, as the read cache and the workers
/// see them; each database implements it in its own file.
#[async_trait]
pub trait StoreStatus: Send + Sync {
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

    /// The connection pool as it is now.
    fn pool_connections(&self) -> PoolConnections;
}

/// Implements `StoreStatus` for `$store` from its `Dialect`.
macro_rules! impl_store_status {
    ($store:ty) => {
        #[async_trait::async_trait]
        impl $crate::store::StoreStatus for $store {
            fn change_token(&self) -> Option<$crate::store::ChangeToken> {
                $crate::store::dialect::Dialect::current_token(self)
            }

            fn own_commits(
                &self,
                from: u64,
                to: u64,
            ) -> Result<Vec<$crate::store::Touched>, $crate::store::Unaccounted> {
                $crate::store::dialect::Dialect::logged_commits(self, from, to)
            }

            fn events_written(&self) -> std::sync::Arc<tokio::sync::Notify> {
                $crate::store::dialect::Dialect::event_signal(self).clone()
            }

            async fn ping(&self) -> $crate::store::StoreResult<()> {
                let pool = $crate::store::dialect::Dialect::pool(self);
                sqlx::query("SELECT 1").execute(pool).await?;
                Ok(())
            }

            fn pool_connections(&self) -> $crate::store::PoolConnections {
                let pool = $crate::store::dialect::Dialect::pool(self);
                $crate::store::PoolConnections {
                    open: pool.size(),
                    idle: pool.num_idle() as u32,
                }
            }
        }
    };
}

pub(in crate::store) use impl_store_status;
