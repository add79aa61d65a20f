//! The tables and indexes, created by versioned migrations tracked in `PRAGMA user_version`
//! (never edit one that has shipped: append a new one). What they add up to is declared once
//! for both SQL sinks in `sink_sql::tables`, and `tests/schema.rs` checks that they match.

use analytics_core::SinkError;
use sqlx::{SqliteConnection, SqlitePool};

use crate::error::sink_error;

/// Migration `n` brings the schema from version `n` to `n + 1`.
pub(crate) const MIGRATIONS: &[&str] = &[
    r#"
CREATE TABLE IF NOT EXISTS events (
    id TEXT PRIMARY KEY,
    type TEXT NOT NULL,
    timestamp INTEGER NOT NULL,
    room_sid TEXT NOT NULL,
    room_name TEXT NOT NULL,
    participant_sid TEXT NOT NULL,
    participant_identity TEXT NOT NULL,
    track_id TEXT NOT NULL,
    egress_id TEXT NOT NULL,
    ingress_id TEXT NOT NULL,
    node_id TEXT NOT NULL,
    expire_at INTEGER NOT NULL,
    data TEXT NOT NULL CHECK (json_valid(data))
);
CREATE INDEX IF NOT EXISTS events_type_timestamp ON events (type, timestamp);
CREATE INDEX IF NOT EXISTS events_room_type ON events (room_sid, type);
CREATE INDEX IF NOT EXISTS events_participant_type ON events (participant_sid, type);
CREATE INDEX IF NOT EXISTS events_egress_type ON events (egress_id, type);
CREATE INDEX IF NOT EXISTS events_timestamp ON events (timestamp);
CREATE INDEX IF NOT EXISTS events_expire_at ON events (expire_at);
CREATE TABLE IF NOT EXISTS stats (
    id TEXT PRIMARY KEY,
    kind TEXT NOT NULL,
    timestamp INTEGER NOT NULL,
    room_sid TEXT NOT NULL,
    room_name TEXT NOT NULL,
    participant_sid TEXT NOT NULL,
    track_id TEXT NOT NULL,
    score REAL NOT NULL,
    min_score REAL NOT NULL,
    median_score REAL NOT NULL,
    mime TEXT NOT NULL,
    node TEXT NOT NULL,
    expire_at INTEGER NOT NULL,
    data TEXT NOT NULL CHECK (json_valid(data))
);
CREATE INDEX IF NOT EXISTS stats_room_timestamp ON stats (room_sid, timestamp);
CREATE INDEX IF NOT EXISTS stats_participant_timestamp ON stats (participant_sid, timestamp);
CREATE INDEX IF NOT EXISTS stats_track ON stats (track_id);
CREATE INDEX IF NOT EXISTS stats_kind_timestamp ON stats (kind, timestamp);
CREATE INDEX IF NOT EXISTS stats_expire_at ON stats (expire_at);
CREATE TABLE IF NOT EXISTS active_entities (
    id TEXT PRIMARY KEY,
    entity TEXT NOT NULL,
    event_id TEXT NOT NULL,
    opened_at INTEGER NOT NULL
);
CREATE INDEX IF NOT EXISTS active_entities_entity ON active_entities (entity);
CREATE TABLE IF NOT EXISTS last_alive (
    id TEXT PRIMARY KEY,
    last_alive INTEGER NOT NULL
);
"#,
    r#"
CREATE TABLE IF NOT EXISTS fixer_lease (
    id TEXT PRIMARY KEY,
    holder TEXT NOT NULL,
    expires_at INTEGER NOT NULL
);
"#,
    // The indexes PostgreSQL has had from the start, so that both SQL sinks have the tables
    // `sink_sql::tables` declares: events by identity and by ingress, stats by time, and no
    // stats index on `kind` (two values, always filtered with a room, participant or time).
    r#"
CREATE INDEX IF NOT EXISTS events_identity_type ON events (participant_identity, type);
CREATE INDEX IF NOT EXISTS events_ingress_type ON events (ingress_id, type);
CREATE INDEX IF NOT EXISTS stats_timestamp ON stats (timestamp);
DROP INDEX IF EXISTS stats_kind_timestamp;
"#,
    STAT_SUMS_AND_ROLLUPS,
    PARTICIPANT_CONNECTIONS,
];

