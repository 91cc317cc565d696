//! `/links`: create, list, retrieve, delete, and a link's charges.

use super::cache::LinkKey;
use super::charges::{charges_list, created_key};
use super::error::{ApiError, Result};
use super::params::Params;
use super::version::{RequestedVersion, Version};
use super::{AppState, IdPath, json_bytes, json_response, list_json};
use crate::api::auth::SecretKey;
use crate::domain::charge::Charge;
use crate::domain::id::{new_id, payment_code};
use crate::domain::link::{Link, NewLink};
use crate::domain::list::{ListWindow, Micros, Page, format_time, now};
use crate::domain::{Kind, ObjectId};
use crate::store::Principal;
use axum::body::Bytes;
use axum::extract::State;
use axum::response::Response;
use serde_json::{Value, json};

/// The link object, embedding its first page of charges.
pub fn link_json(state: &AppState, link: &Link, charges: &Page<Charge>, version: Version) -> Value {
    let location = format!("/links/{}", link.id);
    let currency = match version {
        Version::Current => link.currency.code(),
        Version::Legacy => link.currency.code_lower(),
    };
    let mut body = json!({
        "object": "link",
        "id": link.id,
        "livemode": link.mode.is_live(),
        "location": location,
        "amount": link.amount,
        "currency": currency,
        "used": link.used(),
        "multiple": link.multiple,
        "title": link.title,
        "description": link.description,
        "charges": charges_list(charges, &format!("{location}/charges"), version),
        "payment_uri": format!("{}/pay/{}", state.public_url, payment_code(&link.id)),
        "deleted": link.deleted(),
    });
    if version == Version::Current {
        body["deleted_at"] = json!(link.deleted_at.map(format_time));
        body["used_at"] = json!(link.used_at.map(format_time));
    }
    body[created_key(version)] = json!(format_time(link.created_at));
    body
}

/// The link with its embedded first page of charges, as of `at`.
async fn render(state: &AppState, link: &Link, version: Version, at: Micros) -> Result<Value> {
    let charges = state
        .store
        .link_charges(&link.id, &ListWindow::first_page(at))
        .await?;
    Ok(link_json(state, link, &charges, version))
}

/// A well-formed link id that the principal can see.
async fn visible_link(state: &AppState, principal: &Principal, raw: &str) -> Result<Link> {
    let id = ObjectId::parse(Kind::Link, raw).ok_or_else(|| ApiError::InvalidLinkId(raw.into()))?;
    let not_found = || ApiError::not_found("link", id.as_str());
    if id.mode() != principal.mode {
        return Err(not_found());
    }
    state
        .store
        .link(&principal.account_id, principal.mode, id.as_str())
        .await?
        .ok_or_else(not_found)
}

pub async fn create(
    State(state): State<AppState>,
    SecretKey(principal): SecretKey,
    version: RequestedVersion,
    params: Params,
) -> Result<Response> {
    let version = version.resolve()?;
    let invalid = ApiError::InvalidLink;
    let new = NewLink::parse(
        params.int("amount", invalid)?,
        params.text("currency", invalid)?.as_deref(),
        params.text("title", invalid)?.as_deref(),
        params.text_or_empty("description", invalid)?.as_deref(),
        params.bool("multiple", invalid)?.unwrap_or(false),
    )
    .map_err(|e| ApiError::InvalidLink(e.0))?;
    let created_at = now();
    let link = Link {
        id: new_id(Kind::Link, principal.mode),
        account_id: principal.account_id,
        mode: principal.mode,
        amount: new.amount.get(),
        currency: new.currency,
        title: new.title,
        description: new.description,
        multiple: new.multiple,
        used_at: None,
        deleted_at: None,
        created_at,
    };
    state.store.insert_link(&link).await?;
    let no_charges = Page {
        data: vec![],
        total: 0,
        window: ListWindow::first_page(created_at),
    };
    Ok(json_response(&link_json(
        &state,
        &link,
        &no_charges,
        version,
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
        .links_page(&principal.account_id, principal.mode, &window)
        .await?;
    let mut data = Vec::with_capacity(page.data.len());
    for link in &page.data {
        data.push(render(&state, link, version, now()).await?);
    }
    Ok(json_response(&list_json(
        data,
        page.total,
        &page.window,
        "/links",
    )))
}

/// The hot path of the API: served from the read cache while nothing has
/// been committed since the same response was built.
pub async fn retrieve(
    State(state): State<AppState>,
    SecretKey(principal): SecretKey,
    IdPath(raw): IdPath,
    version: RequestedVersion,
) -> Result<Response> {
    let at = now();
    let token = state.store.change_token();
    let key = |version: Version| LinkKey {
        link_id: raw.clone(),
        account_id: principal.account_id.clone(),
        live: principal.mode.is_live(),
        legacy_shape: version == Version::Legacy,
        second: at.div_euclid(1_000_000),
    };
    if let Ok(version) = version.resolve() {
        if let Some(bytes) = state.cache.link(token, &key(version)) {
            return Ok(json_bytes(bytes));
        }
    }
    let link = visible_link(&state, &principal, &raw).await?;
    let version = version.resolve()?;
    let body = render(&state, &link, version, at).await?;
    let bytes = Bytes::from(serde_json::to_vec(&body).map_err(ApiError::internal)?);
    state.cache.keep_link(token, key(version), bytes.clone());
    Ok(json_bytes(bytes))
}

pub async fn delete(
    State(state): State<AppState>,
    SecretKey(principal): SecretKey,
    IdPath(raw): IdPath,
    version: RequestedVersion,
) -> Result<Response> {
    let link = visible_link(&state, &principal, &raw).await?;
    let version = version.resolve()?;
    let deleted = state
        .store
        .delete_link(&principal.account_id, principal.mode, &link.id, now())
        .await?
        .ok_or_else(|| ApiError::not_found("link", link.id.clone()))?;
    Ok(json_response(
        &render(&state, &deleted, version, now()).await?,
    ))
}

pub async fn charges(
    State(state): State<AppState>,
    SecretKey(principal): SecretKey,
    IdPath(raw): IdPath,
    version: RequestedVersion,
    params: Params,
) -> Result<Response> {
    let link = visible_link(&state, &principal, &raw).await?;
    let version = version.resolve()?;
    let window = params.window(now())?;
    let page = state.store.link_charges(&link.id, &window).await?;
    let location = format!("/links/{}/charges", link.id);
    Ok(json_response(&charges_list(&page, &location, version)))
}
