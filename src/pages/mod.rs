//! The hosted payment page at a link's `payment_uri`.
//!
//! Server-rendered HTML that works without JavaScript: the payer sees the
//! link, types a card, and is redirected (303) to the outcome. Every page
//! speaks the payer's language (English, Thai or Japanese) and is sent with
//! headers that keep it out of frames, caches and other sites' referrers.

mod assets;
mod form_token;
mod i18n;
mod views;

use crate::api::AppState;
use crate::api::error::{ApiError, current_request_id};
use crate::api::params::Params;
use crate::api::tokens::{BillingAddress, tokenize};
use crate::domain::card::{CardError, CardInput, problems};
use crate::domain::charge::{Charge, ChargeStatus, Completion, PayRefusal};
use crate::domain::id::{Kind, link_ids_for_code, new_id, payment_code};
use crate::domain::link::Link;
use crate::domain::list::now;
use crate::domain::{Mode, ObjectId};
use crate::store::Payment;
use axum::extract::{ConnectInfo, FromRequestParts, Path, Query, State};
use axum::http::request::Parts;
use axum::http::{HeaderName, HeaderValue, StatusCode, header};
use axum::response::{Html, IntoResponse, Redirect, Response};
use axum::routing::get;
use axum::{Extension, Router};
use form_token::FormToken;
use i18n::Lang;
use maud::Markup;
use std::collections::HashMap;
use std::convert::Infallible;
use std::net::SocketAddr;
use tower_http::set_header::SetResponseHeaderLayer;
use views::{Form, Frame, NoticeContent, Tone, Typed};

/// Script and styles come only from paylink's own files, never inline; the
/// form may post only back here; no other site may frame the page.
const CONTENT_SECURITY_POLICY: &str = "default-src 'none'; script-src 'self'; \
     style-src 'self'; img-src 'self'; form-action 'self'; frame-ancestors 'none'; \
     base-uri 'none'";

/// The payment pages and their assets.
pub fn routes() -> Router<AppState> {
    let headers = [
        (header::CONTENT_SECURITY_POLICY, CONTENT_SECURITY_POLICY),
        (header::X_FRAME_OPTIONS, "DENY"),
        (header::REFERRER_POLICY, "no-referrer"),
        // Every page holds card details or a payment's outcome.
        (header::CACHE_CONTROL, "no-store"),
        (HeaderName::from_static("x-content-type-options"), "nosniff"),
        (header::VARY, "Accept-Language"),
    ];
    let mut pages = Router::new()
        .route("/pay/{code}", get(show).post(pay))
        .route("/pay/{code}/complete", get(complete))
        .route("/authorize/{charge}", get(bank).post(bank_answer));
    for (name, value) in headers {
        pages = pages.layer(SetResponseHeaderLayer::overriding(
            name,
            HeaderValue::from_static(value),
        ));
    }
    pages.route("/assets/{file}", get(assets::serve))
}

/// The payer's language, and whether they chose it with `?lang=`: a chosen
/// language is carried along to the pages that follow.
#[derive(Debug, Clone, Copy)]
struct PageLang {
    lang: Lang,
    chosen: bool,
}

impl<S: Send + Sync> FromRequestParts<S> for PageLang {
    type Rejection = Infallible;

    async fn from_request_parts(parts: &mut Parts, _: &S) -> Result<Self, Infallible> {
        let chosen = parts.uri.query().and_then(|query| {
            form_urlencoded::parse(query.as_bytes())
                .find(|(key, _)| key == "lang")
                .and_then(|(_, value)| Lang::parse(&value))
        });
        let accept_language = parts
            .headers
            .get(header::ACCEPT_LANGUAGE)
            .and_then(|v| v.to_str().ok());
        Ok(PageLang {
            lang: chosen.unwrap_or_else(|| Lang::negotiate(None, accept_language)),
            chosen: chosen.is_some(),
        })
    }
}

/// The payment code from the path. A path that does not decode (invalid
/// UTF-8) names no link: it gets the same page as an unknown code.
struct PageCode(String);

