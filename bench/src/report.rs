//! The figures of one run and the Markdown they become.

use std::fmt::Write as _;
use std::time::Duration;

/// What a figure is held to.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Target {
    AtLeast(f64),
    AtMost(f64),
    /// Reported for information; the issue sets no bar.
    None,
}

/// A figure, or why there is none.
#[derive(Debug, Clone, PartialEq)]
pub enum Value {
    Measured(f64),
    /// Measured, but the run saw errors, so the number means nothing.
    Invalid(String),
    /// Not measured, for a reason outside paylink (no PostgreSQL server).
    Skipped(String),
    /// The scenario broke before it could measure.
    Failed(String),
}

/// One row of the results table.
#[derive(Debug, Clone)]
pub struct Figure {
    pub name: String,
    pub value: Value,
    /// The measurement as a reader wants it, with units and context.
    pub shown: String,
    pub target: Target,
    pub target_shown: String,
}

impl Figure {
    pub fn new(name: impl Into<String>, value: f64, shown: impl Into<String>) -> Figure {
        Figure {
            name: name.into(),
            value: Value::Measured(value),
            shown: shown.into(),
            target: Target::None,
            target_shown: "none".to_owned(),
        }
    }

    pub fn at_least(mut self, target: f64, shown: impl Into<String>) -> Figure {
        self.target = Target::AtLeast(target);
        self.target_shown = format!("≥ {}", shown.into());
        self
    }

    pub fn at_most(mut self, target: f64, shown: impl Into<String>) -> Figure {
        self.target = Target::AtMost(target);
        self.target_shown = format!("≤ {}", shown.into());
        self
    }

    /// Marks the figure untrustworthy when its run saw errors.
    pub fn unless(mut self, problem: Option<String>) -> Figure {
        if let Some(problem) = problem {
            self.value = Value::Invalid(problem);
        }
        self
    }

    /// A figure that could not be measured.
    pub fn missing(name: impl Into<String>, value: Value) -> Figure {
        Figure {
            name: name.into(),
            value,
            shown: String::new(),
            target: Target::None,
            target_shown: "—".to_owned(),
        }
    }

    /// Whether the target is met, and the margin: positive is headroom,
    /// negative is how far short, both relative to the target.
    pub fn verdict(&self) -> Option<(bool, f64)> {
        let Value::Measured(value) = self.value else {
            return None;
        };
        match self.target {
            Target::AtLeast(target) => Some((value >= target, value / target - 1.0)),
            Target::AtMost(target) => Some((value <= target, 1.0 - value / target)),
            Target::None => None,
        }
    }

    /// True when the run must not be trusted: errors under load, or a
    /// scenario that broke.
    pub fn is_error(&self) -> bool {
        matches!(self.value, Value::Invalid(_) | Value::Failed(_))
    }

    fn cells(&self) -> [String; 5] {
        let (measured, met, margin) = match &self.value {
            Value::Measured(_) => {
                let (met, margin) = match (self.verdict(), self.target) {
                    (Some((true, m)), Target::AtLeast(_)) => {
                        ("yes".to_owned(), format!("{:.0}% above", m * 100.0))
                    }
                    (Some((true, m)), _) => ("yes".to_owned(), format!("{:.0}% under", m * 100.0)),
                    (Some((false, m)), Target::AtLeast(_)) => {
                        ("**no**".to_owned(), format!("{:.0}% short", -m * 100.0))
                    }
                    (Some((false, m)), _) => {
                        ("**no**".to_owned(), format!("{:.0}% over", -m * 100.0))
                    }
                    (None, _) => ("—".to_owned(), "—".to_owned()),
                };
                (self.shown.clone(), met, margin)
            }
            Value::Invalid(why) => (
                format!("invalid: {why}"),
                "**no**".to_owned(),
                "—".to_owned(),
            ),
            Value::Failed(why) => (
                format!("failed: {why}"),
                "**no**".to_owned(),
                "—".to_owned(),
            ),
            Value::Skipped(why) => (
                format!("not measured: {why}"),
                "—".to_owned(),
                "—".to_owned(),
            ),
        };
        [
            self.name.clone(),
            measured,
            self.target_shown.clone(),
            met,
            margin,
        ]
    }
}

