//! The part of the query dataset ([`super::query_dataset`]) the richer read API reads:
//! session A's tracks (alice's simulcast camera, its layers in `codecs[]` as LiveKit now
//! sends them; bob's microphone), their stats with streams of known bytes, packets, losses,
//! frames, jitter, round-trip times and times, an ingress whose close the fixer made up,
//! and the exact answers about them.

use livekit_protocol::{
    ingress_state::Status as IngressStatus, AnalyticsEvent, AnalyticsEventType as T, AnalyticsStat,
    AnalyticsStream, IngressInfo, IngressState, SimulcastCodecInfo, StreamType, TrackInfo,
    TrackSource, TrackType, VideoLayer, VideoQuality,
};

use crate::{
    query::{
        ConnectionView, MediaJobView, ParticipantView, QualitySummary, TimelineEvent, TrackView,
        TrafficSummary,
    },
    record::timestamp_of,
};

use super::query_dataset::{at, participant_event, participants_a, room_event, time, A, GO, JS};

/// Bytes of session A's track stats sent by participants (`UPSTREAM`).
pub const A_TRACK_BYTES_IN: i64 = 300_000 + 150_000 + 60_000;
/// Bytes of session A's track stats received by participants (`DOWNSTREAM`).
pub const A_TRACK_BYTES_OUT: i64 = 120_000;

const CAMERA: &str = "TR_cam";
const MICROPHONE: &str = "TR_mic";
const INGRESS: &str = "IN_a";

fn track_event(
    kind: T,
    participant: (&str, &str),
    client: (i32, &str, &str, &str),
    track: TrackInfo,
    ms: i64,
) -> AnalyticsEvent {
    AnalyticsEvent {
        track_id: track.sid.clone(),
        track: Some(track),
        ..participant_event(kind, A, participant, client, ms)
    }
}

fn camera() -> TrackInfo {
    let layer = |quality: VideoQuality, width: u32, height: u32| VideoLayer {
        quality: quality as i32,
        width,
        height,
        ..Default::default()
    };
    TrackInfo {
        sid: CAMERA.into(),
        r#type: TrackType::Video as i32,
        source: TrackSource::Camera as i32,
        mime_type: "video/VP8".into(),
        codecs: vec![SimulcastCodecInfo {
            mime_type: "video/VP8".into(),
            layers: vec![
                layer(VideoQuality::Low, 320, 180),
                layer(VideoQuality::Medium, 640, 360),
                layer(VideoQuality::High, 1280, 720),
            ],
            ..Default::default()
        }],
        ..Default::default()
    }
}

fn microphone() -> TrackInfo {
    TrackInfo {
        sid: MICROPHONE.into(),
        r#type: TrackType::Audio as i32,
        source: TrackSource::Microphone as i32,
        mime_type: "audio/opus".into(),
        ..Default::default()
    }
}

/// An ingress event: like LiveKit's, it names its room only in `ingress.state.room_id`.
fn ingress_event(kind: T, status: IngressStatus, ms: i64) -> AnalyticsEvent {
    AnalyticsEvent {
        ingress_id: INGRESS.into(),
        ingress: Some(IngressInfo {
            ingress_id: INGRESS.into(),
            room_name: A.1.into(),
            state: Some(IngressState {
                status: status as i32,
                room_id: A.0.into(),
                ..Default::default()
            }),
            ..Default::default()
        }),
        room_id: String::new(),
        room: None,
        ..room_event(kind, A, ms)
    }
}

/// Session A's tracks published and unpublished, and its ingress starting.
pub fn media_events() -> Vec<AnalyticsEvent> {
    let alice = (JS, "2.5.0", "eu-west", "udp");
    let bob = (GO, "1.2.0", "us-east", "udp");
    vec![
        track_event(
            T::TrackPublished,
            ("PA_a1", "alice"),
            alice,
            camera(),
            at(0, 10, 0, 10),
        ),
        track_event(
            T::TrackPublished,
            ("PA_b1", "bob"),
            bob,
            microphone(),
            at(0, 10, 1, 5),
        ),
        ingress_event(
            T::IngressStarted,
            IngressStatus::EndpointPublishing,
            at(0, 10, 3, 0),
        ),
        track_event(
            T::TrackUnpublished,
            ("PA_a1", "alice"),
            alice,
            camera(),
            at(0, 10, 9, 59),
        ),
    ]
}

/// The ingress's end, made up by the active-entities fixer.
pub fn synthetic_events() -> Vec<AnalyticsEvent> {
    vec![ingress_event(
        T::IngressEnded,
        IngressStatus::EndpointInactive,
        at(0, 10, 28, 0),
    )]
}

