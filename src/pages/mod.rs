//! The hosted payment page at a link's `payment_uri`.
//!
//! Server-rendered HTML that works without JavaScript: the payer sees the
//! link, types a card, and is redirected (303) to the outcome. Every page
//! speaks the payer's language (English, Thai or Japanese) and is sent with
//! headers that keep it out of frames, caches and other sites' referrers.

pub(crate) mod assets;
mod bank;
mod form_token;
pub(crate) mod i18n;
mod notices;
mod outcome;
mod page;
mod pay;
mod views;

pub use i18n::Lang;
pub use page::link_for_code;
pub use pay::pay_with_card;

use crate::api::AppState;
use crate::api::params::Params;
use axum::Router;
use axum::extract::{FromRequest, FromRequestParts, Path, Request};
use axum::http::request::Parts;
use axum::http::{HeaderName, HeaderValue, header};
use axum::response::Response;
use axum::routing::get;
use std::convert::Infallible;
use tower_http::set_header::SetResponseHeaderLayer;

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
        .route("/pay/{code}", get(pay::show).post(pay::pay))
        .route("/pay/{code}/complete", get(outcome::complete))
        .route("/authorize/{charge}", get(bank::ask).post(bank::answer));
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

/// A form's parameters; a body the server refuses to read (over the body
/// limit) answers as a page, as every other problem with a form does, not
/// as the API's JSON.
struct PageParams(Params);

impl FromRequest<AppState> for PageParams {
    type Rejection = Response;

    async fn from_request(req: Request, state: &AppState) -> Result<Self, Response> {
        let (mut parts, body) = req.into_parts();
        let Ok(PageCode(code)) = PageCode::from_request_parts(&mut parts, state).await;
        let Ok(lang) = PageLang::from_request_parts(&mut parts, state).await;
        match Params::from_request(Request::from_parts(parts, body), state).await {
            Ok(params) => Ok(PageParams(params)),
            Err(e) => Err(page::Pages::new(state, code, lang).failure(None, e)),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_policy_forbids_inline_script_and_framing() {
        assert!(CONTENT_SECURITY_POLICY.contains("script-src 'self'"));
        assert!(!CONTENT_SECURITY_POLICY.contains("unsafe-inline"));
        assert!(CONTENT_SECURITY_POLICY.contains("frame-ancestors 'none'"));
    }
}
