//! The payment flow: a link's card form, and its submission, which pays
//! with the typed card or a card token and redirects to the test bank or
//! to the outcome.

use super::form_token::FormToken;
use super::notices::Notice;
use super::page::{Pages, Step, made_charge};
use super::views::{self, Form, Frame, Typed};
use super::{PageCode, PageLang};
use crate::api::AppState;
use crate::api::error::ApiError;
use crate::api::params::Params;
use crate::api::tokens::{BillingAddress, tokenize};
use crate::domain::card::{CardError, CardInput, problems};
use crate::domain::charge::PayRefusal;
use crate::domain::id::{Kind, link_ids_for_code, new_id};
use crate::domain::link::Link;
use crate::domain::list::now;
use crate::domain::{Mode, ObjectId};
use crate::store::Payment;
use axum::Extension;
use axum::extract::{ConnectInfo, State};
use axum::http::StatusCode;
use axum::response::Response;
use std::net::SocketAddr;

/// `GET /pay/{code}`: the card form.
pub(super) async fn show(
    State(state): State<AppState>,
    PageCode(code): PageCode,
    lang: PageLang,
) -> Response {
    let pages = Pages::new(&state, code, lang);
    pages.card_form().await.unwrap_or_else(|page| page)
}

/// The card fields of the form, as typed.
struct CardFields {
    name: String,
    number: String,
    month: String,
    year: String,
    security_code: String,
}

impl CardFields {
    fn from_params(params: &Params) -> CardFields {
        let field = |name| {
            params
                .text(name, ApiError::InvalidCard)
                .ok()
                .flatten()
                .unwrap_or_default()
        };
        CardFields {
            name: field("name"),
            number: field("number"),
            month: field("expiration_month"),
            year: field("expiration_year"),
            security_code: field("security_code"),
        }
    }

    /// A month or year as typed; anything but digits is out of every range.
    fn number_of(raw: &str) -> i64 {
        raw.trim().parse::<u16>().map_or(-1, i64::from)
    }

    /// The fields as a card to check and tokenize.
    fn input(&self) -> CardInput<'_> {
        CardInput {
            name: &self.name,
            number: self.number.trim(),
            expiration_month: Self::number_of(&self.month),
            expiration_year: Self::number_of(&self.year),
            security_code: self.security_code.trim(),
        }
    }

    fn problems(&self) -> Vec<CardError> {
        let today = jiff::Timestamp::now().to_zoned(jiff::tz::TimeZone::UTC);
        problems(
            &self.input(),
            (i32::from(today.year()), today.month() as u8),
        )
    }

    fn typed(&self) -> Typed {
        Typed {
            name: self.name.clone(),
            month: self.month.clone(),
            year: self.year.clone(),
        }
    }
}

/// The form as it is rendered: a token, and what to show again.
struct FormState {
    token: FormToken,
    typed: Typed,
    errors: Vec<CardError>,
    notice: Option<&'static str>,
}

impl FormState {
    fn fresh() -> FormState {
        FormState {
            token: FormToken::generate(),
            typed: Typed::default(),
            errors: vec![],
            notice: None,
        }
    }
}

impl Pages<'_> {
    /// The link's card form, unless the link takes no payment.
    async fn card_form(&self) -> Step<Response> {
        let link = self.link().await?;
        Ok(self
            .refusal(&link, StatusCode::GONE)
            .unwrap_or_else(|| self.form(StatusCode::OK, &link, FormState::fresh())))
    }

    /// The notice to show instead of the form when the link takes no
    /// payment now. `used_status` answers for a paid single-use link.
    fn refusal(&self, link: &Link, used_status: StatusCode) -> Option<Response> {
        if link.deleted() {
            Some(self.notice(None, Notice::Unavailable))
        } else if link.used() {
            Some(self.notice(Some(link), Notice::AlreadyPaid(used_status)))
        } else if link.pending_charge_id.is_some() {
            Some(self.notice(Some(link), Notice::InProgress))
        } else if link.mode == Mode::Live && !self.state.config.live_payments {
            Some(self.notice(Some(link), Notice::LiveUnavailable))
        } else {
            None
        }
    }

    fn form(&self, status: StatusCode, link: &Link, form: FormState) -> Response {
        let amount = link.currency.format(link.amount, self.lang.lang.locale());
        let action = self.href(&self.pay_path());
        let view = Form {
            link,
            amount: &amount,
            action: &action,
            token: &form.token,
            typed: &form.typed,
            errors: &form.errors,
            notice: form.notice,
        };
        let frame = Frame {
            card_form: true,
            ..self.frame(Some(link), self.pay_path())
        };
        self.render(status, views::pay_page(&frame, &view))
    }
}

