//! Unit tests of the record model: stored documents and record ids for hand-built events of
//! every kind, stats, and enum numbers the protocol does not know.

use std::time::{Duration, SystemTime, UNIX_EPOCH};

use livekit_protocol::{
    egress_info, room_composite_egress_request, AnalyticsEvent, AnalyticsEventType as T,
    AnalyticsStat, EncodingOptionsPreset, ParticipantInfo, Room, RoomCompositeEgressRequest,
    StreamType,
};
use prost::Message;
use prost_reflect::{DynamicMessage, ReflectMessage};
use serde_json::{json, Value};

use crate::{descriptors::livekit_message, samples, ActiveChange, Entity, Record, RecordKind};

const HOUR: Duration = Duration::from_secs(3600);

fn at(seconds: u64) -> SystemTime {
    UNIX_EPOCH + Duration::from_secs(seconds)
}

fn convert(event: AnalyticsEvent) -> Record {
    Record::from_event(event, HOUR, at(1_700_000_100)).expect("converts")
}

fn minimal_event(kind: i32, seconds: i64, nanos: i32) -> AnalyticsEvent {
    AnalyticsEvent {
        r#type: kind,
        timestamp: Some(pbjson_types::Timestamp { seconds, nanos }),
        ..Default::default()
    }
}

#[test]
fn room_created_is_stored_with_snake_case_names_and_no_zero_fields() {
    let mut event = samples::session_events(at(1_700_000_000)).remove(0);
    event.room.as_mut().expect("room").turn_password = "turn-secret".into();
    let record = convert(event);
    assert_eq!(record.kind, RecordKind::Event);
    assert_eq!(record.type_name, "ROOM_CREATED");
    assert_eq!(record.room_sid, samples::ROOM_SID);
    assert_eq!(record.timestamp_ms, 1_700_000_000_000);
    assert_eq!(record.expire_at_ms, 1_700_000_100_000 + 3_600_000);
    let document = Value::Object(record.document());
    assert_eq!(
        document,
        json!({
            "type": "ROOM_CREATED",
            "timestamp": {"seconds": 1_700_000_000},
            "room": {
                "sid": "RM_sample",
                "name": "sample-room",
                "empty_timeout": 300,
                "creation_time": 1_700_000_000,
                "creation_time_ms": 1_700_000_000_000i64
            },
            "node_id": "ND_sample"
        })
    );
    assert!(
        !record.document_json.contains("turn-secret"),
        "TURN password never stored"
    );
}

#[test]
fn integers_are_integers_and_floats_keep_their_short_form() {
    let record = Record::from_stat(
        samples::stat(StreamType::Upstream, at(1_700_000_030)),
        HOUR,
        at(1_700_000_031),
    )
    .expect("converts");
    let document = record.document();
    assert_eq!(
        document["kind"],
        json!("UPSTREAM"),
        "kind 0 is still written by name"
    );
    assert_eq!(document["score"], json!(4.3));
    assert!(document["score"].is_f64());
    let stream = &document["streams"][0];
    assert_eq!(stream["primary_bytes"], json!(3_200_000));
    assert!(stream["primary_bytes"].is_i64());
    assert_eq!(
        stream["video_layers"],
        json!([
            {"packets": 900, "bytes": 400_000, "frames": 450},
            {"layer": 2, "packets": 1800, "bytes": 2_800_000, "frames": 900}
        ])
    );
    assert_eq!(stream["start_time"], json!({"seconds": 1_700_000_000}));
    assert_eq!(document["time_stamp"], json!({"seconds": 1_700_000_030}));
    assert_eq!(record.score, 4.3);
    assert_eq!(record.type_name, "UPSTREAM");
}

