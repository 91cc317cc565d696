//! Builds the application and runs it until stopped.

use crate::api::error::{ApiError, REQUEST, RequestLocal};
use crate::api::{ApiConfig, AppState, Shared, api_routes, method_not_allowed, route_not_found};
use crate::config::ServeConfig;
use crate::connections::{ConnectionLimits, default_max_connections, raise_open_file_limit};
use crate::domain::id::{Kind, new_plain_id};
use crate::metrics::{DatabaseFailed, Metrics};
use crate::store::Store;
use crate::webhooks::Worker;
use axum::Router;
use axum::body::{Body, Bytes, HttpBody};
use axum::extract::{MatchedPath, Request, State};
use axum::http::{HeaderValue, Method, header};
use axum::middleware::{self, Next};
use axum::response::{IntoResponse, Response};
use hyper::body::{Frame, SizeHint};
use std::any::Any;
use std::future::Future;
use std::net::SocketAddr;
use std::pin::Pin;
use std::sync::Arc;
use std::task::{Context, Poll};
use std::time::{Duration, Instant};
use tokio::net::TcpListener;
use tower_http::catch_panic::CatchPanicLayer;
use tracing::Instrument;

/// Gives each request an id (`X-Request-Id`, logs, 500 messages), logs it,
/// and counts it by its route's template, so that the labels stay few: an
/// unknown path is `unmatched`, an unknown method `other`.
///
/// It also bounds each request's whole life, its body included (a client
/// that sends its body slowly holds a connection no longer than the
/// limit), marks every answer `nosniff` that does not say otherwise (JSON
/// is never to be sniffed as anything else; pages set their own), and
/// reads what the handler left of the body (see `SharedBody`). One
/// middleware does it all, since each layer costs every request.
async fn request_context(
    State(context): State<Arc<RequestContext>>,
    req: Request,
    next: Next,
) -> Response {
    let metrics = &context.metrics;
    let route = req.extensions().get::<MatchedPath>().cloned();
    let method_label = match *req.method() {
        Method::GET => "GET",
        Method::POST => "POST",
        Method::PATCH => "PATCH",
        Method::DELETE => "DELETE",
        Method::PUT => "PUT",
        Method::HEAD => "HEAD",
        Method::OPTIONS => "OPTIONS",
        _ => "other",
    };
    let id = new_plain_id(Kind::Request);
    // At debug level: an enabled span per request costs more than the
    // cached retrieval it wraps. Error logs name the request id themselves.
    let span = tracing::debug_span!("request", id = %id);
    // The log lines name the method and path; a `Uri` is cloned by count.
    let (method, uri) = (req.method().clone(), req.uri().clone());
    let header = HeaderValue::from_str(&id).ok();
    let started = Instant::now();
    let (req, leftover) = SharedBody::share(req);
    let bounded = tokio::time::timeout(context.request_timeout, next.run(req));
    let mut response = match REQUEST
        .scope(RequestLocal::new(id), bounded.instrument(span))
        .await
    {
        Ok(response) => response,
        Err(_) => ApiError::RequestTimeout.into_response(),
    };
    if let Some((leftover, read)) = leftover {
        let window = context
            .request_timeout
            .saturating_sub(started.elapsed())
            .min(DRAIN_WINDOW);
        if !leftover.drain(read, context.body_limit, window).await {
            response
                .headers_mut()
                .insert(header::CONNECTION, HeaderValue::from_static("close"));
        }
    }
    response
        .headers_mut()
        .entry(header::X_CONTENT_TYPE_OPTIONS)
        .or_insert(HeaderValue::from_static("nosniff"));
    let path = uri.path();
    let id = header
        .as_ref()
        .and_then(|h| h.to_str().ok())
        .unwrap_or_default();
    let status = response.status();
    metrics.request(
        route.as_ref().map_or("unmatched", MatchedPath::as_str),
        method_label,
        status.as_str(),
        started.elapsed().as_secs_f64(),
    );
    if response.extensions().get::<DatabaseFailed>().is_some() {
        metrics.database_error();
    }
    if status.is_server_error() {
        tracing::warn!(request_id = %id, %method, %path, status = status.as_u16(), "request failed");
    } else {
        tracing::debug!(request_id = %id, %method, %path, status = status.as_u16(),
            micros = started.elapsed().as_micros() as u64, "request");
    }
    if let Some(value) = header {
        response.headers_mut().insert("x-request-id", value);
    }
    response
}

