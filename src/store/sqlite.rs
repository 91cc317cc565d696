//! The embedded default: SQLite in WAL mode.
//!
//! SQLite has one writer at a time. Every write transaction starts with
//! `BEGIN IMMEDIATE`, so it takes the write lock up front and waits
//! (`busy_timeout`) instead of failing when a read would upgrade to a write.
//! Within this process, writers queue for one connection kept for writing:
//! SQLite's own busy handler waits by sleeping whole milliseconds, which
//! under many concurrent payers would leave the database idle most of the
//! time; and the pool's connections are pinged each time they are given
//! back, a round trip to the connection's thread a write need not pay.

use super::ChangeToken;
use super::dialect::Dialect;
use crate::domain::charge::{Charge, ChargeStatus, PayRefusal};
use sqlx::Row;
use sqlx::pool::PoolConnection;
use sqlx::sqlite::{
    SqliteConnectOptions, SqliteConnection, SqliteJournalMode, SqlitePool, SqlitePoolOptions,
    SqliteSynchronous,
};
use sqlx::{Connection, Sqlite};
use std::fs::File;
use std::ops::{Deref, DerefMut};
use std::str::FromStr;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Duration;
use tokio::sync::{Mutex, OwnedMappedMutexGuard, OwnedMutexGuard};

mod batch;

static MIGRATOR: sqlx::migrate::Migrator = sqlx::migrate!("./migrations/sqlite");

/// What was found of a SQLite database's path, once it could not be
/// opened or written: its file, its directory, and the `-wal` and `-shm`
/// files SQLite in WAL mode keeps beside it.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
struct PathFacts {
    is_dir: bool,
    dir_exists: bool,
    exists: bool,
    readable: bool,
    writable: bool,
    /// A file can be made in the directory (one is made and removed).
    dir_writable: bool,
    /// Both `-wal` and `-shm` exist and can be written: SQLite then need
    /// not create them, and an unwritable directory does no harm.
    companions_ready: bool,
    /// The first of `-wal` and `-shm` that exists but cannot be written.
    stuck_companion: Option<&'static str>,
}

/// `path` with `suffix` appended, as SQLite names its `-wal` and `-shm`.
fn beside(path: &std::path::Path, suffix: &str) -> std::path::PathBuf {
    let mut name = path.as_os_str().to_owned();
    name.push(suffix);
    name.into()
}

fn can_write(path: &std::path::Path) -> bool {
    std::fs::OpenOptions::new().write(true).open(path).is_ok()
}

/// The directory a database file is in.
fn directory(path: &std::path::Path) -> &std::path::Path {
    path.parent()
        .filter(|p| !p.as_os_str().is_empty())
        .unwrap_or(std::path::Path::new("."))
}

impl PathFacts {
    /// The file and its companions only, found without making anything.
    /// Opening and closing them drops the locks SQLite holds on them in
    /// this process: only ever called with no connection open.
    fn of_files(path: &std::path::Path) -> PathFacts {
        let companions = ["-wal", "-shm"].map(|suffix| (suffix, beside(path, suffix)));
        PathFacts {
            exists: path.exists(),
            readable: std::fs::File::open(path).is_ok(),
            writable: can_write(path),
            companions_ready: companions.iter().all(|(_, p)| can_write(p)),
            stuck_companion: companions
                .iter()
                .find(|(_, p)| p.exists() && !can_write(p))
                .map(|(suffix, _)| *suffix),
            ..PathFacts::default()
        }
    }

    fn of(path: &std::path::Path) -> PathFacts {
        let dir = directory(path);
        PathFacts {
            is_dir: path.is_dir(),
            dir_exists: dir.is_dir(),
            dir_writable: tempfile_in(dir).is_ok(),
            ..PathFacts::of_files(path)
        }
    }
}

/// Why a database file that exists cannot be written, if it cannot: the
/// file is read-only, or a `-wal` or `-shm` file beside it is (left, say,
/// by another user who ran paylink on it).
fn read_only_cause(path: &str, facts: &PathFacts) -> Option<String> {
    if !facts.exists {
        None
    } else if !facts.writable {
        Some("the file is read-only for this user".to_owned())
    } else {
        facts.stuck_companion.map(|suffix| {
            format!(
                "{path}{suffix} beside it is read-only for this user (SQLite in WAL mode \
                 writes it; it may belong to another user who ran paylink on this database)"
            )
        })
    }
}

