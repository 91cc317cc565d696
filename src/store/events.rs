//! Events, and their webhook deliveries: the outbox and the attempts.

use super::lists::placeholders;
use super::rows::event_columns;
use super::{AccountSettings, StoreResult};
use crate::domain::event::{Event, WebhookDelivery};
use crate::domain::{ListWindow, Micros, Mode, Page};
use async_trait::async_trait;

/// A due delivery this process has claimed: it alone attempts it until
/// `lease` ends.
#[derive(Debug, Clone)]
pub struct ClaimedDelivery {
    pub event: Event,
    /// This attempt's number, the first being 1.
    pub attempt: u32,
    /// The number of the last attempt this delivery may make: set by a
    /// resend (`EventStore::resend_webhook`), else `None`, the policy's
    /// `--webhook-max-attempts`.
    pub last_attempt: Option<u32>,
    /// The settings of the event's account and mode, as now.
    pub settings: Option<AccountSettings>,
    /// The attempts made before this one.
    pub previous: Vec<WebhookDelivery>,
}

/// How a claimed delivery ended this time.
#[derive(Debug, Clone)]
pub enum DeliveryOutcome {
    /// An attempt was made; it is retried at the time given, or its
    /// event's deliveries end if `None` (a 2xx, or the last attempt).
    Attempted {
        attempt: WebhookDelivery,
        number: u32,
        retry_at: Option<Micros>,
    },
    /// No attempt: delivery is off, or the attempts ran out. Ends it.
    Dropped { event_id: String },
}

/// Where an event's webhook stands, as the dashboard lists it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct WebhookState {
    /// The number of the last attempt made, 0 if none.
    pub attempts: u32,
    /// Whether the last attempt was answered with a 2xx; `None` if none.
    pub last_succeeded: Option<bool>,
    /// When the next attempt is due, if one is waiting.
    pub next_attempt_at: Option<Micros>,
}

/// Records an event: numbers it in its account and mode (its time never
/// goes backwards), writes it, and puts it in the webhook outbox if the
/// account has a webhook for the mode. Binds: $1 account, $2 livemode,
/// $3 time, $4 event id, $5 key, $6 charge id, $7 data. Each store writes
/// it as one round trip in its own dialect.
pub(in crate::store) const RECORD_EVENT_SQLITE: &str = "\
     UPDATE event_counters SET last_seq = last_seq + 1, last_at = MAX(last_at, $3) \
       WHERE account_id = $1 AND livemode = $2; \
     INSERT INTO events (id, account_id, livemode, account_seq, key, charge_id, data, created_at) \
       SELECT $4, $1, $2, last_seq, $5, $6, $7, last_at FROM event_counters \
       WHERE account_id = $1 AND livemode = $2; \
     INSERT INTO webhook_outbox (event_id, next_attempt_at) \
       SELECT $4, last_at FROM event_counters c JOIN account_settings s \
         ON s.account_id = c.account_id AND s.livemode = c.livemode \
       WHERE c.account_id = $1 AND c.livemode = $2 AND s.webhook_uri IS NOT NULL;";

/// The same as one PostgreSQL statement of data-modifying CTEs.
pub(in crate::store) const RECORD_EVENT_POSTGRES: &str = "\
     WITH counter AS (UPDATE event_counters \
         SET last_seq = last_seq + 1, last_at = GREATEST(last_at, $3) \
         WHERE account_id = $1 AND livemode = $2 RETURNING last_seq, last_at), \
       event AS (INSERT INTO events \
         (id, account_id, livemode, account_seq, key, charge_id, data, created_at) \
         SELECT $4, $1, $2, last_seq, $5, $6, $7, last_at FROM counter RETURNING created_at) \
     INSERT INTO webhook_outbox (event_id, next_attempt_at) \
       SELECT $4, event.created_at FROM event JOIN account_settings s \
         ON s.account_id = $1 AND s.livemode = $2 \
       WHERE s.webhook_uri IS NOT NULL";

