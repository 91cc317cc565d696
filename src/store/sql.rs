//! What the SQLite and PostgreSQL stores share: row decoding, page
//! arithmetic, and the SQL of every operation (written once, in
//! `impl_sql_store!`, with `$N` placeholders both databases accept).

use super::{StoreError, StoreResult};
use crate::domain::card::{FailureCode, Outcome};
use crate::domain::charge::StoredCard;
use crate::domain::{ListWindow, Order};

pub(super) const LINK_COLUMNS: &str = "id, account_id, livemode, amount, currency, title, description, \
     multiple, used_at, deleted_at, created_at";
pub(super) const CHARGE_COLUMNS: &str = "id, account_id, livemode, link_id, amount, currency, description, \
     failure_code, card, ip, created_at";

pub(super) fn corrupt(what: &str) -> StoreError {
    StoreError::Corrupt(what.to_owned())
}

pub(super) fn card_from_json(json: &str) -> StoreResult<StoredCard> {
    serde_json::from_str(json).map_err(|_| corrupt("card"))
}

pub(super) fn outcome_from_code(code: Option<String>) -> StoreResult<Outcome> {
    match code {
        None => Ok(Outcome::Success),
        Some(code) => FailureCode::parse(&code)
            .map(Outcome::Decline)
            .ok_or_else(|| corrupt("failure code")),
    }
}

/// The charge a payment of `link` made, as both ways of paying return it.
pub(super) fn paid_charge(
    payment: &super::Payment,
    link: &crate::domain::link::Link,
    status: crate::domain::charge::ChargeStatus,
    card: StoredCard,
    created_at: crate::domain::Micros,
) -> crate::domain::charge::Charge {
    crate::domain::charge::Charge {
        id: payment.charge_id.clone(),
        account_id: link.account_id.clone(),
        mode: link.mode,
        link_id: link.id.clone(),
        amount: link.amount,
        currency: link.currency,
        description: crate::domain::charge::describe(&link.title, &link.description),
        status,
        card,
        ip: payment.ip.clone(),
        created_at,
    }
}

/// The inclusive range of sequence numbers `[first, last]` to read for one
/// page, given the window's bounds `[lo, hi]` in the same numbering.
pub(super) fn page_range(lo: i64, hi: i64, window: &ListWindow) -> Option<(i64, i64)> {
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

pub(super) fn outcome_code(outcome: Outcome) -> Option<&'static str> {
    match outcome {
        Outcome::Success => None,
        Outcome::Decline(code) => Some(code.code()),
    }
}

