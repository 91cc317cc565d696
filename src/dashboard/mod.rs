//! The merchant's dashboard at `/dashboard`: sign in with a secret key,
//! then the account's links, charges and their outcome, in the payment
//! page's look and languages. Server-rendered; a small script of its own
//! adds copy buttons and local times, and every page and form works
//! without it.
//!
//! | file | holds |
//! |---|---|
//! | `session.rs` | sign-in, sign-out, the session cookie, form tokens |
//! | `views.rs` | the frame every page shares, tables, pagers, badges |
//! | `overview.rs` | the overview, with `chart.rs`'s chart |
//! | `links.rs` | links: list, search, create, a link's page, delete |
//! | `listing.rs` | what the lists share: windows, searches, pager addresses |
//! | `charges.rs` | charges: list, a charge's page, refund, complete |
//! | `live.rs` | server-sent events: the charges changed |
//! | `events.rs` | events: list, an event's payload and attempts, resend |
//! | `webhooks.rs` | the webhook URI, revealing and rolling its secret |
//! | `events_text.rs` | the strings of those two sections, en/th/ja |
//! | `settings.rs` | settings: name, API version, keys, test data reset |
//! | `text.rs` | every string, in English, Thai and Japanese |

mod charges;
mod chart;
mod events;
mod events_text;
mod links;
mod listing;
mod live;
mod overview;
mod session;
mod settings;
mod text;
mod views;
mod webhooks;

pub use session::SignInLimiter;

use crate::api::AppState;
use crate::pages::Lang;
use axum::extract::{FromRequestParts, Query};
use axum::http::request::Parts;
use axum::http::{HeaderName, HeaderValue, header};
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::{get, post};
use axum::{Extension, Router};
use axum_extra::extract::cookie::{Cookie, CookieJar, SameSite};
use std::convert::Infallible;
use std::sync::Arc;
use std::time::Duration;
use tower_http::set_header::SetResponseHeaderLayer;

/// The payment page's policy, and the live updates' own address.
const CONTENT_SECURITY_POLICY: &str = "default-src 'none'; script-src 'self'; \
     style-src 'self'; img-src 'self'; connect-src 'self'; form-action 'self'; \
     frame-ancestors 'none'; base-uri 'none'";

const LANG_COOKIE: &str = "paylink_lang";

/// What the dashboard is told by `serve`.
#[derive(Debug, Clone)]
pub struct DashboardConfig {
    /// A session unused this long ends.
    pub idle_timeout: Duration,
    /// Whether the cookie is `Secure` (the public URL is https).
    pub secure_cookie: bool,
}

impl Default for DashboardConfig {
    fn default() -> Self {
        DashboardConfig {
            idle_timeout: Duration::from_secs(12 * 3600),
            secure_cookie: false,
        }
    }
}

impl DashboardConfig {
    fn idle_micros(&self) -> i64 {
        i64::try_from(self.idle_timeout.as_micros()).unwrap_or(i64::MAX)
    }
}

