//! Lists over a million charges: the last page must cost about what the
//! first does, in either order and inside a time window, for a link's
//! charges and for the account's.

use crate::process::{Account, Server};
use crate::report::{Figure, Report, count, duration, rate};
use crate::seed::{Dialect, Seeded};
use crate::wrk::{self, Load};
use crate::{Bench, Result, client};
use serde_json::Value;
use std::fmt::Write as _;
use std::time::Duration;

const LIMIT: u64 = 100;
const TARGET: f64 = 1.5;

/// One list request and what its answer must hold.
struct Query {
    query: String,
    total: u64,
    /// Chronological indexes of the page's first and last charges.
    first: u64,
    last: u64,
}

/// A shallow and a deep page of the same list.
struct Pair {
    label: &'static str,
    shallow: Query,
    deep: Query,
}

/// ISO 8601, second precision, as paylink prints times.
fn iso(micros: i64) -> String {
    jiff::Timestamp::from_microsecond(micros)
        .map(|t| t.strftime("%Y-%m-%dT%H:%M:%SZ").to_string())
        .unwrap_or_default()
}

fn pairs(seeded: &Seeded) -> Result<Vec<Pair>> {
    let n = seeded.charges;
    if n < 4 * LIMIT {
        return Err(format!("seed at least {} charges to compare pages", 4 * LIMIT).into());
    }
    let deep = n - LIMIT;
    let chrono = |offset: u64| Query {
        query: format!("limit={LIMIT}&offset={offset}"),
        total: n,
        first: offset,
        last: offset + LIMIT - 1,
    };
    let reverse = |offset: u64| Query {
        query: format!("limit={LIMIT}&offset={offset}&order=reverse_chronological"),
        total: n,
        first: n - 1 - offset,
        last: n - offset - LIMIT,
    };
    // From a quarter to three quarters of the seeded span, on whole
    // seconds as the API compares them; `to` takes in its whole second.
    const SECOND: i64 = 1_000_000;
    let at = |index: u64| seeded.created_at(index).div_euclid(SECOND) * SECOND;
    let (from, to) = (at(n / 4), at(3 * n / 4));
    let index_at_or_after = |micros: i64| {
        let after_first = (micros - seeded.first_at).max(0);
        (after_first as u64).div_ceil(crate::seed::CHARGE_SPACING_MICROS as u64)
    };
    let lo = index_at_or_after(from);
    let hi = index_at_or_after(to + SECOND).min(n) - 1;
    let in_window = hi - lo + 1;
    if in_window < 2 * LIMIT {
        return Err("the window holds too few charges; seed more".into());
    }
    let window = |offset: u64| Query {
        query: format!(
            "limit={LIMIT}&offset={offset}&from={}&to={}",
            iso(from),
            iso(to)
        ),
        total: in_window,
        first: lo + offset,
        last: lo + offset + LIMIT - 1,
    };
    Ok(vec![
        Pair {
            label: "chronological",
            shallow: chrono(0),
            deep: chrono(deep),
        },
        Pair {
            label: "reverse_chronological",
            shallow: reverse(0),
            deep: reverse(deep),
        },
        Pair {
            label: "from/to window, chronological",
            shallow: window(0),
            deep: window(in_window - LIMIT),
        },
    ])
}

/// Checks an answer against what the seed put there, so the load runs
/// measure real pages, not errors or empty lists.
fn check(answer: &Value, query: &Query, seeded: &Seeded) -> Result<()> {
    let wrong = |what: String| format!("?{}: {what}", query.query);
    let total = answer["total"].as_u64();
    if total != Some(query.total) {
        return Err(wrong(format!("total {total:?}, expected {}", query.total)).into());
    }
    let data = answer["data"].as_array().map(Vec::as_slice).unwrap_or(&[]);
    if data.len() as u64 != LIMIT {
        return Err(wrong(format!("{} charges, expected {LIMIT}", data.len())).into());
    }
    for (charge, index) in [(&data[0], query.first), (&data[data.len() - 1], query.last)] {
        let expected = iso(seeded.created_at(index));
        if charge["created_at"].as_str() != Some(expected.as_str()) {
            return Err(wrong(format!(
                "a charge made at {}, expected {expected}",
                charge["created_at"]
            ))
            .into());
        }
    }
    Ok(())
}

