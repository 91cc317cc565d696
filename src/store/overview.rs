//! What the dashboard's overview adds up: charges per day, currency and
//! status, in one grouped statement over the account's time index.

use super::StoreResult;
use crate::domain::{Micros, Mode};
use async_trait::async_trait;

/// Microseconds in a day: days are counted in UTC.
pub const DAY_MICROS: Micros = 86_400_000_000;

/// The charges of one UTC day, currency and status.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DayTotal {
    /// Days since the Unix epoch.
    pub day: i64,
    pub currency: String,
    pub status: String,
    pub count: i64,
    pub amount: i64,
}

/// `$1` the account, `$2` `livemode`, `$3` the first microsecond counted.
pub(in crate::store) const CHARGE_DAYS: &str = "SELECT created_at / 86400000000 AS day, currency, status, \
     COUNT(*) AS n, CAST(SUM(amount) AS BIGINT) AS total \
     FROM charges WHERE account_id = $1 AND livemode = $2 AND created_at >= $3 \
     GROUP BY created_at / 86400000000, currency, status \
     ORDER BY day, currency, status";

/// Sums for the dashboard.
#[async_trait]
pub trait OverviewStore: Send + Sync {
    /// The account's charges of a mode since `since`, per UTC day,
    /// currency and status, oldest day first.
    async fn charge_days(
        &self,
        account_id: &str,
        mode: Mode,
        since: Micros,
    ) -> StoreResult<Vec<DayTotal>>;
}

/// Implements `OverviewStore` for `$store` over the sqlx database `$db`.
macro_rules! impl_overview_store {
    ($store:ty, $db:ty) => {
        const _: () = {
            use sqlx::Row;
            use $crate::domain::{Micros, Mode};
            use $crate::store::StoreResult;
            use $crate::store::dialect::Dialect as _;
            use $crate::store::overview::{CHARGE_DAYS, DayTotal};

            #[async_trait::async_trait]
            impl $crate::store::OverviewStore for $store {
                async fn charge_days(
                    &self,
                    account_id: &str,
                    mode: Mode,
                    since: Micros,
                ) -> StoreResult<Vec<DayTotal>> {
                    let rows = sqlx::query(CHARGE_DAYS)
                        .bind(account_id)
                        .bind(mode.is_live())
                        .bind(since)
                        .fetch_all(self.pool())
                        .await?;
                    rows.iter()
                        .map(|row| {
                            Ok(DayTotal {
                                day: row.try_get("day")?,
                                currency: row.try_get("currency")?,
                                status: row.try_get("status")?,
                                count: row.try_get("n")?,
                                amount: row.try_get("total")?,
                            })
                        })
                        .collect()
                }
            }
        };
    };
}
pub(in crate::store) use impl_overview_store;
