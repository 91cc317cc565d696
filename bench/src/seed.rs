//! A link with a million charges, written straight into the database in one
//! transaction while no server runs: through the API it would take longer
//! than the whole benchmark. The rows are what paylink itself writes: a used
//! token per charge, dense per-link and per-account sequence numbers, times
//! one millisecond apart, and counters that agree with them. One charge in
//! ten failed (its token declined with `insufficient_fund`), and a hundred
//! were paid with a card whose name no other charge has, for searches.
//! On SQLite paylink's own trigger queues each charge for the search index,
//! and the seed then indexes the queue as the server's worker would.

use crate::Result;
use sqlx::Connection;
use std::time::{Duration, Instant};

/// On SQLite, paylink's trigger queues each charge for the full-text index
/// and its upkeep worker moves the queue into the index in batches. The
/// seed does the worker's work at once, as the worker would, so that the
/// server starts with every row indexed, as after a quiet period.
const SQLITE_INDEX_QUEUE: &str = "\
    INSERT INTO link_search (rowid, text) \
      SELECT l.seq, l.id || ' ' || l.title || ' ' || l.description \
      FROM link_search_queue q JOIN links l ON l.id = q.link_id; \
    DELETE FROM link_search_queue; \
    INSERT INTO charge_search (rowid, text) \
      SELECT c.rowid, c.id || ' ' || c.link_id || ' ' || c.description || ' ' \
        || COALESCE(json_extract(c.card, '$.name'), '') || ' ' \
        || COALESCE(json_extract(c.card, '$.last_digits'), '') || ' ' \
        || COALESCE(c.failure_code, '') \
      FROM charge_search_queue q JOIN charges c ON c.id = q.charge_id; \
    DELETE FROM charge_search_queue;\n         ";

/// Which SQL dialect a database speaks.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Dialect {
    Sqlite,
    Postgres,
}

impl Dialect {
    pub fn name(self) -> &'static str {
        match self {
            Dialect::Sqlite => "SQLite",
            Dialect::Postgres => "PostgreSQL",
        }
    }
}

/// Microseconds between two seeded charges.
pub const CHARGE_SPACING_MICROS: i64 = 1000;

/// One seeded charge in this many failed: the tenth, twentieth, ...
pub const FAILED_EVERY: u64 = 10;
/// Their failure code, as a declined token gives it.
pub const FAILURE_CODE: &str = "insufficient_fund";
/// How many charges carry [`CARD_NAME`].
pub const NAMED: u64 = 100;
/// The card name of those charges, found by no other charge's searched
/// text (id, link id, description, card name and last digits, failure code).
pub const CARD_NAME: &str = "Kanokwan Srisawat";

/// What was seeded: the link, and when its charges were made.
#[derive(Debug, Clone)]
pub struct Seeded {
    pub link_id: String,
    pub charges: u64,
    /// `created_at` of the first charge, on a whole second; the charge at
    /// chronological index `i` was made `i` milliseconds later.
    pub first_at: i64,
    /// The charges at 1-based positions `k × named_stride`, `k` from 1 to
    /// [`NAMED`], carry [`CARD_NAME`].
    pub named_stride: u64,
    pub took: Duration,
}

impl Seeded {
    /// `created_at` of the charge at chronological index `i` (0-based).
    pub fn created_at(&self, index: u64) -> i64 {
        self.first_at + index as i64 * CHARGE_SPACING_MICROS
    }

    /// The id of the charge at chronological index `i` (0-based).
    pub fn charge_id(index: u64) -> String {
        format!("chrg_test_seed{:015}", index + 1)
    }

    /// Whether the charge at chronological index `i` failed.
    pub fn failed(&self, index: u64) -> bool {
        (index + 1) % FAILED_EVERY == 0
    }

    /// Whether the charge at chronological index `i` carries [`CARD_NAME`].
    pub fn named(&self, index: u64) -> bool {
        let position = index + 1;
        position % self.named_stride == 0 && position / self.named_stride <= NAMED
    }
}

