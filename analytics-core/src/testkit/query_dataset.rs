//! The dataset of the query compliance suite: three sessions on 2026-03-01 and 03-02 with a
//! reconnect, an aborted connection, egresses and stats of known bytes, and the exact
//! answers every query sink must give about them; tracks, their stats, an ingress and a
//! synthetic close for the richer read API are in [`super::query_explore_dataset`].

use std::time::{Duration, SystemTime, UNIX_EPOCH};

use livekit_protocol::{
    AnalyticsClientMeta, AnalyticsEvent, AnalyticsEventType as T, AnalyticsStat, AnalyticsStream,
    ClientInfo, DisconnectReason, EgressInfo, EgressStatus, ParticipantInfo, Room, StreamType,
};

use crate::{
    query::{EgressState, ParticipantConnection, SessionSummary},
    record::{timestamp_of, Record},
};

use super::query_explore_dataset as explore;

/// 2026-03-01T00:00:00Z in unix milliseconds: the first day of the dataset.
pub const DAY_MS: i64 = 1_772_323_200_000;
const HOUR_MS: i64 = 3_600_000;
const MINUTE_MS: i64 = 60_000;

/// The time `hours:minutes:seconds` after the start of day `day` (0 = 2026-03-01).
pub const fn at(day: i64, hours: i64, minutes: i64, seconds: i64) -> i64 {
    DAY_MS + day * 24 * HOUR_MS + hours * HOUR_MS + minutes * MINUTE_MS + seconds * 1000
}

pub(super) fn time(ms: i64) -> SystemTime {
    UNIX_EPOCH + Duration::from_millis(u64::try_from(ms).unwrap_or(0))
}

pub(super) fn room_event(kind: T, room: (&str, &str), ms: i64) -> AnalyticsEvent {
    AnalyticsEvent {
        r#type: kind as i32,
        timestamp: Some(timestamp_of(time(ms))),
        room_id: room.0.into(),
        room: Some(Room {
            sid: room.0.into(),
            name: room.1.into(),
            ..Default::default()
        }),
        ..Default::default()
    }
}

/// A participant's connection event; `client` is `(sdk, version, region, connection type)`.
pub(super) fn participant_event(
    kind: T,
    room: (&str, &str),
    participant: (&str, &str),
    client: (i32, &str, &str, &str),
    ms: i64,
) -> AnalyticsEvent {
    let (sid, identity) = participant;
    AnalyticsEvent {
        participant_id: sid.into(),
        participant: Some(ParticipantInfo {
            sid: sid.into(),
            identity: identity.into(),
            name: identity.to_uppercase(),
            ..Default::default()
        }),
        client_info: Some(ClientInfo {
            sdk: client.0,
            version: client.1.into(),
            os: "linux".into(),
            browser: "chrome".into(),
            ..Default::default()
        }),
        client_meta: Some(AnalyticsClientMeta {
            region: client.2.into(),
            connection_type: client.3.into(),
            ..Default::default()
        }),
        ..room_event(kind, room, ms)
    }
}

/// A participant's closing event with the reason LiveKit gave.
fn closing_event(event: AnalyticsEvent, reason: DisconnectReason) -> AnalyticsEvent {
    let mut event = event;
    if let Some(participant) = event.participant.as_mut() {
        participant.disconnect_reason = reason as i32;
    }
    event
}

/// An egress event with its status: active until it ends, complete then.
fn egress_event(kind: T, room: (&str, &str), egress_id: &str, ms: i64) -> AnalyticsEvent {
    let status = if kind == T::EgressEnded {
        EgressStatus::EgressComplete
    } else {
        EgressStatus::EgressActive
    };
    AnalyticsEvent {
        egress_id: egress_id.into(),
        room: None,
        egress: Some(EgressInfo {
            egress_id: egress_id.into(),
            room_id: room.0.into(),
            status: status as i32,
            ..Default::default()
        }),
        ..room_event(kind, room, ms)
    }
}

fn stat(kind: StreamType, room: (&str, &str), bytes: &[u64], ms: i64) -> AnalyticsStat {
    AnalyticsStat {
        kind: kind as i32,
        time_stamp: Some(timestamp_of(time(ms))),
        room_id: room.0.into(),
        room_name: room.1.into(),
        participant_id: "PA_any".into(),
        track_id: "TR_any".into(),
        score: 4.0,
        streams: bytes
            .iter()
            .map(|&primary_bytes| AnalyticsStream {
                primary_bytes,
                ..Default::default()
            })
            .collect(),
        ..Default::default()
    }
}