impl<S: Send + Sync> FromRequestParts<S> for PageCode {
    type Rejection = Infallible;

    async fn from_request_parts(parts: &mut Parts, state: &S) -> Result<Self, Infallible> {
        Ok(PageCode(
            Path::<String>::from_request_parts(parts, state)
                .await
                .map(|Path(code)| code)
                .unwrap_or_default(),
        ))
    }
}

/// One request's view of the pages of one payment code.
struct Pages<'a> {
    state: &'a AppState,
    code: &'a str,
    lang: PageLang,
    /// The name of the account being paid, once the link is read.
    merchant: std::sync::OnceLock<String>,
}

impl Pages<'_> {
    /// A path with `lang` added when the payer chose it.
    fn href(&self, path: &str) -> String {
        if !self.lang.chosen {
            return path.to_owned();
        }
        let separator = if path.contains('?') { '&' } else { '?' };
        format!("{path}{separator}lang={}", self.lang.lang.code())
    }

    fn pay_path(&self) -> String {
        format!("/pay/{}", self.code)
    }

    fn outcome_path(&self, charge_id: &str) -> String {
        format!("/pay/{}/complete?charge={charge_id}", self.code)
    }

    fn frame(&self, link: Option<&Link>, here: String) -> Frame {
        Frame {
            lang: self.lang.lang,
            test_mode: link.is_some_and(|l| l.mode == Mode::Test),
            card_form: false,
            here,
            merchant: self.merchant.get().cloned(),
        }
    }

    /// A link's title and amount, for the pages about it.
    fn subject<'l>(&self, link: &'l Link) -> (&'l str, String) {
        (
            &link.title,
            link.currency.format(link.amount, self.lang.lang.locale()),
        )
    }

    fn render(&self, status: StatusCode, markup: Markup) -> Response {
        let mut response = (status, Html(markup.into_string())).into_response();
        response.headers_mut().insert(
            header::CONTENT_LANGUAGE,
            HeaderValue::from_static(self.lang.lang.code()),
        );
        response
    }

    /// The page of a notice, about `link` when it is known.
    fn notice(&self, link: Option<&Link>, notice: Notice) -> Response {
        let t = self.lang.lang.text();
        // Back to the form, while the link takes payments.
        let to_form = |label| {
            link.filter(|link| link.accepts_payment())
                .map(|_| (self.href(&self.pay_path()), label))
        };
        let (status, tone, title, text, action) = match notice {
            Notice::Unavailable => (
                StatusCode::NOT_FOUND,
                Tone::Info,
                t.unavailable_title,
                t.unavailable_text,
                None,
            ),
            Notice::AlreadyPaid(status) => (status, Tone::Info, t.used_title, t.used_text, None),
            Notice::InProgress => (
                StatusCode::CONFLICT,
                Tone::Info,
                t.in_progress_title,
                t.in_progress_text,
                None,
            ),
            Notice::LiveUnavailable => (
                StatusCode::SERVICE_UNAVAILABLE,
                Tone::Warn,
                t.live_title,
                t.live_text,
                None,
            ),
            Notice::CardAgain { status, title } => (
                status,
                Tone::Warn,
                title,
                t.enter_card_again,
                to_form(t.back_to_payment),
            ),
            Notice::ChargeMissing => (
                StatusCode::NOT_FOUND,
                Tone::Info,
                t.charge_missing_title,
                t.charge_missing_text,
                to_form(t.back_to_payment),
            ),
            Notice::Pending { charge_id } => (
                StatusCode::ACCEPTED,
                Tone::Info,
                t.pending_title,
                t.pending_text,
                Some((self.href(&authorize_path(charge_id)), t.continue_to_bank)),
            ),
            Notice::Expired => (
                StatusCode::GONE,
                Tone::Warn,
                t.expired_title,
                t.expired_text,
                to_form(t.try_another_card),
            ),
            Notice::Failure(status) => (status, Tone::Warn, t.error_title, t.error_text, None),
        };
        let failure = matches!(notice, Notice::Failure(_));
        let content = NoticeContent {
            tone,
            title,
            text,
            subject: link.filter(|_| !failure).map(|link| self.subject(link)),
            reference: failure.then(current_request_id).flatten(),
            action,
        };
        let frame = self.frame(link, self.pay_path());
        self.render(status, views::notice_page(&frame, &content))
    }

    /// An API failure (database down, internal error) as a page. Internal
    /// errors log their cause, as the API's do, under the request id shown.
    fn failure(&self, link: Option<&Link>, error: ApiError) -> Response {
        let status = error.status();
        // What a page about a known link can find missing is the card
        // token it was sent.
        if let (Some(link), ApiError::NotFound { .. }) = (link, &error) {
            let title = self.lang.lang.text().token_missing_title;
            return self.notice(Some(link), Notice::CardAgain { status, title });
        }
        if status.is_server_error() {
            drop(error.into_response());
        }
        self.notice(link, Notice::Failure(status))
    }

    /// The page to show instead of the form when the link cannot be paid.
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

    fn see_outcome(&self, charge_id: &str) -> Response {
        Redirect::to(&self.href(&self.outcome_path(charge_id))).into_response()
    }

    /// Where a payment leads: the test bank while the charge waits for
    /// 3-D Secure, its outcome otherwise.
    fn see_charge(&self, charge: &Charge) -> Response {
        if charge.status == ChargeStatus::Pending {
            Redirect::to(&self.href(&authorize_path(&charge.id))).into_response()
        } else {
            self.see_outcome(&charge.id)
        }
    }
}

