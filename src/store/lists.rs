//! Lists read by sequence number: a page of a numbered scope (a link's
//! charges, an account's events) is two index seeks and a range, whatever
//! the offset; the arithmetic is here as plain functions, the glue that
//! runs it on each database below.

use crate::domain::{ListWindow, Order};

/// The SQL sort direction of a list order.
pub(in crate::store) fn direction(order: Order) -> &'static str {
    match order {
        Order::Chronological => "ASC",
        Order::ReverseChronological => "DESC",
    }
}

/// `$first, $first+1, …` for `n` binds.
pub(in crate::store) fn placeholders(first: usize, n: usize) -> String {
    (first..first + n)
        .map(|i| format!("${i}"))
        .collect::<Vec<_>>()
        .join(", ")
}

/// The inclusive range of sequence numbers `[first, last]` to read for one
/// page, given the window's bounds `[lo, hi]` in the same numbering.
pub(in crate::store) fn page_range(lo: i64, hi: i64, window: &ListWindow) -> Option<(i64, i64)> {
    let offset = i64::try_from(window.offset).ok()?;
    let limit = i64::from(window.limit);
    match window.order {
        Order::Chronological => {
            let first = lo.checked_add(offset)?;
            (first <= hi).then(|| (first, hi.min(first + limit - 1)))
        }
        Order::ReverseChronological => {
            let last = hi.checked_sub(offset)?;
            (last >= lo).then(|| (lo.max(last - limit + 1), last))
        }
    }
}

