//! The collections and indexes `initialize` creates, read back by listing them.

use std::{collections::BTreeMap, time::Duration};

use mongodb::bson::{doc, Bson, Document};
use sink_mongo::indexes::{ACTIVE_ENTITIES, COLLECTIONS, EVENTS, STATS};

use crate::probe::{all, client, fresh_database_name, registered_sink, test_url};

/// `{name: (keys, expireAfterSeconds)}` of a collection, `_id_` left out.
async fn listed(
    database: &mongodb::Database,
    collection: &str,
) -> BTreeMap<String, (Vec<String>, Option<u64>)> {
    let indexes = all(database
        .collection::<Document>(collection)
        .list_indexes()
        .await
        .expect("listIndexes"))
    .await;
    indexes
        .into_iter()
        .filter_map(|index| {
            let options = index.options.expect("index options");
            let name = options.name.expect("index name");
            if name == "_id_" {
                return None;
            }
            for direction in index.keys.values() {
                assert!(
                    matches!(direction, Bson::Int32(1) | Bson::Int64(1))
                        || direction == &Bson::Double(1.0),
                    "{name} is ascending"
                );
            }
            assert_ne!(options.unique, Some(true), "{name} is not unique");
            let keys = index.keys.keys().cloned().collect();
            Some((name, (keys, options.expire_after.map(|d| d.as_secs()))))
        })
        .collect()
}

fn expected(
    specs: &[(&str, &[&str], Option<u64>)],
) -> BTreeMap<String, (Vec<String>, Option<u64>)> {
    specs
        .iter()
        .map(|(name, keys, ttl)| {
            (
                name.to_string(),
                (keys.iter().map(|k| k.to_string()).collect(), *ttl),
            )
        })
        .collect()
}

#[tokio::test]
async fn initialize_creates_openvidu_collections_and_indexes_once() {
    let Some(url) = test_url() else { return };
    let name = fresh_database_name();
    let sink = registered_sink(&url, &name);
    sink.initialize().await.expect("first initialize");
    sink.initialize()
        .await
        .expect("second initialize changes nothing");
    let database = client(&url).await.database(&name);

    let mut collections = database
        .list_collection_names()
        .await
        .expect("listCollections");
    collections.sort();
    let mut wanted: Vec<String> = COLLECTIONS.iter().map(|c| c.to_string()).collect();
    wanted.sort();
    assert_eq!(collections, wanted);

    assert_eq!(
        listed(&database, EVENTS).await,
        expected(&[
            ("type_1", &["type"], None),
            ("room.sid_1", &["room.sid"], None),
            ("participant.sid_1", &["participant.sid"], None),
            ("timestamp.seconds_1", &["timestamp.seconds"], None),
            ("participant_id_1_type_1", &["participant_id", "type"], None),
            ("egress_id_1_type_1", &["egress_id", "type"], None),
            ("room.sid_1_type_1", &["room.sid", "type"], None),
            ("openvidu_expire_at_1", &["openvidu_expire_at"], Some(0)),
        ])
    );
    assert_eq!(
        listed(&database, STATS).await,
        expected(&[
            ("room_id_1", &["room_id"], None),
            ("participant_id_1", &["participant_id"], None),
            ("track_id_1", &["track_id"], None),
            ("kind_1", &["kind"], None),
            ("time_stamp.seconds_1", &["time_stamp.seconds"], None),
            ("score_1", &["score"], None),
            ("openvidu_expire_at_1", &["openvidu_expire_at"], Some(0)),
        ])
    );
    assert_eq!(
        listed(&database, ACTIVE_ENTITIES).await,
        expected(&[("entity_1", &["entity"], None)])
    );
    database.drop().await.expect("test database dropped");
}

#[tokio::test]
async fn an_index_with_other_options_is_reported_not_crashed_on() {
    let Some(url) = test_url() else { return };
    let name = fresh_database_name();
    let database = client(&url).await.database(&name);
    // What an older tool might have left: the expiry index without TTL.
    database
        .collection::<Document>(EVENTS)
        .create_index(
            mongodb::IndexModel::builder()
                .keys(doc! { "openvidu_expire_at": 1 })
                .options(
                    mongodb::options::IndexOptions::builder()
                        .expire_after(Duration::from_secs(60))
                        .build(),
                )
                .build(),
        )
        .await
        .expect("index created");
    let error = registered_sink(&url, &name)
        .initialize()
        .await
        .expect_err("a conflicting index is an error");
    let message = error.to_string();
    assert!(!error.is_retryable(), "{message}");
    assert!(message.contains("openvidu_expire_at_1"), "{message}");
    assert!(message.contains("dropIndex"), "{message}");
    database.drop().await.expect("test database dropped");
}
