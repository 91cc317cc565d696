//! `GET /charges`, `GET /charges/{id}` and the charge object.

use super::error::{ApiError, Result};
use super::objects::{ChargeObject, charges_list};
use super::params::Params;
use super::version::RequestedVersion;
use super::{AppState, IdPath, json_response};
use crate::api::auth::SecretKey;
use crate::domain::list::now;
use crate::domain::{Kind, ObjectId};
use axum::extract::State;
use axum::response::Response;

pub async fn list(
    State(state): State<AppState>,
    SecretKey(principal): SecretKey,
    version: RequestedVersion,
    params: Params,
) -> Result<Response> {
    let version = version.resolve()?;
    let at = now();
    let window = params.window(at)?;
    let page = state
        .store
        .account_charges(&principal.account_id, principal.mode, &window)
        .await?;
    Ok(json_response(&charges_list(
        &page,
        "/charges".into(),
        version,
        at,
    )))
}

pub async fn retrieve(
    State(state): State<AppState>,
    SecretKey(principal): SecretKey,
    IdPath(raw): IdPath,
    version: RequestedVersion,
) -> Result<Response> {
    let not_found = || ApiError::not_found("charge", raw.clone());
    let id = ObjectId::parse(Kind::Charge, &raw).ok_or_else(not_found)?;
    let charge = state
        .store
        .charge(&principal.account_id, principal.mode, id.as_str())
        .await?
        .ok_or_else(not_found)?;
    let version = version.resolve()?;
    Ok(json_response(&ChargeObject::new(&charge, version, now())))
}