/// Takes a lease on the due deliveries, oldest first; `skip_locked` lets
/// PostgreSQL claimants pass over the rows another one is claiming.
pub(in crate::store) fn claim_sql(skip_locked: &str) -> String {
    format!(
        "UPDATE webhook_outbox SET locked_until = $1, claim = $2, attempts = attempts + 1 \
         WHERE event_id IN (SELECT event_id FROM webhook_outbox \
           WHERE next_attempt_at <= $3 AND (locked_until IS NULL OR locked_until <= $3) \
           ORDER BY next_attempt_at LIMIT $4 {skip_locked}) \
         RETURNING event_id, attempts, last_attempt"
    )
}

pub(in crate::store) const RECORD_ATTEMPT: &str = "INSERT INTO webhook_deliveries \
     (id, event_id, attempt, uri, status, error, created_at, duration_micros, response_body) \
     VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)";

/// Puts an event (`$1`, of account `$2` and livemode `$3`) in the outbox,
/// due at `$4`. An event whose deliveries ended gets one attempt more,
/// numbered after the last one made and allowed past the policy's last;
/// an event still in the outbox keeps its attempts and is only made due.
/// One statement in both dialects (the `WHERE` keeps SQLite's parser from
/// reading `ON CONFLICT` as a join's).
pub(in crate::store) const RESEND: &str = "INSERT INTO webhook_outbox \
     (event_id, attempts, next_attempt_at, last_attempt) \
     SELECT e.id, n.made, $4, n.made + 1 FROM events e, \
       (SELECT COALESCE(MAX(attempt), 0) AS made FROM webhook_deliveries WHERE event_id = $1) n \
     WHERE e.id = $1 AND e.account_id = $2 AND e.livemode = $3 \
     ON CONFLICT (event_id) DO UPDATE SET next_attempt_at = excluded.next_attempt_at";

/// The last attempt of each of the events listed.
pub(in crate::store) fn last_attempts_sql(n: usize) -> String {
    format!(
        "SELECT d.event_id, d.attempt, d.error FROM webhook_deliveries d \
         WHERE d.event_id IN ({}) AND d.attempt = \
           (SELECT MAX(x.attempt) FROM webhook_deliveries x WHERE x.event_id = d.event_id)",
        placeholders(1, n)
    )
}

/// The outbox rows of the events listed.
pub(in crate::store) fn outbox_rows_sql(n: usize) -> String {
    format!(
        "SELECT event_id, next_attempt_at FROM webhook_outbox WHERE event_id IN ({})",
        placeholders(1, n)
    )
}

pub(in crate::store) const RETRY_DELIVERY: &str = "UPDATE webhook_outbox \
     SET next_attempt_at = $3, locked_until = NULL, claim = NULL WHERE event_id = $1 AND claim = $2";

pub(in crate::store) const END_DELIVERY: &str =
    "DELETE FROM webhook_outbox WHERE event_id = $1 AND claim = $2";

/// The claimed events with their account's settings for the mode, if any.
pub(in crate::store) fn claimed_events_sql(n: usize) -> String {
    format!(
        "SELECT e.id, e.account_id, e.livemode, e.key, e.data, e.created_at, \
         s.webhook_uri, s.webhook_secret, s.previous_webhook_secret, \
         s.previous_secret_until, s.api_version \
         FROM events e LEFT JOIN account_settings s \
           ON s.account_id = e.account_id AND s.livemode = e.livemode \
         WHERE e.id IN ({})",
        placeholders(1, n)
    )
}

pub(in crate::store) const EVENT: &str = concat!(
    "SELECT ",
    event_columns!(),
    " FROM events WHERE id = $1 AND account_id = $2 AND livemode = $3"
);

pub(in crate::store) const COUNT_OUTBOX: &str = "SELECT COUNT(*) FROM webhook_outbox";

/// Events and webhook deliveries.
#[async_trait]
pub trait EventStore: Send + Sync {
    async fn events_page(
        &self,
        account_id: &str,
        mode: Mode,
        window: &ListWindow,
    ) -> StoreResult<Page<Event>>;

    async fn event(&self, account_id: &str, mode: Mode, id: &str) -> StoreResult<Option<Event>>;

    /// The events of one charge (the caller has checked it is visible).
    async fn charge_events(&self, charge_id: &str, window: &ListWindow)
    -> StoreResult<Page<Event>>;

    /// Each event's delivery attempts, oldest first.
    async fn webhook_deliveries(
        &self,
        event_ids: &[&str],
    ) -> StoreResult<Vec<Vec<WebhookDelivery>>>;

