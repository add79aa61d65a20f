//! Reads back what the sink stored in one MongoDB database.

use analytics_core::{testkit::StoreProbe, Entity, RecordKind};
use async_trait::async_trait;
use mongodb::{
    bson::{doc, Document},
    Client, Cursor, Database,
};
use serde_json::Value;

use crate::{
    document::{to_json, EXPIRE_AT_FIELD},
    indexes::{ACTIVE_ENTITIES, EVENTS, STATS},
};

/// Reads back what the sink stored in one database.
pub struct MongoProbe {
    pub database: Database,
}

impl MongoProbe {
    /// A probe with a client of its own reading `database` on the server at `url`.
    pub async fn connect(url: &str, database: &str) -> mongodb::error::Result<MongoProbe> {
        let client = Client::with_uri_str(url).await?;
        Ok(MongoProbe {
            database: client.database(database),
        })
    }

    /// How many records of `kind` are stored, from the collection's metadata: the test
    /// server (SecantusDB) counts exactly only by reading the whole collection, on the
    /// same thread that stores.
    pub async fn count(&self, kind: RecordKind) -> mongodb::error::Result<u64> {
        self.database
            .collection::<Document>(collection_of(kind))
            .estimated_document_count()
            .await
    }
}

/// The collection holding records of `kind`.
fn collection_of(kind: RecordKind) -> &'static str {
    match kind {
        RecordKind::Event => EVENTS,
        RecordKind::Stat => STATS,
    }
}

/// Every document of a cursor.
pub async fn all<T: serde::de::DeserializeOwned + Send + Sync>(mut cursor: Cursor<T>) -> Vec<T> {
    let mut items = Vec::new();
    while cursor.advance().await.expect("cursor advances") {
        items.push(cursor.deserialize_current().expect("document reads"));
    }
    items
}

#[async_trait]
impl StoreProbe for MongoProbe {
    async fn stored_ids(&self, kind: RecordKind) -> Vec<String> {
        let cursor = self
            .database
            .collection::<Document>(collection_of(kind))
            .find(doc! {})
            .projection(doc! { "_id": 1 })
            .await
            .expect("find runs");
        all(cursor)
            .await
            .into_iter()
            .map(|document| document.get_str("_id").expect("string _id").to_owned())
            .collect()
    }

    async fn stored_document(&self, kind: RecordKind, id: &str) -> Option<Value> {
        let mut document = self
            .database
            .collection::<Document>(collection_of(kind))
            .find_one(doc! { "_id": id })
            .await
            .expect("find_one runs")?;
        document.remove("_id");
        document.remove(EXPIRE_AT_FIELD);
        Some(to_json(&document))
    }

    async fn active_entities(&self) -> Vec<(Entity, String)> {
        let cursor = self
            .database
            .collection::<Document>(ACTIVE_ENTITIES)
            .find(doc! {})
            .await
            .expect("find runs");
        all(cursor)
            .await
            .into_iter()
            .map(|document| {
                let entity = document.get_str("entity").expect("entity field");
                (
                    Entity::parse(entity).expect("known entity"),
                    document.get_str("_id").expect("string _id").to_owned(),
                )
            })
            .collect()
    }
}
