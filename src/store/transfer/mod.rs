//! Export and import of an account, and the reset of its test mode. The
//! SQL, row decoding into records, and the checks an imported document
//! must pass are in `checks`; the glue that runs them is below and in
//! `import`.

pub(in crate::store) mod checks;
mod import;

pub(in crate::store) use import::impl_import_glue;

use super::records::{self, ExportItem, ImportOutcome, TransferError};
use super::{KeyRecord, StoreResult};
use crate::domain::{Micros, Mode};
use async_trait::async_trait;

/// What a reset deleted.
#[derive(Debug, Default, Clone, Copy, PartialEq, Eq, serde::Serialize)]
pub struct ResetCounts {
    pub links: u64,
    pub charges: u64,
    pub tokens: u64,
    pub events: u64,
    pub refunds: u64,
}

/// A reset of one account's mode (`$1` the account, `$2` the mode's
/// `livemode`), children before parents; `reset_counts` reads the counts.
pub(in crate::store) const RESET: [&str; 10] = [
    "DELETE FROM webhook_deliveries WHERE event_id IN \
     (SELECT id FROM events WHERE account_id = $1 AND livemode = $2)",
    "DELETE FROM webhook_outbox WHERE event_id IN \
     (SELECT id FROM events WHERE account_id = $1 AND livemode = $2)",
    "DELETE FROM events WHERE account_id = $1 AND livemode = $2",
    "DELETE FROM refunds WHERE account_id = $1 AND livemode = $2",
    "DELETE FROM charges WHERE account_id = $1 AND livemode = $2",
    "DELETE FROM tokens WHERE account_id = $1 AND livemode = $2",
    "DELETE FROM links WHERE account_id = $1 AND livemode = $2",
    "UPDATE charge_counters SET last_seq = 0, last_at = 0 WHERE account_id = $1 AND livemode = $2",
    "UPDATE event_counters SET last_seq = 0, last_at = 0 WHERE account_id = $1 AND livemode = $2",
    "UPDATE refund_counters SET last_seq = 0, last_at = 0 WHERE account_id = $1 AND livemode = $2",
];

/// What the statements of `RESET` deleted, by object.
pub(in crate::store) fn reset_counts(deleted: [u64; RESET.len()]) -> super::ResetCounts {
    super::ResetCounts {
        events: deleted[2],
        refunds: deleted[3],
        charges: deleted[4],
        tokens: deleted[5],
        links: deleted[6],
    }
}

/// Counts an account's charges by status, and sums them by day, afresh
/// (`$1` the account), after a bulk load that told the triggers not to.
pub(in crate::store) const RECOUNT_STATUSES: [&str; 4] = [
    "DELETE FROM charge_status_counts WHERE account_id = $1",
    "INSERT INTO charge_status_counts (account_id, livemode, status, n) \
     SELECT account_id, livemode, status, COUNT(*) FROM charges WHERE account_id = $1 \
     GROUP BY account_id, livemode, status",
    "DELETE FROM charge_day_totals WHERE account_id = $1",
    "INSERT INTO charge_day_totals (account_id, livemode, day, currency, status, n, amount) \
     SELECT account_id, livemode, created_at / 86400000000, currency, status, COUNT(*), \
     CAST(SUM(amount) AS BIGINT) FROM charges WHERE account_id = $1 \
     GROUP BY account_id, livemode, created_at / 86400000000, currency, status",
];

/// Export, import and reset.
#[async_trait]
pub trait TransferStore: Send + Sync {
    /// Deletes an account's test-mode links, charges, tokens, events and
    /// refunds (and what hangs off them) in one transaction, and restarts
    /// its test-mode sequences; live mode, settings and keys stay.
    async fn reset_test_mode(&self, account_id: &str) -> StoreResult<ResetCounts>;

    /// Hands the account's rows of `modes` to `sink` in document order
    /// (see `ExportItem`), from one consistent snapshot and one row at a
    /// time: nothing is collected, whatever the account's size. Keys,
    /// webhook secrets, the outbox and delivery attempts are not exported.
    async fn export_account(
        &self,
        account_id: &str,
        modes: &[Mode],
        sink: &mut (dyn FnMut(ExportItem) -> std::io::Result<()> + Send),
    ) -> Result<records::TransferCounts, TransferError>;

    /// Writes the items that follow `account` in a document, as `items`
    /// yields them, in one transaction committed only at `ExportItem::End`:
    /// an error in the document (an `Err` from `items`) or in its rows
    /// changes nothing. A missing account is made with `keys`; an existing
    /// one must have no rows in the document's modes.
    async fn import_account(
        &self,
        account: &records::AccountRecord,
        keys: &[KeyRecord],
        now: Micros,
        items: &mut tokio::sync::mpsc::Receiver<Result<ExportItem, String>>,
    ) -> Result<ImportOutcome, TransferError>;
}

