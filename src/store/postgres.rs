//! PostgreSQL, for several paylink processes on one database.
//!
//! Transactions run at READ COMMITTED. Exactly-once payment rests on row
//! locks and conditional updates: paying (one call of the `paylink_pay`
//! function) locks the account's charge counter row first, then updates the
//! link only `WHERE used_at IS NULL`, which PostgreSQL re-checks after
//! waiting for a concurrent payer's commit.

use super::PoolSettings;
use super::dialect::Dialect;
use sqlx::pool::PoolConnection;
use sqlx::postgres::{PgConnectOptions, PgPool, PgPoolOptions};
use sqlx::{Connection, Postgres};
use std::str::FromStr;
use std::sync::Arc;

static MIGRATOR: sqlx::migrate::Migrator = sqlx::migrate!("./migrations/postgres");

/// The PostgreSQL store.
#[derive(Clone)]
pub struct PostgresStore {
    pool: PgPool,
    /// Told after each commit that wrote an event.
    events_written: std::sync::Arc<tokio::sync::Notify>,
}

impl PostgresStore {
    /// Connects and migrates. Migrations take an advisory lock, so several
    /// processes may start at once.
    pub async fn connect(
        url: &str,
        settings: &PoolSettings,
    ) -> Result<PostgresStore, super::OpenError> {
        let options = PgConnectOptions::from_str(url)?.application_name("paylink");
        // One connection first, for an error that says what went wrong:
        // the pool would retry until its time-out and say only that.
        let at = format!("{}:{}", options.get_host(), options.get_port());
        let first = tokio::time::timeout(
            settings.acquire_timeout,
            sqlx::PgConnection::connect_with(&options),
        )
        .await
        .map_err(|_| super::OpenError::Postgres {
            at: at.clone(),
            cause: format!("no answer within {:?}", settings.acquire_timeout),
        })?
        .map_err(|e| super::OpenError::Postgres {
            at: at.clone(),
            cause: match &e {
                sqlx::Error::Io(io) if io.kind() == std::io::ErrorKind::ConnectionRefused => {
                    "connection refused (is PostgreSQL running and listening there?)".to_owned()
                }
                other => other.to_string(),
            },
        })?;
        let _ = first.close().await;
        // No ping before each use: a round trip per request for a check
        // that an outage makes anyway (its error is a 503, and the broken
        // connection is not reused).
        let pool = PgPoolOptions::new()
            .test_before_acquire(false)
            .max_connections(settings.max_connections)
            .acquire_timeout(settings.acquire_timeout)
            .connect_with(options)
            .await?;
        MIGRATOR.run(&pool).await?;
        Ok(PostgresStore {
            pool,
            events_written: Default::default(),
        })
    }

    /// The SQLSTATE `paylink_pay` raises when the link was claimed by a
    /// concurrent payer after its token was: nothing of the payment stays.
    const PAY_REFUSED: &'static str = "PAYRF";
}

impl Dialect for PostgresStore {
    type Db = Postgres;
    type Writer = PoolConnection<Postgres>;

    fn pool(&self) -> &PgPool {
        &self.pool
    }

    fn event_signal(&self) -> &Arc<tokio::sync::Notify> {
        &self.events_written
    }

    // Other processes commit without telling this one, and PostgreSQL has
    // no change marker to read without a query: no change token (the
    // default), so nothing is cached by token; answers about a link are
    // kept by its stamp instead.

    /// A read transaction that sees one snapshot throughout (READ
    /// COMMITTED would take a new one at each statement).
    const SNAPSHOT: &'static str = "BEGIN ISOLATION LEVEL REPEATABLE READ, READ ONLY";

    /// PostgreSQL's two-argument maximum.
    const GREATEST: &'static str = "GREATEST";

