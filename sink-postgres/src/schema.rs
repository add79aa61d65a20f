//! The tables and indexes, created by versioned migrations recorded in
//! `<schema>.schema_migrations` and applied under a transaction-scoped advisory lock, so that
//! two instances starting at once neither race nor fail. What they add up to is declared once
//! for both SQL sinks in `sink_sql::tables`, and `tests/schema.rs` checks that they match.

use sqlx::{AssertSqlSafe, PgConnection, Postgres, Transaction};

/// `{schema}` is replaced by the quoted schema name. Migration `n` (1-based) is version `n`;
/// never edit one that has shipped: append a new one.
pub(crate) const MIGRATIONS: &[(&str, &str)] = &[
    (
        "events, stats, active_entities and last_alive with dashboard and expiry indexes",
        r#"
CREATE TABLE {schema}.events (
    id text PRIMARY KEY,
    type text NOT NULL,
    timestamp timestamptz NOT NULL,
    room_sid text NOT NULL,
    room_name text NOT NULL,
    participant_sid text NOT NULL,
    participant_identity text NOT NULL,
    track_id text NOT NULL,
    egress_id text NOT NULL,
    ingress_id text NOT NULL,
    node_id text NOT NULL,
    expire_at timestamptz NOT NULL,
    data jsonb NOT NULL
);
CREATE INDEX events_type_timestamp ON {schema}.events (type, timestamp);
CREATE INDEX events_timestamp ON {schema}.events (timestamp);
CREATE INDEX events_room_type ON {schema}.events (room_sid, type);
CREATE INDEX events_participant_type ON {schema}.events (participant_sid, type);
CREATE INDEX events_identity_type ON {schema}.events (participant_identity, type);
CREATE INDEX events_egress_type ON {schema}.events (egress_id, type);
CREATE INDEX events_ingress_type ON {schema}.events (ingress_id, type);
CREATE INDEX events_expire_at ON {schema}.events (expire_at);

CREATE TABLE {schema}.stats (
    id text PRIMARY KEY,
    kind text NOT NULL,
    timestamp timestamptz NOT NULL,
    room_sid text NOT NULL,
    room_name text NOT NULL,
    participant_sid text NOT NULL,
    track_id text NOT NULL,
    score real NOT NULL,
    min_score real NOT NULL,
    median_score real NOT NULL,
    mime text NOT NULL,
    node text NOT NULL,
    expire_at timestamptz NOT NULL,
    data jsonb NOT NULL
);
CREATE INDEX stats_room_timestamp ON {schema}.stats (room_sid, timestamp);
CREATE INDEX stats_participant_timestamp ON {schema}.stats (participant_sid, timestamp);
CREATE INDEX stats_track_timestamp ON {schema}.stats (track_id, timestamp);
CREATE INDEX stats_timestamp ON {schema}.stats (timestamp);
CREATE INDEX stats_expire_at ON {schema}.stats (expire_at);

CREATE TABLE {schema}.active_entities (
    id text PRIMARY KEY,
    entity text NOT NULL,
    event_id text NOT NULL,
    opened_at timestamptz NOT NULL
);
CREATE INDEX active_entities_entity ON {schema}.active_entities (entity);

CREATE TABLE {schema}.last_alive (
    id text PRIMARY KEY,
    last_alive timestamptz NOT NULL
);
"#,
    ),
    (
        "fixer_lease: one active-entities fixer at a time among instances sharing the schema",
        r#"
CREATE TABLE {schema}.fixer_lease (
    id text PRIMARY KEY,
    holder text NOT NULL,
    expires_at timestamptz NOT NULL
);
"#,
    ),
    (
        "identifiers of any length: hash indexes on the id columns, active_entities unique by md5(id)",
        LONG_IDENTIFIERS,
    ),
    (
        "stats' stream sums as columns and the room_traffic and hourly_traffic rollups",
        STAT_SUMS_AND_ROLLUPS,
    ),
    (
        "participant_connections: one row per connection, for overviews",
        PARTICIPANT_CONNECTIONS,
    ),
];

