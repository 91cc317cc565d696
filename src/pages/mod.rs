//! The hosted payment page at a link's `payment_uri`.
//!
//! Plain server-rendered HTML that works without JavaScript: the payer
//! sees the link, types a card, and is redirected (303) to the outcome.

use crate::api::AppState;
use crate::api::error::ApiError;
use crate::api::params::Params;
use crate::api::tokens::tokenize;
use crate::domain::charge::{Charge, PayRefusal, Token};
use crate::domain::id::{Kind, link_ids_for_code, new_id};
use crate::domain::link::Link;
use crate::domain::list::{format_time, now};
use crate::domain::money::Locale;
use crate::domain::{Mode, ObjectId};
use crate::store::Payment;
use axum::Extension;
use axum::extract::{ConnectInfo, Path, Query, State};
use axum::http::{HeaderName, HeaderValue, StatusCode, header};
use axum::response::{Html, IntoResponse, Redirect, Response};
use maud::{DOCTYPE, Markup, html};
use std::collections::HashMap;
use std::net::SocketAddr;

const STYLE: &str = "\
body{font-family:system-ui,-apple-system,'Segoe UI',sans-serif;background:#f4f5f7;color:#1d2433;margin:0}\
main{max-width:420px;margin:0 auto;padding:24px 16px}\
.card{background:#fff;border-radius:12px;box-shadow:0 1px 3px rgba(0,0,0,.12);padding:24px}\
.banner{background:#fff3cd;color:#664d03;padding:8px 12px;border-radius:8px;margin-bottom:16px;font-size:14px}\
.amount{font-size:32px;font-weight:700;margin:8px 0 16px}\
label{display:block;font-size:14px;margin:12px 0 4px}\
input{width:100%;box-sizing:border-box;padding:10px;font-size:16px;border:1px solid #c5cad3;border-radius:8px}\
.row{display:flex;gap:8px}.row>div{flex:1}\
button{margin-top:20px;width:100%;padding:12px;font-size:16px;font-weight:600;color:#fff;background:#1a56db;border:0;border-radius:8px}\
.error{color:#b42318;background:#fef3f2;padding:8px 12px;border-radius:8px}\
.muted{color:#5b6475;font-size:14px}";

/// A rendered page with its status and the headers every page sends.
fn page(status: StatusCode, title: &str, body: Markup) -> Response {
    let markup = html! {
        (DOCTYPE)
        html lang="en" {
            head {
                meta charset="utf-8";
                meta name="viewport" content="width=device-width, initial-scale=1";
                title { (title) }
                style { (maud::PreEscaped(STYLE)) }
            }
            body { main { div.card { (body) } } }
        }
    };
    let headers = [
        (
            header::CONTENT_SECURITY_POLICY,
            "default-src 'none'; style-src 'unsafe-inline'; form-action 'self'; \
             frame-ancestors 'none'; base-uri 'none'",
        ),
        (header::X_FRAME_OPTIONS, "DENY"),
        (header::REFERRER_POLICY, "no-referrer"),
        (header::CACHE_CONTROL, "no-store"),
        (HeaderName::from_static("x-content-type-options"), "nosniff"),
    ];
    let mut response = (status, Html(markup.into_string())).into_response();
    for (name, value) in headers {
        response
            .headers_mut()
            .insert(name, HeaderValue::from_static(value));
    }
    response
}

fn message_page(status: StatusCode, title: &str, message: &str) -> Response {
    page(status, title, html! { h1 { (title) } p { (message) } })
}

fn not_available() -> Response {
    message_page(
        StatusCode::NOT_FOUND,
        "Link not available",
        "This payment link does not exist or is no longer available.",
    )
}

fn already_paid(status: StatusCode) -> Response {
    message_page(
        status,
        "Already paid",
        "This payment link has already been paid.",
    )
}

fn live_unavailable() -> Response {
    message_page(
        StatusCode::SERVICE_UNAVAILABLE,
        "Payments not available",
        "This server does not process live payments.",
    )
}