    /// Claims up to `limit` deliveries due at `now` under `claim`, each
    /// until `lease_until`; no other claimant gets them meanwhile.
    async fn claim_deliveries(
        &self,
        now: Micros,
        lease_until: Micros,
        claim: &str,
        limit: u32,
    ) -> StoreResult<Vec<ClaimedDelivery>>;

    /// Records how deliveries claimed under `claim` ended, all in one
    /// transaction; a row whose lease another claimant took is left to it.
    async fn finish_deliveries(&self, claim: &str, outcomes: &[DeliveryOutcome])
    -> StoreResult<()>;

    /// Events whose webhook is still to be sent (due or waiting to retry).
    async fn webhooks_waiting(&self) -> StoreResult<u64>;

    /// Where each event's webhook stands: its last attempt, and whether
    /// another is waiting. One entry per id, in order.
    async fn webhook_states(&self, event_ids: &[&str]) -> StoreResult<Vec<WebhookState>>;

    /// Resends an event's webhook: makes one more attempt due at `now`,
    /// through the outbox, so that the worker of any process makes it, and
    /// tells this process's worker. False if the account has no such event
    /// in `mode`.
    ///
    /// With `--webhook-max-attempts`: if the event's deliveries have ended
    /// (delivered, or given up after the last attempt), the resend is one
    /// attempt beyond them, numbered after the last, made even when the
    /// attempts ran out, and not retried if it fails (resend again). If the
    /// event is still waiting for a retry, its next attempt is made now
    /// instead and the retries go on as before, within the maximum. An
    /// attempt already in flight is not doubled: its outcome decides.
    async fn resend_webhook(
        &self,
        account_id: &str,
        mode: Mode,
        event_id: &str,
        now: Micros,
    ) -> StoreResult<bool>;
}

