//! A database of schema version 3 holding stats (their sums only in the documents) and
//! participant events is migrated at start: each stat gets the sums the write path would
//! have given it, the room and hourly rollups hold what the write path would have added
//! up, and each connection has the row the write path would have merged; writing the same
//! records again then changes nothing.

use std::collections::BTreeMap;

use analytics_core::{stat_traffic::StatTraffic, Record, Sink};
use sink_sql::{
    connection_rollup::{connection_changes, ConnectionChanges},
    migration_fixture::{
        connections_of, events_before_connections, rollups_of, stats_before_sums, sums_of,
        ConnectionRow, HourRow, RoomRow, SumsRow,
    },
    rollups::TrafficRollups,
};

use super::support::{batch_of, schema_at_version, TestSchema};

/// Stores `stat` as version 3 did: the 14 original columns.
async fn insert_version_3(schema: &TestSchema, stat: &Record) {
    sqlx::query(schema.sql(
        "INSERT INTO {schema}.stats (id, kind, timestamp, room_sid, room_name, participant_sid,
             track_id, score, min_score, median_score, mime, node, expire_at, data)
         VALUES ($1, $2, 'epoch'::timestamptz + $3 * interval '1 millisecond', $4, $5, $6, $7,
             $8, $9, $10, $11, $12, 'epoch'::timestamptz + $13 * interval '1 millisecond',
             $14::jsonb)",
    ))
    .bind(&stat.id)
    .bind(&stat.type_name)
    .bind(stat.timestamp_ms)
    .bind(&stat.room_sid)
    .bind(&stat.room_name)
    .bind(&stat.participant_sid)
    .bind(&stat.track_id)
    .bind(stat.score)
    .bind(stat.min_score)
    .bind(stat.median_score)
    .bind(&stat.mime)
    .bind(&stat.node_id)
    .bind(stat.expire_at_ms)
    .bind(&stat.document_json)
    .execute(&schema.admin)
    .await
    .expect("version 3 row stored");
}

/// Stores `event` as version 3 did.
async fn insert_version_3_event(schema: &TestSchema, event: &Record) {
    sqlx::query(schema.sql(
        "INSERT INTO {schema}.events (id, type, timestamp, room_sid, room_name, participant_sid,
             participant_identity, track_id, egress_id, ingress_id, node_id, expire_at, data)
         VALUES ($1, $2, 'epoch'::timestamptz + $3 * interval '1 millisecond', $4, $5, $6, $7,
             $8, $9, $10, $11, 'epoch'::timestamptz + $12 * interval '1 millisecond',
             $13::jsonb)",
    ))
    .bind(&event.id)
    .bind(&event.type_name)
    .bind(event.timestamp_ms)
    .bind(&event.room_sid)
    .bind(&event.room_name)
    .bind(&event.participant_sid)
    .bind(&event.participant_identity)
    .bind(&event.track_id)
    .bind(&event.egress_id)
    .bind(&event.ingress_id)
    .bind(&event.node_id)
    .bind(event.expire_at_ms)
    .bind(&event.document_json)
    .execute(&schema.admin)
    .await
    .expect("version 3 event stored");
}

/// The connections as stored.
async fn stored_connections(schema: &TestSchema) -> ConnectionChanges {
    let rows: Vec<ConnectionRow> = sqlx::query_as(schema.sql(
        "SELECT room_sid, participant_sid, identity,
             (extract(epoch FROM joined_at) * 1000)::int8,
             (extract(epoch FROM active_at) * 1000)::int8,
             (extract(epoch FROM closed_at) * 1000)::int8, sdk, os, browser,
             (extract(epoch FROM expire_at) * 1000)::int8
         FROM {schema}.participant_connections",
    ))
    .fetch_all(&schema.admin)
    .await
    .expect("connections read");
    connections_of(rows)
}

/// Each stat's sums as stored, by id.
async fn stored_sums(schema: &TestSchema) -> BTreeMap<String, StatTraffic> {
    let rows: Vec<SumsRow> = sqlx::query_as(schema.sql(
        "SELECT id, bytes, packets, packets_lost, frames, jitter_count, jitter_sum::float8,
             rtt_count, rtt_sum::float8, covered_ms FROM {schema}.stats",
    ))
    .fetch_all(&schema.admin)
    .await
    .expect("sums read");
    sums_of(rows)
}

/// The rollups as stored.
async fn stored_rollups(schema: &TestSchema) -> TrafficRollups {
    let rooms: Vec<RoomRow> = sqlx::query_as(schema.sql(
        "SELECT room_sid, kind, bytes, (extract(epoch FROM last_stat) * 1000)::int8,
             (extract(epoch FROM expire_at) * 1000)::int8 FROM {schema}.room_traffic",
    ))
    .fetch_all(&schema.admin)
    .await
    .expect("room rollup read");
    let hours: Vec<HourRow> = sqlx::query_as(schema.sql(
        "SELECT (extract(epoch FROM hour) * 1000)::int8, kind, bytes,
             (extract(epoch FROM expire_at) * 1000)::int8 FROM {schema}.hourly_traffic",
    ))
    .fetch_all(&schema.admin)
    .await
    .expect("hourly rollup read");
    rollups_of(rooms, hours)
}

#[tokio::test]
async fn a_version_3_database_gets_the_sums_and_rollups_the_write_path_gives() {
    let Some(schema) = TestSchema::new().await else {
        return;
    };
    schema_at_version(&schema, 3).await;
    let stats = stats_before_sums();
    for stat in &stats {
        insert_version_3(&schema, stat).await;
    }
    let events = events_before_connections();
    for event in &events {
        insert_version_3_event(&schema, event).await;
    }

    let sink = schema.sink();
    sink.initialize().await.expect("migration 4 applies");
    let expected_sums: BTreeMap<String, StatTraffic> = stats
        .iter()
        .map(|stat| (stat.id.clone(), stat.stat_traffic()))
        .collect();
    assert_eq!(stored_sums(&schema).await, expected_sums);
    let expected_rollups = TrafficRollups::of(&stats);
    assert_eq!(expected_rollups.rooms.len(), 3, "the fixture spans rooms");
    assert_eq!(expected_rollups.hours.len(), 2, "and hours");
    assert_eq!(stored_rollups(&schema).await, expected_rollups);

    let expected_connections = connection_changes(&events);
    assert_eq!(expected_connections.len(), 2, "alice's and bob's");
    assert_eq!(stored_connections(&schema).await, expected_connections);

    let records: Vec<Record> = stats.iter().chain(&events).cloned().collect();
    sink.send_batch(&batch_of(&records))
        .await
        .expect("re-sent records written");
    assert_eq!(
        stored_rollups(&schema).await,
        expected_rollups,
        "re-sent stats add nothing"
    );
    assert_eq!(
        stored_connections(&schema).await,
        expected_connections,
        "re-sent events change no connection"
    );
    schema.drop().await;
}
