//! `GET /capability`: what an account can take, with either key.

use super::auth::AnyKey;
use super::error::Result;
use super::version::RequestedVersion;
use super::{AppState, json_response};
use crate::domain::card::Brand;
use crate::domain::money::Currency;
use axum::extract::State;
use axum::response::Response;
use serde::Serialize;

#[derive(Serialize)]
struct PaymentMethod {
    object: &'static str,
    name: &'static str,
    currencies: Vec<&'static str>,
    card_brands: Vec<&'static str>,
    installment_terms: Option<()>,
    banks: [(); 0],
}

#[derive(Serialize)]
struct Bounds {
    min: i64,
    max: i64,
}

#[derive(Serialize)]
struct Limits {
    /// The account's currency (THB), in its smallest unit.
    charge_amount: Bounds,
}

#[derive(Serialize)]
struct Capability {
    object: &'static str,
    location: &'static str,
    country: &'static str,
    banks: [(); 0],
    limits: Limits,
    payment_methods: Vec<PaymentMethod>,
    tokenization_methods: [(); 0],
    zero_interest_installments: bool,
}

pub async fn retrieve(
    State(_): State<AppState>,
    AnyKey(_): AnyKey,
    version: RequestedVersion,
) -> Result<Response> {
    // One shape in every version; an unsupported one is refused all the same.
    version.resolve()?;
    let (min, max) = Currency::Thb.bounds();
    Ok(json_response(&Capability {
        object: "capability",
        location: "/capability",
        country: "TH",
        banks: [],
        limits: Limits {
            charge_amount: Bounds { min, max },
        },
        payment_methods: vec![PaymentMethod {
            object: "payment_method",
            name: "card",
            currencies: Currency::ALL.iter().map(|c| c.code()).collect(),
            card_brands: Brand::ALL.iter().map(|b| b.name()).collect(),
            installment_terms: None,
            banks: [],
        }],
        tokenization_methods: [],
        zero_interest_installments: false,
    }))
}