pub async fn measure(
    bench: &Bench,
    dialect: Dialect,
    server: &Server,
    account: &Account,
    seeded: &Seeded,
    report: &mut Report,
) -> Result<()> {
    let db = dialect.name();
    let base = server.base_url();
    let authorization = client::basic(&account.secret_key);
    let load = Load {
        threads: 2,
        connections: 8,
        duration: Duration::from_secs(bench.args.list_seconds),
    };
    let warm_up = Load {
        duration: Duration::from_secs(1),
        ..load
    };
    let deep_offset = count(seeded.charges - LIMIT);
    let mut table = format!(
        "`wrk -t2 -c8 -d{}s --latency`, `limit={LIMIT}`, each after an unmeasured second of \
         the same load; the deep page is the last one. On SQLite a link's charge lists are \
         answered from the read cache after the first request of each second (nothing is \
         written meanwhile); the account's charges are not cached, and show the database's \
         own cost of a deep page.\n\n\
         | List | Order | Offset 0: p50 | req/s | Deep: p50 | req/s | Ratio of p50 |\n\
         |---|---|---|---|---|---|---|\n",
        bench.args.list_seconds
    );
    let scopes = [
        (
            "a link's charges",
            format!("/links/{}/charges", seeded.link_id),
        ),
        ("the account's charges", "/charges".to_owned()),
    ];
    for (scope, path) in scopes {
        for pair in pairs(seeded)? {
            eprintln!("  {scope}, {}", pair.label);
            let mut runs = Vec::new();
            let mut problem = None;
            for query in [&pair.shallow, &pair.deep] {
                let target = format!("{path}?{}", query.query);
                let answer =
                    client::get_json(&bench.client, &base, &target, &account.secret_key).await?;
                check(&answer, query, seeded)?;
                let url = format!("{base}{target}");
                // Right after seeding the first query would pay for a cold
                // cache alone; a short unmeasured run puts both on one footing.
                let warm = wrk::run(&url, &authorization, warm_up)?;
                let run = wrk::run(&url, &authorization, load)?;
                problem = problem.or_else(|| warm.problem()).or_else(|| run.problem());
                runs.push(run);
            }
            let (shallow, deep) = (&runs[0], &runs[1]);
            let ratio = deep.p50.as_secs_f64() / shallow.p50.as_secs_f64();
            let deep_label = if pair.label.starts_with("from/to") {
                format!(
                    "the window's last page (offset {})",
                    count(pair.deep.total - LIMIT)
                )
            } else {
                format!("offset {deep_offset}")
            };
            report.push(
                Figure::new(
                    format!(
                        "List {scope}, {db}, {}: p50 at {deep_label} ÷ at offset 0",
                        pair.label
                    ),
                    ratio,
                    format!(
                        "{ratio:.2} ({} ÷ {})",
                        duration(deep.p50),
                        duration(shallow.p50)
                    ),
                )
                .at_most(TARGET, format!("{TARGET}"))
                .unless(problem),
            );
            let _ = writeln!(
                table,
                "| {scope} | {} | {} | {} | {} | {} | {ratio:.2} |",
                pair.label,
                duration(shallow.p50),
                rate(shallow.requests_per_sec),
                duration(deep.p50),
                rate(deep.requests_per_sec),
            );
        }
    }
    report.detail(
        format!("Lists over {} charges, {db}", count(seeded.charges)),
        table,
    );
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn seeded(charges: u64) -> Seeded {
        Seeded {
            link_id: "link_test_x".into(),
            charges,
            first_at: 1_700_000_000_000_000,
            named_stride: crate::seed::named_stride(charges),
            took: Duration::ZERO,
        }
    }

    #[test]
    fn pages_of_a_million() {
        let seeded = seeded(1_000_000);
        let pairs = pairs(&seeded).unwrap();
        let reverse = &pairs[1];
        assert_eq!((reverse.deep.first, reverse.deep.last), (99, 0));
        assert_eq!(
            (reverse.shallow.first, reverse.shallow.last),
            (999_999, 999_900)
        );
        // 250 s to 750 s after the first charge, the last second inclusive.
        let window = &pairs[2];
        assert_eq!(window.shallow.total, 501_000);
        assert_eq!(window.shallow.first, 250_000);
        assert_eq!(window.deep.last, 750_999);
        assert!(
            window
                .deep
                .query
                .contains("from=2023-11-14T22:17:30Z&to=2023-11-14T22:25:50Z")
        );
    }

    #[test]
    fn too_few_charges_are_refused() {
        assert!(pairs(&seeded(399)).is_err());
        assert!(pairs(&seeded(10_000)).is_ok());
    }
}
