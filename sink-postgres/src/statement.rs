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
//! - Being one statement, it commits whole or not at all: a dropped connection loses
//!   nothing that a retry of the batch does not write.

use sink_sql::{
    tables::{ACTIVE_ENTITIES, EVENTS, STATS},
    Dialect,
};

/// The batch statement for the tables of `dialect` (PostgreSQL, in the sink's schema; the
/// columns as [`sink_sql::tables`] declares them). Parameters, in order:
/// the 13 event columns, the 14 stat columns, then 5 active-change columns (see
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
    RETURNING id
), new_stats AS (
    INSERT INTO {stats} ({stat_columns})
    SELECT id, kind, {stat_at}, room_sid, room_name, participant_sid,
        track_id, score, min_score, median_score, mime, node, {stat_expire}, data::jsonb
    FROM UNNEST($14::text[], $15::text[], $16::int8[], $17::text[], $18::text[], $19::text[],
        $20::text[], $21::float4[], $22::float4[], $23::float4[], $24::text[], $25::text[],
        $26::int8[], $27::text[])
        AS s(id, kind, at_ms, room_sid, room_name, participant_sid,
        track_id, score, min_score, median_score, mime, node, expire_ms, data)
    ON CONFLICT (id) DO NOTHING
    RETURNING 1
), first_changes AS (
    SELECT DISTINCT ON (c.event_id) c.*
    FROM UNNEST($28::text[], $29::text[], $30::text[], $31::bool[], $32::int8[])
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
        event_at = dialect.timestamp("e.at_ms"),
        event_expire = dialect.timestamp("e.expire_ms"),
        stat_at = dialect.timestamp("s.at_ms"),
        stat_expire = dialect.timestamp("s.expire_ms"),
        change_at = dialect.timestamp("c.at_ms"),
    )
}
