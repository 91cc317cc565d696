//! paylink's benchmark: start-up, retrieving a link against a static
//! baseline, listing and searching a million charges, and payments without
//! and with a webhook receiver, on SQLite and (when one is reachable) PostgreSQL, in
//! one run that writes BENCHMARKS.md.
//!
//! Every target is a ratio or a bound measured in this same run, so a busy
//! machine moves both sides of a comparison alike.

mod client;
mod dashboard;
mod database;
mod export;
mod lists;
mod machine;
mod mixed;
mod payments;
mod process;
mod report;
mod retrieve;
mod search;
mod seed;
mod startup;
mod webhooks;
mod wrk;

use clap::Parser;
use report::{Figure, Report, Value};
use seed::Dialect;
use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::time::{Duration, Instant};

pub type Result<T, E = Box<dyn std::error::Error + Send + Sync>> = std::result::Result<T, E>;

/// Runs every scenario once and writes BENCHMARKS.md.
///
/// An option given twice takes its last value, so that `bench/run --out X`
/// overrides the `--out BENCHMARKS.md` the script passes first.
#[derive(Debug, Clone, Parser)]
#[command(name = "paylink-bench", args_override_self = true)]
pub struct Args {
    /// The paylink binary to measure (a release build).
    #[arg(long)]
    pub paylink: PathBuf,
    /// The static-baseline binary.
    #[arg(long)]
    pub baseline: PathBuf,
    /// The repository: its commit is recorded.
    #[arg(long, default_value = ".")]
    pub repo: PathBuf,
    /// Where to write the report.
    #[arg(long, default_value = "BENCHMARKS.md")]
    pub out: PathBuf,
    /// The hand-written profile copied into the report.
    #[arg(long, default_value = "bench/PROFILE.md")]
    pub profile: PathBuf,
    /// Scratch space for databases and server logs; emptied at the start.
    #[arg(long, default_value = "target/bench-run")]
    pub work_dir: PathBuf,
    /// A PostgreSQL server on which the run may create and drop a database.
    #[arg(
        long,
        env = "PAYLINK_BENCH_POSTGRES_URL",
        default_value = "postgres://postgres@127.0.0.1:5432/postgres"
    )]
    pub postgres_url: String,
    /// Charges seeded on the listed link.
    #[arg(long, default_value_t = 1_000_000)]
    pub charges: u64,
    /// Fresh servers timed from spawn to /healthz.
    #[arg(long, default_value_t = 15)]
    pub startup_runs: usize,
    /// Seconds of each wrk run on GET /links/{id}.
    #[arg(long, default_value_t = 10)]
    pub retrieve_seconds: u64,
    /// Seconds of each wrk run on a list or a search (longer for a slow search).
    #[arg(long, default_value_t = 5)]
    pub list_seconds: u64,
    /// Seconds of paying.
    #[arg(long, default_value_t = 10)]
    pub pay_seconds: u64,
    /// Concurrent payers.
    #[arg(long, default_value_t = 32)]
    pub payers: usize,
    /// Seconds to wait, after the payers stop, for the webhook events still
    /// to come; any still missing then make the webhook figures invalid.
    #[arg(long, default_value_t = 30)]
    pub webhook_wait_seconds: u64,
    /// Measure payments alone, without and with a webhook receiver (and
    /// the seed they need), for comparing builds quickly; the report then
    /// holds only those figures.
    #[arg(long)]
    pub payments_only: bool,
    /// Measure search alone (and the seed it needs), for comparing builds
    /// quickly.
    #[arg(long)]
    pub search_only: bool,
    /// Measure the dashboard's pages alone (and the seed they need), for
    /// comparing builds quickly.
    #[arg(long)]
    pub dashboard_only: bool,
    /// Measure the reads alone (retrieve, a link's charges, and reads
    /// while payments flow), for comparing builds quickly.
    #[arg(long)]
    pub reads_only: bool,
    /// Seed each database and measure `paylink export` alone: no start-up,
    /// HTTP load or payments (and no wrk needed).
    #[arg(long)]
    pub export_only: bool,
}

/// What every scenario needs: the arguments and one HTTP client.
pub struct Bench {
    pub args: Args,
    pub client: reqwest::Client,
}

impl Bench {
    pub fn work_file(&self, name: &str) -> PathBuf {
        self.args.work_dir.join(name)
    }
}

#[tokio::main]
async fn main() -> ExitCode {
    let mut args = Args::parse();
    match absolute(&args.work_dir) {
        Ok(dir) => args.work_dir = dir,
        Err(e) => return fail(e),
    }
    match run(args).await {
        Ok(true) => ExitCode::SUCCESS,
        Ok(false) => {
            eprintln!(
                "paylink-bench: some figures are invalid or missing because of errors; see the report"
            );
            ExitCode::FAILURE
        }
        Err(e) => fail(e),
    }
}

