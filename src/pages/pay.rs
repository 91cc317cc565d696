//! The payment flow: a link's card form, and its submission, which pays
//! with the typed card or a card token and redirects to the test bank or
//! to the outcome.

use super::form_token::FormToken;
use super::notices::Notice;
use super::page::{Pages, Step, made_charge};
use super::views::{self, Form, Frame, Typed};
use super::{PageCode, PageLang, PageParams};
use crate::api::AppState;
use crate::api::error::ApiError;
use crate::api::params::Params;
use crate::api::tokens::{BillingAddress, tokenize};
use crate::domain::card::{CardError, CardInput, problems};
use crate::domain::charge::{Charge, PayRefusal};
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

/// `POST /pay/{code}`: pays with the form's card, or with a `token`, and
/// redirects to the outcome.
pub(super) async fn pay(
    State(state): State<AppState>,
    PageCode(code): PageCode,
    lang: PageLang,
    peer: Option<Extension<ConnectInfo<SocketAddr>>>,
    PageParams(params): PageParams,
) -> Response {
    let pages = Pages::new(&state, code, lang);
    let ip = peer.map(|Extension(ConnectInfo(addr))| addr.ip().to_string());
    if let Some(paid) = pages.pay_with_token_at_once(&params, &ip).await {
        return paid;
    }
    pages
        .pay_with_form(&params, ip)
        .await
        .unwrap_or_else(|page| page)
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
            // A payer always gives one: left empty, it is that field's problem.
            security_code: Some(self.security_code.trim()),
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

/// What a submitted form's token says: it names the one charge the form
/// may make.
struct SentForm {
    /// Whether the request carried a form token at all.
    sent: bool,
    /// The token, if this server made it.
    token: Option<FormToken>,
    /// The one charge this form may make.
    charge_id: Option<String>,
}

impl SentForm {
    fn read(link: &Link, params: &Params) -> Result<SentForm, ApiError> {
        let sent = params.text("form_token", ApiError::BadRequest)?;
        let token = sent.as_deref().and_then(FormToken::parse);
        Ok(SentForm {
            sent: sent.is_some(),
            charge_id: token.as_ref().map(|token| token.charge_id(link)),
            token,
        })
    }

    /// The token for the form shown again: the same one while no charge
    /// is made, so that the form still makes one charge at most.
    fn token_again(&self) -> FormToken {
        self.token.clone().unwrap_or_else(FormToken::generate)
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

    /// A script paying with a card token (no form): the token's id names
    /// the mode, so the link's id is known without reading it, and the
    /// payment itself checks everything else. `None` when the request is
    /// not of that kind or the payment was refused: the full path then
    /// answers, reading the link to say why.
    async fn pay_with_token_at_once(
        &self,
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
        if token.mode() == Mode::Live && !self.state.config.live_payments {
            return None;
        }
        let [test_id, live_id] = link_ids_for_code(&self.code)?;
        let link_id = if token.mode() == Mode::Test {
            test_id
        } else {
            live_id
        };
        let charge_id = new_id(Kind::Charge, token.mode());
        match self.pay_link(charge_id, link_id, raw, ip.clone()).await {
            Ok(Ok(charge)) => Some(self.see_charge(&charge)),
            Ok(Err(_)) => None,
            Err(e) => Some(self.failure(None, e)),
        }
    }

    /// The payment as the form sends it, step by step.
    async fn pay_with_form(&self, params: &Params, ip: Option<String>) -> Step<Response> {
        let link = self.link().await?;
        let card = CardFields::from_params(params);
        let form = SentForm::read(&link, params).map_err(|e| self.failure(Some(&link), e))?;
        self.charged_already(&link, &form).await?;
        if let Some(refused) = self.refusal(&link, StatusCode::CONFLICT) {
            return Err(refused);
        }
        if form.sent && form.token.is_none() {
            // Not a token this server made: start the form afresh.
            let afresh = FormState {
                typed: card.typed(),
                notice: Some(self.lang.lang.text().form_expired),
                ..FormState::fresh()
            };
            return Err(self.form(StatusCode::BAD_REQUEST, &link, afresh));
        }
        let token = self.card_token(&link, &form, &card, params).await?;
        let charge_id = form
            .charge_id
            .clone()
            .unwrap_or_else(|| new_id(Kind::Charge, link.mode));
        let outcome = self.pay_link(charge_id, link.id.clone(), token, ip).await;
        Ok(self.after_payment(&link, &form, outcome).await)
    }

    /// A form whose charge is made already is a repeat (a second click, a
    /// reload): the payer sees that charge's outcome rather than pays again.
    async fn charged_already(&self, link: &Link, form: &SentForm) -> Step<()> {
        let Some(id) = &form.charge_id else {
            return Ok(());
        };
        match made_charge(self.state, link, id).await {
            Ok(Some(charge)) => Err(self.see_charge(&charge)),
            Ok(None) => Ok(()),
            Err(e) => Err(self.failure(Some(link), e)),
        }
    }

    /// The card token to pay with: the one sent, or one made from the
    /// typed card. A card with problems comes back as the form, each
    /// problem at its field.
    async fn card_token(
        &self,
        link: &Link,
        form: &SentForm,
        card: &CardFields,
        params: &Params,
    ) -> Step<String> {
        let token = match params.text("token", ApiError::InvalidCard) {
            Ok(Some(raw)) => sent_token(&raw),
            Ok(None) => {
                let errors = card.problems();
                if !errors.is_empty() {
                    let again = FormState {
                        token: form.token_again(),
                        typed: card.typed(),
                        errors,
                        notice: None,
                    };
                    return Err(self.form(StatusCode::BAD_REQUEST, link, again));
                }
                // The form asks for no address.
                let address = Ok(BillingAddress::default());
                tokenize(
                    self.state,
                    &link.account_id,
                    link.mode,
                    &card.input(),
                    address,
                )
                .await
                .map(|token| token.id)
            }
            Err(e) => Err(e),
        };
        token.map_err(|e| match e {
            // A `token` that is not text, or a card that changed validity
            // between the check and the token (a month ending): show the
            // form again all the same.
            ApiError::InvalidCard(_) => {
                let again = FormState {
                    token: form.token_again(),
                    typed: card.typed(),
                    errors: vec![],
                    notice: Some(self.lang.lang.text().check_details),
                };
                self.form(StatusCode::BAD_REQUEST, link, again)
            }
            e => self.failure(Some(link), e),
        })
    }

    /// Pays the link, counting the outcome.
    async fn pay_link(
        &self,
        charge_id: String,
        link_id: String,
        token_id: String,
        ip: Option<String>,
    ) -> Result<Result<Charge, PayRefusal>, ApiError> {
        pay_link(self.state, charge_id, link_id, token_id, ip).await
    }

    /// Where a form's payment leads: its charge, or why there is none.
    async fn after_payment(
        &self,
        link: &Link,
        form: &SentForm,
        outcome: Result<Result<Charge, PayRefusal>, ApiError>,
    ) -> Response {
        if !matches!(outcome, Ok(Ok(_))) {
            // The same form submitted twice at once: the twin that lost the
            // race finds the charge the winner made under the form's id.
            if let Some(id) = &form.charge_id {
                if let Ok(Some(charge)) = made_charge(self.state, link, id).await {
                    return self.see_charge(&charge);
                }
            }
        }
        let t = self.lang.lang.text();
        match outcome {
            Ok(Ok(charge)) => self.see_charge(&charge),
            Ok(Err(PayRefusal::LinkUsed)) => {
                self.notice(Some(link), Notice::AlreadyPaid(StatusCode::CONFLICT))
            }
            Ok(Err(PayRefusal::PaymentInProgress)) => self.notice(Some(link), Notice::InProgress),
            Ok(Err(PayRefusal::LinkUnavailable)) => self.notice(None, Notice::Unavailable),
            Ok(Err(PayRefusal::TokenUsed)) => self.notice(
                Some(link),
                Notice::CardAgain {
                    status: StatusCode::BAD_REQUEST,
                    title: t.token_used_title,
                },
            ),
            Ok(Err(PayRefusal::TokenNotFound)) => self.notice(
                Some(link),
                Notice::CardAgain {
                    status: StatusCode::NOT_FOUND,
                    title: t.token_missing_title,
                },
            ),
            Err(e) => self.failure(Some(link), e),
        }
    }
}

/// Pays a link with a card token, counting the outcome: the one payment
/// step of the form, of a script sending a token, and of `paylink pay`.
async fn pay_link(
    state: &AppState,
    charge_id: String,
    link_id: String,
    token_id: String,
    ip: Option<String>,
) -> Result<Result<Charge, PayRefusal>, ApiError> {
    let payment = Payment {
        charge_id,
        link_id,
        token_id,
        ip,
        now: now(),
        authorize_timeout: state.config.authorize_timeout,
    };
    let outcome = state.store.pay_link(&payment).await;
    state.metrics.payment(&outcome);
    outcome.map_err(ApiError::from)
}

/// Pays a link with a typed card as the form does once the card checks
/// out: a token made from the card, then the payment. `paylink pay` calls
/// it; the form takes the same two steps with its own error pages between.
pub async fn pay_with_card(
    state: &AppState,
    link: &Link,
    card: &CardInput<'_>,
) -> Result<Result<Charge, PayRefusal>, ApiError> {
    // The form asks for no address.
    let address = Ok(BillingAddress::default());
    let token = tokenize(state, &link.account_id, link.mode, card, address).await?;
    let charge_id = new_id(Kind::Charge, link.mode);
    pay_link(state, charge_id, link.id.clone(), token.id, None).await
}

/// A card token sent instead of card fields, as a script paying the page
/// would send one made with `POST /tokens`. Whether it is the link's
/// account's and mode's, and unused, the payment itself checks.
fn sent_token(raw: &str) -> Result<String, ApiError> {
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
