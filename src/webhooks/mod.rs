//! The webhook worker: sends each event in the outbox to its account's
//! webhook URI, signed, and retries with exponential backoff until a 2xx
//! answer or the last attempt.
//!
//! The outbox lives in the database and is written in the transaction of
//! the change, so nothing is lost to a crash. Every `paylink serve` runs a
//! worker; a worker claims due rows with a lease, so each attempt is made
//! by one process, and a process that dies lets its lease expire.

pub mod signature;

use crate::api::events::webhook_body;
use crate::api::version::Version;
use crate::domain::event::{ANSWER_KEPT_BYTES, WebhookDelivery, kept_answer, retry_delay};
use crate::domain::id::{Kind, new_id, random_suffix};
use crate::domain::list::{Micros, now};
use crate::metrics::Metrics;
use crate::store::{ClaimedDelivery, DeliveryOutcome, Store, StoreResult};
use std::sync::Arc;
use std::time::Duration;
use tokio::sync::{Notify, Semaphore, mpsc, watch};

/// Most deliveries in flight at once, per process.
const CONCURRENCY: usize = 32;
/// Most deliveries claimed, or outcomes recorded, in one statement list.
const MAX_BATCH: u32 = 64;
/// How long a burst of new events may gather before it is claimed.
const COALESCE: Duration = Duration::from_millis(5);
/// Most of a receiver's answer read: what an attempt keeps, and enough
/// more to end a character cut at the limit; the rest is dropped unread.
const MAX_ANSWER_BYTES: usize = ANSWER_KEPT_BYTES + 4;

/// What a receiver did with one request.
struct Answered {
    status: Option<u16>,
    error: Option<String>,
    /// The start of its answer, if it answered.
    body: Option<String>,
}

/// How deliveries are attempted.
#[derive(Debug, Clone, Copy)]
pub struct DeliveryPolicy {
    /// An attempt not answered within this time has failed.
    pub timeout: Duration,
    /// The wait after the first failed attempt; each later wait doubles.
    pub retry_base: Duration,
    /// Attempts in all, the first included.
    pub max_attempts: u32,
    /// How often other processes' events are looked for.
    pub poll_interval: Duration,
}

/// The running worker.
pub struct Worker {
    store: Arc<dyn Store>,
    public_url: String,
    policy: DeliveryPolicy,
    client: reqwest::Client,
    /// This process's name on the leases it takes.
    claim: String,
    metrics: Arc<Metrics>,
}

impl Worker {
    pub fn new(
        store: Arc<dyn Store>,
        public_url: &str,
        policy: DeliveryPolicy,
        metrics: Arc<Metrics>,
    ) -> Worker {
        let client = reqwest::Client::builder()
            .redirect(reqwest::redirect::Policy::none())
            .timeout(policy.timeout)
            .user_agent(concat!(
                "paylink/",
                env!("CARGO_PKG_VERSION"),
                " (webhooks)"
            ))
            .build()
            .unwrap_or_default();
        Worker {
            store,
            public_url: public_url.trim_end_matches('/').to_owned(),
            policy,
            client,
            claim: format!("wrk_{}", random_suffix()),
            metrics,
        }
    }

