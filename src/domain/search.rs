//! Search: what `GET /search` asks for, parsed and checked. The store turns
//! a `Search` into SQL; nothing here knows of databases.

use super::list::{Micros, Order, parse_time};
use std::collections::BTreeMap;

/// What is searched.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Scope {
    Link,
    Charge,
}

/// Omise's other scopes: named as unsupported rather than unknown.
const OTHER_SCOPES: [&str; 8] = [
    "customer",
    "dispute",
    "recipient",
    "refund",
    "transfer",
    "transaction",
    "receipt",
    "schedule",
];

impl Scope {
    pub fn parse(raw: &str) -> Result<Scope, String> {
        match raw.trim() {
            "link" => Ok(Scope::Link),
            "charge" => Ok(Scope::Charge),
            other if OTHER_SCOPES.contains(&other) => Err(format!(
                "scope {other:?} is not supported: paylink searches link and charge"
            )),
            other => Err(format!(
                "scope {other:?} is not a search scope: use link or charge"
            )),
        }
    }

    pub fn as_str(self) -> &'static str {
        match self {
            Scope::Link => "link",
            Scope::Charge => "charge",
        }
    }
}

/// A time column a filter can bound.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TimeField {
    Created,
    UsedAt,
    CapturedAt,
}

/// A yes-or-no property.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FlagField {
    Multiple,
    Used,
    /// Authorized, captured and paid are one thing for a card charge that
    /// is captured at once: it succeeded.
    Paid,
    Refunded,
}

/// A column compared for equality.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TextField {
    Currency,
    CardLastDigits,
    FailureCode,
    Link,
    Status,
}

/// An amount column bounded in the currency's main unit.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum AmountField {
    Amount,
    RefundedAmount,
}

/// A main-unit amount with up to six decimals, as millionths.
pub type MainUnits = i128;

/// One filter, already checked.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Filter {
    /// Inclusive bounds in the main unit (`filters[amount]=1000` is ฿1,000).
    Amount {
        field: AmountField,
        min: Option<MainUnits>,
        max: Option<MainUnits>,
    },
    /// `from <= t < to`.
    Time {
        field: TimeField,
        from: Option<Micros>,
        to: Option<Micros>,
    },
    Flag {
        field: FlagField,
        value: bool,
    },
    Text {
        field: TextField,
        value: String,
    },
    /// A filter on something constant for paylink's charges: matches every
    /// row or none.
    Constant {
        matches: bool,
    },
}

/// A parsed search.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Search {
    pub scope: Scope,
    /// Case-insensitive substring to find; `None` matches everything.
    pub query: Option<String>,
    pub filters: Vec<Filter>,
    /// The filters as given, echoed as strings.
    pub echoed: BTreeMap<String, String>,
    pub order: Order,
    pub page: u64,
    pub per_page: u32,
}

impl Search {
    pub fn offset(&self) -> u64 {
        (self.page - 1).saturating_mul(u64::from(self.per_page))
    }

    /// For a charge search by status alone (or by nothing), the status
    /// whose kept count is its total: `Some(None)` for all of them.
    pub fn status_total(&self) -> Option<Option<&str>> {
        if self.scope != Scope::Charge || self.query.is_some() {
            return None;
        }
        match &self.filters[..] {
            [] => Some(None),
            [
                Filter::Text {
                    field: TextField::Status,
                    value,
                },
            ] => Some(Some(value.as_str())),
            _ => None,
        }
    }
}

/// The raw parameters of a search.
#[derive(Debug, Default)]
pub struct SearchParams<'a> {
    pub scope: Option<&'a str>,
    pub query: Option<&'a str>,
    pub filters: Vec<(String, String)>,
    pub order: Option<&'a str>,
    pub page: Option<i64>,
    pub per_page: Option<i64>,
}

pub const DEFAULT_PER_PAGE: u32 = 30;

