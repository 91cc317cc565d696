//! Reads as users meet them: `GET /links/{id}/charges` of a link with 20
//! charges, and `GET /links/{id}` of that link while `--payers` payers pay
//! another link flat out. Each against the static baseline answering the
//! same bytes; in the mixed case the baseline is loaded while the payers
//! pay too, so both sides share the machine with the same writes.

use crate::payments::pay_once;
use crate::process::{Account, Server, free_addr};
use crate::report::{Figure, Report, rate};
use crate::seed::Dialect;
use crate::wrk::{self, Load, WrkRun};
use crate::{Bench, Result, client};
use std::fmt::Write as _;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, Instant};

/// Charges on the read link: a full first page of a list.
const CHARGES: usize = 20;

/// The baseline answering `body` at `path`, checked to answer those bytes.
fn baseline(bench: &Bench, name: &str, path: &str, body: &[u8]) -> Result<Server> {
    let body_file = bench.work_file(&format!("{name}.json"));
    std::fs::write(&body_file, body)?;
    let log = bench.work_file(&format!("baseline-{name}.log"));
    let mut server = Server::baseline(&bench.args.baseline, free_addr()?, &body_file, &log)?;
    server.wait_ready(path)?;
    Ok(server)
}

async fn load(url: String, authorization: String, seconds: u64) -> Result<WrkRun> {
    let load = Load {
        threads: 2,
        connections: 64,
        duration: Duration::from_secs(seconds),
    };
    tokio::task::spawn_blocking(move || wrk::run(&url, &authorization, load))
        .await
        .map_err(|e| e.to_string())?
}

