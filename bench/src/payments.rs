//! Payments: concurrent payers, each making a card token and paying a
//! multiple-use link with it, as the hosted page does. Loaded from inside
//! this process, since each payment is a sequence wrk cannot script without
//! Lua; afterwards the link's charge count must equal the payments counted.

use crate::process::{Account, Server};
use crate::report::{Figure, Report, count, duration, percentile, rate};
use crate::seed::Dialect;
use crate::{Bench, Result, client};
use reqwest::StatusCode;
use std::time::{Duration, Instant};

const SQLITE_TARGET: f64 = 2000.0;

/// What one payer saw.
#[derive(Debug, Default)]
struct Tally {
    /// Token-then-pay times of the payments answered 303.
    paid: Vec<Duration>,
    errors: u64,
    first_error: Option<String>,
}

impl Tally {
    fn error(&mut self, what: String) {
        self.errors += 1;
        self.first_error.get_or_insert(what);
    }
}

/// One token, then one payment with it; the error says which step failed.
async fn pay_once(
    client: &reqwest::Client,
    base: &str,
    public_key: &str,
    payment_uri: &str,
) -> Result<(), String> {
    let token = client::create_token(client, base, public_key)
        .await
        .map_err(|e| e.to_string())?;
    let response = client
        .post(payment_uri)
        .form(&[("token", token.as_str())])
        .send()
        .await
        .map_err(|e| format!("POST {payment_uri}: {e}"))?;
    let status = response.status();
    if status == StatusCode::SEE_OTHER {
        // Drain the body so the connection goes back to the pool.
        let _ = response.bytes().await;
        Ok(())
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
            Ok(()) => tally.paid.push(started.elapsed()),
            Err(e) => tally.error(e),
        }
    }
    tally
}

pub async fn measure(
    bench: &Bench,
    dialect: Dialect,
    server: &Server,
    account: &Account,
    report: &mut Report,
) -> Result<()> {
    let db = dialect.name();
    let payers = bench.args.payers.max(1);
    eprintln!("  payments, {payers} payers");
    let base = server.base_url();
    let (link_id, payment_uri) = client::create_link(
        &bench.client,
        &base,
        &account.secret_key,
        "Bench payments",
        true,
    )
    .await?;
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
        let tally = task.await?;
        all.paid.extend(tally.paid);
        all.errors += tally.errors;
        if let Some(e) = tally.first_error {
            all.first_error.get_or_insert(e);
        }
    }
    let elapsed = started.elapsed();
    let paid = all.paid.len() as u64;
    let per_sec = paid as f64 / elapsed.as_secs_f64();

    // Every acknowledged payment must be a charge, and nothing more.
    let listed = client::get_json(
        &bench.client,
        &base,
        &format!("/links/{link_id}/charges?limit=1"),
        &account.secret_key,
    )
    .await?["total"]
        .as_u64();
    let problem = if all.errors > 0 {
        Some(format!(
            "{} of {} payments failed; the first: {}",
            all.errors,
            all.errors + paid,
            all.first_error.as_deref().unwrap_or("")
        ))
    } else if listed != Some(paid) {
        Some(format!(
            "the link lists {listed:?} charges after {paid} payments answered 303"
        ))
    } else if paid == 0 {
        Some("no payment completed".to_owned())
    } else {
        None
    };
    let figure = Figure::new(
        format!("Payments, {db}: token + pay, {payers} concurrent payers"),
        per_sec,
        format!("{}/s", rate(per_sec)),
    );
    let figure = match dialect {
        Dialect::Sqlite => figure.at_least(SQLITE_TARGET, "2,000/s"),
        Dialect::Postgres => figure,
    };
    report.push(figure.unless(problem));

    all.paid.sort();
    report.detail(
        format!("Payments, {db}"),
        format!(
            "{} payments answered 303 in {:.1} s ({}/s), {} errors; the link then listed {} \
             charges. Token + pay as one payer sees it: p50 {}, p99 {}.",
            count(paid),
            elapsed.as_secs_f64(),
            rate(per_sec),
            all.errors,
            listed.map_or_else(|| "no total:".to_owned(), count),
            duration(percentile(&all.paid, 0.5)),
            duration(percentile(&all.paid, 0.99)),
        ),
    );
    Ok(())
}
