//! Bad input on the gRPC stream: a malformed protobuf frame ends the stream with
//! INVALID_ARGUMENT and keeps what came before; a message over the size limit is
//! RESOURCE_EXHAUSTED; events with no room or participant are stored; a full queue is
//! RESOURCE_EXHAUSTED.

use crate::support;
use crate::support::stream;

use livekit_protocol::{
    AnalyticsEvent, AnalyticsEventType as T, AnalyticsEvents, ApiCallInfo, EgressInfo, IngressInfo,
    IngressState, ParticipantInfo, WebhookInfo,
};
use pbjson_types::Timestamp;
use support::{access_token, TestService, API_KEY, API_SECRET};
use tonic::Code;

use stream::{counts_by, frame, stream_events, stream_raw_event_frames};

fn event(kind: T, seconds: i64) -> AnalyticsEvent {
    AnalyticsEvent {
        r#type: kind as i32,
        room_id: format!("RM_bad_{seconds}"),
        timestamp: Some(Timestamp { seconds, nanos: 0 }),
        ..Default::default()
    }
}

fn bearer() -> String {
    format!("Bearer {}", access_token(API_KEY, API_SECRET))
}

#[tokio::test]
async fn a_malformed_frame_ends_the_stream_and_keeps_what_came_before() {
    let service = TestService::start("").await;
    let garbage = vec![0x0a, 0xff, 0xff, 0xff, 0xff, 0x0f, 0x01];
    let frames = vec![
        frame(vec![event(T::RoomEnded, 1)]),
        frame(vec![event(T::RoomEnded, 2)]),
        garbage,
        frame(vec![event(T::RoomEnded, 3)]),
    ];
    let status = stream_raw_event_frames(service.port, frames, &bearer())
        .await
        .expect_err("refused");
    assert_eq!(status.code(), Code::InvalidArgument, "{status:?}");
    service
        .wait_for_count("SELECT COUNT(*) FROM events", 2)
        .await;
    tokio::time::sleep(std::time::Duration::from_millis(500)).await;
    service
        .wait_for_count("SELECT COUNT(*) FROM events WHERE room_sid = 'RM_bad_3'", 0)
        .await;
    let (_, metrics) = service.get_text("/metrics").await;
    assert!(
        metrics.contains(
            r#"livekit_analytics_rejected_total{source="grpc",reason="malformed_message"} 1"#
        ),
        "{metrics}"
    );
}

#[tokio::test]
async fn a_message_over_the_size_limit_is_resource_exhausted() {
    let service = TestService::start("    max_body_bytes: 4096\n").await;
    let small = AnalyticsEvents {
        events: vec![event(T::RoomEnded, 1)],
    };
    let mut large = event(T::ParticipantJoined, 2);
    large.participant = Some(ParticipantInfo {
        sid: "PA_large".into(),
        metadata: "x".repeat(8192),
        ..Default::default()
    });
    let status = stream_events(
        service.port,
        vec![
            small,
            AnalyticsEvents {
                events: vec![large],
            },
        ],
        Some(&bearer()),
    )
    .await
    .expect_err("refused");
    assert_eq!(status.code(), Code::ResourceExhausted, "{status:?}");
    service
        .wait_for_count("SELECT COUNT(*) FROM events", 1)
        .await;
}

#[tokio::test]
async fn events_without_room_or_participant_are_stored() {
    let service = TestService::start("").await;
    let at = |seconds: i64| {
        Some(Timestamp {
            seconds: 1_750_000_000 + seconds,
            nanos: 0,
        })
    };
    let events = vec![
        AnalyticsEvent {
            r#type: T::ApiCall as i32,
            timestamp: at(1),
            api_call: Some(ApiCallInfo {
                service: "RoomService".into(),
                method: "ListRooms".into(),
                ..Default::default()
            }),
            ..Default::default()
        },
        AnalyticsEvent {
            r#type: T::Webhook as i32,
            timestamp: at(2),
            webhook: Some(WebhookInfo {
                event: "room_started".into(),
                ..Default::default()
            }),
            ..Default::default()
        },
        AnalyticsEvent {
            r#type: T::SipCallIncoming as i32,
            timestamp: at(3),
            sip_call_id: "SCL_1".into(),
            ..Default::default()
        },
        AnalyticsEvent {
            r#type: T::SipInboundTrunkCreated as i32,
            timestamp: at(4),
            sip_trunk_id: "ST_1".into(),
            ..Default::default()
        },
        AnalyticsEvent {
            r#type: T::EgressStarted as i32,
            timestamp: at(5),
            egress_id: "EG_1".into(),
            egress: Some(EgressInfo {
                egress_id: "EG_1".into(),
                ..Default::default()
            }),
            ..Default::default()
        },
        AnalyticsEvent {
            r#type: T::IngressStarted as i32,
            timestamp: at(6),
            ingress_id: "IN_1".into(),
            ingress: Some(IngressInfo {
                ingress_id: "IN_1".into(),
                state: Some(IngressState {
                    resource_id: "RI_1".into(),
                    ..Default::default()
                }),
                ..Default::default()
            }),
            ..Default::default()
        },
        AnalyticsEvent {
            r#type: T::IngressEnded as i32,
            timestamp: at(7),
            ingress_id: "IN_2".into(),
            ..Default::default()
        },
        AnalyticsEvent {
            r#type: 99,
            timestamp: at(8),
            ..Default::default()
        },
        AnalyticsEvent {
            r#type: T::TrackMuted as i32,
            ..Default::default()
        },
    ];
    let count = events.len() as i64;
    stream_events(
        service.port,
        vec![AnalyticsEvents { events }],
        Some(&bearer()),
    )
    .await
    .expect("accepted");
    service
        .wait_for_count("SELECT COUNT(*) FROM events", count)
        .await;
    let mut db = service.db().await;
    let stored = counts_by(&mut db, "SELECT type, COUNT(*) FROM events GROUP BY type").await;
    for name in [
        "API_CALL",
        "WEBHOOK",
        "SIP_CALL_INCOMING",
        "SIP_INBOUND_TRUNK_CREATED",
        "EGRESS_STARTED",
        "INGRESS_STARTED",
        "INGRESS_ENDED",
        "99",
        "TRACK_MUTED",
    ] {
        assert_eq!(stored.get(name), Some(&1), "{name} in {stored:?}");
    }
}

#[tokio::test]
async fn a_full_queue_is_resource_exhausted_and_keeps_what_was_accepted() {
    // A one-hour interval keeps accepted records queued until shutdown.
    let mut service = TestService::start_with_interval(
        "1h",
        "    buffer: { max_records: 2, when_full: block }\n",
    )
    .await;
    let messages = (1..=3)
        .map(|n| AnalyticsEvents {
            events: vec![event(T::RoomEnded, n)],
        })
        .collect();
    let status = stream_events(service.port, messages, Some(&bearer()))
        .await
        .expect_err("refused");
    assert_eq!(status.code(), Code::ResourceExhausted, "{status:?}");
    let (_, metrics) = service.get_text("/metrics").await;
    assert!(
        metrics
            .contains(r#"livekit_analytics_rejected_total{source="grpc",reason="queue_full"} 1"#),
        "{metrics}"
    );
    assert!(service.terminate().success());
    service
        .wait_for_count("SELECT COUNT(*) FROM events", 2)
        .await;
}
