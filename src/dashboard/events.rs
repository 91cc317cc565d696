//! Events: the list (newest first, with where each one's webhook stands),
//! an event's page with the payload as sent and every delivery attempt
//! (its time, URI, status, time taken, error and the start of the
//! receiver's answer), and "Resend", which makes one more attempt now.

use super::PathId;
use super::events_text::{EventsText, events_text};
use super::listing::{self, PER_PAGE};
use super::session::Signed;
use super::views::{self, Ctx, Section};
use crate::api::AppState;
use crate::api::events::{data_version, webhook_body_pretty};
use crate::api::params::Params;
use crate::domain::Kind;
use crate::domain::event::{Event, EventData, WebhookDelivery};
use crate::domain::list::{Micros, now};
use crate::store::WebhookState;
use axum::extract::State;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use maud::{Markup, html};

/// Where an event's webhook stands, in the list's four words.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum DeliveryState {
    /// The last attempt was answered with a 2xx, and none is waiting.
    Delivered,
    /// The last attempt failed (whether or not another will be made).
    Failing,
    /// An attempt is due, and none has failed last.
    Waiting,
    /// No attempt was made and none is due: the mode had no webhook.
    NoWebhook,
}

impl DeliveryState {
    pub fn of(state: &WebhookState) -> DeliveryState {
        match (state.last_succeeded, state.next_attempt_at) {
            (Some(false), _) => DeliveryState::Failing,
            (_, Some(_)) => DeliveryState::Waiting,
            (Some(true), None) => DeliveryState::Delivered,
            (None, None) => DeliveryState::NoWebhook,
        }
    }

    fn badge(self, et: &EventsText) -> Markup {
        let (class, name) = match self {
            DeliveryState::Delivered => ("ok", et.delivered),
            DeliveryState::Failing => ("bad", et.failing),
            DeliveryState::Waiting => ("wait", et.waiting),
            DeliveryState::NoWebhook => ("off", et.no_webhook),
        };
        html! { span class={ "badge " (class) } { (name) } }
    }
}

/// The object an event tells of: its id, and its page on the dashboard
/// (a refund's is its charge's).
fn object_of(event: &Event) -> (&str, String) {
    match &event.data {
        EventData::Link(link) => (&link.id, format!("/dashboard/links/{}", link.id)),
        EventData::Charge(charge) => (&charge.id, format!("/dashboard/charges/{}", charge.id)),
        EventData::Refund(refund) => (
            &refund.id,
            format!("/dashboard/charges/{}", refund.charge_id),
        ),
    }
}

/// A time taken, in milliseconds (seconds past ten of them).
fn duration(micros: Micros) -> String {
    if micros >= 10_000_000 {
        format!("{:.1} s", micros as f64 / 1e6)
    } else if micros >= 10_000 {
        format!("{} ms", micros / 1000)
    } else {
        format!("{:.1} ms", micros as f64 / 1000.0)
    }
}

fn attempt_name(et: &EventsText, number: usize) -> String {
    format!("{}{number}{}", et.attempt_before, et.attempt_after)
}

/// `GET /dashboard/events?offset=…`.
pub async fn list(State(state): State<AppState>, signed: Signed, params: Params) -> Response {
    let ctx = signed.ctx();
    let (t, et) = (ctx.t, events_text(ctx.lang));
    let s = &signed.session;
    let offset = listing::offset(&params);
    let window = listing::newest_first(offset, PER_PAGE as u32);
    let page = match state
        .store
        .events_page(&s.account_id, s.mode, &window)
        .await
    {
        Ok(page) => page,
        Err(e) => return views::store_failure(signed.lang, e),
    };
    let ids: Vec<&str> = page.data.iter().map(|e| e.id.as_str()).collect();
    let states = match state.store.webhook_states(&ids).await {
        Ok(states) => states,
        Err(e) => return views::store_failure(signed.lang, e),
    };
    let body = html! {
        div.page-head {
            div { h1 { (t.events) } p.lead { (et.events_lead) } }
            a.button href="/dashboard/webhooks" { (et.webhooks) }
        }
        section.card.flush {
            @if page.data.is_empty() {
                p.empty { (et.no_events) }
            } @else {
                div.table-wrap { table.rows #events {
                    thead { tr {
                        th { (et.event) } th.wide { (et.object) } th { (et.webhook) } th { (et.time) }
                    } }
                    tbody {
                        @for (event, ws) in page.data.iter().zip(&states) {
                            @let (object, object_href) = object_of(event);
                            tr {
                                td {
                                    a href={ "/dashboard/events/" (event.id) } { code { (event.key.as_str()) } }
                                    br; small.id { (event.id) }
                                }
                                td.wide { a.id href=(object_href) { (object) } }
                                td { (DeliveryState::of(ws).badge(et)) }
                                td { (views::time(ctx.lang, event.created_at)) }
                            }
                        }
                    }
                } }
            }
        }
        (views::pager(t, "/dashboard/events", offset, PER_PAGE, page.total))
    };
    views::page(
        &ctx,
        StatusCode::OK,
        Some(Section::Events),
        "/dashboard/events",
        t.events,
        body,
    )
}

