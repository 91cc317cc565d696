//! What the shared SQL needs from a database: each store implements
//! `Dialect`, and the compiler, not a comment, lists what SQLite and
//! PostgreSQL must provide for `impl_store!`.

use super::search::clause::Syntax;
use super::{ChangeToken, LinkStamp, Payment, Principal, StoreResult, Touched, Unaccounted};
use crate::domain::charge::{Charge, PayRefusal, Token};
use std::future::Future;
use std::ops::DerefMut;
use std::sync::Arc;

/// The hooks of one database.
pub(super) trait Dialect: Send + Sync + Sized + 'static {
    /// The sqlx database.
    type Db: sqlx::Database;
    /// The connection writes go through, held for a write's whole life.
    type Writer: DerefMut<Target = <Self::Db as sqlx::Database>::Connection> + Send;

    /// How a read transaction of one snapshot begins.
    const SNAPSHOT: &'static str;
    /// The SQL name of the two-argument maximum.
    const GREATEST: &'static str;
    /// What an import runs first, in its transaction.
    const BULK_LOAD: &'static [&'static str];
    /// What a reset runs first to take the mode's rows out of the search
    /// index (`$1` the account, `$2` the mode's `livemode`).
    const RESET_SEARCH: &'static [&'static str];
    /// An event, numbered and put in the outbox, in one round trip; see
    /// `events::RECORD_EVENT_SQLITE` for its binds.
    const RECORD_EVENT: &'static str;
    /// How a search is written.
    const SEARCH: Syntax;
    /// Moves queued rows into the search index, if it is written in
    /// batches.
    const INDEX_QUEUED: Option<&'static str>;
    /// How a claim of due deliveries passes over rows another claims.
    const SKIP_LOCKED: &'static str;

    /// The pool reads go through.
    fn pool(&self) -> &sqlx::Pool<Self::Db>;
    /// Told after each commit that wrote an event.
    fn event_signal(&self) -> &Arc<tokio::sync::Notify>;
    /// The change token (`StoreStatus::change_token`); by default none,
    /// and then nothing is cached by token.
    fn current_token(&self) -> Option<ChangeToken> {
        None
    }
    /// What this process's own commits touched (`StoreStatus::own_commits`).
    fn logged_commits(&self, from: u64, to: u64) -> Result<Vec<Touched>, Unaccounted> {
        let _ = (from, to);
        Err(Unaccounted::Unknown)
    }
    /// This process's turn to write.
    fn writer(&self) -> impl Future<Output = StoreResult<Self::Writer>> + Send;
    /// A write transaction on the writer.
    fn begin(
        writer: &mut Self::Writer,
    ) -> impl Future<Output = StoreResult<sqlx::Transaction<'_, Self::Db>>> + Send;
    /// Says what the write just committed changed (for the read cache).
    fn touch(writer: &mut Self::Writer, touched: Touched);
    /// Pays a link with a token, each database its own fastest way.
    fn pay(
        &self,
        payment: &Payment,
    ) -> impl Future<Output = StoreResult<Result<Charge, PayRefusal>>> + Send;
    /// Writes a token.
    fn add_token(&self, token: &Token) -> impl Future<Output = StoreResult<()>> + Send;
    /// A key's principal and, for a store without a change token, the
    /// link's stamp; see `AccountStore::principal_and_link_stamp`.
    fn principal_with_stamp(
        &self,
        key_hash: &str,
        link_id: &str,
    ) -> impl Future<Output = StoreResult<Option<(Principal, Option<LinkStamp>)>>> + Send;
}
