//! A range at a glance ([`Overview`]): sessions created, distinct participants, connection
//! minutes within the range, bandwidth, the same per UTC day, what is open now, and which
//! SDKs, operating systems and browsers the connections used.

use std::collections::{BTreeMap, BTreeSet};

use super::{
    Breakdown, CreatedRoom, DailyTraffic, OpenNow, OpenedConnection, Overview, OverviewDay,
};

const DAY_MS: i64 = 24 * 3_600_000;

/// Midnight UTC starting the day of `ms`.
pub fn day_of(ms: i64) -> i64 {
    ms.div_euclid(DAY_MS) * DAY_MS
}

/// What was read of `[from_ms, before_ms)` for an overview.
pub struct OverviewRows<'a> {
    pub rooms: &'a [CreatedRoom],
    pub connections: &'a [OpenedConnection],
    pub traffic: &'a [DailyTraffic],
    pub open: OpenNow,
}

/// The overview of `[from_ms, before_ms)` at `now_ms` (an open connection counts up to now).
pub fn overview_of(from_ms: i64, before_ms: i64, now_ms: i64, rows: &OverviewRows) -> Overview {
    let bytes = |kind: &str, day: Option<i64>| -> i64 {
        rows.traffic
            .iter()
            .filter(|row| row.kind == kind && day.is_none_or(|day| row.day_ms == day))
            .map(|row| row.bytes)
            .sum()
    };
    let identities = |day: Option<i64>| -> u64 {
        let distinct: BTreeSet<&str> = rows
            .connections
            .iter()
            .filter(|row| day.is_none_or(|day| day_of(row.joined_at_ms) == day))
            .map(|row| row.identity.as_str())
            .collect();
        distinct.len() as u64
    };
    let connected_ms: i64 = rows
        .connections
        .iter()
        .map(|row| {
            let end = row.left_at_ms.unwrap_or(now_ms).min(before_ms);
            (end - row.joined_at_ms.max(from_ms)).max(0)
        })
        .sum();
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
                unique_participants: identities(Some(day)),
                bandwidth_in: bytes("UPSTREAM", Some(day)),
                bandwidth_out: bytes("DOWNSTREAM", Some(day)),
            })
            .collect()
    } else {
        Vec::new()
    };
    Overview {
        from_ms,
        before_ms,
        sessions: rows.rooms.len() as u64,
        unique_participants: identities(None),
        participant_minutes: u64::try_from(connected_ms).unwrap_or(0).div_ceil(60_000),
        bandwidth_in: bytes("UPSTREAM", None),
        bandwidth_out: bytes("DOWNSTREAM", None),
        days,
        active_rooms: rows.open.rooms,
        active_participants: rows.open.participants,
        sdks: breakdown(rows.connections.iter().map(|row| row.sdk.as_str())),
        operating_systems: breakdown(rows.connections.iter().map(|row| row.os.as_str())),
        browsers: breakdown(rows.connections.iter().map(|row| row.browser.as_str())),
    }
}

/// How many times each non-empty value occurs, most first, then by value.
fn breakdown<'a>(values: impl Iterator<Item = &'a str>) -> Breakdown {
    let mut counts: BTreeMap<&str, u64> = BTreeMap::new();
    for value in values.filter(|value| !value.is_empty()) {
        *counts.entry(value).or_default() += 1;
    }
    let mut breakdown: Breakdown = counts
        .into_iter()
        .map(|(value, count)| (value.to_owned(), count))
        .collect();
    breakdown.sort_by(|a, b| b.1.cmp(&a.1).then_with(|| a.0.cmp(&b.0)));
    breakdown
}

#[cfg(test)]
mod tests {
    use super::*;

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
            connections: &connections,
            traffic: &traffic,
            open: OpenNow {
                rooms: 1,
                participants: 2,
            },
        };
        let overview = overview_of(from, before, 10 * DAY_MS, &rows);
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

    #[test]
    fn ties_in_a_breakdown_go_by_name_and_empty_values_are_left_out() {
        let values = ["b", "a", "", "c", "c"];
        assert_eq!(
            breakdown(values.into_iter()),
            vec![("c".into(), 2), ("a".into(), 1), ("b".into(), 1)]
        );
    }
}
