//! The fixer lease shared by two sinks on one store (one file, schema, database or key
//! prefix): one instance at a time runs the active-entities fixer, and another takes over
//! when the holder stops renewing.

use std::time::Duration;

use crate::sink::Sink;

/// Initialises `first`, then checks that `first` and `second`, two sinks on the same store,
/// hand the lease over as the fixer expects: held, refused to the other, renewed, and taken
/// over once expired.
pub async fn check_shared_fixer_lease(first: &dyn Sink, second: &dyn Sink) {
    first.initialize().await.expect("initialised");
    let ttl = Duration::from_millis(500);
    assert!(lease(first, "a", ttl).await);
    assert!(!lease(second, "b", ttl).await, "held by a");
    assert!(lease(first, "a", ttl).await, "a renews");
    tokio::time::sleep(ttl * 2).await;
    assert!(lease(second, "b", ttl).await, "expired: b takes it");
    assert!(!lease(first, "a", ttl).await);
}

async fn lease(sink: &dyn Sink, holder: &str, ttl: Duration) -> bool {
    sink.active_entity_store()
        .expect("store")
        .acquire_lease(holder, ttl)
        .await
        .expect("lease query")
}
