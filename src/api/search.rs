//! `GET /search`: links and charges found by text and filters.

use super::auth::SecretKey;
use super::error::{ApiError, Result};
use super::objects::{ChargeObject, LinkObject};
use super::params::Params;
use super::version::{RequestedVersion, Version};
use super::{AppState, json_response};
use crate::domain::list::{ListWindow, now};
use crate::domain::search::{Scope, Search, SearchParams};
use axum::extract::State;
use axum::response::Response;
use serde::Serialize;
use serde_json::Value;
use std::collections::BTreeMap;

/// The search object, in both shapes: the older one has no `export`,
/// `per_page`, `location` or `aggregate_level`.
#[derive(Serialize)]
struct SearchObject<'a, T> {
    object: &'static str,
    #[serde(skip_serializing_if = "Option::is_none")]
    export: Option<Option<()>>,
    data: Vec<T>,
    page: u64,
    #[serde(skip_serializing_if = "Option::is_none")]
    per_page: Option<u32>,
    total: u64,
    total_pages: u64,
    filters: &'a BTreeMap<String, String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    location: Option<&'static str>,
    order: &'static str,
    query: Option<&'a str>,
    scope: &'static str,
    #[serde(skip_serializing_if = "Option::is_none")]
    aggregate_level: Option<Option<()>>,
}

impl<'a, T> SearchObject<'a, T> {
    fn new(search: &'a Search, data: Vec<T>, total: u64, version: Version) -> Self {
        let current = version == Version::Current;
        SearchObject {
            object: "search",
            export: current.then_some(None),
            data,
            page: search.page,
            per_page: current.then_some(search.per_page),
            total,
            total_pages: total.div_ceil(u64::from(search.per_page)),
            filters: &search.echoed,
            location: current.then_some("/search"),
            order: search.order.as_str(),
            query: search.query.as_deref(),
            scope: search.scope.as_str(),
            aggregate_level: current.then_some(None),
        }
    }
}

/// The filters as sent: bracketed keys, a JSON object, values as text.
fn filters(params: &Params) -> Result<Vec<(String, String)>> {
    let bad = ApiError::BadRequest;
    let Some(map) = params.json_object("filters", bad)? else {
        return Ok(vec![]);
    };
    map.into_iter()
        .filter(|(_, v)| !v.is_null())
        .map(|(name, value)| match value {
            Value::String(s) => Ok((name, s)),
            Value::Number(_) | Value::Bool(_) => Ok((name, value.to_string())),
            _ => Err(bad(format!(
                "filters[{name}] must be a value, not a list or an object"
            ))),
        })
        .collect()
}

pub async fn search(
    State(state): State<AppState>,
    SecretKey(principal): SecretKey,
    version: RequestedVersion,
    params: Params,
) -> Result<Response> {
    let version = version.resolve()?;
    let bad = ApiError::BadRequest;
    let (scope, query, order) = (
        params.text("scope", bad)?,
        params.text("query", bad)?,
        params.text("order", bad)?,
    );
    let search = Search::parse(&SearchParams {
        scope: scope.as_deref(),
        query: query.as_deref(),
        filters: filters(&params)?,
        order: order.as_deref(),
        page: params.int("page", bad)?,
        per_page: params.int("per_page", bad)?,
    })
    .map_err(bad)?;
    let (account, mode) = (&principal.account_id, principal.mode);
    let at = now();
    match search.scope {
        Scope::Link => {
            let (links, total) = state.store.search_links(account, mode, &search).await?;
            let ids: Vec<&str> = links.iter().map(|l| l.id.as_str()).collect();
            let charges = state
                .store
                .links_charges(&ids, &ListWindow::first_page(at))
                .await?;
            let data = links
                .iter()
                .zip(&charges)
                .map(|(link, charges)| {
                    LinkObject::new(&state.public_url, link, charges, version, at)
                })
                .collect();
            Ok(json_response(&SearchObject::new(
                &search, data, total, version,
            )))
        }
        Scope::Charge => {
            let (charges, total) = state.store.search_charges(account, mode, &search).await?;
            let data = charges
                .iter()
                .map(|c| ChargeObject::new(&state.public_url, c, version, at))
                .collect();
            Ok(json_response(&SearchObject::new(
                &search, data, total, version,
            )))
        }
    }
}
