//! Payments: concurrent payers, each making a card token and paying a
//! multiple-use link with it, as the hosted page does. Loaded from inside
//! this process, since each payment is a sequence wrk cannot script without
//! Lua; afterwards the link's charge count must equal the payments counted.
//!
//! [`pay`] is the load itself, also used by the webhook scenario; it keeps,
//! for each payment, the charge the 303 named and when the 303 arrived.

use crate::process::{Account, Server};
use crate::report::{Figure, Report, count, duration, percentile, rate};
use crate::seed::Dialect;
use crate::{Bench, Result, client};
use reqwest::StatusCode;
use reqwest::header::LOCATION;
use std::time::{Duration, Instant};

const SQLITE_TARGET: f64 = 4000.0;
const POSTGRES_TARGET: f64 = 2500.0;

/// One payment answered 303.
#[derive(Debug, Clone)]
pub struct Payment {
    /// The charge id, from the 303's `Location` (`…/complete?charge=…`).
    pub charge: String,
    /// Token-then-pay, as the payer saw it.
    pub took: Duration,
    /// When the 303's head arrived.
    pub answered: Instant,
}

/// What payers saw: one payer's tally, or all of them merged.
#[derive(Debug, Default)]
struct Tally {
    paid: Vec<Payment>,
    errors: u64,
    first_error: Option<String>,
}

impl Tally {
    fn error(&mut self, what: String) {
        self.errors += 1;
        self.first_error.get_or_insert(what);
    }

    fn merge(&mut self, other: Tally) {
        self.paid.extend(other.paid);
        self.errors += other.errors;
        if let Some(e) = other.first_error {
            self.first_error.get_or_insert(e);
        }
    }
}

/// One run of the payers against a link of its own.
#[derive(Debug)]
pub struct Run {
    pub payers: usize,
    pub paid: Vec<Payment>,
    pub errors: u64,
    pub first_error: Option<String>,
    pub elapsed: Duration,
    /// The link's `total` of charges afterwards.
    pub listed: Option<u64>,
}

impl Run {
    pub fn per_sec(&self) -> f64 {
        self.paid.len() as f64 / self.elapsed.as_secs_f64()
    }

    /// Why the run's throughput cannot be trusted, if it cannot.
    pub fn problem(&self) -> Option<String> {
        let paid = self.paid.len() as u64;
        if self.errors > 0 {
            Some(format!(
                "{} of {} payments failed; the first: {}",
                self.errors,
                self.errors + paid,
                self.first_error.as_deref().unwrap_or("")
            ))
        } else if self.listed != Some(paid) {
            Some(format!(
                "the link lists {:?} charges after {paid} payments answered 303",
                self.listed
            ))
        } else if paid == 0 {
            Some("no payment completed".to_owned())
        } else {
            None
        }
    }

    /// Token + pay times, sorted.
    fn latencies(&self) -> Vec<Duration> {
        let mut took: Vec<Duration> = self.paid.iter().map(|p| p.took).collect();
        took.sort();
        took
    }

    /// The detail paragraph's first sentences.
    pub fn describe(&self) -> String {
        let took = self.latencies();
        format!(
            "{} payments answered 303 in {:.1} s ({}/s), {} errors; the link then listed {} \
             charges. Token + pay as one payer sees it: p50 {}, p99 {}.",
            count(self.paid.len() as u64),
            self.elapsed.as_secs_f64(),
            rate(self.per_sec()),
            self.errors,
            self.listed.map_or_else(|| "no total:".to_owned(), count),
            duration(percentile(&took, 0.5)),
            duration(percentile(&took, 0.99)),
        )
    }
}

/// The charge id in a payment's `Location`.
fn charge_in(location: &str) -> Option<&str> {
    let (_, query) = location.split_once('?')?;
    query
        .split('&')
        .find_map(|pair| pair.strip_prefix("charge="))
        .filter(|id| !id.is_empty())
}