/// Why a SQLite database could not be opened, from what was found of its
/// path: the driver says only `unable to open database file` (code 14),
/// `attempt to write a readonly database` (code 8) or a bare I/O code,
/// which name neither the file nor the cause. `driver` is what it said.
fn open_cause(path: &str, dir: &str, facts: &PathFacts, driver: &str) -> String {
    if facts.is_dir {
        return "it is a directory, not a database file".to_owned();
    }
    if !facts.dir_exists {
        return format!("the directory {dir} does not exist");
    }
    let mut causes = Vec::new();
    if !facts.dir_writable {
        if !facts.exists {
            causes.push(format!(
                "the directory {dir} is not writable by this user, so the database cannot be created in it"
            ));
        } else if !facts.companions_ready {
            causes.push(format!(
                "the directory {dir} is not writable by this user, and SQLite in WAL mode \
                 creates {path}-wal and {path}-shm beside the database"
            ));
        }
    }
    if facts.exists && !facts.readable {
        causes.push("the file is not readable by this user".to_owned());
    } else if let Some(cause) = read_only_cause(path, facts) {
        causes.push(cause);
    }
    if causes.is_empty() {
        driver.to_owned()
    } else {
        causes.join("; ")
    }
}

/// Whether SQLite refused a write because the database is read-only
/// (`SQLITE_READONLY` and its extended codes).
fn is_read_only(e: &sqlx::Error) -> bool {
    match e {
        sqlx::Error::Database(db) => db
            .code()
            .and_then(|code| code.parse::<i32>().ok())
            .is_some_and(|code| code & 0xff == 8),
        _ => false,
    }
}

/// A SQLite file that could not be opened, with its path and the likely
/// cause.
fn open_error(path: &std::path::Path, e: sqlx::Error) -> super::OpenError {
    let shown = path.display().to_string();
    let dir = directory(path).display().to_string();
    let cause = open_cause(&shown, &dir, &PathFacts::of(path), &e.to_string());
    super::OpenError::Sqlite { path: shown, cause }
}

/// Whether a file can be made in `dir` (one is made and removed).
fn tempfile_in(dir: &std::path::Path) -> std::io::Result<()> {
    let probe = dir.join(format!(".paylink-probe-{}", std::process::id()));
    std::fs::File::create(&probe)?;
    std::fs::remove_file(probe)
}

/// The text a charge is found by, of a `charges` row aliased `c`.
const SEARCHED_CHARGE: &str = "(c.id || ' ' || c.link_id || ' ' || c.description || ' ' \
     || COALESCE(json_extract(c.card, '$.name'), '') || ' ' \
     || COALESCE(json_extract(c.card, '$.last_digits'), '') || ' ' || COALESCE(c.failure_code, ''))";

/// The SQLite store.
#[derive(Clone)]
pub struct SqliteStore {
    pool: SqlitePool,
    /// The connection writes go through; `None` for an in-memory database,
    /// whose only connection is the pool's.
    writer: Arc<Mutex<Option<SqliteConnection>>>,
    /// How commits show, and the log of this process's own.
    commits: Arc<Commits>,
    /// Told after each commit that wrote an event.
    events_written: Arc<tokio::sync::Notify>,
    /// Where tokens and payments wait to be written together.
    queue: Arc<batch::Queue>,
    /// Why the database file cannot be written, if it cannot (found when
    /// it is opened): every write then fails at once, with the file named,
    /// while reads (`paylink export`) still work.
    read_only: Option<Arc<ReadOnlyFile>>,
}

/// A database file this process cannot write, and why.
#[derive(Debug)]
struct ReadOnlyFile {
    path: String,
    cause: String,
}

/// How this process learns that another one has committed.
#[derive(Clone)]
enum OtherWriters {
    /// An in-memory database: there are none.
    None,
    /// The `-shm` file of a WAL database: its first 96 bytes are the
    /// WAL-index header, which every commit by any process changes.
    WalIndex(Arc<File>),
    /// No `-shm` file to read (WAL refused, say, on a file system that
    /// cannot share memory): nothing may be cached.
    Unseen,
}

/// How many of this process's own commits are remembered with what they
/// touched; a reader further behind than this empties its cache.
const OWN_COMMITS_KEPT: usize = 4096;

/// `Commits::locked_at` when no transaction of the writer holds the lock.
const NOT_LOCKED: u64 = u64::MAX;

