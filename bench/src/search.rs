//! `GET /search` over the seeded charges: a text query that matches a
//! hundred of them, a status filter that matches one in ten, and both, each
//! against the account's first page of charges; and what `total` costs when
//! a filter matches nearly all of them.

use crate::process::{Account, Server};
use crate::report::{Figure, Report, count, duration, rate};
use crate::seed::{self, Dialect, Seeded};
use crate::wrk::{self, Load, WrkRun};
use crate::{Bench, Result, client};
use serde_json::Value;
use std::fmt::Write as _;
use std::time::{Duration, Instant};

/// The search's default `per_page`, and the list's `limit` it is held to.
const PAGE: u64 = 30;
const TARGET: f64 = 3.0;
/// Part of [`seed::CARD_NAME`], in another case: the match is case-insensitive.
pub const QUERY: &str = "kanokwan";

/// The list every search is compared with.
const BASELINE: &str = "/charges?limit=30";

/// One search and the seeded charges it must find.
struct Case {
    /// How the report names it.
    label: String,
    /// The request's path and query (`filters[...]` percent-encoded).
    target: String,
    matches: fn(&Seeded, u64) -> bool,
    /// Held to [`TARGET`]; otherwise reported for what `total` costs.
    held: bool,
}

fn cases() -> Vec<Case> {
    let status = |s: &str| format!("filters%5Bstatus%5D={s}");
    vec![
        Case {
            label: format!("`query={QUERY}`"),
            target: format!("/search?scope=charge&query={QUERY}"),
            matches: |s, i| s.named(i),
            held: true,
        },
        Case {
            label: "`filters[status]=failed`".into(),
            target: format!("/search?scope=charge&{}", status("failed")),
            matches: |s, i| s.failed(i),
            held: true,
        },
        Case {
            label: format!("`query={QUERY}` and `filters[status]=failed`"),
            target: format!("/search?scope=charge&query={QUERY}&{}", status("failed")),
            matches: |s, i| s.named(i) && s.failed(i),
            held: true,
        },
        Case {
            label: "`filters[status]=successful`".into(),
            target: format!("/search?scope=charge&{}", status("successful")),
            matches: |s, i| !s.failed(i),
            held: false,
        },
    ]
}

/// What an answer must hold: how many charges match, and the ids of the
/// first page of them, oldest first.
#[derive(Debug, PartialEq)]
struct Expected {
    total: u64,
    page: Vec<String>,
}

fn expected(seeded: &Seeded, matches: impl Fn(u64) -> bool) -> Expected {
    let mut total = 0;
    let mut page = Vec::new();
    for index in (0..seeded.charges).filter(|&i| matches(i)) {
        total += 1;
        if (page.len() as u64) < PAGE {
            page.push(Seeded::charge_id(index));
        }
    }
    Expected { total, page }
}

/// Checks an answer against what the seed put there, so the load runs
/// measure real pages, not errors or empty results.
fn check(answer: &Value, target: &str, expected: &Expected) -> Result<()> {
    let wrong = |what: String| format!("{target}: {what}");
    let total = answer["total"].as_u64();
    if total != Some(expected.total) {
        return Err(wrong(format!("total {total:?}, expected {}", expected.total)).into());
    }
    let ids: Vec<&str> = answer["data"]
        .as_array()
        .map(Vec::as_slice)
        .unwrap_or(&[])
        .iter()
        .map(|charge| charge["id"].as_str().unwrap_or_default())
        .collect();
    if ids != expected.page {
        return Err(wrong(format!(
            "a page of {} charges from {:?} to {:?}, expected {} from {:?} to {:?}",
            ids.len(),
            ids.first(),
            ids.last(),
            expected.page.len(),
            expected.page.first(),
            expected.page.last()
        ))
        .into());
    }
    Ok(())
}

/// A search whose first answer took this long is slow: see [`measure_one`].
const SLOW: Duration = Duration::from_millis(100);
/// wrk's timeout for searches, so that a slow one is measured, not failed.
const TIMEOUT: Duration = Duration::from_secs(60);
/// The longest a slow search's run is stretched to.
const LONGEST_RUN: Duration = Duration::from_secs(60);
const CONNECTIONS: u32 = 8;

/// One load run and how it went.
struct Measured {
    run: WrkRun,
    problem: Option<String>,
    /// The run's length, longer than `--list-seconds` for a slow search.
    seconds: u64,
    /// The first answer, untimed by wrk: the check.
    first: Duration,
}

