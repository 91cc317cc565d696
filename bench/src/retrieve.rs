//! Retrieve a link: paylink's `GET /links/{id}` against the static baseline
//! answering the same bytes, with 64 connections.

use crate::process::{Account, Server, free_addr};
use crate::report::{Figure, Report, duration, median, rate};
use crate::seed::Dialect;
use crate::wrk::{self, Load, WrkRun};
use crate::{Bench, Result, client};
use std::fmt::Write as _;
use std::time::Duration;

/// Rounds of (baseline, paylink): alternating spreads any drift in the
/// machine's load over both servers.
const ROUNDS: usize = 2;

pub async fn measure(
    bench: &Bench,
    dialect: Dialect,
    server: &Server,
    account: &Account,
    report: &mut Report,
) -> Result<()> {
    let db = dialect.name();
    eprintln!("  retrieve a link");
    let base = server.base_url();
    let (link_id, _) = client::create_link(
        &bench.client,
        &base,
        &account.secret_key,
        "Bench retrieve",
        false,
    )
    .await?;
    let path = format!("/links/{link_id}");
    let body = client::get_bytes(&bench.client, &base, &path, &account.secret_key).await?;
    let body_file = bench.work_file(&format!("link-{}.json", db.to_lowercase()));
    std::fs::write(&body_file, &body)?;
    let log = bench.work_file(&format!("baseline-{}.log", db.to_lowercase()));
    let mut baseline = Server::baseline(&bench.args.baseline, free_addr()?, &body_file, &log)?;
    baseline.wait_ready(&path)?;
    let copied = client::get_bytes(&bench.client, &baseline.base_url(), &path, "").await?;
    if copied != body {
        return Err("the baseline does not answer the bytes paylink did".into());
    }

    let authorization = client::basic(&account.secret_key);
    let load = Load {
        threads: 2,
        connections: 64,
        duration: Duration::from_secs(bench.args.retrieve_seconds),
    };
    let mut baseline_runs = Vec::new();
    let mut paylink_runs = Vec::new();
    for _ in 0..ROUNDS {
        let url = format!("{}{path}", baseline.base_url());
        baseline_runs.push(wrk::run(&url, &authorization, load)?);
        let url = format!("{base}{path}");
        paylink_runs.push(wrk::run(&url, &authorization, load)?);
    }
    baseline.stop()?;

    let problem = baseline_runs
        .iter()
        .chain(&paylink_runs)
        .find_map(WrkRun::problem);
    let rps =
        |runs: &[WrkRun]| median(&runs.iter().map(|r| r.requests_per_sec).collect::<Vec<_>>());
    let p = |runs: &[WrkRun], f: fn(&WrkRun) -> Duration| {
        Duration::from_secs_f64(median(
            &runs.iter().map(|r| f(r).as_secs_f64()).collect::<Vec<_>>(),
        ))
    };
    let (paylink_rps, baseline_rps) = (rps(&paylink_runs), rps(&baseline_runs));
    let ratio = paylink_rps / baseline_rps;
    let target = match dialect {
        Dialect::Sqlite => 0.70,
        Dialect::Postgres => 0.15,
    };
    report.push(
        Figure::new(
            format!("Retrieve a link, {db}: throughput paylink ÷ baseline, 64 connections"),
            ratio,
            format!(
                "{ratio:.2} ({} ÷ {} req/s)",
                rate(paylink_rps),
                rate(baseline_rps)
            ),
        )
        .at_least(target, format!("{target:.2}"))
        .unless(problem.clone()),
    );
    for (label, f) in [
        ("p50", (|r: &WrkRun| r.p50) as fn(&WrkRun) -> Duration),
        ("p99", |r: &WrkRun| r.p99),
    ] {
        report.push(
            Figure::new(
                format!("Retrieve a link, {db}: {label} latency, paylink (baseline)"),
                p(&paylink_runs, f).as_secs_f64(),
                format!(
                    "{} ({})",
                    duration(p(&paylink_runs, f)),
                    duration(p(&baseline_runs, f))
                ),
            )
            .unless(problem.clone()),
        );
    }

    let mut table = format!(
        "`wrk -t2 -c64 -d{}s --latency` on `GET /links/{{id}}`, a {}-byte answer.\n\n\
         | Server | Round | Requests/s | p50 | p99 |\n|---|---|---|---|---|\n",
        bench.args.retrieve_seconds,
        body.len()
    );
    for (round, (b, p)) in baseline_runs.iter().zip(&paylink_runs).enumerate() {
        for (name, run) in [("baseline", b), ("paylink", p)] {
            let _ = writeln!(
                table,
                "| {name} | {} | {} | {} | {} |",
                round + 1,
                rate(run.requests_per_sec),
                duration(run.p50),
                duration(run.p99)
            );
        }
    }
    report.detail(format!("Retrieve a link, {db}"), table);
    Ok(())
}
