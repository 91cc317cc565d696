//! A read cache that is never stale. Every entry is tagged with the store's
//! change token taken before the database was read. When the token moves,
//! the store's log of this process's own commits says what they touched,
//! and only those entries go (a payment drops its link, a webhook's
//! bookkeeping drops nothing); a commit the log cannot account for (another
//! process's, or one it has forgotten) empties the whole cache. Entries are
//! keyed by everything that decides their content, the account and mode
//! included, so one account's entry can never answer another's request.

use crate::domain::ListWindow;
use crate::store::{ChangeToken, Principal, Store, Touched, Unaccounted};

/// Where the cache learns what this process's own commits touched.
pub trait CommitLog {
    fn own_commits(&self, from: u64, to: u64) -> Result<Vec<Touched>, Unaccounted>;

    /// The change token as it is now.
    fn current(&self) -> Option<ChangeToken>;
}

impl CommitLog for dyn Store {
    fn own_commits(&self, from: u64, to: u64) -> Result<Vec<Touched>, Unaccounted> {
        crate::store::StoreStatus::own_commits(self, from, to)
    }

    fn current(&self) -> Option<ChangeToken> {
        self.change_token()
    }
}
use axum::body::Bytes;
use std::collections::HashMap;
use std::sync::Mutex;

/// Bounds memory: past this many keys, they are emptied.
const MAX_ENTRIES: usize = 10_000;

/// Bounds memory: past this many bytes of answers, they are emptied.
const MAX_LINK_BYTES: usize = 16 << 20;

/// What decides a cached answer about a link, besides the link.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct LinkKey {
    pub link_id: String,
    pub account_id: String,
    pub live: bool,
    pub legacy_shape: bool,
    pub view: LinkView,
}

/// Which answer about the link.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum LinkView {
    /// `GET /links/{id}`, in the request's second: the embedded charge
    /// list ends at it.
    Object { second: i64 },
    /// `GET /links/{id}/charges`, one window of them.
    Charges(ListWindow),
}

/// What a link's row and its charges were at one commit, for a store that
/// has no change token: see `Store::link_stamp`.
pub use crate::store::LinkStamp;

/// The cached answers about one link.
type LinkEntries = HashMap<LinkKey, Bytes>;

#[derive(Default)]
struct State {
    token: Option<ChangeToken>,
    principals: HashMap<String, Principal>,
    /// By link id, so that a commit drops one link's answers at once.
    links: HashMap<String, LinkEntries>,
    link_entries: usize,
    link_bytes: usize,
}

impl State {
    fn clear(&mut self) {
        self.principals.clear();
        self.clear_links();
    }

    fn clear_links(&mut self) {
        self.links.clear();
        self.link_entries = 0;
        self.link_bytes = 0;
    }

    /// Forgets one link's entries.
    fn forget(&mut self, entries: &LinkEntries) {
        self.link_entries -= entries.len();
        self.link_bytes -= entries.values().map(Bytes::len).sum::<usize>();
    }

    fn drop_touched(&mut self, touched: &Touched) {
        match touched {
            Touched::Nothing => {}
            Touched::Links(ids) => {
                for id in ids {
                    if let Some(entries) = self.links.remove(id) {
                        self.forget(&entries);
                    }
                }
            }
            Touched::Account { account_id, live } => {
                let (mut entries_dropped, mut bytes_dropped) = (0, 0);
                self.links.retain(|_, entries| {
                    entries.retain(|key, bytes| {
                        let keep = key.account_id != *account_id || key.live != *live;
                        if !keep {
                            entries_dropped += 1;
                            bytes_dropped += bytes.len();
                        }
                        keep
                    });
                    !entries.is_empty()
                });
                self.link_entries -= entries_dropped;
                self.link_bytes -= bytes_dropped;
            }
            Touched::Everything => self.clear(),
        }
    }

