//! The queries of the read side ([`analytics_core::query::SessionRows`]), once for both SQL
//! sinks: rooms from `ROOM_CREATED` events, the events a session is built from, the bytes
//! of the stats' streams and the last activity (from the room rollup). Parameters are `$n` and the columns read
//! are the same in each dialect, so each sink binds and reads them alike.

use analytics_core::query::SESSION_EVENT_TYPES;

use crate::{
    tables::{EVENTS, ROOM_TRAFFIC},
    Dialect,
};

/// The read side's queries in one dialect.
#[derive(Debug, Clone)]
pub struct SessionQueries {
    dialect: Dialect,
}

impl SessionQueries {
    pub const fn new(dialect: Dialect) -> SessionQueries {
        SessionQueries { dialect }
    }

    /// The dialect the queries are spelled in.
    pub(crate) fn dialect(&self) -> &Dialect {
        &self.dialect
    }

    fn created_select(&self) -> String {
        format!(
            "SELECT room_sid, MAX(room_name), {} AS created FROM {} WHERE type = 'ROOM_CREATED'",
            self.dialect.millis("MIN(timestamp)"),
            self.dialect.table(EVENTS.name)
        )
    }

    /// Rows of `(room_sid, room_name, created_ms)` created in `[$1, $2)` (unix
    /// milliseconds), newest first, `$3` of them after skipping `$4`.
    pub fn created_rooms(&self) -> String {
        // A room told twice (webhook and stream) is created when first told: one told
        // before the range is not in it, even if told again within.
        let events = self.dialect.table(EVENTS.name);
        let from = self.dialect.timestamp("$1");
        format!(
            "{} AND room_sid <> '' AND timestamp >= {from} AND timestamp < {} \
             AND NOT EXISTS (SELECT 1 FROM {events} AS earlier WHERE earlier.type = 'ROOM_CREATED' \
             AND earlier.room_sid = {events}.room_sid AND earlier.timestamp < {from}) \
             GROUP BY room_sid ORDER BY created DESC, room_sid LIMIT $3 OFFSET $4",
            self.created_select(),
            self.dialect.timestamp("$2")
        )
    }

    /// The row `(room_sid, room_name, created_ms)` of room `$1`.
    pub fn created_room(&self) -> String {
        format!(
            "{} AND room_sid = $1 GROUP BY room_sid",
            self.created_select()
        )
    }

    /// Rows of `(room_sid, type, timestamp_ms, participant_sid, egress_id, document)` of the
    /// rooms `$1..$rooms`, the document only for a participant's opening.
    pub fn room_events(&self, rooms: usize) -> String {
        let types: Vec<String> = SESSION_EVENT_TYPES
            .iter()
            .map(|kind| format!("'{kind}'"))
            .collect();
        format!(
            "SELECT room_sid, type, {}, COALESCE(participant_sid, ''), COALESCE(egress_id, ''), \
             CASE WHEN type IN ('PARTICIPANT_JOINED', 'PARTICIPANT_ACTIVE') THEN {} END \
             FROM {} WHERE room_sid IN ({}) AND type IN ({})",
            self.dialect.millis("timestamp"),
            self.dialect.json_text("data"),
            self.dialect.table(EVENTS.name),
            placeholders(rooms),
            types.join(", ")
        )
    }

    /// Rows of `(room_sid, kind, bytes)`: the bytes of the stats' streams per room
    /// (`$1..$rooms`) and direction, from the room rollup.
    pub fn room_traffic(&self, rooms: usize) -> String {
        format!(
            "SELECT room_sid, kind, CAST(SUM(bytes) AS BIGINT) FROM {} WHERE room_sid IN ({}) \
             GROUP BY room_sid, kind",
            self.dialect.table(ROOM_TRAFFIC.name),
            placeholders(rooms)
        )
    }

    /// Rows of `(room_sid, last_ms)`: the latest event or stat of each room `$1..$rooms`
    /// (the latest stat from the room rollup).
    pub fn room_activity(&self, rooms: usize) -> String {
        let listed = placeholders(rooms);
        format!(
            "SELECT room_sid, {} FROM (SELECT room_sid, MAX(timestamp) AS latest FROM {} \
             WHERE room_sid IN ({listed}) GROUP BY room_sid UNION ALL \
             SELECT room_sid, MAX(last_stat) AS latest FROM {} WHERE room_sid IN ({listed}) \
             GROUP BY room_sid) AS activity GROUP BY room_sid",
            self.dialect.millis("MAX(latest)"),
            self.dialect.table(EVENTS.name),
            self.dialect.table(ROOM_TRAFFIC.name),
        )
    }
}

/// `$1, $2, ..., $count`.
fn placeholders(count: usize) -> String {
    let numbered: Vec<String> = (1..=count).map(|n| format!("${n}")).collect();
    numbered.join(", ")
}
