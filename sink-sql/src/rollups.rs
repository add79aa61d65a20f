//! What a write's newly inserted stats add to the traffic rollups
//! ([`crate::tables::ROOM_TRAFFIC`], [`crate::tables::HOURLY_TRAFFIC`]), summed per room and
//! direction and per UTC hour and direction. Only stats the write inserted count, so a
//! re-sent stat adds nothing. (PostgreSQL sums them in its batch statement instead, which
//! alone knows which rows it inserted.)

use std::collections::BTreeMap;

use analytics_core::Record;

use crate::tables::HOUR_MS;

/// One room's and direction's share of a write.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct RoomTraffic {
    pub bytes: i64,
    pub last_stat_ms: i64,
    pub expire_at_ms: i64,
}

/// One hour's and direction's share of a write.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct HourTraffic {
    pub bytes: i64,
    pub expire_at_ms: i64,
}

/// A write's additions, keyed by `(room_sid, kind)` and `(hour_ms, kind)` in order (so
/// that concurrent writers touch rows in the same order).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct TrafficRollups {
    pub rooms: BTreeMap<(String, String), RoomTraffic>,
    pub hours: BTreeMap<(i64, String), HourTraffic>,
}

impl TrafficRollups {
    /// The sums of `stats` (stats a write inserted). A stat without a room counts only in
    /// its hour; a stat a browser reported does not count (LiveKit's own stats of the same
    /// media do).
    pub fn of<'a>(stats: impl IntoIterator<Item = &'a Record>) -> TrafficRollups {
        let mut rollups = TrafficRollups::default();
        for stat in stats.into_iter().filter(|stat| !stat.client_reported) {
            let bytes = stat.stat_traffic().bytes;
            if !stat.room_sid.is_empty() {
                let room = rollups
                    .rooms
                    .entry((stat.room_sid.clone(), stat.type_name.clone()))
                    .or_insert(RoomTraffic {
                        bytes: 0,
                        last_stat_ms: stat.timestamp_ms,
                        expire_at_ms: stat.expire_at_ms,
                    });
                room.bytes = room.bytes.saturating_add(bytes);
                room.last_stat_ms = room.last_stat_ms.max(stat.timestamp_ms);
                room.expire_at_ms = room.expire_at_ms.max(stat.expire_at_ms);
            }
            let hour = rollups
                .hours
                .entry((hour_of(stat.timestamp_ms), stat.type_name.clone()))
                .or_insert(HourTraffic {
                    bytes: 0,
                    expire_at_ms: stat.expire_at_ms,
                });
            hour.bytes = hour.bytes.saturating_add(bytes);
            hour.expire_at_ms = hour.expire_at_ms.max(stat.expire_at_ms);
        }
        rollups
    }
}

/// The start of the hour of `ms` (as SQL's integer division makes it).
pub fn hour_of(ms: i64) -> i64 {
    (ms / HOUR_MS) * HOUR_MS
}

/// The whole UTC hours `[start, end)` inside `[from_ms, before_ms)`: the range the hourly
/// rollup answers, leaving `[from_ms, start)` and `[end, before_ms)` to the stats
/// themselves. When no whole hour fits, `(before_ms, before_ms)`: all of it is an edge.
pub fn whole_hours(from_ms: i64, before_ms: i64) -> (i64, i64) {
    let start = hour_of(from_ms.saturating_add(HOUR_MS - 1));
    let end = hour_of(before_ms);
    if start < end && from_ms >= 0 {
        (start, end)
    } else {
        (before_ms, before_ms)
    }
}

#[cfg(test)]
mod tests {
    use std::time::{Duration, UNIX_EPOCH};

    use analytics_core::livekit_protocol::{AnalyticsStat, AnalyticsStream, StreamType};

    use super::*;

    /// A stat converted at `at_seconds` (which becomes its timestamp), kept a minute.
    fn stat(room: &str, kind: StreamType, at_seconds: u64, bytes: u64) -> Record {
        let stat = AnalyticsStat {
            id: format!("{room}{at_seconds}{bytes}"),
            room_id: room.into(),
            kind: kind.into(),
            streams: vec![AnalyticsStream {
                primary_bytes: bytes,
                ..Default::default()
            }],
            ..Default::default()
        };
        let now = UNIX_EPOCH + Duration::from_secs(at_seconds);
        Record::from_stat(stat, Duration::from_secs(60), now).expect("converts")
    }

    #[test]
    fn whole_hours_leave_the_partial_ends_to_the_stats() {
        assert_eq!(
            whole_hours(HOUR_MS / 2, 3 * HOUR_MS + 10),
            (HOUR_MS, 3 * HOUR_MS)
        );
        assert_eq!(whole_hours(HOUR_MS, 2 * HOUR_MS), (HOUR_MS, 2 * HOUR_MS));
        assert_eq!(whole_hours(10, HOUR_MS - 10), (HOUR_MS - 10, HOUR_MS - 10));
        assert_eq!(
            whole_hours(HOUR_MS + 10, 2 * HOUR_MS + 10),
            (2 * HOUR_MS + 10, 2 * HOUR_MS + 10)
        );
    }

    #[test]
    fn stats_add_up_per_room_and_per_hour_and_direction() {
        let stats = [
            stat("RM_a", StreamType::Upstream, 3_599, 10),
            stat("RM_a", StreamType::Upstream, 3_600, 20),
            stat("RM_a", StreamType::Downstream, 3_700, 5),
            stat("", StreamType::Upstream, 7_300, 1),
            Record {
                client_reported: true,
                ..stat("RM_a", StreamType::Upstream, 3_601, 1_000)
            },
        ];
        let rollups = TrafficRollups::of(&stats);
        let up = &rollups.rooms[&("RM_a".to_owned(), "UPSTREAM".to_owned())];
        assert_eq!((up.bytes, up.last_stat_ms), (30, 3_600_000));
        assert_eq!(up.expire_at_ms, 3_660_000);
        assert_eq!(
            rollups.rooms.len(),
            2,
            "a stat without a room has no room row"
        );
        let hours: Vec<(i64, &str, i64)> = rollups
            .hours
            .iter()
            .map(|((hour, kind), traffic)| (*hour, kind.as_str(), traffic.bytes))
            .collect();
        assert_eq!(
            hours,
            [
                (0, "UPSTREAM", 10),
                (3_600_000, "DOWNSTREAM", 5),
                (3_600_000, "UPSTREAM", 20),
                (7_200_000, "UPSTREAM", 1),
            ]
        );
    }
}
