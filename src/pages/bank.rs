//! The test bank: where a charge that needs 3-D Secure sends the payer to
//! authenticate, or to fail to, before it completes.

use super::notices::Notice;
use super::page::{Pages, Step};
use super::{PageCode, PageLang, PageParams, views};
use crate::api::AppState;
use crate::api::error::ApiError;
use crate::domain::ObjectId;
use crate::domain::charge::{Charge, ChargeStatus, Completion};
use crate::domain::id::{Kind, payment_code};
use crate::domain::link::Link;
use crate::domain::list::now;
use axum::extract::State;
use axum::http::StatusCode;
use axum::response::Response;

/// The test bank's page for a charge.
pub(super) fn authorize_path(charge_id: &str) -> String {
    format!("/authorize/{charge_id}")
}

/// A charge at the test bank and its link's pages; `Err` is the page to
/// show when the charge or its link is not to be had.
async fn at_bank<'a>(
    state: &'a AppState,
    raw: &str,
    lang: PageLang,
) -> Step<(Pages<'a>, Link, Charge)> {
    let charge = match ObjectId::parse(Kind::Charge, raw) {
        Some(id) => state.store.charge_by_id(id.as_str()).await,
        None => Ok(None),
    };
    // Until the charge names its link, the pages are of no payment code.
    let nowhere = || Pages::new(state, String::new(), lang);
    let charge = match charge {
        Ok(Some(charge)) => charge,
        Ok(None) => return Err(nowhere().notice(None, Notice::Unavailable)),
        Err(e) => return Err(nowhere().failure(None, e.into())),
    };
    let pages = Pages::new(state, payment_code(&charge.link_id), lang);
    let link = pages.link().await?;
    Ok((pages, link, charge))
}

/// `GET /authorize/{charge}`: the test bank asks the payer to authenticate.
pub(super) async fn ask(
    State(state): State<AppState>,
    PageCode(raw): PageCode,
    lang: PageLang,
) -> Response {
    let (pages, link, charge) = match at_bank(&state, &raw, lang).await {
        Ok(found) => found,
        Err(page) => return page,
    };
    if charge.status != ChargeStatus::Pending {
        return pages.see_outcome(&charge.id);
    }
    let amount = charge.currency.format(charge.amount, lang.lang.locale());
    let action = pages.href(&authorize_path(&charge.id));
    let frame = pages.frame(Some(&link), authorize_path(&charge.id));
    pages.render(
        StatusCode::OK,
        views::bank_page(&frame, &link, &charge, &amount, &action),
    )
}

/// `POST /authorize/{charge}`: the payer authenticated, or failed to; the
/// charge completes and the payer returns to the link's outcome page.
pub(super) async fn answer(
    State(state): State<AppState>,
    PageCode(raw): PageCode,
    lang: PageLang,
    PageParams(params): PageParams,
) -> Response {
    let (pages, link, charge) = match at_bank(&state, &raw, lang).await {
        Ok(found) => found,
        Err(page) => return page,
    };
    let completion = match params.text("action", ApiError::BadRequest) {
        Ok(Some(action)) if action == "authenticate" => Completion::Paid,
        Ok(Some(action)) if action == "fail" => Completion::Failed,
        Ok(_) => {
            return pages.failure(
                Some(&link),
                ApiError::BadRequest("action must be authenticate or fail".into()),
            );
        }
        Err(e) => return pages.failure(Some(&link), e),
    };
    match state
        .store
        .complete_charge(&charge.id, completion, now())
        .await
    {
        // Done, or done already (a second click, or it expired first):
        // either way the outcome page tells how it ended.
        Ok(_) => pages.see_outcome(&charge.id),
        Err(e) => pages.failure(Some(&link), e.into()),
    }
}
