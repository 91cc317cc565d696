//! Refunds of successful charges.

use super::StoreResult;
use super::lists::placeholders;
use super::rows::REFUND_COLUMNS;
use super::rows::refund_columns;
use crate::domain::refund::{NewRefund, Refund, RefundRefusal};
use crate::domain::{ListWindow, Mode, Page};
use async_trait::async_trait;

/// Takes the amount from what is left to refund on a successful charge;
/// PostgreSQL re-checks the condition after a concurrent refund commits.
pub(in crate::store) const CLAIM_REFUND: &str = "UPDATE charges \
     SET refunded_amount = refunded_amount + $4, refund_count = refund_count + 1 \
     WHERE id = $1 AND account_id = $2 AND livemode = $3 AND status = 'successful' \
       AND refunded_amount + $4 <= amount \
     RETURNING currency, refund_count, link_id";

/// Numbers a refund of an account and mode; its time never goes backwards.
pub(in crate::store) fn count_refund_sql(greatest: &str) -> String {
    format!(
        "UPDATE refund_counters SET last_seq = last_seq + 1, last_at = {greatest}(last_at, $3) \
         WHERE account_id = $1 AND livemode = $2 RETURNING last_seq, last_at"
    )
}

pub(in crate::store) const INSERT_REFUND: &str = "INSERT INTO refunds (id, account_id, livemode, \
     account_seq, charge_id, charge_seq, amount, currency, metadata, created_at) \
     VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)";

/// The first page of refunds of each charge that has any.
pub(in crate::store) fn first_refunds_sql(n: usize) -> String {
    format!(
        "SELECT {REFUND_COLUMNS} FROM refunds WHERE charge_id IN ({}) AND charge_seq <= 20 \
         ORDER BY charge_seq",
        placeholders(1, n)
    )
}

/// What decides whether a charge takes a refund.
pub(in crate::store) const REFUND_STATE: &str = "SELECT amount, refunded_amount, status FROM charges \
     WHERE id = $1 AND account_id = $2 AND livemode = $3";

/// A refund of a charge an account and mode can see.
pub(in crate::store) const REFUND: &str = concat!(
    "SELECT ",
    refund_columns!(),
    " FROM refunds WHERE id = $1 AND charge_id = $2 AND account_id = $3 AND livemode = $4"
);

/// Refunds.
#[async_trait]
pub trait RefundStore: Send + Sync {
    /// Refunds part or all of a successful charge, in one transaction:
    /// refunds racing for what is left cannot together exceed the charge.
    async fn create_refund(&self, refund: &NewRefund)
    -> StoreResult<Result<Refund, RefundRefusal>>;

    /// A refund of this charge that the account and mode can see.
    async fn refund(
        &self,
        account_id: &str,
        mode: Mode,
        charge_id: &str,
        id: &str,
    ) -> StoreResult<Option<Refund>>;

    /// A charge's refunds (the caller has checked it is visible).
    async fn charge_refunds(
        &self,
        charge_id: &str,
        window: &ListWindow,
    ) -> StoreResult<Page<Refund>>;

    async fn account_refunds(
        &self,
        account_id: &str,
        mode: Mode,
        window: &ListWindow,
    ) -> StoreResult<Page<Refund>>;
}