/// Counts commits, and remembers what this process's own touched.
struct Commits {
    /// Write transactions finished by this process.
    writes: AtomicU64,
    /// How commits of other processes show.
    others: OtherWriters,
    /// The version read once this process's writer held SQLite's write
    /// lock (`BEGIN IMMEDIATE`), or `NOT_LOCKED`: from then until its commit
    /// no other process can commit, so a write that changed nothing cannot
    /// take another's commit for its own.
    locked_at: AtomicU64,
    /// The version before this process's write that holds the writer (the
    /// one it was taken at, then the one read once SQLite's lock was held),
    /// or `NOT_LOCKED`; let go only once the write is logged. Between its
    /// commit and its log entry, a reader that finds the version one past
    /// this one knows whose commit it is, and waits for the entry instead
    /// of assuming anything changed.
    writing: AtomicU64,
    /// `(version before, what it touched)` of own commits that moved the
    /// version on by exactly one, oldest first.
    log: std::sync::Mutex<std::collections::VecDeque<(u64, super::Touched)>>,
}

impl Commits {
    /// The WAL-index header and the version it gives: its change counter
    /// (`iChange`, a native-endian u32 at byte 8), which every commit by any
    /// process moves on; for an in-memory database, this process's writes.
    fn read(&self) -> Option<(u64, [u8; 96])> {
        let mut shared = [0u8; 96];
        match &self.others {
            OtherWriters::None => Some((self.writes.load(Ordering::SeqCst), shared)),
            OtherWriters::WalIndex(file) => {
                use std::os::unix::fs::FileExt;
                // The header is kept twice; a commit writes the second copy,
                // then the first. Unequal copies are a commit caught midway.
                for _ in 0..4 {
                    file.read_exact_at(&mut shared, 0).ok()?;
                    if shared[..48] == shared[48..] {
                        let change =
                            u32::from_ne_bytes([shared[8], shared[9], shared[10], shared[11]]);
                        return Some((u64::from(change), shared));
                    }
                    std::hint::spin_loop();
                }
                None
            }
            OtherWriters::Unseen => None,
        }
    }

    fn own(&self, from: u64, to: u64) -> Result<Vec<super::Touched>, super::Unaccounted> {
        let missing = match self.logged(from, to) {
            Ok(touched) => return Ok(touched),
            Err(missing) => missing,
        };
        if to == missing + 1 && self.writing.load(Ordering::SeqCst) == missing {
            return Err(super::Unaccounted::InFlight);
        }
        // The write may have logged itself and let go between the looks.
        self.logged(from, to)
            .map_err(|_| super::Unaccounted::Unknown)
    }

    /// The logged commits from `from` to `to`, or the first version whose
    /// commit is not in the log.
    fn logged(&self, from: u64, to: u64) -> Result<Vec<super::Touched>, u64> {
        let log = self.log.lock().unwrap_or_else(|e| e.into_inner());
        // Oldest first, so the commits from `from` on start where it is.
        let start = log.partition_point(|(before, _)| *before < from);
        let mut touched = Vec::new();
        let mut at = from;
        for (before, what) in log.range(start..) {
            if at == to {
                break;
            }
            if *before != at {
                return Err(at);
            }
            touched.push(what.clone());
            at += 1;
        }
        if at == to { Ok(touched) } else { Err(at) }
    }
}

/// This process's one writer, held for a write's whole life; the write is
/// counted when it ends, and logged with what it touched if nothing else
/// can have committed meanwhile.
pub struct WriteGuard {
    conn: WriterConnection,
    commits: Arc<Commits>,
    /// The version when the writer was taken.
    before: Option<u64>,
    /// What the write changed: `Everything` unless it said otherwise after
    /// its commit succeeded.
    touched: super::Touched,
}

enum WriterConnection {
    Kept(OwnedMappedMutexGuard<Option<SqliteConnection>, SqliteConnection>),
    /// The pool's connection, taken in this process's turn to write.
    Pooled {
        _turn: OwnedMutexGuard<Option<SqliteConnection>>,
        conn: PoolConnection<Sqlite>,
    },
}

impl Deref for WriteGuard {
    type Target = SqliteConnection;

    fn deref(&self) -> &SqliteConnection {
        match &self.conn {
            WriterConnection::Kept(conn) => conn,
            WriterConnection::Pooled { conn, .. } => conn,
        }
    }
}

impl DerefMut for WriteGuard {
    fn deref_mut(&mut self) -> &mut SqliteConnection {
        match &mut self.conn {
            WriterConnection::Kept(conn) => conn,
            WriterConnection::Pooled { conn, .. } => conn,
        }
    }
}

