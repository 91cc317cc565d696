//! Webhooks: the mode's webhook URI (validated as `PATCH /account` does,
//! empty turns delivery off), its signing secret, shown only in answer to
//! a form so that it never sits in a page fetched by a plain GET, and
//! rolling it, the old one signing beside the new for a day, as
//! `paylink account webhook-secret --roll` does.

use super::events_text::{EventsText, events_text};
use super::listing::field;
use super::session::Signed;
use super::views::{self, Ctx, Section};
use crate::api::AppState;
use crate::api::params::Params;
use crate::domain::event::{new_webhook_secret, parse_webhook_uri};
use crate::domain::list::{Micros, now};
use crate::store::{AccountSettings, SettingsChange};
use axum::extract::State;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use maud::html;

/// How long a rolled secret keeps signing beside the new one.
const DAY_MICROS: Micros = 24 * 3600 * 1_000_000;

/// What the page shows beyond the settings.
#[derive(Default)]
struct Shown<'a> {
    /// The URI as typed, and why it was refused.
    typed: Option<(&'a str, &'a str)>,
    /// The secret, when asked for.
    secret: Option<&'a str>,
    done: Option<&'a str>,
}

fn done_message(et: &EventsText, done: Option<&str>) -> Option<&'static str> {
    match done {
        Some("uri-saved") => Some(et.done_uri_saved),
        Some("uri-off") => Some(et.done_uri_off),
        Some("rolled") => Some(et.done_rolled),
        _ => None,
    }
}

fn webhooks_page(
    ctx: &Ctx,
    status: StatusCode,
    settings: Option<&AccountSettings>,
    shown: &Shown,
) -> Response {
    let et = events_text(ctx.lang);
    let uri = settings.and_then(|s| s.webhook_uri.as_deref());
    let (value, error) = match shown.typed {
        Some((typed, error)) => (typed, Some(error)),
        None => (uri.unwrap_or_default(), None),
    };
    let previous_until = settings
        .filter(|s| s.previous_webhook_secret.is_some())
        .and_then(|s| s.previous_secret_until)
        .filter(|until| *until > now());
    let body = html! { div.narrow {
        div.page-head {
            div { h1 { (et.webhooks) } p.lead { (et.webhooks_lead) } }
            a.button href="/dashboard/events" { (et.see_events) }
        }
        @if let Some(message) = done_message(et, shown.done) {
            p.done role="status" { (message) }
        }
        form.card.form #webhook-uri-form method="post" action="/dashboard/webhooks" novalidate {
            (views::csrf_field(ctx))
            h2 { (et.webhook_uri) " "
                @if uri.is_some() { span.badge.ok { (et.on) } }
                @else { span.badge.off { (et.off) } }
            }
            @if uri.is_none() { p.hint { (et.webhooks_off) } }
            label.visually-hidden for="webhook-uri" { (et.webhook_uri) }
            input #webhook-uri type="url" name="webhook_uri" value=(value) inputmode="url"
                autocomplete="off" spellcheck="false" autocapitalize="off"
                placeholder="https://shop.example/webhooks"
                aria-invalid=[error.map(|_| "true")]
                aria-describedby={ "webhook-uri-hint" @if error.is_some() { " webhook-uri-error" } };
            p.hint #webhook-uri-hint { (et.webhook_uri_hint) }
            @if let Some(message) = error {
                p.field-error #webhook-uri-error role="alert" { (message) }
            }
            button.primary type="submit" { (et.save) }
        }
        section.card.secret {
            h2 { (et.secret_title) }
            p.hint { (et.secret_lead) }
            @if let Some(secret) = shown.secret {
                div.copy-row {
                    label.visually-hidden for="webhook-secret" { (et.secret_title) }
                    input #webhook-secret readonly value=(secret) autocomplete="off" spellcheck="false";
                    button.copy type="button" data-copy="webhook-secret" data-copied=(ctx.t.copied) hidden { (ctx.t.copy) }
                }
                p { a href="/dashboard/webhooks" { (et.hide) } }
            } @else {
                div.secret-row {
                    code.masked aria-label=(et.secret_hidden) { "••••••••••••••••••••••••" }
                    form method="post" action="/dashboard/webhooks/secret" {
                        (views::csrf_field(ctx))
                        button type="submit" { (et.reveal) }
                    }
                }
                p.hint { (et.secret_hidden) }
            }
            @if let Some(until) = previous_until {
                p.notice-line { (et.previous_before) (views::time(ctx.lang, until)) (et.previous_after) }
            }
        }
        details.danger {
            summary { (et.roll_title) }
            form method="post" action="/dashboard/webhooks/roll" {
                (views::csrf_field(ctx))
                p { (et.roll_note) }
                button.danger type="submit" { (et.roll_button) }
            }
        }
    } };
    views::page(
        ctx,
        status,
        Some(Section::Webhooks),
        "/dashboard/webhooks",
        et.webhooks,
        body,
    )
}

