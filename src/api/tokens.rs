//! `POST /tokens` (public key) and `GET /tokens/{id}` (either key).

use super::error::{ApiError, Result};
use super::objects::TokenObject;
use super::params::Params;
use super::version::RequestedVersion;
use super::visible;
use super::{AppState, IdPath, json_response};
use crate::api::auth::{AnyKey, PublicKey};
use crate::domain::card::{CardInput, validate};
use crate::domain::charge::{StoredCard, Token};
use crate::domain::id::new_id;
use crate::domain::list::now;
use crate::domain::{Kind, Mode};
use axum::extract::State;
use axum::response::Response;

/// Validates card fields and stores a token for them. `card` holds the
/// fields without brackets: `name`, `number`, `expiration_month`, ...
pub async fn tokenize(
    state: &AppState,
    account_id: &str,
    mode: Mode,
    card: &Params,
) -> Result<Token> {
    let invalid = ApiError::InvalidCard;
    let name = card.text("name", invalid)?.unwrap_or_default();
    let number = card.text("number", invalid)?.unwrap_or_default();
    let security_code = card.text("security_code", invalid)?.unwrap_or_default();
    let input = CardInput {
        name: &name,
        number: &number,
        expiration_month: card.int("expiration_month", invalid)?.unwrap_or(0),
        expiration_year: card.int("expiration_year", invalid)?.unwrap_or(0),
        security_code: &security_code,
    };
    let today = jiff::Timestamp::now().to_zoned(jiff::tz::TimeZone::UTC);
    // The account id salts fingerprints: the same card looks different to
    // different merchants, as it does on Omise.
    let valid = validate(
        &input,
        (i32::from(today.year()), today.month() as u8),
        account_id,
    )
    .map_err(|e| ApiError::InvalidCard(e.to_string()))?;
    let optional = |name: &str| -> Result<Option<String>> {
        Ok(card
            .text(name, invalid)?
            .filter(|s| s.chars().count() <= 255))
    };
    let created_at = now();
    let token = Token {
        id: new_id(Kind::Token, mode),
        account_id: account_id.to_owned(),
        mode,
        card: StoredCard::new(
            new_id(Kind::Card, mode),
            &valid,
            optional("city")?,
            optional("postal_code")?,
            created_at,
        ),
        outcome: valid.outcome,
        used: false,
        created_at,
    };
    state.store.insert_token(&token).await?;
    Ok(token)
}

pub async fn create(
    State(state): State<AppState>,
    PublicKey(principal): PublicKey,
    version: RequestedVersion,
    params: Params,
) -> Result<Response> {
    let version = version.resolve()?;
    let card = params.object("card", ApiError::InvalidCard)?;
    let token = tokenize(&state, &principal.account_id, principal.mode, &card).await?;
    Ok(json_response(&TokenObject::new(&token, version)))
}

pub async fn retrieve(
    State(state): State<AppState>,
    AnyKey(principal): AnyKey,
    IdPath(raw): IdPath,
    version: RequestedVersion,
) -> Result<Response> {
    let token = visible::token(&state, &principal, &raw).await?;
    Ok(json_response(&TokenObject::new(&token, version.resolve()?)))
}
