//! The one statement that writes a batch: events, stats and the active-entity changes in a
//! single round trip, as column arrays expanded by `UNNEST`.
//!
//! - `ON CONFLICT (id) DO NOTHING` makes a re-sent record a no-op.
//! - Active-entity changes follow core's rule (`analytics_core::active_entities`, which the
//!   compliance cases check here as in every sink), written as SQL because only the
//!   statement knows which events it inserted, and asking first would cost a transaction and
//!   three more round trips: changes are applied only for events this statement inserted, so
//!   a re-sent `ROOM_CREATED` cannot re-open a room that was closed since (an event that
//!   comes twice in one batch is inserted by its first occurrence, so only that one
//!   counts); within the batch the last change of each entity wins (`DISTINCT ON ... ORDER
//!   BY position DESC`), so an open followed by a close leaves it closed; an open replaces
//!   the stored opening; a close of an id not held deletes nothing. One change per entity
//!   means the upsert and the delete never touch the same row.
//! - `active_entities` is unique by `md5(id)` (an id may be longer than a B-tree row), so
//!   the upsert names that index and the delete looks rows up through it.
//! - The traffic rollups (`room_traffic`, `hourly_traffic`) add the sums of the stats this
//!   statement inserted (`new_stats`; not those a browser reported), so a re-sent stat
//!   adds nothing; rows are upserted
//!   in id order, so that concurrent writers lock them in the same order.
//! - `participant_connections` merges what the inserted events say of each connection
//!   (earliest times, greatest identity and client fields; `LEAST`/`GREATEST` skip NULLs).
//! - Being one statement, it commits whole or not at all: a dropped connection loses
//!   nothing that a retry of the batch does not write.

use sink_sql::{
    connection_rollup::{CLOSING_TYPES, OPENING_TYPES},
    tables::{ACTIVE_ENTITIES, CONNECTIONS, EVENTS, HOURLY_TRAFFIC, ROOM_TRAFFIC, STATS},
    Dialect,
};