/// The spacing of the named charges: as wide as [`NAMED`] of them fit, and
/// prime to [`FAILED_EVERY`], so that exactly one named charge in ten also
/// failed (`k × stride` is a multiple of ten just when `k` is).
pub fn named_stride(charges: u64) -> u64 {
    let mut stride = (charges / NAMED).max(1);
    while stride > 1 && gcd(stride, FAILED_EVERY) != 1 {
        stride -= 1;
    }
    stride
}

fn gcd(a: u64, b: u64) -> u64 {
    if b == 0 { a } else { gcd(b, a % b) }
}

/// `card_json` with its `name` replaced by [`CARD_NAME`].
fn named_card(card_json: &str) -> Result<String> {
    let mut card: serde_json::Value = serde_json::from_str(card_json)?;
    match card.get_mut("name") {
        Some(name) => *name = serde_json::Value::String(CARD_NAME.to_owned()),
        None => return Err(format!("the stored card has no name: {card_json}").into()),
    }
    Ok(card.to_string())
}

/// The fields of the seeded link and its charges.
pub const LINK_TITLE: &str = "Bench list";
pub const LINK_DESCRIPTION: &str = "A link with many charges";
const AMOUNT: i64 = 100_000;

/// An SQL string literal: the values are the harness's own, but the card
/// JSON came from the server, so quote it properly anyway.
fn literal(text: &str) -> String {
    format!("'{}'", text.replace('\'', "''"))
}