/// One row per participant connection (`sink_sql::tables::CONNECTIONS`), filled from the
/// events already stored, so that an overview reads connections instead of their events.
/// Ids are MD5s, for sids of any length.
const PARTICIPANT_CONNECTIONS: &str = r#"
CREATE TABLE {schema}.participant_connections (
    id text PRIMARY KEY,
    room_sid text NOT NULL,
    participant_sid text NOT NULL,
    identity text NOT NULL,
    joined_at timestamptz,
    active_at timestamptz,
    closed_at timestamptz,
    sdk text NOT NULL,
    os text NOT NULL,
    browser text NOT NULL,
    expire_at timestamptz NOT NULL
);
CREATE INDEX participant_connections_joined_at ON {schema}.participant_connections (joined_at);
CREATE INDEX participant_connections_active_at ON {schema}.participant_connections (active_at);
CREATE INDEX participant_connections_expire_at ON {schema}.participant_connections (expire_at);
INSERT INTO {schema}.participant_connections (id, room_sid, participant_sid, identity,
    joined_at, active_at, closed_at, sdk, os, browser, expire_at)
    SELECT md5(room_sid || ':' || participant_sid), room_sid, participant_sid,
        COALESCE(MAX(CASE WHEN type IN ('PARTICIPANT_JOINED', 'PARTICIPANT_ACTIVE') THEN participant_identity END), ''),
        MIN(CASE WHEN type = 'PARTICIPANT_JOINED' THEN timestamp END),
        MIN(CASE WHEN type = 'PARTICIPANT_ACTIVE' THEN timestamp END),
        MIN(CASE WHEN type IN ('PARTICIPANT_LEFT', 'PARTICIPANT_CONNECTION_ABORTED') THEN timestamp END),
        COALESCE(MAX(CASE WHEN type IN ('PARTICIPANT_JOINED', 'PARTICIPANT_ACTIVE') THEN data->'client_info'->>'sdk' END), ''),
        COALESCE(MAX(CASE WHEN type IN ('PARTICIPANT_JOINED', 'PARTICIPANT_ACTIVE') THEN data->'client_info'->>'os' END), ''),
        COALESCE(MAX(CASE WHEN type IN ('PARTICIPANT_JOINED', 'PARTICIPANT_ACTIVE') THEN data->'client_info'->>'browser' END), ''),
        MAX(expire_at)
    FROM {schema}.events WHERE participant_sid <> '' AND type IN ('PARTICIPANT_JOINED', 'PARTICIPANT_ACTIVE', 'PARTICIPANT_LEFT', 'PARTICIPANT_CONNECTION_ABORTED')
    GROUP BY room_sid, participant_sid;
"#;

/// The stats' stream sums as columns and the traffic rollups (`sink_sql::tables`), filled
/// from the documents already stored, so that reads never parse documents. One pass over
/// the stats: minutes on a database of millions of stats, once. Rollup ids are MD5s and
/// the room lookup a hash index, for room sids of any length.
const STAT_SUMS_AND_ROLLUPS: &str = r#"
ALTER TABLE {schema}.stats
    ADD COLUMN bytes bigint NOT NULL DEFAULT 0,
    ADD COLUMN packets bigint NOT NULL DEFAULT 0,
    ADD COLUMN packets_lost bigint NOT NULL DEFAULT 0,
    ADD COLUMN frames bigint NOT NULL DEFAULT 0,
    ADD COLUMN jitter_count bigint NOT NULL DEFAULT 0,
    ADD COLUMN jitter_sum real NOT NULL DEFAULT 0,
    ADD COLUMN rtt_count bigint NOT NULL DEFAULT 0,
    ADD COLUMN rtt_sum real NOT NULL DEFAULT 0,
    ADD COLUMN covered_ms bigint NOT NULL DEFAULT 0,
    ADD COLUMN client_reported bigint NOT NULL DEFAULT 0;
