//! Tokens, and the charges a payment of a link makes.

use super::StoreResult;
use super::rows::charge_columns;
use crate::domain::charge::{Charge, ChargeStatus, Completion, PayRefusal, Token};
use crate::domain::{ListWindow, Micros, Mode, Page};
use async_trait::async_trait;

/// A payment of a link with a token.
#[derive(Debug, Clone)]
pub struct Payment {
    pub charge_id: String,
    pub link_id: String,
    pub token_id: String,
    pub ip: Option<String>,
    pub now: Micros,
    /// How long a 3-D Secure charge may wait for the payer.
    pub authorize_timeout: Micros,
}

/// A token's row; the SQLite store writes several in one statement.
pub(in crate::store) const INSERT_TOKEN: &str = "INSERT INTO tokens (id, account_id, livemode, card, outcome, used, created_at) \
     VALUES ($1, $2, $3, $4, $5, $6, $7)";

pub(in crate::store) const TOKEN_USED: &str =
    "SELECT used FROM tokens WHERE id = $1 AND account_id = $2 AND livemode = $3";

pub(in crate::store) const TOKEN: &str = "SELECT id, account_id, livemode, card, outcome, used, created_at FROM tokens \
     WHERE id = $1 AND account_id = $2 AND livemode = $3";

/// Ends a pending charge, once: a concurrent completion finds it done.
pub(in crate::store) const COMPLETE_CHARGE: &str = concat!(
    "UPDATE charges SET status = $2, failure_code = $3, failure_message = $4, \
     completed_at = $5 WHERE id = $1 AND status = 'pending' RETURNING ",
    charge_columns!()
);

/// The link's payment in progress is over: a single-use link is used if it succeeded (`$3`), and takes payments again if not.
pub(in crate::store) const END_LINK_PAYMENT: &str = "UPDATE links SET pending_charge_id = NULL, \
     used_at = CASE WHEN $3 THEN $4 ELSE used_at END \
     WHERE id = $1 AND pending_charge_id = $2";

pub(in crate::store) const PENDING_DUE: &str = "SELECT id FROM charges WHERE status = 'pending' AND authorize_expires_at <= $1 \
     ORDER BY authorize_expires_at LIMIT $2";

/// A charge an account and mode (`$2`, `$3`) can see.
pub(in crate::store) const CHARGE: &str = concat!(
    "SELECT ",
    charge_columns!(),
    " FROM charges WHERE id = $1 AND account_id = $2 AND livemode = $3"
);
/// Any account's charge, by id.
pub(in crate::store) const CHARGE_BY_ID: &str =
    concat!("SELECT ", charge_columns!(), " FROM charges WHERE id = $1");

/// Tokens and charges.
#[async_trait]
pub trait ChargeStore: Send + Sync {
    async fn insert_token(&self, token: &Token) -> StoreResult<()>;

    async fn token(&self, account_id: &str, mode: Mode, id: &str) -> StoreResult<Option<Token>>;

    /// Charges the link with the token in one transaction: a single-use link
    /// takes one successful charge ever, a token one charge ever.
    async fn pay_link(&self, payment: &Payment) -> StoreResult<Result<Charge, PayRefusal>>;

    async fn charge(&self, account_id: &str, mode: Mode, id: &str) -> StoreResult<Option<Charge>>;

    /// Any account's charge, for the payment page's outcome.
    async fn charge_by_id(&self, id: &str) -> StoreResult<Option<Charge>>;

    async fn link_charges(&self, link_id: &str, window: &ListWindow) -> StoreResult<Page<Charge>>;

    /// One page of charges for each link, in the same window, read over
    /// one connection (a page of links embeds each link's charges).
    async fn links_charges(
        &self,
        link_ids: &[&str],
        window: &ListWindow,
    ) -> StoreResult<Vec<Page<Charge>>>;

    async fn account_charges(
        &self,
        account_id: &str,
        mode: Mode,
        window: &ListWindow,
    ) -> StoreResult<Page<Charge>>;

    /// Ends a pending charge as `completion` says, in one transaction with
    /// its link and its `charge.complete` event. `None` if there is no such
    /// charge; `Err` with its status if it is not pending.
    async fn complete_charge(
        &self,
        id: &str,
        completion: Completion,
        now: Micros,
    ) -> StoreResult<Option<Result<Charge, ChargeStatus>>>;

    /// Pending charges whose time to authenticate is over, oldest first.
    async fn pending_charges_due(&self, now: Micros, limit: u32) -> StoreResult<Vec<String>>;
}

