//! What the rows of [`crate::ActiveEntityQueries`] become, the same for both SQL sinks.

use std::time::{Duration, SystemTime, UNIX_EPOCH};

use analytics_core::{fixer::StoredActiveEntity, Entity};
use serde_json::{Map, Value};

/// A row of [`crate::ActiveEntityQueries::active_entities`]: `(id, entity, event_id,
/// opened_at_ms)`.
pub type ActiveEntityRow = (String, String, String, i64);

/// The stored active entities of `rows`; a row naming no known entity is skipped.
pub fn stored_active_entities(rows: Vec<ActiveEntityRow>) -> Vec<StoredActiveEntity> {
    rows.into_iter()
        .filter_map(|(id, entity, event_id, opened_at_ms)| {
            Some(StoredActiveEntity {
                entity: Entity::parse(&entity)?,
                id,
                event_id: Some(event_id),
                opened_at_ms: Some(opened_at_ms),
            })
        })
        .collect()
}

/// The stored document of a start event, when it is a JSON object.
pub fn start_document(text: Option<String>) -> Option<Map<String, Value>> {
    text.and_then(|text| serde_json::from_str(&text).ok())
}

/// The time of unix `millis`, when there is one and it is not before 1970.
pub fn time_of_millis(millis: Option<i64>) -> Option<SystemTime> {
    millis
        .and_then(|ms| u64::try_from(ms).ok())
        .map(|ms| UNIX_EPOCH + Duration::from_millis(ms))
}

/// A lease's length in milliseconds, as bound to the lease query.
pub fn lease_millis(ttl: Duration) -> i64 {
    i64::try_from(ttl.as_millis()).unwrap_or(i64::MAX)
}
