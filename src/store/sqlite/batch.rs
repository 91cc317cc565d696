//! Group commit of the two writes every payment makes: its token and the
//! payment itself.
//!
//! SQLite has one writer, so payments per second are bounded by how long
//! each write holds it. Taken one at a time, each write pays for a turn of
//! the in-process lock (a task woken on the runtime), a commit (its pages
//! written to the WAL, the WAL-index updated) and the hand-off to the
//! connection's thread and back. Here writes of these two kinds queue for one
//! task that owns them: it takes every write waiting (up to `MOST`), runs them
//! in one transaction on the writer's connection and commits once, then
//! answers each. Nobody is answered before the commit that holds their write,
//! so a token or a payment is visible to the next request exactly as before.
//!
//! The task owns the writes it has taken: a requester that goes away
//! cancels nothing half-done. If anything in a batch fails, the batch is
//! rolled back and its writes are made again one at a time, each with its
//! own outcome, so one bad write never fails another.

use super::{SqliteStore, WriteGuard};
use crate::domain::charge::Token;
use crate::domain::id::{Kind, new_id};
use crate::store::dialect::Dialect;
use crate::store::{Payment, StoreError, StoreResult, Touched};
use sqlx::sqlite::SqliteRow;
use sqlx::{Row, Sqlite};
use std::sync::LazyLock;
use tokio::sync::{mpsc, oneshot};

/// Most writes in one transaction.
const MOST: usize = 64;

/// Most payments in one round trip to the connection's thread (a power of
/// two, like `MOST_TOKENS`: each count's statements stay prepared).
const MOST_PAYMENTS: usize = 16;

/// Most tokens in one `INSERT` (a power of two; smaller runs go in halves,
/// so a handful of statement texts serve every batch and stay prepared).
const MOST_TOKENS: usize = 32;

/// A write waiting for its turn, with where its outcome goes.
pub(super) enum Job {
    Token(Box<Token>, oneshot::Sender<StoreResult<()>>),
    /// The payment's rows: the steps that acted (see `PAY_BODY`).
    Pay(Payment, oneshot::Sender<StoreResult<Vec<SqliteRow>>>),
}

/// A write's outcome, held until the writer is let go.
enum Answer {
    Token(oneshot::Sender<StoreResult<()>>, StoreResult<()>),
    Pay(
        oneshot::Sender<StoreResult<Vec<SqliteRow>>>,
        StoreResult<Vec<SqliteRow>>,
    ),
}

/// Where writes queue; the task that takes them is started by the first
/// write (on the runtime that makes it), and again if it has gone.
#[derive(Default)]
pub(super) struct Queue {
    sender: std::sync::Mutex<Option<mpsc::UnboundedSender<Job>>>,
}

impl Queue {
    fn send(&self, store: &SqliteStore, job: Job) {
        let mut sender = self.sender.lock().unwrap_or_else(|e| e.into_inner());
        let job = match sender.as_ref() {
            Some(open) => match open.send(job) {
                Ok(()) => return,
                Err(closed) => closed.0,
            },
            None => job,
        };
        let (tx, rx) = mpsc::unbounded_channel();
        // The task's store has a queue of its own, never used: it holds no
        // sender of this queue, so the task ends when the store is dropped.
        let detached = SqliteStore {
            queue: Default::default(),
            ..store.clone()
        };
        tokio::spawn(run(detached, rx));
        // A new channel's receiver is alive: this cannot fail.
        let _ = tx.send(job);
        *sender = Some(tx);
    }
}

/// Takes every write waiting, writes them, and again, until the store is
/// dropped.
async fn run(store: SqliteStore, mut queue: mpsc::UnboundedReceiver<Job>) {
    let mut jobs = Vec::with_capacity(MOST);
    while queue.recv_many(&mut jobs, MOST).await > 0 {
        store.write_batch(std::mem::take(&mut jobs)).await;
    }
}

