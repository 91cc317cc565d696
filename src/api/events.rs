//! `GET /events`, `GET /events/{id}`, `GET /charges/{id}/events`, and the
//! event body webhooks carry.

use super::error::Result;
use super::objects::{EventObject, EventParts, ListObject};
use super::params::Params;
use super::version::{RequestedVersion, Version};
use super::visible;
use super::{AppState, IdPath, json_response};
use crate::api::auth::SecretKey;
use crate::domain::Mode;
use crate::domain::event::{Event, WebhookDelivery};
use crate::domain::list::{Page, now};
use crate::store::{Principal, Store, StoreResult};
use axum::extract::State;
use axum::response::Response;

/// The version an account's event data is shown in.
pub async fn data_version(store: &dyn Store, account_id: &str, mode: Mode) -> StoreResult<Version> {
    Ok(store
        .account_settings(account_id, mode)
        .await?
        .and_then(|s| Version::parse(&s.api_version))
        .unwrap_or(Version::Current))
}

/// The event as a webhook delivers it: the 2019-05-29 event, as
/// `GET /events/{id}` shows it, with the attempts made before this one.
pub fn webhook_body(
    public_url: &str,
    event: &Event,
    deliveries: &[WebhookDelivery],
    data_version: Version,
) -> serde_json::Result<Vec<u8>> {
    let parts = EventParts::new(event);
    serde_json::to_vec(&EventObject::new(
        public_url,
        event,
        &parts,
        deliveries,
        Version::Current,
        data_version,
    ))
}

/// The same body, indented, as the dashboard shows it: the same fields in
/// the same order.
pub fn webhook_body_pretty(
    public_url: &str,
    event: &Event,
    deliveries: &[WebhookDelivery],
    data_version: Version,
) -> serde_json::Result<String> {
    let parts = EventParts::new(event);
    serde_json::to_string_pretty(&EventObject::new(
        public_url,
        event,
        &parts,
        deliveries,
        Version::Current,
        data_version,
    ))
}

async fn render_page(
    state: &AppState,
    principal: &Principal,
    page: Page<Event>,
    location: String,
    version: Version,
) -> Result<Response> {
    let data_version =
        data_version(state.store.as_ref(), &principal.account_id, principal.mode).await?;
    let ids: Vec<&str> = page.data.iter().map(|e| e.id.as_str()).collect();
    let deliveries = state.store.webhook_deliveries(&ids).await?;
    let parts: Vec<EventParts> = page.data.iter().map(EventParts::new).collect();
    let data = page
        .data
        .iter()
        .zip(&parts)
        .zip(&deliveries)
        .map(|((event, parts), deliveries)| {
            EventObject::new(
                &state.public_url,
                event,
                parts,
                deliveries,
                version,
                data_version,
            )
        })
        .collect();
    Ok(json_response(&ListObject::new(
        data,
        page.total,
        &page.window,
        location,
    )))
}

pub async fn list(
    State(state): State<AppState>,
    SecretKey(principal): SecretKey,
    version: RequestedVersion,
    params: Params,
) -> Result<Response> {
    let version = version.resolve()?;
    let window = params.window(now())?;
    let page = state
        .store
        .events_page(&principal.account_id, principal.mode, &window)
        .await?;
    render_page(&state, &principal, page, "/events".into(), version).await
}

pub async fn retrieve(
    State(state): State<AppState>,
    SecretKey(principal): SecretKey,
    IdPath(raw): IdPath,
    version: RequestedVersion,
) -> Result<Response> {
    let event = visible::event(&state, &principal, &raw).await?;
    let version = version.resolve()?;
    let data_version =
        data_version(state.store.as_ref(), &principal.account_id, principal.mode).await?;
    let deliveries = state.store.webhook_deliveries(&[&event.id]).await?;
    let parts = EventParts::new(&event);
    Ok(json_response(&EventObject::new(
        &state.public_url,
        &event,
        &parts,
        &deliveries[0],
        version,
        data_version,
    )))
}

/// `GET /charges/{id}/events`.
pub async fn for_charge(
    State(state): State<AppState>,
    SecretKey(principal): SecretKey,
    IdPath(raw): IdPath,
    version: RequestedVersion,
    params: Params,
) -> Result<Response> {
    let charge = visible::charge(&state, &principal, &raw).await?;
    let version = version.resolve()?;
    let window = params.window(now())?;
    let page = state.store.charge_events(&charge.id, &window).await?;
    let location = format!("/charges/{}/events", charge.id);
    render_page(&state, &principal, page, location, version).await
}