impl Search {
    pub fn parse(p: &SearchParams<'_>) -> Result<Search, String> {
        let scope = Scope::parse(p.scope.ok_or("scope is required: link or charge")?)?;
        let order = match p.order.map(str::trim) {
            None | Some("") | Some("chronological") => Order::Chronological,
            Some("reverse_chronological") => Order::ReverseChronological,
            Some(other) => {
                return Err(format!(
                    "order {other:?} is not chronological or reverse_chronological"
                ));
            }
        };
        let page = match p.page {
            None => 1,
            Some(n) if n >= 1 => n as u64,
            Some(_) => return Err("page must be 1 or more".into()),
        };
        let per_page = match p.per_page {
            None => DEFAULT_PER_PAGE,
            Some(n) if (1..=100).contains(&n) => n as u32,
            Some(_) => return Err("per_page must be between 1 and 100".into()),
        };
        let mut filters = Vec::new();
        let mut echoed = BTreeMap::new();
        for (name, value) in &p.filters {
            let value = value.trim();
            if value.is_empty() {
                continue;
            }
            if value.contains('\0') {
                return Err(format!("filters[{name}] must not contain NUL characters"));
            }
            filters.push(parse_filter(scope, name, value)?);
            echoed.insert(name.clone(), value.to_owned());
        }
        let query = p
            .query
            .map(str::trim)
            .filter(|q| !q.is_empty())
            .map(str::to_owned);
        // No stored text holds a NUL, and PostgreSQL cannot even be asked.
        if query.as_deref().is_some_and(|q| q.contains('\0')) {
            return Err("query must not contain NUL characters".into());
        }
        Ok(Search {
            scope,
            query,
            filters,
            echoed,
            order,
            page,
            per_page,
        })
    }
}

fn parse_filter(scope: Scope, name: &str, value: &str) -> Result<Filter, String> {
    let bad = |what: &str| format!("filters[{name}] {value:?} is not {what}");
    let flag = |field| parse_bool(value).map(|value| Filter::Flag { field, value });
    let time = |field| {
        parse_time_range(value)
            .map(|(from, to)| Filter::Time { field, from, to })
            .ok_or_else(|| bad("a date, a date-time or a range of them (a..b, a.., ..b)"))
    };
    let amount = |field| {
        parse_amount_range(value)
            .map(|(min, max)| Filter::Amount { field, min, max })
            .ok_or_else(|| bad("an amount in the main unit or a range of them (a..b, a.., ..b)"))
    };
    let text = |field, value: String| Ok(Filter::Text { field, value });
    match (scope, name) {
        (_, "amount") => amount(AmountField::Amount),
        (_, "created") => time(TimeField::Created),
        (_, "currency") => {
            if value.len() == 3 && value.chars().all(|c| c.is_ascii_alphabetic()) {
                text(TextField::Currency, value.to_ascii_uppercase())
            } else {
                Err(bad("a currency code"))
            }
        }
        (Scope::Link, "multiple") => flag(FlagField::Multiple).ok_or_else(|| bad("a boolean")),
        (Scope::Link, "used") => flag(FlagField::Used).ok_or_else(|| bad("a boolean")),
        (Scope::Link, "used_at") => time(TimeField::UsedAt),
        (Scope::Charge, "authorized" | "captured" | "paid") => {
            flag(FlagField::Paid).ok_or_else(|| bad("a boolean"))
        }
        (Scope::Charge, "refunded") => flag(FlagField::Refunded).ok_or_else(|| bad("a boolean")),
        (Scope::Charge, "captured_at") => time(TimeField::CapturedAt),
        (Scope::Charge, "refund_amount") => amount(AmountField::RefundedAmount),
        (Scope::Charge, "card_last_digits") => {
            if value.len() == 4 && value.bytes().all(|b| b.is_ascii_digit()) {
                text(TextField::CardLastDigits, value.to_owned())
            } else {
                Err(bad("four digits"))
            }
        }
        (Scope::Charge, "failure_code") => text(TextField::FailureCode, value.to_ascii_lowercase()),
        (Scope::Charge, "link") => text(TextField::Link, value.to_owned()),
        (Scope::Charge, "status") => match value.to_ascii_lowercase().as_str() {
            s @ ("successful" | "failed" | "pending" | "expired" | "reversed") => {
                text(TextField::Status, s.to_owned())
            }
            _ => Err(bad("a charge status")),
        },
        // Constant for paylink's card charges, captured at once with the
        // payer present: accepted so that integrations' searches work.
        (Scope::Charge, "disputed" | "reversed" | "voided") => {
            let v = parse_bool(value).ok_or_else(|| bad("a boolean"))?;
            Ok(Filter::Constant { matches: !v })
        }
        (Scope::Charge, "capture" | "customer_present") => {
            let v = parse_bool(value).ok_or_else(|| bad("a boolean"))?;
            Ok(Filter::Constant { matches: v })
        }
        (Scope::Charge, "source_of_fund") => Ok(Filter::Constant {
            matches: value.eq_ignore_ascii_case("card"),
        }),
        _ => Err(format!(
            "filters[{name}] is not a filter of scope {}",
            scope.as_str()
        )),
    }
}