/// Implements `RefundStore` for `$store` over the sqlx database `$db`.
macro_rules! impl_refund_store {
    ($store:ty, $db:ty) => {
        const _: () = {
            use sqlx::Row;
            use $crate::domain::event::EventKey;
            use $crate::domain::{ListWindow, Mode, Page};
            use $crate::store::StoreResult;
            use $crate::store::dialect::Dialect as _;
            use $crate::store::rows::REFUND_COLUMNS;

            impl $store {
                /// Why a refund was not made, read after its transaction rolled back.
                async fn refund_refusal(
                    &self,
                    new: &$crate::domain::refund::NewRefund,
                ) -> StoreResult<$crate::domain::refund::RefundRefusal> {
                    use $crate::domain::refund::RefundRefusal;
                    let row = sqlx::query($crate::store::refunds::REFUND_STATE)
                        .bind(&new.charge_id)
                        .bind(&new.account_id)
                        .bind(new.mode.is_live())
                        .fetch_optional(self.pool())
                        .await?;
                    let Some(row) = row else {
                        return Ok(RefundRefusal::ChargeNotFound);
                    };
                    let status: String = row.try_get("status")?;
                    if status != "successful" {
                        return Ok(RefundRefusal::NotSuccessful);
                    }
                    let (amount, refunded): (i64, i64) =
                        (row.try_get("amount")?, row.try_get("refunded_amount")?);
                    Ok(RefundRefusal::ExceedsRemaining {
                        remaining: amount - refunded,
                    })
                }
            }

            #[async_trait::async_trait]
            impl $crate::store::RefundStore for $store {
                async fn create_refund(
                    &self,
                    new: &$crate::domain::refund::NewRefund,
                ) -> StoreResult<
                    Result<$crate::domain::refund::Refund, $crate::domain::refund::RefundRefusal>,
                > {
                    let mut writer = self.writer().await?;
                    let mut tx = Self::begin(&mut writer).await?;
                    let charged = sqlx::query($crate::store::refunds::CLAIM_REFUND)
                        .bind(&new.charge_id)
                        .bind(&new.account_id)
                        .bind(new.mode.is_live())
                        .bind(new.amount)
                        .fetch_optional(&mut *tx)
                        .await?;
                    let Some(charged) = charged else {
                        // Roll back before the writer is let go.
                        tx.rollback().await?;
                        drop(writer);
                        return Ok(Err(self.refund_refusal(new).await?));
                    };
                    let currency: String = charged.try_get("currency")?;
                    let charge_seq: i64 = charged.try_get("refund_count")?;
                    let link_id: String = charged.try_get("link_id")?;
                    let counter =
                        sqlx::query(&$crate::store::refunds::count_refund_sql(Self::GREATEST))
                            .bind(&new.account_id)
                            .bind(new.mode.is_live())
                            .bind(new.now)
                            .fetch_one(&mut *tx)
                            .await?;
                    let refund = $crate::domain::refund::Refund {
                        id: new.id.clone(),
                        account_id: new.account_id.clone(),
                        mode: new.mode,
                        charge_id: new.charge_id.clone(),
                        amount: new.amount,
                        currency: $crate::domain::money::Currency::parse(&currency)
                            .map_err(|_| $crate::store::rows::corrupt("charge currency"))?,
                        metadata: new.metadata.clone(),
                        created_at: counter.try_get("last_at")?,
                    };
                    sqlx::query($crate::store::refunds::INSERT_REFUND)
                        .bind(&refund.id)
                        .bind(&refund.account_id)
                        .bind(refund.mode.is_live())
                        .bind(counter.try_get::<i64, _>("last_seq")?)
                        .bind(&refund.charge_id)
                        .bind(charge_seq)
                        .bind(refund.amount)
                        .bind(refund.currency.code())
                        .bind(&refund.metadata)
                        .bind(refund.created_at)
                        .execute(&mut *tx)
                        .await?;
                    let snapshot = $crate::store::rows::refund_snapshot(&refund);
                    Self::record_event(
                        &mut tx,
                        EventKey::RefundCreate,
                        &refund.account_id,
                        refund.mode,
                        Some(&refund.charge_id),
                        &snapshot,
                        refund.created_at,
                    )
                    .await?;
                    tx.commit().await?;
                    Self::touch(&mut writer, $crate::store::Touched::Links(vec![link_id]));
                    self.event_signal().notify_one();
                    Ok(Ok(refund))
                }

                async fn refund(
                    &self,
                    account_id: &str,
                    mode: Mode,
                    charge_id: &str,
                    id: &str,
                ) -> StoreResult<Option<$crate::domain::refund::Refund>> {
                    let sql = $crate::store::refunds::REFUND;
                    let row = self
                        .one_row(sql, &[id, charge_id, account_id], Some(mode))
                        .await?;
                    row.as_ref()
                        .map($crate::store::rows::refund_from)
                        .transpose()
                }

                async fn charge_refunds(
                    &self,
                    charge_id: &str,
                    window: &ListWindow,
                ) -> StoreResult<Page<$crate::domain::refund::Refund>> {
                    let mut conn = self.pool().acquire().await?;
                    let page = Self::rows_by_seq(
                        &mut conn,
                        "refunds",
                        REFUND_COLUMNS,
                        "charge_id = $1",
                        "charge_seq",
                        &[charge_id],
                        None,
                        window,
                    )
                    .await?;
                    page.try_map($crate::store::rows::refund_from)
                }

                async fn account_refunds(
                    &self,
                    account_id: &str,
                    mode: Mode,
                    window: &ListWindow,
                ) -> StoreResult<Page<$crate::domain::refund::Refund>> {
                    let mut conn = self.pool().acquire().await?;
                    let page = Self::account_rows(
                        &mut conn,
                        "refunds",
                        REFUND_COLUMNS,
                        account_id,
                        mode,
                        window,
                    )
                    .await?;
                    page.try_map($crate::store::rows::refund_from)
                }
            }
        };
    };
}

pub(in crate::store) use impl_refund_store;
