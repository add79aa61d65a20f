//! The `active_entities` collection kept in step with a batch's net change (computed by
//! [`analytics_core::active_entities`]): an opened entity is upserted as
//! `{_id: <id>, entity: "ROOM"|...}`, a closed one deleted.

use analytics_core::{active_entities::ActiveEntityChanges, SinkError};
use mongodb::{
    bson::{doc, Document},
    Collection,
};
use tokio::task::JoinSet;

use crate::{config::MongoSettings, error::sink_error};

/// Ids per delete command; far below the 16 MiB command limit for any realistic id.
const DELETE_CHUNK: usize = 10_000;

/// Applies a batch's net `changes` to `collection`.
pub async fn apply(
    collection: &Collection<Document>,
    changes: &ActiveEntityChanges,
    settings: &MongoSettings,
) -> Result<(), SinkError> {
    // Each id appears once, so the upserts commute and may run side by side (the driver's
    // connection pool bounds how many at once).
    let mut upserts = JoinSet::new();
    for opened in &changes.opened {
        let (id, entity) = (opened.id.clone(), opened.entity);
        let collection = collection.clone();
        upserts.spawn(async move {
            collection
                .update_one(
                    doc! { "_id": id },
                    doc! { "$set": { "entity": entity.as_str() } },
                )
                .upsert(true)
                .await
        });
    }
    let mut first_error = None;
    while let Some(joined) = upserts.join_next().await {
        let error = match joined {
            Ok(Ok(_)) => continue,
            Ok(Err(error)) => sink_error(&error, settings),
            Err(join_error) => {
                SinkError::fatal(format!("active entity upsert stopped: {join_error}"))
            }
        };
        first_error.get_or_insert(error);
    }
    if let Some(error) = first_error {
        return Err(error);
    }
    let closed: Vec<&str> = changes.closed.iter().map(|c| c.id.as_str()).collect();
    for ids in closed.chunks(DELETE_CHUNK) {
        collection
            .delete_many(doc! { "_id": { "$in": ids } })
            .await
            .map_err(|error| sink_error(&error, settings))?;
    }
    Ok(())
}