/// What a notice tells the payer.
#[derive(Debug, Clone, Copy)]
pub(super) enum Notice<'a> {
    /// No link by this code, a deleted link, or no charge by this id at
    /// the test bank.
    Unavailable,
    /// A single-use link that is paid; the status differs between its
    /// form and a payment.
    AlreadyPaid(StatusCode),
    /// A single-use link whose 3-D Secure payment is not yet complete.
    InProgress,
    /// A live-mode link while live payments are off.
    LiveUnavailable,
    /// A card token the payment cannot use, `title` saying why: the payer
    /// starts again.
    CardAgain {
        status: StatusCode,
        title: &'static str,
    },
    /// An outcome asked for a charge this link did not make.
    ChargeMissing,
    /// A charge still waiting for the payer at the test bank.
    Pending { charge_id: &'a str },
    /// A charge that waited at the test bank too long.
    Expired,
    /// A failure of the server's own, with the request id to quote.
    Failure(StatusCode),
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

impl Pages<'_> {
    /// The link behind this page's code, or the page that says why there is none.
    async fn link(&self) -> Result<Link, Response> {
        match link_for_code(self.state, self.code).await {
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
}

/// `GET /pay/{code}`: the card form.
async fn show(State(state): State<AppState>, PageCode(code): PageCode, lang: PageLang) -> Response {
    let pages = Pages {
        state: &state,
        code: &code,
        lang,
        merchant: Default::default(),
    };
    let link = match pages.link().await {
        Ok(link) => link,
        Err(page) => return page,
    };
    if let Some(page) = pages.refusal(&link, StatusCode::GONE) {
        return page;
    }
    pages.form(StatusCode::OK, &link, FormState::fresh())
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

/// A charge made on this link with this id, if there is one.
async fn made_charge(state: &AppState, link: &Link, id: &str) -> Result<Option<Charge>, ApiError> {
    Ok(state
        .store
        .charge_by_id(id)
        .await?
        .filter(|charge| charge.link_id == link.id))
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
    let [test_id, live_id] = link_ids_for_code(pages.code)?;
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
async fn pay(
    State(state): State<AppState>,
    PageCode(code): PageCode,
    lang: PageLang,
    peer: Option<Extension<ConnectInfo<SocketAddr>>>,
    params: Params,
) -> Response {
    let pages = Pages {
        state: &state,
        code: &code,
        lang,
        merchant: Default::default(),
    };
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

/// `GET /pay/{code}/complete?charge=…`: the outcome of a payment.
async fn complete(
    State(state): State<AppState>,
    PageCode(code): PageCode,
    lang: PageLang,
    Query(query): Query<HashMap<String, String>>,
) -> Response {
    let pages = Pages {
        state: &state,
        code: &code,
        lang,
        merchant: Default::default(),
    };
    let link = match pages.link().await {
        Ok(link) => link,
        Err(page) => return page,
    };
    let charge_id = query.get("charge").map(String::as_str).unwrap_or_default();
    let charge = match ObjectId::parse(Kind::Charge, charge_id) {
        Some(id) => made_charge(&state, &link, id.as_str()).await,
        None => Ok(None),
    };
    let charge = match charge {
        Ok(Some(charge)) => charge,
        Ok(None) => return pages.notice(Some(&link), Notice::ChargeMissing),
        Err(e) => return pages.failure(Some(&link), e),
    };
    let amount = charge.currency.format(charge.amount, lang.lang.locale());
    let frame = pages.frame(Some(&link), pages.outcome_path(&charge.id));
    let t = lang.lang.text();
    let retry = link
        .accepts_payment()
        .then(|| pages.href(&pages.pay_path()));
    match charge.status {
        ChargeStatus::Successful => pages.render(
            StatusCode::OK,
            views::paid_page(&frame, &link, &charge, &amount),
        ),
        ChargeStatus::Failed(failure) => {
            let reason = if charge.authorize {
                t.authentication_failed
            } else {
                t.failure(failure)
            };
            pages.render(
                StatusCode::PAYMENT_REQUIRED,
                views::declined_page(&frame, &link, &charge, &amount, reason, retry.as_deref()),
            )
        }
        ChargeStatus::Pending => pages.notice(
            Some(&link),
            Notice::Pending {
                charge_id: &charge.id,
            },
        ),
        ChargeStatus::Expired => pages.notice(Some(&link), Notice::Expired),
    }
}

/// The test bank's page for a charge.
fn authorize_path(charge_id: &str) -> String {
    format!("/authorize/{charge_id}")
}

/// A charge at the test bank and its link's pages; `Err` is the page to
/// show when the charge or its link is not to be had.
async fn at_bank<'a>(
    state: &'a AppState,
    raw: &str,
    lang: PageLang,
    code: &'a mut String,
) -> Result<(Pages<'a>, Link, Charge), Response> {
    let charge = match ObjectId::parse(Kind::Charge, raw) {
        Some(id) => state.store.charge_by_id(id.as_str()).await,
        None => Ok(None),
    };
    let charge = match charge {
        Ok(Some(charge)) => charge,
        Ok(None) => {
            let pages = Pages {
                state,
                code: "",
                lang,
                merchant: Default::default(),
            };
            return Err(pages.notice(None, Notice::Unavailable));
        }
        Err(e) => {
            let pages = Pages {
                state,
                code: "",
                lang,
                merchant: Default::default(),
            };
            return Err(pages.failure(None, e.into()));
        }
    };
    *code = payment_code(&charge.link_id);
    let pages = Pages {
        state,
        code: code.as_str(),
        lang,
        merchant: Default::default(),
    };
    let link = pages.link().await?;
    Ok((pages, link, charge))
}

/// `GET /authorize/{charge}`: the test bank asks the payer to authenticate.
async fn bank(State(state): State<AppState>, PageCode(raw): PageCode, lang: PageLang) -> Response {
    let mut code = String::new();
    let (pages, link, charge) = match at_bank(&state, &raw, lang, &mut code).await {
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
async fn bank_answer(
    State(state): State<AppState>,
    PageCode(raw): PageCode,
    lang: PageLang,
    params: Params,
) -> Response {
    let mut code = String::new();
    let (pages, link, charge) = match at_bank(&state, &raw, lang, &mut code).await {
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

    #[test]
    fn the_policy_forbids_inline_script_and_framing() {
        assert!(CONTENT_SECURITY_POLICY.contains("script-src 'self'"));
        assert!(!CONTENT_SECURITY_POLICY.contains("unsafe-inline"));
        assert!(CONTENT_SECURITY_POLICY.contains("frame-ancestors 'none'"));
    }
}
