//! Stats as an older version stored them (before the stream sums were columns), for each
//! SQL sink's test of the migration that fills the sums and the rollups from the stored
//! documents: what the migration computes must equal what the write path computes
//! ([`analytics_core::stat_traffic::StatTraffic::of`], [`crate::rollups::TrafficRollups`]).

use std::time::{Duration, UNIX_EPOCH};

use analytics_core::{
    livekit_protocol::{AnalyticsStat, AnalyticsStream, StreamType},
    samples, Record,
};

/// When the fixture's stats were taken: a whole UTC hour, 2026-11-01T10:00Z.
pub const FIXTURE_HOUR_MS: i64 = 1_761_991_200_000;

/// Stats across two rooms, two hours and both directions: with one stream, with two (one
/// without a start time, one without jitter), with none, and one without a room.
pub fn stats_before_sums() -> Vec<Record> {
    let hour = UNIX_EPOCH + Duration::from_millis(FIXTURE_HOUR_MS as u64);
    let minutes = |n: u64| hour + Duration::from_secs(60 * n);
    let mut two_streams = samples::stat(StreamType::Downstream, minutes(70));
    two_streams.streams.push(AnalyticsStream {
        primary_bytes: 9_000_000_000,
        primary_packets: 7,
        frames: 3,
        rtt: 15,
        end_time: two_streams.streams[0].end_time,
        ..Default::default()
    });
    two_streams.streams[0].jitter = 0;
    let mut other_room = samples::stat(StreamType::Upstream, minutes(20));
    other_room.room_id = "RM_other".into();
    other_room.streams.clear();
    let mut no_room = samples::stat(StreamType::Upstream, minutes(30));
    no_room.room_id.clear();
    let stats: Vec<AnalyticsStat> = vec![
        samples::stat(StreamType::Upstream, minutes(10)),
        samples::stat(StreamType::Upstream, minutes(11)),
        two_streams,
        other_room,
        no_room,
    ];
    stats
        .into_iter()
        .map(|stat| {
            let at = hour + Duration::from_secs(3 * 3600);
            Record::from_stat(stat, Duration::from_secs(86_400), at).expect("converts")
        })
        .collect()
}
