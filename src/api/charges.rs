//! `GET /charges`, `GET /charges/{id}` and the charge object.

use super::error::{ApiError, Result};
use super::objects::{ChargeObject, charges_list};
use super::params::Params;
use super::version::RequestedVersion;
use super::visible::{self, Visible};
use super::{AppState, IdPath, json_response};
use crate::api::auth::SecretKey;
use crate::domain::Mode;
use crate::domain::charge::{Charge, Completion};
use crate::domain::list::now;
use crate::store::Principal;
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
        &state.public_url,
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
    let charge = visible::charge(&state, &principal, &raw).await?;
    let version = version.resolve()?;
    Ok(json_response(&ChargeObject::new(
        &state.public_url,
        &charge,
        version,
        now(),
    )))
}

/// Ends a pending test-mode charge as the test bank would.
async fn complete(
    state: &AppState,
    principal: &Principal,
    raw: &str,
    version: &RequestedVersion,
    completion: Completion,
) -> Result<Response> {
    // Omise has these in test mode only: in live mode there is no such route
    // for a charge, so a live key finds nothing.
    if principal.mode == Mode::Live {
        return Err(Charge::not_found(raw));
    }
    let charge = visible::charge(state, principal, raw).await?;
    let version = version.resolve()?;
    match state
        .store
        .complete_charge(&charge.id, completion, now())
        .await?
    {
        Some(Ok(done)) => Ok(json_response(&ChargeObject::new(
            &state.public_url,
            &done,
            version,
            now(),
        ))),
        Some(Err(status)) => Err(ApiError::BadRequest(format!(
            "charge {} is {}, not pending: only a pending charge can be marked as paid or failed",
            charge.id,
            status.as_str()
        ))),
        None => Err(Charge::not_found(raw)),
    }
}

/// `POST /charges/{id}/mark_as_paid` (test mode).
pub async fn mark_as_paid(
    State(state): State<AppState>,
    SecretKey(principal): SecretKey,
    IdPath(raw): IdPath,
    version: RequestedVersion,
) -> Result<Response> {
    complete(&state, &principal, &raw, &version, Completion::Paid).await
}

/// `POST /charges/{id}/mark_as_failed` (test mode).
pub async fn mark_as_failed(
    State(state): State<AppState>,
    SecretKey(principal): SecretKey,
    IdPath(raw): IdPath,
    version: RequestedVersion,
) -> Result<Response> {
    complete(&state, &principal, &raw, &version, Completion::Failed).await
}
