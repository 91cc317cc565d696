//! Search over links and charges: the clause a `Search` becomes is in
//! `clause`; this file holds the operations and their glue.

pub mod clause;

use super::StoreResult;
use crate::domain::Mode;
use crate::domain::charge::Charge;
use crate::domain::link::Link;
use crate::domain::search::Search;
use async_trait::async_trait;

/// The number of an account's charges in a mode, in one status (`$3`) or,
/// when `$3` is NULL, in all: kept by triggers as charges change.
pub(in crate::store) const STATUS_TOTAL: &str = "SELECT CAST(COALESCE(SUM(n), 0) AS BIGINT) \
     FROM charge_status_counts WHERE account_id = $1 AND livemode = $2 \
     AND ($3 IS NULL OR status = $3)";

/// Whether rows wait to be indexed.
pub(in crate::store) const SEARCH_QUEUED: &str = "SELECT EXISTS (SELECT 1 FROM charge_search_queue) \
     OR EXISTS (SELECT 1 FROM link_search_queue)";

/// Search.
#[async_trait]
pub trait SearchStore: Send + Sync {
    /// Links of the account and mode that the search finds: one page, and
    /// how many there are in all.
    async fn search_links(
        &self,
        account_id: &str,
        mode: Mode,
        search: &Search,
    ) -> StoreResult<(Vec<Link>, u64)>;

    /// The same for charges.
    async fn search_charges(
        &self,
        account_id: &str,
        mode: Mode,
        search: &Search,
    ) -> StoreResult<(Vec<Charge>, u64)>;

    /// Moves rows written since the last call into the search indexes (on
    /// SQLite, whose full-text index is written in batches); nothing to do
    /// on PostgreSQL. Searches see every row either way.
    async fn index_search_queue(&self) -> StoreResult<()>;
}

/// Implements `SearchStore` for `$store` over the sqlx database `$db`.
macro_rules! impl_search_store {
    ($store:ty, $db:ty) => {
        const _: () = {
            use $crate::domain::Mode;
            use $crate::domain::charge::Charge;
            use $crate::domain::link::Link;
            use $crate::store::StoreResult;
            use $crate::store::dialect::Dialect as _;
            use $crate::store::rows::{CHARGE_COLUMNS, LINK_COLUMNS};
            use sqlx::Row;

            impl $store {
                /// A search's page of rows and its total.
                #[allow(clippy::too_many_arguments)]
                async fn search_rows(
                    conn: &mut <$db as sqlx::Database>::Connection,
                    account_id: &str,
                    mode: Mode,
                    search: &$crate::domain::search::Search,
                    columns: &str,
                    seq: &str,
                ) -> StoreResult<(Vec<<$db as sqlx::Database>::Row>, u64)> {
                    use $crate::store::search::clause::Bind;
                    let clause = $crate::store::search::clause::clause(search, &Self::SEARCH);
                    let direction = $crate::store::lists::direction(search.order);
                    let n = clause.binds.len() + 2;
                    // A text query finds few rows through its index: one
                    // statement both pages them and counts them all.
                    let windowed = search.query.is_some();
                    let page_sql = format!(
                        "SELECT {columns}{} FROM {} WHERE {} ORDER BY created_at {direction}, {seq} {direction} \
                         LIMIT ${} OFFSET ${}",
                        if windowed {
                            ", COUNT(*) OVER () AS search_total"
                        } else {
                            ""
                        },
                        clause.from,
                        clause.sql,
                        n + 1,
                        n + 2
                    );
                    let mut page = sqlx::query(&page_sql).bind(account_id).bind(mode.is_live());
                    for bind in &clause.binds {
                        page = match bind {
                            Bind::Text(s) => page.bind(s.clone()),
                            Bind::Int(i) => page.bind(*i),
                            Bind::Flag(b) => page.bind(*b),
                        };
                    }
                    let rows = page
                        .bind(i64::from(search.per_page))
                        .bind(i64::try_from(search.offset()).unwrap_or(i64::MAX))
                        .fetch_all(&mut *conn)
                        .await?;
                    let total = match (rows.first(), search.status_total()) {
                        (Some(row), _) if windowed => row.try_get::<i64, _>("search_total")?,
                        (None, _) if windowed && search.offset() == 0 => 0,
                        (_, Some(status)) => {
                            sqlx::query_scalar::<_, i64>($crate::store::search::STATUS_TOTAL)
                                .bind(account_id)
                                .bind(mode.is_live())
                                .bind(status)
                                .fetch_one(&mut *conn)
                                .await?
                        }
                        _ => {
                            let count_sql = format!(
                                "SELECT COUNT(*) FROM {} WHERE {}",
                                clause.from, clause.sql
                            );
                            let mut count = sqlx::query_scalar::<_, i64>(&count_sql)
                                .bind(account_id)
                                .bind(mode.is_live());
                            for bind in &clause.binds {
                                count = match bind {
                                    Bind::Text(s) => count.bind(s.clone()),
                                    Bind::Int(i) => count.bind(*i),
                                    Bind::Flag(b) => count.bind(*b),
                                };
                            }
                            count.fetch_one(&mut *conn).await?
                        }
                    };
                    Ok((rows, total.max(0) as u64))
                }
            }

            #[async_trait::async_trait]
            impl $crate::store::SearchStore for $store {
                async fn search_links(
                    &self,
                    account_id: &str,
                    mode: Mode,
                    search: &$crate::domain::search::Search,
                ) -> StoreResult<(Vec<Link>, u64)> {
                    let mut conn = self.pool().acquire().await?;
                    let (rows, total) =
                        Self::search_rows(&mut conn, account_id, mode, search, LINK_COLUMNS, "seq")
                            .await?;
                    let links = rows
                        .iter()
                        .map($crate::store::rows::link_from)
                        .collect::<StoreResult<_>>()?;
                    Ok((links, total))
                }

                async fn search_charges(
                    &self,
                    account_id: &str,
                    mode: Mode,
                    search: &$crate::domain::search::Search,
                ) -> StoreResult<(Vec<Charge>, u64)> {
                    let mut conn = self.pool().acquire().await?;
                    let (rows, total) = Self::search_rows(
                        &mut conn,
                        account_id,
                        mode,
                        search,
                        CHARGE_COLUMNS,
                        "account_seq",
                    )
                    .await?;
                    let mut charges = rows
                        .iter()
                        .map($crate::store::rows::charge_from)
                        .collect::<StoreResult<Vec<_>>>()?;
                    Self::attach_refunds(&mut conn, &mut charges).await?;
                    Ok((charges, total))
                }

                async fn index_search_queue(&self) -> StoreResult<()> {
                    let Some(sql) = Self::INDEX_QUEUED else {
                        return Ok(());
                    };
                    loop {
                        // Read first: most looks find nothing, and need no writer.
                        let queued: bool = sqlx::query_scalar($crate::store::search::SEARCH_QUEUED)
                            .fetch_one(self.pool())
                            .await?;
                        if !queued {
                            return Ok(());
                        }
                        // One batch a transaction; the writer is let go between.
                        let mut writer = self.writer().await?;
                        let mut tx = Self::begin(&mut writer).await?;
                        sqlx::query(sql).execute(&mut *tx).await?;
                        tx.commit().await?;
                        Self::touch(&mut writer, $crate::store::Touched::Nothing);
                    }
                }
            }
        };
    };
}

pub(in crate::store) use impl_search_store;