/// The batch statement for the tables of `dialect` (PostgreSQL, in the sink's schema; the
/// columns as [`sink_sql::tables`] declares them). Parameters, in order:
/// the 13 event columns, the 24 stat columns, then 5 active-change columns (see
/// [`crate::columns::Columns`]).
pub(crate) fn write_batch(dialect: &Dialect) -> String {
    format!(
        r#"WITH new_events AS (
    INSERT INTO {events} ({event_columns})
    SELECT id, type, {event_at}, room_sid, room_name, participant_sid,
        participant_identity, track_id, egress_id, ingress_id, node_id, {event_expire}, data::jsonb
    FROM UNNEST($1::text[], $2::text[], $3::int8[], $4::text[], $5::text[], $6::text[],
        $7::text[], $8::text[], $9::text[], $10::text[], $11::text[], $12::int8[], $13::text[])
        AS e(id, type, at_ms, room_sid, room_name, participant_sid,
        participant_identity, track_id, egress_id, ingress_id, node_id, expire_ms, data)
    ON CONFLICT (id) DO NOTHING
    RETURNING id, type, timestamp, room_sid, participant_sid, participant_identity, expire_at,
        data->'client_info'->>'sdk' AS sdk, data->'client_info'->>'os' AS os,
        data->'client_info'->>'browser' AS browser
), connection_rows AS (
    INSERT INTO {connections} (id, room_sid, participant_sid, identity, joined_at, active_at,
        closed_at, sdk, os, browser, expire_at)
    SELECT md5(room_sid || ':' || participant_sid), room_sid, participant_sid,
        COALESCE(MAX(CASE WHEN type IN ({opening}) THEN participant_identity END), ''),
        MIN(CASE WHEN type = 'PARTICIPANT_JOINED' THEN timestamp END),
        MIN(CASE WHEN type = 'PARTICIPANT_ACTIVE' THEN timestamp END),
        MIN(CASE WHEN type IN ({closing}) THEN timestamp END),
        COALESCE(MAX(CASE WHEN type IN ({opening}) THEN sdk END), ''),
        COALESCE(MAX(CASE WHEN type IN ({opening}) THEN os END), ''),
        COALESCE(MAX(CASE WHEN type IN ({opening}) THEN browser END), ''),
        MAX(expire_at)
    FROM new_events WHERE participant_sid <> '' AND type IN ({opening}, {closing})
    GROUP BY room_sid, participant_sid ORDER BY 1
    ON CONFLICT (id) DO UPDATE SET
        identity = GREATEST({connections}.identity, EXCLUDED.identity),
        joined_at = LEAST({connections}.joined_at, EXCLUDED.joined_at),
        active_at = LEAST({connections}.active_at, EXCLUDED.active_at),
        closed_at = LEAST({connections}.closed_at, EXCLUDED.closed_at),
        sdk = GREATEST({connections}.sdk, EXCLUDED.sdk),
        os = GREATEST({connections}.os, EXCLUDED.os),
        browser = GREATEST({connections}.browser, EXCLUDED.browser),
        expire_at = GREATEST({connections}.expire_at, EXCLUDED.expire_at)
    RETURNING 1
), new_stats AS (
    INSERT INTO {stats} ({stat_columns})
    SELECT id, kind, {stat_at}, room_sid, room_name, participant_sid,
        track_id, score, min_score, median_score, mime, node, {stat_expire}, data::jsonb,
        bytes, packets, packets_lost, frames, jitter_count, jitter_sum, rtt_count, rtt_sum,
        covered_ms, client_reported
    FROM UNNEST($14::text[], $15::text[], $16::int8[], $17::text[], $18::text[], $19::text[],
        $20::text[], $21::float4[], $22::float4[], $23::float4[], $24::text[], $25::text[],
        $26::int8[], $27::text[], $28::int8[], $29::int8[], $30::int8[], $31::int8[],
        $32::int8[], $33::float4[], $34::int8[], $35::float4[], $36::int8[], $37::int8[])
        AS s(id, kind, at_ms, room_sid, room_name, participant_sid,
        track_id, score, min_score, median_score, mime, node, expire_ms, data,
        bytes, packets, packets_lost, frames, jitter_count, jitter_sum, rtt_count, rtt_sum,
        covered_ms, client_reported)
    ON CONFLICT (id) DO NOTHING
    RETURNING room_sid, kind, timestamp, bytes, expire_at, client_reported
), room_rollup AS (
    INSERT INTO {room_traffic} (id, room_sid, kind, bytes, last_stat, expire_at)
    SELECT md5(kind || ':' || room_sid), room_sid, kind, SUM(bytes), MAX(timestamp), MAX(expire_at)
    FROM new_stats WHERE room_sid <> '' AND client_reported = 0
    GROUP BY room_sid, kind ORDER BY 1
    ON CONFLICT (id) DO UPDATE SET bytes = {room_traffic}.bytes + EXCLUDED.bytes,
        last_stat = GREATEST({room_traffic}.last_stat, EXCLUDED.last_stat),
        expire_at = GREATEST({room_traffic}.expire_at, EXCLUDED.expire_at)
    RETURNING 1
), hour_rollup AS (
    INSERT INTO {hourly_traffic} (id, hour, kind, bytes, expire_at)
    SELECT kind || ':' || hour_ms, {hour_at}, kind, SUM(bytes), MAX(expire_at)
    FROM (SELECT kind, bytes, expire_at,
            (floor(extract(epoch FROM timestamp) / 3600) * 3600000)::int8 AS hour_ms
        FROM new_stats WHERE client_reported = 0) AS hourly
    GROUP BY hour_ms, kind ORDER BY 1
    ON CONFLICT (id) DO UPDATE SET bytes = {hourly_traffic}.bytes + EXCLUDED.bytes,
        expire_at = GREATEST({hourly_traffic}.expire_at, EXCLUDED.expire_at)
    RETURNING 1
), first_changes AS (
    SELECT DISTINCT ON (c.event_id) c.*
    FROM UNNEST($38::text[], $39::text[], $40::text[], $41::bool[], $42::int8[])
        WITH ORDINALITY AS c(event_id, entity_id, entity, opens, at_ms, position)
    ORDER BY c.event_id, c.position
), changes AS (
    SELECT DISTINCT ON (c.entity_id) c.entity_id, c.entity, c.opens, c.event_id, c.at_ms
    FROM first_changes c
    WHERE c.event_id IN (SELECT id FROM new_events)
    ORDER BY c.entity_id, c.position DESC
), opened AS (
    INSERT INTO {active_entities} (id, entity, event_id, opened_at)
    SELECT c.entity_id, c.entity, c.event_id, {change_at} FROM changes c WHERE c.opens
    ON CONFLICT ((md5(id))) DO UPDATE
        SET entity = EXCLUDED.entity, event_id = EXCLUDED.event_id, opened_at = EXCLUDED.opened_at
    RETURNING 1
), closed AS (
    DELETE FROM {active_entities} a USING changes c
    WHERE md5(a.id) = md5(c.entity_id) AND a.id = c.entity_id AND NOT c.opens
    RETURNING 1
)
SELECT (SELECT count(*) FROM new_events), (SELECT count(*) FROM new_stats),
    (SELECT count(*) FROM opened), (SELECT count(*) FROM closed)"#,
        events = dialect.table(EVENTS.name),
        event_columns = EVENTS.column_list(),
        stats = dialect.table(STATS.name),
        stat_columns = STATS.column_list(),
        active_entities = dialect.table(ACTIVE_ENTITIES.name),
        room_traffic = dialect.table(ROOM_TRAFFIC.name),
        connections = dialect.table(CONNECTIONS.name),
        opening = quoted_list(&OPENING_TYPES),
        closing = quoted_list(&CLOSING_TYPES),
        hourly_traffic = dialect.table(HOURLY_TRAFFIC.name),
        hour_at = dialect.timestamp("hour_ms"),
        event_at = dialect.timestamp("e.at_ms"),
        event_expire = dialect.timestamp("e.expire_ms"),
        stat_at = dialect.timestamp("s.at_ms"),
        stat_expire = dialect.timestamp("s.expire_ms"),
        change_at = dialect.timestamp("c.at_ms"),
    )
}

/// `'a', 'b'`: event types as an SQL list.
fn quoted_list(types: &[&str]) -> String {
    let quoted: Vec<String> = types.iter().map(|kind| format!("'{kind}'")).collect();
    quoted.join(", ")
}
