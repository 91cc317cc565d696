//! Accounts and their keys: made here, shown once, stored hashed.

use crate::api::auth::{hash_key, new_key};
use crate::domain::Mode;
use crate::domain::id::{Kind, new_plain_id};
use crate::domain::list::now;
use crate::store::{KeyKind, KeyRecord, Store, StoreResult};
use serde::Serialize;

/// An account's four keys in plain text: only ever held to be shown once.
#[derive(Debug, Clone, Serialize)]
pub struct AccountKeys {
    pub account_id: String,
    pub public_key_test: String,
    pub secret_key_test: String,
    pub public_key_live: String,
    pub secret_key_live: String,
}

impl AccountKeys {
    /// Four fresh keys for the account `account_id`.
    pub fn new(account_id: String) -> AccountKeys {
        AccountKeys {
            account_id,
            public_key_test: new_key(KeyKind::Public, Mode::Test),
            secret_key_test: new_key(KeyKind::Secret, Mode::Test),
            public_key_live: new_key(KeyKind::Public, Mode::Live),
            secret_key_live: new_key(KeyKind::Secret, Mode::Live),
        }
    }

    /// The keys as stored: hashed.
    pub fn records(&self) -> Vec<KeyRecord> {
        [
            (&self.public_key_test, KeyKind::Public, Mode::Test),
            (&self.secret_key_test, KeyKind::Secret, Mode::Test),
            (&self.public_key_live, KeyKind::Public, Mode::Live),
            (&self.secret_key_live, KeyKind::Secret, Mode::Live),
        ]
        .into_iter()
        .map(|(key, kind, mode)| KeyRecord {
            hash: hash_key(key),
            kind,
            mode,
        })
        .collect()
    }

    /// The keys as lines for a terminal.
    pub fn describe(&self) -> String {
        format!(
            "account:          {}\n\
             public key test:  {}\n\
             secret key test:  {}\n\
             public key live:  {}\n\
             secret key live:  {}\n",
            self.account_id,
            self.public_key_test,
            self.secret_key_test,
            self.public_key_live,
            self.secret_key_live
        )
    }
}

/// Creates an account with four fresh keys.
pub async fn create_account(store: &dyn Store) -> StoreResult<AccountKeys> {
    create_named_account(store, None).await
}

/// Creates an account with four fresh keys and the name payers see.
pub async fn create_named_account(
    store: &dyn Store,
    display_name: Option<&str>,
) -> StoreResult<AccountKeys> {
    let keys = AccountKeys::new(new_plain_id(Kind::Account));
    store
        .create_account(&keys.account_id, &keys.records(), now())
        .await?;
    if let Some(name) = display_name {
        store.set_display_name(&keys.account_id, name).await?;
    }
    Ok(keys)
}

/// A display name as given: trimmed, 1..=100 characters.
pub fn parse_display_name(raw: &str) -> Result<String, String> {
    let name = raw.trim();
    if name.contains('\0') {
        return Err("display_name must not contain NUL characters".into());
    }
    match name.chars().count() {
        0 => Err("display_name must not be empty".into()),
        1..=100 => Ok(name.to_owned()),
        _ => Err("display_name is too long (at most 100 characters)".into()),
    }
}

/// Replaces the account's keys; `None` when there is no such account.
pub async fn roll_keys(store: &dyn Store, account_id: &str) -> StoreResult<Option<AccountKeys>> {
    let keys = AccountKeys::new(account_id.to_owned());
    let replaced = store
        .replace_keys(account_id, &keys.records(), now())
        .await?;
    Ok(replaced.then_some(keys))
}
