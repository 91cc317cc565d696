//! The object a path's id names, as the request's key sees it: of the
//! key's account and mode. Anything else answers the 404 Omise gives for
//! that object, so that a key cannot tell another account's ids, or the
//! other mode's, from ids that do not exist.

use super::AppState;
use super::error::{ApiError, Result};
use crate::domain::charge::{Charge, Token};
use crate::domain::event::Event;
use crate::domain::link::Link;
use crate::domain::refund::Refund;
use crate::domain::{Kind, ObjectId};
use crate::store::{Principal, StoreResult};

/// An object the API finds by an id from the path.
pub trait Visible {
    /// The kind its ids are of.
    const KIND: Kind;
    /// Its name in the 404's message: `charge chrg_… was not found`.
    const OBJECT: &'static str;

    /// The 404 for an id of this object that the key cannot see.
    fn not_found(id: &str) -> ApiError {
        ApiError::not_found(Self::OBJECT, id)
    }

    /// The answer to a path id that is not one of this object's at all.
    fn malformed(raw: &str) -> ApiError {
        Self::not_found(raw)
    }
}

impl Visible for Link {
    const KIND: Kind = Kind::Link;
    const OBJECT: &'static str = "link";

    /// Links are the one object Omise tells a malformed id of.
    fn malformed(raw: &str) -> ApiError {
        ApiError::InvalidLinkId(raw.into())
    }
}

impl Visible for Charge {
    const KIND: Kind = Kind::Charge;
    const OBJECT: &'static str = "charge";
}

impl Visible for Refund {
    const KIND: Kind = Kind::Refund;
    const OBJECT: &'static str = "refund";
}

impl Visible for Event {
    const KIND: Kind = Kind::Event;
    const OBJECT: &'static str = "event";
}

impl Visible for Token {
    const KIND: Kind = Kind::Token;
    const OBJECT: &'static str = "token";
}

/// The object `raw` names, read by `read` from its parsed id, if
/// `principal` can see it; otherwise its 404.
async fn find<T, F>(principal: &Principal, raw: &str, read: impl FnOnce(ObjectId) -> F) -> Result<T>
where
    T: Visible,
    F: Future<Output = StoreResult<Option<T>>>,
{
    let id = ObjectId::parse(T::KIND, raw).ok_or_else(|| T::malformed(raw))?;
    // Every id names the mode its object was made in (ids are made so, and
    // an import refuses any other), so the other mode's needs no query.
    if id.mode() != principal.mode {
        return Err(T::not_found(raw));
    }
    read(id).await?.ok_or_else(|| T::not_found(raw))
}

/// The link `raw` names, if the key can see it.
pub async fn link(state: &AppState, principal: &Principal, raw: &str) -> Result<Link> {
    find(principal, raw, |id| async move {
        let (account, mode) = (&principal.account_id, principal.mode);
        state.store.link(account, mode, id.as_str()).await
    })
    .await
}

/// The charge `raw` names, if the key can see it.
pub async fn charge(state: &AppState, principal: &Principal, raw: &str) -> Result<Charge> {
    find(principal, raw, |id| async move {
        let (account, mode) = (&principal.account_id, principal.mode);
        state.store.charge(account, mode, id.as_str()).await
    })
    .await
}

/// The refund `raw` names, if it is one of `charge` (which the caller
/// has found visible).
pub async fn refund(
    state: &AppState,
    principal: &Principal,
    charge: &Charge,
    raw: &str,
) -> Result<Refund> {
    find(principal, raw, |id| async move {
        let (account, mode) = (&principal.account_id, principal.mode);
        state
            .store
            .refund(account, mode, &charge.id, id.as_str())
            .await
    })
    .await
}

/// The event `raw` names, if the key can see it.
pub async fn event(state: &AppState, principal: &Principal, raw: &str) -> Result<Event> {
    find(principal, raw, |id| async move {
        let (account, mode) = (&principal.account_id, principal.mode);
        state.store.event(account, mode, id.as_str()).await
    })
    .await
}

/// The token `raw` names, if the key can see it.
pub async fn token(state: &AppState, principal: &Principal, raw: &str) -> Result<Token> {
    find(principal, raw, |id| async move {
        let (account, mode) = (&principal.account_id, principal.mode);
        state.store.token(account, mode, id.as_str()).await
    })
    .await
}
