//! The queries of the richer read API's lookups (the explore part of
//! [`analytics_core::query::SessionRows`]), once for both SQL sinks: searched rooms by keyset
//! cursor, a room's whole timeline, its stats' sums, a series' buckets, the connections of a
//! range and their totals, its bytes per day, and what is open now. Parameters are `$n`, the
//! columns read the same in each dialect. Numbers read out of documents go through `CAST` so
//! that each sink reads one type whatever the database made of the arithmetic.

use analytics_core::query::{SessionSearch, SessionStatus, SortOrder};

use crate::{
    tables::{ACTIVE_ENTITIES, CONNECTIONS, EVENTS, HOURLY_TRAFFIC, STATS},
    Dialect, SessionQueries,
};

/// The event types of egresses and ingresses, whose events may carry no room sid (an
/// ingress's never does): they belong to the room their document names.
const MEDIA_JOB_EVENT_TYPES: &str = "'EGRESS_STARTED', 'EGRESS_UPDATED', 'EGRESS_ENDED', \
    'INGRESS_CREATED', 'INGRESS_UPDATED', 'INGRESS_STARTED', 'INGRESS_ENDED', 'INGRESS_DELETED'";

/// Which optional parameters a search binds, after `$1` (from), `$2` (before), `$3` (limit):
/// in this order, numbered on.
#[derive(Debug, Clone, Copy)]
pub struct SearchParameters {
    pub room_prefix: bool,
    pub identity: bool,
    /// Two of them: the cursor's creation time, then its room sid.
    pub cursor: bool,
}

impl SearchParameters {
    pub fn of(search: &SessionSearch) -> SearchParameters {
        SearchParameters {
            room_prefix: search.room_prefix.is_some(),
            identity: search.identity.is_some(),
            cursor: search.after.is_some(),
        }
    }
}

/// What a row of [`SessionQueries::connection_totals`] counts, named by its first column.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ConnectionTotal {
    /// Distinct identities.
    Identities,
    /// Distinct identities of one UTC day.
    DailyIdentities,
    /// Connected milliseconds.
    ConnectedMs,
    /// Connections of one SDK, OS and browser.
    Clients,
}

impl ConnectionTotal {
    pub const ALL: [ConnectionTotal; 4] = [
        ConnectionTotal::Identities,
        ConnectionTotal::DailyIdentities,
        ConnectionTotal::ConnectedMs,
        ConnectionTotal::Clients,
    ];

    /// Its name in the query's first column.
    pub fn label(self) -> &'static str {
        match self {
            ConnectionTotal::Identities => "identities",
            ConnectionTotal::DailyIdentities => "day",
            ConnectionTotal::ConnectedMs => "connected_ms",
            ConnectionTotal::Clients => "clients",
        }
    }

    /// The total labelled `label`, if any.
    pub fn of_label(label: &str) -> Option<ConnectionTotal> {
        ConnectionTotal::ALL
            .into_iter()
            .find(|total| total.label() == label)
    }
}

impl SessionQueries {
    fn events(&self) -> String {
        self.dialect().table(EVENTS.name)
    }

