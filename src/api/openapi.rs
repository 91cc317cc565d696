//! `GET /openapi.json`: the API described in OpenAPI 3.1. The document is
//! written by hand (`openapi.json` beside this file) for the canonical
//! paths; the trailing-slash forms some clients call are added from the
//! route table, and a test holds the document and the table equal.

use super::api_routes;
use axum::http::{HeaderValue, Method, header};
use axum::response::{IntoResponse, Response};
use serde_json::Value;
use std::collections::BTreeSet;
use std::sync::OnceLock;

const DOCUMENT: &str = include_str!("openapi.json");

/// The document as served: the file, with an alias of each canonical path
/// for every route the table also answers with a trailing slash.
pub fn document() -> &'static [u8] {
    static SERVED: OnceLock<Vec<u8>> = OnceLock::new();
    SERVED.get_or_init(|| {
        let table = api_routes().table().to_vec();
        let document = with_aliases(&table);
        serde_json::to_vec(&document).expect("a JSON value serializes")
    })
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
        document(),
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
    fn the_document_is_openapi_3_1_with_unique_operation_ids() {
        let document: Value = serde_json::from_slice(document()).expect("JSON");
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