/// One row per participant connection (`sink_sql::tables::CONNECTIONS`), filled from the
/// events already stored, so that an overview reads connections instead of their events.
const PARTICIPANT_CONNECTIONS: &str = r#"
CREATE TABLE participant_connections (
    id TEXT PRIMARY KEY,
    room_sid TEXT NOT NULL,
    participant_sid TEXT NOT NULL,
    identity TEXT NOT NULL,
    joined_at INTEGER,
    active_at INTEGER,
    closed_at INTEGER,
    sdk TEXT NOT NULL,
    os TEXT NOT NULL,
    browser TEXT NOT NULL,
    expire_at INTEGER NOT NULL
);
CREATE INDEX participant_connections_joined_at ON participant_connections (joined_at);
CREATE INDEX participant_connections_active_at ON participant_connections (active_at);
CREATE INDEX participant_connections_expire_at ON participant_connections (expire_at);
INSERT INTO participant_connections (id, room_sid, participant_sid, identity, joined_at,
    active_at, closed_at, sdk, os, browser, expire_at)
    SELECT room_sid || ':' || participant_sid, room_sid, participant_sid,
        COALESCE(MAX(CASE WHEN type IN ('PARTICIPANT_JOINED', 'PARTICIPANT_ACTIVE') THEN participant_identity END), ''),
        MIN(CASE WHEN type = 'PARTICIPANT_JOINED' THEN timestamp END),
        MIN(CASE WHEN type = 'PARTICIPANT_ACTIVE' THEN timestamp END),
        MIN(CASE WHEN type IN ('PARTICIPANT_LEFT', 'PARTICIPANT_CONNECTION_ABORTED') THEN timestamp END),
        COALESCE(MAX(CASE WHEN type IN ('PARTICIPANT_JOINED', 'PARTICIPANT_ACTIVE') THEN json_extract(data, '$.client_info.sdk') END), ''),
        COALESCE(MAX(CASE WHEN type IN ('PARTICIPANT_JOINED', 'PARTICIPANT_ACTIVE') THEN json_extract(data, '$.client_info.os') END), ''),
        COALESCE(MAX(CASE WHEN type IN ('PARTICIPANT_JOINED', 'PARTICIPANT_ACTIVE')
            THEN json_extract(data, '$.client_info.browser') END), ''),
        MAX(expire_at)
    FROM events WHERE participant_sid <> '' AND type IN ('PARTICIPANT_JOINED', 'PARTICIPANT_ACTIVE', 'PARTICIPANT_LEFT', 'PARTICIPANT_CONNECTION_ABORTED')
    GROUP BY room_sid, participant_sid;
"#;

/// The stats' stream sums as columns and the traffic rollups (`sink_sql::tables`), filled
/// from the documents already stored, so that reads never parse documents. One pass over
/// the stats: minutes on a database of millions of stats, once.
const STAT_SUMS_AND_ROLLUPS: &str = r#"
ALTER TABLE stats ADD COLUMN bytes INTEGER NOT NULL DEFAULT 0;
ALTER TABLE stats ADD COLUMN packets INTEGER NOT NULL DEFAULT 0;
ALTER TABLE stats ADD COLUMN packets_lost INTEGER NOT NULL DEFAULT 0;
ALTER TABLE stats ADD COLUMN frames INTEGER NOT NULL DEFAULT 0;
ALTER TABLE stats ADD COLUMN jitter_count INTEGER NOT NULL DEFAULT 0;
ALTER TABLE stats ADD COLUMN jitter_sum REAL NOT NULL DEFAULT 0;
ALTER TABLE stats ADD COLUMN rtt_count INTEGER NOT NULL DEFAULT 0;
ALTER TABLE stats ADD COLUMN rtt_sum REAL NOT NULL DEFAULT 0;
ALTER TABLE stats ADD COLUMN covered_ms INTEGER NOT NULL DEFAULT 0;
ALTER TABLE stats ADD COLUMN client_reported INTEGER NOT NULL DEFAULT 0;
UPDATE stats SET (bytes, packets, packets_lost, frames, jitter_count, jitter_sum, rtt_count,
    rtt_sum, covered_ms) = (
    SELECT COALESCE(SUM(CAST(json_extract(value, '$.primary_bytes') AS INTEGER)), 0),
        COALESCE(SUM(CAST(json_extract(value, '$.primary_packets') AS INTEGER)), 0),
        COALESCE(SUM(CAST(json_extract(value, '$.packets_lost') AS INTEGER)), 0),
        COALESCE(SUM(CAST(json_extract(value, '$.frames') AS INTEGER)), 0),
        COALESCE(SUM(CASE WHEN CAST(json_extract(value, '$.jitter') AS INTEGER) > 0
            THEN 1 ELSE 0 END), 0),
        COALESCE(SUM(CASE WHEN CAST(json_extract(value, '$.jitter') AS INTEGER) > 0
            THEN CAST(json_extract(value, '$.jitter') AS INTEGER) ELSE 0 END), 0),
        COALESCE(SUM(CASE WHEN CAST(json_extract(value, '$.rtt') AS INTEGER) > 0
            THEN 1 ELSE 0 END), 0),
        COALESCE(SUM(CASE WHEN CAST(json_extract(value, '$.rtt') AS INTEGER) > 0
            THEN CAST(json_extract(value, '$.rtt') AS INTEGER) ELSE 0 END), 0),
        COALESCE(MAX(
            (CAST(json_extract(value, '$.end_time.seconds') AS INTEGER) * 1000
                + COALESCE(CAST(json_extract(value, '$.end_time.nanos') AS INTEGER), 0) / 1000000)
            - (CAST(json_extract(value, '$.start_time.seconds') AS INTEGER) * 1000
                + COALESCE(CAST(json_extract(value, '$.start_time.nanos') AS INTEGER), 0) / 1000000)), 0)
    FROM json_each(stats.data, '$.streams'))
