//! Links: the list (newest first, searched and filtered), the form that
//! makes one (the amount typed in the main unit), a link's page with its
//! payment link, QR code and charges, and deletion.

use super::PathId;
use super::charges::charge_rows;
use super::listing::{self, PER_PAGE};
use super::session::Signed;
use super::views::{self, Ctx, Section};
use crate::api::AppState;
use crate::api::params::Params;
use crate::domain::id::{Kind, new_id, payment_code};
use crate::domain::link::{Link, NewLink};
use crate::domain::list::now;
use crate::domain::money::Currency;
use axum::extract::State;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use maud::{Markup, PreEscaped, html};

/// The link's state as a badge.
fn link_badge(ctx: &Ctx, link: &Link) -> Markup {
    let t = ctx.t;
    let (class, name) = if link.deleted() {
        ("off", t.deleted)
    } else if link.used() {
        ("ok", t.used)
    } else {
        ("wait", t.active)
    };
    html! { span class={ "badge " (class) } { (name) } }
}

fn link_rows(ctx: &Ctx, links: &[Link]) -> Markup {
    let t = ctx.t;
    html! {
        @if links.is_empty() {
            p.empty { (t.nothing_here) }
        } @else {
            div.table-wrap { table.rows {
                thead { tr {
                    th { (t.title) } th.num { (t.amount) } th { (t.status) }
                    th.wide { (t.multiple_use) } th.wide { (t.created) }
                } }
                tbody {
                    @for link in links {
                        tr {
                            td { a href={ "/dashboard/links/" (link.id) } { (link.title) } br; small.id { (link.id) } }
                            td.num { (views::money(ctx.lang, link.currency, link.amount)) }
                            td { (link_badge(ctx, link)) }
                            td.wide { @if link.multiple { (t.multiple_use) } @else { (t.single_use) } }
                            td.wide { (views::time(ctx.lang, link.created_at)) }
                        }
                    }
                }
            } }
        }
    }
}

/// `GET /dashboard/links?q=…&state=active|used&offset=…`.
pub async fn list(State(state): State<AppState>, signed: Signed, params: Params) -> Response {
    let ctx = signed.ctx();
    let t = ctx.t;
    let s = &signed.session;
    let query = listing::field(&params, "q");
    let query = query.trim();
    let filter = listing::field(&params, "state");
    let used = match filter.as_str() {
        "active" => Some("false"),
        "used" => Some("true"),
        _ => None,
    };
    let offset = listing::offset(&params);
    let (links, total) = if query.is_empty() && used.is_none() {
        let window = listing::newest_first(offset, PER_PAGE as u32);
        match state.store.links_page(&s.account_id, s.mode, &window).await {
            Ok(page) => (page.data, page.total),
            Err(e) => return views::store_failure(signed.lang, e),
        }
    } else {
        let filter = used.map(|used| ("used", used));
        let Some(search) = listing::search("link", query, filter, offset) else {
            return views::not_found(&ctx);
        };
        match state
            .store
            .search_links(&s.account_id, s.mode, &search)
            .await
        {
            Ok(found) => found,
            Err(e) => return views::store_failure(signed.lang, e),
        }
    };
    let state_filter = if used.is_some() { filter.as_str() } else { "" };
    let base = listing::base("/dashboard/links", &[("q", query), ("state", state_filter)]);
    let done = listing::field(&params, "done");
    let body = html! {
        div.page-head {
            h1 { (t.links) }
            a.button.primary href="/dashboard/links/new" { "+ " (t.new_link) }
        }
        (views::done_note(t, Some(done.as_str())))
        form.filters method="get" action="/dashboard/links" role="search" {
            label.visually-hidden for="q" { (t.search) }
            input #q type="search" name="q" value=(query) placeholder=(t.search_placeholder);
            label.visually-hidden for="state" { (t.status) }
            select #state name="state" {
                option value="" selected[used.is_none()] { (t.all) }
                option value="active" selected[filter == "active"] { (t.active) }
                option value="used" selected[filter == "used"] { (t.used) }
            }
            button type="submit" { (t.search) }
        }
        section.card.flush { (link_rows(&ctx, &links)) }
        (views::pager(t, &base, offset, PER_PAGE, total))
    };
    views::page(
        &ctx,
        StatusCode::OK,
        Some(Section::Links),
        "/dashboard/links",
        t.links,
        body,
    )
}

