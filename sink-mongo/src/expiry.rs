//! Expiry: a backstop to the TTL index on `openvidu_expire_at` (which MongoDB runs about
//! once a minute), deleting the events and stats whose expiry has passed.

use std::time::SystemTime;

use analytics_core::SinkError;
use mongodb::{
    bson::{doc, DateTime, Document},
    Database,
};

use crate::{
    config::MongoSettings,
    document::EXPIRE_AT_FIELD,
    error::sink_error,
    indexes::{EVENTS, STATS},
};

/// Deletes every event and stat whose `openvidu_expire_at` is before `now`; returns how many.
pub(crate) async fn expire(
    database: &Database,
    now: SystemTime,
    settings: &MongoSettings,
) -> Result<u64, SinkError> {
    let expired = doc! { EXPIRE_AT_FIELD: { "$lt": DateTime::from_system_time(now) } };
    let mut removed = 0;
    for collection in [EVENTS, STATS] {
        removed += database
            .collection::<Document>(collection)
            .delete_many(expired.clone())
            .await
            .map_err(|error| sink_error(&error, settings))?
            .deleted_count;
    }
    Ok(removed)
}
