//! What the dashboard's lists share: their parameters, the newest-first
//! window, the search a text or a filter turns a list into, and the
//! address a pager links to.

use crate::api::error::ApiError;
use crate::api::params::Params;
use crate::domain::list::{ListWindow, Order, now};
use crate::domain::search::{Search, SearchParams};

/// Rows a page of a list shows.
pub const PER_PAGE: u64 = 20;

/// A parameter as text, empty when absent or not text.
pub fn field(params: &Params, name: &str) -> String {
    params
        .text(name, ApiError::BadRequest)
        .ok()
        .flatten()
        .unwrap_or_default()
}

/// The `offset` parameter; anything but a count is the first page.
pub fn offset(params: &Params) -> u64 {
    field(params, "offset").trim().parse().unwrap_or(0)
}

/// A page of `limit` rows at `offset`, newest first.
pub fn newest_first(offset: u64, limit: u32) -> ListWindow {
    ListWindow {
        limit,
        offset,
        order: Order::ReverseChronological,
        from: 0,
        to: now(),
    }
}

/// The search a list with a text and a filter is, newest first, at
/// `offset`; `None` for one the search refuses.
pub fn search(
    scope: &str,
    query: &str,
    filter: Option<(&str, &str)>,
    offset: u64,
) -> Option<Search> {
    Search::parse(&SearchParams {
        scope: Some(scope),
        query: Some(query).filter(|q| !q.is_empty()),
        filters: filter
            .map(|(name, value)| (name.to_owned(), value.to_owned()))
            .into_iter()
            .collect(),
        order: Some("reverse_chronological"),
        page: Some((offset / PER_PAGE + 1) as i64),
        per_page: Some(PER_PAGE as i64),
    })
    .ok()
}

/// `path` with the list's non-empty parameters, for the pager to add
/// `offset` to.
pub fn base(path: &str, pairs: &[(&str, &str)]) -> String {
    let mut query = form_urlencoded::Serializer::new(String::new());
    for (name, value) in pairs.iter().filter(|(_, v)| !v.is_empty()) {
        query.append_pair(name, value);
    }
    format!("{path}?{}", query.finish())
}