    /// Brings the cache up to `token`: drops what the commits since touched,
    /// or everything if they cannot all be accounted for. False if nothing
    /// may be cached at all.
    ///
    /// A token older than the cache's is a request that took it just
    /// before another request brought the cache further: the cache's
    /// entries hold for it too (they are newer than what it asked for),
    /// and nothing is dropped. Were the counter itself to go back (the
    /// WAL index rebuilt), reading it again would not come back up to the
    /// cache's, and the cache starts over.
    fn sync<L: CommitLog + ?Sized>(&mut self, store: &L, token: Option<ChangeToken>) -> bool {
        let Some(mut now) = token else {
            self.clear();
            self.token = None;
            return false;
        };
        if self.token == Some(now) {
            return true;
        }
        if self.token.is_some_and(|was| now.version < was.version) {
            let was = self.token.map_or(0, |was| was.version);
            match store.current() {
                Some(current) if current.version >= was => now = current,
                current => {
                    self.clear();
                    self.token = current;
                    return current.is_some();
                }
            }
            if self.token == Some(now) {
                return true;
            }
        }
        let own = match self.token {
            Some(was) if now.version > was.version => store.own_commits(was.version, now.version),
            _ => Err(Unaccounted::Unknown),
        };
        match own {
            Ok(commits) => commits.iter().for_each(|t| self.drop_touched(t)),
            Err(Unaccounted::InFlight) => return false,
            Err(Unaccounted::Unknown) => self.clear(),
        }
        self.token = Some(now);
        true
    }

    /// Whether an answer read after `token` was taken may be kept. The
    /// cache is brought up to `token` first if it is behind. If it is
    /// ahead, other requests have brought it there while this one read:
    /// the answer may be kept only if every commit since `token` is this
    /// process's own and `unchanged` says none of them changed it. Under
    /// a steady flow of payments the counter moves during nearly every
    /// read, and without this no miss would ever be kept.
    fn may_keep<L: CommitLog + ?Sized>(
        &mut self,
        store: &L,
        token: Option<ChangeToken>,
        unchanged: impl Fn(&Touched) -> bool,
    ) -> bool {
        let Some(read) = token else {
            return false;
        };
        match self.token {
            Some(now) if now == read => true,
            Some(now) if now.version > read.version => store
                .own_commits(read.version, now.version)
                .is_ok_and(|commits| commits.iter().all(unchanged)),
            _ => self.sync(store, token) && self.token == token,
        }
    }
}

/// The cache of principals (by key hash) and answers about links.
#[derive(Default)]
pub struct ReadCache {
    state: Mutex<State>,
    /// Answers about links of a store without a change token, each kept
    /// with the stamp its link had before it was read (`Store::link_stamp`).
    stamped: Mutex<Stamped>,
}

#[derive(Default)]
struct Stamped {
    answers: HashMap<LinkKey, (LinkStamp, Bytes)>,
    bytes: usize,
}

impl ReadCache {
    fn with<T>(&self, f: impl FnOnce(&mut State) -> T) -> T {
        let mut state = self.state.lock().unwrap_or_else(|e| e.into_inner());
        f(&mut state)
    }

    pub fn principal<L: CommitLog + ?Sized>(
        &self,
        store: &L,
        token: Option<ChangeToken>,
        key_hash: &str,
    ) -> Option<Principal> {
        self.with(|s| {
            s.sync(store, token)
                .then(|| s.principals.get(key_hash).cloned())
                .flatten()
        })
    }

    /// Keeps what was read after `token` was taken, unless the database has
    /// changed since.
    pub fn keep_principal<L: CommitLog + ?Sized>(
        &self,
        store: &L,
        token: Option<ChangeToken>,
        key_hash: &str,
        p: &Principal,
    ) {
        self.with(|s| {
            if s.may_keep(store, token, |t| *t != Touched::Everything) {
                if s.principals.len() >= MAX_ENTRIES {
                    s.principals.clear();
                }
                s.principals.insert(key_hash.to_owned(), p.clone());
            }
        })
    }

    fn link<L: CommitLog + ?Sized>(
        &self,
        store: &L,
        token: Option<ChangeToken>,
        key: &LinkKey,
    ) -> Option<Bytes> {
        self.with(|s| {
            s.sync(store, token)
                .then(|| s.links.get(&key.link_id)?.get(key).cloned())
                .flatten()
        })
    }

    /// The answer kept for `key` if its link's stamp is still `stamp`.
    fn stamped_link(&self, key: &LinkKey, stamp: LinkStamp) -> Option<Bytes> {
        let stamped = self.stamped.lock().unwrap_or_else(|e| e.into_inner());
        match stamped.answers.get(key) {
            Some((kept, bytes)) if *kept == stamp => Some(bytes.clone()),
            _ => None,
        }
    }

    /// Keeps an answer read after its link's stamp was `stamp`.
    fn keep_stamped_link(&self, key: LinkKey, stamp: LinkStamp, bytes: Bytes) {
        let mut stamped = self.stamped.lock().unwrap_or_else(|e| e.into_inner());
        if stamped.answers.len() >= MAX_ENTRIES || stamped.bytes + bytes.len() > MAX_LINK_BYTES {
            stamped.answers.clear();
            stamped.bytes = 0;
        }
        let size = bytes.len();
        match stamped.answers.insert(key, (stamp, bytes)) {
            Some((_, old)) => stamped.bytes = stamped.bytes + size - old.len(),
            None => stamped.bytes += size,
        }
    }

