//! What the dashboard's overview adds up: charges per day, currency and
//! status, as the charges' triggers keep them in `charge_day_totals`.

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

/// `$1` the account, `$2` `livemode`, `$3` the first day counted: the
/// sums the charges' triggers keep (migration 0009), a few rows a day.
pub(in crate::store) const CHARGE_DAYS: &str = "SELECT day, currency, status, n, amount AS total \
     FROM charge_day_totals WHERE account_id = $1 AND livemode = $2 AND day >= $3 AND n > 0 \
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
            use $crate::store::overview::{CHARGE_DAYS, DAY_MICROS, DayTotal};

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
                        .bind(since.div_euclid(DAY_MICROS))
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
