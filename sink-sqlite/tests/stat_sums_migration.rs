//! A file of schema version 3 holding stats (their sums only in the documents) and
//! participant events is migrated at start: each stat gets the sums the write path would
//! have given it, the room and hourly rollups hold what the write path would have added
//! up, and each connection has the row the write path would have merged; writing the same
//! records again then changes nothing.

use std::{collections::BTreeMap, sync::Arc};

use analytics_core::{stat_traffic::StatTraffic, Batch, Record, Sink};
use sink_sql::{
    connection_rollup::{connection_changes, ConnectionChanges},
    migration_fixture::{
        connections_of, events_before_connections, rollups_of, stats_before_sums, sums_of,
        ConnectionRow, HourRow, RoomRow, SumsRow,
    },
    rollups::TrafficRollups,
};
use sink_sqlite::testkit::{schema_at_version, TestFile};
use sqlx::{sqlite::SqliteConnectOptions, Connection, SqliteConnection};

/// Creates the file at schema version 3 with `stats` and `events` stored as version 3
/// stored them.
async fn version_3_file(file: &TestFile, stats: &[Record], events: &[Record]) {
    std::fs::create_dir_all(file.path().parent().expect("a folder")).expect("folder made");
    let options = SqliteConnectOptions::new()
        .filename(file.path())
        .create_if_missing(true);
    let mut connection = SqliteConnection::connect_with(&options)
        .await
        .expect("file created");
    sqlx::raw_sql(sqlx::AssertSqlSafe(schema_at_version(3)))
        .execute(&mut connection)
        .await
        .expect("version 3 schema");
    for stat in stats {
        sqlx::query(
            "INSERT INTO stats (id, kind, timestamp, room_sid, room_name, participant_sid,
                 track_id, score, min_score, median_score, mime, node, expire_at, data)
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14)",
        )
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
        .execute(&mut connection)
        .await
        .expect("version 3 row stored");
    }
    for event in events {
        sqlx::query(
            "INSERT INTO events (id, type, timestamp, room_sid, room_name, participant_sid,
                 participant_identity, track_id, egress_id, ingress_id, node_id, expire_at, data)
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13)",
        )
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
        .execute(&mut connection)
        .await
        .expect("version 3 event stored");
    }
    connection.close().await.expect("closed");
}

/// The connections as stored.
async fn stored_connections(connection: &mut SqliteConnection) -> ConnectionChanges {
    let rows: Vec<ConnectionRow> = sqlx::query_as(
        "SELECT room_sid, participant_sid, identity, joined_at, active_at, closed_at, sdk, os,
             browser, expire_at FROM participant_connections",
    )
    .fetch_all(connection)
    .await
    .expect("connections read");
    connections_of(rows)
}

/// Each stat's sums as stored, by id.
async fn stored_sums(connection: &mut SqliteConnection) -> BTreeMap<String, StatTraffic> {
    let rows: Vec<SumsRow> = sqlx::query_as(
        "SELECT id, bytes, packets, packets_lost, frames, jitter_count, jitter_sum,
             rtt_count, rtt_sum, covered_ms FROM stats",
    )
    .fetch_all(connection)
    .await
    .expect("sums read");
    sums_of(rows)
}

/// The rollups as stored.
async fn stored_rollups(connection: &mut SqliteConnection) -> TrafficRollups {
    let rooms: Vec<RoomRow> =
        sqlx::query_as("SELECT room_sid, kind, bytes, last_stat, expire_at FROM room_traffic")
            .fetch_all(&mut *connection)
            .await
            .expect("room rollup read");
    let hours: Vec<HourRow> =
        sqlx::query_as("SELECT hour, kind, bytes, expire_at FROM hourly_traffic")
            .fetch_all(&mut *connection)
            .await
            .expect("hourly rollup read");
    rollups_of(rooms, hours)
}

#[tokio::test]
async fn a_version_3_file_gets_the_sums_and_rollups_the_write_path_gives() {
    let file = TestFile::new();
    let stats = stats_before_sums();
    let events = events_before_connections();
    version_3_file(&file, &stats, &events).await;

    let sink = file.sink();
    sink.initialize().await.expect("migration 4 applies");
    let mut connection = file.probe().connect().await.expect("probe connects");
    let expected_sums: BTreeMap<String, StatTraffic> = stats
        .iter()
        .map(|stat| (stat.id.clone(), stat.stat_traffic()))
        .collect();
    assert_eq!(stored_sums(&mut connection).await, expected_sums);
    let expected_rollups = TrafficRollups::of(&stats);
    assert_eq!(expected_rollups.rooms.len(), 3, "the fixture spans rooms");
    assert_eq!(expected_rollups.hours.len(), 2, "and hours");
    assert_eq!(stored_rollups(&mut connection).await, expected_rollups);

    let expected_connections = connection_changes(&events);
    assert_eq!(expected_connections.len(), 2, "alice's and bob's");
    assert_eq!(
        stored_connections(&mut connection).await,
        expected_connections
    );

    let records = stats.iter().chain(&events).cloned().map(Arc::new).collect();
    sink.send_batch(&Batch::new(records))
        .await
        .expect("re-sent records written");
    assert_eq!(
        stored_rollups(&mut connection).await,
        expected_rollups,
        "re-sent stats add nothing"
    );
    assert_eq!(
        stored_connections(&mut connection).await,
        expected_connections,
        "re-sent events change no connection"
    );
}
