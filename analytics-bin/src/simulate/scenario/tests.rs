//! The generated session has what LiveKit sends: every event type of a room's life, a
//! stat per track and direction per 30 s, unique record ids, and the fields per event type.

use std::{
    collections::{BTreeMap, HashSet},
    time::{Duration, SystemTime},
};

use analytics_core::record_id::{event_id, event_type_name, stat_id};
use livekit_protocol::{AnalyticsEventType as T, StreamType};

use super::*;

fn settings(rooms: usize, participants: usize, minutes: u64) -> ScenarioSettings {
    ScenarioSettings {
        rooms,
        participants,
        duration: Duration::from_secs(minutes * 60),
        start: SystemTime::UNIX_EPOCH + Duration::from_secs(1_700_000_000),
        node_id: "ND_sim".into(),
        seed: 7,
    }
}

fn counts(session: &Session) -> BTreeMap<String, usize> {
    let mut counts = BTreeMap::new();
    for event in session.events() {
        *counts.entry(event_type_name(event.r#type)).or_default() += 1;
    }
    counts
}

#[test]
fn a_session_has_every_event_type_of_a_rooms_life() {
    let session = Session::generate(&settings(2, 3, 3));
    let counts = counts(&session);
    for kind in [
        T::ApiCall,
        T::RoomCreated,
        T::Webhook,
        T::ParticipantJoined,
        T::ParticipantActive,
        T::TrackPublishRequested,
        T::TrackPublished,
        T::TrackMaxSubscribedVideoQuality,
        T::TrackSubscribeRequested,
        T::TrackSubscribeFailed,
        T::TrackSubscribed,
        T::TrackMuted,
        T::TrackPublishedUpdate,
        T::TrackUnmuted,
        T::ParticipantResumed,
        T::Reconnected,
        T::EgressStarted,
        T::EgressUpdated,
        T::EgressEnded,
        T::IngressCreated,
        T::IngressStarted,
        T::IngressUpdated,
        T::IngressEnded,
        T::IngressDeleted,
        T::TrackUnsubscribed,
        T::TrackSubscribeStats,
        T::TrackUnpublished,
        T::TrackPublishStats,
        T::ParticipantLeft,
        T::ParticipantConnectionAborted,
        T::RoomEnded,
    ] {
        assert!(
            counts.contains_key(kind.as_str_name()),
            "{} missing from {counts:?}",
            kind.as_str_name()
        );
    }
    assert_eq!(counts["ROOM_CREATED"], 2);
    assert_eq!(counts["PARTICIPANT_ACTIVE"], 6);
    assert_eq!(counts["PARTICIPANT_CONNECTION_ABORTED"], 1);
    assert_eq!(counts["PARTICIPANT_LEFT"], 5);
    // two tracks per participant, a screen share for the first of each room
    assert_eq!(counts["TRACK_PUBLISHED"], 2 * (3 * 2 + 1));
    // each of the other two participants subscribes to each track
    assert_eq!(counts["TRACK_SUBSCRIBED"], 2 * 7 * 2);
}

#[test]
fn every_track_has_stats_in_each_direction_every_30_seconds() {
    let session = Session::generate(&settings(1, 2, 3));
    let published: HashSet<String> = session
        .events()
        .filter(|e| e.r#type == T::TrackPublished as i32)
        .map(|e| e.track_id.clone())
        .collect();
    for direction in [StreamType::Upstream, StreamType::Downstream] {
        let reported: HashSet<String> = session
            .stats()
            .filter(|s| s.kind == direction as i32)
            .map(|s| s.track_id.clone())
            .collect();
        assert_eq!(reported, published, "{direction:?}");
    }
    let camera = session
        .stats()
        .find(|s| s.kind == StreamType::Upstream as i32 && s.mime == "video/VP8")
        .expect("camera stat");
    assert_eq!(camera.streams.len(), 1);
    assert_eq!(camera.streams[0].video_layers.len(), 3);
    let per_track = session
        .stats()
        .filter(|s| s.track_id == camera.track_id && s.kind == camera.kind)
        .count();
    assert!(
        (5..=7).contains(&per_track),
        "a 3-minute track is reported about 6 times, got {per_track}"
    );
}

#[test]
fn record_ids_are_unique_and_steps_in_time_order() {
    let session = Session::generate(&settings(3, 4, 4));
    let events: HashSet<String> = session.events().map(event_id).collect();
    assert_eq!(events.len(), session.events().count());
    let stats: HashSet<String> = session.stats().map(stat_id).collect();
    assert_eq!(stats.len(), session.stats().count());
    assert!(session
        .steps
        .windows(2)
        .all(|pair| pair[0].at <= pair[1].at));
    assert!(session
        .steps
        .last()
        .is_some_and(|step| step.at <= Duration::from_secs(4 * 60)));
}

#[test]
fn events_carry_the_fields_livekit_puts_on_them() {
    let session = Session::generate(&settings(1, 2, 2));
    let of = |kind: T| {
        session
            .events()
            .find(|e| e.r#type == kind as i32)
            .cloned()
            .expect("present")
    };
    let created = of(T::RoomCreated);
    let room = created.room.expect("room");
    assert!(created.room_id.is_empty());
    assert_eq!(
        created.timestamp.map(|t| (t.seconds, t.nanos)),
        Some((room.creation_time, 0))
    );
    let published = of(T::TrackPublished);
    let minimal = published.room.expect("room");
    assert_eq!(
        (
            minimal.sid.is_empty(),
            minimal.name.is_empty(),
            minimal.creation_time
        ),
        (false, false, 0)
    );
    assert!(published
        .participant
        .is_some_and(|p| !p.sid.is_empty() && p.identity.is_empty()));
    let egress = of(T::EgressStarted);
    assert!(
        egress.room.is_none()
            && !egress.egress_id.is_empty()
            && !egress.room_id.is_empty()
            && egress.egress.is_some()
    );
    let ingress = of(T::IngressStarted);
    assert!(ingress.room.is_none() && !ingress.ingress_id.is_empty() && ingress.ingress.is_some());
    assert!(of(T::ApiCall).room.is_none());
}

#[test]
fn the_same_settings_give_the_same_session() {
    let a = Session::generate(&settings(2, 2, 2));
    let b = Session::generate(&settings(2, 2, 2));
    assert_eq!(a.steps, b.steps);
}
