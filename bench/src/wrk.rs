//! Load from wrk, a second process on loopback, and the figures read back
//! from its report.

use crate::Result;
use std::process::Command;
use std::time::Duration;

/// How hard and how long one wrk run pushes.
#[derive(Debug, Clone, Copy)]
pub struct Load {
    pub threads: u32,
    pub connections: u32,
    pub duration: Duration,
}

/// What one wrk run reports.
#[derive(Debug, Clone, PartialEq)]
pub struct WrkRun {
    pub requests: u64,
    pub requests_per_sec: f64,
    pub p50: Duration,
    pub p99: Duration,
    /// Responses outside 2xx and 3xx.
    pub non_2xx: u64,
    /// Connect, read, write and timeout errors added up.
    pub socket_errors: u64,
}

impl WrkRun {
    /// Why the run cannot be trusted, if it cannot: a benchmark that
    /// counted errors as answers would measure the wrong thing.
    pub fn problem(&self) -> Option<String> {
        if self.requests == 0 {
            Some("no request completed".to_owned())
        } else if self.non_2xx > 0 {
            Some(format!(
                "{} of {} responses were not 2xx",
                self.non_2xx, self.requests
            ))
        } else if self.socket_errors > 0 {
            Some(format!("{} socket errors", self.socket_errors))
        } else {
            None
        }
    }
}

/// Runs wrk against `url` with an `Authorization` header, and parses its report.
pub fn run(url: &str, authorization: &str, load: Load) -> Result<WrkRun> {
    run_with_timeout(url, authorization, load, None)
}

/// [`run`], with wrk's `--timeout` (2 s unless given): a request still
/// unanswered after it counts as a socket error.
pub fn run_with_timeout(
    url: &str,
    authorization: &str,
    load: Load,
    timeout: Option<Duration>,
) -> Result<WrkRun> {
    run_full(
        url,
        &format!("Authorization: {authorization}"),
        load,
        timeout,
    )
}

/// [`run`] with any one header line (`Cookie: …`) instead of the key.
pub fn run_with_header(url: &str, header: &str, load: Load) -> Result<WrkRun> {
    run_full(url, header, load, None)
}

fn run_full(url: &str, header: &str, load: Load, timeout: Option<Duration>) -> Result<WrkRun> {
    let mut command = Command::new("wrk");
    if let Some(timeout) = timeout {
        command
            .arg("--timeout")
            .arg(format!("{}s", timeout.as_secs().max(1)));
    }
    let output = command
        .arg(format!("-t{}", load.threads))
        .arg(format!("-c{}", load.connections))
        .arg(format!("-d{}s", load.duration.as_secs().max(1)))
        .arg("--latency")
        .arg("-H")
        .arg(header)
        .arg(url)
        .output()
        .map_err(|e| format!("cannot run wrk: {e}"))?;
    let stdout = String::from_utf8_lossy(&output.stdout);
    if !output.status.success() {
        return Err(format!(
            "wrk {url} failed ({}): {stdout}{}",
            output.status,
            String::from_utf8_lossy(&output.stderr)
        )
        .into());
    }
    parse(&stdout).ok_or_else(|| format!("cannot read wrk's report for {url}:\n{stdout}").into())
}

/// Reads wrk's `--latency` report.
pub fn parse(report: &str) -> Option<WrkRun> {
    let mut requests = None;
    let mut requests_per_sec = None;
    let mut p50 = None;
    let mut p99 = None;
    let mut non_2xx = 0;
    let mut socket_errors = 0;
    for line in report.lines().map(str::trim) {
        if let Some(rate) = line.strip_prefix("Requests/sec:") {
            requests_per_sec = rate.trim().parse().ok();
        } else if let Some(rest) = line.strip_prefix("Non-2xx or 3xx responses:") {
            non_2xx = rest.trim().parse().ok()?;
        } else if let Some(rest) = line.strip_prefix("Socket errors:") {
            // "connect 0, read 0, write 0, timeout 0"
            for part in rest.split(',') {
                socket_errors += part.split_whitespace().last()?.parse::<u64>().ok()?;
            }
        } else if let Some((count, _)) = line.split_once(" requests in ") {
            requests = count.trim().parse().ok();
        } else if let Some(latency) = line.strip_prefix("50%") {
            p50 = parse_duration(latency.trim());
        } else if let Some(latency) = line.strip_prefix("99%") {
            p99 = parse_duration(latency.trim());
        }
    }
    Some(WrkRun {
        requests: requests?,
        requests_per_sec: requests_per_sec?,
        p50: p50?,
        p99: p99?,
        non_2xx,
        socket_errors,
    })
}

/// wrk's durations: `812.00us`, `1.61ms`, `2.00s`, `1.50m`.
fn parse_duration(raw: &str) -> Option<Duration> {
    let split = raw.find(|c: char| c.is_ascii_alphabetic())?;
    let (number, unit) = raw.split_at(split);
    let number: f64 = number.parse().ok()?;
    let seconds = match unit {
        "us" => number / 1e6,
        "ms" => number / 1e3,
        "s" => number,
        "m" => number * 60.0,
        "h" => number * 3600.0,
        _ => return None,
    };
    Some(Duration::from_secs_f64(seconds))
}

#[cfg(test)]
mod tests {
    use super::*;

    const CLEAN: &str = "Running 10s test @ http://127.0.0.1:8080/links/link_test_x
  2 threads and 64 connections
  Thread Stats   Avg      Stdev     Max   +/- Stdev
    Latency   635.91us    0.89ms  12.92ms   93.69%
    Req/Sec    56.20k     8.07k   62.00k    86.54%
  Latency Distribution
     50%  250.00us
     75%  491.00us
     90%    1.61ms
     99%    4.55ms
  1118592 requests in 10.10s, 141.93MB read
Requests/sec: 110776.07
Transfer/sec:     14.06MB
";

    #[test]
    fn reads_a_clean_report() {
        let run = parse(CLEAN).expect("parses");
        assert_eq!(run.requests, 1_118_592);
        assert_eq!(run.requests_per_sec, 110_776.07);
        assert_eq!(run.p50, Duration::from_micros(250));
        assert_eq!(run.p99, Duration::from_micros(4550));
        assert_eq!((run.non_2xx, run.socket_errors), (0, 0));
        assert_eq!(run.problem(), None);
    }

    #[test]
    fn errors_make_a_run_untrustworthy() {
        let report = CLEAN.replace(
            "Requests/sec",
            "  Socket errors: connect 0, read 2, write 0, timeout 3\n  \
             Non-2xx or 3xx responses: 17\nRequests/sec",
        );
        let run = parse(&report).expect("parses");
        assert_eq!((run.non_2xx, run.socket_errors), (17, 5));
        assert_eq!(
            run.problem().as_deref(),
            Some("17 of 1118592 responses were not 2xx")
        );
    }

    #[test]
    fn a_report_without_percentiles_is_refused() {
        assert_eq!(parse(&CLEAN.replace("99%", "98%")), None);
        assert_eq!(parse(""), None);
    }

    #[test]
    fn durations_in_every_unit() {
        assert_eq!(parse_duration("1.50s"), Some(Duration::from_millis(1500)));
        assert_eq!(parse_duration("2.00m"), Some(Duration::from_secs(120)));
        assert_eq!(parse_duration("7.00"), None);
        assert_eq!(parse_duration("3.00ks"), None);
    }
}