UPDATE {schema}.stats SET (bytes, packets, packets_lost, frames, jitter_count, jitter_sum,
    rtt_count, rtt_sum, covered_ms) = (
    SELECT COALESCE(SUM((v->>'primary_bytes')::int8), 0),
        COALESCE(SUM((v->>'primary_packets')::int8), 0),
        COALESCE(SUM((v->>'packets_lost')::int8), 0),
        COALESCE(SUM((v->>'frames')::int8), 0),
        COALESCE(SUM(CASE WHEN (v->>'jitter')::int8 > 0 THEN 1 ELSE 0 END), 0),
        COALESCE(SUM(CASE WHEN (v->>'jitter')::int8 > 0 THEN (v->>'jitter')::int8 ELSE 0 END), 0),
        COALESCE(SUM(CASE WHEN (v->>'rtt')::int8 > 0 THEN 1 ELSE 0 END), 0),
        COALESCE(SUM(CASE WHEN (v->>'rtt')::int8 > 0 THEN (v->>'rtt')::int8 ELSE 0 END), 0),
        COALESCE(MAX(
            ((v->'end_time'->>'seconds')::int8 * 1000
                + COALESCE((v->'end_time'->>'nanos')::int8, 0) / 1000000)
            - ((v->'start_time'->>'seconds')::int8 * 1000
                + COALESCE((v->'start_time'->>'nanos')::int8, 0) / 1000000)), 0)
    FROM jsonb_array_elements(data->'streams') AS v)
WHERE jsonb_typeof(data->'streams') = 'array';
UPDATE {schema}.stats SET client_reported = 1 WHERE data->'client_reported' = 'true'::jsonb;
CREATE TABLE {schema}.room_traffic (
    id text PRIMARY KEY,
    room_sid text NOT NULL,
    kind text NOT NULL,
    bytes bigint NOT NULL,
    last_stat timestamptz NOT NULL,
    expire_at timestamptz NOT NULL
);
CREATE INDEX room_traffic_room_sid ON {schema}.room_traffic USING hash (room_sid);
CREATE INDEX room_traffic_expire_at ON {schema}.room_traffic (expire_at);
INSERT INTO {schema}.room_traffic (id, room_sid, kind, bytes, last_stat, expire_at)
    SELECT md5(kind || ':' || room_sid), room_sid, kind, SUM(bytes), MAX(timestamp), MAX(expire_at)
    FROM {schema}.stats WHERE room_sid <> '' AND client_reported = 0 GROUP BY room_sid, kind;
CREATE TABLE {schema}.hourly_traffic (
    id text PRIMARY KEY,
    hour timestamptz NOT NULL,
    kind text NOT NULL,
    bytes bigint NOT NULL,
    expire_at timestamptz NOT NULL
);
CREATE INDEX hourly_traffic_hour ON {schema}.hourly_traffic (hour);
CREATE INDEX hourly_traffic_expire_at ON {schema}.hourly_traffic (expire_at);
INSERT INTO {schema}.hourly_traffic (id, hour, kind, bytes, expire_at)
    SELECT kind || ':' || hour_ms, 'epoch'::timestamptz + hour_ms * interval '1 millisecond',
        kind, SUM(bytes), MAX(expire_at)
    FROM (SELECT kind, bytes, expire_at,
            (floor(extract(epoch FROM timestamp) / 3600) * 3600000)::int8 AS hour_ms
        FROM {schema}.stats WHERE client_reported = 0) AS hourly
    GROUP BY hour_ms, kind;
"#;

/// A B-tree index row holds at most about 2.7 KB, so a record with a longer room sid,
/// identity, track id, egress or ingress id was refused (SQLSTATE 54000) after the service
/// had acknowledged it. Hash indexes store a 4-byte hash of any value and still serve
/// `col = $1`, which is how every query looks these columns up (the rows of one room or
/// participant are then filtered by type or sorted by time); `active_entities.id` needs a
/// unique index for its upsert, so it is unique by `md5(id)` instead of a primary key.
const LONG_IDENTIFIERS: &str = r#"
DROP INDEX IF EXISTS {schema}.events_room_type;
DROP INDEX IF EXISTS {schema}.events_participant_type;
DROP INDEX IF EXISTS {schema}.events_identity_type;
DROP INDEX IF EXISTS {schema}.events_egress_type;
DROP INDEX IF EXISTS {schema}.events_ingress_type;
CREATE INDEX events_room_sid ON {schema}.events USING hash (room_sid);
CREATE INDEX events_participant_sid ON {schema}.events USING hash (participant_sid);
CREATE INDEX events_participant_identity ON {schema}.events USING hash (participant_identity);
CREATE INDEX events_egress_id ON {schema}.events USING hash (egress_id);
CREATE INDEX events_ingress_id ON {schema}.events USING hash (ingress_id);