pub async fn measure(
    bench: &Bench,
    dialect: Dialect,
    server: &Server,
    account: &Account,
    report: &mut Report,
) -> Result<()> {
    let db = dialect.name();
    let name = db.to_lowercase();
    let base = server.base_url();
    let authorization = client::basic(&account.secret_key);
    let seconds = bench.args.retrieve_seconds;
    eprintln!("  a link with {CHARGES} charges: its list, and read while payments flow");
    let (link_id, payment_uri) = client::create_link(
        &bench.client,
        &base,
        &account.secret_key,
        "Bench read",
        true,
    )
    .await?;
    for _ in 0..CHARGES {
        pay_once(&bench.client, &base, &account.public_key, &payment_uri).await?;
    }

    // The first page of the link's charges, nothing written meanwhile.
    let list_path = format!("/links/{link_id}/charges");
    let list = client::get_bytes(&bench.client, &base, &list_path, &account.secret_key).await?;
    let list_baseline = baseline(bench, &format!("list-{name}"), &list_path, &list)?;
    let list_base = load(
        format!("{}{list_path}", list_baseline.base_url()),
        authorization.clone(),
        seconds,
    )
    .await?;
    list_baseline.stop()?;
    let list_paylink = load(format!("{base}{list_path}"), authorization.clone(), seconds).await?;
    let ratio = list_paylink.requests_per_sec / list_base.requests_per_sec;
    let target = match dialect {
        Dialect::Sqlite => 0.20,
        Dialect::Postgres => 0.10,
    };
    report.push(
        Figure::new(
            format!(
                "A link's charges ({CHARGES}, {} bytes), {db}: throughput paylink ÷ baseline, 64 connections",
                list.len()
            ),
            ratio,
            format!(
                "{ratio:.2} ({} ÷ {} req/s)",
                rate(list_paylink.requests_per_sec),
                rate(list_base.requests_per_sec)
            ),
        )
        .at_least(target, format!("{target:.2}"))
        .unless(list_base.problem().or(list_paylink.problem())),
    );

    // The link itself, while payers pay another link.
    let object_path = format!("/links/{link_id}");
    let object = client::get_bytes(&bench.client, &base, &object_path, &account.secret_key).await?;
    let object_baseline = baseline(bench, &format!("read-{name}"), &object_path, &object)?;
    let (_, paid_uri) = client::create_link(
        &bench.client,
        &base,
        &account.secret_key,
        "Bench paid while read",
        true,
    )
    .await?;
    let paid = Arc::new(AtomicU64::new(0));
    let failed = Arc::new(AtomicU64::new(0));
    // Long enough for both loads, their start-ups and a margin.
    let until = Instant::now() + Duration::from_secs(2 * seconds + 4);
    let payers: Vec<_> = (0..bench.args.payers.max(1))
        .map(|_| {
            let (client, base, key, uri) = (
                bench.client.clone(),
                base.clone(),
                account.public_key.clone(),
                paid_uri.clone(),
            );
            let (paid, failed) = (paid.clone(), failed.clone());
            tokio::spawn(async move {
                while Instant::now() < until {
                    match pay_once(&client, &base, &key, &uri).await {
                        Ok(_) => paid.fetch_add(1, Ordering::Relaxed),
                        Err(_) => failed.fetch_add(1, Ordering::Relaxed),
                    };
                }
            })
        })
        .collect();
    tokio::time::sleep(Duration::from_secs(1)).await;
    let started = Instant::now();
    let paid_before = paid.load(Ordering::Relaxed);
    let read_base = load(
        format!("{}{object_path}", object_baseline.base_url()),
        authorization.clone(),
        seconds,
    )
    .await?;
    let read_paylink = load(
        format!("{base}{object_path}"),
        authorization.clone(),
        seconds,
    )
    .await?;
    let payments_per_sec =
        (paid.load(Ordering::Relaxed) - paid_before) as f64 / started.elapsed().as_secs_f64();
    for payer in payers {
        payer.await?;
    }
    object_baseline.stop()?;
    let ratio = read_paylink.requests_per_sec / read_base.requests_per_sec;
    let target = match dialect {
        Dialect::Sqlite => 0.35,
        Dialect::Postgres => 0.15,
    };
    let failures = failed.load(Ordering::Relaxed);
    let problem = read_base
        .problem()
        .or(read_paylink.problem())
        .or((failures > 0).then(|| format!("{failures} payments failed meanwhile")));
    report.push(
        Figure::new(
            format!(
                "Retrieve a link with {CHARGES} charges while {} payers pay another, {db}: throughput paylink ÷ baseline under the same payments",
                bench.args.payers.max(1)
            ),
            ratio,
            format!(
                "{ratio:.2} ({} ÷ {} req/s; {} payments/s meanwhile)",
                rate(read_paylink.requests_per_sec),
                rate(read_base.requests_per_sec),
                rate(payments_per_sec)
            ),
        )
        .at_least(target, format!("{target:.2}"))
        .unless(problem),
    );

    let mut table = format!(
        "`wrk -t2 -c64 -d{seconds}s --latency`. The link has {CHARGES} charges. \
         Its list (`GET /links/{{id}}/charges`, {} bytes) is loaded with nothing written; \
         the link (`GET /links/{{id}}`, {} bytes) is loaded while {} payers (token + pay, \
         as in the payments scenario) pay another link of the same account, the baseline \
         under the same payments first, then paylink.\n\n\
         | Load | Server | Requests/s | p50 | p99 |\n|---|---|---|---|---|\n",
        list.len(),
        object.len(),
        bench.args.payers.max(1)
    );
    for (what, server, run) in [
        ("list", "baseline", &list_base),
        ("list", "paylink", &list_paylink),
        ("read while paying", "baseline", &read_base),
        ("read while paying", "paylink", &read_paylink),
    ] {
        let _ = writeln!(
            table,
            "| {what} | {server} | {} | {} | {} |",
            rate(run.requests_per_sec),
            crate::report::duration(run.p50),
            crate::report::duration(run.p99)
        );
    }
    report.detail(format!("Reads while payments flow, {db}"), table);
    Ok(())
}