    fn keep_link<L: CommitLog + ?Sized>(
        &self,
        store: &L,
        token: Option<ChangeToken>,
        key: LinkKey,
        bytes: Bytes,
    ) {
        self.with(|s| {
            let unchanged = |t: &Touched| match t {
                Touched::Nothing => true,
                Touched::Links(ids) => !ids.contains(&key.link_id),
                Touched::Account { account_id, live } => {
                    *account_id != key.account_id || *live != key.live
                }
                Touched::Everything => false,
            };
            if !s.may_keep(store, token, unchanged) {
                return;
            }
            if s.link_entries >= MAX_ENTRIES || s.link_bytes + bytes.len() > MAX_LINK_BYTES {
                s.clear_links();
            }
            let size = bytes.len();
            let entries = s.links.entry(key.link_id.clone()).or_default();
            match entries.insert(key, bytes) {
                Some(old) => s.link_bytes = s.link_bytes + size - old.len(),
                None => {
                    s.link_entries += 1;
                    s.link_bytes += size;
                }
            }
        })
    }

    /// The answer about a link kept for `key`, or else the one `render`
    /// builds, kept for the requests after this one if nothing it read has
    /// changed since. `token` and `stamp` are what the request took before
    /// its key was checked (see `LinkReader`): with a stamp, the answer is
    /// kept by the stamp; without one, by the change token. Each request
    /// with a key counts as a hit or a miss in `paylink_read_cache_total`.
    /// No key (a request the cache cannot answer) skips the cache
    /// altogether.
    pub async fn link_or_render<L, F, E>(
        &self,
        store: &L,
        metrics: &crate::metrics::Metrics,
        token: Option<ChangeToken>,
        stamp: Option<LinkStamp>,
        key: Option<LinkKey>,
        render: impl FnOnce() -> F,
    ) -> Result<Bytes, E>
    where
        L: CommitLog + ?Sized,
        F: Future<Output = Result<Bytes, E>>,
    {
        let Some(key) = key else {
            return render().await;
        };
        let kept = match stamp {
            Some(stamp) => self.stamped_link(&key, stamp),
            None => self.link(store, token, &key),
        };
        metrics.read_cache(kept.is_some());
        if let Some(bytes) = kept {
            return Ok(bytes);
        }
        let bytes = render().await?;
        match stamp {
            Some(stamp) => self.keep_stamped_link(key, stamp, bytes.clone()),
            None => self.keep_link(store, token, key, bytes.clone()),
        }
        Ok(bytes)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::Mode;
    use crate::store::KeyKind;

    /// A log of own commits: `(version before, touched)`, the version the
    /// counter is at now, and the version before an own write that has
    /// committed and is not logged yet.
    struct Log(
        Vec<(u64, Touched)>,
        std::cell::Cell<u64>,
        std::cell::Cell<Option<u64>>,
    );

    impl CommitLog for Log {
        fn current(&self) -> Option<ChangeToken> {
            token(self.1.get())
        }

        fn own_commits(&self, from: u64, to: u64) -> Result<Vec<Touched>, Unaccounted> {
            let mut found = vec![];
            for at in from..to {
                match self.0.iter().find(|(v, _)| *v == at) {
                    Some((_, touched)) => found.push(touched.clone()),
                    None if at + 1 == to && self.2.get() == Some(at) => {
                        return Err(Unaccounted::InFlight);
                    }
                    None => return Err(Unaccounted::Unknown),
                }
            }
            Ok(found)
        }
    }

    fn token(version: u64) -> Option<ChangeToken> {
        Some(ChangeToken {
            version,
            shared: [version as u8; 96],
        })
    }

    fn principal(account: &str) -> Principal {
        Principal {
            account_id: account.into(),
            kind: KeyKind::Secret,
            mode: Mode::Test,
        }
    }

    fn key(link: &str, account: &str, second: i64) -> LinkKey {
        LinkKey {
            link_id: link.into(),
            account_id: account.into(),
            live: false,
            legacy_shape: false,
            view: LinkView::Object { second },
        }
    }

    /// Keeps an empty answer about `link` of `account`, read at `version`.
    fn keep(cache: &ReadCache, store: &Log, version: u64, link: &str, account: &str) {
        let answer = Bytes::from_static(b"{}");
        cache.keep_link(store, token(version), key(link, account, 0), answer);
    }

    /// Whether an answer about `link` of `account` is served at `version`.
    fn kept(cache: &ReadCache, store: &Log, version: u64, link: &str, account: &str) -> bool {
        cache
            .link(store, token(version), &key(link, account, 0))
            .is_some()
    }

    /// Runs `f` with a log of own commits.
    fn with_store<T>(log: Vec<(u64, Touched)>, f: impl FnOnce(&Log) -> T) -> T {
        f(&Log(log, Default::default(), Default::default()))
    }

    #[test]
    fn entries_live_only_while_the_token_is_unchanged() {
        with_store(vec![], |store| {
            let cache = ReadCache::default();
            assert_eq!(cache.principal(store, token(1), "h"), None);
            cache.keep_principal(store, token(1), "h", &principal("acct_a"));
            assert_eq!(
                cache.principal(store, token(1), "h"),
                Some(principal("acct_a"))
            );
            assert_eq!(
                cache.principal(store, token(2), "h"),
                None,
                "a commit of another process empties it"
            );
            assert_eq!(
                cache.principal(store, token(1), "h"),
                None,
                "and it does not come back"
            );
        })
    }

    #[test]
    fn own_commits_drop_only_what_they_touched() {
        let log = vec![
            (1, Touched::Links(vec!["link_a".into()])),
            (2, Touched::Nothing),
            (
                4,
                Touched::Account {
                    account_id: "acct_b".into(),
                    live: false,
                },
            ),
        ];
        with_store(log, |store| {
            let cache = ReadCache::default();
            cache.link(store, token(1), &key("link_a", "acct_a", 0));
            for (link, account) in [
                ("link_a", "acct_a"),
                ("link_b", "acct_a"),
                ("link_c", "acct_b"),
            ] {
                keep(&cache, store, 1, link, account);
            }
            cache.keep_principal(store, token(1), "h", &principal("acct_a"));
            // Two own commits: link_a paid, then webhook bookkeeping.
            assert!(!kept(&cache, store, 3, "link_a", "acct_a"));
            assert!(kept(&cache, store, 3, "link_b", "acct_a"));
            assert!(kept(&cache, store, 3, "link_c", "acct_b"));
            assert!(cache.principal(store, token(3), "h").is_some());
            // Version 3 to 4 is not in the log: another process committed.
            assert!(!kept(&cache, store, 4, "link_b", "acct_a"));
            assert_eq!(cache.principal(store, token(4), "h"), None);
            // An account's reset drops its links, and no other account's.
            keep(&cache, store, 4, "link_b", "acct_a");
            keep(&cache, store, 4, "link_c", "acct_b");
            assert!(kept(&cache, store, 5, "link_b", "acct_a"));
            assert!(!kept(&cache, store, 5, "link_c", "acct_b"));
        })
    }

    #[test]
    fn a_read_older_than_a_change_to_what_it_read_is_not_kept() {
        let log = vec![
            (1, Touched::Everything),
            (2, Touched::Links(vec!["link_a".into()])),
        ];
        with_store(log, |store| {
            let cache = ReadCache::default();
            assert_eq!(cache.principal(store, token(2), "h"), None);
            cache.keep_principal(store, token(1), "h", &principal("acct_a"));
            assert_eq!(cache.principal(store, token(2), "h"), None);
            // Read at 2; meanwhile another request brought the cache to 3,
            // past a payment of link_a.
            assert!(!kept(&cache, store, 3, "link_b", "acct_a"));
            for link in ["link_a", "link_b"] {
                keep(&cache, store, 2, link, "acct_a");
            }
            assert!(!kept(&cache, store, 3, "link_a", "acct_a"));
            assert!(
                kept(&cache, store, 3, "link_b", "acct_a"),
                "a read older than own commits that did not touch it is kept"
            );
        })
    }

    #[test]
    fn an_own_commit_not_yet_logged_is_waited_for() {
        with_store(vec![(1, Touched::Nothing)], |store| {
            let cache = ReadCache::default();
            cache.link(store, token(1), &key("link_a", "acct_a", 0));
            keep(&cache, store, 1, "link_a", "acct_a");
            cache.keep_principal(store, token(1), "h", &principal("acct_a"));
            // The write from 2 has committed and not logged itself yet.
            store.2.set(Some(2));
            assert_eq!(
                cache.principal(store, token(3), "h"),
                None,
                "nothing is served while a commit is not accounted for"
            );
            cache.keep_principal(store, token(3), "h", &principal("acct_b"));
            // Logged: it paid another link. Nothing kept was dropped.
            let store = Log(
                vec![
                    (1, Touched::Nothing),
                    (2, Touched::Links(vec!["link_b".into()])),
                ],
                Default::default(),
                Default::default(),
            );
            assert_eq!(
                cache.principal(&store, token(3), "h"),
                Some(principal("acct_a"))
            );
            assert!(kept(&cache, &store, 3, "link_a", "acct_a"));
        })
    }

    #[test]
    fn a_request_with_an_older_token_leaves_the_cache_as_it_is() {
        with_store(vec![(1, Touched::Nothing)], |store| {
            let cache = ReadCache::default();
            store.1.set(2);
            cache.keep_principal(store, token(1), "h", &principal("acct_a"));
            assert!(cache.principal(store, token(2), "h").is_some());
            assert!(
                cache.principal(store, token(1), "h").is_some(),
                "a request that took its token before the last commit"
            );
            assert!(cache.principal(store, token(2), "h").is_some());
            // The counter itself went back, and stays back: start over.
            store.1.set(0);
            assert_eq!(cache.principal(store, token(0), "h"), None);
            store.1.set(2);
            assert_eq!(cache.principal(store, token(2), "h"), None);
        })
    }

    #[test]
    fn nothing_is_cached_without_a_token() {
        with_store(vec![], |store| {
            let cache = ReadCache::default();
            cache.keep_principal(store, None, "h", &principal("acct_a"));
            assert_eq!(cache.principal(store, None, "h"), None);
        })
    }

    /// Answers `key` through `link_or_render` as a request that took its
    /// token at `version`, and says whether it had to render. Answers kept
    /// by stamp are left to the HTTP tests on PostgreSQL, whose store
    /// stamps.
    async fn answer(
        cache: &ReadCache,
        store: &Log,
        version: u64,
        key: Option<LinkKey>,
        rendered: Result<&'static [u8], ()>,
    ) -> (Result<Bytes, ()>, bool) {
        let metrics = crate::metrics::Metrics::new();
        let mut called = false;
        let bytes = cache
            .link_or_render(store, &metrics, token(version), None, key, || {
                called = true;
                async move { rendered.map(Bytes::from_static) }
            })
            .await;
        (bytes, called)
    }

    #[tokio::test]
    async fn one_call_serves_what_it_kept_and_renders_the_rest() {
        let store = Log(vec![], Default::default(), Default::default());
        let cache = ReadCache::default();
        let link_a = || Some(key("link_a", "acct_a", 0));
        let first = answer(&cache, &store, 1, link_a(), Ok(b"a")).await;
        assert_eq!(first, (Ok(Bytes::from_static(b"a")), true));
        let again = answer(&cache, &store, 1, link_a(), Ok(b"b")).await;
        assert_eq!(again, (Ok(Bytes::from_static(b"a")), false));
        let moved = answer(&cache, &store, 2, link_a(), Ok(b"c")).await;
        assert_eq!(moved, (Ok(Bytes::from_static(b"c")), true));
        // A failed render is answered and not kept.
        let link_b = || Some(key("link_b", "acct_a", 0));
        let failed = answer(&cache, &store, 2, link_b(), Err(())).await;
        assert_eq!(failed, (Err(()), true));
        let after = answer(&cache, &store, 2, link_b(), Ok(b"d")).await;
        assert_eq!(after, (Ok(Bytes::from_static(b"d")), true));
        // Without a key the cache is neither read nor kept.
        for _ in 0..2 {
            let unkeyed = answer(&cache, &store, 2, None, Ok(b"e")).await;
            assert_eq!(unkeyed, (Ok(Bytes::from_static(b"e")), true));
        }
    }

    #[test]
    fn links_are_keyed_by_account_mode_and_second() {
        with_store(vec![], |store| {
            let cache = ReadCache::default();
            let key = key("link_test_a", "acct_a", 10);
            cache.link(store, token(1), &key);
            cache.keep_link(store, token(1), key.clone(), Bytes::from_static(b"{}"));
            assert_eq!(
                cache.link(store, token(1), &key),
                Some(Bytes::from_static(b"{}"))
            );
            let other = LinkKey {
                account_id: "acct_b".into(),
                ..key.clone()
            };
            assert_eq!(cache.link(store, token(1), &other), None);
            let next_second = LinkKey {
                view: LinkView::Object { second: 11 },
                ..key
            };
            assert_eq!(cache.link(store, token(1), &next_second), None);
        })
    }
}