pub(super) const A: (&str, &str) = ("RM_a", "all-hands");
const B: (&str, &str) = ("RM_b", "standup");
const C: (&str, &str) = ("RM_c", "late");
pub(super) const JS: i32 = 1;
pub(super) const GO: i32 = 5;

/// The dataset's events, as LiveKit would send them.
pub fn events() -> Vec<AnalyticsEvent> {
    [
        session_a_events(),
        explore::media_events(),
        session_b_events(),
        session_c_events(),
    ]
    .concat()
}

/// The dataset's closes made up by the active-entities fixer (stored with
/// `"synthetic": true`).
pub fn synthetic_events() -> Vec<AnalyticsEvent> {
    explore::synthetic_events()
}

/// The ended session: a duplicate creation, a reconnect, an aborted connection, an egress.
fn session_a_events() -> Vec<AnalyticsEvent> {
    let alice = (JS, "2.5.0", "eu-west", "udp");
    let alice_again = (JS, "2.5.0", "eu-west", "tcp");
    let bob = (GO, "1.2.0", "us-east", "udp");
    vec![
        room_event(T::RoomCreated, A, at(0, 10, 0, 0)),
        // The same room told twice (webhook and stream): one session, the earliest time.
        room_event(T::RoomCreated, A, at(0, 10, 0, 1)),
        participant_event(
            T::ParticipantJoined,
            A,
            ("PA_a1", "alice"),
            alice,
            at(0, 10, 0, 5),
        ),
        // As LiveKit tells it: the client details on the join only.
        AnalyticsEvent {
            client_info: None,
            ..participant_event(
                T::ParticipantActive,
                A,
                ("PA_a1", "alice"),
                alice,
                at(0, 10, 0, 6),
            )
        },
        participant_event(
            T::ParticipantActive,
            A,
            ("PA_b1", "bob"),
            bob,
            at(0, 10, 1, 0),
        ),
        egress_event(T::EgressStarted, A, "EG_a", at(0, 10, 5, 0)),
        closing_event(
            participant_event(
                T::ParticipantLeft,
                A,
                ("PA_a1", "alice"),
                alice,
                at(0, 10, 10, 0),
            ),
            DisconnectReason::ClientInitiated,
        ),
        participant_event(
            T::ParticipantActive,
            A,
            ("PA_a2", "alice"),
            alice_again,
            at(0, 10, 10, 2),
        ),
        closing_event(
            participant_event(
                T::ParticipantConnectionAborted,
                A,
                ("PA_b1", "bob"),
                bob,
                at(0, 10, 20, 0),
            ),
            DisconnectReason::ConnectionTimeout,
        ),
        egress_event(T::EgressEnded, A, "EG_a", at(0, 10, 25, 0)),
        participant_event(
            T::ParticipantLeft,
            A,
            ("PA_a2", "alice"),
            alice_again,
            at(0, 10, 30, 0),
        ),
        room_event(T::RoomEnded, A, at(0, 10, 31, 0)),
    ]
}

/// The open session: carol still connected, an egress still running.
fn session_b_events() -> Vec<AnalyticsEvent> {
    let bob = (GO, "1.2.0", "us-east", "udp");
    let carol = (JS, "2.6.1", "eu-central", "turn");
    vec![
        room_event(T::RoomCreated, B, at(0, 14, 0, 0)),
        participant_event(
            T::ParticipantActive,
            B,
            ("PA_c1", "carol"),
            carol,
            at(0, 14, 0, 10),
        ),
        participant_event(
            T::ParticipantActive,
            B,
            ("PA_d1", "dave"),
            bob,
            at(0, 14, 0, 20),
        ),
        egress_event(T::EgressStarted, B, "EG_b", at(0, 14, 1, 0)),
        egress_event(T::EgressUpdated, B, "EG_b", at(0, 14, 2, 0)),
        participant_event(
            T::ParticipantLeft,
            B,
            ("PA_d1", "dave"),
            bob,
            at(0, 14, 5, 0),
        ),
    ]
}

/// The empty session of the second day.
fn session_c_events() -> Vec<AnalyticsEvent> {
    vec![
        room_event(T::RoomCreated, C, at(1, 9, 0, 0)),
        room_event(T::RoomEnded, C, at(1, 9, 0, 30)),
    ]
}

/// The dataset's stats: known bytes per room and direction, then the stats of session A's
/// tracks ([`explore::track_stats`]).
pub fn stats() -> Vec<AnalyticsStat> {
    let mut stats = vec![
        stat(StreamType::Upstream, A, &[1000, 500], at(0, 10, 0, 30)),
        stat(StreamType::Upstream, A, &[2000], at(0, 10, 1, 0)),
        stat(StreamType::Downstream, A, &[3000], at(0, 10, 0, 30)),
        stat(StreamType::Downstream, B, &[7000], at(0, 14, 3, 0)),
    ];
    stats.extend(explore::track_stats());
    stats
}