impl Drop for WriteGuard {
    fn drop(&mut self) {
        self.commits.writes.fetch_add(1, Ordering::SeqCst);
        // Exactly one commit between taking the writer and now, and this
        // write committed: that one commit is this write's, whatever other
        // processes do. Anything else leaves a gap, and readers start over.
        let touched = std::mem::replace(&mut self.touched, super::Touched::Everything);
        let locked_at = self.commits.locked_at.swap(NOT_LOCKED, Ordering::SeqCst);
        let before = if locked_at == NOT_LOCKED {
            self.before
        } else {
            Some(locked_at)
        };
        let after = self.commits.read().map(|(after, _)| after);
        let own = matches!((before, after), (Some(b), Some(a)) if a == b + 1);
        if own && touched != super::Touched::Everything {
            let mut log = self.commits.log.lock().unwrap_or_else(|e| e.into_inner());
            if log.len() >= OWN_COMMITS_KEPT {
                log.pop_front();
            }
            log.push_back((before.unwrap_or_default(), touched));
        }
        self.commits.writing.store(NOT_LOCKED, Ordering::SeqCst);
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
        let migrate_error = |e| match e {
            sqlx::migrate::MigrateError::Execute(e) => open_error(&filename, e),
            other => other.into(),
        };
        let mut read_only = None;
        if !in_memory {
            // Migrate on one connection before the pool opens any: while a
            // migration holds the write lock, another connection setting
            // itself up could fail at once with "database is locked".
            let mut conn = SqliteConnection::connect_with(&options)
                .await
                .map_err(|e| open_error(&filename, e))?;
            MIGRATOR.run(&mut conn).await.map_err(migrate_error)?;
            // A database SQLite opened read-only (the file, or its -wal or
            // -shm, is not writable) refuses a write that changes nothing.
            let probe = sqlx::query("DELETE FROM _sqlx_migrations WHERE 0")
                .execute(&mut conn)
                .await;
            conn.close().await?;
            if probe.as_ref().is_err_and(is_read_only) {
                // Only now that no connection has the files open: closing a
                // file this process opened again would drop SQLite's locks.
                let shown = filename.display().to_string();
                let cause = read_only_cause(&shown, &PathFacts::of_files(&filename))
                    .unwrap_or_else(|| "SQLite opened it read-only".to_owned());
                tracing::warn!(path = %shown, %cause, "the database is read-only: writes will fail");
                read_only = Some(Arc::new(ReadOnlyFile { path: shown, cause }));
            }
        }
        // A local file does not hang up: no ping before each use, which
        // would cost a round trip to the connection's worker thread.
        let pool = SqlitePoolOptions::new()
            .test_before_acquire(false)
            .max_connections(max_connections)
            .min_connections(1)
            .idle_timeout(None)
            .max_lifetime(None)
            .acquire_timeout(settings.acquire_timeout)
            .connect_with(options.clone())
            .await
            .map_err(|e| open_error(&filename, e))?;
        if in_memory {
            // Each connection to `:memory:` is a database of its own: the
            // pool's one connection is the one to migrate.
            MIGRATOR.run(&pool).await.map_err(migrate_error)?;
        }
        let writer = if in_memory {
            None
        } else {
            Some(SqliteConnection::connect_with(&options).await?)
        };
        let others = if in_memory {
            OtherWriters::None
        } else {
            match File::open(beside(&filename, "-shm")) {
                Ok(file) => OtherWriters::WalIndex(Arc::new(file)),
                Err(e) => {
                    tracing::warn!(error = %e, "no WAL index to read: reads are not cached");
                    OtherWriters::Unseen
                }
            }
        };
        Ok(SqliteStore {
            pool,
            writer: Arc::new(Mutex::new(writer)),
            commits: Arc::new(Commits {
                writes: AtomicU64::new(0),
                others,
                locked_at: AtomicU64::new(NOT_LOCKED),
                writing: AtomicU64::new(NOT_LOCKED),
                log: Default::default(),
            }),
            events_written: Default::default(),
            queue: Default::default(),
            read_only,
        })
    }
}

impl Dialect for SqliteStore {
    type Db = Sqlite;
    type Writer = WriteGuard;

    fn pool(&self) -> &SqlitePool {
        &self.pool
    }

    fn event_signal(&self) -> &Arc<tokio::sync::Notify> {
        &self.events_written
    }

    /// The change token: for a file database the WAL-index header, which
    /// every commit by any process changes; for an in-memory database, which
    /// no other process sees, this process's writes.
    fn current_token(&self) -> Option<ChangeToken> {
        let (version, shared) = self.commits.read()?;
        Some(ChangeToken { version, shared })
    }

