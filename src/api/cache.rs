//! A read cache that is never stale: every entry is tagged with the store's
//! change token taken before the database was read, and the whole cache is
//! dropped as soon as the token moves (any commit, by any process). Entries
//! are keyed by everything that decides their content, the account and mode
//! included, so one account's entry can never answer another's request.

use crate::store::{ChangeToken, Principal};
use axum::body::Bytes;
use std::collections::HashMap;
use std::sync::Mutex;

/// Bounds memory: past this many entries of a kind, that kind is emptied.
const MAX_ENTRIES: usize = 10_000;

/// What decides a retrieved link's bytes.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct LinkKey {
    pub link_id: String,
    pub account_id: String,
    pub live: bool,
    pub legacy_shape: bool,
    /// The request's second: the embedded charge list ends at it.
    pub second: i64,
}

#[derive(Default)]
struct State {
    token: Option<ChangeToken>,
    principals: HashMap<String, Principal>,
    links: HashMap<LinkKey, Bytes>,
}

impl State {
    /// Empties the cache if the database changed; false if nothing may be
    /// cached at all.
    fn sync(&mut self, token: Option<ChangeToken>) -> bool {
        if self.token != token || token.is_none() {
            self.principals.clear();
            self.links.clear();
            self.token = token;
        }
        token.is_some()
    }
}

/// The cache of principals (by key hash) and retrieved links.
#[derive(Default)]
pub struct ReadCache {
    state: Mutex<State>,
}

fn insert<K: std::hash::Hash + Eq, V>(map: &mut HashMap<K, V>, key: K, value: V) {
    if map.len() >= MAX_ENTRIES {
        map.clear();
    }
    map.insert(key, value);
}

impl ReadCache {
    fn with<T>(&self, f: impl FnOnce(&mut State) -> T) -> T {
        let mut state = self.state.lock().unwrap_or_else(|e| e.into_inner());
        f(&mut state)
    }

    pub fn principal(&self, token: Option<ChangeToken>, key_hash: &str) -> Option<Principal> {
        self.with(|s| {
            s.sync(token)
                .then(|| s.principals.get(key_hash).cloned())
                .flatten()
        })
    }

    /// Keeps what was read after `token` was taken, unless the database has
    /// changed since.
    pub fn keep_principal(&self, token: Option<ChangeToken>, key_hash: &str, p: &Principal) {
        self.with(|s| {
            if token.is_some() && s.token == token {
                insert(&mut s.principals, key_hash.to_owned(), p.clone());
            }
        })
    }

    pub fn link(&self, token: Option<ChangeToken>, key: &LinkKey) -> Option<Bytes> {
        self.with(|s| s.sync(token).then(|| s.links.get(key).cloned()).flatten())
    }

    pub fn keep_link(&self, token: Option<ChangeToken>, key: LinkKey, bytes: Bytes) {
        self.with(|s| {
            if token.is_some() && s.token == token {
                insert(&mut s.links, key, bytes);
            }
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::Mode;
    use crate::store::KeyKind;

    fn token(local: u64) -> Option<ChangeToken> {
        Some(ChangeToken {
            local,
            shared: [0; 96],
        })
    }

    fn principal(account: &str) -> Principal {
        Principal {
            account_id: account.into(),
            kind: KeyKind::Secret,
            mode: Mode::Test,
        }
    }

    #[test]
    fn entries_live_only_while_the_token_is_unchanged() {
        let cache = ReadCache::default();
        assert_eq!(cache.principal(token(1), "h"), None);
        cache.keep_principal(token(1), "h", &principal("acct_a"));
        assert_eq!(cache.principal(token(1), "h"), Some(principal("acct_a")));
        assert_eq!(cache.principal(token(2), "h"), None, "a commit empties it");
        assert_eq!(
            cache.principal(token(1), "h"),
            None,
            "and it does not come back"
        );
    }

    #[test]
    fn a_read_older_than_the_latest_change_is_not_kept() {
        let cache = ReadCache::default();
        let taken = token(1);
        assert_eq!(cache.principal(token(2), "h"), None);
        cache.keep_principal(taken, "h", &principal("acct_a"));
        assert_eq!(cache.principal(token(2), "h"), None);
    }

    #[test]
    fn nothing_is_cached_without_a_token() {
        let cache = ReadCache::default();
        cache.keep_principal(None, "h", &principal("acct_a"));
        assert_eq!(cache.principal(None, "h"), None);
    }

    #[test]
    fn links_are_keyed_by_account_and_mode() {
        let cache = ReadCache::default();
        let key = LinkKey {
            link_id: "link_test_a".into(),
            account_id: "acct_a".into(),
            live: false,
            legacy_shape: false,
            second: 10,
        };
        cache.link(token(1), &key);
        cache.keep_link(token(1), key.clone(), Bytes::from_static(b"{}"));
        assert_eq!(cache.link(token(1), &key), Some(Bytes::from_static(b"{}")));
        let other = LinkKey {
            account_id: "acct_b".into(),
            ..key.clone()
        };
        assert_eq!(cache.link(token(1), &other), None);
        let next_second = LinkKey { second: 11, ..key };
        assert_eq!(cache.link(token(1), &next_second), None);
    }
}
