//! Hand-built LiveKit messages shaped like what a LiveKit server sends, for tests and the
//! compliance suite: a room with two participants, tracks, an egress, an ingress and stats.

use std::time::{Duration, SystemTime};

use livekit_protocol::{
    egress_info, ingress_state, participant_info, AnalyticsEvent, AnalyticsEventType,
    AnalyticsStat, AnalyticsStream, AnalyticsVideoLayer, EgressInfo, EgressStatus, IngressInfo,
    IngressState, ParticipantInfo, Room, StreamType, TrackInfo, TrackSource, TrackType,
};

use crate::record::timestamp_of;

/// Ids of the sample session.
pub const ROOM_SID: &str = "RM_sample";
pub const ROOM_NAME: &str = "sample-room";
pub const ALICE_SID: &str = "PA_alice";
pub const BOB_SID: &str = "PA_bob";
pub const ALICE_TRACK: &str = "TR_alice_video";
pub const EGRESS_ID: &str = "EG_sample";
pub const INGRESS_ID: &str = "IN_sample";
pub const INGRESS_RESOURCE: &str = "IR_sample";

/// A room as LiveKit attaches it to events.
pub fn room(start: SystemTime) -> Room {
    Room {
        sid: ROOM_SID.into(),
        name: ROOM_NAME.into(),
        empty_timeout: 300,
        creation_time: timestamp_of(start).seconds,
        creation_time_ms: timestamp_of(start).seconds * 1000,
        ..Default::default()
    }
}

/// A participant as LiveKit attaches it to events.
pub fn participant(sid: &str, identity: &str, joined: SystemTime) -> ParticipantInfo {
    ParticipantInfo {
        sid: sid.into(),
        identity: identity.into(),
        name: identity.to_uppercase(),
        state: participant_info::State::Active as i32,
        joined_at: timestamp_of(joined).seconds,
        is_publisher: true,
        ..Default::default()
    }
}

/// An event of `kind` at `at` in the sample room.
pub fn event(kind: AnalyticsEventType, at: SystemTime) -> AnalyticsEvent {
    AnalyticsEvent {
        r#type: kind as i32,
        timestamp: Some(timestamp_of(at)),
        room_id: ROOM_SID.into(),
        room: Some(Room {
            sid: ROOM_SID.into(),
            name: ROOM_NAME.into(),
            ..Default::default()
        }),
        node_id: "ND_sample".into(),
        ..Default::default()
    }
}

/// A participant event (join, active, left) for `sid`.
pub fn participant_event(
    kind: AnalyticsEventType,
    sid: &str,
    identity: &str,
    at: SystemTime,
) -> AnalyticsEvent {
    AnalyticsEvent {
        participant_id: sid.into(),
        participant: Some(participant(sid, identity, at)),
        ..event(kind, at)
    }
}

/// A track event for Alice's camera.
pub fn track_event(kind: AnalyticsEventType, at: SystemTime) -> AnalyticsEvent {
    AnalyticsEvent {
        participant_id: ALICE_SID.into(),
        track_id: ALICE_TRACK.into(),
        track: Some(TrackInfo {
            sid: ALICE_TRACK.into(),
            r#type: TrackType::Video as i32,
            source: TrackSource::Camera as i32,
            width: 1280,
            height: 720,
            mime_type: "video/VP8".into(),
            ..Default::default()
        }),
        ..event(kind, at)
    }
}

/// An egress event: LiveKit sends `egress_id`, `room_id` and `egress`, but no room.
pub fn egress_event(kind: AnalyticsEventType, at: SystemTime) -> AnalyticsEvent {
    let status = if kind == AnalyticsEventType::EgressEnded {
        EgressStatus::EgressComplete
    } else {
        EgressStatus::EgressActive
    };
    AnalyticsEvent {
        r#type: kind as i32,
        timestamp: Some(timestamp_of(at)),
        room_id: ROOM_SID.into(),
        egress_id: EGRESS_ID.into(),
        egress: Some(EgressInfo {
            egress_id: EGRESS_ID.into(),
            room_id: ROOM_SID.into(),
            room_name: ROOM_NAME.into(),
            status: status as i32,
            started_at: nanos(at),
            request: Some(egress_info::Request::RoomComposite(Default::default())),
            ..Default::default()
        }),
        ..Default::default()
    }
}