/// Every route of the API, the payment pages and the dashboard. Pages sit
/// above the API (they read its state and errors), so they meet here, not
/// in either.
pub fn router(state: AppState, dashboard: crate::dashboard::DashboardConfig) -> Router {
    api_routes()
        .into_router()
        .merge(crate::pages::routes())
        .merge(crate::dashboard::routes(dashboard))
        .fallback(route_not_found)
        .method_not_allowed_fallback(method_not_allowed)
        .with_state(state)
}

/// A panic answers like any internal error; the panic text stays in the log.
fn panic_response(cause: Box<dyn Any + Send + 'static>) -> Response {
    let detail = cause
        .downcast_ref::<&str>()
        .map(|s| (*s).to_owned())
        .or_else(|| cause.downcast_ref::<String>().cloned())
        .unwrap_or_default();
    ApiError::internal(format!("panic: {detail}")).into_response()
}

/// What `request_context` needs.
struct RequestContext {
    metrics: Arc<Metrics>,
    request_timeout: Duration,
    /// The most of a body left unread that is read to keep its connection.
    body_limit: usize,
}

/// How long the rest of a body left unread may take to arrive.
const DRAIN_WINDOW: Duration = Duration::from_secs(1);

/// A request's body, shared between its handler and `request_context`.
///
/// A handler that answers without reading the whole body (an error before
/// the parameters are read, a route that takes none, a body over the
/// limit) drops it, and hyper then closes the connection after the answer
/// unless the rest is already at hand, without saying so: a client that
/// sends its next request on that connection finds it closed. So the
/// middleware keeps the body and, after the handler, reads what is left,
/// up to the body limit and for a moment; when it cannot, the answer says
/// `Connection: close`, as HTTP/1.1 asks of a server that will close.
#[derive(Clone)]
struct SharedBody(Arc<std::sync::Mutex<Option<Body>>>);