/// Implements `Store` for `$store` over the sqlx database `$db`. The store
/// type provides `writer()` (the connection writes go through, held for the
/// write's whole life), `begin()` (a transaction on it), `pay()` (paying a
/// link: `pay_in_steps()` or a way of the database's own), `GREATEST` (the SQL name of the two-argument maximum)
/// and `change_token()`; everything else is the same SQL on every database.
macro_rules! impl_sql_store {
    ($store:ty, $db:ty) => {
        use $crate::domain::charge::{Charge, ChargeStatus, PayRefusal, Token};
        use $crate::domain::card::FailureCode;
        use $crate::domain::link::Link;
        use $crate::domain::money::Currency;
        use $crate::domain::{ListWindow, Micros, Mode, Order, Page};
        use $crate::store::sql::{CHARGE_COLUMNS, LINK_COLUMNS};
        use $crate::store::{KeyKind, KeyRecord, Payment, Principal, StoreResult};
        use sqlx::Row;

        impl $store {
            fn link_from_row(row: &<$db as sqlx::Database>::Row) -> StoreResult<Link> {
                let currency: String = row.try_get("currency")?;
                Ok(Link {
                    id: row.try_get("id")?,
                    account_id: row.try_get("account_id")?,
                    mode: Mode::from_live(row.try_get("livemode")?),
                    amount: row.try_get("amount")?,
                    currency: Currency::parse(&currency).map_err(|_| $crate::store::sql::corrupt("link currency"))?,
                    title: row.try_get("title")?,
                    description: row.try_get("description")?,
                    multiple: row.try_get("multiple")?,
                    used_at: row.try_get("used_at")?,
                    deleted_at: row.try_get("deleted_at")?,
                    created_at: row.try_get("created_at")?,
                })
            }


            fn charge_from_row(row: &<$db as sqlx::Database>::Row) -> StoreResult<Charge> {
                let currency: String = row.try_get("currency")?;
                let card: String = row.try_get("card")?;
                Ok(Charge {
                    id: row.try_get("id")?,
                    account_id: row.try_get("account_id")?,
                    mode: Mode::from_live(row.try_get("livemode")?),
                    link_id: row.try_get("link_id")?,
                    amount: row.try_get("amount")?,
                    currency: Currency::parse(&currency).map_err(|_| $crate::store::sql::corrupt("charge currency"))?,
                    description: row.try_get("description")?,
                    status: ChargeStatus::from_outcome($crate::store::sql::outcome_from_code(row.try_get("failure_code")?)?),
                    card: $crate::store::sql::card_from_json(&card)?,
                    ip: row.try_get("ip")?,
                    created_at: row.try_get("created_at")?,
                })
            }


            fn token_from_row(row: &<$db as sqlx::Database>::Row) -> StoreResult<Token> {
                let card: String = row.try_get("card")?;
                Ok(Token {
                    id: row.try_get("id")?,
                    account_id: row.try_get("account_id")?,
                    mode: Mode::from_live(row.try_get("livemode")?),
                    card: $crate::store::sql::card_from_json(&card)?,
                    outcome: $crate::store::sql::outcome_from_code(row.try_get("outcome")?)?,
                    used: row.try_get("used")?,
                    created_at: row.try_get("created_at")?,
                })
            }

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
                let (start, end) = window.created_range();
                let n = binds.len() + usize::from(mode.is_some());
                let lo_sql = format!(
                    "SELECT {seq} FROM charges WHERE {scope} AND created_at >= ${} \
                     ORDER BY created_at, {seq} LIMIT 1",
                    n + 1
                );
                let lo: Option<i64> = Self::scoped(&lo_sql, binds, mode)
                    .bind(start)
                    .fetch_optional(&mut *conn)
                    .await?
                    .map(|r| r.try_get(0))
                    .transpose()?;
                let hi_sql = format!(
                    "SELECT {seq} FROM charges WHERE {scope} AND created_at < ${} \
                     ORDER BY created_at DESC, {seq} DESC LIMIT 1",
                    n + 1
                );
                let hi: Option<i64> = Self::scoped(&hi_sql, binds, mode)
                    .bind(end)
                    .fetch_optional(&mut *conn)
                    .await?
                    .map(|r| r.try_get(0))
                    .transpose()?;
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
                let Some((first, last)) = $crate::store::sql::page_range(lo, hi, window) else {
                    return Ok(Page {
                        data: vec![],
                        total,
                        window: *window,
                    });
                };
                let direction = match window.order {
                    Order::Chronological => "ASC",
                    Order::ReverseChronological => "DESC",
                };
                let page_sql = format!(
                    "SELECT {CHARGE_COLUMNS} FROM charges WHERE {scope} AND {seq} BETWEEN ${} AND ${} \
                     ORDER BY {seq} {direction}",
                    n + 1,
                    n + 2
                );
                let rows = Self::scoped(&page_sql, binds, mode)
                    .bind(first)
                    .bind(last)
                    .fetch_all(&mut *conn)
                    .await?;
                let data = rows
                    .iter()
                    .map(Self::charge_from_row)
                    .collect::<StoreResult<_>>()?;
                Ok(Page {
                    data,
                    total,
                    window: *window,
                })
            }


            /// Pays in four statements, each of which takes what it checks, so
            /// a refusal costs nothing but a rollback; why it was refused is
            /// worked out afterwards, outside the write lock.
            #[allow(dead_code, reason = "a store may pay its own way")]
            async fn pay_in_steps(&self, payment: &Payment) -> StoreResult<Result<Charge, PayRefusal>> {
                let mut writer = self.writer().await?;
                let mut tx = <$store>::begin(&mut writer).await?;
                let scope = "(SELECT account_id FROM links WHERE id = $2) \
                     AND livemode = (SELECT livemode FROM links WHERE id = $2)";
                let token = sqlx::query(&format!(
                    "UPDATE tokens SET used = TRUE \
                     WHERE id = $1 AND used = FALSE AND account_id = {scope} \
                     RETURNING card, outcome"
                ))
                .bind(&payment.token_id)
                .bind(&payment.link_id)
                .fetch_optional(&mut *tx)
                .await?;
                let Some(token) = token else {
                    // Roll back before the writer is let go: a dropped transaction
                    // would keep SQLite's lock until its connection is next used.
                    tx.rollback().await?;
                    drop(writer);
                    return Ok(Err(self.refusal(payment).await?));
                };
                let card: String = token.try_get("card")?;
                let card = $crate::store::sql::card_from_json(&card)?;
                let outcome = $crate::store::sql::outcome_from_code(token.try_get("outcome")?)?;
                let status = ChargeStatus::from_outcome(outcome);
                // The counter row orders all charges of the account and mode: the
                // time never goes backwards, so sequence order is time order.
                let counter_sql = format!(
                    "UPDATE charge_counters SET last_seq = last_seq + 1, last_at = {}(last_at, $1) \
                     WHERE account_id = {scope} RETURNING last_seq, last_at",
                    <$store>::GREATEST
                );
                let counter = sqlx::query(&counter_sql)
                    .bind(payment.now)
                    .bind(&payment.link_id)
                    .fetch_one(&mut *tx)
                    .await?;
                let account_seq: i64 = counter.try_get("last_seq")?;
                let created_at: i64 = counter.try_get("last_at")?;
                // Exactly once: only an unused, undeleted link is updated, and
                // on PostgreSQL a concurrent payer's update is waited for and
                // this condition checked again after it commits.
                let claimed_link = sqlx::query(&format!(
                    "UPDATE links SET charge_count = charge_count + 1, \
                     used_at = CASE WHEN $2 AND NOT multiple THEN $3 ELSE used_at END \
                     WHERE id = $1 AND used_at IS NULL AND deleted_at IS NULL \
                     RETURNING {LINK_COLUMNS}, charge_count"
                ))
                .bind(&payment.link_id)
                .bind(status.paid())
                .bind(created_at)
                .fetch_optional(&mut *tx)
                .await?;
                let Some(claimed_link) = claimed_link else {
                    // Roll back before the writer is let go: a dropped transaction
                    // would keep SQLite's lock until its connection is next used.
                    tx.rollback().await?;
                    drop(writer);
                    return Ok(Err(self.refusal(payment).await?));
                };
                let link = Self::link_from_row(&claimed_link)?;
                let link_seq: i64 = claimed_link.try_get("charge_count")?;
                let charge = $crate::store::sql::paid_charge(payment, &link, status, card, created_at);
                let card = serde_json::to_string(&charge.card).map_err(|_| $crate::store::sql::corrupt("card"))?;
                sqlx::query(
                    "INSERT INTO charges (id, account_id, livemode, account_seq, link_id, link_seq, \
                     token_id, amount, currency, description, failure_code, card, ip, created_at) \
                     VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14)",
                )
                .bind(&charge.id)
                .bind(&charge.account_id)
                .bind(charge.mode.is_live())
                .bind(account_seq)
                .bind(&charge.link_id)
                .bind(link_seq)
                .bind(&payment.token_id)
                .bind(charge.amount)
                .bind(charge.currency.code())
                .bind(&charge.description)
                .bind(charge.status.failure().map(FailureCode::code))
                .bind(card)
                .bind(&charge.ip)
                .bind(charge.created_at)
                .execute(&mut *tx)
                .await?;
                tx.commit().await?;
                Ok(Ok(charge))
            }

            /// Why a payment was refused, read after its transaction rolled
            /// back: the link's state first, then the token's.
            async fn refusal(&self, payment: &Payment) -> StoreResult<PayRefusal> {
                let link = sqlx::query(&format!("SELECT {LINK_COLUMNS} FROM links WHERE id = $1"))
                    .bind(&payment.link_id)
                    .fetch_optional(&self.pool)
                    .await?;
                let Some(link) = link.as_ref().map(Self::link_from_row).transpose()? else {
                    return Ok(PayRefusal::LinkUnavailable);
                };
                if link.deleted() {
                    return Ok(PayRefusal::LinkUnavailable);
                }
                if link.used() {
                    return Ok(PayRefusal::LinkUsed);
                }
                let used: Option<bool> = sqlx::query_scalar(
                    "SELECT used FROM tokens WHERE id = $1 AND account_id = $2 AND livemode = $3",
                )
                .bind(&payment.token_id)
                .bind(&link.account_id)
                .bind(link.mode.is_live())
                .fetch_optional(&self.pool)
                .await?;
                Ok(match used {
                    None => PayRefusal::TokenNotFound,
                    Some(_) => PayRefusal::TokenUsed,
                })
            }

            async fn insert_keys(
                tx: &mut sqlx::Transaction<'_, $db>,
                account_id: &str,
                keys: &[KeyRecord],
                now: Micros,
            ) -> StoreResult<()> {
                for key in keys {
                    sqlx::query(
                        "INSERT INTO api_keys (key_hash, account_id, kind, livemode, created_at) \
                         VALUES ($1, $2, $3, $4, $5)",
                    )
                    .bind(&key.hash)
                    .bind(account_id)
                    .bind(key.kind.as_str())
                    .bind(key.mode.is_live())
                    .bind(now)
                    .execute(&mut **tx)
                    .await?;
                }
                Ok(())
            }


        }

        #[async_trait::async_trait]
        impl $crate::store::Store for $store {
            fn change_token(&self) -> Option<$crate::store::ChangeToken> {
                <$store>::change_token(self)
            }

            async fn ping(&self) -> StoreResult<()> {
                sqlx::query("SELECT 1").execute(&self.pool).await?;
                Ok(())
            }

            async fn account_count(&self) -> StoreResult<u64> {
                let n: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM accounts")
                    .fetch_one(&self.pool)
                    .await?;
                Ok(n as u64)
            }

            async fn create_account(&self, id: &str, keys: &[KeyRecord], now: Micros) -> StoreResult<()> {
                let mut writer = self.writer().await?;
                let mut tx = <$store>::begin(&mut writer).await?;
                sqlx::query("INSERT INTO accounts (id, created_at) VALUES ($1, $2)")
                    .bind(id)
                    .bind(now)
                    .execute(&mut *tx)
                    .await?;
                for live in [false, true] {
                    sqlx::query("INSERT INTO charge_counters (account_id, livemode) VALUES ($1, $2)")
                        .bind(id)
                        .bind(live)
                        .execute(&mut *tx)
                        .await?;
                }
                Self::insert_keys(&mut tx, id, keys, now).await?;
                tx.commit().await?;
                Ok(())
            }

            async fn replace_keys(
                &self,
                account_id: &str,
                keys: &[KeyRecord],
                now: Micros,
            ) -> StoreResult<bool> {
                let mut writer = self.writer().await?;
                let mut tx = <$store>::begin(&mut writer).await?;
                let exists = sqlx::query("SELECT 1 FROM accounts WHERE id = $1")
                    .bind(account_id)
                    .fetch_optional(&mut *tx)
                    .await?
                    .is_some();
                if !exists {
                    return Ok(false);
                }
                sqlx::query("DELETE FROM api_keys WHERE account_id = $1")
                    .bind(account_id)
                    .execute(&mut *tx)
                    .await?;
                Self::insert_keys(&mut tx, account_id, keys, now).await?;
                tx.commit().await?;
                Ok(true)
            }

            async fn principal(&self, key_hash: &str) -> StoreResult<Option<Principal>> {
                let row =
                    sqlx::query("SELECT account_id, kind, livemode FROM api_keys WHERE key_hash = $1")
                        .bind(key_hash)
                        .fetch_optional(&self.pool)
                        .await?;
                let Some(row) = row else { return Ok(None) };
                let kind: String = row.try_get("kind")?;
                Ok(Some(Principal {
                    account_id: row.try_get("account_id")?,
                    kind: match kind.as_str() {
                        "public" => KeyKind::Public,
                        "secret" => KeyKind::Secret,
                        _ => return Err($crate::store::sql::corrupt("key kind")),
                    },
                    mode: Mode::from_live(row.try_get("livemode")?),
                }))
            }

            async fn insert_link(&self, link: &Link) -> StoreResult<()> {
                // One statement commits by itself, on the writer's connection.
                let mut writer = self.writer().await?;
                sqlx::query(
                    "INSERT INTO links (id, account_id, livemode, amount, currency, title, description, \
                     multiple, created_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)",
                )
                .bind(&link.id)
                .bind(&link.account_id)
                .bind(link.mode.is_live())
                .bind(link.amount)
                .bind(link.currency.code())
                .bind(&link.title)
                .bind(&link.description)
                .bind(link.multiple)
                .bind(link.created_at)
                .execute(&mut *writer)
                .await?;
                Ok(())
            }

            async fn link(&self, account_id: &str, mode: Mode, id: &str) -> StoreResult<Option<Link>> {
                let row = sqlx::query(&format!(
                    "SELECT {LINK_COLUMNS} FROM links WHERE id = $1 AND account_id = $2 AND livemode = $3"
                ))
                .bind(id)
                .bind(account_id)
                .bind(mode.is_live())
                .fetch_optional(&self.pool)
                .await?;
                row.as_ref().map(Self::link_from_row).transpose()
            }

            async fn link_by_id(&self, id: &str) -> StoreResult<Option<Link>> {
                let row = sqlx::query(&format!("SELECT {LINK_COLUMNS} FROM links WHERE id = $1"))
                    .bind(id)
                    .fetch_optional(&self.pool)
                    .await?;
                row.as_ref().map(Self::link_from_row).transpose()
            }

            async fn links_page(
                &self,
                account_id: &str,
                mode: Mode,
                window: &ListWindow,
            ) -> StoreResult<Page<Link>> {
                let (start, end) = window.created_range();
                let scope = "account_id = $1 AND livemode = $2 AND deleted_at IS NULL \
                             AND created_at >= $3 AND created_at < $4";
                let mut conn = self.pool.acquire().await?;
                let total: i64 = sqlx::query_scalar(&format!("SELECT COUNT(*) FROM links WHERE {scope}"))
                    .bind(account_id)
                    .bind(mode.is_live())
                    .bind(start)
                    .bind(end)
                    .fetch_one(&mut *conn)
                    .await?;
                let direction = match window.order {
                    Order::Chronological => "ASC",
                    Order::ReverseChronological => "DESC",
                };
                let rows = sqlx::query(&format!(
                    "SELECT {LINK_COLUMNS} FROM links WHERE {scope} \
                     ORDER BY created_at {direction}, seq {direction} LIMIT $5 OFFSET $6"
                ))
                .bind(account_id)
                .bind(mode.is_live())
                .bind(start)
                .bind(end)
                .bind(i64::from(window.limit))
                .bind(i64::try_from(window.offset).unwrap_or(i64::MAX))
                .fetch_all(&mut *conn)
                .await?;
                Ok(Page {
                    data: rows.iter().map(Self::link_from_row).collect::<StoreResult<_>>()?,
                    total: total as u64,
                    window: *window,
                })
            }

            async fn delete_link(
                &self,
                account_id: &str,
                mode: Mode,
                id: &str,
                now: Micros,
            ) -> StoreResult<Option<Link>> {
                // One statement commits by itself, on the writer's connection.
                let mut writer = self.writer().await?;
                // Deleting twice keeps the first time: the update only sets it once.
                let row = sqlx::query(&format!(
                    "UPDATE links SET deleted_at = COALESCE(deleted_at, $4) \
                     WHERE id = $1 AND account_id = $2 AND livemode = $3 RETURNING {LINK_COLUMNS}"
                ))
                .bind(id)
                .bind(account_id)
                .bind(mode.is_live())
                .bind(now)
                .fetch_optional(&mut *writer)
                .await?;
                row.as_ref().map(Self::link_from_row).transpose()
            }

            async fn insert_token(&self, token: &Token) -> StoreResult<()> {
                let card = serde_json::to_string(&token.card).map_err(|_| $crate::store::sql::corrupt("card"))?;
                // One statement commits by itself, on the writer's connection.
                let mut writer = self.writer().await?;
                sqlx::query(
                    "INSERT INTO tokens (id, account_id, livemode, card, outcome, used, created_at) \
                     VALUES ($1, $2, $3, $4, $5, $6, $7)",
                )
                .bind(&token.id)
                .bind(&token.account_id)
                .bind(token.mode.is_live())
                .bind(card)
                .bind($crate::store::sql::outcome_code(token.outcome))
                .bind(token.used)
                .bind(token.created_at)
                .execute(&mut *writer)
                .await?;
                Ok(())
            }

            async fn token(&self, account_id: &str, mode: Mode, id: &str) -> StoreResult<Option<Token>> {
                let row = sqlx::query(
                    "SELECT id, account_id, livemode, card, outcome, used, created_at FROM tokens \
                     WHERE id = $1 AND account_id = $2 AND livemode = $3",
                )
                .bind(id)
                .bind(account_id)
                .bind(mode.is_live())
                .fetch_optional(&self.pool)
                .await?;
                row.as_ref().map(Self::token_from_row).transpose()
            }

            async fn pay_link(&self, payment: &Payment) -> StoreResult<Result<Charge, PayRefusal>> {
                self.pay(payment).await
            }

            async fn charge(&self, account_id: &str, mode: Mode, id: &str) -> StoreResult<Option<Charge>> {
                let row = sqlx::query(&format!(
                    "SELECT {CHARGE_COLUMNS} FROM charges \
                     WHERE id = $1 AND account_id = $2 AND livemode = $3"
                ))
                .bind(id)
                .bind(account_id)
                .bind(mode.is_live())
                .fetch_optional(&self.pool)
                .await?;
                row.as_ref().map(Self::charge_from_row).transpose()
            }

            async fn charge_by_id(&self, id: &str) -> StoreResult<Option<Charge>> {
                let row = sqlx::query(&format!(
                    "SELECT {CHARGE_COLUMNS} FROM charges WHERE id = $1"
                ))
                .bind(id)
                .fetch_optional(&self.pool)
                .await?;
                row.as_ref().map(Self::charge_from_row).transpose()
            }

            async fn links_charges(
                &self,
                link_ids: &[&str],
                window: &ListWindow,
            ) -> StoreResult<Vec<Page<Charge>>> {
                let mut conn = self.pool.acquire().await?;
                let mut pages = Vec::with_capacity(link_ids.len());
                for link_id in link_ids {
                    pages.push(
                        Self::charges_by_seq(&mut conn, "link_id = $1", "link_seq", &[link_id], None, window)
                            .await?,
                    );
                }
                Ok(pages)
            }

            async fn link_charges(&self, link_id: &str, window: &ListWindow) -> StoreResult<Page<Charge>> {
                let mut conn = self.pool.acquire().await?;
                Self::charges_by_seq(
                    &mut conn,
                    "link_id = $1",
                    "link_seq",
                    &[link_id],
                    None,
                    window,
                )
                .await
            }

            async fn account_charges(
                &self,
                account_id: &str,
                mode: Mode,
                window: &ListWindow,
            ) -> StoreResult<Page<Charge>> {
                let mut conn = self.pool.acquire().await?;
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
        }


    };
}

pub(super) use impl_sql_store;

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
