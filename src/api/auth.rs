//! HTTP Basic authentication with Omise keys.

use super::cache::LinkStamp;
use super::error::ApiError;
use super::{AppState, IdPath};
use crate::domain::{Kind, Mode, ObjectId};
use crate::store::{ChangeToken, KeyKind, Principal};
use axum::extract::FromRequestParts;
use axum::http::header;
use axum::http::request::Parts;
use base64::Engine;
use sha2::{Digest, Sha256};

/// How a key is stored: the SHA-256 of the key, in hex. Keys carry about
/// 98 random bits, so a fast hash is enough; no salt or stretching needed.
pub fn hash_key(key: &str) -> String {
    const HEX: &[u8; 16] = b"0123456789abcdef";
    let digest = Sha256::digest(key.as_bytes());
    let mut hex = String::with_capacity(2 * digest.len());
    for b in digest {
        hex.push(char::from(HEX[usize::from(b >> 4)]));
        hex.push(char::from(HEX[usize::from(b & 0xf)]));
    }
    hex
}

/// The key user name of a Basic `Authorization` header; any password is ignored.
fn basic_user(parts: &Parts) -> Option<String> {
    let value = parts.headers.get(header::AUTHORIZATION)?.to_str().ok()?;
    let (scheme, encoded) = value.trim().split_once(' ')?;
    if !scheme.eq_ignore_ascii_case("basic") {
        return None;
    }
    let decoded = base64::engine::general_purpose::STANDARD
        .decode(encoded.trim())
        .ok()?;
    let decoded = String::from_utf8(decoded).ok()?;
    let user = decoded.split_once(':').map_or(decoded.as_str(), |(u, _)| u);
    Some(user.to_owned())
}

/// The hash of the request's well-formed key.
fn key_hash(parts: &Parts) -> Result<String, ApiError> {
    let key = basic_user(parts).ok_or(ApiError::Authentication)?;
    let well_formed = ["pkey_", "skey_"].iter().any(|p| key.starts_with(p)) && key.len() <= 64;
    if !well_formed {
        return Err(ApiError::Authentication);
    }
    Ok(hash_key(&key))
}

async fn authenticate(parts: &Parts, state: &AppState) -> Result<Principal, ApiError> {
    let hash = key_hash(parts)?;
    principal(state, state.store.change_token(), &hash).await
}

/// The principal of a key's hash, kept in the read cache after `token`.
async fn principal(
    state: &AppState,
    token: Option<ChangeToken>,
    hash: &str,
) -> Result<Principal, ApiError> {
    if let Some(principal) = state.cache.principal(state.store.as_ref(), token, hash) {
        return Ok(principal);
    }
    let principal = state
        .store
        .principal(hash)
        .await?
        .ok_or(ApiError::Authentication)?;
    state
        .cache
        .keep_principal(state.store.as_ref(), token, hash, &principal);
    Ok(principal)
}

/// A request about one link (`/links/{id}` and its charges) made with a
/// secret key, with what an answer about the link may be kept by: the
/// change token taken before the key was checked, which the handler uses
/// too; or, for a store without one, the link's stamp, read in the same
/// statement as the key (see `Store::principal_and_link_stamp`), so that a
/// kept answer costs one round trip.
#[derive(Debug, Clone)]
pub struct LinkReader {
    pub principal: Principal,
    pub token: Option<ChangeToken>,
    pub stamp: Option<LinkStamp>,
}

impl FromRequestParts<AppState> for LinkReader {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, ApiError> {
        let hash = key_hash(parts)?;
        let token = state.store.change_token();
        let (principal, stamp) = match token {
            Some(_) => (principal(state, token, &hash).await?, None),
            None => {
                let IdPath(raw): IdPath = IdPath::from_request_parts(parts, state).await?;
                // An id that cannot be a link's (a NUL byte, which
                // PostgreSQL refuses in any text, say) has no stamp to
                // read: the handler answers it without a query.
                if ObjectId::parse(Kind::Link, &raw).is_none() {
                    (principal(state, token, &hash).await?, None)
                } else {
                    state
                        .store
                        .principal_and_link_stamp(&hash, &raw)
                        .await?
                        .ok_or(ApiError::Authentication)?
                }
            }
        };
        if principal.kind != KeyKind::Secret {
            return Err(ApiError::Authentication);
        }
        Ok(LinkReader {
            principal,
            token,
            stamp,
        })
    }
}

/// A request made with a secret key: the merchant's API calls.
#[derive(Debug, Clone)]
pub struct SecretKey(pub Principal);

/// A request made with a public key: tokenization.
#[derive(Debug, Clone)]
pub struct PublicKey(pub Principal);

/// A request made with either key of an account.
#[derive(Debug, Clone)]
pub struct AnyKey(pub Principal);

impl FromRequestParts<AppState> for SecretKey {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, ApiError> {
        match authenticate(parts, state).await? {
            p if p.kind == KeyKind::Secret => Ok(SecretKey(p)),
            _ => Err(ApiError::Authentication),
        }
    }
}

impl FromRequestParts<AppState> for PublicKey {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, ApiError> {
        match authenticate(parts, state).await? {
            p if p.kind == KeyKind::Public => Ok(PublicKey(p)),
            _ => Err(ApiError::Authentication),
        }
    }
}

impl FromRequestParts<AppState> for AnyKey {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, ApiError> {
        authenticate(parts, state).await.map(AnyKey)
    }
}

/// A fresh key of `kind` in `mode`: `skey_test_…`, `pkey_…`.
pub fn new_key(kind: KeyKind, mode: Mode) -> String {
    let prefix = match kind {
        KeyKind::Public => "pkey",
        KeyKind::Secret => "skey",
    };
    let suffix = crate::domain::id::random_suffix();
    match mode {
        Mode::Test => format!("{prefix}_test_{suffix}"),
        Mode::Live => format!("{prefix}_{suffix}"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hashes_are_hex_sha256() {
        assert_eq!(
            hash_key("abc"),
            "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"
        );
    }

    #[test]
    fn keys_have_the_omise_shape() {
        let key = new_key(KeyKind::Secret, Mode::Test);
        assert!(key.starts_with("skey_test_") && key.len() == 10 + 19);
        let key = new_key(KeyKind::Public, Mode::Live);
        assert!(key.starts_with("pkey_") && !key.contains("_test_") && key.len() == 5 + 19);
    }
}
