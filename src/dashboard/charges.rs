//! Charges: the list (by status, searched), a charge's page with its card,
//! failure, refunds and events, the refund form, and marking a pending
//! test charge as paid or failed.

use super::PathId;
use super::listing::{self, PER_PAGE};
use super::session::Signed;
use super::views::{self, Ctx, Section};
use crate::api::AppState;
use crate::api::params::Params;
use crate::domain::Mode;
use crate::domain::charge::{Charge, ChargeStatus, Completion};
use crate::domain::id::{Kind, new_id};
use crate::domain::list::{ListWindow, Order, now};
use crate::domain::refund::NewRefund;
use axum::extract::State;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use maud::{Markup, html};

/// Charges as table rows, linked to their pages.
pub fn charge_rows(ctx: &Ctx, charges: &[Charge]) -> Markup {
    let t = ctx.t;
    html! {
        @if charges.is_empty() {
            p.empty { (t.nothing_here) }
        } @else {
            div.table-wrap { table.rows #charges {
                thead { tr {
                    th.num { (t.amount) } th { (t.status) } th { (t.card) }
                    th.wide { (t.description) } th.wide { (t.created) }
                } }
                tbody {
                    @for c in charges {
                        tr {
                            td.num { a href={ "/dashboard/charges/" (c.id) } { (views::money(ctx.lang, c.currency, c.amount)) } }
                            td { (views::status_badge(t, c.status))
                                @if c.refunded_amount > 0 { " " span.badge.off { (t.refunded) } } }
                            td { (c.card.brand) " ···· " (c.card.last_digits) br; small { (c.card.name) } }
                            td.wide.clip { (c.description) }
                            td.wide { (views::time(ctx.lang, c.created_at)) }
                        }
                    }
                }
            } }
        }
    }
}

/// `GET /dashboard/charges?status=…&q=…&offset=…`.
pub async fn list(State(state): State<AppState>, signed: Signed, params: Params) -> Response {
    let ctx = signed.ctx();
    let t = ctx.t;
    let s = &signed.session;
    let query = listing::field(&params, "q");
    let query = query.trim();
    let status = listing::field(&params, "status");
    let status = ["successful", "failed", "pending", "expired"]
        .into_iter()
        .find(|known| *known == status);
    let offset = listing::offset(&params);
    let (charges, total) = if query.is_empty() && status.is_none() {
        let window = listing::newest_first(offset, PER_PAGE as u32);
        match state
            .store
            .account_charges(&s.account_id, s.mode, &window)
            .await
        {
            Ok(page) => (page.data, page.total),
            Err(e) => return views::store_failure(signed.lang, e),
        }
    } else {
        let filter = status.map(|status| ("status", status));
        let Some(search) = listing::search("charge", query, filter, offset) else {
            return views::not_found(&ctx);
        };
        match state
            .store
            .search_charges(&s.account_id, s.mode, &search)
            .await
        {
            Ok(found) => found,
            Err(e) => return views::store_failure(signed.lang, e),
        }
    };
    let base = listing::base(
        "/dashboard/charges",
        &[("q", query), ("status", status.unwrap_or_default())],
    );
    let options = [
        ("successful", t.successful),
        ("failed", t.failed),
        ("pending", t.pending),
        ("expired", t.expired),
    ];
    let body = html! {
        div.page-head { h1 { (t.charges) } }
        form.filters method="get" action="/dashboard/charges" role="search" {
            label.visually-hidden for="q" { (t.search) }
            input #q type="search" name="q" value=(query) placeholder=(t.search_placeholder);
            label.visually-hidden for="status" { (t.status) }
            select #status name="status" {
                option value="" selected[status.is_none()] { (t.all) }
                @for (value, name) in options {
                    option value=(value) selected[status == Some(value)] { (name) }
                }
            }
            button type="submit" { (t.search) }
        }
        section.card.flush data-live="charges" { (charge_rows(&ctx, &charges)) }
        (views::pager(t, &base, offset, PER_PAGE, total))
    };
    views::page(
        &ctx,
        StatusCode::OK,
        Some(Section::Charges),
        "/dashboard/charges",
        t.charges,
        body,
    )
}

