//! The dashboard's sessions: made at sign-in, read on every dashboard
//! request, ended at sign-out, after a time without use, or when the key
//! that made them is rolled. Only a token's hash is kept.

use super::StoreResult;
use crate::domain::{Micros, Mode};
use async_trait::async_trait;

/// A session as a sign-in makes it.
#[derive(Debug, Clone)]
pub struct NewSession {
    /// The hash of the cookie's token.
    pub token_hash: String,
    pub account_id: String,
    pub mode: Mode,
    /// The hash of the secret key that signed in.
    pub key_hash: String,
    /// The token the session's forms carry.
    pub csrf: String,
    pub now: Micros,
}

/// A live session: whom it speaks for.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Session {
    pub account_id: String,
    pub mode: Mode,
    pub csrf: String,
    pub last_seen_at: Micros,
}

/// A session is seen again at most this often, so that reading pages does
/// not write on every request.
pub const SEEN_EVERY_MICROS: Micros = 60 * 1_000_000;

pub(in crate::store) const INSERT_SESSION: &str = "INSERT INTO dashboard_sessions \
     (token_hash, account_id, livemode, key_hash, csrf, created_at, last_seen_at) \
     VALUES ($1, $2, $3, $4, $5, $6, $6)";
/// Sessions idle since before `$1`: gone.
pub(in crate::store) const DELETE_IDLE: &str =
    "DELETE FROM dashboard_sessions WHERE last_seen_at < $1";
/// A session (`$1`, its token's hash) seen since `$2`, whose key is still
/// the account's.
pub(in crate::store) const SESSION: &str = "SELECT s.account_id, s.livemode, s.csrf, s.last_seen_at \
     FROM dashboard_sessions s JOIN api_keys k ON k.key_hash = s.key_hash \
     WHERE s.token_hash = $1 AND s.last_seen_at >= $2";
pub(in crate::store) const SEEN: &str =
    "UPDATE dashboard_sessions SET last_seen_at = $2 WHERE token_hash = $1 AND last_seen_at < $2";
pub(in crate::store) const DELETE_SESSION: &str =
    "DELETE FROM dashboard_sessions WHERE token_hash = $1";

/// The dashboard's sessions.
#[async_trait]
pub trait SessionStore: Send + Sync {
    /// Keeps a new session, and forgets sessions idle since before
    /// `idle_since`.
    async fn create_session(&self, session: &NewSession, idle_since: Micros) -> StoreResult<()>;

    /// The session of a token's hash, if it was seen since `idle_since` and
    /// its key was not rolled; marks it seen at `now` (at most once a
    /// minute).
    async fn session(
        &self,
        token_hash: &str,
        idle_since: Micros,
        now: Micros,
    ) -> StoreResult<Option<Session>>;

    /// Ends a session, for every process.
    async fn end_session(&self, token_hash: &str) -> StoreResult<()>;
}

/// Implements `SessionStore` for `$store` over the sqlx database `$db`.
macro_rules! impl_session_store {
    ($store:ty, $db:ty) => {
        const _: () = {
            use sqlx::Row;
            use $crate::domain::{Micros, Mode};
            use $crate::store::StoreResult;
            use $crate::store::dialect::Dialect as _;
            use $crate::store::sessions::{self, NewSession, Session};

            #[async_trait::async_trait]
            impl $crate::store::SessionStore for $store {
                async fn create_session(
                    &self,
                    session: &NewSession,
                    idle_since: Micros,
                ) -> StoreResult<()> {
                    let mut writer = self.writer().await?;
                    let mut tx = Self::begin(&mut writer).await?;
                    sqlx::query(sessions::DELETE_IDLE)
                        .bind(idle_since)
                        .execute(&mut *tx)
                        .await?;
                    sqlx::query(sessions::INSERT_SESSION)
                        .bind(&session.token_hash)
                        .bind(&session.account_id)
                        .bind(session.mode.is_live())
                        .bind(&session.key_hash)
                        .bind(&session.csrf)
                        .bind(session.now)
                        .execute(&mut *tx)
                        .await?;
                    tx.commit().await?;
                    Ok(())
                }

                async fn session(
                    &self,
                    token_hash: &str,
                    idle_since: Micros,
                    now: Micros,
                ) -> StoreResult<Option<Session>> {
                    let row = sqlx::query(sessions::SESSION)
                        .bind(token_hash)
                        .bind(idle_since)
                        .fetch_optional(self.pool())
                        .await?;
                    let Some(row) = row else { return Ok(None) };
                    let session = Session {
                        account_id: row.try_get("account_id")?,
                        mode: Mode::from_live(row.try_get("livemode")?),
                        csrf: row.try_get("csrf")?,
                        last_seen_at: row.try_get("last_seen_at")?,
                    };
                    if now - session.last_seen_at >= sessions::SEEN_EVERY_MICROS {
                        let mut writer = self.writer().await?;
                        sqlx::query(sessions::SEEN)
                            .bind(token_hash)
                            .bind(now)
                            .execute(&mut *writer)
                            .await?;
                    }
                    Ok(Some(session))
                }

                async fn end_session(&self, token_hash: &str) -> StoreResult<()> {
                    let mut writer = self.writer().await?;
                    sqlx::query(sessions::DELETE_SESSION)
                        .bind(token_hash)
                        .execute(&mut *writer)
                        .await?;
                    Ok(())
                }
            }
        };
    };
}
pub(in crate::store) use impl_session_store;
