//! One request's view of the pages of one payment code: their addresses,
//! the frame around each, the link behind the code, and where a charge
//! leads.

use super::PageLang;
use super::bank::authorize_path;
use super::notices::Notice;
use super::views::Frame;
use crate::api::AppState;
use crate::api::error::ApiError;
use crate::domain::Mode;
use crate::domain::charge::{Charge, ChargeStatus};
use crate::domain::id::link_ids_for_code;
use crate::domain::link::Link;
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{Html, IntoResponse, Redirect, Response};
use maud::Markup;
use std::sync::OnceLock;

/// One step of answering a request: its result, or the page to answer
/// with instead (a notice, the form again, a redirect).
pub(super) type Step<T> = Result<T, Response>;

/// One request's view of the pages of one payment code.
pub(super) struct Pages<'a> {
    pub(super) state: &'a AppState,
    pub(super) code: String,
    pub(super) lang: PageLang,
    /// The name of the account being paid, once the link is read.
    merchant: OnceLock<String>,
}

impl<'a> Pages<'a> {
    pub(super) fn new(state: &'a AppState, code: String, lang: PageLang) -> Pages<'a> {
        Pages {
            state,
            code,
            lang,
            merchant: OnceLock::new(),
        }
    }

    /// A path with `lang` added when the payer chose it.
    pub(super) fn href(&self, path: &str) -> String {
        if !self.lang.chosen {
            return path.to_owned();
        }
        let separator = if path.contains('?') { '&' } else { '?' };
        format!("{path}{separator}lang={}", self.lang.lang.code())
    }

    pub(super) fn pay_path(&self) -> String {
        format!("/pay/{}", self.code)
    }

    pub(super) fn outcome_path(&self, charge_id: &str) -> String {
        format!("/pay/{}/complete?charge={charge_id}", self.code)
    }

    pub(super) fn frame(&self, link: Option<&Link>, here: String) -> Frame {
        Frame {
            lang: self.lang.lang,
            test_mode: link.is_some_and(|l| l.mode == Mode::Test),
            card_form: false,
            here,
            merchant: self.merchant.get().cloned(),
        }
    }

    /// A link's title and amount, for the pages about it.
    pub(super) fn subject<'l>(&self, link: &'l Link) -> (&'l str, String) {
        (
            &link.title,
            link.currency.format(link.amount, self.lang.lang.locale()),
        )
    }

    pub(super) fn render(&self, status: StatusCode, markup: Markup) -> Response {
        let mut response = (status, Html(markup.into_string())).into_response();
        response.headers_mut().insert(
            header::CONTENT_LANGUAGE,
            HeaderValue::from_static(self.lang.lang.code()),
        );
        response
    }

    /// The link behind this page's code, or the page that says why there is none.
    pub(super) async fn link(&self) -> Step<Link> {
        match link_for_code(self.state, &self.code).await {
            Ok(Some(link)) => {
                match self
                    .state
                    .store
                    .account_display_name(&link.account_id)
                    .await
                {
                    Ok(Some(name)) => {
                        let _ = self.merchant.set(name);
                    }
                    Ok(None) => {}
                    Err(e) => return Err(self.failure(Some(&link), e.into())),
                }
                Ok(link)
            }
            Ok(None) => Err(self.notice(None, Notice::Unavailable)),
            Err(e) => Err(self.failure(None, e)),
        }
    }

    pub(super) fn see_outcome(&self, charge_id: &str) -> Response {
        Redirect::to(&self.href(&self.outcome_path(charge_id))).into_response()
    }

    /// Where a payment leads: the test bank while the charge waits for
    /// 3-D Secure, its outcome otherwise.
    pub(super) fn see_charge(&self, charge: &Charge) -> Response {
        if charge.status == ChargeStatus::Pending {
            Redirect::to(&self.href(&authorize_path(&charge.id))).into_response()
        } else {
            self.see_outcome(&charge.id)
        }
    }
}

/// The link behind a payment code, of either mode.
pub async fn link_for_code(state: &AppState, code: &str) -> Result<Option<Link>, ApiError> {
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

/// A charge made on this link with this id, if there is one.
pub(super) async fn made_charge(
    state: &AppState,
    link: &Link,
    id: &str,
) -> Result<Option<Charge>, ApiError> {
    Ok(state
        .store
        .charge_by_id(id)
        .await?
        .filter(|charge| charge.link_id == link.id))
}