fn fail(e: impl std::fmt::Display) -> ExitCode {
    eprintln!("paylink-bench: {e}");
    ExitCode::FAILURE
}

fn absolute(path: &Path) -> Result<PathBuf> {
    Ok(std::env::current_dir()?.join(path))
}

/// The whole run; false when some figure could not be trusted.
async fn run(args: Args) -> Result<bool> {
    let started = Instant::now();
    if !args.export_only && machine::first_line("wrk", &["-v"]).is_none() {
        return Err("wrk is not installed (Debian: apt-get install wrk)".into());
    }
    for binary in [&args.paylink, &args.baseline] {
        if !binary.is_file() {
            return Err(format!("{} is missing: build it first", binary.display()).into());
        }
    }
    if args.work_dir.exists() {
        std::fs::remove_dir_all(&args.work_dir)?;
    }
    std::fs::create_dir_all(&args.work_dir)?;
    let context = Context {
        machine: machine::Machine::read(),
        load_before: machine::load_average(),
        commit: machine::git_commit(&args.repo),
        date: jiff::Timestamp::now()
            .strftime("%Y-%m-%d %H:%M UTC")
            .to_string(),
        rustc: machine::first_line("rustc", &["-V"]).unwrap_or_else(|| "unknown".into()),
        wrk: machine::first_line("wrk", &["-v"]).unwrap_or_default(),
    };
    let bench = Bench {
        client: client::http_client()?,
        args,
    };
    let mut report = Report::default();

    let card = if bench.args.export_only {
        startup::card(&bench).await?
    } else {
        eprintln!("start-up: {} fresh servers", bench.args.startup_runs);
        startup::measure(&bench, &mut report).await?
    };

    eprintln!("SQLite");
    let sqlite_path = bench.work_file("bench.db");
    let sqlite_url = format!("sqlite://{}", sqlite_path.display());
    let outcome = database::run(&bench, Dialect::Sqlite, &sqlite_url, &card, &mut report).await;
    remove_sqlite(&sqlite_path);
    if let Err(e) = outcome {
        report.push(Figure::missing(
            "SQLite scenarios",
            Value::Failed(e.to_string()),
        ));
    }

    eprintln!("PostgreSQL");
    let postgres_version = database::run_postgres(&bench, &card, &mut report).await;

    let took = started.elapsed();
    let markdown = render(&bench, &context, &report, postgres_version.as_deref(), took)?;
    std::fs::write(&bench.args.out, markdown)?;
    eprintln!(
        "wrote {} in {:.0} s",
        bench.args.out.display(),
        took.as_secs_f64()
    );
    Ok(!report.figures.iter().any(Figure::is_error))
}

/// A SQLite database file and its WAL companions.
pub fn remove_sqlite(path: &Path) {
    for suffix in ["", "-wal", "-shm", "-journal"] {
        let mut name = path.as_os_str().to_owned();
        name.push(suffix);
        let _ = std::fs::remove_file(PathBuf::from(name));
    }
}

/// What the report says about where and when it ran.
struct Context {
    machine: machine::Machine,
    load_before: String,
    commit: String,
    date: String,
    rustc: String,
    wrk: String,
}

