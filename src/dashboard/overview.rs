//! `GET /dashboard`: today's and the last 30 days' successful amounts per
//! currency, charges by status, a chart of successful payments per day,
//! and the latest charges.

use super::charges::charge_rows;
use super::chart::{self, Bar};
use super::session::Signed;
use super::views::{self, Section};
use crate::api::AppState;
use crate::domain::list::{ListWindow, Order, now};
use crate::domain::money::Currency;
use crate::store::{DAY_MICROS, DayTotal};
use axum::extract::State;
use axum::http::StatusCode;
use axum::response::Response;
use maud::html;
use std::collections::BTreeMap;

const DAYS: i64 = 30;

/// Successful amounts per currency, largest first.
fn by_currency<'a>(days: impl Iterator<Item = &'a DayTotal>) -> Vec<(Currency, i64)> {
    let mut sums: BTreeMap<String, i64> = BTreeMap::new();
    for d in days.filter(|d| d.status == "successful") {
        *sums.entry(d.currency.clone()).or_default() += d.amount;
    }
    let mut sums: Vec<(Currency, i64)> = sums
        .into_iter()
        .filter_map(|(code, sum)| Currency::parse(&code).ok().map(|c| (c, sum)))
        .collect();
    sums.sort_by_key(|(_, sum)| std::cmp::Reverse(*sum));
    sums
}

pub async fn show(State(state): State<AppState>, signed: Signed) -> Response {
    let ctx = signed.ctx();
    let t = ctx.t;
    let at = now();
    let today = at.div_euclid(DAY_MICROS);
    let first = today - (DAYS - 1);
    let s = &signed.session;
    let days = match state
        .store
        .charge_days(&s.account_id, s.mode, first * DAY_MICROS)
        .await
    {
        Ok(days) => days,
        Err(e) => return views::store_failure(signed.lang, e),
    };
    let latest_window = ListWindow {
        limit: 8,
        offset: 0,
        order: Order::ReverseChronological,
        from: 0,
        to: at,
    };
    let latest = match state
        .store
        .account_charges(&s.account_id, s.mode, &latest_window)
        .await
    {
        Ok(page) => page,
        Err(e) => return views::store_failure(signed.lang, e),
    };

    let today_sums = by_currency(days.iter().filter(|d| d.day == today));
    let month_sums = by_currency(days.iter());
    let mut statuses: BTreeMap<&str, i64> = BTreeMap::new();
    for d in &days {
        *statuses.entry(d.status.as_str()).or_default() += d.count;
    }
    let status_names = [
        ("successful", t.successful, "ok"),
        ("failed", t.failed, "bad"),
        ("pending", t.pending, "wait"),
        ("expired", t.expired, "off"),
    ];
    // The chart shows the currency most was paid in.
    let charted = month_sums.first().map(|(c, _)| *c);
    let bars: Vec<Bar> = (first..=today)
        .map(|day| {
            let value = charted.map_or(0, |currency| {
                days.iter()
                    .filter(|d| {
                        d.day == day && d.status == "successful" && d.currency == currency.code()
                    })
                    .map(|d| d.amount)
                    .sum()
            });
            let label = short_date(signed.lang, day);
            let tip = match charted {
                Some(c) => format!("{label}: {}", views::money(signed.lang, c, value)),
                None => label.clone(),
            };
            Bar { label, value, tip }
        })
        .collect();
    let max_label = charted.map_or(String::new(), |c| {
        views::money(
            signed.lang,
            c,
            bars.iter().map(|b| b.value).max().unwrap_or(0),
        )
    });
    let sums = |list: &[(Currency, i64)]| {
        html! {
            @if list.is_empty() { p.figure.none { (t.no_payments_yet) } }
            @for (currency, sum) in list {
                p.figure { (views::money(signed.lang, *currency, *sum)) }
            }
        }
    };
    let body = html! {
        h1 { (t.overview) }
        div data-live="overview" {
        div.tiles {
            section.card.tile {
                h2 { (t.today) } p.caption { (t.successful_amount) }
                (sums(&today_sums))
            }
            section.card.tile {
                h2 { (t.last_30_days) } p.caption { (t.successful_amount) }
                (sums(&month_sums))
            }
            section.card.tile {
                h2 { (t.charges_by_status) }
                ul.statuses {
                    @for (key, name, class) in status_names {
                        li { span class={ "badge " (class) } { (name) } strong { (statuses.get(key).copied().unwrap_or(0)) } }
                    }
                }
            }
        }
        section.card {
            h2 { (t.payments_per_day) @if let Some(c) = charted { " · " (c.code()) } }
            (chart::bars(t.payments_per_day, &bars, &max_label))
        }
        section.card {
            div.card-head {
                h2 { (t.latest_charges) }
                a href="/dashboard/charges" { (t.see_all) " →" }
            }
            (charge_rows(&ctx, &latest.data))
        }
        }
    };
    views::page(
        &ctx,
        StatusCode::OK,
        Some(Section::Overview),
        "/dashboard",
        t.overview,
        body,
    )
}

/// A day since the epoch as a short date: `8 Dec`, `8 ธ.ค.`, `12/8`.
fn short_date(lang: crate::pages::Lang, day: i64) -> String {
    let date = jiff::Timestamp::from_microsecond(day * DAY_MICROS)
        .unwrap_or(jiff::Timestamp::UNIX_EPOCH)
        .to_zoned(jiff::tz::TimeZone::UTC);
    let (month, d) = (date.month(), date.day());
    const EN: [&str; 12] = [
        "Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec",
    ];
    const TH: [&str; 12] = [
        "ม.ค.",
        "ก.พ.",
        "มี.ค.",
        "เม.ย.",
        "พ.ค.",
        "มิ.ย.",
        "ก.ค.",
        "ส.ค.",
        "ก.ย.",
        "ต.ค.",
        "พ.ย.",
        "ธ.ค.",
    ];
    let m = usize::from(month.unsigned_abs()).saturating_sub(1).min(11);
    match lang {
        crate::pages::Lang::En => format!("{d} {}", EN[m]),
        crate::pages::Lang::Th => format!("{d} {}", TH[m]),
        crate::pages::Lang::Ja => format!("{month}/{d}"),
    }
}
