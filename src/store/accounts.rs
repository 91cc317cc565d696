//! Accounts, their keys and their settings for each mode.

use super::rows::settings_columns;
use super::{LinkStamp, StoreResult};
use crate::domain::{Micros, Mode};
use async_trait::async_trait;

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

pub(in crate::store) const INSERT_KEY: &str = "INSERT INTO api_keys (key_hash, account_id, kind, livemode, created_at) \
     VALUES ($1, $2, $3, $4, $5)";

pub(in crate::store) const COUNT_ACCOUNTS: &str = "SELECT COUNT(*) FROM accounts";

pub(in crate::store) const INSERT_ACCOUNT: &str =
    "INSERT INTO accounts (id, created_at) VALUES ($1, $2)";

pub(in crate::store) const ACCOUNT_EXISTS: &str = "SELECT 1 FROM accounts WHERE id = $1";

pub(in crate::store) const DELETE_KEYS: &str = "DELETE FROM api_keys WHERE account_id = $1";

/// Whom a key (`$1`, its hash) speaks for.
pub(in crate::store) const PRINCIPAL: &str =
    "SELECT account_id, kind, livemode FROM api_keys WHERE key_hash = $1";

/// The name payers see: the display name, or else the id.
pub(in crate::store) const DISPLAY_NAME: &str =
    "SELECT COALESCE(display_name, id) FROM accounts WHERE id = $1";

pub(in crate::store) const SET_DISPLAY_NAME: &str =
    "UPDATE accounts SET display_name = $2 WHERE id = $1";

pub(in crate::store) const ACCOUNT_CREATED_AT: &str =
    "SELECT created_at FROM accounts WHERE id = $1";

/// An account's settings for a mode (`$1` the account, `$2` `livemode`).
pub(in crate::store) const SETTINGS: &str = concat!(
    "SELECT ",
    settings_columns!(),
    " FROM account_settings WHERE account_id = $1 AND livemode = $2"
);

/// Settings for a mode, made once with a fresh secret (`$3`).
pub(in crate::store) const INSERT_SETTINGS: &str = "INSERT INTO account_settings (account_id, livemode, webhook_secret) \
     VALUES ($1, $2, $3) ON CONFLICT DO NOTHING";

/// A new account's numberings, one a mode (`$2`).
pub(in crate::store) const INSERT_COUNTERS: [&str; 3] = [
    "INSERT INTO charge_counters (account_id, livemode) VALUES ($1, $2)",
    "INSERT INTO event_counters (account_id, livemode) VALUES ($1, $2)",
    "INSERT INTO refund_counters (account_id, livemode) VALUES ($1, $2)",
];

/// Changes to a mode's settings (`$1` the account, `$2` `livemode`).
pub(in crate::store) const SET_WEBHOOK_URI: &str =
    "UPDATE account_settings SET webhook_uri = $3 WHERE account_id = $1 AND livemode = $2";
pub(in crate::store) const SET_API_VERSION: &str =
    "UPDATE account_settings SET api_version = $3 WHERE account_id = $1 AND livemode = $2";
/// The old secret still signs until `$3`; `$4` is the new one.
pub(in crate::store) const ROLL_SECRET: &str = "UPDATE account_settings \
     SET previous_webhook_secret = webhook_secret, previous_secret_until = $3, \
     webhook_secret = $4 WHERE account_id = $1 AND livemode = $2";

/// Accounts, keys and settings.
#[async_trait]
pub trait AccountStore: Send + Sync {
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
    ) -> StoreResult<Option<(Principal, Option<LinkStamp>)>>;

    /// The name payers see: the display name, or else the account id;
    /// `None` if there is no such account.
    async fn account_display_name(&self, account_id: &str) -> StoreResult<Option<String>>;

    /// Sets the display name; false if there is no such account.
    async fn set_display_name(&self, account_id: &str, name: &str) -> StoreResult<bool>;

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
}

