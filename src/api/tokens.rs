//! `POST /tokens` (public key) and `GET /tokens/{id}` (either key).

use super::error::{ApiError, Result};
use super::objects::TokenObject;
use super::params::Params;
use super::version::RequestedVersion;
use super::visible;
use super::{AppState, IdPath, json_response};
use crate::api::auth::{AnyKey, PublicKey};
use crate::domain::card::{CardInput, given_security_code, validate};
use crate::domain::charge::{StoredCard, Token};
use crate::domain::id::new_id;
use crate::domain::list::now;
use crate::domain::{Kind, Mode};
use axum::extract::State;
use axum::response::Response;

/// The billing address a token's card may carry.
#[derive(Debug, Default)]
pub struct BillingAddress {
    pub city: Option<String>,
    pub postal_code: Option<String>,
}

/// Validates a card and stores a token for it: the one way tokens are
/// made, for `POST /tokens` and for the payment page's form alike. A card
/// with a problem is `invalid_card`, with the first problem as message.
///
/// `address` is as the request gave it: a malformed one is reported only
/// for a card that is otherwise valid, so that the card's problem comes
/// first.
pub async fn tokenize(
    state: &AppState,
    account_id: &str,
    mode: Mode,
    card: &CardInput<'_>,
    address: Result<BillingAddress>,
) -> Result<Token> {
    let today = jiff::Timestamp::now().to_zoned(jiff::tz::TimeZone::UTC);
    // The account id salts fingerprints: the same card looks different to
    // different merchants, as it does on Omise.
    let valid = validate(
        card,
        (i32::from(today.year()), today.month() as u8),
        account_id,
    )
    .map_err(|e| ApiError::InvalidCard(e.to_string()))?;
    let address = address?;
    // PostgreSQL holds no NUL in text, nor in the card's JSON it searches.
    for (field, text) in [
        ("name", Some(card.name)),
        ("city", address.city.as_deref()),
        ("postal_code", address.postal_code.as_deref()),
    ] {
        if text.is_some_and(|t| t.contains('\0')) {
            return Err(ApiError::InvalidCard(format!(
                "{field} must not contain NUL characters"
            )));
        }
    }
    // An address part too long to keep is dropped, not refused.
    let kept = |part: Option<String>| part.filter(|s| s.chars().count() <= 255);
    let created_at = now();
    let token = Token {
        id: new_id(Kind::Token, mode),
        account_id: account_id.to_owned(),
        mode,
        card: StoredCard::new(
            new_id(Kind::Card, mode),
            &valid,
            kept(address.city),
            kept(address.postal_code),
            created_at,
        ),
        outcome: valid.outcome,
        used: false,
        created_at,
    };
    state.store.insert_token(&token).await?;
    Ok(token)
}

/// The address fields of a `card` parameter.
fn billing_address(card: &Params) -> Result<BillingAddress> {
    Ok(BillingAddress {
        city: card.text("city", ApiError::InvalidCard)?,
        postal_code: card.text("postal_code", ApiError::InvalidCard)?,
    })
}

pub async fn create(
    State(state): State<AppState>,
    PublicKey(principal): PublicKey,
    version: RequestedVersion,
    params: Params,
) -> Result<Response> {
    let version = version.resolve()?;
    let card = params.object("card", ApiError::InvalidCard)?;
    let invalid = ApiError::InvalidCard;
    let name = card.text("name", invalid)?.unwrap_or_default();
    let number = card.text("number", invalid)?.unwrap_or_default();
    // Optional, as on Omise: a card without one is tokenized unchecked.
    let security_code = card.text("security_code", invalid)?;
    let input = CardInput {
        name: &name,
        number: &number,
        expiration_month: card.int("expiration_month", invalid)?.unwrap_or(0),
        expiration_year: card.int("expiration_year", invalid)?.unwrap_or(0),
        security_code: given_security_code(security_code.as_deref()),
    };
    let address = billing_address(&card);
    let token = tokenize(
        &state,
        &principal.account_id,
        principal.mode,
        &input,
        address,
    )
    .await?;
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