/// Implements `TransferStore` for `$store` over the sqlx database `$db`.
macro_rules! impl_transfer_store {
    ($store:ty, $db:ty) => {
        const _: () = {
            use $crate::domain::{Micros, Mode};
            use $crate::store::dialect::Dialect as _;
            use $crate::store::{KeyRecord, StoreResult};

            #[async_trait::async_trait]
            impl $crate::store::TransferStore for $store {
                async fn reset_test_mode(
                    &self,
                    account_id: &str,
                ) -> StoreResult<$crate::store::ResetCounts> {
                    let mut writer = self.writer().await?;
                    let mut tx = Self::begin(&mut writer).await?;
                    let mut deleted = [0u64; $crate::store::transfer::RESET.len()];
                    for statement in Self::RESET_SEARCH {
                        sqlx::query(statement)
                            .bind(account_id)
                            .bind(false)
                            .execute(&mut *tx)
                            .await?;
                    }
                    for (n, statement) in deleted.iter_mut().zip($crate::store::transfer::RESET) {
                        *n = sqlx::query(statement)
                            .bind(account_id)
                            .bind(false)
                            .execute(&mut *tx)
                            .await?
                            .rows_affected();
                    }
                    tx.commit().await?;
                    Self::touch(
                        &mut writer,
                        $crate::store::Touched::Account {
                            account_id: account_id.to_owned(),
                            live: false,
                        },
                    );
                    Ok($crate::store::transfer::reset_counts(deleted))
                }

                async fn export_account(
                    &self,
                    account_id: &str,
                    modes: &[Mode],
                    sink: &mut (dyn FnMut($crate::store::ExportItem) -> std::io::Result<()> + Send),
                ) -> Result<$crate::store::records::TransferCounts, $crate::store::TransferError>
                {
                    use futures_util::TryStreamExt;
                    use $crate::store::records::{
                        ExportItem, ModeRecord, TransferCounts, TransferError,
                    };
                    use $crate::store::transfer::checks as t;
                    let mut conn = self.pool().acquire().await?;
                    // One snapshot: rows written meanwhile are all in or all out.
                    let mut tx = sqlx::Connection::begin_with(&mut *conn, Self::SNAPSHOT).await?;
                    let account = sqlx::query(t::EXPORT_ACCOUNT)
                        .bind(account_id)
                        .fetch_optional(&mut *tx)
                        .await?;
                    let Some(account) = account else {
                        return Err(TransferError::Refused(format!("no account {account_id}")));
                    };
                    sink(ExportItem::Account(t::account_record(&account)?))?;
                    let mut counts = TransferCounts::default();
                    let tables: [(
                        &str,
                        fn(&<$db as sqlx::Database>::Row) -> StoreResult<ExportItem>,
                    ); 5] = [
                        (t::EXPORT_LINKS, t::link_item),
                        (t::EXPORT_TOKENS, t::token_item),
                        (t::EXPORT_CHARGES, t::charge_item),
                        (t::EXPORT_REFUNDS, t::refund_item),
                        (t::EXPORT_EVENTS, t::event_item),
                    ];
                    for mode in modes {
                        let live = mode.is_live();
                        let settings = sqlx::query(t::EXPORT_SETTINGS)
                            .bind(account_id)
                            .bind(live)
                            .fetch_optional(&mut *tx)
                            .await?;
                        let counters = sqlx::query(t::EXPORT_COUNTERS)
                            .bind(account_id)
                            .bind(live)
                            .fetch_optional(&mut *tx)
                            .await?;
                        let head = ExportItem::Mode(ModeRecord {
                            livemode: live,
                            settings: settings.as_ref().map(t::settings_record).transpose()?,
                            counters: counters
                                .as_ref()
                                .map(t::counters_record)
                                .transpose()?
                                .unwrap_or_default(),
                        });
                        counts.add(&head);
                        sink(head)?;
                        for (sql, decode) in tables {
                            let mut rows =
                                sqlx::query(sql).bind(account_id).bind(live).fetch(&mut *tx);
                            while let Some(row) = rows.try_next().await? {
                                let item = decode(&row)?;
                                counts.add(&item);
                                sink(item)?;
                            }
                        }
                    }
                    sink(ExportItem::End)?;
                    tx.rollback().await?;
                    Ok(counts)
                }

                async fn import_account(
                    &self,
                    account: &$crate::store::records::AccountRecord,
                    keys: &[KeyRecord],
                    now: Micros,
                    items: &mut tokio::sync::mpsc::Receiver<
                        Result<$crate::store::ExportItem, String>,
                    >,
                ) -> Result<$crate::store::ImportOutcome, $crate::store::TransferError> {
                    use $crate::store::records::TransferError;
                    use $crate::store::transfer::checks::{self as t, ImportFailure};
                    let mut writer = self.writer().await?;
                    let mut tx = Self::begin(&mut writer).await?;
                    for statement in Self::BULK_LOAD {
                        sqlx::query(statement).execute(&mut *tx).await?;
                    }
                    let failure = match Self::import_rows(&mut tx, account, keys, now, items).await
                    {
                        Ok(outcome) => {
                            for statement in $crate::store::transfer::RECOUNT_STATUSES {
                                sqlx::query(statement)
                                    .bind(&account.id)
                                    .execute(&mut *tx)
                                    .await?;
                            }
                            tx.commit().await?;
                            return Ok(outcome);
                        }
                        Err(failure) => failure,
                    };
                    tx.rollback().await?;
                    drop(writer);
                    match failure {
                        ImportFailure::Transfer(e) => Err(e),
                        ImportFailure::Conflict {
                            section,
                            id,
                            detail,
                        } => {
                            let exists = sqlx::query(&format!(
                                "SELECT 1 FROM {} WHERE id = $1",
                                section.name()
                            ))
                            .bind(&id)
                            .fetch_optional(self.pool())
                            .await?
                            .is_some();
                            Err(TransferError::Refused(t::conflict_message(
                                section, &id, &detail, exists,
                            )))
                        }
                    }
                }
            }
        };
    };
}

pub(in crate::store) use impl_transfer_store;