/// `GET /dashboard/webhooks`.
pub async fn show(State(state): State<AppState>, signed: Signed, params: Params) -> Response {
    let s = &signed.session;
    let settings = match state.store.account_settings(&s.account_id, s.mode).await {
        Ok(settings) => settings,
        Err(e) => return views::store_failure(signed.lang, e),
    };
    let done = field(&params, "done");
    let shown = Shown {
        done: Some(done.as_str()),
        ..Shown::default()
    };
    webhooks_page(&signed.ctx(), StatusCode::OK, settings.as_ref(), &shown)
}

/// Applies a change to the session's account and mode.
async fn change(
    state: &AppState,
    signed: &Signed,
    change: &SettingsChange,
) -> Result<AccountSettings, Response> {
    let s = &signed.session;
    match state
        .store
        .change_settings(&s.account_id, s.mode, change, &new_webhook_secret())
        .await
    {
        Ok(Some(settings)) => Ok(settings),
        Ok(None) => Err(views::not_found(&signed.ctx())),
        Err(e) => Err(views::store_failure(signed.lang, e)),
    }
}

/// `POST /dashboard/webhooks`: the URI, validated as the API validates
/// it; refused, the page again with the message beside the field and what
/// was typed kept.
pub async fn save_uri(State(state): State<AppState>, signed: Signed, params: Params) -> Response {
    if let Some(refused) = signed.refused_form(&params) {
        return refused;
    }
    let typed = field(&params, "webhook_uri");
    let uri = match typed.trim() {
        "" => None,
        raw => match parse_webhook_uri(raw) {
            Ok(uri) => Some(uri),
            Err(message) => {
                let s = &signed.session;
                let settings = match state.store.account_settings(&s.account_id, s.mode).await {
                    Ok(settings) => settings,
                    Err(e) => return views::store_failure(signed.lang, e),
                };
                let shown = Shown {
                    typed: Some((&typed, &message)),
                    ..Shown::default()
                };
                return webhooks_page(
                    &signed.ctx(),
                    StatusCode::BAD_REQUEST,
                    settings.as_ref(),
                    &shown,
                );
            }
        },
    };
    let done = if uri.is_some() {
        "uri-saved"
    } else {
        "uri-off"
    };
    let request = SettingsChange {
        webhook_uri: Some(uri),
        ..SettingsChange::default()
    };
    match change(&state, &signed, &request).await {
        Ok(_) => Redirect::to(&format!("/dashboard/webhooks?done={done}")).into_response(),
        Err(page) => page,
    }
}

/// `POST /dashboard/webhooks/secret`: the page with the secret shown, in
/// answer to the form only (and pages are never stored).
pub async fn reveal(State(state): State<AppState>, signed: Signed, params: Params) -> Response {
    if let Some(refused) = signed.refused_form(&params) {
        return refused;
    }
    // A mode without settings yet gets them, and so its first secret.
    let settings = match change(&state, &signed, &SettingsChange::default()).await {
        Ok(settings) => settings,
        Err(page) => return page,
    };
    let shown = Shown {
        secret: Some(&settings.webhook_secret),
        ..Shown::default()
    };
    webhooks_page(&signed.ctx(), StatusCode::OK, Some(&settings), &shown)
}

/// `POST /dashboard/webhooks/roll`: a new secret; the old one keeps
/// signing beside it for 24 hours.
pub async fn roll(State(state): State<AppState>, signed: Signed, params: Params) -> Response {
    if let Some(refused) = signed.refused_form(&params) {
        return refused;
    }
    let request = SettingsChange {
        roll_secret: Some((new_webhook_secret(), now() + DAY_MICROS)),
        ..SettingsChange::default()
    };
    match change(&state, &signed, &request).await {
        Ok(_) => Redirect::to("/dashboard/webhooks?done=rolled").into_response(),
        Err(page) => page,
    }
}
