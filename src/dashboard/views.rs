//! The frame every dashboard page shares (the mode's band, the navigation,
//! the account, sign-out), and the pieces pages are made of: amounts,
//! times, status badges, pagers. maud escapes every value by construction.

use super::text::{Text, text};
use crate::domain::Mode;
use crate::domain::charge::ChargeStatus;
use crate::domain::list::{Micros, format_time};
use crate::domain::money::Currency;
use crate::pages::Lang;
use crate::pages::assets::{DASHBOARD_SCRIPT, DASHBOARD_STYLESHEET};
use crate::store::StoreError;
use axum::http::{StatusCode, header};
use axum::response::{Html, IntoResponse, Response};
use maud::{DOCTYPE, Markup, html};

/// What every page of a session renders with.
pub struct Ctx<'a> {
    pub lang: Lang,
    pub t: &'static Text,
    pub mode: Mode,
    pub account_name: &'a str,
    pub csrf: &'a str,
}

/// The sections of the navigation.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Section {
    Overview,
    Links,
    Charges,
    Events,
    Webhooks,
    Settings,
}

impl Section {
    const ALL: [Section; 6] = [
        Section::Overview,
        Section::Links,
        Section::Charges,
        Section::Events,
        Section::Webhooks,
        Section::Settings,
    ];

    fn href(self) -> &'static str {
        match self {
            Section::Overview => "/dashboard",
            Section::Links => "/dashboard/links",
            Section::Charges => "/dashboard/charges",
            Section::Events => "/dashboard/events",
            Section::Webhooks => "/dashboard/webhooks",
            Section::Settings => "/dashboard/settings",
        }
    }

    fn name(self, lang: Lang, t: &Text) -> &'static str {
        match self {
            Section::Overview => t.overview,
            Section::Links => t.links,
            Section::Charges => t.charges,
            Section::Events => t.events,
            Section::Webhooks => super::events_text::events_text(lang).webhooks,
            Section::Settings => t.settings,
        }
    }
}

pub(super) fn head(title: &str) -> Markup {
    html! {
        head {
            meta charset="utf-8";
            meta name="viewport" content="width=device-width, initial-scale=1";
            meta name="referrer" content="no-referrer";
            meta name="robots" content="noindex";
            title { (title) " · paylink" }
            link rel="stylesheet" href=(DASHBOARD_STYLESHEET.href());
            script src=(DASHBOARD_SCRIPT.href()) defer {}
        }
    }
}

fn lang_switch(lang: Lang, here: &str, t: &Text) -> Markup {
    let back: String = form_urlencoded::byte_serialize(here.as_bytes()).collect();
    html! {
        nav.langs aria-label=(t.product) {
            @for other in Lang::ALL {
                a href={ "/dashboard/lang?to=" (other.code()) "&back=" (back) }
                    lang=(other.code()) hreflang=(other.code())
                    aria-current=[(other == lang).then_some("true")] { (other.native_name()) }
            }
        }
    }
}

/// A page of the session, in its frame.
pub fn page(
    ctx: &Ctx,
    status: StatusCode,
    section: Option<Section>,
    here: &str,
    title: &str,
    body: Markup,
) -> Response {
    let t = ctx.t;
    let markup = html! {
        (DOCTYPE)
        html lang=(ctx.lang.code()) {
            (head(title))
            body.dash {
                @if ctx.mode == Mode::Test {
                    div.mode-band role="note" {
                        strong { (t.test_mode) } span { (t.test_mode_note) }
                    }
                } @else {
                    div.mode-band.live role="note" { strong { (t.live_mode) } }
                }
                header.dash-top {
                    a.brand href="/dashboard" { span.logo aria-hidden="true" { "p" } span { "paylink" } }
                    span.account title=(ctx.account_name) { (ctx.account_name) }
                    (lang_switch(ctx.lang, here, t))
                    form.sign-out method="post" action="/dashboard/sign-out" {
                        (csrf_field(ctx))
                        button.link-button type="submit" { (t.sign_out) }
                    }
                }
                nav.sections aria-label=(t.product) {
                    @for s in Section::ALL {
                        a href=(s.href()) aria-current=[(Some(s) == section).then_some("page")] { (s.name(ctx.lang, t)) }
                    }
                }
                main.dash-main { (body) }
                footer.dash-foot {
                    // On a phone the languages are offered here, so that the
                    // header keeps to one line.
                    (lang_switch(ctx.lang, here, t))
                    (t.times_in_utc)
                }
            }
        }
    };
    (
        status,
        [(header::CONTENT_LANGUAGE, ctx.lang.code())],
        Html(markup.into_string()),
    )
        .into_response()
}

/// The hidden field with the session's form token.
pub fn csrf_field(ctx: &Ctx) -> Markup {
    html! { input type="hidden" name="csrf" value=(ctx.csrf); }
}