/// An API failure (database down, internal error) as a page.
fn failure_page(e: ApiError) -> Response {
    let status = e.status();
    let message = e.message();
    if status.is_server_error() {
        // Log through the API error's own path, then show a page.
        let _ = e.into_response();
    }
    message_page(status, "Something went wrong", &message)
}

/// The link behind a payment code, of either mode.
async fn link_for_code(state: &AppState, code: &str) -> Result<Option<Link>, ApiError> {
    let Some(ids) = link_ids_for_code(code) else {
        return Ok(None);
    };
    for id in ids {
        if let Some(link) = state.store.link_by_id(&id).await? {
            return Ok(Some(link));
        }
    }
    Ok(None)
}

/// Why the link cannot be paid now, as the page to show instead.
fn refusal(state: &AppState, link: &Link, used_status: StatusCode) -> Option<Response> {
    if link.deleted() {
        Some(not_available())
    } else if link.used() {
        Some(already_paid(used_status))
    } else if link.mode == Mode::Live && !state.config.live_payments {
        Some(live_unavailable())
    } else {
        None
    }
}

/// What the payer typed, to show the form again after an error: never the
/// number or the security code.
#[derive(Default)]
struct Typed {
    name: String,
    month: String,
    year: String,
}

fn form_page(
    link: &Link,
    code: &str,
    status: StatusCode,
    error: Option<&str>,
    typed: &Typed,
) -> Response {
    let amount = link.currency.format(link.amount, Locale::En);
    let body = html! {
        @if link.mode == Mode::Test {
            p.banner { "Test mode: no real money moves. Use card 4242 4242 4242 4242." }
        }
        h1 { (link.title) }
        @if !link.description.is_empty() { p.muted { (link.description) } }
        p.amount { (amount) }
        @if let Some(error) = error { p.error role="alert" { (error) } }
        form method="post" action={ "/pay/" (code) } {
            label for="name" { "Name on card" }
            input id="name" name="name" autocomplete="cc-name" required value=(typed.name);
            label for="number" { "Card number" }
            input id="number" name="number" autocomplete="cc-number" inputmode="numeric" required;
            div.row {
                div {
                    label for="expiration_month" { "Month" }
                    input id="expiration_month" name="expiration_month" autocomplete="cc-exp-month"
                        inputmode="numeric" placeholder="MM" required value=(typed.month);
                }
                div {
                    label for="expiration_year" { "Year" }
                    input id="expiration_year" name="expiration_year" autocomplete="cc-exp-year"
                        inputmode="numeric" placeholder="YYYY" required value=(typed.year);
                }
                div {
                    label for="security_code" { "Security code" }
                    input id="security_code" name="security_code" autocomplete="cc-csc"
                        inputmode="numeric" required;
                }
            }
            button type="submit" { "Pay " (amount) }
        }
    };
    page(status, &link.title, body)
}

pub async fn show(State(state): State<AppState>, Path(code): Path<String>) -> Response {
    let link = match link_for_code(&state, &code).await {
        Ok(Some(link)) => link,
        Ok(None) => return not_available(),
        Err(e) => return failure_page(e),
    };
    if let Some(page) = refusal(&state, &link, StatusCode::GONE) {
        return page;
    }
    form_page(&link, &code, StatusCode::OK, None, &Typed::default())
}

/// The token to pay with: the `token` field, or one made from card fields.
async fn payment_token(state: &AppState, link: &Link, params: &Params) -> Result<Token, ApiError> {
    let invalid = ApiError::InvalidCard;
    if let Some(raw) = params.text("token", invalid)? {
        let id = ObjectId::parse(Kind::Token, &raw)
            .ok_or_else(|| ApiError::not_found("token", raw.clone()))?;
        return state
            .store
            .token(&link.account_id, link.mode, id.as_str())
            .await?
            .ok_or_else(|| ApiError::not_found("token", raw));
    }
    tokenize(state, &link.account_id, link.mode, params).await
}