async fn visible_charge(state: &AppState, signed: &Signed, id: PathId) -> Result<Charge, Response> {
    let Some(id) = id.of(Kind::Charge) else {
        return Err(views::not_found(&signed.ctx()));
    };
    let s = &signed.session;
    match state.store.charge(&s.account_id, s.mode, &id).await {
        Ok(Some(charge)) => Ok(charge),
        Ok(None) => Err(views::not_found(&signed.ctx())),
        Err(e) => Err(views::store_failure(signed.lang, e)),
    }
}

fn charge_page(
    state: &AppState,
    ctx: &Ctx,
    status: StatusCode,
    charge: &Charge,
    events: &[crate::domain::event::Event],
    refund: (&str, Option<&str>),
    done: Option<&str>,
) -> Response {
    let _ = state;
    let t = ctx.t;
    let left = charge.amount - charge.refunded_amount;
    let refundable = charge.status == ChargeStatus::Successful && left > 0;
    let here = format!("/dashboard/charges/{}", charge.id);
    let amount = views::money(ctx.lang, charge.currency, charge.amount);
    let (typed, refund_error) = refund;
    let body = html! {
        p.crumbs { a href="/dashboard/charges" { "← " (t.charges) } }
        (views::done_note(t, done))
        div.page-head {
            div { h1.amount { (amount) } p.id { (charge.id) } }
            (views::status_badge(t, charge.status))
        }
        @if charge.status == ChargeStatus::Pending {
            section.card.notice {
                p { (t.pending_note) }
                @if ctx.mode == Mode::Test {
                    div.actions {
                        @for (completion, name) in [("paid", t.mark_as_paid), ("failed", t.mark_as_failed)] {
                            form method="post" action={ (here) "/complete" } {
                                (views::csrf_field(ctx))
                                input type="hidden" name="as" value=(completion);
                                button type="submit" class=(if completion == "paid" { "primary" } else { "secondary" }) { (name) }
                            }
                        }
                    }
                }
            }
        }
        div.split {
            section.card {
                dl.facts {
                    dt { (t.status) } dd { (views::status_badge(t, charge.status)) }
                    @if let ChargeStatus::Failed(code) = charge.status {
                        dt { (t.failure) }
                        dd { code { (code.code()) } " · " (charge.failure_message.as_deref().unwrap_or(code.message())) }
                    }
                    dt { (t.card) } dd { (charge.card.brand) " ···· " (charge.card.last_digits) }
                    dt { (t.name) } dd { (charge.card.name) }
                    dt { (t.link) } dd { a href={ "/dashboard/links/" (charge.link_id) } { (charge.link_id) } }
                    dt { (t.description) } dd.pre { (charge.description.trim()) }
                    dt { (t.created) } dd { (views::time(ctx.lang, charge.created_at)) }
                }
            }
            section.card {
                h2 { (t.refunds) }
                @if charge.refunds.is_empty() { p.empty { (t.nothing_here) } }
                ul.refunds {
                    @for r in &charge.refunds {
                        li { strong { (views::money(ctx.lang, r.currency, r.amount)) } " · " (views::time(ctx.lang, r.created_at)) br; small.id { (r.id) } }
                    }
                }
                @if refundable {
                    form.form method="post" action={ (here) "/refunds" } novalidate {
                        (views::csrf_field(ctx))
                        label for="refund-amount" { (t.refund_amount) }
                        input #refund-amount name="amount" inputmode="decimal" value=(typed)
                            aria-invalid=[refund_error.map(|_| "true")] aria-describedby="refund-left";
                        p.hint #refund-left { (views::money(ctx.lang, charge.currency, left)) " " (t.refund_left) }
                        @if let Some(message) = refund_error { p.field-error role="alert" { (message) } }
                        button.primary type="submit" { (t.refund) }
                    }
                }
            }
        }
        section.card {
            h2 { (t.events) }
            @if events.is_empty() { p.empty { (t.nothing_here) } }
            ul.events {
                @for e in events {
                    li { code { (e.key.as_str()) } " · " (views::time(ctx.lang, e.created_at)) br; small.id { (e.id) } }
                }
            }
        }
    };
    views::page(ctx, status, Some(Section::Charges), &here, &amount, body)
}

