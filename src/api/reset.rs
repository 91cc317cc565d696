//! `POST /_paylink/reset`: paylink's own, not Omise's. Empties an account's
//! test mode so that each test can start from a known state without a
//! restart. A live key is refused: nothing of live mode is ever deleted.

use super::auth::SecretKey;
use super::error::{ApiError, Result};
use super::{AppState, json_response};
use crate::domain::Mode;
use crate::store::ResetCounts;
use axum::extract::State;
use axum::response::Response;
use serde::Serialize;

#[derive(Serialize)]
struct Reset {
    object: &'static str,
    livemode: bool,
    deleted: ResetCounts,
}

pub async fn reset(State(state): State<AppState>, SecretKey(key): SecretKey) -> Result<Response> {
    if key.mode == Mode::Live {
        return Err(ApiError::Forbidden(
            "reset deletes test-mode data only: use a secret test key".into(),
        ));
    }
    let deleted = state.store.reset_test_mode(&key.account_id).await?;
    tracing::info!(account = %key.account_id, ?deleted, "test mode reset");
    Ok(json_response(&Reset {
        object: "reset",
        livemode: false,
        deleted,
    }))
}