/// Implements `AccountStore` for `$store` over the sqlx database `$db`.
macro_rules! impl_account_store {
    ($store:ty, $db:ty) => {
        const _: () = {
            use sqlx::Row;
            use $crate::domain::{Micros, Mode};
            use $crate::store::dialect::Dialect as _;
            use $crate::store::{KeyRecord, Principal, StoreResult};

            impl $store {
                /// Whether there is such an account, read in `tx`.
                async fn account_exists(
                    tx: &mut sqlx::Transaction<'_, $db>,
                    account_id: &str,
                ) -> StoreResult<bool> {
                    let found = sqlx::query($crate::store::accounts::ACCOUNT_EXISTS)
                        .bind(account_id)
                        .fetch_optional(&mut **tx)
                        .await?;
                    Ok(found.is_some())
                }

                async fn insert_keys(
                    tx: &mut sqlx::Transaction<'_, $db>,
                    account_id: &str,
                    keys: &[KeyRecord],
                    now: Micros,
                ) -> StoreResult<()> {
                    for key in keys {
                        sqlx::query($crate::store::accounts::INSERT_KEY)
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
            }

            #[async_trait::async_trait]
            impl $crate::store::AccountStore for $store {
                async fn account_count(&self) -> StoreResult<u64> {
                    let n: i64 = sqlx::query_scalar($crate::store::accounts::COUNT_ACCOUNTS)
                        .fetch_one(self.pool())
                        .await?;
                    Ok(n as u64)
                }

                async fn create_account(
                    &self,
                    id: &str,
                    keys: &[KeyRecord],
                    now: Micros,
                ) -> StoreResult<()> {
                    let mut writer = self.writer().await?;
                    let mut tx = Self::begin(&mut writer).await?;
                    sqlx::query($crate::store::accounts::INSERT_ACCOUNT)
                        .bind(id)
                        .bind(now)
                        .execute(&mut *tx)
                        .await?;
                    for live in [false, true] {
                        for sql in $crate::store::accounts::INSERT_COUNTERS {
                            sqlx::query(sql)
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
                    let mut tx = Self::begin(&mut writer).await?;
                    let exists = Self::account_exists(&mut tx, account_id).await?;
                    if !exists {
                        return Ok(false);
                    }
                    sqlx::query($crate::store::accounts::DELETE_KEYS)
                        .bind(account_id)
                        .execute(&mut *tx)
                        .await?;
                    Self::insert_keys(&mut tx, account_id, keys, now).await?;
                    tx.commit().await?;
                    Ok(true)
                }

                async fn principal(&self, key_hash: &str) -> StoreResult<Option<Principal>> {
                    let row = sqlx::query($crate::store::accounts::PRINCIPAL)
                        .bind(key_hash)
                        .fetch_optional(self.pool())
                        .await?;
                    let Some(row) = row else { return Ok(None) };
                    let kind: String = row.try_get("kind")?;
                    Ok(Some(Principal {
                        account_id: row.try_get("account_id")?,
                        kind: $crate::store::rows::key_kind(&kind)?,
                        mode: Mode::from_live(row.try_get("livemode")?),
                    }))
                }

                async fn principal_and_link_stamp(
                    &self,
                    key_hash: &str,
                    link_id: &str,
                ) -> StoreResult<Option<(Principal, Option<$crate::store::LinkStamp>)>> {
                    self.principal_with_stamp(key_hash, link_id).await
                }

                async fn account_display_name(
                    &self,
                    account_id: &str,
                ) -> StoreResult<Option<String>> {
                    Ok(sqlx::query_scalar($crate::store::accounts::DISPLAY_NAME)
                        .bind(account_id)
                        .fetch_optional(self.pool())
                        .await?)
                }

                async fn set_display_name(
                    &self,
                    account_id: &str,
                    name: &str,
                ) -> StoreResult<bool> {
                    // One statement commits by itself, on the writer's connection.
                    let mut writer = self.writer().await?;
                    let done = sqlx::query($crate::store::accounts::SET_DISPLAY_NAME)
                        .bind(account_id)
                        .bind(name)
                        .execute(&mut *writer)
                        .await?;
                    Ok(done.rows_affected() == 1)
                }

                async fn account_created_at(
                    &self,
                    account_id: &str,
                ) -> StoreResult<Option<Micros>> {
                    Ok(
                        sqlx::query_scalar($crate::store::accounts::ACCOUNT_CREATED_AT)
                            .bind(account_id)
                            .fetch_optional(self.pool())
                            .await?,
                    )
                }

                async fn account_settings(
                    &self,
                    account_id: &str,
                    mode: Mode,
                ) -> StoreResult<Option<$crate::store::AccountSettings>> {
                    let row = sqlx::query($crate::store::accounts::SETTINGS)
                        .bind(account_id)
                        .bind(mode.is_live())
                        .fetch_optional(self.pool())
                        .await?;
                    row.as_ref()
                        .map($crate::store::rows::settings_from)
                        .transpose()
                }

                async fn change_settings(
                    &self,
                    account_id: &str,
                    mode: Mode,
                    change: &$crate::store::SettingsChange,
                    fresh_secret: &str,
                ) -> StoreResult<Option<$crate::store::AccountSettings>> {
                    let mut writer = self.writer().await?;
                    let mut tx = Self::begin(&mut writer).await?;
                    let exists = Self::account_exists(&mut tx, account_id).await?;
                    if !exists {
                        tx.rollback().await?;
                        return Ok(None);
                    }
                    sqlx::query($crate::store::accounts::INSERT_SETTINGS)
                        .bind(account_id)
                        .bind(mode.is_live())
                        .bind(fresh_secret)
                        .execute(&mut *tx)
                        .await?;
                    if let Some(uri) = &change.webhook_uri {
                        sqlx::query($crate::store::accounts::SET_WEBHOOK_URI)
                            .bind(account_id)
                            .bind(mode.is_live())
                            .bind(uri.as_deref())
                            .execute(&mut *tx)
                            .await?;
                    }
                    if let Some(version) = &change.api_version {
                        sqlx::query($crate::store::accounts::SET_API_VERSION)
                            .bind(account_id)
                            .bind(mode.is_live())
                            .bind(version)
                            .execute(&mut *tx)
                            .await?;
                    }
                    if let Some((secret, until)) = &change.roll_secret {
                        sqlx::query($crate::store::accounts::ROLL_SECRET)
                            .bind(account_id)
                            .bind(mode.is_live())
                            .bind(until)
                            .bind(secret)
                            .execute(&mut *tx)
                            .await?;
                    }
                    let row = sqlx::query($crate::store::accounts::SETTINGS)
                        .bind(account_id)
                        .bind(mode.is_live())
                        .fetch_one(&mut *tx)
                        .await?;
                    let settings = $crate::store::rows::settings_from(&row)?;
                    tx.commit().await?;
                    Ok(Some(settings))
                }
            }
        };
    };
}

pub(in crate::store) use impl_account_store;
