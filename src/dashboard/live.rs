//! `GET /dashboard/live`: server-sent events that tell an open overview or
//! charges page that the session's charges changed, so that its script
//! can bring the new rows in without a reload. Each stream looks at the
//! newest charge once a second; a change from any process shows, since it
//! is read from the database.

use super::session::Signed;
use crate::api::AppState;
use crate::domain::list::{ListWindow, Order, now};
use axum::extract::State;
use axum::response::sse::{Event, KeepAlive, Sse};
use futures_util::Stream;
use std::convert::Infallible;
use std::time::Duration;

/// How often a stream looks for a change.
const EVERY: Duration = Duration::from_secs(1);

/// What changes when a charge is made, completed or refunded.
async fn stamp(state: &AppState, account_id: &str, mode: crate::domain::Mode) -> Option<String> {
    let window = ListWindow {
        limit: 1,
        offset: 0,
        order: Order::ReverseChronological,
        from: 0,
        to: now(),
    };
    let page = state
        .store
        .account_charges(account_id, mode, &window)
        .await
        .ok()?;
    let newest = page.data.first();
    Some(format!(
        "{}:{}:{}:{}",
        page.total,
        newest.map_or("", |c| c.id.as_str()),
        newest.map_or("", |c| c.status.as_str()),
        newest.map_or(0, |c| c.refunded_amount),
    ))
}

pub async fn events(
    State(state): State<AppState>,
    signed: Signed,
) -> Sse<impl Stream<Item = Result<Event, Infallible>>> {
    let account_id = signed.session.account_id.clone();
    let mode = signed.session.mode;
    let first = stamp(&state, &account_id, mode).await;
    let stream = futures_util::stream::unfold(
        (state, account_id, first),
        move |(state, account_id, mut last)| async move {
            loop {
                tokio::time::sleep(EVERY).await;
                let now = stamp(&state, &account_id, mode).await;
                if now.is_some() && now != last {
                    last = now;
                    let event = Event::default().event("charges").data("changed");
                    return Some((Ok(event), (state, account_id, last)));
                }
            }
        },
    );
    Sse::new(stream).keep_alive(KeepAlive::default())
}