    /// Delivers until `stop` turns true; attempts in flight then finish.
    ///
    /// Claims are taken in batches and outcomes recorded in batches, so
    /// that on SQLite, where every write waits its turn behind payments,
    /// deliveries cost few write transactions.
    pub async fn run(self: Arc<Self>, mut stop: watch::Receiver<bool>) {
        let slots = Arc::new(Semaphore::new(CONCURRENCY));
        let freed = Arc::new(Notify::new());
        let written = self.store.events_written();
        let (outcomes, recorded) = mpsc::unbounded_channel();
        let recorder = tokio::spawn(self.clone().record(recorded));
        let mut failures = 0u32;
        while !*stop.borrow() {
            let free = slots.available_permits() as u32;
            let claimed = match self.claim(free).await {
                Ok(claimed) => {
                    failures = 0;
                    claimed
                }
                Err(e) => {
                    self.metrics.database_error();
                    failures += 1;
                    if failures == 1 || failures % 60 == 0 {
                        tracing::warn!(error = %e, "webhook worker cannot claim deliveries");
                    }
                    vec![]
                }
            };
            let slot_bound = claimed.len() as u32 == free;
            for delivery in claimed {
                let Ok(permit) = slots.clone().acquire_owned().await else {
                    return;
                };
                let (worker, outcomes, freed) = (self.clone(), outcomes.clone(), freed.clone());
                tokio::spawn(async move {
                    let _ = outcomes.send(worker.attempt(delivery).await);
                    drop(permit);
                    freed.notify_one();
                });
            }
            if slot_bound {
                // More may be due: claim again once a slot frees, and the
                // attempts that end meanwhile have freed theirs, so that a
                // steady flow is claimed in batches, not one write a slot.
                tokio::select! {
                    () = freed.notified() => tokio::time::sleep(COALESCE).await,
                    _ = stop.changed() => {}
                }
                continue;
            }
            tokio::select! {
                () = written.notified() => {
                    // Let the writes of a burst gather into one claim.
                    tokio::time::sleep(COALESCE).await;
                }
                () = tokio::time::sleep(self.policy.poll_interval) => {}
                _ = stop.changed() => {}
            }
        }
        // Let attempts in flight finish and their outcomes be recorded.
        let _ = tokio::time::timeout(
            self.policy.timeout + Duration::from_secs(1),
            slots.acquire_many(CONCURRENCY as u32),
        )
        .await;
        drop(outcomes);
        let _ = recorder.await;
    }

    /// Up to `free` due deliveries, leased to this process.
    async fn claim(&self, free: u32) -> StoreResult<Vec<ClaimedDelivery>> {
        if free == 0 {
            return Ok(vec![]);
        }
        let at = now();
        // The lease outlasts an attempt's timeout with room to record it;
        // past it, another process may try again.
        let lease = at + 2 * self.policy.timeout.as_micros() as Micros + 5_000_000;
        self.store
            .claim_deliveries(at, lease, &self.claim, free.min(MAX_BATCH))
            .await
    }

    /// Writes outcomes as they come, those that come within `COALESCE` of
    /// each other at once: each write waits its turn behind payments on
    /// SQLite, and one a delivery would slow them.
    async fn record(self: Arc<Self>, mut outcomes: mpsc::UnboundedReceiver<DeliveryOutcome>) {
        let mut batch = Vec::new();
        while outcomes.recv_many(&mut batch, MAX_BATCH as usize).await > 0 {
            if batch.len() < MAX_BATCH as usize {
                tokio::time::sleep(COALESCE).await;
                while batch.len() < MAX_BATCH as usize {
                    match outcomes.try_recv() {
                        Ok(outcome) => batch.push(outcome),
                        Err(_) => break,
                    }
                }
            }
            if let Err(e) = self.store.finish_deliveries(&self.claim, &batch).await {
                self.metrics.database_error();
                // The leases run out and the attempts are made again.
                tracing::warn!(error = %e, count = batch.len(), "webhook outcomes not recorded");
            }
            batch.clear();
        }
    }

