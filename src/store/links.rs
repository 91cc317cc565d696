//! Payment links.

use super::StoreResult;
use super::rows::link_columns;
use crate::domain::link::Link;
use crate::domain::{ListWindow, Micros, Mode, Page};
use async_trait::async_trait;

/// What a link's row and its charges were at one commit, for a store that
/// has no change token: an answer about the link kept with its stamp may
/// be served while the stamp is unchanged.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct LinkStamp {
    /// The version of the link's row (PostgreSQL's `xmin`).
    pub version: i64,
    /// How many charges the link has.
    pub charges: i64,
}

pub(in crate::store) const INSERT_LINK: &str = "INSERT INTO links (id, account_id, livemode, amount, currency, title, description, \
     multiple, created_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)";

/// A link an account and mode can see (`$1` the id).
pub(in crate::store) const LINK: &str = concat!(
    "SELECT ",
    link_columns!(),
    " FROM links WHERE id = $1 AND account_id = $2 AND livemode = $3"
);

/// Any account's link, by id.
pub(in crate::store) const LINK_BY_ID: &str =
    concat!("SELECT ", link_columns!(), " FROM links WHERE id = $1");

/// Deletes a link; deleting twice keeps the first time.
pub(in crate::store) const DELETE_LINK: &str = concat!(
    "UPDATE links SET deleted_at = COALESCE(deleted_at, $4) \
     WHERE id = $1 AND account_id = $2 AND livemode = $3 RETURNING ",
    link_columns!()
);

/// Links: made, read, listed and deleted.
#[async_trait]
pub trait LinkStore: Send + Sync {
    async fn insert_link(&self, link: &Link) -> StoreResult<()>;

    /// A link the principal's account and mode can see.
    async fn link(&self, account_id: &str, mode: Mode, id: &str) -> StoreResult<Option<Link>>;

    /// Any account's link by id, for the public payment page.
    async fn link_by_id(&self, id: &str) -> StoreResult<Option<Link>>;

    /// Links that are not deleted, in the window.
    async fn links_page(
        &self,
        account_id: &str,
        mode: Mode,
        window: &ListWindow,
    ) -> StoreResult<Page<Link>>;

    /// Marks the link deleted (once); `None` when it is not visible.
    async fn delete_link(
        &self,
        account_id: &str,
        mode: Mode,
        id: &str,
        now: Micros,
    ) -> StoreResult<Option<Link>>;
}

/// Implements `LinkStore` for `$store` over the sqlx database `$db`.
macro_rules! impl_link_store {
    ($store:ty, $db:ty) => {
        const _: () = {
            use $crate::domain::event::EventKey;
            use $crate::domain::link::Link;
            use $crate::domain::{ListWindow, Micros, Mode, Page};
            use $crate::store::StoreResult;
            use $crate::store::dialect::Dialect as _;
            use $crate::store::rows::LINK_COLUMNS;

            #[async_trait::async_trait]
            impl $crate::store::LinkStore for $store {
                async fn insert_link(&self, link: &Link) -> StoreResult<()> {
                    let mut writer = self.writer().await?;
                    let mut tx = Self::begin(&mut writer).await?;
                    sqlx::query($crate::store::links::INSERT_LINK)
                        .bind(&link.id)
                        .bind(&link.account_id)
                        .bind(link.mode.is_live())
                        .bind(link.amount)
                        .bind(link.currency.code())
                        .bind(&link.title)
                        .bind(&link.description)
                        .bind(link.multiple)
                        .bind(link.created_at)
                        .execute(&mut *tx)
                        .await?;
                    let snapshot = $crate::store::rows::link_snapshot(link);
                    Self::record_event(
                        &mut tx,
                        EventKey::LinkCreate,
                        &link.account_id,
                        link.mode,
                        None,
                        &snapshot,
                        link.created_at,
                    )
                    .await?;
                    tx.commit().await?;
                    Self::touch(&mut writer, $crate::store::Touched::Nothing);
                    self.event_signal().notify_one();
                    Ok(())
                }

                async fn link(
                    &self,
                    account_id: &str,
                    mode: Mode,
                    id: &str,
                ) -> StoreResult<Option<Link>> {
                    let sql = $crate::store::links::LINK;
                    let row = self.one_row(sql, &[id, account_id], Some(mode)).await?;
                    row.as_ref().map($crate::store::rows::link_from).transpose()
                }

                async fn link_by_id(&self, id: &str) -> StoreResult<Option<Link>> {
                    let row = sqlx::query($crate::store::links::LINK_BY_ID)
                        .bind(id)
                        .fetch_optional(self.pool())
                        .await?;
                    row.as_ref().map($crate::store::rows::link_from).transpose()
                }

                async fn links_page(
                    &self,
                    account_id: &str,
                    mode: Mode,
                    window: &ListWindow,
                ) -> StoreResult<Page<Link>> {
                    let mut conn = self.pool().acquire().await?;
                    let scope = "account_id = $1 AND livemode = $2 AND deleted_at IS NULL";
                    let order = ["created_at", "seq"];
                    let page = Self::counted_rows(
                        &mut conn,
                        "links",
                        LINK_COLUMNS,
                        scope,
                        &order,
                        &[account_id],
                        Some(mode),
                        window,
                    )
                    .await?;
                    page.try_map($crate::store::rows::link_from)
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
                    let row = sqlx::query($crate::store::links::DELETE_LINK)
                        .bind(id)
                        .bind(account_id)
                        .bind(mode.is_live())
                        .bind(now)
                        .fetch_optional(&mut *writer)
                        .await?;
                    // A statement that changed nothing says nothing: its commit
                    // moved no counter, so a commit seen meanwhile is another's.
                    if row.is_some() {
                        Self::touch(
                            &mut writer,
                            $crate::store::Touched::Links(vec![id.to_owned()]),
                        );
                    }
                    row.as_ref().map($crate::store::rows::link_from).transpose()
                }
            }
        };
    };
}

pub(in crate::store) use impl_link_store;
