//! Signing in and out, the session cookie, and the token every form of a
//! session carries.
//!
//! The cookie holds a random token of 256 bits; the database keeps only
//! its hash, with the hash of the key that signed in, so that a rolled key
//! ends its sessions and several processes share them. The cookie is
//! `HttpOnly`, `SameSite=Lax`, scoped to `/dashboard`, and `Secure` when the
//! public URL is https.

use super::text::text;
use super::views::{self, Ctx};
use super::{DashLang, DashboardConfig};
use crate::api::AppState;
use crate::api::auth::hash_key;
use crate::api::params::Params;
use crate::domain::list::now;
use crate::store::{KeyKind, NewSession, Session};
use axum::Extension;
use axum::extract::{ConnectInfo, FromRequestParts, State};
use axum::http::request::Parts;
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Redirect, Response};
use axum_extra::extract::cookie::{Cookie, CookieJar, SameSite};
use base64::Engine;
use governor::{DefaultKeyedRateLimiter, Quota, RateLimiter};
use std::net::{IpAddr, SocketAddr};
use std::num::NonZeroU32;
use std::sync::Arc;

pub const SESSION_COOKIE: &str = "paylink_session";

/// Sign-in attempts per client address: 10 at once, then one every 6
/// seconds, so the form cannot be used to try keys.
pub struct SignInLimiter(DefaultKeyedRateLimiter<IpAddr>);

impl Default for SignInLimiter {
    fn default() -> Self {
        let burst = NonZeroU32::new(10).expect("non-zero");
        let quota = Quota::per_minute(burst).allow_burst(burst);
        SignInLimiter(RateLimiter::keyed(quota))
    }
}

/// 256 random bits, URL-safe base64.
fn random_token() -> String {
    let bytes: [u8; 32] = rand::random();
    base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(bytes)
}

/// Equal strings, compared in time that does not depend on where they
/// differ.
fn same(a: &str, b: &str) -> bool {
    a.len() == b.len()
        && a.bytes()
            .zip(b.bytes())
            .fold(0u8, |acc, (x, y)| acc | (x ^ y))
            == 0
}

/// A signed-in request: its session, the hash of its token, its language.
pub struct Signed {
    pub session: Session,
    pub token_hash: String,
    pub lang: crate::pages::Lang,
    pub name: String,
}

impl Signed {
    /// The context every page of the session renders with.
    pub fn ctx(&self) -> Ctx<'_> {
        Ctx {
            lang: self.lang,
            t: text(self.lang),
            mode: self.session.mode,
            account_name: &self.name,
            csrf: &self.session.csrf,
        }
    }

    /// `None` when the form's token is this session's; else the 403 page
    /// that refuses the request, which then changes nothing.
    pub fn refused_form(&self, params: &Params) -> Option<Response> {
        let sent = params
            .text("csrf", crate::api::error::ApiError::BadRequest)
            .ok()
            .flatten()
            .unwrap_or_default();
        if same(&sent, &self.session.csrf) {
            None
        } else {
            Some(views::problem(
                &self.ctx(),
                StatusCode::FORBIDDEN,
                self.ctx().t.forbidden_title,
                self.ctx().t.forbidden_body,
            ))
        }
    }
}

fn to_sign_in() -> Response {
    Redirect::to("/dashboard/sign-in").into_response()
}

impl FromRequestParts<AppState> for Signed {
    type Rejection = Response;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, Response> {
        let DashLang(lang) = DashLang::from_request_parts(parts, state)
            .await
            .unwrap_or(DashLang(crate::pages::Lang::En));
        let config = parts
            .extensions
            .get::<Arc<DashboardConfig>>()
            .cloned()
            .unwrap_or_default();
        let jar = CookieJar::from_headers(&parts.headers);
        let Some(token) = jar.get(SESSION_COOKIE).map(|c| c.value().to_owned()) else {
            return Err(to_sign_in());
        };
        let token_hash = hash_key(&token);
        let at = now();
        let idle_since = at - config.idle_micros();
        let session = match state.store.session(&token_hash, idle_since, at).await {
            Ok(Some(session)) => session,
            Ok(None) => return Err(to_sign_in()),
            Err(e) => return Err(views::store_failure(lang, e)),
        };
        let name = match state.store.account_display_name(&session.account_id).await {
            Ok(name) => name.unwrap_or_else(|| session.account_id.clone()),
            Err(e) => return Err(views::store_failure(lang, e)),
        };
        Ok(Signed {
            session,
            token_hash,
            lang,
            name,
        })
    }
}