/// One stream of a stat: `(bytes, packets, packets_lost, frames, jitter, rtt)` over the 30
/// seconds before `ms`.
fn stream(values: (u64, u32, u32, u32, u32, u32), ms: i64) -> AnalyticsStream {
    let (primary_bytes, primary_packets, packets_lost, frames, jitter, rtt) = values;
    AnalyticsStream {
        primary_bytes,
        primary_packets,
        packets_lost,
        frames,
        jitter,
        rtt,
        start_time: Some(timestamp_of(time(ms - 30_000))),
        end_time: Some(timestamp_of(time(ms))),
        ..Default::default()
    }
}

fn track_stat(
    kind: StreamType,
    (participant, track): (&str, &str),
    (score, min_score): (f32, f32),
    values: (u64, u32, u32, u32, u32, u32),
    ms: i64,
) -> AnalyticsStat {
    AnalyticsStat {
        kind: kind as i32,
        time_stamp: Some(timestamp_of(time(ms))),
        room_id: A.0.into(),
        room_name: A.1.into(),
        participant_id: participant.into(),
        track_id: track.into(),
        score,
        min_score,
        streams: vec![stream(values, ms)],
        ..Default::default()
    }
}

/// Alice's camera sent twice and received by bob once, bob's microphone sent once
/// (unscored).
pub fn track_stats() -> Vec<AnalyticsStat> {
    use StreamType::{Downstream, Upstream};
    vec![
        track_stat(
            Upstream,
            ("PA_a1", CAMERA),
            (4.5, 4.0),
            (300_000, 1000, 10, 900, 4, 20),
            at(0, 10, 2, 0),
        ),
        track_stat(
            Upstream,
            ("PA_a1", CAMERA),
            (3.5, 2.5),
            (150_000, 500, 0, 450, 6, 30),
            at(0, 10, 2, 30),
        ),
        track_stat(
            Downstream,
            ("PA_b1", CAMERA),
            (4.0, 0.0),
            (120_000, 400, 20, 300, 2, 0),
            at(0, 10, 2, 30),
        ),
        track_stat(
            Upstream,
            ("PA_b1", MICROPHONE),
            (0.0, 0.0),
            (60_000, 1500, 30, 0, 10, 40),
            at(0, 10, 2, 30),
        ),
    ]
}

/// What alice's browser reported of her camera (`POST /v1/client/stats`) for the first 30
/// seconds LiveKit also reported: shown apart in the track's series, counted in no total.
pub fn client_track_stats() -> Vec<AnalyticsStat> {
    vec![track_stat(
        StreamType::Upstream,
        ("PA_a1", CAMERA),
        (4.0, 4.0),
        (280_000, 950, 12, 880, 5, 22),
        at(0, 10, 2, 0),
    )]
}

fn quality(samples: u64, avg_score: f64, min_score: f64) -> QualitySummary {
    QualitySummary {
        samples,
        avg_score: Some(avg_score),
        min_score: Some(min_score),
    }
}

fn traffic(bytes_in: i64, bytes_out: i64, packets: i64, packets_lost: i64) -> TrafficSummary {
    TrafficSummary {
        bytes_in,
        bytes_out,
        packets,
        packets_lost,
    }
}

/// Session A's quality: the three scored stats of [`super::query_dataset::stats`] (4 each)
/// and the three scored track stats.
pub fn quality_a() -> QualitySummary {
    quality(6, 4.0, 2.5)
}

/// Session A's participants: alice with a reconnect, bob aborted.
pub fn participant_views_a() -> Vec<ParticipantView> {
    let connections = participants_a();
    let close = |index: usize, closed_by: &str, reason: &str| ConnectionView {
        connection: connections[index].clone(),
        closed_by: closed_by.into(),
        disconnect_reason: reason.into(),
        synthetic_close: false,
    };
    vec![
        ParticipantView {
            identity: "alice".into(),
            name: "ALICE".into(),
            connections: vec![
                close(0, "PARTICIPANT_LEFT", "CLIENT_INITIATED"),
                close(1, "PARTICIPANT_LEFT", ""),
            ],
            quality: quality(2, 4.0, 2.5),
            traffic: traffic(450_000, 0, 1500, 10),
        },
        ParticipantView {
            identity: "bob".into(),
            name: "BOB".into(),
            connections: vec![close(
                2,
                "PARTICIPANT_CONNECTION_ABORTED",
                "CONNECTION_TIMEOUT",
            )],
            quality: quality(1, 4.0, 4.0),
            traffic: traffic(60_000, 120_000, 1900, 50),
        },
    ]
}