    /// Rows of `(room_sid, room_name, created_ms)` created in `[$1, $2)`, matching the
    /// filters, in `order` after the cursor, `$3` of them. The optional parameters follow
    /// in [`SearchParameters`]' order.
    pub fn searched_rooms(
        &self,
        parameters: SearchParameters,
        status: Option<SessionStatus>,
        order: SortOrder,
    ) -> String {
        let events = self.events();
        let from = self.dialect().timestamp("$1");
        let mut conditions = Vec::new();
        let mut next = 4;
        let mut parameter = || {
            let name = format!("${next}");
            next += 1;
            name
        };
        if parameters.room_prefix {
            let prefix = format!("CAST({} AS TEXT)", parameter());
            conditions.push(format!(
                "substr(rooms.room_name, 1, length({prefix})) = {prefix}"
            ));
        }
        if parameters.identity {
            conditions.push(format!(
                "EXISTS (SELECT 1 FROM {events} AS opening WHERE opening.room_sid = rooms.room_sid \
                 AND opening.participant_identity = {} \
                 AND opening.type IN ('PARTICIPANT_JOINED', 'PARTICIPANT_ACTIVE'))",
                parameter()
            ));
        }
        let ended = format!(
            "EXISTS (SELECT 1 FROM {events} AS ending WHERE ending.room_sid = rooms.room_sid \
             AND ending.type = 'ROOM_ENDED')"
        );
        match status {
            Some(SessionStatus::Ended) => conditions.push(ended),
            Some(SessionStatus::Active) => conditions.push(format!("NOT {ended}")),
            None => {}
        }
        let direction = match order {
            SortOrder::NewestFirst => ("<", "DESC"),
            SortOrder::OldestFirst => (">", "ASC"),
        };
        if parameters.cursor {
            let (created, sid) = (parameter(), parameter());
            conditions.push(format!(
                "(rooms.created {} CAST({created} AS BIGINT) OR (rooms.created = CAST({created} AS BIGINT) \
                 AND rooms.room_sid > CAST({sid} AS TEXT)))",
                direction.0
            ));
        }
        let filters: String = conditions
            .iter()
            .map(|condition| format!(" AND {condition}"))
            .collect();
        format!(
            "SELECT rooms.room_sid, rooms.room_name, rooms.created FROM (\
             SELECT room_sid, MAX(room_name) AS room_name, {} AS created FROM {events} \
             WHERE type = 'ROOM_CREATED' AND room_sid <> '' AND timestamp >= {from} \
             AND timestamp < {} AND NOT EXISTS (SELECT 1 FROM {events} AS earlier \
             WHERE earlier.type = 'ROOM_CREATED' AND earlier.room_sid = {events}.room_sid \
             AND earlier.timestamp < {from}) GROUP BY room_sid) AS rooms WHERE 1 = 1{filters} \
             ORDER BY rooms.created {}, rooms.room_sid LIMIT $3",
            self.dialect().millis("MIN(timestamp)"),
            self.dialect().timestamp("$2"),
            direction.1
        )
    }

    /// Rows of `(type, timestamp_ms, participant_sid, participant_identity, track_sid,
    /// egress_id, ingress_id, document)`: every event of room `$1`, with the egress and
    /// ingress events that name no room but whose document names it.
    pub fn room_timeline(&self) -> String {
        let select = format!(
            "SELECT type, {}, participant_sid, participant_identity, track_id, egress_id, \
             ingress_id, {} FROM {}",
            self.dialect().millis("timestamp"),
            self.dialect().json_text("data"),
            self.events()
        );
        format!(
            "{select} WHERE room_sid = $1 UNION ALL {select} WHERE type IN ({MEDIA_JOB_EVENT_TYPES}) \
             AND room_sid = '' AND ({} = $1 OR {} = $1)",
            self.dialect().json_field("data", &["egress", "room_id"]),
            self.dialect().json_field("data", &["ingress", "state", "room_id"])
        )
    }

    /// The stats of `where_clause` (on `s`), one row per stat with its streams' sums (kept
    /// as columns at write time): `id, participant_sid, track_id, kind, timestamp_ms, score,
    /// min_score, bytes, packets, packets_lost, frames, jitter_count, jitter_sum, rtt_count,
    /// rtt_sum, covered_ms, client_reported`.
    fn per_stat(&self, where_clause: &str) -> String {
        format!(
            "SELECT s.id, s.participant_sid, s.track_id, s.kind, {} AS at_ms, \
             {} AS score, {} AS min_score, s.bytes, s.packets, s.packets_lost, s.frames, \
             s.jitter_count, {} AS jitter_sum, s.rtt_count, {} AS rtt_sum, s.covered_ms, \
             s.client_reported FROM {} AS s WHERE {where_clause}",
            self.dialect().millis("s.timestamp"),
            self.double("s.score"),
            self.double("s.min_score"),
            self.double("s.jitter_sum"),
            self.double("s.rtt_sum"),
            self.dialect().table(STATS.name),
        )
    }

    /// Rows of `(participant_sid, track_sid, kind, scored, score_sum, min_score, bytes,
    /// packets, packets_lost)`: room `$1`'s stats summed per participant, track and direction
    /// (LiveKit's: the browsers report the same media again).
    pub fn stats_totals(&self) -> String {
        format!(
            "SELECT participant_sid, track_id, kind, \
             CAST(SUM(CASE WHEN score > 0 THEN 1 ELSE 0 END) AS BIGINT), \
             {}, {}, CAST(SUM(bytes) AS BIGINT), CAST(SUM(packets) AS BIGINT), \
             CAST(SUM(packets_lost) AS BIGINT) FROM ({}) AS per_stat \
             GROUP BY participant_sid, track_id, kind",
            self.double("COALESCE(SUM(CASE WHEN score > 0 THEN score ELSE 0 END), 0)"),
            self.double(
                "MIN(CASE WHEN score > 0 THEN CASE WHEN min_score > 0 THEN min_score \
                 ELSE score END END)"
            ),
            self.per_stat("s.room_sid = $1 AND s.client_reported = 0")
        )
    }

