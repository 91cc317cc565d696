//! Calls to paylink's API as a client makes them, for setting up scenarios
//! and checking what the load runs asked for.

use crate::Result;
use base64::Engine;
use reqwest::StatusCode;
use reqwest::redirect::Policy;
use serde_json::{Value, json};
use std::time::Duration;

/// A keep-alive client that does not follow the payment page's redirect:
/// the 303 itself is the answer being counted.
pub fn http_client() -> Result<reqwest::Client> {
    Ok(reqwest::Client::builder()
        .redirect(Policy::none())
        .pool_max_idle_per_host(128)
        .timeout(Duration::from_secs(30))
        .build()?)
}

/// The `Authorization` header value for a key.
pub fn basic(key: &str) -> String {
    format!(
        "Basic {}",
        base64::engine::general_purpose::STANDARD.encode(format!("{key}:"))
    )
}

/// The test card every payer uses; it always succeeds.
pub fn card_body() -> Value {
    json!({"card": {
        "name": "Bench",
        "number": "4242424242424242",
        "expiration_month": 12,
        "expiration_year": 2040,
        "security_code": "123",
    }})
}

async fn json_ok(response: reqwest::Response, what: &str) -> Result<Value> {
    let status = response.status();
    let body = response.text().await?;
    if status != StatusCode::OK {
        return Err(format!("{what}: HTTP {status}: {body}").into());
    }
    Ok(serde_json::from_str(&body)?)
}

/// A link made through the API; returns its id and `payment_uri`.
pub async fn create_link(
    client: &reqwest::Client,
    base: &str,
    secret_key: &str,
    title: &str,
    multiple: bool,
) -> Result<(String, String)> {
    let response = client
        .post(format!("{base}/links"))
        .header("Authorization", basic(secret_key))
        .json(&json!({
            "amount": 100000,
            "currency": "THB",
            "title": title,
            "description": "Made by the benchmark",
            "multiple": multiple,
        }))
        .send()
        .await?;
    let link = json_ok(response, "POST /links").await?;
    let field = |name: &str| {
        link[name]
            .as_str()
            .map(str::to_owned)
            .ok_or_else(|| format!("POST /links answered no {name}: {link}"))
    };
    Ok((field("id")?, field("payment_uri")?))
}

/// A card token made with the public key; returns its id.
pub async fn create_token(
    client: &reqwest::Client,
    base: &str,
    public_key: &str,
) -> Result<String> {
    let response = client
        .post(format!("{base}/tokens"))
        .header("Authorization", basic(public_key))
        .json(&card_body())
        .send()
        .await?;
    let token = json_ok(response, "POST /tokens").await?;
    token["id"]
        .as_str()
        .map(str::to_owned)
        .ok_or_else(|| format!("POST /tokens answered no id: {token}").into())
}

/// The exact bytes of a 200 answer to `GET path`.
pub async fn get_bytes(
    client: &reqwest::Client,
    base: &str,
    path: &str,
    secret_key: &str,
) -> Result<Vec<u8>> {
    let response = client
        .get(format!("{base}{path}"))
        .header("Authorization", basic(secret_key))
        .send()
        .await?;
    let status = response.status();
    let body = response.bytes().await?;
    if status != StatusCode::OK {
        return Err(format!(
            "GET {path}: HTTP {status}: {}",
            String::from_utf8_lossy(&body)
        )
        .into());
    }
    Ok(body.to_vec())
}

/// `GET path` answered 200 with JSON.
pub async fn get_json(
    client: &reqwest::Client,
    base: &str,
    path: &str,
    secret_key: &str,
) -> Result<Value> {
    let bytes = get_bytes(client, base, path, secret_key).await?;
    Ok(serde_json::from_slice(&bytes)?)
}

/// `PATCH /account` with `webhook_uri` (empty turns delivery off); checks
/// that the account answered with the URI it was given.
pub async fn set_webhook(
    client: &reqwest::Client,
    base: &str,
    secret_key: &str,
    uri: &str,
) -> Result<()> {
    let response = client
        .patch(format!("{base}/account"))
        .header("Authorization", basic(secret_key))
        .form(&[("webhook_uri", uri)])
        .send()
        .await?;
    let account = json_ok(response, "PATCH /account").await?;
    let now = account["webhook_uri"].as_str().unwrap_or_default();
    if now != uri {
        return Err(format!(
            "PATCH /account with webhook_uri={uri:?} answered webhook_uri {}",
            account["webhook_uri"]
        )
        .into());
    }
    Ok(())
}
