//! The MongoDB side of the shared active-entities fixer, in openvidu's collections:
//! `active_entities` (`{_id, entity}`), the start and close events found in `events` by
//! type and entity id (on the format's indexes), `last_alive` (`{_id: "server",
//! last_alive: {seconds, nanos}}`), and the lease document in `fixer_lease`.

use std::time::{Duration, SystemTime, UNIX_EPOCH};

use analytics_core::{
    fixer::{close_event_types, ActiveEntityStore, StoredActiveEntity},
    Entity, SinkError,
};
use async_trait::async_trait;
use mongodb::{
    bson::{doc, Bson, DateTime, Document},
    error::{ErrorKind, WriteFailure},
    options::FindOneOptions,
};
use serde_json::{Map, Value};

use crate::{
    document::{to_json, EXPIRE_AT_FIELD},
    error::{sink_error, DUPLICATE_KEY},
    indexes::{ACTIVE_ENTITIES, EVENTS, LAST_ALIVE},
    sink::MongoSink,
};

/// The collection of the fixer lease (one document, `_id: "fixer"`).
pub const FIXER_LEASE: &str = "fixer_lease";

/// The `_id` of the `last_alive` document, as openvidu writes it (the SQL sinks' row has the
/// same id and name).
const SERVER_ID: &str = "server";

/// The event type that opens `entity`.
fn start_type(entity: Entity) -> &'static str {
    match entity {
        Entity::Room => "ROOM_CREATED",
        Entity::Participant => "PARTICIPANT_ACTIVE",
        Entity::Egress => "EGRESS_STARTED",
        Entity::Ingress => "INGRESS_STARTED",
    }
}

/// The filter matching events about entity `id`, by the field openvidu's format keys it on.
fn entity_filter(entity: Entity, id: &str) -> Document {
    match entity {
        Entity::Room => doc! { "$or": [ { "room.sid": id }, { "room_id": id } ] },
        Entity::Participant => doc! { "participant_id": id },
        Entity::Egress => doc! { "egress_id": id },
        Entity::Ingress => doc! { "ingress.state.resource_id": id },
    }
}

fn number(value: Option<&Bson>) -> Option<i64> {
    match value? {
        Bson::Int64(n) => Some(*n),
        Bson::Int32(n) => Some(i64::from(*n)),
        Bson::Double(x) => Some(*x as i64),
        _ => None,
    }
}

#[async_trait]
impl ActiveEntityStore for MongoSink {
    async fn active_entities(&self) -> Result<Vec<StoredActiveEntity>, SinkError> {
        let database = self.database().await?;
        let mut cursor = database
            .collection::<Document>(ACTIVE_ENTITIES)
            .find(doc! {})
            .await
            .map_err(|error| sink_error(&error, &self.settings))?;
        let mut entities = Vec::new();
        while cursor
            .advance()
            .await
            .map_err(|error| sink_error(&error, &self.settings))?
        {
            let Ok(document) = cursor.deserialize_current() else {
                continue;
            };
            let (Ok(id), Ok(entity)) = (document.get_str("_id"), document.get_str("entity")) else {
                continue;
            };
            if let Some(entity) = Entity::parse(entity) {
                entities.push(StoredActiveEntity {
                    entity,
                    id: id.to_owned(),
                    event_id: None,
                    opened_at_ms: None,
                });
            }
        }
        Ok(entities)
    }

    async fn start_event(
        &self,
        active: &StoredActiveEntity,
    ) -> Result<Option<Map<String, Value>>, SinkError> {
        let mut filter = entity_filter(active.entity, &active.id);
        filter.insert("type", start_type(active.entity));
        let found = self
            .database()
            .await?
            .collection::<Document>(EVENTS)
            .find_one(filter)
            .with_options(
                FindOneOptions::builder()
                    .sort(doc! { "timestamp.seconds": 1 })
                    .build(),
            )
            .await
            .map_err(|error| sink_error(&error, &self.settings))?;
        Ok(found.and_then(|mut document| {
            document.remove("_id");
            document.remove(EXPIRE_AT_FIELD);
            match to_json(&document) {
                Value::Object(map) => Some(map),
                _ => None,
            }
        }))
    }

    async fn has_close_event(&self, entity: Entity, id: &str) -> Result<bool, SinkError> {
        let mut filter = entity_filter(entity, id);
        filter.insert("type", doc! { "$in": close_event_types(entity).to_vec() });
        let found = self
            .database()
            .await?
            .collection::<Document>(EVENTS)
            .find_one(filter)
            .projection(doc! { "_id": 1 })
            .await
            .map_err(|error| sink_error(&error, &self.settings))?;
        Ok(found.is_some())
    }

    async fn remove_active(&self, active: &StoredActiveEntity) -> Result<(), SinkError> {
        self.database()
            .await?
            .collection::<Document>(ACTIVE_ENTITIES)
            .delete_one(doc! { "_id": &active.id, "entity": active.entity.as_str() })
            .await
            .map_err(|error| sink_error(&error, &self.settings))?;
        Ok(())
    }

    async fn last_alive(&self) -> Result<Option<SystemTime>, SinkError> {
        let found = self
            .database()
            .await?
            .collection::<Document>(LAST_ALIVE)
            .find_one(doc! { "_id": SERVER_ID })
            .await
            .map_err(|error| sink_error(&error, &self.settings))?;
        Ok(found.and_then(|document| {
            let at = document.get_document("last_alive").ok()?;
            let seconds = u64::try_from(number(at.get("seconds"))?).ok()?;
            let nanos = number(at.get("nanos"))
                .and_then(|n| u32::try_from(n).ok())
                .unwrap_or(0);
            Some(UNIX_EPOCH + Duration::new(seconds, nanos))
        }))
    }

    async fn set_last_alive(&self, at: SystemTime) -> Result<(), SinkError> {
        let since = at.duration_since(UNIX_EPOCH).unwrap_or_default();
        let mut last_alive = doc! { "seconds": since.as_secs() as i64 };
        if since.subsec_nanos() > 0 {
            last_alive.insert("nanos", i64::from(since.subsec_nanos()));
        }
        self.database()
            .await?
            .collection::<Document>(LAST_ALIVE)
            .update_one(
                doc! { "_id": SERVER_ID },
                doc! { "$set": { "last_alive": last_alive } },
            )
            .upsert(true)
            .await
            .map_err(|error| sink_error(&error, &self.settings))?;
        Ok(())
    }

    async fn acquire_lease(&self, holder: &str, ttl: Duration) -> Result<bool, SinkError> {
        let now = SystemTime::now();
        let until = DateTime::from_system_time(now + ttl);
        let outcome = self
            .database()
            .await?
            .collection::<Document>(FIXER_LEASE)
            .update_one(
                doc! {
                    "_id": "fixer",
                    "$or": [
                        { "holder": holder },
                        { "expires_at": { "$lt": DateTime::from_system_time(now) } },
                    ],
                },
                doc! { "$set": { "holder": holder, "expires_at": until } },
            )
            .upsert(true)
            .await;
        match outcome {
            Ok(_) => Ok(true),
            // Held by another instance: the filter missed and the upsert met its `_id`.
            Err(error)
                if matches!(
                    error.kind.as_ref(),
                    ErrorKind::Write(WriteFailure::WriteError(write)) if write.code == DUPLICATE_KEY
                ) =>
            {
                Ok(false)
            }
            Err(error) => Err(sink_error(&error, &self.settings)),
        }
    }
}
