//! What the tests share: a fresh database per test, the sink built through the registry,
//! and a [`StoreProbe`] that reads back what the sink stored.

use std::{sync::Arc, time::Duration};

use analytics_core::{
    testkit::{server_url, StoreProbe},
    Entity, RecordKind, Sink, SinkContext, SinkFactory,
};
use async_trait::async_trait;
use mongodb::{
    bson::{doc, Document},
    Client, Cursor, Database,
};
use serde_json::Value;
use sink_mongo::{
    document::{to_json, EXPIRE_AT_FIELD},
    indexes::{ACTIVE_ENTITIES, EVENTS, STATS},
};

/// The test server's URL, or `None` (outside CI) when it is not running.
pub fn test_url() -> Option<String> {
    server_url("LKA_TEST_MONGO_URL")
}

/// A database name no other test uses.
pub fn fresh_database_name() -> String {
    format!("lka_test_{:016x}", rand::random::<u64>())
}

/// A mongo sink built the way the service builds it: through the registered factory.
pub fn registered_sink(url: &str, database: &str) -> Arc<dyn Sink> {
    let factory = analytics_core::inventory::iter::<SinkFactory>()
        .find(|factory| factory.kind == "mongo")
        .expect("sink-mongo registers the `mongo` sink type");
    let mut settings = serde_norway::Mapping::new();
    settings.insert("url".into(), url.into());
    settings.insert("database".into(), database.into());
    let context = SinkContext::new("mongo", settings, Duration::from_secs(3600));
    (factory.build)(&context).expect("mongo sink builds without touching the network")
}

/// A client of the test server, for reading back.
pub async fn client(url: &str) -> Client {
    Client::with_uri_str(url)
        .await
        .expect("test server URL parses")
}

/// Every document of a cursor.
pub async fn all<T: serde::de::DeserializeOwned + Send + Sync>(mut cursor: Cursor<T>) -> Vec<T> {
    let mut items = Vec::new();
    while cursor.advance().await.expect("cursor advances") {
        items.push(cursor.deserialize_current().expect("document reads"));
    }
    items
}

/// Reads back what the sink stored in one database.
pub struct MongoProbe {
    pub database: Database,
}

fn collection_of(kind: RecordKind) -> &'static str {
    match kind {
        RecordKind::Event => EVENTS,
        RecordKind::Stat => STATS,
    }
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