/// Every record of the dataset, expiring in a day.
pub fn records() -> Vec<Record> {
    let now = SystemTime::now();
    let expiration = Duration::from_secs(24 * 3600);
    let events = events()
        .into_iter()
        .map(|event| Record::from_event(event, expiration, now));
    let synthetic = synthetic_events()
        .into_iter()
        .map(|event| Record::synthetic_event(event, expiration, now));
    let stats = stats()
        .into_iter()
        .map(|stat| Record::from_stat(stat, expiration, now));
    let client_stats = explore::client_track_stats()
        .into_iter()
        .map(|stat| Record::from_client_stat(stat, "alice", expiration, now));
    events
        .chain(synthetic)
        .chain(stats)
        .chain(client_stats)
        .collect::<Result<_, _>>()
        .expect("dataset messages convert")
}

/// The answer for the ended session with a reconnect, an aborted connection and an egress.
pub fn summary_a() -> SessionSummary {
    SessionSummary {
        session_id: A.0.into(),
        room_name: A.1.into(),
        created_at_ms: at(0, 10, 0, 0),
        ended_at_ms: Some(at(0, 10, 31, 0)),
        last_active_ms: at(0, 10, 31, 0),
        bandwidth_in: 3500 + explore::A_TRACK_BYTES_IN,
        bandwidth_out: 3000 + explore::A_TRACK_BYTES_OUT,
        egress: EgressState::Ended,
        num_participants: 3,
        num_active_participants: 0,
    }
}

/// The answer for the open session with one participant still connected.
pub fn summary_b() -> SessionSummary {
    SessionSummary {
        session_id: B.0.into(),
        room_name: B.1.into(),
        created_at_ms: at(0, 14, 0, 0),
        ended_at_ms: None,
        last_active_ms: at(0, 14, 5, 0),
        bandwidth_in: 0,
        bandwidth_out: 7000,
        egress: EgressState::Active,
        num_participants: 2,
        num_active_participants: 1,
    }
}

/// The answer for the empty session of the second day.
pub fn summary_c() -> SessionSummary {
    SessionSummary {
        session_id: C.0.into(),
        room_name: C.1.into(),
        created_at_ms: at(1, 9, 0, 0),
        ended_at_ms: Some(at(1, 9, 0, 30)),
        last_active_ms: at(1, 9, 0, 30),
        bandwidth_in: 0,
        bandwidth_out: 0,
        egress: EgressState::None,
        num_participants: 0,
        num_active_participants: 0,
    }
}

fn connection(
    (sid, identity): (&str, &str),
    (sdk, version, region, connection_type): (&str, &str, &str, &str),
    joined_at_ms: i64,
    left_at_ms: Option<i64>,
) -> ParticipantConnection {
    ParticipantConnection {
        identity: identity.into(),
        name: identity.to_uppercase(),
        sid: sid.into(),
        joined_at_ms,
        left_at_ms,
        region: region.into(),
        connection_type: connection_type.into(),
        sdk: sdk.into(),
        sdk_version: version.into(),
        os: "linux".into(),
        browser: "chrome".into(),
        ..Default::default()
    }
}

/// The connections of session A, by identity then joining time.
pub fn participants_a() -> Vec<ParticipantConnection> {
    vec![
        connection(
            ("PA_a1", "alice"),
            ("JS", "2.5.0", "eu-west", "udp"),
            at(0, 10, 0, 5),
            Some(at(0, 10, 10, 0)),
        ),
        connection(
            ("PA_a2", "alice"),
            ("JS", "2.5.0", "eu-west", "tcp"),
            at(0, 10, 10, 2),
            Some(at(0, 10, 30, 0)),
        ),
        connection(
            ("PA_b1", "bob"),
            ("GO", "1.2.0", "us-east", "udp"),
            at(0, 10, 1, 0),
            Some(at(0, 10, 20, 0)),
        ),
    ]
}

/// The connections of session B: carol still connected.
pub fn participants_b() -> Vec<ParticipantConnection> {
    vec![
        connection(
            ("PA_c1", "carol"),
            ("JS", "2.6.1", "eu-central", "turn"),
            at(0, 14, 0, 10),
            None,
        ),
        connection(
            ("PA_d1", "dave"),
            ("GO", "1.2.0", "us-east", "udp"),
            at(0, 14, 0, 20),
            Some(at(0, 14, 5, 0)),
        ),
    ]
}
