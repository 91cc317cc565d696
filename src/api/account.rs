//! `GET /account` and `PATCH /account`: the account as the key's mode sees
//! it, its webhook URI and the API version its events are shown in.

use super::error::{ApiError, Result};
use super::objects::AccountObject;
use super::params::Params;
use super::version::{RequestedVersion, Version};
use super::{AppState, json_response};
use crate::accounts::parse_display_name;
use crate::api::auth::SecretKey;
use crate::domain::event::{new_webhook_secret, parse_webhook_uri};
use crate::store::{AccountSettings, Principal, SettingsChange};
use axum::extract::State;
use axum::response::Response;

/// The account object for the principal's mode.
async fn render(
    state: &AppState,
    principal: &Principal,
    settings: Option<&AccountSettings>,
    version: Version,
) -> Result<Response> {
    let store = state.store.as_ref();
    let account = &principal.account_id;
    let (Some(created_at), Some(name)) = (
        store.account_created_at(account).await?,
        store.account_display_name(account).await?,
    ) else {
        return Err(ApiError::Authentication);
    };
    Ok(json_response(&AccountObject::new(
        account,
        &name,
        principal.mode,
        settings,
        created_at,
        version,
    )))
}

pub async fn retrieve(
    State(state): State<AppState>,
    SecretKey(principal): SecretKey,
    version: RequestedVersion,
) -> Result<Response> {
    let version = version.resolve()?;
    let settings = state
        .store
        .account_settings(&principal.account_id, principal.mode)
        .await?;
    render(&state, &principal, settings.as_ref(), version).await
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
    // Nothing to change is a no-op, unless the body held the changes as
    // JSON a form parse cannot see: then it is an error that says so.
    if params.json_sent_as_form()
        && webhook_uri.is_none()
        && api_version.is_none()
        && display_name.is_none()
    {
        return Err(bad(
            "no parameter was given (webhook_uri, api_version or display_name)".into(),
        ));
    }
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
    render(&state, &principal, Some(&settings), version).await
}