/// What the task went away with: the runtime that ran it shut down.
fn gone() -> StoreError {
    StoreError::Internal(sqlx::Error::WorkerCrashed)
}

/// The same error again, for each write of a batch that could not start.
fn again(e: &StoreError) -> StoreError {
    match e {
        StoreError::Unavailable(_) => StoreError::Unavailable(sqlx::Error::Protocol(e.to_string())),
        StoreError::Internal(_) => StoreError::Internal(sqlx::Error::Protocol(e.to_string())),
        StoreError::Corrupt(what) => StoreError::Corrupt(what.clone()),
        StoreError::ReadOnly { path, cause } => StoreError::ReadOnly {
            path: path.clone(),
            cause: cause.clone(),
        },
    }
}

/// A payment's statements, without their transaction (see `SqliteStore::pay`
/// for what each does). Each statement after the first acts only if the
/// first claimed the token in this transaction (the token is used and has
/// no charge yet), so a refused payment changes nothing.
static PAY_BODY: LazyLock<String> = LazyLock::new(|| {
    const CLAIMED: &str = "EXISTS (SELECT 1 FROM tokens WHERE id = $1 AND used) \
         AND NOT EXISTS (SELECT 1 FROM charges WHERE token_id = $1)";
    format!(
        "UPDATE tokens SET used = TRUE WHERE id = $1 AND used = FALSE \
           AND (account_id, livemode) = (SELECT account_id, livemode FROM links \
             WHERE id = $2 AND used_at IS NULL AND pending_charge_id IS NULL \
               AND deleted_at IS NULL) \
           RETURNING #J AS job, 1 AS step, card, outcome; \
         UPDATE charge_counters SET last_seq = last_seq + 1, last_at = MAX(last_at, $3) \
           WHERE (account_id, livemode) = (SELECT account_id, livemode FROM links WHERE id = $2) \
           AND {CLAIMED} RETURNING #J AS job, 2 AS step, last_seq, last_at; \
         UPDATE links SET charge_count = charge_count + 1, \
           used_at = CASE WHEN NOT multiple AND (SELECT outcome FROM tokens WHERE id = $1) IS NULL \
             THEN (SELECT last_at FROM charge_counters c \
               WHERE c.account_id = links.account_id AND c.livemode = links.livemode) \
             ELSE used_at END, \
           pending_charge_id = CASE WHEN NOT multiple \
             AND (SELECT outcome FROM tokens WHERE id = $1) = '{AUTHENTICATE}' THEN $4 \
             ELSE pending_charge_id END \
           WHERE id = $2 AND used_at IS NULL AND pending_charge_id IS NULL \
             AND deleted_at IS NULL AND {CLAIMED} \
           RETURNING #J AS job, 3 AS step, {LINK_COLUMNS}, charge_count; \
         INSERT INTO charges (id, account_id, livemode, account_seq, link_id, link_seq, \
           token_id, amount, currency, description, failure_code, card, ip, created_at, \
           status, authorize, authorize_expires_at) \
           SELECT $4, l.account_id, l.livemode, c.last_seq, l.id, l.charge_count, t.id, \
             l.amount, l.currency, l.title || char(10) || char(10) || l.description, \
             NULLIF(t.outcome, '{AUTHENTICATE}'), t.card, $5, c.last_at, \
             CASE WHEN t.outcome IS NULL THEN 'successful' \
               WHEN t.outcome = '{AUTHENTICATE}' THEN 'pending' ELSE 'failed' END, \
             t.outcome IS '{AUTHENTICATE}', \
             CASE WHEN t.outcome = '{AUTHENTICATE}' THEN c.last_at + $7 END \
           FROM links l JOIN tokens t ON t.id = $1 \
           JOIN charge_counters c ON c.account_id = l.account_id AND c.livemode = l.livemode \
           WHERE l.id = $2 AND t.used AND NOT EXISTS (SELECT 1 FROM charges WHERE token_id = $1); \
         UPDATE event_counters SET last_seq = last_seq + 1, \
           last_at = MAX(last_at, (SELECT created_at FROM charges WHERE id = $4)) \
           WHERE (account_id, livemode) = (SELECT account_id, livemode FROM charges WHERE id = $4) \
           AND changes() = 1; \
         INSERT INTO events (id, account_id, livemode, account_seq, key, charge_id, data, created_at) \
           SELECT $6, c.account_id, c.livemode, e.last_seq, 'charge.create', c.id, {snapshot}, e.last_at \
           FROM charges c JOIN event_counters e \
             ON e.account_id = c.account_id AND e.livemode = c.livemode \
           WHERE c.id = $4 AND changes() = 1; \
         INSERT INTO webhook_outbox (event_id, next_attempt_at) \
           SELECT e.id, e.created_at FROM events e JOIN account_settings s \
             ON s.account_id = e.account_id AND s.livemode = e.livemode \
           WHERE e.id = $6 AND s.webhook_uri IS NOT NULL;",
        LINK_COLUMNS = crate::store::rows::LINK_COLUMNS,
        snapshot = crate::store::rows::charge_snapshot_sql("json_object"),
        AUTHENTICATE = crate::store::rows::AUTHENTICATE,
    )
});