    fn logged_commits(
        &self,
        from: u64,
        to: u64,
    ) -> Result<Vec<super::Touched>, super::Unaccounted> {
        self.commits.own(from, to)
    }

    /// Says what the write just committed changed.
    fn touch(writer: &mut WriteGuard, touched: super::Touched) {
        writer.touched = touched;
    }

    /// A read transaction: in WAL mode, one snapshot from its first read.
    const SNAPSHOT: &'static str = "BEGIN";

    /// SQLite's two-argument maximum.
    const GREATEST: &'static str = "MAX";

    /// SQLite's triggers count in place: a bulk load needs no telling.
    const BULK_LOAD: &'static [&'static str] = &[];

    /// A reset also takes the mode's rows out of the search indexes and
    /// their queues (`$1` the account, `$2` the mode's `livemode`).
    const RESET_SEARCH: &'static [&'static str] = &[
        "DELETE FROM link_search WHERE rowid IN \
         (SELECT seq FROM links WHERE account_id = $1 AND livemode = $2)",
        "DELETE FROM charge_search WHERE rowid IN \
         (SELECT rowid FROM charges WHERE account_id = $1 AND livemode = $2)",
        "DELETE FROM link_search_queue WHERE link_id IN \
         (SELECT id FROM links WHERE account_id = $1 AND livemode = $2)",
        "DELETE FROM charge_search_queue WHERE charge_id IN \
         (SELECT id FROM charges WHERE account_id = $1 AND livemode = $2)",
    ];

    /// How an event is recorded in one round trip.
    const RECORD_EVENT: &'static str = super::events::RECORD_EVENT_SQLITE;

    /// Moves up to 2,000 queued rows of each kind into the search indexes:
    /// one commit of each index for many rows, and a short hold of the
    /// write lock, so that a large queue (after a bulk load) goes in many
    /// turns between which payments go on. The two `LIMIT`s in one
    /// transaction pick the same rows: the queue's first in key order.
    const INDEX_QUEUED: Option<&'static str> = Some(
        "\
        INSERT OR REPLACE INTO link_search (rowid, text) \
          SELECT l.seq, l.id || ' ' || l.title || ' ' || l.description \
          FROM (SELECT link_id FROM link_search_queue LIMIT 2000) q \
          JOIN links l ON l.id = q.link_id; \
        DELETE FROM link_search_queue \
          WHERE link_id IN (SELECT link_id FROM link_search_queue LIMIT 2000); \
        INSERT OR REPLACE INTO charge_search (rowid, text) \
          SELECT c.rowid, c.id || ' ' || c.link_id || ' ' || c.description || ' ' \
            || COALESCE(json_extract(c.card, '$.name'), '') || ' ' \
            || COALESCE(json_extract(c.card, '$.last_digits'), '') || ' ' \
            || COALESCE(c.failure_code, '') \
          FROM (SELECT charge_id FROM charge_search_queue LIMIT 2000) q \
          JOIN charges c ON c.id = q.charge_id; \
        DELETE FROM charge_search_queue \
          WHERE charge_id IN (SELECT charge_id FROM charge_search_queue LIMIT 2000);",
    );

    /// Search: JSON by `json_extract`, and the FTS5 trigram tables.
    const SEARCH: super::search::clause::Syntax = super::search::clause::Syntax {
        card_field: |field| format!("json_extract(card, '$.{field}')"),
        ilike: "LIKE",
        // The index's matches, and the queued rows not indexed yet that
        // match; UNION also merges the two rows of a charge that failed
        // after it was made. Each CROSS JOIN keeps its left side as the
        // outer loop: the matches, and the (short) queue, never the table.
        indexed_from: Some(|scope, at, like| match scope {
            crate::domain::search::Scope::Link => format!(
                "(SELECT rowid AS hit FROM link_search WHERE link_search MATCH {at} \
                 UNION SELECT l.seq FROM link_search_queue q CROSS JOIN links l ON l.id = q.link_id \
                   WHERE (l.id || ' ' || l.title || ' ' || l.description) LIKE {like} ESCAPE '\\') \
                 AS found CROSS JOIN links ON links.seq = found.hit"
            ),
            crate::domain::search::Scope::Charge => format!(
                "(SELECT rowid AS hit FROM charge_search WHERE charge_search MATCH {at} \
                 UNION SELECT c.rowid FROM charge_search_queue q CROSS JOIN charges c ON c.id = q.charge_id \
                   WHERE {SEARCHED_CHARGE} LIKE {like} ESCAPE '\\') \
                 AS found CROSS JOIN charges ON charges.rowid = found.hit"
            ),
        }),
        stored_charge_text: None,
    };

    /// Writes are serialized: a claim never meets another one's rows.
    const SKIP_LOCKED: &'static str = "";

    /// Pays in one round trip to SQLite, in a batch of writes that commit
    /// together (see `batch`). Writes are serialized, so the time a payment
    /// holds the write lock bounds payments per second, and most of that
    /// time was the hand-off to the connection's thread and back, once per
    /// statement, and the commit.
    async fn pay(
        &self,
        payment: &super::Payment,
    ) -> super::StoreResult<Result<Charge, PayRefusal>> {
        let rows = self.pay_in_batch(payment).await?;
        let step = |n: i64| {
            rows.iter()
                .find(|r| r.try_get::<i64, _>("step").ok() == Some(n))
        };
        let (Some(token), Some(counter), Some(link)) = (step(1), step(2), step(3)) else {
            return Ok(Err(self.refusal(payment).await?));
        };
        let card: String = token.try_get("card")?;
        let outcome = super::rows::outcome_from_code(token.try_get("outcome")?)?;
        let link = super::rows::link_from(link)?;
        Ok(Ok(super::rows::paid_charge(
            payment,
            &link,
            ChargeStatus::from_outcome(outcome),
            super::rows::card_from_json(&card)?,
            counter.try_get("last_at")?,
        )))
    }

    /// This process's turn to write, on the writer's connection.
    async fn writer(&self) -> super::StoreResult<WriteGuard> {
        if let Some(file) = &self.read_only {
            return Err(super::StoreError::ReadOnly {
                path: file.path.clone(),
                cause: file.cause.clone(),
            });
        }
        let guard = self.writer.clone().lock_owned().await;
        let conn = match OwnedMutexGuard::try_map(guard, Option::as_mut) {
            Ok(kept) => WriterConnection::Kept(kept),
            Err(turn) => WriterConnection::Pooled {
                _turn: turn,
                conn: self.pool.acquire().await?,
            },
        };
        self.commits.locked_at.store(NOT_LOCKED, Ordering::SeqCst);
        let before = self.commits.read().map(|(version, _)| version);
        self.commits
            .writing
            .store(before.unwrap_or(NOT_LOCKED), Ordering::SeqCst);
        Ok(WriteGuard {
            conn,
            before,
            commits: self.commits.clone(),
            touched: super::Touched::Everything,
        })
    }

    /// SQLite has a change token; no link needs a stamp.
    async fn principal_with_stamp(
        &self,
        key_hash: &str,
        _link_id: &str,
    ) -> super::StoreResult<Option<(super::Principal, Option<super::LinkStamp>)>> {
        let principal = <Self as super::AccountStore>::principal(self, key_hash).await?;
        Ok(principal.map(|p| (p, None)))
    }

    /// A token, in a batch of writes that commit together (see `batch`).
    async fn add_token(&self, token: &crate::domain::charge::Token) -> super::StoreResult<()> {
        self.token_in_batch(token).await
    }

    /// A write transaction that holds SQLite's write lock from its start.
    /// The version is read again once the lock is held: a commit by
    /// another process between taking the writer and `BEGIN IMMEDIATE`
    /// is then never counted as this write's, even if this write changes
    /// nothing (and so moves the version on by nothing).
    async fn begin(writer: &mut WriteGuard) -> super::StoreResult<sqlx::Transaction<'_, Sqlite>> {
        let commits = writer.commits.clone();
        let tx = writer.begin_with("BEGIN IMMEDIATE").await?;
        if let Some((version, _)) = commits.read() {
            commits.locked_at.store(version, Ordering::SeqCst);
            commits.writing.store(version, Ordering::SeqCst);
        }
        Ok(tx)
    }
}