    /// Rows of `(bucket_start_ms, scored, score_sum, bytes, packets, packets_lost, frames,
    /// jitter_count, jitter_sum, rtt_count, rtt_sum, covered_ms, covered_stats,
    /// client_reported)`, LiveKit's and the browsers' apart: room `$1`'s stats in
    /// `[$2, $3)` summed per bucket of `$4` milliseconds from `$2`; of track `$5` when
    /// `track`, of the participant sids that follow (`participants` of them) when any.
    pub fn stats_buckets(&self, track: bool, participants: usize) -> String {
        let mut conditions = vec![
            "s.room_sid = $1".to_owned(),
            format!("s.timestamp >= {}", self.dialect().timestamp("$2")),
            format!("s.timestamp < {}", self.dialect().timestamp("$3")),
        ];
        let mut next = 5;
        if track {
            conditions.push(format!("s.track_id = ${next}"));
            next += 1;
        }
        if participants > 0 {
            let listed: Vec<String> = (next..next + participants)
                .map(|n| format!("${n}"))
                .collect();
            conditions.push(format!("s.participant_sid IN ({})", listed.join(", ")));
        }
        let bucket = "CAST((at_ms - CAST($2 AS BIGINT)) / CAST($4 AS BIGINT) AS BIGINT)";
        format!(
            "SELECT CAST(CAST($2 AS BIGINT) + {bucket} * CAST($4 AS BIGINT) AS BIGINT) AS bucket_start, \
             CAST(SUM(CASE WHEN score > 0 THEN 1 ELSE 0 END) AS BIGINT), {}, \
             CAST(SUM(bytes) AS BIGINT), CAST(SUM(packets) AS BIGINT), \
             CAST(SUM(packets_lost) AS BIGINT), CAST(SUM(frames) AS BIGINT), \
             CAST(SUM(jitter_count) AS BIGINT), {}, CAST(SUM(rtt_count) AS BIGINT), {}, \
             CAST(SUM(CASE WHEN covered_ms > 0 THEN covered_ms ELSE 0 END) AS BIGINT), \
             CAST(SUM(CASE WHEN covered_ms > 0 THEN 1 ELSE 0 END) AS BIGINT), \
             CAST(client_reported AS BIGINT) FROM ({}) AS per_stat GROUP BY {bucket}, client_reported",
            self.double("COALESCE(SUM(CASE WHEN score > 0 THEN score ELSE 0 END), 0)"),
            self.double("SUM(jitter_sum)"),
            self.double("SUM(rtt_sum)"),
            self.per_stat(&conditions.join(" AND "))
        )
    }

    /// Rows of `(room_sid, participant_sid, identity, joined_ms, closed_ms, room_ended_ms,
    /// sdk, os, browser)`: each connection opened in `[$1, $2)` (its first
    /// `PARTICIPANT_ACTIVE`, or its first `PARTICIPANT_JOINED` when no active is stored), with
    /// its first close and its room's end, from the connections kept at write time.
    pub fn connections_opened(&self) -> String {
        let dialect = self.dialect();
        format!(
            "SELECT c.room_sid, c.participant_sid, c.identity, {}, {}, {}, c.sdk, c.os, c.browser \
             {}",
            dialect.millis("COALESCE(c.active_at, c.joined_at)"),
            dialect.millis("c.closed_at"),
            dialect.millis("ends.ended"),
            self.opened_in_range(),
        )
    }