/// The boolean words: `true/false/yes/no/on/off/1/0`.
pub fn parse_bool(raw: &str) -> Option<bool> {
    match raw.trim().to_ascii_lowercase().as_str() {
        "true" | "yes" | "on" | "1" => Some(true),
        "false" | "no" | "off" | "0" => Some(false),
        _ => None,
    }
}

/// `a`, `a..b`, `a..` or `..b`, each end parsed by `one`.
fn range<T>(raw: &str, one: impl Fn(&str) -> Option<T>) -> Option<(Option<T>, Option<T>)> {
    match raw.split_once("..") {
        None => None,
        Some((a, b)) => {
            let (a, b) = (a.trim(), b.trim());
            if a.is_empty() && b.is_empty() {
                return None;
            }
            let lo = if a.is_empty() { None } else { Some(one(a)?) };
            let hi = if b.is_empty() { None } else { Some(one(b)?) };
            Some((lo, hi))
        }
    }
}

/// A main-unit amount: digits, with up to six decimals.
pub fn parse_main_units(raw: &str) -> Option<MainUnits> {
    let (whole, fraction) = raw.trim().split_once('.').unwrap_or((raw.trim(), ""));
    if whole.is_empty() || whole.len() > 15 || fraction.len() > 6 {
        return None;
    }
    if !whole.bytes().all(|b| b.is_ascii_digit()) || !fraction.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    let whole: i128 = whole.parse().ok()?;
    let fraction: i128 = format!("{fraction:0<6}").parse().ok()?;
    Some(whole * 1_000_000 + fraction)
}

fn parse_amount_range(raw: &str) -> Option<(Option<MainUnits>, Option<MainUnits>)> {
    match range(raw, parse_main_units) {
        Some((lo, hi)) => {
            if let (Some(lo), Some(hi)) = (lo, hi) {
                if lo > hi {
                    return None;
                }
            }
            Some((lo, hi))
        }
        None => parse_main_units(raw).map(|v| (Some(v), Some(v))),
    }
}

/// Minor units of a currency with `exponent` decimals: the least amount at
/// or above `units` (`ceil`) or the greatest at or below (`floor`).
pub fn to_minor(units: MainUnits, exponent: u32, ceil: bool) -> i64 {
    let scaled = units * 10i128.pow(exponent);
    let (q, r) = (scaled / 1_000_000, scaled % 1_000_000);
    let minor = if ceil && r > 0 { q + 1 } else { q };
    minor.clamp(i128::from(i64::MIN), i128::from(i64::MAX)) as i64
}

/// One end of a time range: a date means its whole day, a date-time its
/// whole second (times are shown at second precision). `(start, end)`.
fn time_span(raw: &str) -> Option<(Micros, Micros)> {
    let raw = raw.trim();
    let start = parse_time(raw)?;
    let date_only = raw.len() == 10 && !raw.contains('T') && !raw.contains(' ');
    let length = if date_only { 86_400 } else { 1 } * 1_000_000;
    let start = if date_only {
        start
    } else {
        start - start.rem_euclid(1_000_000)
    };
    Some((start, start + length))
}