/// Everything one run writes into BENCHMARKS.md.
#[derive(Debug, Default)]
pub struct Report {
    pub figures: Vec<Figure>,
    /// Sections of detail under the table: a heading and its Markdown.
    pub details: Vec<(String, String)>,
}

impl Report {
    pub fn push(&mut self, figure: Figure) {
        eprintln!(
            "  {}: {}",
            figure.name,
            match &figure.value {
                Value::Measured(_) => figure.shown.clone(),
                other => format!("{other:?}"),
            }
        );
        self.figures.push(figure);
    }

    pub fn detail(&mut self, heading: impl Into<String>, markdown: impl Into<String>) {
        self.details.push((heading.into(), markdown.into()));
    }

    /// The results table.
    pub fn table(&self) -> String {
        let mut out = String::from(
            "| Figure | Measured | Target | Met | By how much |\n|---|---|---|---|---|\n",
        );
        for figure in &self.figures {
            let cells = figure
                .cells()
                .map(|c| c.replace('|', "\\|").replace('\n', " "));
            let _ = writeln!(out, "| {} |", cells.join(" | "));
        }
        out
    }
}

/// A duration at the precision a latency needs: `812 µs`, `4.55 ms`, `1.20 s`.
pub fn duration(d: Duration) -> String {
    let micros = d.as_secs_f64() * 1e6;
    if micros < 1000.0 {
        format!("{micros:.0} µs")
    } else if micros < 1e6 {
        format!("{:.2} ms", micros / 1e3)
    } else {
        format!("{:.2} s", micros / 1e6)
    }
}

/// A count with thousands separators: `1,000,000`.
pub fn count(n: u64) -> String {
    let digits = n.to_string();
    let mut out = String::new();
    for (i, c) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i) % 3 == 0 {
            out.push(',');
        }
        out.push(c);
    }
    out
}

/// A rate, rounded to a whole number with separators.
pub fn rate(per_sec: f64) -> String {
    count(per_sec.round().max(0.0) as u64)
}

/// The median; the mean of the middle two for an even count.
pub fn median(values: &[f64]) -> f64 {
    let mut sorted = values.to_vec();
    sorted.sort_by(f64::total_cmp);
    let n = sorted.len();
    match n {
        0 => f64::NAN,
        _ if n % 2 == 1 => sorted[n / 2],
        _ => (sorted[n / 2 - 1] + sorted[n / 2]) / 2.0,
    }
}

/// The value below which `fraction` of the sample lies (nearest rank).
pub fn percentile(sorted: &[Duration], fraction: f64) -> Duration {
    if sorted.is_empty() {
        return Duration::ZERO;
    }
    let rank = (fraction * sorted.len() as f64).ceil() as usize;
    sorted[rank.clamp(1, sorted.len()) - 1]
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn verdicts_and_margins() {
        let ratio = Figure::new("ratio", 0.6, "0.60").at_least(0.5, "0.5");
        assert_eq!(
            ratio.cells()[3..],
            ["yes".to_owned(), "20% above".to_owned()]
        );
        let slow = Figure::new("start", 60.0, "60 ms").at_most(50.0, "50 ms");
        assert_eq!(
            slow.cells()[3..],
            ["**no**".to_owned(), "20% over".to_owned()]
        );
        let short = Figure::new("pay", 1500.0, "1,500/s").at_least(2000.0, "2,000/s");
        assert_eq!(short.cells()[4], "25% short");
        let bad = short.unless(Some("3 errors".into()));
        assert!(bad.is_error());
        assert_eq!(bad.cells()[1], "invalid: 3 errors");
        let skipped = Figure::missing("pg", Value::Skipped("unreachable".into()));
        assert!(!skipped.is_error());
    }

    #[test]
    fn numbers_for_people() {
        assert_eq!(count(1_000_000), "1,000,000");
        assert_eq!(count(999), "999");
        assert_eq!(duration(Duration::from_micros(812)), "812 µs");
        assert_eq!(duration(Duration::from_micros(4550)), "4.55 ms");
        assert_eq!(median(&[3.0, 1.0, 2.0]), 2.0);
        assert_eq!(median(&[1.0, 2.0, 3.0, 4.0]), 2.5);
        let sample: Vec<Duration> = (1..=100).map(Duration::from_millis).collect();
        assert_eq!(percentile(&sample, 0.5), Duration::from_millis(50));
        assert_eq!(percentile(&sample, 0.99), Duration::from_millis(99));
    }
}
