//! List windows: limit, offset, order and the `from`/`to` time range.

use jiff::Timestamp;
use thiserror::Error;

/// Microseconds since the Unix epoch, UTC: how every time is stored.
pub type Micros = i64;

const MICROS_PER_SEC: i64 = 1_000_000;
pub const DEFAULT_LIMIT: u32 = 20;
pub const MAX_LIMIT: u32 = 100;

/// The current time.
pub fn now() -> Micros {
    Timestamp::now().as_microsecond()
}

/// ISO 8601 in UTC with second precision: `2026-11-21T09:46:00Z`.
pub fn format_time(at: Micros) -> String {
    let secs = at.div_euclid(MICROS_PER_SEC);
    match Timestamp::from_second(secs) {
        Ok(ts) => ts.strftime("%Y-%m-%dT%H:%M:%SZ").to_string(),
        Err(_) => "1970-01-01T00:00:00Z".to_owned(),
    }
}

/// Parses an ISO 8601 date-time: with `Z` or an offset, fractional seconds
/// allowed; without an offset it is UTC; a date alone is midnight UTC.
pub fn parse_time(raw: &str) -> Option<Micros> {
    let raw = raw.trim();
    // ISO 8601 years have four digits; a sign means an expanded year.
    if raw.starts_with(['+', '-']) {
        return None;
    }
    if let Ok(ts) = raw.parse::<Timestamp>() {
        return Some(ts.as_microsecond());
    }
    let civil = raw.parse::<jiff::civil::DateTime>().ok();
    if let Some(zoned) = civil.and_then(|dt| dt.to_zoned(jiff::tz::TimeZone::UTC).ok()) {
        return Some(zoned.timestamp().as_microsecond());
    }
    end_of_time(raw)
}

/// The last hours of year 9999, which a timestamp cannot hold: later than
/// anything stored, so the latest timestamp stands for them.
fn end_of_time(raw: &str) -> Option<Micros> {
    let (civil, rest) = (raw.get(..19)?, &raw[19..]);
    let at = civil.parse::<jiff::civil::DateTime>().ok()?;
    let rest = match rest.strip_prefix('.') {
        Some(fraction) => fraction.trim_start_matches(|c: char| c.is_ascii_digit()),
        None => rest,
    };
    let offset = rest
        .strip_prefix(['+', '-'])
        .map(|hhmm| hhmm.replacen(':', "", usize::from(hhmm.len() == 5)))
        .is_some_and(|hhmm| hhmm.len() == 4 && hhmm.bytes().all(|b| b.is_ascii_digit()));
    let zone = offset || matches!(rest, "" | "Z" | "z");
    (at.year() == 9999 && at.month() == 12 && zone).then(|| Timestamp::MAX.as_microsecond())
}

/// `chronological` (oldest first, the default) or `reverse_chronological`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Order {
    Chronological,
    ReverseChronological,
}

impl Order {
    pub fn as_str(self) -> &'static str {
        match self {
            Order::Chronological => "chronological",
            Order::ReverseChronological => "reverse_chronological",
        }
    }
}

/// Why a window was refused; the API maps these to `bad_request` and
/// `invalid_date_format`.
#[derive(Debug, Error, PartialEq, Eq)]
pub enum WindowError {
    #[error("{0}")]
    BadRequest(String),
    #[error("{0}")]
    InvalidDate(String),
}

/// The raw list parameters, each `None` when not given.
#[derive(Debug, Default, Clone)]
pub struct WindowParams<'a> {
    pub limit: Option<i64>,
    pub offset: Option<i64>,
    pub order: Option<&'a str>,
    pub from: Option<&'a str>,
    pub to: Option<&'a str>,
}

/// A validated page request. Times are compared at the second precision
/// they are shown with: a record is inside when
/// `from <= created_at <= to`, both truncated to the second.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct ListWindow {
    pub limit: u32,
    pub offset: u64,
    pub order: Order,
    /// Start of the window, truncated to the second.
    pub from: Micros,
    /// End of the window, truncated to the second (inclusive).
    pub to: Micros,
}

impl ListWindow {
    /// The defaults: 20 records from the first, oldest first, all time up to `now`.
    pub fn first_page(now: Micros) -> ListWindow {
        ListWindow {
            limit: DEFAULT_LIMIT,
            offset: 0,
            order: Order::Chronological,
            from: 0,
            to: truncate(now),
        }
    }

    pub fn parse(p: &WindowParams<'_>, now: Micros) -> Result<ListWindow, WindowError> {
        let limit = match p.limit {
            None => DEFAULT_LIMIT,
            Some(n) if (1..=i64::from(MAX_LIMIT)).contains(&n) => n as u32,
            Some(_) => {
                return Err(WindowError::BadRequest(format!(
                    "limit must be between 1 and {MAX_LIMIT}"
                )));
            }
        };
        let offset = match p.offset {
            None => 0,
            Some(n) => u64::try_from(n).map_err(|_| {
                WindowError::BadRequest("offset must be a non-negative integer".into())
            })?,
        };
        let order = match p.order {
            None => Order::Chronological,
            Some("chronological") => Order::Chronological,
            Some("reverse_chronological") => Order::ReverseChronological,
            Some(_) => {
                return Err(WindowError::BadRequest(
                    "order must be chronological or reverse_chronological".into(),
                ));
            }
        };
        let time = |name: &str, raw: Option<&str>, default: Micros| match raw {
            None => Ok(default),
            Some(raw) => parse_time(raw).map(truncate).ok_or_else(|| {
                WindowError::InvalidDate(format!("{name} is not a valid ISO 8601 date-time"))
            }),
        };
        let from = time("from", p.from, 0)?;
        let to = time("to", p.to, truncate(now))?;
        if from > to {
            return Err(WindowError::BadRequest(
                "from must not be later than to".into(),
            ));
        }
        Ok(ListWindow {
            limit,
            offset,
            order,
            from,
            to,
        })
    }