/// Checks `target`, then loads it after an unmeasured second of the same
/// load. A slow search (its first answer took [`SLOW`] or more) is loaded
/// for long enough that each connection sees a few answers, without the
/// warm-up (its first answer warmed the cache), under a long timeout; and
/// the requests wrk leaves unanswered when it stops are given time to
/// finish before the next run.
async fn measure_one(
    bench: &Bench,
    server: &Server,
    account: &Account,
    target: &str,
    expected: &Expected,
) -> Result<Measured> {
    let base = server.base_url();
    let started = Instant::now();
    let answer = client::get_json(&bench.client, &base, target, &account.secret_key).await?;
    let first = started.elapsed();
    check(&answer, target, expected)?;
    let authorization = client::basic(&account.secret_key);
    let url = format!("{base}{target}");
    let listed = Duration::from_secs(bench.args.list_seconds);
    let slow = first >= SLOW;
    let duration = if slow {
        // Three rounds of all the connections' requests, one after another.
        listed.max((first * CONNECTIONS * 3).min(LONGEST_RUN))
    } else {
        listed
    };
    let load = Load {
        threads: 2,
        connections: CONNECTIONS,
        duration,
    };
    let mut problem = None;
    if !slow {
        let warm_up = Load {
            duration: Duration::from_secs(1),
            ..load
        };
        problem = wrk::run_with_timeout(&url, &authorization, warm_up, Some(TIMEOUT))?.problem();
    }
    let run = wrk::run_with_timeout(&url, &authorization, load, Some(TIMEOUT))?;
    if slow {
        tokio::time::sleep(run.p99.min(TIMEOUT)).await;
    }
    Ok(Measured {
        problem: problem.or_else(|| run.problem()),
        seconds: duration.as_secs().max(1),
        run,
        first,
    })
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
    if seeded.charges < seed::NAMED * seed::FAILED_EVERY * 10 {
        return Err(format!(
            "seed at least {} charges to search them",
            count(seed::NAMED * seed::FAILED_EVERY * 10)
        )
        .into());
    }
    eprintln!("  search: {BASELINE}");
    let baseline = measure_one(
        bench,
        server,
        account,
        BASELINE,
        &expected(seeded, |_| true),
    )
    .await?;
    let (list, list_problem) = (&baseline.run, &baseline.problem);
    let mut table = format!(
        "`wrk -t2 -c{CONNECTIONS} -d{}s --latency --timeout {}s`, each after an unmeasured \
         second of the same load. Every search is `scope=charge` with the default `per_page` \
         ({PAGE}) and order (chronological); its ratio is to the p50 of `GET {BASELINE}` \
         (offset 0). A search whose first answer (the check) took {} ms or more is slow: it is \
         loaded without the warm-up for long enough that its connections see about three \
         answers each (at most {} s), and the run after it waits its p99 for the requests \
         wrk left unanswered.\n\n\
         | Request | Matches | First answer | Run | p50 | p99 | req/s | Ratio of p50 to the list's |\n\
         |---|---|---|---|---|---|---|---|\n\
         | `GET {BASELINE}` | {} | {} | {} s | {} | {} | {} | 1.00 |\n",
        bench.args.list_seconds,
        TIMEOUT.as_secs(),
        SLOW.as_millis(),
        LONGEST_RUN.as_secs(),
        count(seeded.charges),
        duration(baseline.first),
        baseline.seconds,
        duration(list.p50),
        duration(list.p99),
        rate(list.requests_per_sec),
    );
    // (matches, p50) of the status filters, for what each match costs.
    let mut by_status = Vec::new();
    for case in cases() {
        eprintln!("  search: {}", case.label);
        let expected = expected(seeded, |i| (case.matches)(seeded, i));
        let measured = measure_one(bench, server, account, &case.target, &expected).await?;
        let run = &measured.run;
        let problem = measured.problem.clone().or_else(|| list_problem.clone());
        let ratio = run.p50.as_secs_f64() / list.p50.as_secs_f64();
        let matches = count(expected.total);
        let _ = writeln!(
            table,
            "| {} | {matches} | {} | {} s | {} | {} | {} | {ratio:.2} |",
            case.label,
            duration(measured.first),
            measured.seconds,
            duration(run.p50),
            duration(run.p99),
            rate(run.requests_per_sec),
        );
        if case.target.contains("status") && !case.target.contains("query") {
            by_status.push((expected.total, run.p50));
        }
        let figure = if case.held {
            Figure::new(
                format!(
                    "Search charges, {db}, {} ({matches} of {}): p50 ÷ `GET {BASELINE}` p50",
                    case.label,
                    count(seeded.charges)
                ),
                ratio,
                format!(
                    "{ratio:.2} ({} ÷ {})",
                    duration(run.p50),
                    duration(list.p50)
                ),
            )
            .at_most(TARGET, format!("{TARGET}"))
        } else {
            Figure::new(
                format!(
                    "Search charges, {db}, {} ({matches} of {}): p50, its `total` counting every match",
                    case.label,
                    count(seeded.charges)
                ),
                run.p50.as_secs_f64(),
                format!("{} ({ratio:.0} × `GET {BASELINE}`)", duration(run.p50)),
            )
        };
        report.push(figure.unless(problem));
    }
    let _ = write!(
        table,
        "\nThe searched charges: {} seeded on one link, one in {} failed with `{}`, and \
         {} paid with a card named `{}`, one in ten of which failed too; `query={QUERY}` \
         finds those through the text index (FTS5 trigram on SQLite, a pg_trgm GIN index on \
         PostgreSQL), case-insensitively. Each answer's `total` and the ids of its page \
         were checked before it was loaded.\n\n\
         `total` is a `COUNT(*)` over every row the search matches, made again for every \
         page: its cost grows linearly with the number of matches, whatever `per_page` is.",
        count(seeded.charges),
        seed::FAILED_EVERY,
        seed::FAILURE_CODE,
        seed::NAMED,
        seed::CARD_NAME,
    );
    if let [(few, few_p50), (many, many_p50)] = by_status[..] {
        let per_match = (many_p50.as_secs_f64() - few_p50.as_secs_f64()) / (many - few) as f64;
        let _ = write!(
            table,
            " From `filters[status]=failed` ({}) to `filters[status]=successful` ({}) the \
             p50 grew by {} for {} more matches: about {:.0} ns each.",
            count(few),
            count(many),
            duration(many_p50.saturating_sub(few_p50)),
            count(many - few),
            per_match * 1e9,
        );
    }
    report.detail(
        format!("Search over {} charges, {db}", count(seeded.charges)),
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
            named_stride: seed::named_stride(charges),
            took: Duration::ZERO,
        }
    }

    #[test]
    fn a_million_charges_match_as_asked() {
        let s = seeded(1_000_000);
        assert_eq!(s.named_stride, 9_999);
        let [query, failed, both, successful] = &cases()[..] else {
            panic!("four cases");
        };
        let found = |case: &Case| expected(&s, |i| (case.matches)(&s, i));
        let query = found(query);
        assert_eq!(query.total, 100);
        assert_eq!(query.page.len(), 30);
        assert_eq!(query.page[0], "chrg_test_seed000000000009999");
        let failed = found(failed);
        assert_eq!(failed.total, 100_000);
        assert_eq!(failed.page[0], "chrg_test_seed000000000000010");
        assert_eq!(failed.page[29], "chrg_test_seed000000000000300");
        let both = found(both);
        assert_eq!(both.total, 10);
        assert_eq!(both.page[0], "chrg_test_seed000000000099990");
        assert_eq!(found(successful).total, 900_000);
    }

    #[test]
    fn smaller_seeds_still_name_a_hundred() {
        for charges in [10_000, 12_345, 100_000] {
            let s = seeded(charges);
            let named = (0..charges).filter(|&i| s.named(i)).count();
            let both = (0..charges).filter(|&i| s.named(i) && s.failed(i)).count();
            assert_eq!((named, both), (100, 10), "{charges}");
        }
    }

    #[test]
    fn the_query_is_part_of_the_name_alone() {
        let name = seed::CARD_NAME.to_lowercase();
        assert!(name.contains(QUERY));
        for other in [
            "chrg_test_seed000000000000001",
            "link_test_seed000000000000001",
            seed::LINK_TITLE,
            seed::LINK_DESCRIPTION,
            seed::FAILURE_CODE,
            "bench 4242",
        ] {
            assert!(!other.to_lowercase().contains(QUERY), "{other}");
        }
    }
}
