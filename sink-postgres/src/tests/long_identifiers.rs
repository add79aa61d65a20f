//! An existing database of schema version 2 (B-tree indexes on the id columns, a primary key
//! on `active_entities.id`) is migrated at start, and then stores and tracks records whose
//! ids are 100 KB long.

use std::{sync::Arc, time::Duration, time::SystemTime};

use analytics_core::{
    livekit_protocol::AnalyticsEventType as T, record::Record, samples, testkit::StoreProbe, Batch,
    Entity, RecordKind, Sink,
};

use super::support::{schema_at_version, TestSchema};

/// 100 KB of letters no compressor shrinks below a B-tree row.
fn long_id(prefix: &str) -> String {
    let mut state: u64 = 0x2545_F491_4F6C_DD1D;
    let mut text = prefix.to_owned();
    while text.len() < 100 * 1024 {
        state ^= state << 13;
        state ^= state >> 7;
        state ^= state << 17;
        text.push(char::from(b'a' + (state % 26) as u8));
    }
    text
}

#[tokio::test]
async fn a_version_2_database_migrates_and_then_keeps_100_kb_identifiers() {
    let Some(schema) = TestSchema::new().await else {
        return;
    };
    schema_at_version(&schema, 2).await;
    let room_sid = long_id("RM_");
    let mut event = samples::event(T::RoomCreated, SystemTime::now());
    event.room_id.clone_from(&room_sid);
    if let Some(room) = event.room.as_mut() {
        room.sid.clone_from(&room_sid);
    }
    let record =
        Record::from_event(event, Duration::from_secs(3600), SystemTime::now()).expect("converts");
    let oversized: Result<u64, sqlx::Error> = sqlx::query(schema.sql(
        "INSERT INTO {schema}.active_entities (id, entity, event_id, opened_at)
         VALUES ($1, 'ROOM', 'x', now())",
    ))
    .bind(&room_sid)
    .execute(&schema.admin)
    .await
    .map(|done| done.rows_affected());
    assert!(
        oversized.is_err(),
        "version 2's B-tree refuses a 100 KB id (else this test proves nothing)"
    );

    let sink = schema.sink();
    sink.initialize().await.expect("migration 3 applies");
    sink.send_batch(&Batch::new(vec![Arc::new(record.clone())]))
        .await
        .expect("a 100 KB room sid is stored after the migration");
    let probe = schema.probe();
    assert_eq!(
        probe.stored_ids(RecordKind::Event).await,
        std::slice::from_ref(&record.id)
    );
    assert_eq!(probe.active_entities().await, [(Entity::Room, room_sid)]);
    schema.drop().await;
}