/// The statements of `n` payments, the `i`th numbered `i` in the rows'
/// `job` and bound to parameters `7i + 1` to `7i + 7`.
fn pays_text(n: usize) -> String {
    (0..n)
        .map(|i| {
            // The body's parameters are `$1` to `$7`, one digit each: each is
            // marked first, so that no number written is read again.
            let mut text = PAY_BODY.replace("#J", &i.to_string());
            for k in 1..=7 {
                text = text.replace(&format!("${k}"), &format!("#P{k}#"));
            }
            for k in 1..=7 {
                text = text.replace(&format!("#P{k}#"), &format!("${}", 7 * i + k));
            }
            text
        })
        .collect::<Vec<_>>()
        .join(" ")
}

/// Runs of 1, 2, 4, ... `MOST_PAYMENTS` payments, by the log2 of the count.
static PAYS: LazyLock<Vec<String>> = LazyLock::new(|| {
    (0..=MOST_PAYMENTS.ilog2())
        .map(|log| pays_text(1 << log))
        .collect()
});

/// A payment alone: its statements in a transaction of their own, in one
/// round trip to the connection's thread.
static PAY_ALONE: LazyLock<String> =
    LazyLock::new(|| format!("BEGIN IMMEDIATE; {} COMMIT;", pays_text(1)));

/// `INSERT`s of 1, 2, 4, ... `MOST_TOKENS` tokens, by the log2 of the count.
static INSERT_TOKENS: LazyLock<Vec<String>> = LazyLock::new(|| {
    let mut texts = Vec::new();
    let mut n = 1;
    while n <= MOST_TOKENS {
        let rows: Vec<String> = (0..n)
            .map(|i| {
                let at = i * 7;
                format!(
                    "(${}, ${}, ${}, ${}, ${}, ${}, ${})",
                    at + 1,
                    at + 2,
                    at + 3,
                    at + 4,
                    at + 5,
                    at + 6,
                    at + 7
                )
            })
            .collect();
        texts.push(format!(
            "INSERT INTO tokens (id, account_id, livemode, card, outcome, used, created_at) \
             VALUES {}",
            rows.join(", ")
        ));
        n *= 2;
    }
    texts
});

/// Inserts `tokens` (a power of two of them, at most `MOST_TOKENS`).
async fn insert_tokens(conn: &mut sqlx::SqliteConnection, tokens: &[&Token]) -> StoreResult<()> {
    let text = &INSERT_TOKENS[tokens.len().trailing_zeros() as usize];
    let mut query = sqlx::query::<Sqlite>(text);
    for token in tokens {
        let card =
            serde_json::to_string(&token.card).map_err(|_| crate::store::rows::corrupt("card"))?;
        query = query
            .bind(token.id.clone())
            .bind(token.account_id.clone())
            .bind(token.mode.is_live())
            .bind(card)
            .bind(crate::store::rows::outcome_code(token.outcome))
            .bind(token.used)
            .bind(token.created_at);
    }
    query.execute(&mut *conn).await?;
    Ok(())
}

