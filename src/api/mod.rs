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
pub mod openapi;
pub mod params;
pub mod refunds;
pub mod reset;
pub mod search;
pub mod tokens;
pub mod version;
pub mod visible;

use crate::store::Store;
use axum::Router;
use axum::extract::{FromRequestParts, Path, State};
use axum::handler::Handler;
use axum::http::Method;
use axum::http::request::Parts;
use axum::http::{HeaderValue, header};
use axum::response::{IntoResponse, Response};
use axum::routing::{MethodFilter, on, options};
use error::ApiError;
use serde::Serialize;
use serde::de::DeserializeOwned;
use serde_json::json;
use std::sync::Arc;
use tower_http::cors::{Any, CorsLayer};

/// What every handler shares: one pointer, since every request clones it
/// (axum clones a route's handler, state and all, for each call).
#[derive(Clone)]
pub struct AppState(Arc<Shared>);

impl AppState {
    pub fn new(shared: Shared) -> AppState {
        AppState(Arc::new(shared))
    }
}

impl std::ops::Deref for AppState {
    type Target = Shared;

    fn deref(&self) -> &Shared {
        &self.0
    }
}

/// What `AppState` points to.
pub struct Shared {
    pub store: Arc<dyn Store>,
    pub config: Arc<ApiConfig>,
    /// The base of `payment_uri`, without a trailing slash.
    pub public_url: Arc<str>,
    pub cache: Arc<cache::ReadCache>,
    pub metrics: Arc<crate::metrics::Metrics>,
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

/// An id from the path, or a tuple of them for a nested path
/// (`IdPath<(String, String)>`); a path that does not decode is an
/// unknown route.
#[derive(Debug, Clone)]
pub struct IdPath<T = String>(pub T);

impl<S: Send + Sync, T: DeserializeOwned + Send> FromRequestParts<S> for IdPath<T> {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, state: &S) -> Result<Self, ApiError> {
        Path::<T>::from_request_parts(parts, state)
            .await
            .map(|Path(ids)| IdPath(ids))
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

/// `GET /metrics`: Prometheus' text format.
async fn serve_metrics(State(state): State<AppState>) -> Response {
    let text = state.metrics.render(state.store.as_ref()).await;
    (
        [(
            header::CONTENT_TYPE,
            HeaderValue::from_static("text/plain; version=0.0.4; charset=utf-8"),
        )],
        text,
    )
        .into_response()
}

/// The answer to a path no route takes: Omise's `not_found` error.
pub async fn route_not_found() -> ApiError {
    ApiError::RouteNotFound
}

/// The answer to a method a path does not take.
pub async fn method_not_allowed() -> ApiError {
    ApiError::MethodNotAllowed
}

/// The API's routes as a table of methods and paths: the router is built
/// from it, and the OpenAPI document is checked against it, so that the
/// two cannot drift apart.
pub struct ApiRoutes {
    router: Router<AppState>,
    table: Vec<(Method, &'static str)>,
}

impl ApiRoutes {
    fn new() -> ApiRoutes {
        ApiRoutes {
            router: Router::new(),
            table: vec![],
        }
    }

    /// `handler` answers `method` on each of `paths`.
    fn on<H, T>(mut self, method: Method, paths: &[&'static str], handler: H) -> ApiRoutes
    where
        H: Handler<T, AppState>,
        T: 'static,
    {
        let filter = MethodFilter::try_from(method.clone()).expect("a routable method");
        for &path in paths {
            self.table.push((method.clone(), path));
            self.router = self.router.route(path, on(filter, handler.clone()));
        }
        self
    }

    /// Every method and path the API answers (not the payment pages).
    pub fn table(&self) -> &[(Method, &'static str)] {
        &self.table
    }

    /// The routes, for the application's router.
    pub fn into_router(self) -> Router<AppState> {
        self.router
    }
}

/// The API: Omise's routes, and paylink's own.
pub fn api_routes() -> ApiRoutes {
    use Method as M;
    let tokens = ApiRoutes::new()
        .on(M::POST, &["/tokens", "/tokens/"], tokens::create)
        .on(M::GET, &["/tokens/{id}"], tokens::retrieve);
    let mut api = ApiRoutes::new()
        .on(M::GET, &["/links", "/links/"], links::list)
        .on(M::POST, &["/links", "/links/"], links::create)
        .on(M::GET, &["/links/{id}"], links::retrieve)
        .on(M::DELETE, &["/links/{id}"], links::delete)
        .on(M::GET, &["/links/{id}/charges"], links::charges)
        .on(M::GET, &["/charges", "/charges/"], charges::list)
        .on(M::GET, &["/charges/{id}"], charges::retrieve)
        .on(M::GET, &["/charges/{id}/events"], events::for_charge)
        .on(
            M::POST,
            &["/charges/{id}/mark_as_paid"],
            charges::mark_as_paid,
        )
        .on(
            M::POST,
            &["/charges/{id}/mark_as_failed"],
            charges::mark_as_failed,
        )
        .on(
            M::GET,
            &["/charges/{id}/refunds", "/charges/{id}/refunds/"],
            refunds::for_charge,
        )
        .on(
            M::POST,
            &["/charges/{id}/refunds", "/charges/{id}/refunds/"],
            refunds::create,
        )
        .on(
            M::GET,
            &["/charges/{id}/refunds/{refund_id}"],
            refunds::retrieve,
        )
        .on(M::GET, &["/refunds", "/refunds/"], refunds::list_all)
        .on(M::GET, &["/search", "/search/"], search::search)
        .on(
            M::GET,
            &["/capability", "/capability/"],
            capability::retrieve,
        )
        .on(M::GET, &["/events", "/events/"], events::list)
        .on(M::GET, &["/events/{id}"], events::retrieve)
        .on(M::GET, &["/account", "/account/"], account::retrieve)
        .on(M::PATCH, &["/account", "/account/"], account::update)
        .on(M::POST, &["/_paylink/reset"], reset::reset)
        .on(M::GET, &["/openapi.json"], openapi::serve)
        .on(M::GET, &["/metrics"], serve_metrics)
        .on(M::GET, &["/healthz"], healthz);
    // Tokens are created from the payer's browser, on pages of any origin.
    let cors = CorsLayer::new()
        .allow_origin(Any)
        .allow_methods(Any)
        .allow_headers(Any)
        .max_age(std::time::Duration::from_secs(3600));
    // The CORS layer answers preflights itself, but only for methods that
    // have a route: the API's own 405 fallback would take OPTIONS otherwise.
    let mut tokens_router = tokens.router;
    for (_, path) in &tokens.table {
        tokens_router = tokens_router.route(path, options(|| async {}));
    }
    api.router = api.router.merge(tokens_router.layer(cors));
    api.table.extend(tokens.table);
    api
}