/// `GET /dashboard/sign-in`.
pub async fn form(DashLang(lang): DashLang) -> Response {
    views::sign_in(lang, StatusCode::OK, None)
}

/// `POST /dashboard/sign-in`: a secret key opens a session of its account
/// and mode.
pub async fn sign_in(
    State(state): State<AppState>,
    Extension(config): Extension<Arc<DashboardConfig>>,
    Extension(limiter): Extension<Arc<SignInLimiter>>,
    peer: Option<Extension<ConnectInfo<SocketAddr>>>,
    DashLang(lang): DashLang,
    jar: CookieJar,
    params: Params,
) -> Response {
    let t = text(lang);
    let ip = peer.map_or(IpAddr::from([0, 0, 0, 0]), |Extension(ConnectInfo(a))| {
        a.ip()
    });
    if let Err(wait) = limiter.0.check_key(&ip) {
        let seconds = wait
            .wait_time_from(governor::clock::Clock::now(
                &governor::clock::DefaultClock::default(),
            ))
            .as_secs()
            .max(1);
        let mut page = views::sign_in(
            lang,
            StatusCode::TOO_MANY_REQUESTS,
            Some(t.too_many_attempts),
        );
        if let Ok(value) = HeaderValue::from_str(&seconds.to_string()) {
            page.headers_mut().insert(header::RETRY_AFTER, value);
        }
        return page;
    }
    let key = params
        .text("key", crate::api::error::ApiError::BadRequest)
        .ok()
        .flatten()
        .unwrap_or_default();
    let key = key.trim();
    let refused = || views::sign_in(lang, StatusCode::UNAUTHORIZED, Some(t.sign_in_refused));
    if key.is_empty()
        || key.len() > 200
        || !key.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'_')
    {
        return refused();
    }
    let key_hash = hash_key(key);
    let principal = match state.store.principal(&key_hash).await {
        Ok(Some(principal)) if principal.kind == KeyKind::Secret => principal,
        Ok(_) => return refused(),
        Err(e) => return views::store_failure(lang, e),
    };
    let token = random_token();
    let at = now();
    let session = NewSession {
        token_hash: hash_key(&token),
        account_id: principal.account_id,
        mode: principal.mode,
        key_hash,
        csrf: random_token(),
        now: at,
    };
    if let Err(e) = state
        .store
        .create_session(&session, at - config.idle_micros())
        .await
    {
        return views::store_failure(lang, e);
    }
    let cookie = Cookie::build((SESSION_COOKIE, token))
        .path("/dashboard")
        .http_only(true)
        .same_site(SameSite::Lax)
        .secure(config.secure_cookie)
        .build();
    (jar.add(cookie), Redirect::to("/dashboard")).into_response()
}

/// `POST /dashboard/sign-out`: ends the session for every process.
pub async fn sign_out(
    State(state): State<AppState>,
    signed: Signed,
    jar: CookieJar,
    params: Params,
) -> Response {
    if let Some(refused) = signed.refused_form(&params) {
        return refused;
    }
    if let Err(e) = state.store.end_session(&signed.token_hash).await {
        return views::store_failure(signed.lang, e);
    }
    let gone = Cookie::build((SESSION_COOKIE, ""))
        .path("/dashboard")
        .build();
    (jar.remove(gone), Redirect::to("/dashboard/sign-in")).into_response()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tokens_are_long_and_fresh() {
        let (a, b) = (random_token(), random_token());
        assert_eq!(a.len(), 43);
        assert_ne!(a, b);
    }

    #[test]
    fn comparison_is_exact() {
        assert!(same("abc", "abc"));
        assert!(!same("abc", "abd"));
        assert!(!same("abc", "ab"));
        assert!(!same("", "a"));
    }
}