fn attempt_card(ctx: &Ctx, et: &EventsText, number: usize, d: &WebhookDelivery) -> Markup {
    let badge = match d.status {
        Some(code) => {
            let class = if d.error.is_none() { "ok" } else { "bad" };
            html! { span class={ "badge " (class) } { (code) } }
        }
        None => html! { span.badge.bad { (et.no_answer) } },
    };
    html! {
        li.attempt {
            div.attempt-head {
                strong { (attempt_name(et, number)) }
                (badge)
                span.when { (views::time(ctx.lang, d.created_at)) }
            }
            dl.facts {
                dt { (et.sent_to) } dd { code.uri { (d.uri) } }
                dt { (et.http_status) } dd {
                    @match d.status { Some(code) => { (code) }, None => { (et.no_answer) } }
                }
                @if let Some(took) = d.duration_micros {
                    dt { (et.took) } dd.took { (duration(took)) }
                }
                @if let Some(error) = &d.error {
                    dt { (et.error) } dd.error { (error) }
                }
            }
            @if let Some(answer) = &d.response_body {
                p.answer-label { (et.answer) }
                @if answer.is_empty() {
                    p.hint { (et.empty_answer) }
                } @else {
                    pre.answer { (answer) }
                }
            }
        }
    }
}

/// `GET /dashboard/events/{id}`: the payload, every attempt, "Resend".
pub async fn show(
    State(state): State<AppState>,
    signed: Signed,
    id: PathId,
    params: Params,
) -> Response {
    let ctx = signed.ctx();
    let (t, et) = (ctx.t, events_text(ctx.lang));
    let s = &signed.session;
    let Some(id) = id.of(Kind::Event) else {
        return views::not_found(&ctx);
    };
    let event = match state.store.event(&s.account_id, s.mode, &id).await {
        Ok(Some(event)) => event,
        Ok(None) => return views::not_found(&ctx),
        Err(e) => return views::store_failure(signed.lang, e),
    };
    let store = state.store.as_ref();
    let loaded = async {
        let deliveries = store.webhook_deliveries(&[event.id.as_str()]).await?;
        let states = store.webhook_states(&[event.id.as_str()]).await?;
        let settings = store.account_settings(&s.account_id, s.mode).await?;
        let version = data_version(store, &s.account_id, s.mode).await?;
        Ok::<_, crate::store::StoreError>((deliveries, states, settings, version))
    };
    let (mut deliveries, states, settings, version) = match loaded.await {
        Ok(loaded) => loaded,
        Err(e) => return views::store_failure(signed.lang, e),
    };
    let deliveries = deliveries.pop().unwrap_or_default();
    let ws = states.first().copied().unwrap_or_default();
    let webhook_uri = settings.and_then(|s| s.webhook_uri);
    // The body the latest attempt sent listed the attempts before it.
    let before = &deliveries[..deliveries.len().saturating_sub(1)];
    let payload = webhook_body_pretty(&state.public_url, &event, before, version)
        .unwrap_or_else(|e| format!("{e}"));
    let (object, object_href) = object_of(&event);
    let here = format!("/dashboard/events/{}", event.id);
    let delivery = DeliveryState::of(&ws);
    let done = listing::field(&params, "done") == "resent";
    let body = html! {
        p.crumbs { a href="/dashboard/events" { "← " (t.events) } }
        @if done { p.done role="status" { (et.done_resent) } }
        div.page-head {
            div { h1 { code { (event.key.as_str()) } } p.id { (event.id) } }
            (delivery.badge(et))
        }
        div.split {
            section.card {
                dl.facts {
                    dt { (et.event) } dd { code { (event.key.as_str()) } }
                    dt { (et.object) } dd { a.id href=(object_href) { (object) } }
                    dt { (et.time) } dd { (views::time(ctx.lang, event.created_at)) }
                    @if let Some(due) = ws.next_attempt_at {
                        dt { (et.next_attempt) } dd { (views::time(ctx.lang, due)) }
                    }
                }
                @if delivery == DeliveryState::Failing && ws.next_attempt_at.is_none() {
                    p.hint { (et.no_more_attempts) }
                }
            }
            section.card {
                h2 { (et.resend) }
                @if let Some(uri) = &webhook_uri {
                    p.hint { (et.resend_note) }
                    p { code.uri { (uri) } }
                    form method="post" action={ (here) "/resend" } {
                        (views::csrf_field(&ctx))
                        button.primary type="submit" { (et.resend) }
                    }
                } @else {
                    p.hint { (et.resend_needs_uri) }
                    a.button href="/dashboard/webhooks" { (et.webhooks) }
                }
            }
        }
        section.card {
            h2 { (et.attempts) " · " (deliveries.len()) }
            @if deliveries.is_empty() {
                p.empty { (et.no_attempts) }
            } @else {
                ol.attempts {
                    @for (i, d) in deliveries.iter().enumerate() {
                        (attempt_card(&ctx, et, i + 1, d))
                    }
                }
            }
        }
        section.card {
            h2 { (et.payload) }
            p.hint { (et.payload_note) }
            pre.payload { code { (payload) } }
        }
    };
    views::page(
        &ctx,
        StatusCode::OK,
        Some(Section::Events),
        &here,
        event.key.as_str(),
        body,
    )
}