/// Runs the statements of `payments` (`text`: from `PAYS`, or `PAY_ALONE`
/// for one), and hands each its rows.
async fn pay_rows(
    conn: &mut sqlx::SqliteConnection,
    text: &str,
    payments: &[&Payment],
) -> sqlx::Result<Vec<Vec<SqliteRow>>> {
    let mut query = sqlx::query::<Sqlite>(text);
    for payment in payments {
        query = query
            .bind(payment.token_id.clone())
            .bind(payment.link_id.clone())
            .bind(payment.now)
            .bind(payment.charge_id.clone())
            .bind(payment.ip.clone())
            .bind(new_id(
                Kind::Event,
                crate::store::rows::mode_of(&payment.charge_id),
            ))
            .bind(payment.authorize_timeout);
    }
    let mut rows: Vec<Vec<SqliteRow>> = payments.iter().map(|_| Vec::new()).collect();
    for row in query.fetch_all(&mut *conn).await? {
        let job: i64 = row.try_get("job")?;
        let slot = usize::try_from(job)
            .ok()
            .and_then(|job| rows.get_mut(job))
            .ok_or_else(|| sqlx::Error::Protocol(format!("a payment row of job {job}")))?;
        slot.push(row);
    }
    Ok(rows)
}

impl SqliteStore {
    /// Writes a token in the next batch; returns once it is committed.
    pub(super) async fn token_in_batch(&self, token: &Token) -> StoreResult<()> {
        let (tx, rx) = oneshot::channel();
        self.queue
            .send(self, Job::Token(Box::new(token.clone()), tx));
        rx.await.map_err(|_| gone())?
    }

    /// Makes a payment in the next batch; returns its rows once committed.
    pub(super) async fn pay_in_batch(&self, payment: &Payment) -> StoreResult<Vec<SqliteRow>> {
        let (tx, rx) = oneshot::channel();
        self.queue.send(self, Job::Pay(payment.clone(), tx));
        rx.await.map_err(|_| gone())?
    }

    async fn write_batch(&self, jobs: Vec<Job>) {
        let mut writer = match self.writer().await {
            Ok(writer) => writer,
            Err(e) => {
                for job in jobs {
                    match job {
                        Job::Token(_, reply) => drop(reply.send(Err(again(&e)))),
                        Job::Pay(_, reply) => drop(reply.send(Err(again(&e)))),
                    }
                }
                return;
            }
        };
        if jobs.len() > 1 {
            match Self::together(&mut writer, &jobs).await {
                Ok(mut paid) => {
                    let links: Vec<String> = jobs
                        .iter()
                        .filter_map(|job| match job {
                            Job::Pay(payment, _) => Some(payment.link_id.clone()),
                            Job::Token(..) => None,
                        })
                        .collect();
                    let any_paid = !links.is_empty();
                    Self::touch(
                        &mut writer,
                        if any_paid {
                            Touched::Links(links)
                        } else {
                            Touched::Nothing
                        },
                    );
                    drop(writer);
                    if any_paid {
                        self.events_written.notify_one();
                    }
                    paid.reverse();
                    for job in jobs {
                        match job {
                            Job::Token(_, reply) => drop(reply.send(Ok(()))),
                            Job::Pay(_, reply) => {
                                drop(reply.send(Ok(paid.pop().unwrap_or_default())))
                            }
                        }
                    }
                    return;
                }
                Err(e) => {
                    tracing::debug!(error = %e, writes = jobs.len(),
                        "a batch of writes failed; writing them one at a time");
                }
            }
        }
        let mut answers = Vec::with_capacity(jobs.len());
        for job in jobs {
            answers.push(Self::alone(&mut writer, job).await);
        }
        drop(writer);
        let mut any_paid = false;
        for answer in answers {
            match answer {
                Answer::Token(reply, result) => drop(reply.send(result)),
                Answer::Pay(reply, result) => {
                    any_paid |= result.is_ok();
                    drop(reply.send(result));
                }
            }
        }
        if any_paid {
            self.events_written.notify_one();
        }
    }