#[test]
fn participant_events_name_the_state_and_open_or_close_the_participant() {
    let active = convert(samples::participant_event(
        T::ParticipantActive,
        "PA_a",
        "alice",
        at(1_700_000_000),
    ));
    assert_eq!(active.document()["participant"]["state"], json!("ACTIVE"));
    assert_eq!(active.participant_identity, "alice");
    assert_eq!(
        active.active_change,
        Some(ActiveChange::Opened {
            entity: Entity::Participant,
            id: "PA_a".into()
        })
    );
    for closing in [T::ParticipantLeft, T::ParticipantConnectionAborted] {
        let record = convert(samples::participant_event(
            closing,
            "PA_a",
            "alice",
            at(1_700_000_009),
        ));
        assert_eq!(
            record.active_change,
            Some(ActiveChange::Closed {
                entity: Entity::Participant,
                id: "PA_a".into()
            })
        );
    }
}

#[test]
fn track_events_name_the_source_and_keep_other_enums_as_numbers() {
    let record = convert(samples::track_event(T::TrackPublished, at(1_700_000_000)));
    let track = &record.document()["track"];
    assert_eq!(track["source"], json!("CAMERA"));
    assert_eq!(
        track["type"],
        json!(1),
        "TrackType is not a listed enum: stored as its number"
    );
    assert_eq!(record.track_id, samples::ALICE_TRACK);
    assert_eq!(record.active_change, None);
}

#[test]
fn egress_events_have_no_room_but_are_stored_with_their_status_and_request() {
    let mut event = samples::egress_event(T::EgressStarted, at(1_700_000_000));
    event.egress.as_mut().expect("egress").request = Some(egress_info::Request::RoomComposite(
        RoomCompositeEgressRequest {
            room_name: "r".into(),
            options: Some(room_composite_egress_request::Options::Preset(
                EncodingOptionsPreset::H264720p30 as i32,
            )),
            ..Default::default()
        },
    ));
    let record = convert(event);
    let document = record.document();
    assert!(document.get("room").is_none());
    assert_eq!(document["egress"]["status"], json!("EGRESS_ACTIVE"));
    assert_eq!(
        document["egress"]["room_composite"]["preset"],
        json!("H264_720P_30")
    );
    assert!(document["egress"]["started_at"].is_i64());
    assert_eq!(
        record.active_change,
        Some(ActiveChange::Opened {
            entity: Entity::Egress,
            id: samples::EGRESS_ID.into()
        })
    );
}

#[test]
fn ingress_events_track_the_ingress_by_resource_id() {
    let started = convert(samples::ingress_event(T::IngressStarted, at(1_700_000_000)));
    assert_eq!(
        started.document()["ingress"]["state"]["status"],
        json!("ENDPOINT_PUBLISHING")
    );
    assert_eq!(
        started.active_change,
        Some(ActiveChange::Opened {
            entity: Entity::Ingress,
            id: samples::INGRESS_RESOURCE.into()
        })
    );
    let ended = convert(samples::ingress_event(T::IngressEnded, at(1_700_000_010)));
    assert_eq!(
        ended.active_change,
        Some(ActiveChange::Closed {
            entity: Entity::Ingress,
            id: samples::INGRESS_RESOURCE.into()
        })
    );
}

#[test]
fn event_ids_follow_the_openvidu_recipe() {
    let mut event = minimal_event(T::TrackPublished as i32, 1_700_000_000, 5);
    event.room = Some(Room {
        sid: "RM_x".into(),
        ..Default::default()
    });
    event.participant_id = "PA_y".into();
    event.track_id = "TR_z".into();
    // md5("RM_x:PA_y:TR_z:TRACK_PUBLISHED:17000000005")
    assert_eq!(convert(event).id, "c7251a77acaff689653243d0a0e99051");

    let mut created = minimal_event(T::RoomCreated as i32, 1_700_000_000, 0);
    created.room = Some(Room {
        sid: "RM_x".into(),
        ..Default::default()
    });
    // md5("RM_x:ROOM_CREATED:1700000000"): nanos 0 adds nothing.
    assert_eq!(convert(created).id, "36e3b36faed2eeb077edbeea697d123c");
}

