//! The HTTP layer: one file per resource, plus the shared extractors.

pub mod account;
pub mod auth;
pub mod cache;
pub mod capability;
pub mod charges;
pub mod error;
pub mod events;
pub mod links;
pub mod objects;
pub mod params;
pub mod refunds;
pub mod search;
pub mod tokens;
pub mod version;

use crate::store::Store;
use axum::Router;
use axum::extract::{FromRequestParts, Path, State};
use axum::http::request::Parts;
use axum::http::{HeaderValue, header};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use error::ApiError;
use serde::Serialize;
use serde_json::json;
use std::sync::Arc;
use tower_http::cors::{Any, CorsLayer};

/// What every handler shares.
#[derive(Clone)]
pub struct AppState {
    pub store: Arc<dyn Store>,
    pub config: Arc<ApiConfig>,
    /// The base of `payment_uri`, without a trailing slash.
    pub public_url: Arc<str>,
    pub cache: Arc<cache::ReadCache>,
}

/// The settings handlers read.
#[derive(Debug, Clone)]
pub struct ApiConfig {
    /// Largest request body accepted, in bytes.
    pub body_limit: usize,
    /// Whether live-mode links take (simulated) payments.
    pub live_payments: bool,
    /// How long a 3-D Secure charge waits, in microseconds.
    pub authorize_timeout: i64,
}

/// An id from the path; a path that does not decode is an unknown route.
#[derive(Debug, Clone)]
pub struct IdPath(pub String);

impl<S: Send + Sync> FromRequestParts<S> for IdPath {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, state: &S) -> Result<Self, ApiError> {
        Path::<String>::from_request_parts(parts, state)
            .await
            .map(|Path(id)| IdPath(id))
            .map_err(|_| ApiError::RouteNotFound)
    }
}

/// A 200 JSON response with Omise's content type.
pub fn json_response<T: Serialize>(body: &T) -> Response {
    match serde_json::to_vec(body) {
        Ok(bytes) => json_bytes(bytes.into()),
        Err(e) => ApiError::internal(e).into_response(),
    }
}

/// A 200 response of JSON already serialized.
pub fn json_bytes(bytes: axum::body::Bytes) -> Response {
    (
        [(
            header::CONTENT_TYPE,
            HeaderValue::from_static("application/json; charset=utf-8"),
        )],
        bytes,
    )
        .into_response()
}

async fn healthz(State(state): State<AppState>) -> Response {
    match state.store.ping().await {
        Ok(()) => json_response(&json!({"status": "ok"})),
        Err(e) => ApiError::from(e).into_response(),
    }
}

async fn route_not_found() -> ApiError {
    ApiError::RouteNotFound
}

async fn method_not_allowed() -> ApiError {
    ApiError::MethodNotAllowed
}

/// Every route of the API and the payment pages.
pub fn router(state: AppState) -> Router {
    // Tokens are created from the payer's browser, on pages of any origin.
    let cors = CorsLayer::new()
        .allow_origin(Any)
        .allow_methods(Any)
        .allow_headers(Any)
        .max_age(std::time::Duration::from_secs(3600));
    // The CORS layer answers preflights itself, but only for methods that
    // have a route: the API's own 405 fallback would take OPTIONS otherwise.
    let preflight = || async {};
    let tokens = Router::new()
        .route("/tokens", post(tokens::create).options(preflight))
        .route("/tokens/", post(tokens::create).options(preflight))
        .route("/tokens/{id}", get(tokens::retrieve).options(preflight))
        .layer(cors);
    Router::new()
        .route("/links", get(links::list).post(links::create))
        .route("/links/", get(links::list).post(links::create))
        .route("/links/{id}", get(links::retrieve).delete(links::delete))
        .route("/links/{id}/charges", get(links::charges))
        .route("/charges", get(charges::list))
        .route("/charges/", get(charges::list))
        .route("/charges/{id}", get(charges::retrieve))
        .route("/charges/{id}/events", get(events::for_charge))
        .route("/charges/{id}/mark_as_paid", post(charges::mark_as_paid))
        .route(
            "/charges/{id}/mark_as_failed",
            post(charges::mark_as_failed),
        )
        .route(
            "/charges/{id}/refunds",
            get(refunds::for_charge).post(refunds::create),
        )
        .route(
            "/charges/{id}/refunds/",
            get(refunds::for_charge).post(refunds::create),
        )
        .route("/charges/{id}/refunds/{refund_id}", get(refunds::retrieve))
        .route("/refunds", get(refunds::list_all))
        .route("/search", get(search::search))
        .route("/search/", get(search::search))
        .route("/capability", get(capability::retrieve))
        .route("/capability/", get(capability::retrieve))
        .route("/refunds/", get(refunds::list_all))
        .route("/events", get(events::list))
        .route("/events/", get(events::list))
        .route("/events/{id}", get(events::retrieve))
        .route("/account", get(account::retrieve).patch(account::update))
        .route("/account/", get(account::retrieve).patch(account::update))
        .merge(tokens)
        .merge(crate::pages::routes())
        .route("/healthz", get(healthz))
        .fallback(route_not_found)
        .method_not_allowed_fallback(method_not_allowed)
        .with_state(state)
}
