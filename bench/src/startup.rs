//! Start-up: from spawning `paylink serve` on a new SQLite file to its
//! first `/healthz` 200, which includes creating the schema and the first
//! account.

use crate::process::{Server, create_account, free_addr};
use crate::report::{Figure, Report, duration, median};
use crate::{Bench, Result, client, remove_sqlite, seed};
use std::time::{Duration, Instant};

const TARGET: Duration = Duration::from_millis(50);

/// A card as `server` stores it, from a token made on it.
async fn stored_card(bench: &Bench, server: &Server, url: &str) -> Result<String> {
    let account = create_account(&bench.args.paylink, url)?;
    let token =
        client::create_token(&bench.client, &server.base_url(), &account.public_key).await?;
    seed::stored_card(url, &token).await
}

/// A card for seeding, from one server on a new SQLite file, untimed.
pub async fn card(bench: &Bench) -> Result<String> {
    let path = bench.work_file("card.db");
    let url = format!("sqlite://{}", path.display());
    let log = bench.work_file("card.log");
    let mut server = Server::paylink(&bench.args.paylink, free_addr()?, &url, &log)?;
    server.wait_ready("/healthz")?;
    let card = stored_card(bench, &server, &url).await;
    server.stop()?;
    remove_sqlite(&path);
    card
}

/// Times the start-ups and returns a card as the server stores it, taken
/// from a token made on the last of these servers, for seeding.
pub async fn measure(bench: &Bench, report: &mut Report) -> Result<String> {
    let runs = bench.args.startup_runs.max(1);
    let mut times = Vec::with_capacity(runs);
    let mut card = None;
    for run in 0..runs {
        let path = bench.work_file(&format!("startup-{run}.db"));
        let url = format!("sqlite://{}", path.display());
        let addr = free_addr()?;
        let log = bench.work_file(&format!("startup-{run}.log"));
        let spawned = Instant::now();
        let mut server = Server::paylink(&bench.args.paylink, addr, &url, &log)?;
        server.wait_ready("/healthz")?;
        times.push(spawned.elapsed());
        if run + 1 == runs {
            card = Some(stored_card(bench, &server, &url).await?);
        }
        server.stop()?;
        remove_sqlite(&path);
    }
    let millis: Vec<f64> = times.iter().map(|t| t.as_secs_f64() * 1e3).collect();
    let med = median(&millis);
    let max = millis.iter().copied().fold(0.0, f64::max);
    let target_ms = TARGET.as_secs_f64() * 1e3;
    report.push(
        Figure::new(
            format!("Start-up to /healthz 200, fresh SQLite file: median of {runs}"),
            med,
            format!("{med:.1} ms"),
        )
        .at_most(target_ms, "50 ms"),
    );
    report.push(
        Figure::new(
            format!("Start-up to /healthz 200, fresh SQLite file: slowest of {runs}"),
            max,
            format!("{max:.1} ms"),
        )
        .at_most(target_ms, "50 ms"),
    );
    let mut sorted = times.clone();
    sorted.sort();
    report.detail(
        "Start-up",
        format!(
            "Each run, in milliseconds: {}.\n\nFastest {}, median {}, slowest {}.",
            millis
                .iter()
                .map(|ms| format!("{ms:.1}"))
                .collect::<Vec<_>>()
                .join(", "),
            duration(sorted[0]),
            duration(Duration::from_secs_f64(med / 1e3)),
            duration(sorted[sorted.len() - 1]),
        ),
    );
    card.ok_or_else(|| "no start-up run made a token".into())
}