impl SharedBody {
    /// The request with its body shared, and whether its rest may be read;
    /// `None` for a request without a body, which is passed on as it is.
    fn share(req: Request) -> (Request, Option<(SharedBody, bool)>) {
        if req.body().is_end_stream() {
            return (req, None);
        }
        // Reading on would have hyper ask for a body the client holds back
        // until it is asked: its connection is closed instead.
        let expects = req.headers().contains_key(header::EXPECT);
        let (parts, body) = req.into_parts();
        let shared = SharedBody(Arc::new(std::sync::Mutex::new(Some(body))));
        let req = Request::from_parts(parts, Body::new(shared.clone()));
        (req, Some((shared, !expects)))
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, Option<Body>> {
        self.0.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// Whether the connection may serve another request: the body was read
    /// to its end, by the handler or here (if `read` allows), within
    /// `limit` bytes and `window`.
    async fn drain(self, read: bool, limit: usize, window: Duration) -> bool {
        let Some(body) = self.lock().take() else {
            return true;
        };
        if body.is_end_stream() {
            return true;
        }
        if !read || body.size_hint().lower() > limit as u64 {
            return false;
        }
        matches!(
            tokio::time::timeout(window, axum::body::to_bytes(body, limit)).await,
            Ok(Ok(_))
        )
    }
}

impl HttpBody for SharedBody {
    type Data = Bytes;
    type Error = axum::Error;

    fn poll_frame(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
    ) -> Poll<Option<Result<Frame<Bytes>, axum::Error>>> {
        match self.lock().as_mut() {
            Some(body) => Pin::new(body).poll_frame(cx),
            None => Poll::Ready(None),
        }
    }

    fn is_end_stream(&self) -> bool {
        self.lock().as_ref().is_none_or(HttpBody::is_end_stream)
    }

    fn size_hint(&self) -> SizeHint {
        self.lock()
            .as_ref()
            .map_or_else(|| SizeHint::with_exact(0), HttpBody::size_hint)
    }
}

/// The whole application over a store.
pub fn app(
    store: Arc<dyn Store>,
    config: &ServeConfig,
    public_url: &str,
    metrics: Arc<Metrics>,
) -> Router {
    let state = AppState::new(Shared {
        metrics: metrics.clone(),
        store,
        config: Arc::new(ApiConfig {
            body_limit: config.body_limit,
            live_payments: config.live_payments,
            authorize_timeout: config.authorize_timeout.as_micros() as i64,
        }),
        public_url: public_url.trim_end_matches('/').into(),
        cache: Default::default(),
    });
    let context = Arc::new(RequestContext {
        metrics,
        request_timeout: config.connections.request_timeout,
        body_limit: config.body_limit,
    });
    let dashboard = crate::dashboard::DashboardConfig {
        idle_timeout: config.dashboard_idle_timeout,
        secure_cookie: public_url.starts_with("https://"),
    };
    router(state, dashboard)
        .layer(CatchPanicLayer::custom(panic_response))
        .layer(middleware::from_fn_with_state(context, request_context))
}

/// A bound, ready server.
pub struct Server {
    listener: TcpListener,
    app: Router,
    limits: ConnectionLimits,
    webhooks: Arc<Worker>,
    store: Arc<dyn Store>,
    /// How often pending charges are checked for expiry.
    expiry_interval: Duration,
    pub local_addr: SocketAddr,
    pub public_url: String,
}

impl Server {
    /// Binds the address (port 0 picks one) over an opened store.
    pub async fn bind(config: &ServeConfig, store: Arc<dyn Store>) -> std::io::Result<Server> {
        let listener = TcpListener::bind(config.addr).await?;
        let local_addr = listener.local_addr()?;
        let public_url = config
            .public_url
            .clone()
            .unwrap_or_else(|| format!("http://{local_addr}"));
        let metrics = Arc::new(Metrics::new());
        let app = app(store.clone(), config, &public_url, metrics.clone());
        let webhooks = Arc::new(Worker::new(
            store.clone(),
            &public_url,
            config.webhooks.policy(),
            metrics,
        ));
        let open_files = raise_open_file_limit();
        let limits = ConnectionLimits {
            header_timeout: config.connections.header_timeout,
            keep_alive_timeout: config.connections.keep_alive_timeout,
            max_connections: config.connections.connection_cap.unwrap_or_else(|| {
                default_max_connections(open_files, config.database.max_connections)
            }),
            shutdown_grace: config.connections.shutdown_grace,
        };
        Ok(Server {
            listener,
            app,
            limits,
            webhooks,
            store,
            // A charge expires within a second of its time, or sooner for
            // short timeouts (tests).
            expiry_interval: (config.authorize_timeout / 4)
                .clamp(Duration::from_millis(20), Duration::from_secs(1)),
            local_addr,
            public_url,
        })
    }

    /// Serves until `shutdown` completes, then lets in-flight requests
    /// finish within the grace period.
    pub async fn run(
        self,
        shutdown: impl Future<Output = ()> + Send + 'static,
    ) -> std::io::Result<()> {
        let (stop, stopping) = tokio::sync::watch::channel(false);
        let worker = tokio::spawn(self.webhooks.run(stopping.clone()));
        let expiry = tokio::spawn(crate::upkeep::run(
            self.store,
            self.expiry_interval,
            stopping,
        ));
        let served =
            crate::connections::serve(self.listener, self.app, self.limits, shutdown).await;
        let _ = stop.send(true);
        let _ = tokio::time::timeout(self.limits.shutdown_grace, worker).await;
        let _ = tokio::time::timeout(self.limits.shutdown_grace, expiry).await;
        served
    }
}

/// Completes on Ctrl-C or SIGTERM.
pub async fn shutdown_signal() {
    let ctrl_c = async {
        let _ = tokio::signal::ctrl_c().await;
    };
    #[cfg(unix)]
    let terminate = async {
        match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            Ok(mut signal) => {
                signal.recv().await;
            }
            Err(_) => std::future::pending::<()>().await,
        }
    };
    #[cfg(not(unix))]
    let terminate = std::future::pending::<()>();
    tokio::select! {
        () = ctrl_c => {},
        () = terminate => {},
    }
    tracing::info!("shutting down: finishing in-flight requests (Ctrl-C again to exit now)");
    // An operator who presses Ctrl-C twice means it.
    tokio::spawn(async {
        if tokio::signal::ctrl_c().await.is_ok() {
            eprintln!("paylink: second interrupt, exiting now");
            std::process::exit(130);
        }
    });
}