super::impl_store!(SqliteStore, Sqlite);

#[cfg(test)]
mod tests {
    use super::*;
    use crate::store::{StoreStatus, Touched, Unaccounted};

    fn commits(log: Vec<(u64, Touched)>, writing: u64) -> Commits {
        Commits {
            writes: AtomicU64::new(0),
            others: OtherWriters::None,
            locked_at: AtomicU64::new(NOT_LOCKED),
            writing: AtomicU64::new(writing),
            log: std::sync::Mutex::new(log.into()),
        }
    }

    /// The facts of a database file that exists, is readable and writable,
    /// in a writable directory, with no `-wal` or `-shm` yet.
    fn healthy() -> PathFacts {
        PathFacts {
            dir_exists: true,
            exists: true,
            readable: true,
            writable: true,
            dir_writable: true,
            ..PathFacts::default()
        }
    }

    const CANT_OPEN: &str = "error returned from database: (code: 14) unable to open database file";
    const READONLY: &str =
        "error returned from database: (code: 8) attempt to write a readonly database";

    /// Every cause a failed open is told, from the facts alone: tests may
    /// run as root, whom permissions do not stop, so the files are not made.
    #[test]
    fn open_failures_name_their_cause() {
        let cause =
            |facts: PathFacts, driver: &str| open_cause("/srv/p.db", "/srv", &facts, driver);
        let wal = "SQLite in WAL mode creates /srv/p.db-wal and /srv/p.db-shm beside the database";
        // An existing, writable file in a directory the user cannot write:
        // the directory is the problem.
        let locked_dir = PathFacts {
            dir_writable: false,
            ..healthy()
        };
        assert_eq!(
            cause(locked_dir.clone(), CANT_OPEN),
            format!("the directory /srv is not writable by this user, and {wal}")
        );
        // The same with a file of another user's: both are said, the
        // directory first, never "not readable" of a readable file.
        let both = PathFacts {
            writable: false,
            ..locked_dir.clone()
        };
        assert_eq!(
            cause(both, CANT_OPEN),
            format!(
                "the directory /srv is not writable by this user, and {wal}; \
                 the file is read-only for this user"
            )
        );
        // With -wal and -shm there and writable, the directory is no cause.
        let ready = PathFacts {
            companions_ready: true,
            ..locked_dir
        };
        assert_eq!(cause(ready, CANT_OPEN), CANT_OPEN);
        // A read-only file in a writable directory: no raw driver text.
        let read_only = PathFacts {
            writable: false,
            ..healthy()
        };
        assert_eq!(
            cause(read_only, READONLY),
            "the file is read-only for this user"
        );
        let unreadable = PathFacts {
            readable: false,
            writable: false,
            ..healthy()
        };
        assert_eq!(
            cause(unreadable, CANT_OPEN),
            "the file is not readable by this user"
        );
        let stuck = PathFacts {
            stuck_companion: Some("-shm"),
            ..healthy()
        };
        assert!(
            cause(stuck, READONLY)
                .starts_with("/srv/p.db-shm beside it is read-only for this user"),
        );
        let new_in_locked_dir = PathFacts {
            exists: false,
            readable: false,
            writable: false,
            dir_writable: false,
            ..healthy()
        };
        assert_eq!(
            cause(new_in_locked_dir, CANT_OPEN),
            "the directory /srv is not writable by this user, so the database cannot be created in it"
        );
        let no_dir = PathFacts {
            dir_exists: false,
            ..PathFacts::default()
        };
        assert_eq!(
            cause(no_dir, CANT_OPEN),
            "the directory /srv does not exist"
        );
        let is_dir = PathFacts {
            is_dir: true,
            ..healthy()
        };
        assert_eq!(
            cause(is_dir, CANT_OPEN),
            "it is a directory, not a database file"
        );
        // Nothing found wrong: what the driver said is all there is.
        assert_eq!(cause(healthy(), CANT_OPEN), CANT_OPEN);
        assert_eq!(read_only_cause("/srv/p.db", &healthy()), None);
    }

