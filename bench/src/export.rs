//! `paylink export` of the seeded account: its peak memory must not grow
//! with the account (rows are streamed, never collected), so it is held
//! against the export of an account with no rows; and its rows per second.

use crate::process::{Account, clean_command, create_account, peak_rss};
use crate::report::{Figure, Report, count, duration, rate};
use crate::seed::Dialect;
use crate::{Bench, Result};
use std::process::Stdio;
use std::time::{Duration, Instant};

/// How much more the million-row export may hold than the empty one.
const GROWTH_TARGET: f64 = 1.5;

/// How often the export's `VmHWM` is read while it runs.
const SAMPLE_EVERY: Duration = Duration::from_millis(10);

/// One export: its peak resident set, rows, bytes and time.
struct Exported {
    peak: u64,
    rows: u64,
    bytes: u64,
    took: Duration,
}

/// Exports `account` to a file, reading the process's `VmHWM` until it
/// exits (the last reading is at most one interval old, and the figure is
/// flat by then).
fn export(bench: &Bench, url: &str, account: &str, name: &str) -> Result<Exported> {
    let out = bench.work_file(name);
    let started = Instant::now();
    let mut child = clean_command(&bench.args.paylink)
        .args(["export", "--database", url, "--account", account, "--out"])
        .arg(&out)
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()?;
    let mut peak = 0;
    let status = loop {
        if let Some(status) = child.try_wait()? {
            break status;
        }
        if let Ok(now) = peak_rss(child.id()) {
            peak = peak.max(now);
        }
        std::thread::sleep(SAMPLE_EVERY);
    };
    let took = started.elapsed();
    let mut stderr = String::new();
    if let Some(mut pipe) = child.stderr.take() {
        std::io::Read::read_to_string(&mut pipe, &mut stderr)?;
    }
    if !status.success() {
        return Err(format!("paylink export failed ({status}): {stderr}").into());
    }
    let bytes = std::fs::metadata(&out)?.len();
    std::fs::remove_file(&out)?;
    Ok(Exported {
        peak,
        rows: rows_in_summary(&stderr),
        bytes,
        took,
    })
}

/// The rows an export's summary line counts: `…: 1 links, 2 tokens, …`.
fn rows_in_summary(summary: &str) -> u64 {
    let Some((_, counts)) = summary.trim().rsplit_once(": ") else {
        return 0;
    };
    counts
        .split(", ")
        .filter_map(|part| part.split(' ').next()?.parse::<u64>().ok())
        .sum()
}

fn mib(bytes: u64) -> f64 {
    bytes as f64 / (1024.0 * 1024.0)
}

/// Exports an empty account, then the seeded one, on the database at `url`.
pub fn measure(
    bench: &Bench,
    dialect: Dialect,
    url: &str,
    seeded: &Account,
    report: &mut Report,
) -> Result<()> {
    let db = dialect.name();
    let empty = create_account(&bench.args.paylink, url)?;
    let small = export(bench, url, &empty.id, "export-empty.json")?;
    let large = export(bench, url, &seeded.id, "export.json")?;
    let growth = large.peak as f64 / small.peak.max(1) as f64;
    let per_sec = large.rows as f64 / large.took.as_secs_f64();
    report.push(
        Figure::new(
            format!("Peak RSS of `paylink export`, {db}, a million charges over no rows"),
            growth,
            format!(
                "{:.1} MiB over {:.1} MiB: {growth:.2}×",
                mib(large.peak),
                mib(small.peak)
            ),
        )
        .at_most(GROWTH_TARGET, format!("{GROWTH_TARGET}×")),
    );
    report.push(Figure::new(
        format!("Export, {db}"),
        per_sec,
        format!("{} rows/s", rate(per_sec)),
    ));
    report.detail(
        format!("Export, {db}"),
        format!(
            "`paylink export --out` of the seeded account: {} rows ({:.0} MiB) in {}, peak \
             RSS {:.1} MiB; of an account with no rows, {:.1} MiB.",
            count(large.rows),
            mib(large.bytes),
            duration(large.took),
            mib(large.peak),
            mib(small.peak)
        ),
    );
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn summary_rows() {
        let line = "exported account acct_1 to x.json in 1.2s: 1 links, 2 tokens, 3 charges, \
                    0 refunds, 4 events\n";
        assert_eq!(rows_in_summary(line), 10);
        assert_eq!(rows_in_summary("nothing"), 0);
    }
}
