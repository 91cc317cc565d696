//! The `Omise-Version` header picks the response shape.

use super::error::ApiError;
use axum::extract::FromRequestParts;
use axum::http::request::Parts;
use std::convert::Infallible;

/// The response shape of a request.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Version {
    /// 2019-05-29, the default.
    Current,
    /// 2015-11-17 (and the older shapes accepted as it): `created`,
    /// lowercase currency, no `used_at` / `deleted_at`.
    Legacy,
}

impl Version {
    /// The version events are shown in unless an account chose another.
    pub const CURRENT: &'static str = "2019-05-29";

    /// The account setting's name for this shape.
    pub fn as_str(self) -> &'static str {
        match self {
            Version::Current => Version::CURRENT,
            Version::Legacy => "2015-11-17",
        }
    }

    pub fn parse(raw: &str) -> Option<Version> {
        match raw.trim() {
            "2019-05-29" => Some(Version::Current),
            "2015-11-17" | "2014-07-27" | "2017-11-02" => Some(Version::Legacy),
            _ => None,
        }
    }
}

/// The header as sent; resolved after authentication and the id are
/// checked, so that a bad version never hides a 401 or 404.
#[derive(Debug, Clone)]
pub struct RequestedVersion(Option<Result<String, ()>>);

impl RequestedVersion {
    pub fn resolve(&self) -> Result<Version, ApiError> {
        match &self.0 {
            None => Ok(Version::Current),
            Some(Ok(raw)) if raw.trim().is_empty() => Ok(Version::Current),
            Some(Ok(raw)) => Version::parse(raw).ok_or_else(|| {
                ApiError::BadRequest(format!("Omise-Version {raw:?} is not supported"))
            }),
            Some(Err(())) => Err(ApiError::BadRequest(
                "Omise-Version is not supported".into(),
            )),
        }
    }
}

impl<S: Send + Sync> FromRequestParts<S> for RequestedVersion {
    type Rejection = Infallible;

    async fn from_request_parts(parts: &mut Parts, _: &S) -> Result<Self, Infallible> {
        let raw = parts
            .headers
            .get("omise-version")
            .map(|v| v.to_str().map(str::to_owned).map_err(|_| ()));
        Ok(RequestedVersion(raw))
    }
}