/// The dashboard's routes, with its headers, settings and sign-in limit.
pub fn routes(config: DashboardConfig) -> Router<AppState> {
    let headers = [
        (header::CONTENT_SECURITY_POLICY, CONTENT_SECURITY_POLICY),
        (header::X_FRAME_OPTIONS, "DENY"),
        (header::REFERRER_POLICY, "no-referrer"),
        (header::CACHE_CONTROL, "no-store"),
        (HeaderName::from_static("x-content-type-options"), "nosniff"),
    ];
    let mut pages = Router::new()
        .route("/dashboard", get(overview::show))
        .route("/dashboard/", get(overview::show))
        .merge(settings::routes())
        .route(
            "/dashboard/sign-in",
            get(session::form).post(session::sign_in),
        )
        .route("/dashboard/sign-out", post(session::sign_out))
        .route("/dashboard/lang", get(choose_lang))
        .route("/dashboard/live", get(live::events))
        .route("/dashboard/links", get(links::list).post(links::create))
        .route("/dashboard/links/new", get(links::new_form))
        .route("/dashboard/links/{id}", get(links::show))
        .route("/dashboard/links/{id}/delete", post(links::delete))
        .route("/dashboard/charges", get(charges::list))
        .route("/dashboard/charges/{id}", get(charges::show))
        .route("/dashboard/charges/{id}/refunds", post(charges::refund))
        .route("/dashboard/charges/{id}/complete", post(charges::complete))
        .route("/dashboard/events", get(events::list))
        .route("/dashboard/events/{id}", get(events::show))
        .route("/dashboard/events/{id}/resend", post(events::resend))
        .route(
            "/dashboard/webhooks",
            get(webhooks::show).post(webhooks::save_uri),
        )
        .route("/dashboard/webhooks/secret", post(webhooks::reveal))
        .route("/dashboard/webhooks/roll", post(webhooks::roll))
        .route(
            "/dashboard/{*rest}",
            axum::routing::any(views::not_found_page),
        )
        .layer(Extension(Arc::new(config)))
        .layer(Extension(Arc::new(SignInLimiter::default())));
    for (name, value) in headers {
        pages = pages.layer(SetResponseHeaderLayer::overriding(
            name,
            HeaderValue::from_static(value),
        ));
    }
    pages
}

/// An object's id from a dashboard path, if it can be one of `kind`: a path
/// that does not decode, or an id of no such shape, names nothing a session
/// can see (and never reaches the database).
pub struct PathId(pub Option<String>);

impl PathId {
    pub fn of(self, kind: crate::domain::Kind) -> Option<String> {
        self.0
            .filter(|id| crate::domain::ObjectId::parse(kind, id).is_some())
    }
}

impl<S: Send + Sync> FromRequestParts<S> for PathId {
    type Rejection = Infallible;

    async fn from_request_parts(parts: &mut Parts, state: &S) -> Result<Self, Infallible> {
        Ok(PathId(
            axum::extract::Path::<String>::from_request_parts(parts, state)
                .await
                .ok()
                .map(|axum::extract::Path(id)| id),
        ))
    }
}

/// The dashboard's language: a `?lang=` just chosen, then the one kept in
/// its cookie, then the browser's `Accept-Language`.
pub struct DashLang(pub Lang);

impl<S: Send + Sync> FromRequestParts<S> for DashLang {
    type Rejection = Infallible;

    async fn from_request_parts(parts: &mut Parts, _: &S) -> Result<Self, Infallible> {
        let jar = CookieJar::from_headers(&parts.headers);
        let kept = jar.get(LANG_COOKIE).map(|c| c.value().to_owned());
        let accept = parts
            .headers
            .get(header::ACCEPT_LANGUAGE)
            .and_then(|v| v.to_str().ok());
        Ok(DashLang(Lang::negotiate(kept.as_deref(), accept)))
    }
}

#[derive(serde::Deserialize)]
struct LangChoice {
    to: Option<String>,
    back: Option<String>,
}

/// `GET /dashboard/lang?to=th&back=/dashboard/links`: keeps the language
/// in a cookie and goes back, only ever to a dashboard page.
async fn choose_lang(jar: CookieJar, Query(choice): Query<LangChoice>) -> Response {
    let back = choice
        .back
        .filter(|b| b.starts_with("/dashboard") && !b.contains("//") && !b.contains('\\'))
        .unwrap_or_else(|| "/dashboard".to_owned());
    let Some(lang) = choice.to.as_deref().and_then(Lang::parse) else {
        return Redirect::to(&back).into_response();
    };
    let cookie = Cookie::build((LANG_COOKIE, lang.code()))
        .path("/dashboard")
        .same_site(SameSite::Lax)
        .http_only(true)
        .permanent()
        .build();
    (jar.add(cookie), Redirect::to(&back)).into_response()
}