    /// `[start, end)` in microseconds: the stored `created_at` range inside.
    pub fn created_range(&self) -> (Micros, Micros) {
        (self.from, self.to.saturating_add(MICROS_PER_SEC))
    }
}

fn truncate(at: Micros) -> Micros {
    at.div_euclid(MICROS_PER_SEC) * MICROS_PER_SEC
}

/// One page of a list and the number of records in its window.
#[derive(Debug, Clone)]
pub struct Page<T> {
    pub data: Vec<T>,
    pub total: u64,
    pub window: ListWindow,
}

impl<T> Page<T> {
    /// The same page with each record converted, or the first failure.
    pub fn try_map<U, E>(self, f: impl FnMut(&T) -> Result<U, E>) -> Result<Page<U>, E> {
        Ok(Page {
            data: self.data.iter().map(f).collect::<Result<_, _>>()?,
            total: self.total,
            window: self.window,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn times_have_four_digit_years_through_the_end_of_9999() {
        assert_eq!(parse_time("-000001-01-01T00:00:00Z"), None);
        assert_eq!(parse_time("+002026-01-01T00:00:00Z"), None);
        let end = Some(Timestamp::MAX.as_microsecond());
        assert_eq!(parse_time("9999-12-31T23:59:59Z"), end);
        assert_eq!(parse_time("9999-12-31T23:59:59.5+07:00"), end);
        assert_eq!(parse_time("9999-12-31T23:59:59+0700"), end);
        assert_eq!(parse_time("9999-12-31T23:59:59junk"), None);
        assert_eq!(parse_time("9999-12-31T23:59:59+07:0x"), None);
        assert!(parse_time("2026-11-21T09:46:00Z").is_some());
    }

    fn at(raw: &str) -> Micros {
        parse_time(raw).expect(raw)
    }

    #[test]
    fn parses_iso_8601_forms() {
        let base = at("2026-11-21T09:46:00Z");
        assert_eq!(format_time(base), "2026-11-21T09:46:00Z");
        assert_eq!(at("2026-11-21T16:46:00+07:00"), base);
        assert_eq!(at("2026-11-21T09:46:00.250Z"), base + 250_000);
        assert_eq!(at("2026-11-21T09:46:00"), base);
        assert_eq!(format_time(at("2026-11-21")), "2026-11-21T00:00:00Z");
        for bad in [
            "",
            "yesterday",
            "2026-13-01",
            "2026-11-21T25:00:00Z",
            "21/11/2026",
            "1637488000",
        ] {
            assert_eq!(parse_time(bad), None, "{bad}");
        }
    }

    #[test]
    fn formats_with_second_precision() {
        assert_eq!(format_time(0), "1970-01-01T00:00:00Z");
        assert_eq!(format_time(1_999_999), "1970-01-01T00:00:01Z");
    }

    #[test]
    fn defaults_and_bounds() {
        let now = at("2026-11-21T09:46:00.9Z");
        let w = ListWindow::parse(&WindowParams::default(), now).unwrap();
        assert_eq!(w, ListWindow::first_page(now));
        assert_eq!(
            (w.limit, w.offset, w.order, w.from),
            (20, 0, Order::Chronological, 0)
        );
        assert_eq!(format_time(w.to), "2026-11-21T09:46:00Z");
        for (limit, ok) in [
            (0, false),
            (1, true),
            (100, true),
            (101, false),
            (-1, false),
        ] {
            let p = WindowParams {
                limit: Some(limit),
                ..Default::default()
            };
            assert_eq!(ListWindow::parse(&p, now).is_ok(), ok, "limit {limit}");
        }
        let p = WindowParams {
            offset: Some(-1),
            ..Default::default()
        };
        assert!(matches!(
            ListWindow::parse(&p, now),
            Err(WindowError::BadRequest(_))
        ));
        let p = WindowParams {
            order: Some("newest"),
            ..Default::default()
        };
        assert!(matches!(
            ListWindow::parse(&p, now),
            Err(WindowError::BadRequest(_))
        ));
        let p = WindowParams {
            from: Some("soon"),
            ..Default::default()
        };
        assert!(matches!(
            ListWindow::parse(&p, now),
            Err(WindowError::InvalidDate(_))
        ));
        let p = WindowParams {
            from: Some("2026-11-22"),
            to: Some("2026-11-21"),
            ..Default::default()
        };
        assert!(matches!(
            ListWindow::parse(&p, now),
            Err(WindowError::BadRequest(_))
        ));
    }

    #[test]
    fn the_window_includes_the_whole_last_second() {
        let p = WindowParams {
            from: Some("2026-11-21T09:46:00.7Z"),
            to: Some("2026-11-21T09:46:00Z"),
            ..Default::default()
        };
        let w = ListWindow::parse(&p, 0).unwrap();
        let (start, end) = w.created_range();
        assert_eq!(start, at("2026-11-21T09:46:00Z"));
        assert_eq!(end, at("2026-11-21T09:46:01Z"));
    }
}
