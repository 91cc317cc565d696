//! `POST /charges/{id}/refunds`, `GET /charges/{id}/refunds`,
//! `GET /charges/{id}/refunds/{refund_id}` and `GET /refunds`.

use super::error::{ApiError, Result};
use super::objects::{ListObject, RefundObject};
use super::params::Params;
use super::version::{RequestedVersion, Version};
use super::visible::{self, Visible};
use super::{AppState, IdPath, json_response};
use crate::api::auth::SecretKey;
use crate::domain::Kind;
use crate::domain::charge::Charge;
use crate::domain::id::new_id;
use crate::domain::list::{Page, now};
use crate::domain::refund::{NewRefund, Refund, parse_amount};
use axum::extract::State;
use axum::response::Response;

fn list(page: &Page<Refund>, location: String, version: Version) -> Response {
    let data = page
        .data
        .iter()
        .map(|r| RefundObject::new(r, version))
        .collect();
    json_response(&ListObject::new(data, page.total, &page.window, location))
}

pub async fn create(
    State(state): State<AppState>,
    SecretKey(principal): SecretKey,
    IdPath(charge_id): IdPath,
    version: RequestedVersion,
    params: Params,
) -> Result<Response> {
    let charge = visible::charge(&state, &principal, &charge_id).await?;
    let version = version.resolve()?;
    let bad = ApiError::BadRequest;
    let amount = parse_amount(params.amount("amount", Some(charge.currency), bad)?).map_err(bad)?;
    let metadata = params.json_object("metadata", bad)?.unwrap_or_default();
    let new = NewRefund {
        id: new_id(Kind::Refund, principal.mode),
        account_id: principal.account_id.clone(),
        mode: principal.mode,
        charge_id: charge.id.clone(),
        amount,
        metadata: serde_json::Value::Object(metadata).to_string(),
        now: now(),
    };
    match state.store.create_refund(&new).await? {
        Ok(refund) => Ok(json_response(&RefundObject::new(&refund, version))),
        Err(refusal) => Err(refusal
            .message(amount)
            .map_or_else(|| Charge::not_found(&charge.id), ApiError::FailedRefund)),
    }
}

pub async fn for_charge(
    State(state): State<AppState>,
    SecretKey(principal): SecretKey,
    IdPath(charge_id): IdPath,
    version: RequestedVersion,
    params: Params,
) -> Result<Response> {
    let charge = visible::charge(&state, &principal, &charge_id).await?;
    let version = version.resolve()?;
    let window = params.window(now())?;
    let page = state.store.charge_refunds(&charge.id, &window).await?;
    Ok(list(
        &page,
        format!("/charges/{}/refunds", charge.id),
        version,
    ))
}

pub async fn retrieve(
    State(state): State<AppState>,
    SecretKey(principal): SecretKey,
    IdPath((charge_id, refund_id)): IdPath<(String, String)>,
    version: RequestedVersion,
) -> Result<Response> {
    let charge = visible::charge(&state, &principal, &charge_id).await?;
    let refund = visible::refund(&state, &principal, &charge, &refund_id).await?;
    let version = version.resolve()?;
    Ok(json_response(&RefundObject::new(&refund, version)))
}

pub async fn list_all(
    State(state): State<AppState>,
    SecretKey(principal): SecretKey,
    version: RequestedVersion,
    params: Params,
) -> Result<Response> {
    let version = version.resolve()?;
    let window = params.window(now())?;
    let page = state
        .store
        .account_refunds(&principal.account_id, principal.mode, &window)
        .await?;
    Ok(list(&page, "/refunds".into(), version))
}
