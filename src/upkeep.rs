//! Upkeep in the background: expires 3-D Secure charges that nobody
//! completed in time, and moves newly written rows into the search index.
//!
//! The deadline is stored with each pending charge, so nothing is lost to a
//! restart: the next look after it finds every charge past its time. Every
//! `paylink serve` looks; a charge completes only while it is pending, so
//! two processes expiring it at once make one `charge.complete` between
//! them.

use crate::domain::charge::Completion;
use crate::domain::list::now;
use crate::store::Store;
use std::sync::Arc;
use std::time::Duration;
use tokio::sync::watch;

/// Most charges expired in one look.
const BATCH: u32 = 100;

/// Longest a written row waits for the search index (searches see it
/// meanwhile all the same).
const INDEX_INTERVAL: Duration = Duration::from_millis(250);

/// Looks every `interval` (or sooner, to index) until `stop` turns true.
pub async fn run(store: Arc<dyn Store>, interval: Duration, mut stop: watch::Receiver<bool>) {
    let interval = interval.min(INDEX_INTERVAL);
    let mut failures = 0u32;
    while !*stop.borrow() {
        if let Err(e) = store.index_search_queue().await {
            tracing::warn!(error = %e, "rows cannot be moved into the search index");
        }
        match expire_due(store.as_ref()).await {
            Ok(n) if n == BATCH as usize => continue,
            Ok(_) => failures = 0,
            Err(e) => {
                failures += 1;
                if failures == 1 || failures % 60 == 0 {
                    tracing::warn!(error = %e, "pending charges cannot be expired");
                }
            }
        }
        tokio::select! {
            () = tokio::time::sleep(interval) => {}
            _ = stop.changed() => {}
        }
    }
}

/// Expires the pending charges past their time; how many were due.
pub async fn expire_due(store: &dyn Store) -> crate::store::StoreResult<usize> {
    let at = now();
    let due = store.pending_charges_due(at, BATCH).await?;
    for id in &due {
        // Another process, or the payer, may have completed it meanwhile:
        // then this does nothing.
        store.complete_charge(id, Completion::Expired, at).await?;
    }
    Ok(due.len())
}
