//! The dashboard's heaviest pages on the million-charge account: the
//! overview, the charges list and a charge with many events, each against
//! `GET /charges?limit=30` loaded the same way in the same run.

use crate::process::{Account, Server};
use crate::report::{Figure, Report, duration, rate};
use crate::seed::Dialect;
use crate::wrk::{self, Load};
use crate::{Bench, Result, client, payments};
use std::fmt::Write as _;
use std::time::Duration;

const TARGET: f64 = 3.0;
/// Refunds of the charge whose page is measured: each is an event of it.
const REFUNDS: usize = 30;

/// A dashboard session's cookie, made by signing in with the secret key.
async fn sign_in(bench: &Bench, base: &str, secret_key: &str) -> Result<String> {
    let response = bench
        .client
        .post(format!("{base}/dashboard/sign-in"))
        .form(&[("key", secret_key)])
        .send()
        .await?;
    let cookie = response
        .headers()
        .get("set-cookie")
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.split(';').next())
        .map(str::to_owned)
        .ok_or("the dashboard's sign-in set no cookie")?;
    Ok(cookie)
}

/// A charge with `REFUNDS` refunds, so its page lists that many events.
async fn charge_with_events(bench: &Bench, base: &str, account: &Account) -> Result<String> {
    let (_, uri) =
        client::create_link(&bench.client, base, &account.secret_key, "Dashboard", true).await?;
    let (charge, _) = payments::pay_once(&bench.client, base, &account.public_key, &uri).await?;
    for _ in 0..REFUNDS {
        let response = bench
            .client
            .post(format!("{base}/charges/{charge}/refunds"))
            .header("Authorization", client::basic(&account.secret_key))
            .form(&[("amount", "100")])
            .send()
            .await?;
        if !response.status().is_success() {
            return Err(format!("refund of {charge}: HTTP {}", response.status()).into());
        }
    }
    Ok(charge)
}

pub async fn measure(
    bench: &Bench,
    dialect: Dialect,
    server: &Server,
    account: &Account,
    report: &mut Report,
) -> Result<()> {
    let db = dialect.name();
    let base = server.base_url();
    let cookie = format!(
        "Cookie: {}",
        sign_in(bench, &base, &account.secret_key).await?
    );
    let api = format!("Authorization: {}", client::basic(&account.secret_key));
    let charge = charge_with_events(bench, &base, account).await?;
    let load = Load {
        threads: 2,
        connections: 8,
        duration: Duration::from_secs(bench.args.list_seconds),
    };
    let warm_up = Load {
        duration: Duration::from_secs(1),
        ..load
    };
    let measure = |url: &str, header: &str| -> Result<wrk::WrkRun> {
        wrk::run_with_header(url, header, warm_up)?;
        wrk::run_with_header(url, header, load)
    };
    eprintln!("  the dashboard: GET /charges?limit=30 first");
    let baseline = measure(&format!("{base}/charges?limit=30"), &api)?;
    let mut table = format!(
        "`wrk -t2 -c8 -d{}s --latency` on each page signed in, after an unmeasured second; \
         against `GET /charges?limit=30` with the secret key.\n\n\
         | Page | p50 | req/s | Ratio of p50 |\n|---|---|---|---|\n\
         | `GET /charges?limit=30` (API) | {} | {} | 1 |\n",
        bench.args.list_seconds,
        duration(baseline.p50),
        rate(baseline.requests_per_sec),
    );
    let pages = [
        ("the overview", "/dashboard".to_owned()),
        ("the charges list", "/dashboard/charges".to_owned()),
        (
            "a charge with 31 events",
            format!("/dashboard/charges/{charge}"),
        ),
    ];
    for (name, path) in pages {
        eprintln!("  the dashboard: {name}");
        let run = measure(&format!("{base}{path}"), &cookie)?;
        let ratio = run.p50.as_secs_f64() / baseline.p50.as_secs_f64();
        report.push(
            Figure::new(
                format!("Dashboard, {db}: {name}, p50 ÷ GET /charges?limit=30"),
                ratio,
                format!(
                    "{ratio:.2} ({} ÷ {})",
                    duration(run.p50),
                    duration(baseline.p50)
                ),
            )
            .at_most(TARGET, format!("{TARGET}"))
            .unless(run.problem().or_else(|| baseline.problem())),
        );
        let _ = writeln!(
            table,
            "| {name} (`{path}`) | {} | {} | {ratio:.2} |",
            duration(run.p50),
            rate(run.requests_per_sec)
        );
    }
    report.detail(format!("The dashboard, {db}"), table);
    Ok(())
}
