//! A range at a glance ([`Overview`]): sessions created, distinct participants, connection
//! minutes within the range, bandwidth, the same per UTC day, what is open now, and which
//! SDKs, operating systems and browsers the connections used.

use super::{
    connection_totals::{day_of, ConnectionTotals},
    CreatedRoom, DailyTraffic, OpenNow, Overview, OverviewDay,
};

const DAY_MS: i64 = 24 * 3_600_000;

/// What was read of `[from_ms, before_ms)` for an overview.
pub struct OverviewRows<'a> {
    pub rooms: &'a [CreatedRoom],
    pub connections: ConnectionTotals,
    pub traffic: &'a [DailyTraffic],
    pub open: OpenNow,
}

/// The overview of `[from_ms, before_ms)` (the connections' totals already taken at now).
pub fn overview_of(from_ms: i64, before_ms: i64, rows: OverviewRows) -> Overview {
    let bytes = |kind: &str, day: Option<i64>| -> i64 {
        rows.traffic
            .iter()
            .filter(|row| row.kind == kind && day.is_none_or(|day| row.day_ms == day))
            .map(|row| row.bytes)
            .sum()
    };
    let connections = &rows.connections;
    let days = if before_ms > from_ms {
        let first = day_of(from_ms);
        let last = day_of(before_ms - 1);
        (0..=(last - first) / DAY_MS)
            .map(|n| first + n * DAY_MS)
            .map(|day| OverviewDay {
                day_ms: day,
                sessions: rows
                    .rooms
                    .iter()
                    .filter(|room| day_of(room.created_at_ms) == day)
                    .count() as u64,
                unique_participants: connections.daily_identities.get(&day).copied().unwrap_or(0),
                bandwidth_in: bytes("UPSTREAM", Some(day)),
                bandwidth_out: bytes("DOWNSTREAM", Some(day)),
            })
            .collect()
    } else {
        Vec::new()
    };
    let minutes = u64::try_from(connections.connected_ms)
        .unwrap_or(0)
        .div_ceil(60_000);
    Overview {
        from_ms,
        before_ms,
        sessions: rows.rooms.len() as u64,
        unique_participants: connections.identities,
        participant_minutes: minutes,
        bandwidth_in: bytes("UPSTREAM", None),
        bandwidth_out: bytes("DOWNSTREAM", None),
        days,
        active_rooms: rows.open.rooms,
        active_participants: rows.open.participants,
        sdks: rows.connections.sdks,
        operating_systems: rows.connections.operating_systems,
        browsers: rows.connections.browsers,
    }
}

#[cfg(test)]
mod tests {
    use super::{super::connection_totals::totals_of, super::OpenedConnection, *};

    fn connection(identity: &str, sdk: &str, joined: i64, left: Option<i64>) -> OpenedConnection {
        OpenedConnection {
            identity: identity.into(),
            sdk: sdk.into(),
            joined_at_ms: joined,
            left_at_ms: left,
            ..Default::default()
        }
    }

    #[test]
    fn days_are_utc_and_minutes_are_clipped_to_the_range() {
        let from = 2 * DAY_MS - 60_000;
        let before = 3 * DAY_MS + 1;
        let rooms = [CreatedRoom {
            room_sid: "RM_1".into(),
            room_name: "r".into(),
            created_at_ms: 2 * DAY_MS + 5,
        }];
        let connections = [
            // 2 minutes, one of them before the range.
            connection("alice", "JS", from - 60_000, Some(from + 60_000)),
            // Open: up to the end of the range, before now.
            connection("bob", "GO", 3 * DAY_MS - 60_000, None),
            connection("alice", "JS", 2 * DAY_MS, Some(2 * DAY_MS + 1)),
        ];
        let traffic = [
            DailyTraffic {
                day_ms: 2 * DAY_MS,
                kind: "UPSTREAM".into(),
                bytes: 7,
            },
            DailyTraffic {
                day_ms: DAY_MS,
                kind: "DOWNSTREAM".into(),
                bytes: 3,
            },
        ];
        let rows = OverviewRows {
            rooms: &rooms,
            connections: totals_of(from, before, 10 * DAY_MS, &connections),
            traffic: &traffic,
            open: OpenNow {
                rooms: 1,
                participants: 2,
            },
        };
        let overview = overview_of(from, before, rows);
        assert_eq!(overview.sessions, 1);
        assert_eq!(overview.unique_participants, 2);
        // 60 000 + 60 001 + 1 ms: three minutes rounded up.
        assert_eq!(overview.participant_minutes, 3);
        assert_eq!((overview.bandwidth_in, overview.bandwidth_out), (7, 3));
        let days: Vec<(i64, u64, u64)> = overview
            .days
            .iter()
            .map(|day| (day.day_ms, day.sessions, day.unique_participants))
            .collect();
        assert_eq!(
            days,
            vec![(DAY_MS, 0, 1), (2 * DAY_MS, 1, 2), (3 * DAY_MS, 0, 0)]
        );
        assert_eq!(
            overview.sdks,
            vec![("JS".to_owned(), 2), ("GO".to_owned(), 1)]
        );
        assert_eq!(overview.active_participants, 2);
    }
}