/// The list glue of a store over the sqlx database `$db`: a query over
/// a scope's binds, and one page of any table numbered by sequence.
macro_rules! impl_list_glue {
    ($store:ty, $db:ty) => {
        const _: () = {
            use sqlx::Row;
            use $crate::domain::{ListWindow, Mode, Page};
            use $crate::store::StoreResult;

            impl $store {
                /// A query over a scope's binds: its ids, then the mode if any.
                fn scoped<'q>(
                    sql: &'q str,
                    binds: &[&str],
                    mode: Option<Mode>,
                ) -> sqlx::query::Query<'q, $db, <$db as sqlx::Database>::Arguments<'q>> {
                    let mut query = sqlx::query(sql);
                    for b in binds {
                        query = query.bind(b.to_string());
                    }
                    if let Some(mode) = mode {
                        query = query.bind(mode.is_live());
                    }
                    query
                }

                /// The one row a query over a scope's binds finds, if any.
                async fn one_row(
                    &self,
                    sql: &str,
                    binds: &[&str],
                    mode: Option<Mode>,
                ) -> StoreResult<Option<<$db as sqlx::Database>::Row>> {
                    Ok(Self::scoped(sql, binds, mode)
                        .fetch_optional(self.pool())
                        .await?)
                }

                /// One page of an account's rows in a mode, numbered by
                /// `account_seq`.
                async fn account_rows(
                    conn: &mut <$db as sqlx::Database>::Connection,
                    table: &str,
                    columns: &str,
                    account_id: &str,
                    mode: Mode,
                    window: &ListWindow,
                ) -> StoreResult<Page<<$db as sqlx::Database>::Row>> {
                    let scope = "account_id = $1 AND livemode = $2";
                    Self::rows_by_seq(
                        conn,
                        table,
                        columns,
                        scope,
                        "account_seq",
                        &[account_id],
                        Some(mode),
                        window,
                    )
                    .await
                }

                /// One page of a scope that has no numbering of its own (or
                /// only a few rows): counted, then read by `LIMIT` and
                /// `OFFSET` in the order of `order_by`'s columns.
                #[allow(clippy::too_many_arguments)]
                async fn counted_rows(
                    conn: &mut <$db as sqlx::Database>::Connection,
                    table: &str,
                    columns: &str,
                    scope: &str,
                    order_by: &[&str],
                    binds: &[&str],
                    mode: Option<Mode>,
                    window: &ListWindow,
                ) -> StoreResult<Page<<$db as sqlx::Database>::Row>> {
                    let (start, end) = window.created_range();
                    let n = binds.len() + usize::from(mode.is_some());
                    let scope = format!(
                        "{scope} AND created_at >= ${} AND created_at < ${}",
                        n + 1,
                        n + 2
                    );
                    let count = format!("SELECT COUNT(*) FROM {table} WHERE {scope}");
                    let total: i64 = Self::scoped(&count, binds, mode)
                        .bind(start)
                        .bind(end)
                        .fetch_one(&mut *conn)
                        .await?
                        .try_get(0)?;
                    let direction = $crate::store::lists::direction(window.order);
                    let order = order_by
                        .iter()
                        .map(|column| format!("{column} {direction}"))
                        .collect::<Vec<_>>()
                        .join(", ");
                    let page = format!(
                        "SELECT {columns} FROM {table} WHERE {scope} ORDER BY {order} \
                         LIMIT ${} OFFSET ${}",
                        n + 3,
                        n + 4
                    );
                    let rows = Self::scoped(&page, binds, mode)
                        .bind(start)
                        .bind(end)
                        .bind(i64::from(window.limit))
                        .bind(i64::try_from(window.offset).unwrap_or(i64::MAX))
                        .fetch_all(&mut *conn)
                        .await?;
                    Ok(Page {
                        data: rows,
                        total: total.max(0) as u64,
                        window: *window,
                    })
                }

                /// The sequence number the query finds at `at`, if any.
                async fn seq_at(
                    conn: &mut <$db as sqlx::Database>::Connection,
                    sql: &str,
                    binds: &[&str],
                    mode: Option<Mode>,
                    at: i64,
                ) -> StoreResult<Option<i64>> {
                    let row = Self::scoped(sql, binds, mode)
                        .bind(at)
                        .fetch_optional(conn)
                        .await?;
                    Ok(row.map(|r| r.try_get(0)).transpose()?)
                }

                /// One page of any table numbered by sequence (per link, or
                /// per account and mode): two index seeks find the window's
                /// first and last numbers, so `total` is a difference and
                /// `offset` a seek, whatever the size.
                #[allow(clippy::too_many_arguments)]
                async fn rows_by_seq(
                    conn: &mut <$db as sqlx::Database>::Connection,
                    table: &str,
                    columns: &str,
                    scope: &str,
                    seq: &str,
                    binds: &[&str],
                    mode: Option<Mode>,
                    window: &ListWindow,
                ) -> StoreResult<Page<<$db as sqlx::Database>::Row>> {
                    let (start, end) = window.created_range();
                    let n = binds.len() + usize::from(mode.is_some());
                    // The first number at or after the window's start, and
                    // the last one before its end.
                    let edge = |bound: &str, way: &str| {
                        format!(
                            "SELECT {seq} FROM {table} WHERE {scope} AND created_at {bound} ${} \
                             ORDER BY created_at {way}, {seq} {way} LIMIT 1",
                            n + 1
                        )
                    };
                    let lo =
                        Self::seq_at(&mut *conn, &edge(">=", "ASC"), binds, mode, start).await?;
                    let hi = Self::seq_at(&mut *conn, &edge("<", "DESC"), binds, mode, end).await?;
                    let (lo, hi) = match (lo, hi) {
                        (Some(lo), Some(hi)) if lo <= hi => (lo, hi),
                        _ => {
                            return Ok(Page {
                                data: vec![],
                                total: 0,
                                window: *window,
                            });
                        }
                    };
                    let total = (hi - lo + 1) as u64;
                    let Some((first, last)) = $crate::store::lists::page_range(lo, hi, window)
                    else {
                        return Ok(Page {
                            data: vec![],
                            total,
                            window: *window,
                        });
                    };
                    let direction = $crate::store::lists::direction(window.order);
                    let page_sql = format!(
                        "SELECT {columns} FROM {table} WHERE {scope} AND {seq} BETWEEN ${} AND ${} \
                         ORDER BY {seq} {direction}",
                        n + 1,
                        n + 2
                    );
                    let rows = Self::scoped(&page_sql, binds, mode)
                        .bind(first)
                        .bind(last)
                        .fetch_all(&mut *conn)
                        .await?;
                    Ok(Page {
                        data: rows,
                        total,
                        window: *window,
                    })
                }
            }
        };
    };
}

pub(in crate::store) use impl_list_glue;

#[cfg(test)]
mod tests {
    use super::*;

    fn window(offset: u64, limit: u32, order: Order) -> ListWindow {
        ListWindow {
            limit,
            offset,
            order,
            from: 0,
            to: 0,
        }
    }

    #[test]
    fn page_ranges_in_both_orders() {
        let chrono = |o, l| page_range(11, 30, &window(o, l, Order::Chronological));
        assert_eq!(chrono(0, 20), Some((11, 30)));
        assert_eq!(chrono(5, 10), Some((16, 25)));
        assert_eq!(chrono(19, 10), Some((30, 30)));
        assert_eq!(chrono(20, 10), None);
        assert_eq!(chrono(u64::MAX, 10), None);
        let reverse = |o, l| page_range(11, 30, &window(o, l, Order::ReverseChronological));
        assert_eq!(reverse(0, 5), Some((26, 30)));
        assert_eq!(reverse(18, 5), Some((11, 12)));
        assert_eq!(reverse(20, 5), None);
    }
}