    /// The batch in one transaction: its tokens first (none of its payments
    /// can use them: a token is answered only once committed), then its
    /// payments in the order they came; their rows in that order.
    async fn together(writer: &mut WriteGuard, jobs: &[Job]) -> StoreResult<Vec<Vec<SqliteRow>>> {
        let mut tx = Self::begin(writer).await?;
        let tokens: Vec<&Token> = jobs
            .iter()
            .filter_map(|job| match job {
                Job::Token(token, _) => Some(&**token),
                Job::Pay(..) => None,
            })
            .collect();
        let mut rest = &tokens[..];
        while !rest.is_empty() {
            let n = MOST_TOKENS.min(1 << rest.len().ilog2());
            insert_tokens(&mut tx, &rest[..n]).await?;
            rest = &rest[n..];
        }
        let payments: Vec<&Payment> = jobs
            .iter()
            .filter_map(|job| match job {
                Job::Pay(payment, _) => Some(payment),
                Job::Token(..) => None,
            })
            .collect();
        let mut paid = Vec::with_capacity(payments.len());
        let mut rest = &payments[..];
        while !rest.is_empty() {
            let log = rest.len().ilog2().min(MOST_PAYMENTS.ilog2());
            let n = 1 << log;
            paid.extend(pay_rows(&mut tx, &PAYS[log as usize], &rest[..n]).await?);
            rest = &rest[n..];
        }
        tx.commit().await?;
        Ok(paid)
    }

    /// One write in a transaction of its own; its answer is sent once the
    /// writer is let go. Only the first commit made with `writer` can be
    /// logged as its own: after a second, readers start over.
    async fn alone(writer: &mut WriteGuard, job: Job) -> Answer {
        match job {
            Job::Token(token, reply) => {
                let result = insert_tokens(writer, &[&token]).await;
                if result.is_ok() {
                    Self::touch(writer, Touched::Nothing);
                }
                Answer::Token(reply, result)
            }
            Job::Pay(payment, reply) => {
                let result = match pay_rows(writer, &PAY_ALONE, &[&payment]).await {
                    Ok(mut rows) => {
                        let rows = rows.pop().unwrap_or_default();
                        // A refused payment changed nothing, so its commit
                        // moved the version on by nothing: it says nothing,
                        // lest another process's commit pass for it.
                        if !rows.is_empty() {
                            Self::touch(writer, Touched::Links(vec![payment.link_id.clone()]));
                        }
                        Ok(rows)
                    }
                    Err(e) => {
                        // The transaction may be open: close it before the
                        // connection or the write lock goes to anyone else.
                        let _ = sqlx::query("ROLLBACK").execute(&mut **writer).await;
                        Err(e.into())
                    }
                };
                Answer::Pay(reply, result)
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn each_payment_of_a_run_has_its_own_parameters_and_job() {
        let text = pays_text(3);
        for i in 0..3 {
            assert!(text.contains(&format!("RETURNING {i} AS job, 1 AS step")));
            for k in 1..=7 {
                assert!(
                    text.contains(&format!("${}", 7 * i + k)),
                    "${} missing",
                    7 * i + k
                );
            }
        }
        assert!(!text.contains("$22") && !text.contains("#P") && !text.contains("#J"));
        // Each payment's text is the body renumbered, and nothing else.
        let second = PAY_BODY
            .replace("#J", "1")
            .replace("$1", "$8")
            .replace("$2", "$9")
            .replace("$3", "$10")
            .replace("$4", "$11")
            .replace("$5", "$12")
            .replace("$6", "$13")
            .replace("$7", "$14");
        assert!(text.contains(&second));
    }
}