/// Implements `ChargeStore` for `$store` over the sqlx database `$db`.
macro_rules! impl_charge_store {
    ($store:ty, $db:ty) => {
        const _: () = {
            use $crate::domain::card::FailureCode;
            use $crate::domain::charge::{Charge, ChargeStatus, PayRefusal, Token};
            use $crate::domain::event::EventKey;
            use $crate::domain::{ListWindow, Micros, Mode, Page};
            use $crate::store::dialect::Dialect as _;
            use $crate::store::rows::CHARGE_COLUMNS;
            use $crate::store::{Payment, StoreResult};

            impl $store {
                /// One page of a link's charges, numbered by `link_seq`.
                async fn charges_of_link(
                    conn: &mut <$db as sqlx::Database>::Connection,
                    link_id: &str,
                    window: &ListWindow,
                ) -> StoreResult<Page<Charge>> {
                    let scope = "link_id = $1";
                    Self::charges_by_seq(conn, scope, "link_seq", &[link_id], None, window).await
                }

                /// Reads one page of charges from a sequence numbering (per link, or per
                /// account and mode): two index seeks find the window's first and last
                /// numbers, so `total` is a difference and `offset` a seek, whatever the size.
                async fn charges_by_seq(
                    conn: &mut <$db as sqlx::Database>::Connection,
                    scope: &str,
                    seq: &str,
                    binds: &[&str],
                    mode: Option<Mode>,
                    window: &ListWindow,
                ) -> StoreResult<Page<Charge>> {
                    let page = Self::rows_by_seq(
                        &mut *conn,
                        "charges",
                        CHARGE_COLUMNS,
                        scope,
                        seq,
                        binds,
                        mode,
                        window,
                    )
                    .await?;
                    let mut page = page.try_map($crate::store::rows::charge_from)?;
                    Self::attach_refunds(conn, &mut page.data).await?;
                    Ok(page)
                }

                /// Gives each charge that has refunds its first page of them.
                async fn attach_refunds(
                    conn: &mut <$db as sqlx::Database>::Connection,
                    charges: &mut [Charge],
                ) -> StoreResult<()> {
                    let ids: Vec<&str> = charges
                        .iter()
                        .filter(|c| c.refund_count > 0)
                        .map(|c| c.id.as_str())
                        .collect();
                    if ids.is_empty() {
                        return Ok(());
                    }
                    let sql = $crate::store::refunds::first_refunds_sql(ids.len());
                    let rows = Self::scoped(&sql, &ids, None).fetch_all(&mut *conn).await?;
                    let mut refunds = rows
                        .iter()
                        .map($crate::store::rows::refund_from)
                        .collect::<StoreResult<Vec<_>>>()?;
                    for charge in charges.iter_mut() {
                        let (mine, rest) =
                            refunds.into_iter().partition(|r| r.charge_id == charge.id);
                        charge.refunds = mine;
                        refunds = rest;
                    }
                    Ok(())
                }

                /// One charge's row, with its refunds.
                async fn charge_where(
                    &self,
                    sql: &str,
                    binds: &[&str],
                    mode: Option<Mode>,
                ) -> StoreResult<Option<Charge>> {
                    let mut conn = self.pool().acquire().await?;
                    let row = Self::scoped(sql, binds, mode)
                        .fetch_optional(&mut *conn)
                        .await?;
                    let Some(mut charge) = row
                        .as_ref()
                        .map($crate::store::rows::charge_from)
                        .transpose()?
                    else {
                        return Ok(None);
                    };
                    Self::attach_refunds(&mut conn, std::slice::from_mut(&mut charge)).await?;
                    Ok(Some(charge))
                }

                /// Why a payment was refused, read after its transaction rolled
                /// back: the link's state first, then the token's.
                async fn refusal(&self, payment: &Payment) -> StoreResult<PayRefusal> {
                    let link = sqlx::query($crate::store::links::LINK_BY_ID)
                        .bind(&payment.link_id)
                        .fetch_optional(self.pool())
                        .await?;
                    let Some(link) = link
                        .as_ref()
                        .map($crate::store::rows::link_from)
                        .transpose()?
                    else {
                        return Ok(PayRefusal::LinkUnavailable);
                    };
                    if link.deleted() {
                        return Ok(PayRefusal::LinkUnavailable);
                    }
                    if link.used() {
                        return Ok(PayRefusal::LinkUsed);
                    }
                    if link.pending_charge_id.is_some() {
                        return Ok(PayRefusal::PaymentInProgress);
                    }
                    let used: Option<bool> = sqlx::query_scalar($crate::store::charges::TOKEN_USED)
                        .bind(&payment.token_id)
                        .bind(&link.account_id)
                        .bind(link.mode.is_live())
                        .fetch_optional(self.pool())
                        .await?;
                    Ok(match used {
                        None => PayRefusal::TokenNotFound,
                        Some(_) => PayRefusal::TokenUsed,
                    })
                }
            }

            #[async_trait::async_trait]
            impl $crate::store::ChargeStore for $store {
                async fn insert_token(&self, token: &Token) -> StoreResult<()> {
                    self.add_token(token).await
                }

                async fn token(
                    &self,
                    account_id: &str,
                    mode: Mode,
                    id: &str,
                ) -> StoreResult<Option<Token>> {
                    let sql = $crate::store::charges::TOKEN;
                    let row = self.one_row(sql, &[id, account_id], Some(mode)).await?;
                    row.as_ref()
                        .map($crate::store::rows::token_from)
                        .transpose()
                }

                async fn pay_link(
                    &self,
                    payment: &Payment,
                ) -> StoreResult<Result<Charge, PayRefusal>> {
                    self.pay(payment).await
                }

                async fn charge(
                    &self,
                    account_id: &str,
                    mode: Mode,
                    id: &str,
                ) -> StoreResult<Option<Charge>> {
                    let sql = $crate::store::charges::CHARGE;
                    self.charge_where(sql, &[id, account_id], Some(mode)).await
                }

                async fn charge_by_id(&self, id: &str) -> StoreResult<Option<Charge>> {
                    let sql = $crate::store::charges::CHARGE_BY_ID;
                    self.charge_where(sql, &[id], None).await
                }

                async fn link_charges(
                    &self,
                    link_id: &str,
                    window: &ListWindow,
                ) -> StoreResult<Page<Charge>> {
                    let mut conn = self.pool().acquire().await?;
                    Self::charges_of_link(&mut conn, link_id, window).await
                }

                async fn links_charges(
                    &self,
                    link_ids: &[&str],
                    window: &ListWindow,
                ) -> StoreResult<Vec<Page<Charge>>> {
                    let mut conn = self.pool().acquire().await?;
                    let mut pages = Vec::with_capacity(link_ids.len());
                    for link_id in link_ids {
                        pages.push(Self::charges_of_link(&mut conn, link_id, window).await?);
                    }
                    Ok(pages)
                }

                async fn account_charges(
                    &self,
                    account_id: &str,
                    mode: Mode,
                    window: &ListWindow,
                ) -> StoreResult<Page<Charge>> {
                    let mut conn = self.pool().acquire().await?;
                    Self::charges_by_seq(
                        &mut conn,
                        "account_id = $1 AND livemode = $2",
                        "account_seq",
                        &[account_id],
                        Some(mode),
                        window,
                    )
                    .await
                }

                async fn complete_charge(
                    &self,
                    id: &str,
                    completion: $crate::domain::charge::Completion,
                    now: Micros,
                ) -> StoreResult<Option<Result<Charge, ChargeStatus>>> {
                    let status = completion.status();
                    let mut writer = self.writer().await?;
                    let mut tx = Self::begin(&mut writer).await?;
                    // Only a pending charge completes, once: a concurrent
                    // completion (a payer and the expiry, say) finds it done.
                    let row = sqlx::query($crate::store::charges::COMPLETE_CHARGE)
                        .bind(id)
                        .bind(status.as_str())
                        .bind(status.failure().map(FailureCode::code))
                        .bind(completion.failure_message())
                        .bind(now)
                        .fetch_optional(&mut *tx)
                        .await?;
                    let Some(row) = row else {
                        tx.rollback().await?;
                        drop(writer);
                        let current = $crate::store::ChargeStore::charge_by_id(self, id).await?;
                        return Ok(current.map(|c| Err(c.status)));
                    };
                    let charge = $crate::store::rows::charge_from(&row)?;
                    // The link's payment in progress is over: a single-use link
                    // is used if it succeeded, and takes payments again if not.
                    sqlx::query($crate::store::charges::END_LINK_PAYMENT)
                        .bind(&charge.link_id)
                        .bind(&charge.id)
                        .bind(status.paid())
                        .bind(now)
                        .execute(&mut *tx)
                        .await?;
                    let snapshot = $crate::store::rows::charge_snapshot(&charge)?;
                    Self::record_event(
                        &mut tx,
                        EventKey::ChargeComplete,
                        &charge.account_id,
                        charge.mode,
                        Some(&charge.id),
                        &snapshot,
                        now,
                    )
                    .await?;
                    tx.commit().await?;
                    Self::touch(
                        &mut writer,
                        $crate::store::Touched::Links(vec![charge.link_id.clone()]),
                    );
                    self.event_signal().notify_one();
                    Ok(Some(Ok(charge)))
                }

                async fn pending_charges_due(
                    &self,
                    now: Micros,
                    limit: u32,
                ) -> StoreResult<Vec<String>> {
                    Ok(sqlx::query_scalar($crate::store::charges::PENDING_DUE)
                        .bind(now)
                        .bind(i64::from(limit))
                        .fetch_all(self.pool())
                        .await?)
                }
            }
        };
    };
}

pub(in crate::store) use impl_charge_store;