    /// A store over a file it cannot write refuses every write at once,
    /// naming the file, and still reads.
    #[tokio::test]
    async fn a_read_only_file_refuses_writes_by_name() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("p.db");
        let url = format!("sqlite://{}", path.display());
        let mut store = SqliteStore::connect(&url, &super::super::PoolSettings::default())
            .await
            .unwrap();
        assert!(store.read_only.is_none(), "a writable file is writable");
        // As root a chmod would not stop the writes: the flag connect sets
        // for a read-only file is set by hand.
        let facts = PathFacts {
            writable: false,
            ..healthy()
        };
        let shown = path.display().to_string();
        store.read_only = read_only_cause(&shown, &facts).map(|cause| {
            Arc::new(ReadOnlyFile {
                path: shown.clone(),
                cause,
            })
        });
        let store: Arc<dyn crate::store::Store> = Arc::new(store);
        let refused = crate::accounts::create_account(store.as_ref())
            .await
            .unwrap_err()
            .to_string();
        assert_eq!(
            refused,
            format!(
                "cannot write the SQLite database {shown}: the file is read-only for this user"
            )
        );
        assert_eq!(store.account_count().await.unwrap(), 0, "reads still work");
    }

    /// The same found by `connect` from the file's permissions, where they
    /// bind: not as root, who writes a read-only file all the same.
    #[tokio::test]
    async fn connect_finds_a_read_only_file() {
        use std::os::unix::fs::PermissionsExt;
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("p.db");
        let url = format!("sqlite://{}", path.display());
        let settings = super::super::PoolSettings::default();
        // Every connection closed: SQLite would otherwise hand the next
        // one a descriptor opened for writing before the chmod.
        let first = SqliteStore::connect(&url, &settings).await.unwrap();
        if let Some(writer) = first.writer.lock().await.take() {
            writer.close().await.unwrap();
        }
        first.pool.close().await;
        drop(first);
        std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o444)).unwrap();
        if can_write(&path) {
            eprintln!(
                "SKIPPED: a read-only file is writable by this user (root): see a_read_only_file_refuses_writes_by_name"
            );
            return;
        }
        let store = SqliteStore::connect(&url, &settings).await.unwrap();
        let file = store.read_only.as_ref().expect("found read-only");
        assert_eq!(file.path, path.display().to_string());
        assert_eq!(file.cause, "the file is read-only for this user");
    }

    #[test]
    fn a_commit_not_yet_logged_is_in_flight_only_if_it_is_the_writers() {
        let log = vec![(1, Touched::Nothing), (2, Touched::Links(vec!["l".into()]))];
        let logged = commits(log.clone(), NOT_LOCKED);
        assert_eq!(
            logged.own(1, 3),
            Ok(vec![Touched::Nothing, Touched::Links(vec!["l".into()])])
        );
        assert_eq!(logged.own(3, 3), Ok(vec![]));
        assert_eq!(logged.own(1, 4), Err(Unaccounted::Unknown), "no writer");
        // The writer that started at 3 has committed and not logged yet.
        let writing = commits(log.clone(), 3);
        assert_eq!(writing.own(1, 4), Err(Unaccounted::InFlight));
        assert_eq!(writing.own(3, 4), Err(Unaccounted::InFlight));
        assert_eq!(
            writing.own(1, 5),
            Err(Unaccounted::Unknown),
            "a commit after the writer's is another process's"
        );
        // A gap before the writer's start is another process's commit.
        let gap = commits(vec![(1, Touched::Nothing), (3, Touched::Nothing)], 4);
        assert_eq!(gap.own(1, 5), Err(Unaccounted::Unknown));
    }

    /// The interleaving a test of the suite once met by chance: this
    /// process's writer is taken (by a background write, say) and, before
    /// it commits anything, another process commits. The reader cannot
    /// tell that commit from the writer's own, so it is in flight: nothing
    /// kept is served and nothing is kept. It is never taken for this
    /// process's own, and once the writer is let go without a commit of
    /// its own, it is unknown: readers start over.
    #[tokio::test]
    async fn another_process_committing_while_the_writer_is_held_is_never_own() {
        let dir = tempfile::tempdir().unwrap();
        let url = format!("sqlite://{}", dir.path().join("p.db").display());
        let store = SqliteStore::connect(&url, &super::super::PoolSettings::default())
            .await
            .unwrap();
        let mut other = SqliteConnection::connect(&url).await.unwrap();
        let held = store.writer().await.unwrap();
        let before = store.change_token().unwrap().version;
        sqlx::query("INSERT INTO accounts (id, created_at) VALUES ('acct_other', 0)")
            .execute(&mut other)
            .await
            .unwrap();
        let after = store.change_token().unwrap().version;
        assert_eq!(after, before + 1, "the other connection committed once");
        assert_eq!(
            store.own_commits(before, after),
            Err(Unaccounted::InFlight),
            "while the writer is held, the commit may be its own"
        );
        drop(held);
        assert_eq!(
            store.own_commits(before, after),
            Err(Unaccounted::Unknown),
            "the writer committed nothing: the commit is another's"
        );
        // The same with a write transaction begun: the version is read
        // again once SQLite's lock is held, so the other commit, made
        // before, is not counted as this write's.
        let mut writer = store.writer().await.unwrap();
        let start = store.change_token().unwrap().version;
        sqlx::query("INSERT INTO accounts (id, created_at) VALUES ('acct_other2', 0)")
            .execute(&mut other)
            .await
            .unwrap();
        let tx = SqliteStore::begin(&mut writer).await.unwrap();
        tx.commit().await.unwrap();
        SqliteStore::touch(&mut writer, Touched::Nothing);
        drop(writer);
        let now = store.change_token().unwrap().version;
        assert!(store.own_commits(start, now).is_err(), "{start}..{now}");
    }
}
