//! `GET /account` and `PATCH /account`: the account as the key's mode sees
//! it, its webhook URI and the API version its events are shown in.

use super::error::{ApiError, Result};
use super::objects::AccountObject;
use super::params::Params;
use super::version::RequestedVersion;
use super::{AppState, json_response};
use crate::accounts::parse_display_name;
use crate::api::auth::SecretKey;
use crate::domain::event::{new_webhook_secret, parse_webhook_uri};
use crate::store::SettingsChange;
use axum::extract::State;
use axum::response::Response;

pub async fn retrieve(
    State(state): State<AppState>,
    SecretKey(principal): SecretKey,
    version: RequestedVersion,
) -> Result<Response> {
    let version = version.resolve()?;
    let (account, mode) = (&principal.account_id, principal.mode);
    let created_at = state
        .store
        .account_created_at(account)
        .await?
        .ok_or(ApiError::Authentication)?;
    let settings = state.store.account_settings(account, mode).await?;
    let name = state
        .store
        .account_display_name(account)
        .await?
        .ok_or(ApiError::Authentication)?;
    Ok(json_response(&AccountObject::new(
        account,
        &name,
        mode,
        settings.as_ref(),
        created_at,
        version,
    )))
}

/// Takes `webhook_uri` (empty turns delivery off), `api_version` and
/// `display_name` (the name payers see; ours).
pub async fn update(
    State(state): State<AppState>,
    SecretKey(principal): SecretKey,
    version: RequestedVersion,
    params: Params,
) -> Result<Response> {
    let version = version.resolve()?;
    let bad = ApiError::BadRequest;
    let webhook_uri = match params.text_or_empty("webhook_uri", bad)? {
        None => None,
        Some(raw) if raw.trim().is_empty() => Some(None),
        Some(raw) => Some(Some(parse_webhook_uri(&raw).map_err(bad)?)),
    };
    let api_version = match params.text("api_version", bad)? {
        None => None,
        Some(raw) => match raw.trim() {
            "2019-05-29" | "2015-11-17" => Some(raw.trim().to_owned()),
            _ => {
                return Err(bad(format!(
                    "api_version {raw:?} is not supported: use 2019-05-29 or 2015-11-17"
                )));
            }
        },
    };
    let display_name = params
        .text_or_empty("display_name", bad)?
        .map(|raw| parse_display_name(&raw).map_err(bad))
        .transpose()?;
    let change = SettingsChange {
        webhook_uri,
        api_version,
        roll_secret: None,
    };
    let (account, mode) = (&principal.account_id, principal.mode);
    if let Some(name) = &display_name {
        state.store.set_display_name(account, name).await?;
    }
    let settings = state
        .store
        .change_settings(account, mode, &change, &new_webhook_secret())
        .await?
        .ok_or(ApiError::Authentication)?;
    let created_at = state
        .store
        .account_created_at(account)
        .await?
        .ok_or(ApiError::Authentication)?;
    let name = state
        .store
        .account_display_name(account)
        .await?
        .ok_or(ApiError::Authentication)?;
    Ok(json_response(&AccountObject::new(
        account,
        &name,
        mode,
        Some(&settings),
        created_at,
        version,
    )))
}
