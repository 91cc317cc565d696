//! The numbers an operator watches, in Prometheus' text format at
//! `GET /metrics`. Each server has its own registry, so that several
//! servers in one process (the tests) count apart.

use crate::domain::charge::{Charge, ChargeStatus, PayRefusal};
use crate::store::{Store, StoreResult};
use prometheus::{
    Encoder, HistogramOpts, HistogramVec, IntCounter, IntCounterVec, IntGauge, IntGaugeVec, Opts,
    Registry, TextEncoder,
};

/// A response that failed because of the database carries this, so that
/// the request metrics count it.
#[derive(Debug, Clone, Copy)]
pub struct DatabaseFailed;

/// Every metric paylink keeps.
pub struct Metrics {
    registry: Registry,
    requests: IntCounterVec,
    latency: HistogramVec,
    payments: IntCounterVec,
    database_errors: IntCounter,
    pool: IntGaugeVec,
    deliveries: IntCounterVec,
    waiting: IntGauge,
    /// Answers about a link served from the read cache, and built anew.
    cache_hits: IntCounter,
    cache_misses: IntCounter,
}

impl Metrics {
    pub fn new() -> Metrics {
        let registry = Registry::new();
        let requests = IntCounterVec::new(
            Opts::new(
                "paylink_http_requests_total",
                "HTTP requests answered, by route template, method and status.",
            ),
            &["route", "method", "status"],
        )
        .expect("valid metric");
        let latency = HistogramVec::new(
            HistogramOpts::new(
                "paylink_http_request_duration_seconds",
                "Time from a request's head to its response, by route template.",
            )
            .buckets(vec![
                0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0,
                10.0,
            ]),
            &["route", "method"],
        )
        .expect("valid metric");
        let payments = IntCounterVec::new(
            Opts::new(
                "paylink_payments_total",
                "Payments by outcome: successful, pending (3-D Secure), a failure code, or refused (no charge made).",
            ),
            &["outcome"],
        )
        .expect("valid metric");
        let database_errors = IntCounter::new(
            "paylink_database_errors_total",
            "Database operations that failed (unreachable, timed out or refused).",
        )
        .expect("valid metric");
        let pool = IntGaugeVec::new(
            Opts::new(
                "paylink_database_connections",
                "The read pool's connections, in use or idle.",
            ),
            &["state"],
        )
        .expect("valid metric");
        let deliveries = IntCounterVec::new(
            Opts::new(
                "paylink_webhook_deliveries_total",
                "Webhook attempts by outcome: delivered, failed (to be retried), given_up, or dropped (delivery turned off).",
            ),
            &["outcome"],
        )
        .expect("valid metric");
        let waiting = IntGauge::new(
            "paylink_webhooks_waiting",
            "Events whose webhook is still to be sent, due now or later.",
        )
        .expect("valid metric");
        let cache = IntCounterVec::new(
            Opts::new(
                "paylink_read_cache_total",
                "Answers about a link (GET /links/{id} and its charges) served from the read cache (hit) or read from the database (miss).",
            ),
            &["outcome"],
        )
        .expect("valid metric");
        for metric in [
            Box::new(cache.clone()) as Box<dyn prometheus::core::Collector>,
            Box::new(requests.clone()),
            Box::new(latency.clone()),
            Box::new(payments.clone()),
            Box::new(database_errors.clone()),
            Box::new(pool.clone()),
            Box::new(deliveries.clone()),
            Box::new(waiting.clone()),
        ] {
            registry.register(metric).expect("each metric once");
        }
        Metrics {
            registry,
            requests,
            latency,
            payments,
            database_errors,
            pool,
            deliveries,
            waiting,
            cache_hits: cache.with_label_values(&["hit"]),
            cache_misses: cache.with_label_values(&["miss"]),
        }
    }

    /// An answer about a link, served from the read cache or not.
    pub fn read_cache(&self, hit: bool) {
        match hit {
            true => self.cache_hits.inc(),
            false => self.cache_misses.inc(),
        }
    }

    /// One answered request; `route` is its template (`/links/{id}`).
    pub fn request(&self, route: &str, method: &str, status: &str, seconds: f64) {
        self.requests
            .with_label_values(&[route, method, status])
            .inc();
        self.latency
            .with_label_values(&[route, method])
            .observe(seconds);
    }

    /// A payment's outcome, whether or not it made a charge.
    pub fn payment(&self, outcome: &StoreResult<Result<Charge, PayRefusal>>) {
        let label = match outcome {
            Ok(Ok(charge)) => match charge.status {
                ChargeStatus::Successful => "successful",
                ChargeStatus::Pending => "pending",
                ChargeStatus::Expired => "expired",
                ChargeStatus::Failed(code) => code.code(),
            },
            Ok(Err(_)) => "refused",
            // The payer sees an error page, not an API error: counted here.
            Err(_) => return self.database_error(),
        };
        self.payments.with_label_values(&[label]).inc();
    }

    /// A database operation that failed, in a request or a worker.
    pub fn database_error(&self) {
        self.database_errors.inc();
    }

    /// A webhook attempt's outcome.
    pub fn delivery(&self, outcome: &'static str) {
        self.deliveries.with_label_values(&[outcome]).inc();
    }

    /// The text a scrape reads: gauges are taken from the store now.
    pub async fn render(&self, store: &dyn Store) -> String {
        let pool = store.pool_connections();
        self.pool
            .with_label_values(&["in_use"])
            .set(i64::from(pool.open.saturating_sub(pool.idle)));
        self.pool
            .with_label_values(&["idle"])
            .set(i64::from(pool.idle));
        match store.webhooks_waiting().await {
            Ok(n) => self.waiting.set(n as i64),
            Err(_) => self.database_error(),
        }
        let mut text = Vec::new();
        if let Err(e) = TextEncoder::new().encode(&self.registry.gather(), &mut text) {
            tracing::warn!(error = %e, "metrics not encoded");
        }
        String::from_utf8(text).unwrap_or_default()
    }
}

impl Default for Metrics {
    fn default() -> Self {
        Metrics::new()
    }
}
