//! Stats and events as an older version stored them (before the stream sums were columns
//! and connections a table), for each SQL sink's test of the migrations that fill the sums,
//! the rollups and the connections from the stored documents: what the migrations compute
//! must equal what the write path computes ([`analytics_core::stat_traffic::StatTraffic::of`],
//! [`crate::rollups::TrafficRollups`], [`crate::connection_rollup::connection_changes`]).

use std::{
    collections::BTreeMap,
    time::{Duration, UNIX_EPOCH},
};

use analytics_core::{
    livekit_protocol::{
        AnalyticsEventType as T, AnalyticsStat, AnalyticsStream, ClientInfo, StreamType,
    },
    samples,
    stat_traffic::StatTraffic,
    Record,
};

use crate::{
    connection_rollup::{ConnectionChange, ConnectionChanges},
    rollups::{HourTraffic, RoomTraffic, TrafficRollups},
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

/// Participant events of two connections: alice joins, is active twice (the first with a
/// client), leaves; bob joins with a client and his connection is aborted; and a room
/// event, which is no connection's.
pub fn events_before_connections() -> Vec<Record> {
    let hour = UNIX_EPOCH + Duration::from_millis(FIXTURE_HOUR_MS as u64);
    let seconds = |n: u64| hour + Duration::from_secs(n);
    let client = |os: &str| ClientInfo {
        os: os.into(),
        browser: "Chrome".into(),
        ..Default::default()
    };
    let mut alice_active =
        samples::participant_event(T::ParticipantActive, "PA_a", "alice", seconds(12));
    alice_active.client_info = Some(client("macOS"));
    let mut bob_joined =
        samples::participant_event(T::ParticipantJoined, "PA_b", "bob", seconds(30));
    bob_joined.client_info = Some(client("linux"));
    let events = vec![
        samples::event(T::RoomCreated, seconds(0)),
        samples::participant_event(T::ParticipantJoined, "PA_a", "alice", seconds(10)),
        alice_active,
        samples::participant_event(T::ParticipantActive, "PA_a", "alice", seconds(14)),
        samples::participant_event(T::ParticipantLeft, "PA_a", "alice", seconds(600)),
        bob_joined,
        samples::participant_event(T::ParticipantConnectionAborted, "PA_b", "bob", seconds(45)),
    ];
    events
        .into_iter()
        .map(|event| {
            let at = hour + Duration::from_secs(3 * 3600);
            Record::from_event(event, Duration::from_secs(86_400), at).expect("converts")
        })
        .collect()
}

/// A stored connection row: `room_sid, participant_sid, identity, joined_ms, active_ms,
/// closed_ms, sdk, os, browser, expire_at_ms`.
pub type ConnectionRow = (
    String,
    String,
    String,
    Option<i64>,
    Option<i64>,
    Option<i64>,
    String,
    String,
    String,
    i64,
);

/// Stored connection rows as the write path's changes, to compare.
pub fn connections_of(rows: Vec<ConnectionRow>) -> ConnectionChanges {
    rows.into_iter()
        .map(|row| {
            let change = ConnectionChange {
                identity: row.2,
                joined_ms: row.3,
                active_ms: row.4,
                closed_ms: row.5,
                sdk: row.6,
                os: row.7,
                browser: row.8,
                expire_at_ms: row.9,
            };
            ((row.0, row.1), change)
        })
        .collect()
}

/// A stored stat's `id` and sums, in table order.
pub type SumsRow = (String, i64, i64, i64, i64, i64, f64, i64, f64, i64);

/// Stored sums by stat id, to compare with [`Record::stat_traffic`].
pub fn sums_of(rows: Vec<SumsRow>) -> BTreeMap<String, StatTraffic> {
    rows.into_iter()
        .map(|row| {
            let sums = StatTraffic {
                bytes: row.1,
                packets: row.2,
                packets_lost: row.3,
                frames: row.4,
                jitter_count: row.5,
                jitter_sum: row.6,
                rtt_count: row.7,
                rtt_sum: row.8,
                covered_ms: row.9,
            };
            (row.0, sums)
        })
        .collect()
}

/// A stored room rollup row: `room_sid, kind, bytes, last_stat_ms, expire_at_ms`.
pub type RoomRow = (String, String, i64, i64, i64);

/// A stored hourly rollup row: `hour_ms, kind, bytes, expire_at_ms`.
pub type HourRow = (i64, String, i64, i64);

/// Stored rollup rows as the write path's sums, to compare.
pub fn rollups_of(rooms: Vec<RoomRow>, hours: Vec<HourRow>) -> TrafficRollups {
    TrafficRollups {
        rooms: rooms
            .into_iter()
            .map(|(room, kind, bytes, last_stat_ms, expire_at_ms)| {
                let traffic = RoomTraffic {
                    bytes,
                    last_stat_ms,
                    expire_at_ms,
                };
                ((room, kind), traffic)
            })
            .collect(),
        hours: hours
            .into_iter()
            .map(|(hour, kind, bytes, expire_at_ms)| {
                let traffic = HourTraffic {
                    bytes,
                    expire_at_ms,
                };
                ((hour, kind), traffic)
            })
            .collect(),
    }
}
