//! The page's stylesheet and script, served by paylink itself under names
//! that carry a hash of their content, so a browser may cache them for good
//! and a new release is never shown with an old stylesheet.

use crate::api::IdPath;
use crate::api::error::ApiError;
use axum::http::{HeaderName, header};
use axum::response::{IntoResponse, Response};
use sha2::{Digest, Sha256};
use std::sync::LazyLock;

pub struct Asset {
    /// The file name, e.g. `pay.3f2a9c1b.css`.
    file: String,
    content_type: &'static str,
    body: &'static str,
}

impl Asset {
    fn new(stem: &str, extension: &str, content_type: &'static str, body: &'static str) -> Asset {
        let digest = Sha256::digest(body.as_bytes());
        let hash: String = digest[..4].iter().map(|b| format!("{b:02x}")).collect();
        Asset {
            file: format!("{stem}.{hash}.{extension}"),
            content_type,
            body,
        }
    }

    /// The path a page links to.
    pub fn href(&self) -> String {
        format!("/assets/{}", self.file)
    }
}

pub static STYLESHEET: LazyLock<Asset> = LazyLock::new(|| {
    Asset::new(
        "pay",
        "css",
        "text/css; charset=utf-8",
        include_str!("assets/pay.css"),
    )
});

pub static SCRIPT: LazyLock<Asset> = LazyLock::new(|| {
    Asset::new(
        "pay",
        "js",
        "text/javascript; charset=utf-8",
        include_str!("assets/pay.js"),
    )
});

/// The dashboard's own stylesheet and script (`src/dashboard/assets/`).
pub static DASHBOARD_STYLESHEET: LazyLock<Asset> = LazyLock::new(|| {
    Asset::new(
        "dashboard",
        "css",
        "text/css; charset=utf-8",
        include_str!("../dashboard/assets/dashboard.css"),
    )
});

pub static DASHBOARD_SCRIPT: LazyLock<Asset> = LazyLock::new(|| {
    Asset::new(
        "dashboard",
        "js",
        "text/javascript; charset=utf-8",
        include_str!("../dashboard/assets/dashboard.js"),
    )
});

/// `GET /assets/{file}`.
pub async fn serve(IdPath(file): IdPath) -> Response {
    let assets = [
        &*STYLESHEET,
        &*SCRIPT,
        &*DASHBOARD_STYLESHEET,
        &*DASHBOARD_SCRIPT,
    ];
    let Some(asset) = assets.into_iter().find(|asset| asset.file == file) else {
        return ApiError::RouteNotFound.into_response();
    };
    (
        [
            (header::CONTENT_TYPE, asset.content_type),
            (header::CACHE_CONTROL, "public, max-age=31536000, immutable"),
            (HeaderName::from_static("x-content-type-options"), "nosniff"),
        ],
        asset.body,
    )
        .into_response()
}