#[test]
fn egress_and_ingress_ids_add_their_own_segment() {
    let mut egress = minimal_event(T::EgressStarted as i32, 1_700_000_000, 0);
    egress.egress_id = "EG_1".into();
    // md5("EG_1:EGRESS_STARTED:1700000000")
    assert_eq!(
        convert(egress.clone()).id,
        "728561cd424ac90bfdd7f21e7773c30d"
    );
    let mut other = egress.clone();
    other.egress_id = "EG_2".into();
    assert_ne!(
        convert(egress).id,
        convert(other).id,
        "two egresses in one second differ"
    );

    let mut ingress = minimal_event(T::IngressStarted as i32, 1_700_000_000, 0);
    ingress.ingress_id = "IN_1".into();
    // md5("IN_1:INGRESS_STARTED:1700000000")
    assert_eq!(convert(ingress).id, "8645f5affd316a6143a152cc5d5837af");
}

#[test]
fn stat_ids_follow_the_openvidu_recipe() {
    let stat = AnalyticsStat {
        kind: StreamType::Downstream as i32,
        time_stamp: Some(pbjson_types::Timestamp {
            seconds: 1_700_000_000,
            nanos: 0,
        }),
        room_id: "RM_x".into(),
        participant_id: "PA_y".into(),
        track_id: "TR_z".into(),
        node: "ND_1".into(),
        ..Default::default()
    };
    let record = Record::from_stat(stat, HOUR, at(1_700_000_000)).expect("converts");
    // md5("RM_x:PA_y:TR_z:DOWNSTREAM:ND_1:1700000000")
    assert_eq!(record.id, "80eef60f87233e02e8bf5f1eec6c8242");
    assert_eq!(record.type_name, "DOWNSTREAM");
}

#[test]
fn unknown_enum_numbers_are_stored_as_numbers() {
    let mut event = minimal_event(999, 1_700_000_000, 0);
    event.room = Some(Room {
        sid: "RM_x".into(),
        ..Default::default()
    });
    event.participant = Some(ParticipantInfo {
        sid: "PA_q".into(),
        state: 77,
        ..Default::default()
    });
    let record = convert(event);
    assert_eq!(record.type_name, "999");
    // md5("RM_x:999:1700000000")
    assert_eq!(record.id, "197175b474d95c76b41dde581bc156f9");
    let document = record.document();
    assert_eq!(document["type"], json!(999));
    assert_eq!(document["participant"]["state"], json!(77));
    assert_eq!(record.active_change, None);
}

#[test]
fn every_known_event_type_converts_by_name() {
    for number in 0..=60 {
        let Ok(kind) = T::try_from(number) else {
            continue;
        };
        let record = convert(minimal_event(number, 1_700_000_000, 0));
        assert_eq!(record.type_name, kind.as_str_name());
        assert_eq!(record.document()["type"], json!(kind.as_str_name()));
    }
}

#[test]
fn a_missing_timestamp_is_the_conversion_time() {
    let event = AnalyticsEvent {
        r#type: T::ApiCall as i32,
        ..Default::default()
    };
    let record = Record::from_event(event, HOUR, at(1_700_000_123)).expect("converts");
    assert_eq!(record.timestamp_ms, 1_700_000_123_000);
    assert_eq!(
        record.document()["timestamp"],
        json!({"seconds": 1_700_000_123})
    );
}

#[test]
fn descriptors_match_generated_types() {
    // Every field the generated types set must be known to the vendored descriptors:
    // a field the descriptors lack would be decoded as unknown and silently not stored.
    let start = at(1_700_000_000);
    for event in samples::session_events(start) {
        let dynamic = DynamicMessage::decode(
            livekit_message("AnalyticsEvent"),
            event.encode_to_vec().as_slice(),
        )
        .expect("decodes");
        assert_eq!(dynamic.unknown_fields().count(), 0);
        assert_eq!(dynamic.descriptor().full_name(), "livekit.AnalyticsEvent");
        assert_eq!(dynamic.encode_to_vec(), event.encode_to_vec());
    }
    for stat in samples::session_stats(start) {
        let dynamic = DynamicMessage::decode(
            livekit_message("AnalyticsStat"),
            stat.encode_to_vec().as_slice(),
        )
        .expect("decodes");
        assert_eq!(dynamic.encode_to_vec(), stat.encode_to_vec());
    }
}