/// An ingress event: LiveKit sends `ingress_id` and `ingress`, but no room.
pub fn ingress_event(kind: AnalyticsEventType, at: SystemTime) -> AnalyticsEvent {
    let status = if kind == AnalyticsEventType::IngressEnded {
        ingress_state::Status::EndpointInactive
    } else {
        ingress_state::Status::EndpointPublishing
    };
    AnalyticsEvent {
        r#type: kind as i32,
        timestamp: Some(timestamp_of(at)),
        ingress_id: INGRESS_ID.into(),
        ingress: Some(IngressInfo {
            ingress_id: INGRESS_ID.into(),
            name: "obs".into(),
            room_name: ROOM_NAME.into(),
            state: Some(IngressState {
                status: status as i32,
                room_id: ROOM_SID.into(),
                resource_id: INGRESS_RESOURCE.into(),
                started_at: nanos(at),
                ..Default::default()
            }),
            ..Default::default()
        }),
        ..Default::default()
    }
}

/// A coalesced 30 s stat of Alice's camera in `kind` direction.
pub fn stat(kind: StreamType, at: SystemTime) -> AnalyticsStat {
    AnalyticsStat {
        kind: kind as i32,
        time_stamp: Some(timestamp_of(at)),
        node: "ND_sample".into(),
        room_id: ROOM_SID.into(),
        room_name: ROOM_NAME.into(),
        participant_id: ALICE_SID.into(),
        track_id: ALICE_TRACK.into(),
        score: 4.3,
        min_score: 3.9,
        median_score: 4.4,
        mime: "video/VP8".into(),
        streams: vec![AnalyticsStream {
            ssrc: 1234,
            primary_packets: 2700,
            primary_bytes: 3_200_000,
            packets_lost: 3,
            rtt: 40,
            jitter: 12,
            video_layers: vec![
                AnalyticsVideoLayer {
                    layer: 0,
                    packets: 900,
                    bytes: 400_000,
                    frames: 450,
                },
                AnalyticsVideoLayer {
                    layer: 2,
                    packets: 1800,
                    bytes: 2_800_000,
                    frames: 900,
                },
            ],
            start_time: Some(timestamp_of(at - Duration::from_secs(30))),
            end_time: Some(timestamp_of(at)),
            ..Default::default()
        }],
        ..Default::default()
    }
}

/// A whole session starting at `start`: every entity opened, stats, and Bob leaving.
pub fn session_events(start: SystemTime) -> Vec<AnalyticsEvent> {
    use AnalyticsEventType as T;
    let at = |s: u64| start + Duration::from_secs(s);
    let mut created = event(T::RoomCreated, at(0));
    created.room = Some(room(start));
    created.room_id.clear();
    vec![
        created,
        participant_event(T::ParticipantJoined, ALICE_SID, "alice", at(1)),
        participant_event(T::ParticipantActive, ALICE_SID, "alice", at(2)),
        participant_event(T::ParticipantActive, BOB_SID, "bob", at(3)),
        track_event(T::TrackPublished, at(4)),
        egress_event(T::EgressStarted, at(5)),
        ingress_event(T::IngressStarted, at(6)),
        track_event(T::TrackMuted, at(7)),
        participant_event(T::ParticipantLeft, BOB_SID, "bob", at(8)),
    ]
}

/// Stats of the sample session: one per direction every 30 s for a minute.
pub fn session_stats(start: SystemTime) -> Vec<AnalyticsStat> {
    [30, 60]
        .into_iter()
        .flat_map(|s| {
            let at = start + Duration::from_secs(s);
            [
                stat(StreamType::Upstream, at),
                stat(StreamType::Downstream, at),
            ]
        })
        .collect()
}

fn nanos(at: SystemTime) -> i64 {
    let t = timestamp_of(at);
    t.seconds * 1_000_000_000 + i64::from(t.nanos)
}
