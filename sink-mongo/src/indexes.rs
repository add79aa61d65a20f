//! The collections and indexes of openvidu's format, and their idempotent creation: what
//! exists as specified is left alone, what is missing is created, and an index that exists
//! with other keys or options is reported with what to do about it.

use std::time::Duration;

use analytics_core::SinkError;
use mongodb::{
    bson::{Bson, Document},
    error::ErrorKind,
    options::IndexOptions,
    Collection, Database, IndexModel,
};

use crate::{config::MongoSettings, document::EXPIRE_AT_FIELD, error::sink_error};

pub const EVENTS: &str = "events";
pub const STATS: &str = "stats";
pub const ACTIVE_ENTITIES: &str = "active_entities";
pub const LAST_ALIVE: &str = "last_alive";

/// Every collection of the format, created up front so that tools listing them find them.
pub const COLLECTIONS: [&str; 4] = [EVENTS, STATS, ACTIVE_ENTITIES, LAST_ALIVE];

/// One ascending index, TTL (`expireAfterSeconds: 0`) or not.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct IndexSpec {
    pub collection: &'static str,
    pub keys: &'static [&'static str],
    pub ttl: bool,
}

const fn index(collection: &'static str, keys: &'static [&'static str]) -> IndexSpec {
    IndexSpec {
        collection,
        keys,
        ttl: false,
    }
}

const fn ttl_index(collection: &'static str) -> IndexSpec {
    IndexSpec {
        collection,
        keys: &[EXPIRE_AT_FIELD],
        ttl: true,
    }
}

/// openvidu-livekit's indexes, none unique.
pub const INDEXES: &[IndexSpec] = &[
    index(EVENTS, &["type"]),
    index(EVENTS, &["room.sid"]),
    index(EVENTS, &["participant.sid"]),
    index(EVENTS, &["timestamp.seconds"]),
    index(EVENTS, &["participant_id", "type"]),
    index(EVENTS, &["egress_id", "type"]),
    index(EVENTS, &["room.sid", "type"]),
    ttl_index(EVENTS),
    index(STATS, &["room_id"]),
    index(STATS, &["participant_id"]),
    index(STATS, &["track_id"]),
    index(STATS, &["kind"]),
    index(STATS, &["time_stamp.seconds"]),
    index(STATS, &["score"]),
    ttl_index(STATS),
    index(ACTIVE_ENTITIES, &["entity"]),
];

impl IndexSpec {
    /// MongoDB's default name: `room.sid_1_type_1`.
    pub fn name(&self) -> String {
        self.keys
            .iter()
            .map(|key| format!("{key}_1"))
            .collect::<Vec<_>>()
            .join("_")
    }

    fn keys_document(&self) -> Document {
        self.keys
            .iter()
            .map(|key| (key.to_string(), Bson::Int32(1)))
            .collect()
    }

    fn model(&self) -> IndexModel {
        let mut options = IndexOptions::builder().name(self.name()).build();
        if self.ttl {
            options.expire_after = Some(Duration::ZERO);
        }
        IndexModel::builder()
            .keys(self.keys_document())
            .options(options)
            .build()
    }

    /// Whether an existing index has this spec's keys (in order, ascending).
    fn same_keys(&self, existing: &Document) -> bool {
        existing.len() == self.keys.len()
            && existing
                .iter()
                .zip(self.keys)
                .all(|((key, direction), wanted)| key == wanted && is_ascending(direction))
    }

    fn expected_ttl(&self) -> Option<Duration> {
        self.ttl.then_some(Duration::ZERO)
    }
}

fn is_ascending(direction: &Bson) -> bool {
    match direction {
        Bson::Int32(n) => *n == 1,
        Bson::Int64(n) => *n == 1,
        Bson::Double(x) => *x == 1.0,
        _ => false,
    }
}

/// Creates the collections and every missing index. Idempotent.
pub async fn ensure(database: &Database, settings: &MongoSettings) -> Result<(), SinkError> {
    let existing_collections = database
        .list_collection_names()
        .await
        .map_err(|error| sink_error(&error, settings))?;
    for name in COLLECTIONS {
        if !existing_collections.iter().any(|existing| existing == name) {
            create_collection(database, name, settings).await?;
        }
    }
    for name in COLLECTIONS {
        let wanted: Vec<&IndexSpec> = INDEXES
            .iter()
            .filter(|spec| spec.collection == name)
            .collect();
        if wanted.is_empty() {
            continue;
        }
        let collection = database.collection::<Document>(name);
        let existing = list_indexes(&collection, settings).await?;
        let mut missing = Vec::new();
        for spec in wanted {
            if !check_existing(spec, &existing, database.name())? {
                missing.push(spec.model());
            }
        }
        if !missing.is_empty() {
            collection
                .create_indexes(missing)
                .await
                .map_err(|error| index_error(&error, database.name(), name, settings))?;
        }
    }
    Ok(())
}

async fn create_collection(
    database: &Database,
    name: &str,
    settings: &MongoSettings,
) -> Result<(), SinkError> {
    match database.create_collection(name).await {
        Ok(()) => Ok(()),
        // Created meanwhile by another instance.
        Err(error) if matches!(error.kind.as_ref(), ErrorKind::Command(c) if c.code == 48) => {
            Ok(())
        }
        Err(error) => Err(sink_error(&error, settings)),
    }
}

/// The indexes of `collection`, as stored by the server.
pub async fn list_indexes(
    collection: &Collection<Document>,
    settings: &MongoSettings,
) -> Result<Vec<IndexModel>, SinkError> {
    let mut cursor = match collection.list_indexes().await {
        Ok(cursor) => cursor,
        Err(error) if matches!(error.kind.as_ref(), ErrorKind::Command(c) if c.code == 26) => {
            return Ok(Vec::new())
        }
        Err(error) => return Err(sink_error(&error, settings)),
    };
    let mut indexes = Vec::new();
    while cursor
        .advance()
        .await
        .map_err(|error| sink_error(&error, settings))?
    {
        indexes.push(
            cursor
                .deserialize_current()
                .map_err(|error| sink_error(&error, settings))?,
        );
    }
    Ok(indexes)
}

/// Whether `spec` already exists as specified (under its name or another). An index with
/// its name or keys but other keys or options is an error that says how to fix it.
fn check_existing(
    spec: &IndexSpec,
    existing: &[IndexModel],
    database: &str,
) -> Result<bool, SinkError> {
    let name = spec.name();
    let namesake = existing
        .iter()
        .find(|index| index_name(index) == Some(name.as_str()));
    let same_keys = existing.iter().find(|index| spec.same_keys(&index.keys));
    let Some(found) = namesake.or(same_keys) else {
        return Ok(false);
    };
    let ttl = found.options.as_ref().and_then(|o| o.expire_after);
    let unique = found
        .options
        .as_ref()
        .and_then(|o| o.unique)
        .unwrap_or(false);
    if spec.same_keys(&found.keys) && ttl == spec.expected_ttl() && !unique {
        return Ok(true);
    }
    let found_name = index_name(found).unwrap_or("?");
    Err(SinkError::operator(format!(
        "index `{found_name}` of {database}.{collection} exists as {{key: {keys}, expireAfterSeconds: {ttl}, unique: {unique}}}, but livekit-analytics needs {{key: {wanted}, expireAfterSeconds: {wanted_ttl}, unique: false}}: drop it (`db.{collection}.dropIndex(\"{found_name}\")`) and the service recreates it",
        collection = spec.collection,
        keys = found.keys,
        ttl = ttl.map_or("none".to_owned(), |d| d.as_secs().to_string()),
        wanted = spec.keys_document(),
        wanted_ttl = spec.expected_ttl().map_or("none".to_owned(), |d| d.as_secs().to_string()),
    )))
}

fn index_name(index: &IndexModel) -> Option<&str> {
    index.options.as_ref().and_then(|o| o.name.as_deref())
}

fn index_error(
    error: &mongodb::error::Error,
    database: &str,
    collection: &str,
    settings: &MongoSettings,
) -> SinkError {
    match error.kind.as_ref() {
        // IndexOptionsConflict, IndexKeySpecsConflict: created meanwhile with other options.
        ErrorKind::Command(c) if c.code == 85 || c.code == 86 => SinkError::operator(format!(
            "an index of {database}.{collection} exists with other options than livekit-analytics needs ({}); drop it and the service recreates it",
            settings.scrub(&c.message)
        )),
        _ => sink_error(error, settings),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_follow_mongodb_defaults() {
        assert_eq!(
            index(EVENTS, &["room.sid", "type"]).name(),
            "room.sid_1_type_1"
        );
        assert_eq!(ttl_index(STATS).name(), "openvidu_expire_at_1");
    }

    #[test]
    fn an_index_with_other_options_is_reported_with_the_fix() {
        let spec = ttl_index(EVENTS);
        let plain = index(EVENTS, &[EXPIRE_AT_FIELD]).model();
        match check_existing(&spec, &[plain], "openvidu") {
            Err(SinkError::Operator { message, .. }) => {
                assert!(
                    message.contains("dropIndex(\"openvidu_expire_at_1\")"),
                    "{message}"
                );
            }
            other => panic!("expected a clear error, got {other:?}"),
        }
        assert!(check_existing(&spec, &[spec.model()], "openvidu").expect("same index"));
        assert!(!check_existing(&spec, &[], "openvidu").expect("no index"));
    }
}
