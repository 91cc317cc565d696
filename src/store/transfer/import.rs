//! The glue of an import: its rows in the order a document gives them.

/// The import glue of a store over the sqlx database `$db`.
macro_rules! impl_import_glue {
    ($store:ty, $db:ty) => {
        const _: () = {
            use $crate::domain::{Micros, Mode};
            use $crate::store::KeyRecord;

            impl $store {
                /// The rows of an import after its account, in `tx`; see
                /// `Store::import_account`.
                async fn import_rows(
                    tx: &mut sqlx::Transaction<'_, $db>,
                    account: &$crate::store::records::AccountRecord,
                    keys: &[KeyRecord],
                    now: Micros,
                    items: &mut tokio::sync::mpsc::Receiver<
                        Result<$crate::store::ExportItem, String>,
                    >,
                ) -> Result<
                    $crate::store::ImportOutcome,
                    $crate::store::transfer::checks::ImportFailure,
                > {
                    use $crate::store::records::{ExportItem, TransferCounts, TransferError};
                    use $crate::store::transfer::checks::{self as t, ModeImport};
                    let refused = |m: String| t::ImportFailure::Transfer(TransferError::Refused(m));
                    let exists = Self::account_exists(tx, &account.id).await?;
                    if !exists {
                        t::check_account_id(&account.id)?;
                        sqlx::query(t::IMPORT_ACCOUNT)
                            .bind(&account.id)
                            .bind(account.created_at)
                            .bind(&account.display_name)
                            .execute(&mut **tx)
                            .await?;
                        for live in [false, true] {
                            for sql in t::IMPORT_COUNTER_ROWS {
                                sqlx::query(sql)
                                    .bind(&account.id)
                                    .bind(live)
                                    .execute(&mut **tx)
                                    .await?;
                            }
                        }
                        Self::insert_keys(tx, &account.id, keys, now).await?;
                    }
                    let mut counts = TransferCounts::default();
                    let mut open: Option<ModeImport> = None;
                    let mut seen: Vec<Mode> = vec![];
                    loop {
                        let item = match items.recv().await {
                            Some(Ok(item)) => item,
                            Some(Err(message)) => return Err(refused(message)),
                            None => {
                                return Err(refused("the document ended before its end".into()));
                            }
                        };
                        counts.add(&item);
                        match item {
                            ExportItem::Account(_) => {
                                return Err(refused("a document holds one account".into()));
                            }
                            ExportItem::Mode(head) => {
                                if let Some(done) = open.take() {
                                    Self::finish_mode(tx, &account.id, &done).await?;
                                }
                                let mode = head.mode();
                                if seen.contains(&mode) {
                                    return Err(refused(format!(
                                        "{} mode is in the document twice",
                                        t::mode_name(mode)
                                    )));
                                }
                                seen.push(mode);
                                if exists {
                                    Self::check_mode_empty(tx, &account.id, mode).await?;
                                }
                                if let Some(settings) = &head.settings {
                                    sqlx::query(t::IMPORT_SETTINGS)
                                        .bind(&account.id)
                                        .bind(mode.is_live())
                                        .bind(&settings.webhook_uri)
                                        .bind(&settings.api_version)
                                        .bind($crate::domain::event::new_webhook_secret())
                                        .execute(&mut **tx)
                                        .await?;
                                }
                                open = Some(ModeImport::new(head));
                            }
                            ExportItem::End => {
                                if let Some(done) = open.take() {
                                    Self::finish_mode(tx, &account.id, &done).await?;
                                }
                                return Ok($crate::store::ImportOutcome {
                                    created: !exists,
                                    counts,
                                });
                            }
                            row => {
                                let Some(mode) = open.as_mut() else {
                                    return Err(refused("rows come before their mode".into()));
                                };
                                mode.accept(&row)?;
                                Self::import_row(tx, &account.id, mode.mode(), row).await?;
                            }
                        }
                    }
                }

                /// Writes one row of a mode; a row that refers to another one
                /// not among the mode's rows is refused.
                async fn import_row(
                    tx: &mut sqlx::Transaction<'_, $db>,
                    account_id: &str,
                    mode: Mode,
                    row: $crate::store::ExportItem,
                ) -> Result<(), $crate::store::transfer::checks::ImportFailure> {
                    use $crate::store::records::{ExportItem, Section, TransferError};
                    use $crate::store::transfer::checks::{self as t, ImportFailure};
                    let live = mode.is_live();
                    let (section, id, missing, done) = match &row {
                        ExportItem::Link(l) => (
                            Section::Links,
                            &l.id,
                            None,
                            sqlx::query(t::IMPORT_LINK)
                                .bind(account_id)
                                .bind(live)
                                .bind(&l.id)
                                .bind(l.amount)
                                .bind(&l.currency)
                                .bind(&l.title)
                                .bind(&l.description)
                                .bind(l.multiple)
                                .bind(l.charge_count)
                                .bind(l.used_at)
                                .bind(l.deleted_at)
                                .bind(l.created_at)
                                .bind(&l.pending_charge_id)
                                .execute(&mut **tx)
                                .await,
                        ),
                        ExportItem::Token(k) => (
                            Section::Tokens,
                            &k.id,
                            None,
                            sqlx::query(t::IMPORT_TOKEN)
                                .bind(account_id)
                                .bind(live)
                                .bind(&k.id)
                                .bind(&k.card)
                                .bind(&k.outcome)
                                .bind(k.used)
                                .bind(k.created_at)
                                .execute(&mut **tx)
                                .await,
                        ),
                        ExportItem::Charge(c) => (
                            Section::Charges,
                            &c.id,
                            Some(format!(
                                "its link {} or its token {}",
                                c.link_id, c.token_id
                            )),
                            sqlx::query(t::IMPORT_CHARGE)
                                .bind(account_id)
                                .bind(live)
                                .bind(&c.id)
                                .bind(c.account_seq)
                                .bind(&c.link_id)
                                .bind(c.link_seq)
                                .bind(&c.token_id)
                                .bind(c.amount)
                                .bind(&c.currency)
                                .bind(&c.description)
                                .bind(&c.status)
                                .bind(&c.failure_code)
                                .bind(&c.failure_message)
                                .bind(&c.card)
                                .bind(&c.ip)
                                .bind(c.created_at)
                                .bind(c.refunded_amount)
                                .bind(c.refund_count)
                                .bind(c.authorize)
                                .bind(c.authorize_expires_at)
                                .bind(c.completed_at)
                                .execute(&mut **tx)
                                .await,
                        ),
                        ExportItem::Refund(r) => (
                            Section::Refunds,
                            &r.id,
                            Some(format!("its charge {}", r.charge_id)),
                            sqlx::query(t::IMPORT_REFUND)
                                .bind(account_id)
                                .bind(live)
                                .bind(&r.id)
                                .bind(r.account_seq)
                                .bind(&r.charge_id)
                                .bind(r.charge_seq)
                                .bind(r.amount)
                                .bind(&r.currency)
                                .bind(&r.metadata)
                                .bind(r.created_at)
                                .execute(&mut **tx)
                                .await,
                        ),
                        ExportItem::Event(e) => (
                            Section::Events,
                            &e.id,
                            e.charge_id.as_ref().map(|c| format!("its charge {c}")),
                            sqlx::query(t::IMPORT_EVENT)
                                .bind(account_id)
                                .bind(live)
                                .bind(&e.id)
                                .bind(e.account_seq)
                                .bind(&e.key)
                                .bind(&e.charge_id)
                                .bind(&e.data)
                                .bind(e.created_at)
                                .execute(&mut **tx)
                                .await,
                        ),
                        ExportItem::Account(_) | ExportItem::Mode(_) | ExportItem::End => {
                            return Ok(());
                        }
                    };
                    let done = done.map_err(|e| ImportFailure::insert(section, id, e))?;
                    if done.rows_affected() == 1 {
                        return Ok(());
                    }
                    Err(ImportFailure::Transfer(TransferError::Refused(format!(
                        "{} {id} refers to {}, which is not among the document's {} of {} mode",
                        t::noun(section),
                        missing.unwrap_or_default(),
                        if section == Section::Charges {
                            "links and tokens"
                        } else {
                            "charges"
                        },
                        t::mode_name(mode),
                    ))))
                }

                /// An existing account takes an import only into a mode with
                /// no rows.
                async fn check_mode_empty(
                    tx: &mut sqlx::Transaction<'_, $db>,
                    account_id: &str,
                    mode: Mode,
                ) -> Result<(), $crate::store::transfer::checks::ImportFailure> {
                    use $crate::store::records::{Section, TransferError};
                    let mut found = vec![];
                    for section in Section::ALL {
                        let has: bool = sqlx::query_scalar(
                            &$crate::store::transfer::checks::has_rows_sql(section),
                        )
                        .bind(account_id)
                        .bind(mode.is_live())
                        .fetch_one(&mut **tx)
                        .await?;
                        if has {
                            found.push(section.name());
                        }
                    }
                    if found.is_empty() {
                        return Ok(());
                    }
                    Err(TransferError::Refused(format!(
                        "account {account_id} already has {} in {} mode: an import goes only into a \
                         new account, or a mode of one without links, tokens, charges, refunds or events",
                        found.join(", "),
                        $crate::store::transfer::checks::mode_name(mode)
                    ))
                    .into())
                }

                /// The end of a mode: its counters, and what only all its rows
                /// together can show.
                async fn finish_mode(
                    tx: &mut sqlx::Transaction<'_, $db>,
                    account_id: &str,
                    done: &$crate::store::transfer::checks::ModeImport,
                ) -> Result<(), $crate::store::transfer::checks::ImportFailure> {
                    use $crate::store::records::TransferError;
                    use $crate::store::transfer::checks as t;
                    done.check_counters()?;
                    let live = done.mode().is_live();
                    let counters = &done.head.counters;
                    for (sql, counter) in t::IMPORT_COUNTERS.iter().zip([
                        counters.charges,
                        counters.events,
                        counters.refunds,
                    ]) {
                        sqlx::query(sql)
                            .bind(account_id)
                            .bind(live)
                            .bind(counter.last_seq)
                            .bind(counter.last_at)
                            .execute(&mut **tx)
                            .await?;
                    }
                    for (sql, meaning) in t::MODE_CHECKS {
                        let wrong: Option<String> = sqlx::query_scalar(sql)
                            .bind(account_id)
                            .bind(live)
                            .fetch_optional(&mut **tx)
                            .await?;
                        if let Some(id) = wrong {
                            return Err(TransferError::Refused(format!("{id}: {meaning}")).into());
                        }
                    }
                    Ok(())
                }
            }
        };
    };
}

pub(in crate::store) use impl_import_glue;
