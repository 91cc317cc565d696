//! `/links`: create, list, retrieve, delete, and a link's charges.

use super::cache::{LinkKey, LinkView};
use super::error::{ApiError, Result};
use super::objects::{LinkObject, ListObject, charges_list};
use super::params::Params;
use super::version::{RequestedVersion, Version};
use super::visible::{self, Visible};
use super::{AppState, IdPath, json_bytes, json_response};
use crate::api::auth::{LinkReader, SecretKey};
use crate::domain::Kind;
use crate::domain::charge::Charge;
use crate::domain::id::new_id;
use crate::domain::link::{Link, NewLink};
use crate::domain::list::{ListWindow, Micros, Page, now};
use crate::domain::money::Currency;
use axum::body::Bytes;
use axum::extract::State;
use axum::response::Response;

/// The link's first page of charges, as embedded in the link object.
async fn first_charges(state: &AppState, link: &Link, at: Micros) -> Result<Page<Charge>> {
    Ok(state
        .store
        .link_charges(&link.id, &ListWindow::first_page(at))
        .await?)
}

/// One window of the link's charges as a JSON list, as of `at`.
async fn render_charges(
    state: &AppState,
    link: &Link,
    window: &ListWindow,
    version: Version,
    at: Micros,
) -> Result<Bytes> {
    let page = state.store.link_charges(&link.id, window).await?;
    let location = format!("/links/{}/charges", link.id);
    let list = charges_list(&state.public_url, &page, location, version, at);
    Ok(serde_json::to_vec(&list)
        .map_err(ApiError::internal)?
        .into())
}

/// The link object as JSON, as of `at`.
async fn render(state: &AppState, link: &Link, version: Version, at: Micros) -> Result<Bytes> {
    let charges = first_charges(state, link, at).await?;
    let object = LinkObject::new(&state.public_url, link, &charges, version, at);
    Ok(serde_json::to_vec(&object)
        .map_err(ApiError::internal)?
        .into())
}

pub async fn create(
    State(state): State<AppState>,
    SecretKey(principal): SecretKey,
    version: RequestedVersion,
    params: Params,
) -> Result<Response> {
    let version = version.resolve()?;
    let invalid = ApiError::InvalidLink;
    // Read first only to word an amount's error in the link's currency.
    let currency = params
        .text("currency", invalid)
        .ok()
        .flatten()
        .and_then(|code| Currency::parse(code.trim()).ok());
    let new = NewLink::parse(
        params.amount("amount", currency, invalid)?,
        params.text("currency", invalid)?.as_deref(),
        params.text("title", invalid)?.as_deref(),
        params.text_or_empty("description", invalid)?.as_deref(),
        params.bool("multiple", invalid)?.unwrap_or(false),
    )
    .map_err(|e| ApiError::InvalidLink(e.0))?;
    let created_at = now();
    let link = new.into_link(
        new_id(Kind::Link, principal.mode),
        principal.account_id,
        principal.mode,
        created_at,
    );
    state.store.insert_link(&link).await?;
    let no_charges = Page {
        data: vec![],
        total: 0,
        window: ListWindow::first_page(created_at),
    };
    Ok(json_response(&LinkObject::new(
        &state.public_url,
        &link,
        &no_charges,
        version,
        created_at,
    )))
}

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
        .links_page(&principal.account_id, principal.mode, &window)
        .await?;
    let ids: Vec<&str> = page.data.iter().map(|link| link.id.as_str()).collect();
    let charges = state
        .store
        .links_charges(&ids, &ListWindow::first_page(at))
        .await?;
    let data = page
        .data
        .iter()
        .zip(&charges)
        .map(|(link, charges)| LinkObject::new(&state.public_url, link, charges, version, at))
        .collect();
    Ok(json_response(&ListObject::new(
        data,
        page.total,
        &page.window,
        "/links".into(),
    )))
}

/// The hot path of the API: served from the read cache while nothing has
/// been committed since the same response was built.
pub async fn retrieve(
    State(state): State<AppState>,
    LinkReader {
        principal,
        token,
        stamp,
    }: LinkReader,
    IdPath(raw): IdPath,
    version: RequestedVersion,
) -> Result<Response> {
    let at = now();
    let key = version.resolve().ok().map(|version| LinkKey {
        link_id: raw.clone(),
        account_id: principal.account_id.clone(),
        live: principal.mode.is_live(),
        legacy_shape: version == Version::Legacy,
        view: LinkView::Object {
            second: at.div_euclid(1_000_000),
        },
    });
    let bytes = state
        .cache
        .link_or_render(
            state.store.as_ref(),
            &state.metrics,
            token,
            stamp,
            key,
            || async {
                let link = visible::link(&state, &principal, &raw).await?;
                let version = version.resolve()?;
                render(&state, &link, version, at).await
            },
        )
        .await?;
    Ok(json_bytes(bytes))
}

pub async fn delete(
    State(state): State<AppState>,
    SecretKey(principal): SecretKey,
    IdPath(raw): IdPath,
    version: RequestedVersion,
) -> Result<Response> {
    let link = visible::link(&state, &principal, &raw).await?;
    let version = version.resolve()?;
    let deleted = state
        .store
        .delete_link(&principal.account_id, principal.mode, &link.id, now())
        .await?
        .ok_or_else(|| Link::not_found(&link.id))?;
    Ok(json_bytes(render(&state, &deleted, version, now()).await?))
}

pub async fn charges(
    State(state): State<AppState>,
    LinkReader {
        principal,
        token,
        stamp,
    }: LinkReader,
    IdPath(raw): IdPath,
    version: RequestedVersion,
    params: Params,
) -> Result<Response> {
    let at = now();
    // Cached by the window, which holds everything the answer depends on
    // (its end is the request's second unless `to` was given).
    let key = match (version.resolve(), params.window(at)) {
        (Ok(version), Ok(window)) => Some(LinkKey {
            link_id: raw.clone(),
            account_id: principal.account_id.clone(),
            live: principal.mode.is_live(),
            legacy_shape: version == Version::Legacy,
            view: LinkView::Charges(window),
        }),
        _ => None,
    };
    let bytes = state
        .cache
        .link_or_render(
            state.store.as_ref(),
            &state.metrics,
            token,
            stamp,
            key,
            || async {
                // Errors in their order: the id, then the parameters.
                let link = visible::link(&state, &principal, &raw).await?;
                let version = version.resolve()?;
                let window = params.window(at)?;
                render_charges(&state, &link, &window, version, at).await
            },
        )
        .await?;
    Ok(json_bytes(bytes))
}