/// The sign-in page, with a message when a key was refused.
pub fn sign_in(lang: Lang, status: StatusCode, message: Option<&str>) -> Response {
    let t = text(lang);
    let markup = html! {
        (DOCTYPE)
        html lang=(lang.code()) {
            (head(t.sign_in_title))
            body.dash.signin-body {
                header.dash-top {
                    a.brand href="/dashboard" { span.logo aria-hidden="true" { "p" } span { "paylink" } }
                    (lang_switch(lang, "/dashboard/sign-in", t))
                }
                main.signin {
                    form.card method="post" action="/dashboard/sign-in" {
                        h1 { (t.sign_in_title) }
                        p.lead { (t.sign_in_lead) }
                        @if let Some(message) = message {
                            p.alert role="alert" { (message) }
                        }
                        label for="key" { (t.secret_key) }
                        input #key type="password" name="key" autocomplete="off" spellcheck="false"
                            autocapitalize="off" required placeholder="skey_test_…"
                            aria-describedby="key-hint";
                        p.hint #key-hint { (t.secret_key_hint) }
                        button.primary type="submit" { (t.sign_in) }
                    }
                }
            }
        }
    };
    (
        status,
        [(header::CONTENT_LANGUAGE, lang.code())],
        Html(markup.into_string()),
    )
        .into_response()
}

/// A page that says what went wrong, in the session's frame.
pub fn problem(ctx: &Ctx, status: StatusCode, title: &str, body: &str) -> Response {
    page(
        ctx,
        status,
        None,
        "/dashboard",
        title,
        html! {
            section.card.problem {
                h1 { (title) }
                p { (body) }
                a.button href="/dashboard" { (ctx.t.back_to_overview) }
            }
        },
    )
}

/// 404 for anything this session cannot see, as the API answers it.
pub fn not_found(ctx: &Ctx) -> Response {
    problem(
        ctx,
        StatusCode::NOT_FOUND,
        ctx.t.not_found_title,
        ctx.t.not_found_body,
    )
}

/// 404 for an address the dashboard does not have.
pub async fn not_found_page(super::DashLang(lang): super::DashLang) -> Response {
    let t = text(lang);
    let markup = html! {
        (DOCTYPE)
        html lang=(lang.code()) {
            (head(t.not_found_title))
            body.dash {
                main.signin {
                    section.card.problem {
                        h1 { (t.not_found_title) }
                        p { (t.not_found_body) }
                        a.button href="/dashboard" { (t.back_to_overview) }
                    }
                }
            }
        }
    };
    (StatusCode::NOT_FOUND, Html(markup.into_string())).into_response()
}

/// The database failed: 503 when it cannot be reached, 500 otherwise,
/// with the cause in the log only.
pub fn store_failure(lang: Lang, e: StoreError) -> Response {
    let status = match &e {
        StoreError::Unavailable(_) => StatusCode::SERVICE_UNAVAILABLE,
        _ => StatusCode::INTERNAL_SERVER_ERROR,
    };
    tracing::error!(error = %e, "dashboard: database failure");
    let t = text(lang);
    let markup = html! {
        (DOCTYPE)
        html lang=(lang.code()) {
            (head("paylink"))
            body.dash { main.signin { section.card.problem {
                h1 { (status.as_u16()) " · " (status.canonical_reason().unwrap_or("")) }
                a.button href="/dashboard" { (t.back_to_overview) }
            } } }
        }
    };
    (status, Html(markup.into_string())).into_response()
}

/// An amount in its currency's format, `฿1,000.50`.
pub fn money(lang: Lang, currency: Currency, amount: i64) -> String {
    currency.format(amount, lang.locale())
}

/// A time, in UTC as the language writes it; the script shows it in the
/// browser's zone.
pub fn time(lang: Lang, at: Micros) -> Markup {
    html! { time datetime=(format_time(at)) data-local { (lang.format_time(at)) } }
}

/// A charge's status as a coloured badge.
pub fn status_badge(t: &Text, status: ChargeStatus) -> Markup {
    let (class, name) = match status {
        ChargeStatus::Successful => ("ok", t.successful),
        ChargeStatus::Failed(_) => ("bad", t.failed),
        ChargeStatus::Pending => ("wait", t.pending),
        ChargeStatus::Expired => ("off", t.expired),
    };
    html! { span class={ "badge " (class) } { (name) } }
}

/// Previous and next links for a page of `limit` rows at `offset` of
/// `total`; `base` is the path and query without `offset`.
pub fn pager(t: &Text, base: &str, offset: u64, limit: u64, total: u64) -> Markup {
    let join = if base.contains('?') { '&' } else { '?' };
    let pages = total.div_ceil(limit).max(1);
    let current = offset / limit + 1;
    html! {
        @if total > limit {
            nav.pager aria-label="pages" {
                @if offset > 0 {
                    a href={ (base) (join) "offset=" (offset.saturating_sub(limit)) } rel="prev" { "← " (t.previous) }
                } @else { span.disabled { "← " (t.previous) } }
                span.where { (current) " " (t.page_of) " " (pages) }
                @if offset + limit < total {
                    a href={ (base) (join) "offset=" (offset + limit) } rel="next" { (t.next) " →" }
                } @else { span.disabled { (t.next) " →" } }
            }
        }
    }
}

/// A confirmation after a change, carried by `?done=`.
pub fn done_note(t: &Text, done: Option<&str>) -> Markup {
    let message = match done {
        Some("link-created") => Some(t.done_link_created),
        Some("link-deleted") => Some(t.done_link_deleted),
        Some("refunded") => Some(t.done_refunded),
        Some("completed") => Some(t.done_completed),
        _ => None,
    };
    html! { @if let Some(m) = message { p.done role="status" { (m) } } }
}