/// Seeds `charges` charges on a new multiple-use link of `account_id`, the
/// last one a minute before `now` (microseconds), each carrying `card_json`
/// (a card as paylink stores it, copied from a token made through the API).
pub async fn seed(
    dialect: Dialect,
    database_url: &str,
    account_id: &str,
    card_json: &str,
    charges: u64,
    now: i64,
) -> Result<Seeded> {
    const SECOND: i64 = 1_000_000;
    let span = charges as i64 * CHARGE_SPACING_MICROS;
    let first_at = (now - span - 60 * SECOND).div_euclid(SECOND) * SECOND;
    let last_at = first_at + (charges as i64 - 1) * CHARGE_SPACING_MICROS;
    let link_id = "link_test_seed000000000000001".to_owned();
    // Ids count up, so every unique index grows at its right edge.
    let (series, pad) = match dialect {
        Dialect::Sqlite => (
            format!(
                "WITH RECURSIVE series(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM series WHERE i < {charges}) "
            ),
            "printf('%015d', i)",
        ),
        Dialect::Postgres => (String::new(), "lpad(i::text, 15, '0')"),
    };
    let from = match dialect {
        Dialect::Sqlite => "FROM series".to_owned(),
        Dialect::Postgres => {
            format!("FROM generate_series(1::bigint, {charges}::bigint) AS series(i)")
        }
    };
    let (account, link) = (literal(account_id), literal(&link_id));
    let named_stride = named_stride(charges);
    // Which card, status and failure code the charge at position `i` has,
    // and the outcome its token gave.
    let card = format!(
        "CASE WHEN i % {named_stride} = 0 AND i <= {} THEN {} ELSE {} END",
        NAMED * named_stride,
        literal(&named_card(card_json)?),
        literal(card_json)
    );
    let failure = format!(
        "CASE WHEN i % {FAILED_EVERY} = 0 THEN {} END",
        literal(FAILURE_CODE)
    );
    let status = format!("CASE WHEN i % {FAILED_EVERY} = 0 THEN 'failed' ELSE 'successful' END");
    let description = literal(&format!("{LINK_TITLE}\n\n{LINK_DESCRIPTION}"));
    let script = format!(
        "BEGIN;
         {bulk}INSERT INTO links (id, account_id, livemode, amount, currency, title, description, \
             multiple, charge_count, created_at) \
         VALUES ({link}, {account}, FALSE, {AMOUNT}, 'THB', {title}, {link_description}, TRUE, \
             {charges}, {link_at});
         {series}INSERT INTO tokens (id, account_id, livemode, card, outcome, used, created_at) \
         SELECT 'tokn_test_seed' || {pad}, {account}, FALSE, {card}, {failure}, TRUE, \
             {first_at} + (i - 1) * {CHARGE_SPACING_MICROS} {from};
         {series}INSERT INTO charges (id, account_id, livemode, account_seq, link_id, link_seq, \
             token_id, amount, currency, description, failure_code, card, ip, created_at, \
             status) \
         SELECT 'chrg_test_seed' || {pad}, {account}, FALSE, i, {link}, i, \
             'tokn_test_seed' || {pad}, {AMOUNT}, 'THB', {description}, {failure}, {card}, NULL, \
             {first_at} + (i - 1) * {CHARGE_SPACING_MICROS}, {status} {from};
         UPDATE charge_counters SET last_seq = {charges}, last_at = {last_at} \
         WHERE account_id = {account} AND livemode = FALSE;
         {recount}{index}COMMIT;",
        bulk = match dialect {
            Dialect::Sqlite => "",
            Dialect::Postgres => "SET LOCAL paylink.bulk_load = 'on';\n         ",
        },
        recount = match dialect {
            Dialect::Sqlite => String::new(),
            Dialect::Postgres => format!(
                "DELETE FROM charge_status_counts WHERE account_id = {account};
         INSERT INTO charge_status_counts (account_id, livemode, status, n) \
         SELECT account_id, livemode, status, COUNT(*) FROM charges \
         WHERE account_id = {account} GROUP BY account_id, livemode, status;
         DELETE FROM charge_day_totals WHERE account_id = {account};
         INSERT INTO charge_day_totals (account_id, livemode, day, currency, status, n, amount) \
         SELECT account_id, livemode, created_at / 86400000000, currency, status, COUNT(*), \
         CAST(SUM(amount) AS BIGINT) FROM charges WHERE account_id = {account} \
         GROUP BY account_id, livemode, created_at / 86400000000, currency, status;
         "
            ),
        },
        index = match dialect {
            Dialect::Sqlite => SQLITE_INDEX_QUEUE,
            Dialect::Postgres => "",
        },
        title = literal(LINK_TITLE),
        link_description = literal(LINK_DESCRIPTION),
        link_at = first_at - SECOND,
    );
    let started = Instant::now();
    match dialect {
        Dialect::Sqlite => {
            let mut conn = sqlx::SqliteConnection::connect(database_url).await?;
            // Seeding only: the rows are consistent by construction, and a
            // crash mid-seed just means rerunning. The server reopens the
            // file in WAL mode with its own settings.
            sqlx::raw_sql(
                "PRAGMA foreign_keys = OFF; PRAGMA journal_mode = MEMORY; \
                 PRAGMA synchronous = OFF; PRAGMA cache_size = -1048576;",
            )
            .execute(&mut conn)
            .await?;
            sqlx::raw_sql(&script).execute(&mut conn).await?;
            conn.close().await?;
        }
        Dialect::Postgres => {
            let mut conn = sqlx::PgConnection::connect(database_url).await?;
            sqlx::raw_sql(&script).execute(&mut conn).await?;
            // What autovacuum would soon do on a live database: planner
            // statistics and a visibility map, measured before the load
            // rather than racing it.
            sqlx::raw_sql("VACUUM (ANALYZE) links, tokens, charges")
                .execute(&mut conn)
                .await?;
            conn.close().await?;
        }
    }
    Ok(Seeded {
        link_id,
        charges,
        first_at,
        named_stride,
        took: started.elapsed(),
    })
}

/// The card JSON of a token, as the server stored it.
pub async fn stored_card(database_url: &str, token_id: &str) -> Result<String> {
    let mut conn = sqlx::SqliteConnection::connect(database_url).await?;
    let card: String = sqlx::query_scalar("SELECT card FROM tokens WHERE id = $1")
        .bind(token_id)
        .fetch_one(&mut conn)
        .await?;
    conn.close().await?;
    Ok(card)
}
