//! `GET /charges`, `GET /charges/{id}` and the charge object.

use super::error::{ApiError, Result};
use super::params::Params;
use super::version::{RequestedVersion, Version};
use super::{AppState, IdPath, json_response, list_json};
use crate::api::auth::SecretKey;
use crate::domain::charge::{Charge, StoredCard, fees};
use crate::domain::list::{Page, format_time, now};
use crate::domain::{Kind, Mode, ObjectId};
use axum::extract::State;
use axum::response::Response;
use serde_json::{Value, json};

/// Omise's `created_at` in the current shape, `created` in the legacy one.
pub fn created_key(version: Version) -> &'static str {
    match version {
        Version::Current => "created_at",
        Version::Legacy => "created",
    }
}

/// The card object, as on a token and on a charge.
pub fn card_json(card: &StoredCard, mode: Mode, version: Version) -> Value {
    let mut body = json!({
        "object": "card",
        "id": card.id,
        "livemode": mode.is_live(),
        "location": null,
        "deleted": false,
        "street1": null,
        "street2": null,
        "city": card.city,
        "state": null,
        "phone_number": null,
        "postal_code": card.postal_code,
        "country": card.country,
        "financing": card.financing,
        "bank": null,
        "brand": card.brand,
        "fingerprint": card.fingerprint,
        "first_digits": null,
        "last_digits": card.last_digits,
        "name": card.name,
        "expiration_month": card.expiration_month,
        "expiration_year": card.expiration_year,
        "security_code_check": true,
        "tokenization_method": null,
    });
    body[created_key(version)] = json!(format_time(card.created_at));
    body
}

/// The charge object with every field of the real one.
pub fn charge_json(charge: &Charge, version: Version) -> Value {
    let paid = charge.status.paid();
    let (fee, fee_vat, net) = fees(charge.amount, charge.status);
    let created = format_time(charge.created_at);
    let currency = match version {
        Version::Current => charge.currency.code(),
        Version::Legacy => charge.currency.code_lower(),
    };
    let location = format!("/charges/{}", charge.id);
    let paid_amount = if paid { charge.amount } else { 0 };
    let failure = charge.status.failure();
    let mut body = json!({
        "object": "charge",
        "id": charge.id,
        "livemode": charge.mode.is_live(),
        "location": location,
        "amount": charge.amount,
        "acquirer_reference_number": null,
        "authorization_type": null,
        "authorized_amount": paid_amount,
        "branch": null,
        "captured_amount": paid_amount,
        "currency": currency,
        "description": charge.description,
        "device": null,
        "metadata": {},
        "status": charge.status.as_str(),
        "paid": paid,
        "paid_at": paid.then(|| created.clone()),
        "authorized": paid,
        "capturable": false,
        "capture": true,
        "net": net,
        "fee": fee,
        "fee_vat": fee_vat,
        "interest": 0,
        "interest_vat": 0,
        "refunded_amount": 0,
        "funding_amount": charge.amount,
        "funding_currency": charge.currency.code(),
        "transaction_fees": {"fee_flat": "0.0", "fee_rate": "3.65", "vat_rate": "7.0"},
        "refunds": {
            "object": "list",
            "data": [],
            "limit": 20,
            "offset": 0,
            "total": 0,
            "order": "chronological",
            "location": format!("{location}/refunds"),
            "from": "1970-01-01T00:00:00Z",
            "to": format_time(now()),
        },
        "link": charge.link_id,
        "card": card_json(&charge.card, charge.mode, version),
        "customer": null,
        "source": null,
        "schedule": null,
        "dispute": null,
        "transaction": null,
        "terminal": null,
        "platform_fee": {"fixed": null, "amount": null, "percentage": null},
        "failure_code": failure.map(|f| f.code()),
        "failure_message": failure.map(|f| f.message()),
        "merchant_advice": null,
        "merchant_advice_code": null,
        "ip": charge.ip,
        "return_uri": null,
        "authorize_uri": null,
        "reversed": false,
        "reversible": false,
        "refundable": paid,
        "voided": false,
        "disputable": paid,
        "expired": false,
        "expires_at": format_time(charge.created_at + 7 * 24 * 3600 * 1_000_000),
        "expired_at": null,
        "reversed_at": null,
        "zero_interest_installments": false,
        "installment_terms": null,
        "missing_3ds_fields": [],
    });
    if version == Version::Legacy {
        // 2015-11-17 names the refunded amount `refunded`; 2019-05-29
        // renamed it `refunded_amount`.
        if let Some(fields) = body.as_object_mut() {
            fields.remove("refunded_amount");
            fields.insert("refunded".into(), json!(0));
        }
    }
    body[created_key(version)] = json!(created);
    body
}

/// A page of charges as a list object.
pub fn charges_list(page: &Page<Charge>, location: &str, version: Version) -> Value {
    let data = page.data.iter().map(|c| charge_json(c, version)).collect();
    list_json(data, page.total, &page.window, location)
}

pub async fn list(
    State(state): State<AppState>,
    SecretKey(principal): SecretKey,
    version: RequestedVersion,
    params: Params,
) -> Result<Response> {
    let version = version.resolve()?;
    let window = params.window(now())?;
    let page = state
        .store
        .account_charges(&principal.account_id, principal.mode, &window)
        .await?;
    Ok(json_response(&charges_list(&page, "/charges", version)))
}

pub async fn retrieve(
    State(state): State<AppState>,
    SecretKey(principal): SecretKey,
    IdPath(raw): IdPath,
    version: RequestedVersion,
) -> Result<Response> {
    let not_found = || ApiError::not_found("charge", raw.clone());
    let id = ObjectId::parse(Kind::Charge, &raw).ok_or_else(not_found)?;
    let charge = state
        .store
        .charge(&principal.account_id, principal.mode, id.as_str())
        .await?
        .ok_or_else(not_found)?;
    Ok(json_response(&charge_json(&charge, version.resolve()?)))
}