/// What the create form shows again: what was typed, and each field's
/// problem.
#[derive(Default)]
struct Typed {
    title: String,
    description: String,
    amount: String,
    currency: String,
    multiple: bool,
    errors: Vec<(&'static str, String)>,
}

impl Typed {
    fn error(&self, field: &str) -> Option<&str> {
        self.errors
            .iter()
            .find(|(f, _)| *f == field)
            .map(|(_, m)| m.as_str())
    }
}

fn new_link_page(ctx: &Ctx, status: StatusCode, typed: &Typed) -> Response {
    let t = ctx.t;
    let field_error = |field: &str| {
        html! {
            @if let Some(message) = typed.error(field) {
                p.field-error id={ (field) "-error" } { (message) }
            }
        }
    };
    let invalid = |field: &str| typed.error(field).map(|_| "true");
    let described = |field: &str| typed.error(field).map(|_| format!("{field}-error"));
    let currency = if typed.currency.is_empty() {
        "THB"
    } else {
        typed.currency.as_str()
    };
    let body = html! {
        div.page-head { h1 { (t.new_link) } }
        form.card.form method="post" action="/dashboard/links" novalidate {
            (views::csrf_field(ctx))
            label for="title" { (t.title) }
            input #title name="title" value=(typed.title) required maxlength="255"
                aria-invalid=[invalid("title")] aria-describedby=[described("title")];
            (field_error("title"))
            label for="description" { (t.description) }
            textarea #description name="description" rows="3" maxlength="1000"
                aria-invalid=[invalid("description")] aria-describedby=[described("description")] { (typed.description) }
            (field_error("description"))
            div.row {
                div.grow {
                    label for="amount" { (t.amount) }
                    input #amount name="amount" value=(typed.amount) inputmode="decimal" required
                        placeholder="1,000.00" aria-invalid=[invalid("amount")]
                        aria-describedby={ "amount-hint" @if typed.error("amount").is_some() { " amount-error" } };
                    p.hint #amount-hint { (t.amount_hint) }
                    (field_error("amount"))
                }
                div {
                    label for="currency" { (t.currency) }
                    select #currency name="currency" aria-invalid=[invalid("currency")] {
                        @for c in Currency::ALL {
                            option value=(c.code()) selected[c.code() == currency] { (c.code()) }
                        }
                    }
                    (field_error("currency"))
                }
            }
            label.check {
                input type="checkbox" name="multiple" value="true" checked[typed.multiple];
                span { (t.multiple) br; small.hint { (t.multiple_hint) } }
            }
            button.primary type="submit" { (t.create_link) }
        }
    };
    views::page(
        ctx,
        status,
        Some(Section::Links),
        "/dashboard/links/new",
        t.new_link,
        body,
    )
}

/// `GET /dashboard/links/new`.
pub async fn new_form(signed: Signed) -> Response {
    new_link_page(&signed.ctx(), StatusCode::OK, &Typed::default())
}

/// Where an `invalid_link` message belongs on the form.
fn field_of(message: &str) -> &'static str {
    ["amount", "currency", "title", "description"]
        .into_iter()
        .find(|f| message.starts_with(f))
        .unwrap_or("title")
}

/// `POST /dashboard/links`: validated as the API validates, the amount
/// typed in the main unit.
pub async fn create(State(state): State<AppState>, signed: Signed, params: Params) -> Response {
    if let Some(refused) = signed.refused_form(&params) {
        return refused;
    }
    let ctx = signed.ctx();
    let mut typed = Typed {
        title: listing::field(&params, "title"),
        description: listing::field(&params, "description"),
        amount: listing::field(&params, "amount"),
        currency: listing::field(&params, "currency"),
        multiple: matches!(
            listing::field(&params, "multiple").as_str(),
            "true" | "on" | "1"
        ),
        errors: vec![],
    };
    let currency = Currency::parse(typed.currency.trim());
    let amount = match &currency {
        Ok(_) if typed.amount.trim().is_empty() => {
            typed.errors.push(("amount", "amount is required".into()));
            None
        }
        Ok(c) => match c.parse_main_unit(&typed.amount) {
            Ok(minor) => {
                let (min, max) = c.bounds();
                if minor < min || minor > max {
                    typed.errors.push((
                        "amount",
                        format!(
                            "amount must be between {} and {}",
                            views::money(ctx.lang, *c, min),
                            views::money(ctx.lang, *c, max)
                        ),
                    ));
                    None
                } else {
                    Some(minor)
                }
            }
            Err(message) => {
                typed.errors.push(("amount", message));
                None
            }
        },
        Err(e) => {
            typed.errors.push(("currency", e.to_string()));
            None
        }
    };
    // An amount already refused is stood in for by the smallest one, so
    // that the other fields are still checked and shown.
    let probe = amount.or_else(|| currency.as_ref().ok().map(|c| c.bounds().0));
    let new = NewLink::parse(
        probe,
        Some(typed.currency.trim()),
        Some(typed.title.as_str()),
        Some(typed.description.as_str()),
        typed.multiple,
    );
    let new = match new {
        Ok(new) if typed.errors.is_empty() => new,
        Ok(_) => return new_link_page(&ctx, StatusCode::BAD_REQUEST, &typed),
        Err(e) => {
            let field = field_of(&e.0);
            if typed.error(field).is_none() {
                typed.errors.push((field, e.0));
            }
            return new_link_page(&ctx, StatusCode::BAD_REQUEST, &typed);
        }
    };
    let s = &signed.session;
    let link = new.into_link(
        new_id(Kind::Link, s.mode),
        s.account_id.clone(),
        s.mode,
        now(),
    );
    if let Err(e) = state.store.insert_link(&link).await {
        return views::store_failure(signed.lang, e);
    }
    Redirect::to(&format!("/dashboard/links/{}?done=link-created", link.id)).into_response()
}