fn render(
    bench: &Bench,
    context: &Context,
    report: &Report,
    postgres_version: Option<&str>,
    took: Duration,
) -> Result<String> {
    let args = &bench.args;
    let profile = std::fs::read_to_string(&args.profile)
        .map_err(|e| format!("cannot read {}: {e}", args.profile.display()))?;
    // The profile's own title gives way to the report's section heading.
    let profile = match profile.split_once('\n') {
        Some((first, rest)) if first.starts_with("# ") => rest.trim(),
        _ => profile.trim(),
    };
    let m = &context.machine;
    let mut out = format!(
        "# Benchmarks\n\n\
         Written by `bench/run` (see [bench/README.md](bench/README.md)); rerun it rather than \
         editing this file. Every target is a ratio or a bound measured in this one run, \
         so a busy machine weighs on both sides of each comparison.\n\n\
         - Date: {date}\n\
         - Commit: {commit}\n\
         - CPU: {cpu}, {cores} logical cores\n\
         - Memory: {memory:.1} GiB\n\
         - Kernel: {kernel}\n\
         - Load average (1, 5, 15 min) before the run: {load_before}; after: {load_after}\n\
         - Toolchain: {rustc}; load from {wrk}\n\
         - PostgreSQL: {postgres}\n\
         - The run took {took:.0} s\n\n\
         ## Results\n\n{table}\n",
        date = context.date,
        commit = context.commit,
        cpu = m.cpu,
        cores = m.cores,
        memory = m.memory_gib,
        kernel = m.kernel,
        load_before = context.load_before,
        load_after = machine::load_average(),
        rustc = context.rustc,
        wrk = context.wrk.split(" Copyright").next().unwrap_or_default(),
        postgres = postgres_version.unwrap_or("not measured"),
        took = took.as_secs_f64(),
        table = report.table(),
    );
    out.push_str(&format!(
        "## How it was measured\n\n\
         - Start-up: `paylink serve` on a new SQLite file, timed from spawn until `GET /healthz` \
         answers 200, polled every 0.5 ms; {runs} runs.\n\
         - Retrieve a link: `wrk -t2 -c64 -d{retrieve}s --latency` on `GET /links/{{id}}` of a \
         link without charges, against paylink and against `static-baseline` (axum answering \
         the same bytes from memory), alternately, twice each; medians.\n\
         - Lists: {charges} charges seeded on one link by SQL in one transaction (one in \
         {failed_every} failed with `{failure}`; {named} paid with a card named `{name}`), then \
         `wrk -t2 -c8 -d{list}s --latency`, after an unmeasured second of the same load, on \
         the last page against the first, in each order \
         and inside a `from`/`to` window that cuts the middle, for the link's charges and the \
         account's. Each query's `total`, page size and first and last `created_at` were \
         checked before it was loaded.\n\
         - Search: on the same charges, right after the lists and before any payment, \
         `GET /search?scope=charge` with `query={query}` (the {named} named charges, found \
         through the text index), with `filters[status]=failed` (one in {failed_every}), with \
         both, and with `filters[status]=successful` (all the rest), first page of the \
         default 30, each against `GET /charges?limit=30` at offset 0 loaded the same way \
         (`wrk -t2 -c8 -d{list}s --latency --timeout 60s` after an unmeasured second). A \
         search whose first answer took 100 ms or more is loaded instead for long enough to \
         give each connection about three answers (up to 60 s), without the warm-up. Each \
         answer's `total` and the ids of its page were checked before it was loaded. The \
         successful filter shows what `total` costs: a `COUNT(*)` over every match, linear \
         in the matches.\n\
         - Payments: {payers} payers in the benchmark process, each making a token \
         (`POST /tokens`) then paying a multiple-use link with it (`POST` to its `payment_uri`, \
         answered 303), for {pay} s; afterwards the link's `total` must equal the 303s counted.\n\
         - Webhooks: right after, on the same server, a receiver in the benchmark process \
         (axum on a loopback port, answering 200 to every request) is made the account's \
         webhook URI with `PATCH /account`, and the payments are run again on a new link, \
         keeping for each 303 the charge id of its `Location` and when it arrived. The \
         receiver notes when each `charge.create` event first arrives, by its `data.id`. \
         Figures: payments per second with the receiver over those of the run without it; \
         the time from each payment's 303 to its event's arrival, p50 and p99 (an event \
         arriving before its 303 counts as 0); and the events received over the time from \
         the first arrival to the last. After the payers stop, the run waits up to \
         {wait} s for the rest; a payment whose event has not arrived by then, or an unsigned \
         or unreadable delivery, makes the latency and delivery figures invalid. The webhook \
         is then turned off (`webhook_uri=` empty).\n\
         - Memory: `VmHWM` of each database's one server process, read just before it is \
         stopped, after all of the above.\n\
         - Export: then `paylink export --out FILE` of an account with no rows, and of the \
         seeded account (the million charges, their tokens, and the payments' charges, \
         tokens and events), each process's `VmHWM` read every 10 ms until it exits; rows \
         per second are the rows its summary counts over the time from spawn to exit.\n\
         - A run that saw a non-2xx answer or a socket error makes its figure invalid.\n\n",
        runs = args.startup_runs,
        retrieve = args.retrieve_seconds,
        charges = report::count(args.charges),
        list = args.list_seconds,
        failed_every = seed::FAILED_EVERY,
        failure = seed::FAILURE_CODE,
        named = seed::NAMED,
        name = seed::CARD_NAME,
        query = search::QUERY,
        payers = args.payers,
        pay = args.pay_seconds,
        wait = args.webhook_wait_seconds,
    ));
    out.push_str("## Details\n\n");
    for (heading, body) in &report.details {
        out.push_str(&format!("### {heading}\n\n{}\n\n", body.trim_end()));
    }
    out.push_str(&format!("## Where the time goes\n\n{profile}\n"));
    Ok(out)
}