DROP INDEX IF EXISTS {schema}.stats_room_timestamp;
DROP INDEX IF EXISTS {schema}.stats_participant_timestamp;
DROP INDEX IF EXISTS {schema}.stats_track_timestamp;
CREATE INDEX stats_room_sid ON {schema}.stats USING hash (room_sid);
CREATE INDEX stats_participant_sid ON {schema}.stats USING hash (participant_sid);
CREATE INDEX stats_track_id ON {schema}.stats USING hash (track_id);

ALTER TABLE {schema}.active_entities DROP CONSTRAINT IF EXISTS active_entities_pkey;
CREATE UNIQUE INDEX active_entities_id ON {schema}.active_entities (md5(id));
"#;

/// The schema version this build creates.
pub const SCHEMA_VERSION: i32 = MIGRATIONS.len() as i32;

/// What [`migrate`] found and did.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct MigrationOutcome {
    /// Version before the run.
    pub found: i32,
    /// Migrations applied by this run.
    pub applied: i32,
}

/// `"name"`: the schema as a quoted identifier (the name is validated by the config).
pub(crate) fn quoted(schema: &str) -> String {
    format!("\"{schema}\"")
}

/// Brings `schema` to [`SCHEMA_VERSION`] in one transaction. Concurrent callers queue on an
/// advisory lock keyed by the schema name; the second finds the work done.
pub(crate) async fn migrate(
    connection: &mut PgConnection,
    schema: &str,
) -> Result<MigrationOutcome, sqlx::Error> {
    let mut tx: Transaction<'_, Postgres> = sqlx::Connection::begin(connection).await?;
    sqlx::query("SELECT pg_advisory_xact_lock(hashtextextended($1, 0))")
        .bind(format!("livekit-analytics/schema/{schema}"))
        .execute(&mut *tx)
        .await?;
    let quoted = quoted(schema);
    // Checked first so that a role without CREATE on the database can use a schema a DBA
    // prepared (CREATE SCHEMA IF NOT EXISTS checks the privilege even when it exists).
    let exists: bool =
        sqlx::query_scalar("SELECT EXISTS (SELECT 1 FROM pg_namespace WHERE nspname = $1)")
            .bind(schema)
            .fetch_one(&mut *tx)
            .await?;
    if !exists {
        sqlx::raw_sql(AssertSqlSafe(format!("CREATE SCHEMA {quoted}")))
            .execute(&mut *tx)
            .await?;
    }
    sqlx::raw_sql(AssertSqlSafe(format!(
        "CREATE TABLE IF NOT EXISTS {quoted}.schema_migrations (
            version integer PRIMARY KEY,
            description text NOT NULL,
            applied_at timestamptz NOT NULL DEFAULT now()
        )"
    )))
    .execute(&mut *tx)
    .await?;
    let found: i32 = sqlx::query_scalar(AssertSqlSafe(format!(
        "SELECT coalesce(max(version), 0) FROM {quoted}.schema_migrations"
    )))
    .fetch_one(&mut *tx)
    .await?;
    let mut applied = 0;
    for (version, (description, migration)) in (1..).zip(MIGRATIONS) {
        if version <= found {
            continue;
        }
        sqlx::raw_sql(AssertSqlSafe(migration.replace("{schema}", &quoted)))
            .execute(&mut *tx)
            .await?;
        sqlx::query(AssertSqlSafe(format!(
            "INSERT INTO {quoted}.schema_migrations (version, description) VALUES ($1, $2)"
        )))
        .bind(version)
        .bind(*description)
        .execute(&mut *tx)
        .await?;
        applied += 1;
    }
    tx.commit().await?;
    Ok(MigrationOutcome { found, applied })
}