/// The QR code of a payment link, as SVG.
fn qr_svg(uri: &str) -> Markup {
    match qrcode::QrCode::new(uri.as_bytes()) {
        Ok(code) => PreEscaped(
            code.render::<qrcode::render::svg::Color>()
                .min_dimensions(180, 180)
                .quiet_zone(true)
                .dark_color(qrcode::render::svg::Color("#101828"))
                .light_color(qrcode::render::svg::Color("#ffffff"))
                .build(),
        ),
        Err(_) => html! {},
    }
}

/// `GET /dashboard/links/{id}`.
pub async fn show(
    State(state): State<AppState>,
    signed: Signed,
    id: PathId,
    params: Params,
) -> Response {
    let ctx = signed.ctx();
    let t = ctx.t;
    let s = &signed.session;
    let Some(id) = id.of(Kind::Link) else {
        return views::not_found(&ctx);
    };
    let link = match state.store.link(&s.account_id, s.mode, &id).await {
        Ok(Some(link)) => link,
        Ok(None) => return views::not_found(&ctx),
        Err(e) => return views::store_failure(signed.lang, e),
    };
    let offset = listing::offset(&params);
    let window = listing::newest_first(offset, PER_PAGE as u32);
    let charges = match state.store.link_charges(&link.id, &window).await {
        Ok(page) => page,
        Err(e) => return views::store_failure(signed.lang, e),
    };
    let uri = format!("{}/pay/{}", state.public_url, payment_code(&link.id));
    let here = format!("/dashboard/links/{}", link.id);
    let done = listing::field(&params, "done");
    let body = html! {
        p.crumbs { a href="/dashboard/links" { "← " (t.links) } }
        (views::done_note(t, Some(done.as_str())))
        div.page-head {
            div {
                h1 { (link.title) }
                p.id { (link.id) }
            }
            (link_badge(&ctx, &link))
        }
        div.split {
            section.card {
                dl.facts {
                    dt { (t.amount) } dd.amount { (views::money(ctx.lang, link.currency, link.amount)) }
                    dt { (t.description) } dd.pre { (link.description) }
                    dt { (t.multiple_use) } dd { @if link.multiple { (t.multiple_use) } @else { (t.single_use) } }
                    dt { (t.created) } dd { (views::time(ctx.lang, link.created_at)) }
                }
                @if !link.deleted() {
                    label for="payment-uri" { (t.payment_uri) }
                    div.copy-row {
                        input #payment-uri readonly value=(uri);
                        button.copy type="button" data-copy="payment-uri" data-copied=(t.copied) hidden { (t.copy) }
                    }
                }
            }
            @if !link.deleted() {
                figure.card.qr {
                    (qr_svg(&uri))
                    figcaption { (t.qr_caption) }
                }
            }
        }
        section.card.flush {
            div.card-head { h2 { (t.charges) " · " (charges.total) } }
            (charge_rows(&ctx, &charges.data))
        }
        (views::pager(t, &format!("{here}?"), offset, PER_PAGE, charges.total))
        @if !link.deleted() {
            details.danger {
                summary { (t.delete_link) }
                form method="post" action={ (here) "/delete" } {
                    (views::csrf_field(&ctx))
                    p { (t.delete_confirm) }
                    button.danger type="submit" { (t.delete_link) }
                }
            }
        }
    };
    views::page(
        &ctx,
        StatusCode::OK,
        Some(Section::Links),
        &here,
        &link.title,
        body,
    )
}

/// `POST /dashboard/links/{id}/delete`.
pub async fn delete(
    State(state): State<AppState>,
    signed: Signed,
    id: PathId,
    params: Params,
) -> Response {
    if let Some(refused) = signed.refused_form(&params) {
        return refused;
    }
    let Some(id) = id.of(Kind::Link) else {
        return views::not_found(&signed.ctx());
    };
    let s = &signed.session;
    match state
        .store
        .delete_link(&s.account_id, s.mode, &id, now())
        .await
    {
        Ok(Some(link)) => {
            Redirect::to(&format!("/dashboard/links/{}?done=link-deleted", link.id)).into_response()
        }
        Ok(None) => views::not_found(&signed.ctx()),
        Err(e) => views::store_failure(signed.lang, e),
    }
}