pub async fn pay(
    State(state): State<AppState>,
    Path(code): Path<String>,
    peer: Option<Extension<ConnectInfo<SocketAddr>>>,
    params: Params,
) -> Response {
    let link = match link_for_code(&state, &code).await {
        Ok(Some(link)) => link,
        Ok(None) => return not_available(),
        Err(e) => return failure_page(e),
    };
    if let Some(page) = refusal(&state, &link, StatusCode::CONFLICT) {
        return page;
    }
    let token = match payment_token(&state, &link, &params).await {
        Ok(token) => token,
        Err(ApiError::InvalidCard(message)) => {
            let field = |name| {
                params
                    .text(name, ApiError::InvalidCard)
                    .ok()
                    .flatten()
                    .unwrap_or_default()
            };
            let typed = Typed {
                name: field("name"),
                month: field("expiration_month"),
                year: field("expiration_year"),
            };
            return form_page(
                &link,
                &code,
                StatusCode::BAD_REQUEST,
                Some(&message),
                &typed,
            );
        }
        Err(e) => return failure_page(e),
    };
    let payment = Payment {
        charge_id: new_id(Kind::Charge, link.mode),
        link_id: link.id.clone(),
        token_id: token.id,
        ip: peer.map(|Extension(ConnectInfo(addr))| addr.ip().to_string()),
        now: now(),
    };
    match state.store.pay_link(&payment).await {
        Ok(Ok(charge)) => {
            Redirect::to(&format!("/pay/{code}/complete?charge={}", charge.id)).into_response()
        }
        Ok(Err(PayRefusal::LinkUsed)) => already_paid(StatusCode::CONFLICT),
        Ok(Err(PayRefusal::LinkUnavailable)) => not_available(),
        Ok(Err(PayRefusal::TokenUsed)) => message_page(
            StatusCode::BAD_REQUEST,
            "Card already used",
            "This card token was already used for a payment. Please enter your card again.",
        ),
        Ok(Err(PayRefusal::TokenNotFound)) => message_page(
            StatusCode::BAD_REQUEST,
            "Card not found",
            "The card token was not found. Please enter your card again.",
        ),
        Err(e) => failure_page(e.into()),
    }
}

fn receipt(link: &Link, code: &str, charge: &Charge) -> Response {
    let amount = charge.currency.format(charge.amount, Locale::En);
    match charge.status.failure() {
        None => page(
            StatusCode::OK,
            "Payment successful",
            html! {
                h1 { "Payment successful" }
                p.amount { (amount) }
                p { (link.title) }
                p.muted { "Charge " code { (charge.id) } }
                p.muted { "Paid at " time datetime=(format_time(charge.created_at)) { (format_time(charge.created_at)) } }
            },
        ),
        Some(failure) => page(
            StatusCode::PAYMENT_REQUIRED,
            "Payment declined",
            html! {
                h1 { "Payment declined" }
                p.error role="alert" { "Your payment was declined: " (failure.message()) "." }
                p.muted { "Charge " code { (charge.id) } }
                @if link.accepts_payment() {
                    p { a href={ "/pay/" (code) } { "Try another card" } }
                }
            },
        ),
    }
}

pub async fn complete(
    State(state): State<AppState>,
    Path(code): Path<String>,
    Query(query): Query<HashMap<String, String>>,
) -> Response {
    let link = match link_for_code(&state, &code).await {
        Ok(Some(link)) => link,
        Ok(None) => return not_available(),
        Err(e) => return failure_page(e),
    };
    let charge_id = query.get("charge").map(String::as_str).unwrap_or_default();
    let charge = match ObjectId::parse(Kind::Charge, charge_id) {
        Some(id) => state.store.charge_by_id(id.as_str()).await,
        None => Ok(None),
    };
    match charge {
        Ok(Some(charge)) if charge.link_id == link.id => receipt(&link, &code, &charge),
        Ok(_) => message_page(
            StatusCode::NOT_FOUND,
            "Payment not found",
            "This payment was not found for this link.",
        ),
        Err(e) => failure_page(e.into()),
    }
}
