//! A document the server itself refuses (here through a collection validator, as a DBA
//! might add one) is reported alone, at its batch index, as not worth retrying; the rest of
//! the batch is stored.

use std::{collections::BTreeSet, sync::Arc, time::SystemTime};

use analytics_core::{
    testkit::{session_records, StoreProbe},
    Batch, RecordKind, SinkError,
};
use mongodb::bson::doc;
use sink_mongo::indexes::STATS;

use crate::probe::{client, fresh_database_name, registered_sink, test_url, MongoProbe};

#[tokio::test]
async fn a_document_the_server_refuses_is_reported_alone() {
    let Some(url) = test_url() else { return };
    let name = fresh_database_name();
    let database = client(&url).await.database(&name);
    database
        .create_collection(STATS)
        .validator(doc! { "$jsonSchema": { "properties": { "mime": { "bsonType": "string" } } } })
        .await
        .expect("stats collection with a validator");
    let sink = registered_sink(&url, &name);
    sink.initialize()
        .await
        .expect("initialize keeps the existing collection");

    let mut records = session_records(SystemTime::now());
    // A stat in the middle of the batch, after the events: its index in the batch is not its
    // index in the stats insert.
    let refused = records
        .iter()
        .enumerate()
        .filter(|(_, record)| record.kind == RecordKind::Stat)
        .map(|(index, _)| index)
        .nth(1)
        .expect("the session has stats");
    records[refused].document_json = r#"{"kind":"UPSTREAM","mime":42}"#.to_owned();
    let batch = Batch::new(records.iter().cloned().map(Arc::new).collect());
    match sink.send_batch(&batch).await {
        Err(SinkError::Records(failures)) => {
            assert_eq!(failures.len(), 1, "{failures:?}");
            assert_eq!(failures[0].index, refused);
            assert!(!failures[0].retryable, "{failures:?}");
            assert!(failures[0].reason.contains("121"), "{failures:?}");
        }
        other => panic!("the refused document is reported, got {other:?}"),
    }
    let probe = MongoProbe {
        database: database.clone(),
    };
    for kind in [RecordKind::Event, RecordKind::Stat] {
        let stored: BTreeSet<String> = probe.stored_ids(kind).await.into_iter().collect();
        let expected: BTreeSet<String> = records
            .iter()
            .enumerate()
            .filter(|(index, record)| record.kind == kind && *index != refused)
            .map(|(_, record)| record.id.clone())
            .collect();
        assert_eq!(stored, expected, "{kind:?}: all but the refused record");
    }
    database.drop().await.expect("test database dropped");
}