async fn show_charge(
    state: &AppState,
    signed: &Signed,
    charge: &Charge,
    status: StatusCode,
    refund: (&str, Option<&str>),
    done: Option<&str>,
) -> Response {
    let window = ListWindow {
        limit: 50,
        offset: 0,
        order: Order::Chronological,
        from: 0,
        to: now(),
    };
    let events = match state.store.charge_events(&charge.id, &window).await {
        Ok(page) => page.data,
        Err(e) => return views::store_failure(signed.lang, e),
    };
    charge_page(state, &signed.ctx(), status, charge, &events, refund, done)
}

/// `GET /dashboard/charges/{id}`.
pub async fn show(
    State(state): State<AppState>,
    signed: Signed,
    id: PathId,
    params: Params,
) -> Response {
    let charge = match visible_charge(&state, &signed, id).await {
        Ok(charge) => charge,
        Err(page) => return page,
    };
    let done = listing::field(&params, "done");
    show_charge(
        &state,
        &signed,
        &charge,
        StatusCode::OK,
        ("", None),
        Some(done.as_str()),
    )
    .await
}

/// The charge's page again, with the refund form's amount and why it was
/// refused beside it.
async fn refund_refused(
    state: &AppState,
    signed: &Signed,
    charge: &Charge,
    typed: &str,
    message: &str,
) -> Response {
    let refund = (typed, Some(message));
    show_charge(state, signed, charge, StatusCode::BAD_REQUEST, refund, None).await
}

/// `POST /dashboard/charges/{id}/refunds`: the amount typed in the main
/// unit, refused as the API refuses it.
pub async fn refund(
    State(state): State<AppState>,
    signed: Signed,
    id: PathId,
    params: Params,
) -> Response {
    if let Some(refused) = signed.refused_form(&params) {
        return refused;
    }
    let charge = match visible_charge(&state, &signed, id).await {
        Ok(charge) => charge,
        Err(page) => return page,
    };
    let typed = listing::field(&params, "amount");
    let amount = match charge.currency.parse_main_unit(&typed) {
        Ok(amount) if amount > 0 => amount,
        Ok(_) => {
            return refund_refused(
                &state,
                &signed,
                &charge,
                &typed,
                "amount must be more than 0",
            )
            .await;
        }
        Err(message) => return refund_refused(&state, &signed, &charge, &typed, &message).await,
    };
    let s = &signed.session;
    let new = NewRefund {
        id: new_id(Kind::Refund, s.mode),
        account_id: s.account_id.clone(),
        mode: s.mode,
        charge_id: charge.id.clone(),
        amount,
        metadata: "{}".to_owned(),
        now: now(),
    };
    match state.store.create_refund(&new).await {
        Ok(Ok(_)) => {
            Redirect::to(&format!("/dashboard/charges/{}?done=refunded", charge.id)).into_response()
        }
        Ok(Err(refusal)) => match refusal.message(amount) {
            Some(message) => refund_refused(&state, &signed, &charge, &typed, &message).await,
            None => views::not_found(&signed.ctx()),
        },
        Err(e) => views::store_failure(signed.lang, e),
    }
}

/// `POST /dashboard/charges/{id}/complete` with `as=paid|failed`: test
/// mode only, as the API's `mark_as_paid` and `mark_as_failed`.
pub async fn complete(
    State(state): State<AppState>,
    signed: Signed,
    id: PathId,
    params: Params,
) -> Response {
    if let Some(refused) = signed.refused_form(&params) {
        return refused;
    }
    if signed.session.mode == Mode::Live {
        return views::not_found(&signed.ctx());
    }
    let charge = match visible_charge(&state, &signed, id).await {
        Ok(charge) => charge,
        Err(page) => return page,
    };
    let completion = match listing::field(&params, "as").as_str() {
        "paid" => Completion::Paid,
        "failed" => Completion::Failed,
        _ => {
            return show_charge(
                &state,
                &signed,
                &charge,
                StatusCode::BAD_REQUEST,
                ("", None),
                None,
            )
            .await;
        }
    };
    match state
        .store
        .complete_charge(&charge.id, completion, now())
        .await
    {
        Ok(_) => Redirect::to(&format!("/dashboard/charges/{}?done=completed", charge.id))
            .into_response(),
        Err(e) => views::store_failure(signed.lang, e),
    }
}
