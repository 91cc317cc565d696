//! One database's part of the run: an account, a million seeded charges,
//! then one server process for retrieving, listing, searching, paying and
//! paying with a webhook receiver, whose peak memory is read at the end;
//! then `paylink export` of the account.

use crate::process::{Server, create_account, free_addr};
use crate::report::{Figure, Report, Value};
use crate::seed::{self, Dialect};
use crate::{Bench, Result, dashboard, export, lists, mixed, payments, retrieve, search, webhooks};
use sqlx::Connection;
use std::time::Duration;

const MEMORY_TARGET_MIB: f64 = 64.0;

/// Runs the retrieve, list, search, payment and webhook scenarios on the database at `url`.
pub async fn run(
    bench: &Bench,
    dialect: Dialect,
    url: &str,
    card: &str,
    report: &mut Report,
) -> Result<()> {
    let db = dialect.name();
    let account = create_account(&bench.args.paylink, url)?;
    eprintln!(
        "  seeding {} charges",
        crate::report::count(bench.args.charges)
    );
    let seeded = seed::seed(
        dialect,
        url,
        &account.id,
        card,
        bench.args.charges,
        jiff::Timestamp::now().as_microsecond(),
    )
    .await?;
    report.detail(
        format!("Seeding, {db}"),
        format!(
            "{} charges (and their tokens) written in one transaction in {:.1} s.",
            crate::report::count(seeded.charges),
            seeded.took.as_secs_f64()
        ),
    );
    if bench.args.export_only {
        return export::measure(bench, dialect, url, &account, report);
    }
    let log = bench.work_file(&format!("paylink-{}.log", db.to_lowercase()));
    let mut server = Server::paylink(&bench.args.paylink, free_addr()?, url, &log)?;
    server.wait_ready("/healthz")?;

    if bench.args.payments_only {
        let without = payments::measure(bench, dialect, &server, &account, report).await?;
        webhooks::measure(bench, dialect, &server, &account, &without, report).await?;
    } else if bench.args.dashboard_only {
        dashboard::measure(bench, dialect, &server, &account, report).await?;
    } else if bench.args.search_only {
        search::measure(bench, dialect, &server, &account, &seeded, report).await?;
    } else if bench.args.reads_only {
        retrieve::measure(bench, dialect, &server, &account, report).await?;
        mixed::measure(bench, dialect, &server, &account, report).await?;
    } else {
        retrieve::measure(bench, dialect, &server, &account, report).await?;
        lists::measure(bench, dialect, &server, &account, &seeded, report).await?;
        // Before the payments, which add charges to the account.
        search::measure(bench, dialect, &server, &account, &seeded, report).await?;
        dashboard::measure(bench, dialect, &server, &account, report).await?;
        mixed::measure(bench, dialect, &server, &account, report).await?;
        let without = payments::measure(bench, dialect, &server, &account, report).await?;
        webhooks::measure(bench, dialect, &server, &account, &without, report).await?;
    }

    let peak = server.stop()? as f64 / (1024.0 * 1024.0);
    report.push(
        Figure::new(
            format!(
                "Peak RSS of the {db} server through retrieve, lists, search, payments and webhooks"
            ),
            peak,
            format!("{peak:.1} MiB"),
        )
        .at_most(MEMORY_TARGET_MIB, "64 MiB"),
    );
    export::measure(bench, dialect, url, &account, report)
}

/// The figures PostgreSQL would have given, marked as not measured.
fn skip_postgres(report: &mut Report, why: &str) {
    for name in [
        "Retrieve a link, PostgreSQL",
        "List charges, PostgreSQL",
        "Search charges, PostgreSQL",
        "A link's charges, PostgreSQL",
        "Retrieve a link while payers pay, PostgreSQL",
        "Payments, PostgreSQL",
        "Payments with a webhook receiver, PostgreSQL",
        "Webhook after payment, PostgreSQL",
        "Webhook deliveries, PostgreSQL",
        "Peak RSS of the PostgreSQL server",
        "Peak RSS of `paylink export`, PostgreSQL",
        "Export, PostgreSQL",
    ] {
        report.push(Figure::missing(name, Value::Skipped(why.to_owned())));
    }
}

/// The URL without its user and password, fit to print.
fn redact(url: &str) -> String {
    match (url.split_once("://"), url.rsplit_once('@')) {
        (Some((scheme, _)), Some((_, host))) => format!("{scheme}://{host}"),
        _ => url.to_owned(),
    }
}

/// `url` with its database name replaced by `name`, keeping any query.
fn with_database(url: &str, name: &str) -> Option<String> {
    let (base, query) = match url.split_once('?') {
        Some((base, query)) => (base, Some(query)),
        None => (url, None),
    };
    let (scheme, rest) = base.split_once("://")?;
    let authority = rest.split('/').next()?;
    let mut out = format!("{scheme}://{authority}/{name}");
    if let Some(query) = query {
        out.push('?');
        out.push_str(query);
    }
    Some(out)
}

/// Runs the scenarios on a database of their own, created on the server at
/// `--postgres-url` and dropped afterwards; returns the server's version.
pub async fn run_postgres(bench: &Bench, card: &str, report: &mut Report) -> Option<String> {
    let admin_url = &bench.args.postgres_url;
    let shown = redact(admin_url);
    let connected = tokio::time::timeout(
        Duration::from_secs(5),
        sqlx::PgConnection::connect(admin_url),
    )
    .await;
    let mut admin = match connected {
        Ok(Ok(conn)) => conn,
        Ok(Err(e)) => {
            skip_postgres(report, &format!("PostgreSQL unreachable at {shown}: {e}"));
            return None;
        }
        Err(_) => {
            skip_postgres(
                report,
                &format!("PostgreSQL unreachable at {shown}: no answer in 5 s"),
            );
            return None;
        }
    };
    let version: Option<String> = sqlx::query_scalar("SHOW server_version")
        .fetch_one(&mut admin)
        .await
        .ok()
        .map(|v: String| format!("server {v}"));
    let name = format!(
        "paylink_bench_{}_{}",
        std::process::id(),
        jiff::Timestamp::now().as_second()
    );
    let Some(url) = with_database(admin_url, &name) else {
        skip_postgres(report, &format!("cannot read the URL {shown}"));
        return version;
    };
    if let Err(e) = sqlx::query(&format!("CREATE DATABASE {name}"))
        .execute(&mut admin)
        .await
    {
        report.push(Figure::missing(
            "PostgreSQL scenarios",
            Value::Failed(format!("cannot create a database on {shown}: {e}")),
        ));
        return version;
    }
    let outcome = run(bench, Dialect::Postgres, &url, card, report).await;
    if let Err(e) = outcome {
        report.push(Figure::missing(
            "PostgreSQL scenarios",
            Value::Failed(e.to_string()),
        ));
    }
    if let Err(e) = sqlx::query(&format!("DROP DATABASE IF EXISTS {name} WITH (FORCE)"))
        .execute(&mut admin)
        .await
    {
        eprintln!("paylink-bench: could not drop the database {name}: {e}");
    }
    version
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn database_urls() {
        let admin = "postgres://postgres:secret@127.0.0.1:5432/postgres?sslmode=disable";
        assert_eq!(
            with_database(admin, "bench").as_deref(),
            Some("postgres://postgres:secret@127.0.0.1:5432/bench?sslmode=disable")
        );
        assert_eq!(
            with_database("postgres://127.0.0.1", "bench").as_deref(),
            Some("postgres://127.0.0.1/bench")
        );
        assert_eq!(
            redact(admin),
            "postgres://127.0.0.1:5432/postgres?sslmode=disable"
        );
    }
}
