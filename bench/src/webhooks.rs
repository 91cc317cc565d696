//! Webhooks: the payments scenario again, with the account's webhook URI
//! pointing at a receiver inside this process that answers 200 and notes
//! when each `charge.create` event arrives. Three figures: payments per
//! second against the run without a receiver, the time from a payment's 303
//! to its event's arrival, and deliveries per second. The webhook is turned
//! off again afterwards.

use crate::payments::{self, Run};
use crate::process::{Account, Server};
use crate::report::{Figure, Report, count, duration, percentile, rate};
use crate::seed::Dialect;
use crate::{Bench, Result, client};
use axum::Router;
use axum::body::Bytes;
use axum::extract::State;
use axum::http::{HeaderMap, StatusCode};
use axum::routing::post;
use std::collections::HashMap;
use std::net::{Ipv4Addr, SocketAddr};
use std::sync::{Arc, Mutex, PoisonError};
use std::time::{Duration, Instant};

/// Payments per second with the receiver, as a share of those without.
const RATIO_TARGET: f64 = 0.9;
/// How often the deliveries still awaited are counted after the payers stop.
const WAIT_POLL: Duration = Duration::from_millis(10);

/// What the receiver has seen.
#[derive(Debug, Default)]
struct Book {
    /// The first arrival of each `charge.create`, by charge id.
    charges: HashMap<String, Instant>,
    /// Every request, whatever it carried.
    deliveries: u64,
    /// `charge.create` events for a charge already seen.
    repeated: u64,
    /// Events of other kinds (`link.create`).
    other: u64,
    /// Requests without `Omise-Signature` and its timestamp.
    unsigned: u64,
    /// Requests whose body was not an event with a key and a data id.
    unreadable: u64,
}

type Shared = Arc<Mutex<Book>>;

fn lock(book: &Shared) -> std::sync::MutexGuard<'_, Book> {
    book.lock().unwrap_or_else(PoisonError::into_inner)
}

async fn receive(State(book): State<Shared>, headers: HeaderMap, body: Bytes) -> StatusCode {
    let arrived = Instant::now();
    let signed = headers.contains_key("omise-signature")
        && headers.contains_key("omise-signature-timestamp");
    let event: Option<serde_json::Value> = serde_json::from_slice(&body).ok();
    let key = event.as_ref().and_then(|e| e["key"].as_str());
    let id = event.as_ref().and_then(|e| e["data"]["id"].as_str());
    let mut book = lock(&book);
    book.deliveries += 1;
    if !signed {
        book.unsigned += 1;
    }
    match (key, id) {
        (Some("charge.create"), Some(id)) => {
            if book.charges.contains_key(id) {
                book.repeated += 1;
            } else {
                book.charges.insert(id.to_owned(), arrived);
            }
        }
        (Some(_), Some(_)) => book.other += 1,
        _ => book.unreadable += 1,
    }
    StatusCode::OK
}

/// The receiver, listening on a loopback port of its own until dropped.
struct Receiver {
    addr: SocketAddr,
    book: Shared,
    task: tokio::task::JoinHandle<()>,
}

impl Receiver {
    async fn start() -> Result<Receiver> {
        let listener = tokio::net::TcpListener::bind((Ipv4Addr::LOCALHOST, 0)).await?;
        let addr = listener.local_addr()?;
        let book = Shared::default();
        let app = Router::new()
            .route("/webhooks", post(receive))
            .with_state(book.clone());
        let task = tokio::spawn(async move {
            if let Err(e) = axum::serve(listener, app).await {
                eprintln!("paylink-bench: the webhook receiver stopped: {e}");
            }
        });
        Ok(Receiver { addr, book, task })
    }

    fn uri(&self) -> String {
        format!("http://{}/webhooks", self.addr)
    }

    /// Waits until every charge in `run` has arrived, or `limit` passes;
    /// returns how long the wait took.
    async fn await_all(&self, run: &Run, limit: Duration) -> Duration {
        let started = Instant::now();
        let mut awaited: Vec<&str> = run.paid.iter().map(|p| p.charge.as_str()).collect();
        loop {
            {
                let book = lock(&self.book);
                awaited.retain(|charge| !book.charges.contains_key(*charge));
            }
            if awaited.is_empty() || started.elapsed() >= limit {
                return started.elapsed();
            }
            tokio::time::sleep(WAIT_POLL).await;
        }
    }
}

impl Drop for Receiver {
    fn drop(&mut self) {
        self.task.abort();
    }
}

