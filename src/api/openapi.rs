//! `GET /openapi.json`: the API described in OpenAPI 3.1. The document
//! (`openapi.json` beside this file, written by `tools/openapi.py`) names
//! the canonical paths; the trailing-slash forms some clients call are
//! added from the route table, and a test holds the document and the table
//! equal. The card expiry bounds are filled in for the current month.

use super::api_routes;
use crate::domain::card::MAX_YEARS_AHEAD;
use axum::http::{HeaderValue, Method, header};
use axum::response::{IntoResponse, Response};
use serde_json::{Value, json};
use std::collections::BTreeSet;
use std::sync::{Arc, Mutex};

const DOCUMENT: &str = include_str!("openapi.json");

/// The document as served this month: the file, with an alias of each
/// canonical path for every route the table also answers with a trailing
/// slash, and the card expiry bounds of the month.
pub fn document() -> Arc<[u8]> {
    static SERVED: Mutex<Option<Served>> = Mutex::new(None);
    let today = this_month();
    let mut served = SERVED.lock().unwrap_or_else(|e| e.into_inner());
    match &*served {
        Some((month, bytes)) if *month == today => bytes.clone(),
        _ => {
            let mut document = with_aliases(api_routes().table());
            fill_card_expiry(&mut document, today);
            let bytes: Arc<[u8]> = serde_json::to_vec(&document)
                .expect("a JSON value serializes")
                .into();
            *served = Some((today, bytes.clone()));
            bytes
        }
    }
}

/// The document and the month it was made for.
type Served = ((i32, u8), Arc<[u8]>);

/// The current `(year, month)` in UTC, as card expiry is checked.
fn this_month() -> (i32, u8) {
    let now = jiff::Timestamp::now().to_zoned(jiff::tz::TimeZone::UTC);
    (i32::from(now.year()), now.month() as u8)
}

const EXPIRY_MARKER: &str = "x-paylink-card-expiry";

/// Replaces each expiry marker (whose value is the card fields' key
/// prefix: `""` for JSON, `"card"` for forms) with the bounds a card
/// must meet in `today`'s month: not expired, at most
/// `MAX_YEARS_AHEAD` years ahead, with a year of two digits or four.
fn fill_card_expiry(value: &mut Value, today: (i32, u8)) {
    match value {
        Value::Object(map) => {
            if let Some(Value::String(prefix)) = map.get(EXPIRY_MARKER) {
                let key = |name: &str| match prefix.as_str() {
                    "" => name.to_owned(),
                    prefix => format!("{prefix}[{name}]"),
                };
                let (year, month) = (i64::from(today.0), today.1);
                let ahead = MAX_YEARS_AHEAD;
                let short = year - 2000;
                *value = json!({"anyOf": [
                    {"properties": {key("expiration_year"): {"anyOf": [
                        {"minimum": short + 1, "maximum": (short + ahead).min(99)},
                        {"minimum": year + 1, "maximum": year + ahead},
                    ]}}},
                    {"properties": {
                        key("expiration_year"): {"enum": [short, year]},
                        key("expiration_month"): {"minimum": month},
                    }},
                ]});
                return;
            }
            map.values_mut().for_each(|v| fill_card_expiry(v, today));
        }
        Value::Array(items) => items.iter_mut().for_each(|v| fill_card_expiry(v, today)),
        _ => {}
    }
}

/// The file's document, with the trailing-slash paths of `table` copied
/// from the paths they alias (their operation ids suffixed `_slash`).
fn with_aliases(table: &[(Method, &str)]) -> Value {
    let mut document: Value = serde_json::from_str(DOCUMENT).expect("openapi.json is JSON");
    let paths = document["paths"]
        .as_object_mut()
        .expect("openapi.json has paths");
    let aliases: BTreeSet<&str> = table
        .iter()
        .map(|(_, path)| *path)
        .filter(|path| path.len() > 1 && path.ends_with('/'))
        .collect();
    for alias in aliases {
        let Some(item) = paths.get(alias.trim_end_matches('/')).cloned() else {
            continue;
        };
        let mut item = item;
        if let Some(operations) = item.as_object_mut() {
            for operation in operations.values_mut() {
                if let Some(Value::String(id)) = operation.get_mut("operationId") {
                    id.push_str("_slash");
                }
            }
        }
        paths.insert(alias.to_owned(), item);
    }
    document
}

pub async fn serve() -> Response {
    (
        [(
            header::CONTENT_TYPE,
            HeaderValue::from_static("application/json; charset=utf-8"),
        )],
        axum::body::Bytes::from_owner(document()),
    )
        .into_response()
}

#[cfg(test)]
mod tests {
    use super::*;

    const METHODS: [&str; 8] = [
        "get", "put", "post", "delete", "options", "head", "patch", "trace",
    ];

    /// Every (method, path) the document describes.
    fn documented(document: &Value) -> BTreeSet<(String, String)> {
        let mut found = BTreeSet::new();
        for (path, item) in document["paths"].as_object().expect("paths") {
            for method in METHODS {
                if item.get(method).is_some() {
                    found.insert((method.to_uppercase(), path.clone()));
                }
            }
        }
        found
    }

    #[test]
    fn the_document_describes_exactly_the_routes_the_router_answers() {
        let routes = api_routes();
        let answered: BTreeSet<(String, String)> = routes
            .table()
            .iter()
            .map(|(method, path)| (method.to_string(), (*path).to_owned()))
            .collect();
        let described = documented(&with_aliases(routes.table()));
        let undocumented: Vec<_> = answered.difference(&described).collect();
        let unrouted: Vec<_> = described.difference(&answered).collect();
        assert!(
            undocumented.is_empty(),
            "routes missing from openapi.json: {undocumented:?}"
        );
        assert!(
            unrouted.is_empty(),
            "openapi.json describes routes the router does not have: {unrouted:?}"
        );
    }

    #[test]
    fn card_expiry_bounds_follow_the_month() {
        let mut card = json!({"allOf": [{"x-paylink-card-expiry": "card"}]});
        fill_card_expiry(&mut card, (2026, 11));
        assert_eq!(
            card["allOf"][0]["anyOf"][1]["properties"],
            json!({"card[expiration_year]": {"enum": [26, 2026]},
                   "card[expiration_month]": {"minimum": 11}})
        );
        assert_eq!(
            card["allOf"][0]["anyOf"][0]["properties"]["card[expiration_year]"]["anyOf"][1],
            json!({"minimum": 2027, "maximum": 2046})
        );
    }

    #[test]
    fn the_document_is_openapi_3_1_with_unique_operation_ids() {
        let served = document();
        assert!(!String::from_utf8_lossy(&served).contains(EXPIRY_MARKER));
        let document: Value = serde_json::from_slice(&served).expect("JSON");
        assert_eq!(document["openapi"].as_str().map(|v| &v[..3]), Some("3.1"));
        let mut ids = BTreeSet::new();
        for item in document["paths"].as_object().expect("paths").values() {
            for method in METHODS {
                if let Some(operation) = item.get(method) {
                    let id = operation["operationId"].as_str().expect("an operationId");
                    assert!(ids.insert(id.to_owned()), "operationId {id} twice");
                }
            }
        }
        assert!(!ids.is_empty());
    }
}