    /// Rows of `(total, day_ms, sdk, os, browser, count)` summing up the connections of
    /// [`SessionQueries::connections_opened`] at now `$3`, labelled by [`ConnectionTotal`]:
    /// their distinct identities; per UTC day of opening, its distinct identities; their
    /// connected milliseconds within the range, an open one up to now; the connections per
    /// client (SDK, OS and browser). Columns that mean nothing for a total are 0 or `''`.
    /// The connections are read once, into a table the totals read (`MATERIALIZED`: SQLite
    /// would otherwise read them again for each). A connection without a close takes its
    /// room's end: PostgreSQL hash-joins the ends; SQLite looks up only those connections'
    /// rooms (a join would probe the ends for every connection).
    pub fn connection_totals(&self) -> String {
        let dialect = self.dialect();
        let (ends, source, ended) = match dialect {
            Dialect::Sqlite => (
                format!("ends AS ({}), ", self.room_ends()),
                format!(
                    "FROM {} AS c WHERE {}",
                    dialect.table(CONNECTIONS.name),
                    self.opened_in_range_condition()
                ),
                "(SELECT ends.ended FROM ends WHERE ends.room_sid = c.room_sid)",
            ),
            Dialect::Postgres { .. } => (String::new(), self.opened_in_range(), "ends.ended"),
        };
        let joined = dialect.millis("COALESCE(c.active_at, c.joined_at)");
        let left = dialect.millis(&format!("COALESCE(c.closed_at, {ended})"));
        let before = "CAST($2 AS BIGINT)";
        // A connection opens in the range, so only its end needs clipping. The table keeps
        // milliseconds, each converted once.
        format!(
            "WITH {ends}opened AS MATERIALIZED (SELECT c.identity, c.sdk, c.os, c.browser, \
             {joined} AS joined_ms, COALESCE({left}, CAST($3 AS BIGINT)) AS left_ms {source}) \
             SELECT '{}', CAST(0 AS BIGINT), '', '', '', CAST(COUNT(DISTINCT identity) AS BIGINT) \
             FROM opened \
             UNION ALL SELECT '{}', day_ms, '', '', '', CAST(COUNT(DISTINCT identity) AS BIGINT) \
             FROM (SELECT identity, CAST((joined_ms / 86400000) * 86400000 AS BIGINT) AS day_ms \
             FROM opened) AS days GROUP BY day_ms \
             UNION ALL SELECT '{}', CAST(0 AS BIGINT), '', '', '', CAST(COALESCE(SUM(\
             CASE WHEN left_ms >= {before} THEN {before} - joined_ms \
             WHEN left_ms > joined_ms THEN left_ms - joined_ms ELSE 0 END), 0) AS BIGINT) \
             FROM opened \
             UNION ALL SELECT '{}', CAST(0 AS BIGINT), sdk, os, browser, CAST(COUNT(*) AS BIGINT) \
             FROM opened GROUP BY sdk, os, browser",
            ConnectionTotal::Identities.label(),
            ConnectionTotal::DailyIdentities.label(),
            ConnectionTotal::ConnectedMs.label(),
            ConnectionTotal::Clients.label(),
        )
    }

    /// `FROM ... WHERE ...` of the connections opened in `[$1, $2)`, as `c`, joined to their
    /// room's end (`ends.ended`, `NULL` when none).
    fn opened_in_range(&self) -> String {
        format!(
            "FROM {} AS c LEFT JOIN ({}) AS ends ON ends.room_sid = c.room_sid WHERE {}",
            self.dialect().table(CONNECTIONS.name),
            self.room_ends(),
            self.opened_in_range_condition()
        )
    }

    /// Whether connection `c` opened in `[$1, $2)`: its first active there, or its first
    /// join when it has no active.
    fn opened_in_range_condition(&self) -> String {
        let dialect = self.dialect();
        let (from, before) = (dialect.timestamp("$1"), dialect.timestamp("$2"));
        format!(
            "(c.active_at >= {from} AND c.active_at < {before}) \
             OR (c.active_at IS NULL AND c.joined_at >= {from} AND c.joined_at < {before})"
        )
    }

    /// Rows of `(room_sid, ended)`: each room's first `ROOM_ENDED` since `$1`.
    fn room_ends(&self) -> String {
        format!(
            "SELECT room_sid, MIN(timestamp) AS ended FROM {} \
             WHERE type = 'ROOM_ENDED' AND timestamp >= {} GROUP BY room_sid",
            self.events(),
            self.dialect().timestamp("$1")
        )
    }

    /// Rows of `(day_ms, kind, bytes)`: the bytes of the stats of `[$1, $2)` per UTC day
    /// and direction. `[$3, $4)` are the whole hours inside the range
    /// ([`crate::rollups::whole_hours`]), read from the hourly rollup; the stats of the
    /// range's partial hours at either end are summed themselves.
    pub fn daily_traffic(&self) -> String {
        let dialect = self.dialect();
        let day = |millis: &str| format!("CAST(({millis} / 86400000) * 86400000 AS BIGINT)");
        let stat_day = day(&dialect.millis("s.timestamp"));
        let hour_day = day(&dialect.millis("h.hour"));
        let at = |parameter: &str| dialect.timestamp(parameter);
        format!(
            "SELECT day_ms, kind, CAST(SUM(bytes) AS BIGINT) FROM (\
             SELECT {hour_day} AS day_ms, h.kind, h.bytes FROM {} AS h \
             WHERE h.hour >= {} AND h.hour < {} \
             UNION ALL SELECT {stat_day} AS day_ms, s.kind, s.bytes FROM {} AS s \
             WHERE s.client_reported = 0 AND ((s.timestamp >= {} AND s.timestamp < {}) \
             OR (s.timestamp >= {} AND s.timestamp < {}))) AS traffic GROUP BY day_ms, kind",
            dialect.table(HOURLY_TRAFFIC.name),
            at("$3"),
            at("$4"),
            dialect.table(STATS.name),
            at("$1"),
            at("$3"),
            at("$4"),
            at("$2"),
        )
    }