/// Runs the scenario; `without` is the payments run with no webhook.
pub async fn measure(
    bench: &Bench,
    dialect: Dialect,
    server: &Server,
    account: &Account,
    without: &Run,
    report: &mut Report,
) -> Result<()> {
    eprintln!(
        "  payments with a webhook receiver, {} payers",
        bench.args.payers.max(1)
    );
    let base = server.base_url();
    let receiver = Receiver::start().await?;
    client::set_webhook(&bench.client, &base, &account.secret_key, &receiver.uri()).await?;
    let paid = payments::pay(bench, server, account, "Bench webhooks").await;
    let limit = Duration::from_secs(bench.args.webhook_wait_seconds);
    let waited = match &paid {
        Ok(run) => Some(receiver.await_all(run, limit).await),
        Err(_) => None,
    };
    // Off again whatever happened, so that nothing after this is delivered.
    let turned_off = client::set_webhook(&bench.client, &base, &account.secret_key, "").await;
    let book = std::mem::take(&mut *lock(&receiver.book));
    drop(receiver);
    let run = paid?;
    push_figures(
        dialect,
        without,
        &run,
        &book,
        waited.unwrap_or_default(),
        limit,
        report,
    );
    turned_off.map_err(|e| format!("cannot turn the webhook off: {e}").into())
}

fn push_figures(
    dialect: Dialect,
    without: &Run,
    run: &Run,
    book: &Book,
    waited: Duration,
    limit: Duration,
    report: &mut Report,
) {
    let db = dialect.name();

    // Throughput, against the run without a receiver.
    let ratio = run.per_sec() / without.per_sec();
    let problem = match (run.problem(), without.problem()) {
        (Some(p), _) => Some(p),
        (None, Some(p)) => Some(format!("the run without a webhook is invalid: {p}")),
        (None, None) => None,
    };
    report.push(
        Figure::new(
            format!("Payments with a webhook receiver, {db}: against without"),
            ratio,
            format!(
                "{ratio:.2} ({}/s against {}/s)",
                rate(run.per_sec()),
                rate(without.per_sec())
            ),
        )
        .at_least(RATIO_TARGET, format!("{RATIO_TARGET}"))
        .unless(problem),
    );

    // Each payment's 303 to its event's arrival.
    let mut lags = Vec::with_capacity(run.paid.len());
    let mut early = 0u64;
    let mut arrivals = Vec::with_capacity(run.paid.len());
    for payment in &run.paid {
        if let Some(&arrived) = book.charges.get(&payment.charge) {
            if arrived < payment.answered {
                early += 1;
            }
            lags.push(arrived.saturating_duration_since(payment.answered));
            arrivals.push(arrived);
        }
    }
    lags.sort();
    let paid = run.paid.len() as u64;
    let received = lags.len() as u64;
    let missing = paid - received;
    let mut problem = if missing > 0 {
        Some(format!(
            "{} of {} payments' charge.create events had not arrived {} after the payers \
             stopped",
            count(missing),
            count(paid),
            duration(limit)
        ))
    } else if paid == 0 {
        Some("no payment completed".to_owned())
    } else if book.unsigned > 0 {
        Some(format!(
            "{} deliveries came without Omise-Signature headers",
            count(book.unsigned)
        ))
    } else if book.unreadable > 0 {
        Some(format!(
            "{} deliveries were not events with a key and a data id",
            count(book.unreadable)
        ))
    } else {
        None
    };
    let (p50, p99) = (percentile(&lags, 0.5), percentile(&lags, 0.99));
    report.push(
        Figure::new(
            format!("Webhook after payment, {db}: 303 to the event's arrival"),
            p99.as_secs_f64() * 1e3,
            format!("p50 {}, p99 {}", duration(p50), duration(p99)),
        )
        .unless(problem.clone()),
    );

    // Deliveries per second, first to last arrival.
    let first = arrivals.iter().min();
    let last = arrivals.iter().max();
    let span = match (first, last) {
        (Some(first), Some(last)) => last.duration_since(*first),
        _ => Duration::ZERO,
    };
    if problem.is_none() && span.is_zero() {
        problem = Some("too few deliveries to time".to_owned());
    }
    let per_sec = received as f64 / span.as_secs_f64();
    report.push(
        Figure::new(
            format!("Webhook deliveries, {db}: charge.create received per second"),
            per_sec,
            format!("{}/s", rate(per_sec)),
        )
        .unless(problem),
    );

    report.detail(
        format!("Webhooks, {db}"),
        format!(
            "The same payments with the account's webhook URI set to a receiver in the \
             benchmark process answering 200: {} The receiver got {} requests: {} charge.create \
             events of this run's payments, {} of other charges, {} other events, {} repeats \
             of a charge already seen, {} unsigned, {} unreadable. After the payers stopped, \
             waiting for the rest took {} (at most {}). 303 to arrival: p50 {}, p99 {}, slowest {}; {} events arrived \
             before their payment's 303 (counted as 0). {} deliveries from the first arrival to \
             the last, {:.2} s: {}/s.",
            run.describe(),
            count(book.deliveries),
            count(received),
            count(book.charges.len() as u64 - received),
            count(book.other),
            count(book.repeated),
            count(book.unsigned),
            count(book.unreadable),
            duration(waited),
            duration(limit),
            duration(p50),
            duration(p99),
            duration(lags.last().copied().unwrap_or_default()),
            count(early),
            count(received),
            span.as_secs_f64(),
            rate(per_sec),
        ),
    );
}