/// A script paying with a card token (no form): the token's id names the
/// mode, so the link's id is known without reading it, and the payment
/// itself checks everything else. `None` when the request is not of that
/// kind or the payment was refused: the full path then answers, reading
/// the link to say why.
async fn pay_with_token_at_once(
    state: &AppState,
    pages: &Pages<'_>,
    params: &Params,
    ip: &Option<String>,
) -> Option<Response> {
    if params
        .text("form_token", ApiError::BadRequest)
        .ok()?
        .is_some()
    {
        return None;
    }
    let raw = params.text("token", ApiError::InvalidCard).ok()??;
    let token = ObjectId::parse(Kind::Token, &raw)?;
    if token.mode() == Mode::Live && !state.config.live_payments {
        return None;
    }
    let [test_id, live_id] = link_ids_for_code(&pages.code)?;
    let payment = Payment {
        charge_id: new_id(Kind::Charge, token.mode()),
        link_id: if token.mode() == Mode::Test {
            test_id
        } else {
            live_id
        },
        token_id: raw,
        ip: ip.clone(),
        now: now(),
        authorize_timeout: state.config.authorize_timeout,
    };
    let outcome = state.store.pay_link(&payment).await;
    state.metrics.payment(&outcome);
    match outcome {
        Ok(Ok(charge)) => Some(pages.see_charge(&charge)),
        Ok(Err(_)) => None,
        Err(e) => Some(pages.failure(None, e.into())),
    }
}