/// One token, then one payment with it; returns the charge id and when
/// the 303 arrived, or an error saying which step failed.
pub async fn pay_once(
    client: &reqwest::Client,
    base: &str,
    public_key: &str,
    payment_uri: &str,
) -> Result<(String, Instant), String> {
    let token = client::create_token(client, base, public_key)
        .await
        .map_err(|e| e.to_string())?;
    let response = client
        .post(payment_uri)
        .form(&[("token", token.as_str())])
        .send()
        .await
        .map_err(|e| format!("POST {payment_uri}: {e}"))?;
    let answered = Instant::now();
    let status = response.status();
    if status == StatusCode::SEE_OTHER {
        let location = response
            .headers()
            .get(LOCATION)
            .and_then(|v| v.to_str().ok())
            .unwrap_or_default()
            .to_owned();
        // Drain the body so the connection goes back to the pool.
        let _ = response.bytes().await;
        match charge_in(&location) {
            Some(charge) => Ok((charge.to_owned(), answered)),
            None => Err(format!(
                "POST {payment_uri}: 303 to {location:?}, which names no charge"
            )),
        }
    } else {
        let body = response.text().await.unwrap_or_default();
        Err(format!("POST {payment_uri}: HTTP {status}: {body}"))
    }
}

async fn payer(
    client: reqwest::Client,
    base: String,
    public_key: String,
    payment_uri: String,
    until: Instant,
) -> Tally {
    let mut tally = Tally::default();
    while Instant::now() < until {
        let started = Instant::now();
        match pay_once(&client, &base, &public_key, &payment_uri).await {
            Ok((charge, answered)) => tally.paid.push(Payment {
                charge,
                took: answered - started,
                answered,
            }),
            Err(e) => tally.error(e),
        }
    }
    tally
}

/// `--payers` payers paying a new multiple-use link for `--pay-seconds`;
/// then the link's charges are counted.
pub async fn pay(bench: &Bench, server: &Server, account: &Account, title: &str) -> Result<Run> {
    let payers = bench.args.payers.max(1);
    let base = server.base_url();
    let (link_id, payment_uri) =
        client::create_link(&bench.client, &base, &account.secret_key, title, true).await?;
    let started = Instant::now();
    let until = started + Duration::from_secs(bench.args.pay_seconds);
    let tasks: Vec<_> = (0..payers)
        .map(|_| {
            tokio::spawn(payer(
                bench.client.clone(),
                base.clone(),
                account.public_key.clone(),
                payment_uri.clone(),
                until,
            ))
        })
        .collect();
    let mut all = Tally::default();
    for task in tasks {
        all.merge(task.await?);
    }
    let elapsed = started.elapsed();

    // Every acknowledged payment must be a charge, and nothing more.
    let listed = client::get_json(
        &bench.client,
        &base,
        &format!("/links/{link_id}/charges?limit=1"),
        &account.secret_key,
    )
    .await?["total"]
        .as_u64();
    Ok(Run {
        payers,
        paid: all.paid,
        errors: all.errors,
        first_error: all.first_error,
        elapsed,
        listed,
    })
}

/// The payments figure; returns the run, against which the webhook
/// scenario compares its own.
pub async fn measure(
    bench: &Bench,
    dialect: Dialect,
    server: &Server,
    account: &Account,
    report: &mut Report,
) -> Result<Run> {
    let db = dialect.name();
    eprintln!("  payments, {} payers", bench.args.payers.max(1));
    let run = pay(bench, server, account, "Bench payments").await?;
    let per_sec = run.per_sec();
    let figure = Figure::new(
        format!(
            "Payments, {db}: token + pay, {} concurrent payers",
            run.payers
        ),
        per_sec,
        format!("{}/s", rate(per_sec)),
    );
    let figure = match dialect {
        Dialect::Sqlite => figure.at_least(SQLITE_TARGET, "4,000/s"),
        Dialect::Postgres => figure.at_least(POSTGRES_TARGET, "2,500/s"),
    };
    report.push(figure.unless(run.problem()));
    report.detail(format!("Payments, {db}"), run.describe());
    Ok(run)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn charge_from_location() {
        assert_eq!(
            charge_in("/pay/abc/complete?charge=chrg_test_5x"),
            Some("chrg_test_5x")
        );
        assert_eq!(
            charge_in("http://h/pay/abc/complete?x=1&charge=chrg_1&y=2"),
            Some("chrg_1")
        );
        assert_eq!(charge_in("/pay/abc/complete"), None);
        assert_eq!(charge_in("/pay/abc/complete?charge="), None);
    }
}