/// Implements `EventStore` for `$store` over the sqlx database `$db`.
macro_rules! impl_event_store {
    ($store:ty, $db:ty) => {
        const _: () = {
            use sqlx::Row;
            use $crate::domain::event::{Event, EventKey, WebhookDelivery};
            use $crate::domain::{ListWindow, Micros, Mode, Page};
            use $crate::store::StoreResult;
            use $crate::store::dialect::Dialect as _;
            use $crate::store::rows::{DELIVERY_COLUMNS, EVENT_COLUMNS};

            impl $store {
                /// Writes an event and, if the account has a webhook for the
                /// mode, its delivery, on `conn` inside the caller's transaction.
                #[allow(clippy::too_many_arguments)]
                async fn record_event(
                    conn: &mut <$db as sqlx::Database>::Connection,
                    key: EventKey,
                    account_id: &str,
                    mode: Mode,
                    charge_id: Option<&str>,
                    data: &str,
                    at: Micros,
                ) -> StoreResult<()> {
                    // One round trip: numbering, the event and its delivery.
                    let id = $crate::domain::id::new_id($crate::domain::Kind::Event, mode);
                    sqlx::query(Self::RECORD_EVENT)
                        .bind(account_id)
                        .bind(mode.is_live())
                        .bind(at)
                        .bind(&id)
                        .bind(key.as_str())
                        .bind(charge_id)
                        .bind(data)
                        .execute(&mut *conn)
                        .await?;
                    Ok(())
                }
            }

            #[async_trait::async_trait]
            impl $crate::store::EventStore for $store {
                async fn events_page(
                    &self,
                    account_id: &str,
                    mode: Mode,
                    window: &ListWindow,
                ) -> StoreResult<Page<Event>> {
                    let mut conn = self.pool().acquire().await?;
                    let page = Self::account_rows(
                        &mut conn,
                        "events",
                        EVENT_COLUMNS,
                        account_id,
                        mode,
                        window,
                    )
                    .await?;
                    page.try_map($crate::store::rows::event_from)
                }

                async fn event(
                    &self,
                    account_id: &str,
                    mode: Mode,
                    id: &str,
                ) -> StoreResult<Option<Event>> {
                    let sql = $crate::store::events::EVENT;
                    let row = self.one_row(sql, &[id, account_id], Some(mode)).await?;
                    row.as_ref()
                        .map($crate::store::rows::event_from)
                        .transpose()
                }

                async fn charge_events(
                    &self,
                    charge_id: &str,
                    window: &ListWindow,
                ) -> StoreResult<Page<Event>> {
                    // A charge has a handful of events: counting them is cheap.
                    let mut conn = self.pool().acquire().await?;
                    let page = Self::counted_rows(
                        &mut conn,
                        "events",
                        EVENT_COLUMNS,
                        "charge_id = $1",
                        &["account_seq"],
                        &[charge_id],
                        None,
                        window,
                    )
                    .await?;
                    page.try_map($crate::store::rows::event_from)
                }

                async fn webhook_deliveries(
                    &self,
                    event_ids: &[&str],
                ) -> StoreResult<Vec<Vec<WebhookDelivery>>> {
                    let mut found = vec![Vec::new(); event_ids.len()];
                    if event_ids.is_empty() {
                        return Ok(found);
                    }
                    let sql = format!(
                        "SELECT {DELIVERY_COLUMNS} FROM webhook_deliveries WHERE event_id IN ({}) \
                         ORDER BY attempt",
                        $crate::store::lists::placeholders(1, event_ids.len())
                    );
                    let rows = Self::scoped(&sql, event_ids, None)
                        .fetch_all(self.pool())
                        .await?;
                    for row in &rows {
                        let delivery = $crate::store::rows::delivery_from(row)?;
                        if let Some(i) = event_ids.iter().position(|id| *id == delivery.event_id) {
                            found[i].push(delivery);
                        }
                    }
                    Ok(found)
                }

                async fn claim_deliveries(
                    &self,
                    now: Micros,
                    lease_until: Micros,
                    claim: &str,
                    limit: u32,
                ) -> StoreResult<Vec<$crate::store::ClaimedDelivery>> {
                    let claimed = {
                        // One statement commits by itself, on the writer's connection.
                        let mut writer = self.writer().await?;
                        let rows =
                            sqlx::query(&$crate::store::events::claim_sql(Self::SKIP_LOCKED))
                                .bind(lease_until)
                                .bind(claim)
                                .bind(now)
                                .bind(i64::from(limit))
                                .fetch_all(&mut *writer)
                                .await?;
                        // Claiming nothing commits nothing: a commit seen
                        // meanwhile is another process's, and must not be logged.
                        if !rows.is_empty() {
                            Self::touch(&mut writer, $crate::store::Touched::Nothing);
                        }
                        rows
                    };
                    if claimed.is_empty() {
                        return Ok(vec![]);
                    }
                    let mut attempts = Vec::with_capacity(claimed.len());
                    for row in &claimed {
                        let id: String = row.try_get("event_id")?;
                        let n: i64 = row.try_get("attempts")?;
                        let last: Option<i64> = row.try_get("last_attempt")?;
                        attempts.push((
                            id,
                            u32::try_from(n).unwrap_or(u32::MAX),
                            last.map(|l| u32::try_from(l).unwrap_or(u32::MAX)),
                        ));
                    }
                    let ids: Vec<&str> = attempts.iter().map(|(id, _, _)| id.as_str()).collect();
                    let sql = $crate::store::events::claimed_events_sql(ids.len());
                    let mut conn = self.pool().acquire().await?;
                    let rows = Self::scoped(&sql, &ids, None).fetch_all(&mut *conn).await?;
                    drop(conn);
                    let mut previous =
                        $crate::store::EventStore::webhook_deliveries(self, &ids).await?;
                    let mut deliveries = Vec::with_capacity(rows.len());
                    for row in &rows {
                        let event = $crate::store::rows::event_from(row)?;
                        let Some(i) = ids.iter().position(|id| *id == event.id) else {
                            continue;
                        };
                        let settings =
                            match $crate::store::rows::Columns::text_opt(row, "webhook_secret")? {
                                Some(_) => Some($crate::store::rows::settings_from(row)?),
                                None => None,
                            };
                        deliveries.push($crate::store::ClaimedDelivery {
                            event,
                            attempt: attempts[i].1,
                            last_attempt: attempts[i].2,
                            settings,
                            previous: std::mem::take(&mut previous[i]),
                        });
                    }
                    Ok(deliveries)
                }

                async fn finish_deliveries(
                    &self,
                    claim: &str,
                    outcomes: &[$crate::store::DeliveryOutcome],
                ) -> StoreResult<()> {
                    use $crate::store::DeliveryOutcome;
                    if outcomes.is_empty() {
                        return Ok(());
                    }
                    let mut writer = self.writer().await?;
                    let mut tx = Self::begin(&mut writer).await?;
                    for outcome in outcomes {
                        match outcome {
                            DeliveryOutcome::Attempted {
                                attempt,
                                number,
                                retry_at,
                            } => {
                                sqlx::query($crate::store::events::RECORD_ATTEMPT)
                                    .bind(&attempt.id)
                                    .bind(&attempt.event_id)
                                    .bind(i64::from(*number))
                                    .bind(&attempt.uri)
                                    .bind(attempt.status.map(i64::from))
                                    .bind(&attempt.error)
                                    .bind(attempt.created_at)
                                    .bind(attempt.duration_micros)
                                    .bind(&attempt.response_body)
                                    .execute(&mut *tx)
                                    .await?;
                                match retry_at {
                                    Some(at) => sqlx::query($crate::store::events::RETRY_DELIVERY)
                                        .bind(&attempt.event_id)
                                        .bind(claim)
                                        .bind(at),
                                    None => sqlx::query($crate::store::events::END_DELIVERY)
                                        .bind(&attempt.event_id)
                                        .bind(claim),
                                }
                                .execute(&mut *tx)
                                .await?;
                            }
                            DeliveryOutcome::Dropped { event_id } => {
                                sqlx::query($crate::store::events::END_DELIVERY)
                                    .bind(event_id)
                                    .bind(claim)
                                    .execute(&mut *tx)
                                    .await?;
                            }
                        }
                    }
                    tx.commit().await?;
                    Self::touch(&mut writer, $crate::store::Touched::Nothing);
                    Ok(())
                }

                async fn webhooks_waiting(&self) -> StoreResult<u64> {
                    let n: i64 = sqlx::query_scalar($crate::store::events::COUNT_OUTBOX)
                        .fetch_one(self.pool())
                        .await?;
                    Ok(n as u64)
                }

                async fn webhook_states(
                    &self,
                    event_ids: &[&str],
                ) -> StoreResult<Vec<$crate::store::WebhookState>> {
                    let mut states = vec![$crate::store::WebhookState::default(); event_ids.len()];
                    if event_ids.is_empty() {
                        return Ok(states);
                    }
                    let at = |id: &str| event_ids.iter().position(|e| *e == id);
                    let sql = $crate::store::events::last_attempts_sql(event_ids.len());
                    for row in &Self::scoped(&sql, event_ids, None)
                        .fetch_all(self.pool())
                        .await?
                    {
                        let id: String = row.try_get("event_id")?;
                        let attempt: i64 = row.try_get("attempt")?;
                        let error: Option<String> = row.try_get("error")?;
                        if let Some(i) = at(&id) {
                            states[i].attempts = u32::try_from(attempt).unwrap_or(u32::MAX);
                            states[i].last_succeeded = Some(error.is_none());
                        }
                    }
                    let sql = $crate::store::events::outbox_rows_sql(event_ids.len());
                    for row in &Self::scoped(&sql, event_ids, None)
                        .fetch_all(self.pool())
                        .await?
                    {
                        let id: String = row.try_get("event_id")?;
                        let due: i64 = row.try_get("next_attempt_at")?;
                        if let Some(i) = at(&id) {
                            states[i].next_attempt_at = Some(due);
                        }
                    }
                    Ok(states)
                }

                async fn resend_webhook(
                    &self,
                    account_id: &str,
                    mode: Mode,
                    event_id: &str,
                    now: Micros,
                ) -> StoreResult<bool> {
                    let done = {
                        let mut writer = self.writer().await?;
                        let done = sqlx::query($crate::store::events::RESEND)
                            .bind(event_id)
                            .bind(account_id)
                            .bind(mode.is_live())
                            .bind(now)
                            .execute(&mut *writer)
                            .await?
                            .rows_affected();
                        // As with a claim: a statement that wrote nothing
                        // committed nothing, and must not be logged as ours.
                        if done > 0 {
                            Self::touch(&mut writer, $crate::store::Touched::Nothing);
                        }
                        done
                    };
                    if done > 0 {
                        self.event_signal().notify_one();
                    }
                    Ok(done > 0)
                }
            }
        };
    };
}

pub(in crate::store) use impl_event_store;