/// `POST /pay/{code}`: pays with the form's card, or with a `token`, and
/// redirects to the outcome.
pub(super) async fn pay(
    State(state): State<AppState>,
    PageCode(code): PageCode,
    lang: PageLang,
    peer: Option<Extension<ConnectInfo<SocketAddr>>>,
    params: Params,
) -> Response {
    let pages = Pages::new(&state, code, lang);
    let ip = peer.map(|Extension(ConnectInfo(addr))| addr.ip().to_string());
    if let Some(paid) = pay_with_token_at_once(&state, &pages, &params, &ip).await {
        return paid;
    }
    let link = match pages.link().await {
        Ok(link) => link,
        Err(page) => return page,
    };
    let card = CardFields::from_params(&params);
    // The form's token names the one charge this form may make: if it is
    // made already, this is a repeat (a second click, a reload), and the
    // payer sees that charge's outcome rather than pays again.
    let sent_token = match params.text("form_token", ApiError::BadRequest) {
        Ok(sent) => sent,
        Err(e) => return pages.failure(Some(&link), e),
    };
    let form_token = sent_token.as_deref().and_then(FormToken::parse);
    let form_charge = form_token.as_ref().map(|token| token.charge_id(&link));
    if let Some(id) = &form_charge {
        match made_charge(&state, &link, id).await {
            Ok(Some(charge)) => return pages.see_charge(&charge),
            Ok(None) => {}
            Err(e) => return pages.failure(Some(&link), e),
        }
    }
    if let Some(page) = pages.refusal(&link, StatusCode::CONFLICT) {
        return page;
    }
    if sent_token.is_some() && form_token.is_none() {
        // Not a token this server made: start the form afresh.
        let form = FormState {
            typed: card.typed(),
            notice: Some(lang.lang.text().form_expired),
            ..FormState::fresh()
        };
        return pages.form(StatusCode::BAD_REQUEST, &link, form);
    }
    let token = match params.text("token", ApiError::InvalidCard) {
        Ok(Some(raw)) => card_token(&raw),
        Ok(None) => {
            let errors = card.problems();
            if !errors.is_empty() {
                let form = FormState {
                    token: form_token.unwrap_or_else(FormToken::generate),
                    typed: card.typed(),
                    errors,
                    notice: None,
                };
                return pages.form(StatusCode::BAD_REQUEST, &link, form);
            }
            // The form asks for no address.
            let address = Ok(BillingAddress::default());
            tokenize(&state, &link.account_id, link.mode, &card.input(), address)
                .await
                .map(|token| token.id)
        }
        Err(e) => Err(e),
    };
    let token = match token {
        Ok(token) => token,
        // Only a card that changed validity between the check and the token
        // (a month ending) gets here: show the form again all the same.
        Err(ApiError::InvalidCard(_)) => {
            let form = FormState {
                token: form_token.unwrap_or_else(FormToken::generate),
                typed: card.typed(),
                errors: vec![],
                notice: Some(lang.lang.text().check_details),
            };
            return pages.form(StatusCode::BAD_REQUEST, &link, form);
        }
        Err(e) => return pages.failure(Some(&link), e),
    };
    let payment = Payment {
        charge_id: form_charge
            .clone()
            .unwrap_or_else(|| new_id(Kind::Charge, link.mode)),
        link_id: link.id.clone(),
        token_id: token,
        ip,
        now: now(),
        authorize_timeout: state.config.authorize_timeout,
    };
    let outcome = state.store.pay_link(&payment).await;
    state.metrics.payment(&outcome);
    if !matches!(outcome, Ok(Ok(_))) {
        // The same form submitted twice at once: the twin that lost the
        // race finds the charge the winner made under the form's id.
        if let Some(id) = &form_charge {
            if let Ok(Some(charge)) = made_charge(&state, &link, id).await {
                return pages.see_charge(&charge);
            }
        }
    }
    let t = lang.lang.text();
    match outcome {
        Ok(Ok(charge)) => pages.see_charge(&charge),
        Ok(Err(PayRefusal::LinkUsed)) => {
            pages.notice(Some(&link), Notice::AlreadyPaid(StatusCode::CONFLICT))
        }
        Ok(Err(PayRefusal::PaymentInProgress)) => pages.notice(Some(&link), Notice::InProgress),
        Ok(Err(PayRefusal::LinkUnavailable)) => pages.notice(None, Notice::Unavailable),
        Ok(Err(PayRefusal::TokenUsed)) => pages.notice(
            Some(&link),
            Notice::CardAgain {
                status: StatusCode::BAD_REQUEST,
                title: t.token_used_title,
            },
        ),
        Ok(Err(PayRefusal::TokenNotFound)) => pages.notice(
            Some(&link),
            Notice::CardAgain {
                status: StatusCode::NOT_FOUND,
                title: t.token_missing_title,
            },
        ),
        Err(e) => pages.failure(Some(&link), e.into()),
    }
}

/// A card token sent instead of card fields, as a script paying the page
/// would send one made with `POST /tokens`. Whether it is the link's
/// account's and mode's, and unused, the payment itself checks.
fn card_token(raw: &str) -> Result<String, ApiError> {
    ObjectId::parse(Kind::Token, raw)
        .map(|id| id.as_str().to_owned())
        .ok_or_else(|| ApiError::not_found("token", raw))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn typed_months_and_years_parse_only_as_digits() {
        assert_eq!(CardFields::number_of("12"), 12);
        assert_eq!(CardFields::number_of(" 07 "), 7);
        assert_eq!(CardFields::number_of(""), -1);
        assert_eq!(CardFields::number_of("1e3"), -1);
        assert_eq!(CardFields::number_of("-5"), -1);
        assert_eq!(CardFields::number_of("99999999"), -1);
    }
}