WHERE json_type(data, '$.streams') = 'array';
UPDATE stats SET client_reported = 1 WHERE json_extract(data, '$.client_reported') = 1;
CREATE TABLE room_traffic (
    id TEXT PRIMARY KEY,
    room_sid TEXT NOT NULL,
    kind TEXT NOT NULL,
    bytes INTEGER NOT NULL,
    last_stat INTEGER NOT NULL,
    expire_at INTEGER NOT NULL
);
CREATE INDEX room_traffic_room_sid ON room_traffic (room_sid);
CREATE INDEX room_traffic_expire_at ON room_traffic (expire_at);
INSERT INTO room_traffic (id, room_sid, kind, bytes, last_stat, expire_at)
    SELECT kind || ':' || room_sid, room_sid, kind, SUM(bytes), MAX(timestamp), MAX(expire_at)
    FROM stats WHERE room_sid <> '' AND client_reported = 0 GROUP BY room_sid, kind;
CREATE TABLE hourly_traffic (
    id TEXT PRIMARY KEY,
    hour INTEGER NOT NULL,
    kind TEXT NOT NULL,
    bytes INTEGER NOT NULL,
    expire_at INTEGER NOT NULL
);
CREATE INDEX hourly_traffic_hour ON hourly_traffic (hour);
CREATE INDEX hourly_traffic_expire_at ON hourly_traffic (expire_at);
INSERT INTO hourly_traffic (id, hour, kind, bytes, expire_at)
    SELECT kind || ':' || ((timestamp / 3600000) * 3600000), (timestamp / 3600000) * 3600000,
        kind, SUM(bytes), MAX(expire_at)
    FROM stats WHERE client_reported = 0 GROUP BY (timestamp / 3600000) * 3600000, kind;
"#;

/// Applies the migrations the database has not seen, each in one transaction.
pub(crate) async fn migrate(pool: &SqlitePool) -> Result<(), SinkError> {
    let mut connection = pool.acquire().await.map_err(sink_error)?;
    apply_migrations(&mut connection).await.map_err(sink_error)
}

async fn apply_migrations(connection: &mut SqliteConnection) -> Result<(), sqlx::Error> {
    let version: i64 = sqlx::query_scalar("PRAGMA user_version")
        .fetch_one(&mut *connection)
        .await?;
    let applied = usize::try_from(version).unwrap_or(0);
    for (index, migration) in MIGRATIONS.iter().enumerate().skip(applied) {
        sqlx::raw_sql(sqlx::AssertSqlSafe(format!(
            "BEGIN IMMEDIATE; {migration} PRAGMA user_version = {}; COMMIT;",
            index + 1
        )))
        .execute(&mut *connection)
        .await?;
    }
    Ok(())
}