/// `POST /dashboard/events/{id}/resend`: one more attempt, now, made by
/// the webhook worker of whichever process claims it first, and recorded
/// like any other (see `EventStore::resend_webhook` for how it counts
/// against `--webhook-max-attempts`).
pub async fn resend(
    State(state): State<AppState>,
    signed: Signed,
    id: PathId,
    params: Params,
) -> Response {
    if let Some(refused) = signed.refused_form(&params) {
        return refused;
    }
    let Some(id) = id.of(Kind::Event) else {
        return views::not_found(&signed.ctx());
    };
    let s = &signed.session;
    match state
        .store
        .resend_webhook(&s.account_id, s.mode, &id, now())
        .await
    {
        Ok(true) => Redirect::to(&format!("/dashboard/events/{id}?done=resent")).into_response(),
        Ok(false) => views::not_found(&signed.ctx()),
        Err(e) => views::store_failure(signed.lang, e),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn delivery_states() {
        let state = |attempts, last_succeeded, next_attempt_at| WebhookState {
            attempts,
            last_succeeded,
            next_attempt_at,
        };
        assert_eq!(
            DeliveryState::of(&state(0, None, None)),
            DeliveryState::NoWebhook
        );
        assert_eq!(
            DeliveryState::of(&state(0, None, Some(1))),
            DeliveryState::Waiting
        );
        assert_eq!(
            DeliveryState::of(&state(2, Some(false), Some(1))),
            DeliveryState::Failing
        );
        assert_eq!(
            DeliveryState::of(&state(3, Some(false), None)),
            DeliveryState::Failing
        );
        assert_eq!(
            DeliveryState::of(&state(1, Some(true), None)),
            DeliveryState::Delivered
        );
        // Delivered, then resent: waiting for the new attempt.
        assert_eq!(
            DeliveryState::of(&state(1, Some(true), Some(5))),
            DeliveryState::Waiting
        );
    }

    #[test]
    fn durations() {
        assert_eq!(duration(1_234), "1.2 ms");
        assert_eq!(duration(45_600), "45 ms");
        assert_eq!(duration(12_300_000), "12.3 s");
    }
}