/// `from <= t < to` for a time or a range of them.
fn parse_time_range(raw: &str) -> Option<(Option<Micros>, Option<Micros>)> {
    let (from, to) = match range(raw, time_span) {
        Some((lo, hi)) => (lo.map(|(start, _)| start), hi.map(|(_, end)| end)),
        None => {
            let (start, end) = time_span(raw)?;
            (Some(start), Some(end))
        }
    };
    match (from, to) {
        (Some(f), Some(t)) if f >= t => None,
        _ => Some((from, to)),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::list::parse_time;

    fn search(scope: &str, filters: &[(&str, &str)]) -> Result<Search, String> {
        Search::parse(&SearchParams {
            scope: Some(scope),
            filters: filters
                .iter()
                .map(|(k, v)| (k.to_string(), v.to_string()))
                .collect(),
            ..SearchParams::default()
        })
    }

    fn only(scope: &str, name: &str, value: &str) -> Filter {
        search(scope, &[(name, value)]).unwrap().filters.remove(0)
    }

    #[test]
    fn a_total_is_kept_only_for_charges_by_status_alone() {
        let all = search("charge", &[]).unwrap();
        assert_eq!(all.status_total(), Some(None));
        let failed = search("charge", &[("status", "failed")]).unwrap();
        assert_eq!(failed.status_total(), Some(Some("failed")));
        let more = search("charge", &[("status", "failed"), ("amount", "1000")]).unwrap();
        assert_eq!(more.status_total(), None);
        let mut queried = search("charge", &[("status", "failed")]).unwrap();
        queried.query = Some("kanokwan".into());
        assert_eq!(queried.status_total(), None);
        assert_eq!(search("link", &[]).unwrap().status_total(), None);
    }

    #[test]
    fn nul_characters_are_refused() {
        let with_query = |query| {
            Search::parse(&SearchParams {
                scope: Some("link"),
                query: Some(query),
                ..SearchParams::default()
            })
        };
        assert!(with_query("A\0B").unwrap_err().contains("NUL"));
        assert!(with_query("AB").is_ok());
        let filtered = search("charge", &[("status", "fai\0led")]);
        assert!(filtered.unwrap_err().contains("filters[status]"));
    }

    #[test]
    fn scopes_and_paging() {
        assert!(search("link", &[]).is_ok());
        assert!(search("refund", &[]).unwrap_err().contains("not supported"));
        assert!(
            search("banana", &[])
                .unwrap_err()
                .contains("not a search scope")
        );
        let none = Search::parse(&SearchParams::default()).unwrap_err();
        assert!(none.contains("scope is required"));
        let p = |page, per_page| {
            Search::parse(&SearchParams {
                scope: Some("charge"),
                page,
                per_page,
                ..SearchParams::default()
            })
        };
        let s = p(Some(3), Some(10)).unwrap();
        assert_eq!((s.page, s.per_page, s.offset()), (3, 10, 20));
        assert_eq!(p(None, None).unwrap().per_page, 30);
        assert!(p(Some(0), None).is_err());
        assert!(p(None, Some(0)).is_err());
        assert!(p(None, Some(101)).is_err());
        assert!(p(None, Some(100)).is_ok());
    }

    #[test]
    fn booleans_in_every_spelling() {
        for (raw, value) in [
            ("true", true),
            ("YES", true),
            ("on", true),
            ("1", true),
            ("false", false),
            ("No", false),
            ("off", false),
            ("0", false),
        ] {
            assert_eq!(
                only("link", "used", raw),
                Filter::Flag {
                    field: FlagField::Used,
                    value
                },
                "{raw}"
            );
        }
        assert!(
            search("link", &[("used", "maybe")])
                .unwrap_err()
                .contains("filters[used]")
        );
    }

    #[test]
    fn amounts_are_main_units_and_ranges_inclusive() {
        let amount = |raw| only("charge", "amount", raw);
        assert_eq!(
            amount("1000"),
            Filter::Amount {
                field: AmountField::Amount,
                min: Some(1_000_000_000),
                max: Some(1_000_000_000)
            }
        );
        assert_eq!(
            amount("10.5..20"),
            Filter::Amount {
                field: AmountField::Amount,
                min: Some(10_500_000),
                max: Some(20_000_000)
            }
        );
        assert!(matches!(
            amount("5.."),
            Filter::Amount {
                min: Some(_),
                max: None,
                ..
            }
        ));
        assert!(matches!(
            amount("..5"),
            Filter::Amount {
                min: None,
                max: Some(_),
                ..
            }
        ));
        for bad in ["-5", "abc", "1..2..3", "..", "5..1", "1.2345678", "1e3"] {
            assert!(search("charge", &[("amount", bad)]).is_err(), "{bad}");
        }
        // ฿1,000 is 100000 satang; ¥1,000 is 1000 yen; ฿10.005 rounds inward.
        assert_eq!(to_minor(1_000_000_000, 2, true), 100_000);
        assert_eq!(to_minor(1_000_000_000, 0, false), 1_000);
        assert_eq!(to_minor(10_005_000, 2, true), 1_001);
        assert_eq!(to_minor(10_005_000, 2, false), 1_000);
    }

    #[test]
    fn dates_cover_whole_days_and_times_whole_seconds() {
        let day = only("link", "created", "2026-11-21");
        let start = parse_time("2026-11-21T00:00:00Z").unwrap();
        assert_eq!(
            day,
            Filter::Time {
                field: TimeField::Created,
                from: Some(start),
                to: Some(start + 86_400_000_000)
            }
        );
        let span = only("link", "created", "2026-11-01..2026-11-21");
        assert_eq!(
            span,
            Filter::Time {
                field: TimeField::Created,
                from: Some(parse_time("2026-11-01T00:00:00Z").unwrap()),
                to: Some(start + 86_400_000_000)
            }
        );
        let open = only("charge", "created", "2026-11-21T09:46:00Z..");
        assert_eq!(
            open,
            Filter::Time {
                field: TimeField::Created,
                from: Some(parse_time("2026-11-21T09:46:00Z").unwrap()),
                to: None
            }
        );
        let second = only("charge", "captured_at", "2026-11-21T09:46:00Z");
        assert!(
            matches!(second, Filter::Time { from: Some(f), to: Some(t), .. } if t - f == 1_000_000)
        );
        for bad in ["yesterday", "2026-13-01", "2026-11-21..2026-11-01"] {
            assert!(search("charge", &[("created", bad)]).is_err(), "{bad}");
        }
    }

    #[test]
    fn filters_belong_to_their_scope() {
        assert!(
            search("link", &[("status", "failed")])
                .unwrap_err()
                .contains("scope link")
        );
        assert!(search("charge", &[("multiple", "true")]).is_err());
        assert!(search("charge", &[("nonsense", "1")]).is_err());
        assert_eq!(
            only("charge", "status", "FAILED"),
            Filter::Text {
                field: TextField::Status,
                value: "failed".into()
            }
        );
        assert!(search("charge", &[("status", "lost")]).is_err());
        assert!(search("charge", &[("card_last_digits", "42a2")]).is_err());
        assert_eq!(
            only("charge", "disputed", "false"),
            Filter::Constant { matches: true }
        );
        assert_eq!(
            only("charge", "voided", "true"),
            Filter::Constant { matches: false }
        );
        assert_eq!(
            only("charge", "source_of_fund", "card"),
            Filter::Constant { matches: true }
        );
        assert_eq!(
            only("link", "currency", "thb"),
            Filter::Text {
                field: TextField::Currency,
                value: "THB".into()
            }
        );
        // Empty values mean "not given", and are not echoed.
        let s = search("charge", &[("status", " ")]).unwrap();
        assert!(s.filters.is_empty() && s.echoed.is_empty());
    }
}