/// Session A's tracks, by publishing time.
pub fn track_views_a() -> Vec<TrackView> {
    vec![
        TrackView {
            track_sid: CAMERA.into(),
            participant_sid: "PA_a1".into(),
            participant_identity: "alice".into(),
            source: "CAMERA".into(),
            kind: "VIDEO".into(),
            mime: "video/VP8".into(),
            simulcast_layers: vec![
                "LOW 320x180".into(),
                "MEDIUM 640x360".into(),
                "HIGH 1280x720".into(),
            ],
            published_at_ms: at(0, 10, 0, 10),
            unpublished_at_ms: Some(at(0, 10, 9, 59)),
            quality: quality(3, 4.0, 2.5),
            traffic: traffic(450_000, 120_000, 1900, 30),
        },
        TrackView {
            track_sid: MICROPHONE.into(),
            participant_sid: "PA_b1".into(),
            participant_identity: "bob".into(),
            source: "MICROPHONE".into(),
            kind: "AUDIO".into(),
            mime: "audio/opus".into(),
            simulcast_layers: Vec::new(),
            published_at_ms: at(0, 10, 1, 5),
            unpublished_at_ms: None,
            quality: QualitySummary::default(),
            traffic: traffic(60_000, 0, 1500, 30),
        },
    ]
}

/// Session A's recording.
pub fn egresses_a() -> Vec<MediaJobView> {
    vec![MediaJobView {
        id: "EG_a".into(),
        started_at_ms: at(0, 10, 5, 0),
        ended_at_ms: Some(at(0, 10, 25, 0)),
        status: "EGRESS_COMPLETE".into(),
        synthetic_end: false,
    }]
}

/// Session A's ingress, closed by the fixer.
pub fn ingresses_a() -> Vec<MediaJobView> {
    vec![MediaJobView {
        id: INGRESS.into(),
        started_at_ms: at(0, 10, 3, 0),
        ended_at_ms: Some(at(0, 10, 28, 0)),
        status: "ENDPOINT_INACTIVE".into(),
        synthetic_end: true,
    }]
}

/// Every event of session A, in time order.
pub fn timeline_a() -> Vec<TimelineEvent> {
    let event = |type_name: &str, at_ms: i64, participant: (&str, &str)| TimelineEvent {
        type_name: type_name.into(),
        at_ms,
        participant_sid: participant.0.into(),
        participant_identity: participant.1.into(),
        track_sid: String::new(),
        egress_id: String::new(),
        ingress_id: String::new(),
        synthetic: false,
    };
    let none = ("", "");
    let alice_1 = ("PA_a1", "alice");
    let alice_2 = ("PA_a2", "alice");
    let bob = ("PA_b1", "bob");
    let with_track = |event: TimelineEvent, track: &str| TimelineEvent {
        track_sid: track.into(),
        ..event
    };
    let with_egress = |event: TimelineEvent| TimelineEvent {
        egress_id: "EG_a".into(),
        ..event
    };
    let with_ingress = |event: TimelineEvent, synthetic: bool| TimelineEvent {
        ingress_id: INGRESS.into(),
        synthetic,
        ..event
    };
    vec![
        event("ROOM_CREATED", at(0, 10, 0, 0), none),
        event("ROOM_CREATED", at(0, 10, 0, 1), none),
        event("PARTICIPANT_JOINED", at(0, 10, 0, 5), alice_1),
        event("PARTICIPANT_ACTIVE", at(0, 10, 0, 6), alice_1),
        with_track(event("TRACK_PUBLISHED", at(0, 10, 0, 10), alice_1), CAMERA),
        event("PARTICIPANT_ACTIVE", at(0, 10, 1, 0), bob),
        with_track(event("TRACK_PUBLISHED", at(0, 10, 1, 5), bob), MICROPHONE),
        with_ingress(event("INGRESS_STARTED", at(0, 10, 3, 0), none), false),
        with_egress(event("EGRESS_STARTED", at(0, 10, 5, 0), none)),
        with_track(
            event("TRACK_UNPUBLISHED", at(0, 10, 9, 59), alice_1),
            CAMERA,
        ),
        event("PARTICIPANT_LEFT", at(0, 10, 10, 0), alice_1),
        event("PARTICIPANT_ACTIVE", at(0, 10, 10, 2), alice_2),
        event("PARTICIPANT_CONNECTION_ABORTED", at(0, 10, 20, 0), bob),
        with_egress(event("EGRESS_ENDED", at(0, 10, 25, 0), none)),
        with_ingress(event("INGRESS_ENDED", at(0, 10, 28, 0), none), true),
        event("PARTICIPANT_LEFT", at(0, 10, 30, 0), alice_2),
        event("ROOM_ENDED", at(0, 10, 31, 0), none),
    ]
}
