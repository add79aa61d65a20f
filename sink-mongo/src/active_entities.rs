//! The `active_entities` collection kept in step with creation and end events: an opened
//! entity is upserted as `{_id: <id>, entity: "ROOM"|...}`, a closed one deleted. Both are
//! idempotent, so a re-sent batch changes nothing.

use std::collections::HashMap;

use analytics_core::{ActiveChange, Entity, SinkError};
use mongodb::{
    bson::{doc, Document},
    Collection,
};
use tokio::task::JoinSet;

use crate::{config::MongoSettings, retry_policy::sink_error};

/// Ids per delete command; far below the 16 MiB command limit for any realistic id.
const DELETE_CHUNK: usize = 10_000;

/// The net effect of changes applied in order: per id, the last change wins.
pub fn net_changes<'a>(
    changes: impl IntoIterator<Item = &'a ActiveChange>,
) -> (Vec<(String, Entity)>, Vec<String>) {
    let mut last: HashMap<&str, (usize, Option<Entity>)> = HashMap::new();
    for (order, change) in changes.into_iter().enumerate() {
        let (id, opened) = match change {
            ActiveChange::Opened { entity, id } => (id.as_str(), Some(*entity)),
            ActiveChange::Closed { id, .. } => (id.as_str(), None),
        };
        last.insert(id, (order, opened));
    }
    let mut ordered: Vec<_> = last.into_iter().collect();
    ordered.sort_by_key(|(_, (order, _))| *order);
    let mut opened = Vec::new();
    let mut closed = Vec::new();
    for (id, (_, entity)) in ordered {
        match entity {
            Some(entity) => opened.push((id.to_owned(), entity)),
            None => closed.push(id.to_owned()),
        }
    }
    (opened, closed)
}

/// Applies `changes` (in batch order) to `collection`.
pub async fn apply<'a>(
    collection: &Collection<Document>,
    changes: impl IntoIterator<Item = &'a ActiveChange>,
    settings: &MongoSettings,
) -> Result<(), SinkError> {
    let (opened, closed) = net_changes(changes);
    // Each id appears once, so the upserts commute and may run side by side (the driver's
    // connection pool bounds how many at once).
    let mut upserts = JoinSet::new();
    for (id, entity) in opened {
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
                SinkError::Fatal(format!("active entity upsert stopped: {join_error}"))
            }
        };
        first_error.get_or_insert(error);
    }
    if let Some(error) = first_error {
        return Err(error);
    }
    for ids in closed.chunks(DELETE_CHUNK) {
        collection
            .delete_many(doc! { "_id": { "$in": ids } })
            .await
            .map_err(|error| sink_error(&error, settings))?;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn opened(entity: Entity, id: &str) -> ActiveChange {
        ActiveChange::Opened {
            entity,
            id: id.into(),
        }
    }

    fn closed(entity: Entity, id: &str) -> ActiveChange {
        ActiveChange::Closed {
            entity,
            id: id.into(),
        }
    }

    #[test]
    fn the_last_change_of_an_id_wins() {
        let changes = [
            opened(Entity::Room, "RM_1"),
            opened(Entity::Participant, "PA_1"),
            closed(Entity::Participant, "PA_1"),
            closed(Entity::Room, "RM_2"),
            opened(Entity::Room, "RM_2"),
        ];
        let (open, close) = net_changes(&changes);
        assert_eq!(
            open,
            vec![
                ("RM_1".to_owned(), Entity::Room),
                ("RM_2".to_owned(), Entity::Room)
            ]
        );
        assert_eq!(close, vec!["PA_1".to_owned()]);
    }
}
