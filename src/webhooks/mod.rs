//! The webhook worker: sends each event in the outbox to its account's
//! webhook URI, signed, and retries with exponential backoff until a 2xx
//! answer or the last attempt.
//!
//! The outbox lives in the database and is written in the transaction of
//! the change, so nothing is lost to a crash. Every `paylink serve` runs a
//! worker; a worker claims due rows with a lease, so each attempt is made
//! by one process, and a process that dies lets its lease expire.

pub mod signature;

use crate::api::events::{data_version, webhook_body};
use crate::domain::event::{WebhookDelivery, retry_delay};
use crate::domain::id::{Kind, new_id, random_suffix};
use crate::domain::list::{Micros, now};
use crate::store::{ClaimedDelivery, Store};
use std::sync::Arc;
use std::time::Duration;
use tokio::sync::{Semaphore, watch};

/// Most deliveries in flight at once, per process.
const CONCURRENCY: usize = 32;
/// Most of a receiver's answer read; the rest is dropped unread.
const MAX_ANSWER_BYTES: usize = 64 * 1024;

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
}

impl Worker {
    pub fn new(store: Arc<dyn Store>, public_url: &str, policy: DeliveryPolicy) -> Worker {
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
        }
    }

    /// Delivers until `stop` turns true; attempts in flight then finish.
    pub async fn run(self: Arc<Self>, mut stop: watch::Receiver<bool>) {
        let slots = Arc::new(Semaphore::new(CONCURRENCY));
        let written = self.store.events_written();
        let mut failures = 0u32;
        while !*stop.borrow() {
            let free = slots.available_permits() as u32;
            let claimed = if free == 0 {
                Ok(vec![])
            } else {
                let at = now();
                // The lease outlasts an attempt's timeout with room to
                // record it; past it, another process may try again.
                let lease = at + 2 * self.policy.timeout.as_micros() as Micros + 5_000_000;
                self.store
                    .claim_deliveries(at, lease, &self.claim, free)
                    .await
            };
            let claimed = match claimed {
                Ok(claimed) => {
                    failures = 0;
                    claimed
                }
                Err(e) => {
                    failures += 1;
                    if failures == 1 || failures % 60 == 0 {
                        tracing::warn!(error = %e, "webhook worker cannot claim deliveries");
                    }
                    vec![]
                }
            };
            let busy = claimed.len() as u32 == free && free > 0;
            for delivery in claimed {
                let Ok(permit) = slots.clone().acquire_owned().await else {
                    return;
                };
                let worker = self.clone();
                tokio::spawn(async move {
                    worker.attempt(delivery).await;
                    drop(permit);
                });
            }
            if busy {
                continue;
            }
            tokio::select! {
                () = written.notified() => {}
                () = tokio::time::sleep(self.policy.poll_interval) => {}
                _ = stop.changed() => {}
            }
        }
        // Let attempts in flight record their outcome.
        let _ = tokio::time::timeout(
            self.policy.timeout + Duration::from_secs(1),
            slots.acquire_many(CONCURRENCY as u32),
        )
        .await;
    }

    /// One attempt, recorded; then a retry is scheduled or deliveries end.
    async fn attempt(&self, delivery: ClaimedDelivery) {
        if let Err(e) = self.try_attempt(&delivery).await {
            // The lease runs out and the attempt is made again.
            tracing::warn!(error = %e, event = %delivery.event.id, "webhook attempt not recorded");
        }
    }

    async fn try_attempt(&self, delivery: &ClaimedDelivery) -> crate::store::StoreResult<()> {
        let event = &delivery.event;
        let settings = delivery
            .settings
            .as_ref()
            .filter(|s| s.webhook_uri.is_some());
        let (Some(settings), true) = (settings, delivery.attempt <= self.policy.max_attempts)
        else {
            // Delivery was turned off, or the last attempt's outcome was
            // lost with its process: nothing more to send.
            return self.store.drop_delivery(&self.claim, &event.id).await;
        };
        let uri = settings.webhook_uri.clone().unwrap_or_default();
        let version = data_version(self.store.as_ref(), &event.account_id, event.mode).await?;
        let before = self.store.webhook_deliveries(&[&event.id]).await?;
        let body = webhook_body(&self.public_url, event, &before[0], version)
            .map_err(|e| crate::store::StoreError::Corrupt(e.to_string()))?;
        let sent_at = now();
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
        let (status, error) = self.post(&uri, body, timestamp, &signed).await;
        let succeeded = error.is_none();
        let record = delivery_record(event, &uri, status, error, sent_at);
        let retry_at = next_attempt(&self.policy, delivery.attempt, succeeded, now());
        if retry_at.is_none() && !succeeded {
            tracing::warn!(event = %event.id, attempts = delivery.attempt, %uri,
                "webhook given up after the last attempt");
        }
        self.store
            .finish_delivery(&self.claim, &record, delivery.attempt, retry_at)
            .await
    }

    /// Sends the body; the receiver's status, and why the attempt failed.
    async fn post(
        &self,
        uri: &str,
        body: Vec<u8>,
        timestamp: i64,
        signature: &str,
    ) -> (Option<u16>, Option<String>) {
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
            Err(e) => return (None, Some(describe(&e, self.policy.timeout))),
        };
        let status = response.status();
        // Read a little of the answer so the connection ends cleanly; never
        // more than the limit, never logged.
        let mut read = 0;
        while read < MAX_ANSWER_BYTES {
            match response.chunk().await {
                Ok(Some(chunk)) => read += chunk.len(),
                Ok(None) | Err(_) => break,
            }
        }
        if status.is_success() {
            (Some(status.as_u16()), None)
        } else {
            (
                Some(status.as_u16()),
                Some(format!("the receiver answered {}", status.as_u16())),
            )
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

/// The outcome of an attempt and when, if ever, to try again.
fn next_attempt(
    policy: &DeliveryPolicy,
    attempt: u32,
    succeeded: bool,
    at: Micros,
) -> Option<Micros> {
    if succeeded || attempt >= policy.max_attempts {
        return None;
    }
    let base = policy.retry_base.as_micros() as Micros;
    Some(at + retry_delay(base, attempt, rand::random::<f64>()))
}

/// The record of an attempt.
fn delivery_record(
    event: &crate::domain::event::Event,
    uri: &str,
    status: Option<u16>,
    error: Option<String>,
    at: Micros,
) -> WebhookDelivery {
    WebhookDelivery {
        id: new_id(Kind::WebhookDelivery, event.mode),
        event_id: event.id.clone(),
        uri: uri.to_owned(),
        status,
        error,
        created_at: at,
    }
}
