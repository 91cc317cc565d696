//! The outcome of a payment, where every payment ends: the receipt, the
//! decline, or where a charge not yet complete stands.

use super::notices::Notice;
use super::page::{Pages, Step, made_charge};
use super::{PageCode, PageLang, views};
use crate::api::AppState;
use crate::domain::ObjectId;
use crate::domain::charge::{Charge, ChargeStatus};
use crate::domain::id::Kind;
use crate::domain::link::Link;
use axum::extract::{Query, State};
use axum::http::StatusCode;
use axum::response::Response;
use std::collections::HashMap;

/// `GET /pay/{code}/complete?charge=…`: the outcome of a payment.
pub(super) async fn complete(
    State(state): State<AppState>,
    PageCode(code): PageCode,
    lang: PageLang,
    Query(query): Query<HashMap<String, String>>,
) -> Response {
    let pages = Pages::new(&state, code, lang);
    let charge_id = query.get("charge").map(String::as_str).unwrap_or_default();
    pages.outcome(charge_id).await.unwrap_or_else(|page| page)
}

impl Pages<'_> {
    /// The outcome of the charge `charge_id` of this page's link.
    async fn outcome(&self, charge_id: &str) -> Step<Response> {
        let link = self.link().await?;
        let charge = match ObjectId::parse(Kind::Charge, charge_id) {
            Some(id) => made_charge(self.state, &link, id.as_str()).await,
            None => Ok(None),
        };
        match charge {
            Ok(Some(charge)) => Ok(self.charge_page(&link, &charge)),
            Ok(None) => Err(self.notice(Some(&link), Notice::ChargeMissing)),
            Err(e) => Err(self.failure(Some(&link), e)),
        }
    }

    /// A charge's page by its status.
    fn charge_page(&self, link: &Link, charge: &Charge) -> Response {
        let amount = charge
            .currency
            .format(charge.amount, self.lang.lang.locale());
        let frame = self.frame(Some(link), self.outcome_path(&charge.id));
        let t = self.lang.lang.text();
        match charge.status {
            ChargeStatus::Successful => self.render(
                StatusCode::OK,
                views::paid_page(&frame, link, charge, &amount),
            ),
            ChargeStatus::Failed(failure) => {
                let reason = if charge.authorize {
                    t.authentication_failed
                } else {
                    t.failure(failure)
                };
                let retry = link.accepts_payment().then(|| self.href(&self.pay_path()));
                self.render(
                    StatusCode::PAYMENT_REQUIRED,
                    views::declined_page(&frame, link, charge, &amount, reason, retry.as_deref()),
                )
            }
            ChargeStatus::Pending => self.notice(
                Some(link),
                Notice::Pending {
                    charge_id: &charge.id,
                },
            ),
            ChargeStatus::Expired => self.notice(Some(link), Notice::Expired),
        }
    }
}