    /// A bulk load counts charges by status once, at its end.
    const BULK_LOAD: &'static [&'static str] = &["SET LOCAL paylink.bulk_load = 'on'"];

    /// PostgreSQL's search indexes follow the rows by themselves.
    const RESET_SEARCH: &'static [&'static str] = &[];

    /// How an event is recorded in one round trip.
    const RECORD_EVENT: &'static str = super::events::RECORD_EVENT_POSTGRES;

    /// Search: JSON by `->>`, and `ILIKE` on the text the trigram (GIN)
    /// indexes hold, written exactly as they are.
    const SEARCH: super::search::clause::Syntax = super::search::clause::Syntax {
        card_field: |field| format!("(card::jsonb ->> '{field}')"),
        ilike: "ILIKE",
        indexed_from: None,
        stored_charge_text: Some("search_text"),
    };

    /// PostgreSQL keeps its expression indexes in step itself.
    const INDEX_QUEUED: Option<&'static str> = None;

    /// Claimants on several processes pass over each other's rows.
    const SKIP_LOCKED: &'static str = "FOR UPDATE SKIP LOCKED";

    /// Pays in one statement: `paylink_pay` (migration 0007) takes the
    /// token, the account's charge counter, the link, then writes the
    /// charge and its event, so the rows that order concurrent payers are
    /// locked for the statement's execution only. No row, or its refusal
    /// `PAY_REFUSED` (which rolls the whole statement back), is a payment
    /// not made; why is read afterwards.
    async fn pay(
        &self,
        payment: &super::Payment,
    ) -> super::StoreResult<Result<crate::domain::charge::Charge, crate::domain::charge::PayRefusal>>
    {
        use crate::domain::charge::ChargeStatus;
        use crate::domain::id::{Kind, new_id};
        use sqlx::Row;
        const PAY: &str = "SELECT card, outcome, last_at, id, account_id, livemode, amount, \
             currency, title, description, multiple, used_at, deleted_at, created_at, \
             pending_charge_id, charge_count FROM paylink_pay($1, $2, $3, $4, $5, $6, $7)";
        let mut conn = self.writer().await?;
        let row = sqlx::query(PAY)
            .bind(&payment.token_id)
            .bind(&payment.link_id)
            .bind(payment.now)
            .bind(&payment.charge_id)
            .bind(&payment.ip)
            .bind(new_id(
                Kind::Event,
                super::rows::mode_of(&payment.charge_id),
            ))
            .bind(payment.authorize_timeout)
            .fetch_optional(&mut *conn)
            .await;
        drop(conn);
        let row = match row {
            Ok(Some(row)) => row,
            Ok(None) => return Ok(Err(self.refusal(payment).await?)),
            Err(sqlx::Error::Database(e)) if e.code().as_deref() == Some(Self::PAY_REFUSED) => {
                return Ok(Err(self.refusal(payment).await?));
            }
            Err(e) => return Err(e.into()),
        };
        self.events_written.notify_one();
        let card: String = row.try_get("card")?;
        let outcome = super::rows::outcome_from_code(row.try_get("outcome")?)?;
        let link = super::rows::link_from(&row)?;
        Ok(Ok(super::rows::paid_charge(
            payment,
            &link,
            ChargeStatus::from_outcome(outcome),
            super::rows::card_from_json(&card)?,
            row.try_get("last_at")?,
        )))
    }

    /// A connection for a write; its statements take the row locks that
    /// order concurrent writers, across processes too.
    async fn writer(&self) -> super::StoreResult<PoolConnection<Postgres>> {
        Ok(self.pool.acquire().await?)
    }

    async fn begin(
        writer: &mut PoolConnection<Postgres>,
    ) -> super::StoreResult<sqlx::Transaction<'_, Postgres>> {
        Ok(writer.begin().await?)
    }

    /// Nothing is cached, so nothing needs telling.
    fn touch(_writer: &mut PoolConnection<Postgres>, _touched: super::Touched) {}

    /// The key's principal and, as the link's stamp, the link row's `xmin`
    /// (the transaction that last wrote it) and its charge count, in one
    /// statement. Every commit that changes what an answer about the link
    /// shows writes its row: a payment and a deletion update it, and a
    /// trigger updates it when one of its charges changes (a refund, a
    /// 3-D Secure completion; migration 0008).
    async fn principal_with_stamp(
        &self,
        key_hash: &str,
        link_id: &str,
    ) -> super::StoreResult<Option<(super::Principal, Option<super::LinkStamp>)>> {
        /// The key's account, kind and mode; the link's `xmin` and charges.
        type KeyAndStamp = (String, String, bool, Option<i64>, Option<i64>);
        let row: Option<KeyAndStamp> = sqlx::query_as(
            "SELECT k.account_id, k.kind, k.livemode, l.xmin::text::bigint, l.charge_count \
             FROM api_keys k LEFT JOIN links l \
               ON l.id = $2 AND l.account_id = k.account_id AND l.livemode = k.livemode \
             WHERE k.key_hash = $1",
        )
        .bind(key_hash)
        .bind(link_id)
        .fetch_optional(&self.pool)
        .await?;
        let Some((account_id, kind, live, xmin, charges)) = row else {
            return Ok(None);
        };
        let principal = super::Principal {
            account_id,
            kind: super::rows::key_kind(&kind)?,
            mode: crate::domain::Mode::from_live(live),
        };
        Ok(Some((
            principal,
            xmin.zip(charges)
                .map(|(version, charges)| super::LinkStamp { version, charges }),
        )))
    }

    /// A token: one statement that commits by itself.
    async fn add_token(&self, token: &crate::domain::charge::Token) -> super::StoreResult<()> {
        let card = serde_json::to_string(&token.card).map_err(|_| super::rows::corrupt("card"))?;
        sqlx::query(super::charges::INSERT_TOKEN)
            .bind(&token.id)
            .bind(&token.account_id)
            .bind(token.mode.is_live())
            .bind(card)
            .bind(super::rows::outcome_code(token.outcome))
            .bind(token.used)
            .bind(token.created_at)
            .execute(&self.pool)
            .await?;
        Ok(())
    }
}

super::impl_store!(PostgresStore, Postgres);