    /// One attempt, and what follows it.
    async fn attempt(&self, delivery: ClaimedDelivery) -> DeliveryOutcome {
        let event = &delivery.event;
        let settings = delivery
            .settings
            .as_ref()
            .filter(|s| s.webhook_uri.is_some());
        let last = delivery.last_attempt.unwrap_or(self.policy.max_attempts);
        let (Some(settings), true) = (settings, delivery.attempt <= last) else {
            // Delivery was turned off, or the last attempt's outcome was
            // lost with its process: nothing more to send.
            self.metrics.delivery("dropped");
            return DeliveryOutcome::Dropped {
                event_id: event.id.clone(),
            };
        };
        let uri = settings.webhook_uri.clone().unwrap_or_default();
        let version = Version::parse(&settings.api_version).unwrap_or(Version::Current);
        let sent_at = now();
        let started = std::time::Instant::now();
        let (answered, duration) =
            match webhook_body(&self.public_url, event, &delivery.previous, version) {
                Ok(body) => {
                    let timestamp = sent_at.div_euclid(1_000_000);
                    let mut secrets = vec![settings.webhook_secret.as_str()];
                    if let (Some(previous), Some(until)) = (
                        &settings.previous_webhook_secret,
                        settings.previous_secret_until,
                    ) {
                        if until > sent_at {
                            secrets.push(previous);
                        }
                    }
                    let signed = signature::sign(&secrets, timestamp, &body);
                    let answered = self.post(&uri, body, timestamp, &signed).await;
                    let took =
                        Micros::try_from(started.elapsed().as_micros()).unwrap_or(Micros::MAX);
                    (answered, Some(took))
                }
                Err(e) => (
                    Answered {
                        status: None,
                        error: Some(format!("the event could not be written: {e}")),
                        body: None,
                    },
                    None,
                ),
            };
        let succeeded = answered.error.is_none();
        let retry_at = next_attempt(&self.policy, delivery.attempt, last, succeeded, now());
        if retry_at.is_none() && !succeeded {
            tracing::warn!(event = %event.id, attempts = delivery.attempt, %uri,
                "webhook given up after the last attempt");
        }
        self.metrics.delivery(match (succeeded, retry_at) {
            (true, _) => "delivered",
            (false, Some(_)) => "failed",
            (false, None) => "given_up",
        });
        DeliveryOutcome::Attempted {
            attempt: delivery_record(event, &uri, answered, duration, sent_at),
            number: delivery.attempt,
            retry_at,
        }
    }

    /// Sends the body; the receiver's status, why the attempt failed, and
    /// the start of the answer.
    async fn post(&self, uri: &str, body: Vec<u8>, timestamp: i64, signature: &str) -> Answered {
        let sent = self
            .client
            .post(uri)
            .header("content-type", "application/json")
            .header("omise-signature-timestamp", timestamp.to_string())
            .header("omise-signature", signature)
            .body(body)
            .send()
            .await;
        let mut response = match sent {
            Ok(response) => response,
            Err(e) => {
                return Answered {
                    status: None,
                    error: Some(describe(&e, self.policy.timeout)),
                    body: None,
                };
            }
        };
        let status = response.status();
        // Read the start of the answer, for the dashboard; never more than
        // the limit (a chunk past it is cut), never logged.
        let mut read = Vec::new();
        while read.len() < MAX_ANSWER_BYTES {
            match response.chunk().await {
                Ok(Some(chunk)) => {
                    let room = MAX_ANSWER_BYTES - read.len();
                    read.extend_from_slice(&chunk[..chunk.len().min(room)]);
                }
                Ok(None) | Err(_) => break,
            }
        }
        let code = status.as_u16();
        Answered {
            status: Some(code),
            error: (!status.is_success()).then(|| format!("the receiver answered {code}")),
            body: Some(kept_answer(&read)),
        }
    }
}

/// A failed request in a few words.
fn describe(e: &reqwest::Error, timeout: Duration) -> String {
    if e.is_timeout() {
        format!("no answer within {} ms", timeout.as_millis())
    } else if e.is_connect() {
        "connection failed".into()
    } else if e.is_redirect() {
        "redirect not followed".into()
    } else {
        "the connection was closed before an answer".into()
    }
}

/// The outcome of an attempt and when, if ever, to try again: never after
/// attempt `last`.
fn next_attempt(
    policy: &DeliveryPolicy,
    attempt: u32,
    last: u32,
    succeeded: bool,
    at: Micros,
) -> Option<Micros> {
    if succeeded || attempt >= last {
        return None;
    }
    let base = policy.retry_base.as_micros() as Micros;
    Some(at + retry_delay(base, attempt, rand::random::<f64>()))
}

/// The record of an attempt.
fn delivery_record(
    event: &crate::domain::event::Event,
    uri: &str,
    answered: Answered,
    duration_micros: Option<Micros>,
    at: Micros,
) -> WebhookDelivery {
    WebhookDelivery {
        id: new_id(Kind::WebhookDelivery, event.mode),
        event_id: event.id.clone(),
        uri: uri.to_owned(),
        status: answered.status,
        error: answered.error,
        created_at: at,
        duration_micros,
        response_body: answered.body,
    }
}