    /// The row `(rooms, participants)` open now, from the active-entities fixer's table:
    /// rooms open, and participants open in a room still open.
    pub fn open_now(&self) -> String {
        let active = self.dialect().table(ACTIVE_ENTITIES.name);
        format!(
            "SELECT (SELECT COUNT(*) FROM {active} WHERE entity = 'ROOM'), \
             (SELECT COUNT(*) FROM {active} AS p JOIN {} AS e ON e.id = p.event_id \
              WHERE p.entity = 'PARTICIPANT' AND EXISTS (SELECT 1 FROM {active} AS r \
              WHERE r.entity = 'ROOM' AND {}))",
            self.events(),
            self.dialect().id_matches("r.id", "e.room_sid")
        )
    }

    /// `expression` as a double precision float.
    fn double(&self, expression: &str) -> String {
        match self.dialect() {
            Dialect::Sqlite => format!("CAST({expression} AS REAL)"),
            Dialect::Postgres { .. } => format!("CAST({expression} AS DOUBLE PRECISION)"),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn optional_search_parameters_are_numbered_in_order() {
        let all = SearchParameters {
            room_prefix: true,
            identity: true,
            cursor: true,
        };
        let sql = SessionQueries::new(Dialect::Sqlite).searched_rooms(
            all,
            Some(SessionStatus::Ended),
            SortOrder::OldestFirst,
        );
        for (parameter, used_in) in [
            ("$4", "length(CAST($4 AS TEXT))"),
            ("$5", "participant_identity = $5"),
            ("$6", "rooms.created > CAST($6 AS BIGINT)"),
            ("$7", "rooms.room_sid > CAST($7 AS TEXT)"),
        ] {
            assert!(sql.contains(used_in), "{parameter} in {sql}");
        }
        assert!(!sql.contains("$8"));
        assert!(sql.contains("ORDER BY rooms.created ASC"));
        let none = SearchParameters {
            room_prefix: false,
            identity: false,
            cursor: true,
        };
        let sql = SessionQueries::new(Dialect::postgres("openvidu")).searched_rooms(
            none,
            None,
            SortOrder::NewestFirst,
        );
        assert!(sql.contains("rooms.created < CAST($4 AS BIGINT)"));
        assert!(!sql.contains("ROOM_ENDED"));
    }

    #[test]
    fn connection_totals_label_every_total_and_take_three_parameters() {
        for dialect in [Dialect::Sqlite, Dialect::postgres("openvidu")] {
            let sql = SessionQueries::new(dialect).connection_totals();
            for total in ConnectionTotal::ALL {
                assert!(
                    sql.contains(&format!("SELECT '{}'", total.label())),
                    "{sql}"
                );
            }
            assert!(sql.contains("CAST($3 AS BIGINT)"), "{sql}");
            assert!(!sql.contains("$4"), "{sql}");
            assert!(sql.contains("opened AS MATERIALIZED"), "{sql}");
        }
        let sqlite = SessionQueries::new(Dialect::Sqlite).connection_totals();
        assert!(sqlite.contains("(SELECT ends.ended FROM ends WHERE ends.room_sid = c.room_sid)"));
        assert!(!sqlite.contains("JOIN"));
        let postgres = SessionQueries::new(Dialect::postgres("openvidu")).connection_totals();
        assert!(postgres.contains("LEFT JOIN (SELECT room_sid, MIN(timestamp) AS ended"));
    }

    #[test]
    fn bucket_filters_follow_the_fixed_parameters() {
        let sql = SessionQueries::new(Dialect::Sqlite).stats_buckets(true, 2);
        assert!(sql.contains("s.track_id = $5"));
        assert!(sql.contains("s.participant_sid IN ($6, $7)"));
        let sql = SessionQueries::new(Dialect::Sqlite).stats_buckets(false, 1);
        assert!(sql.contains("s.participant_sid IN ($5)"));
    }
}
