//! The synthetic close events: ROOM_ENDED, PARTICIPANT_LEFT, EGRESS_ENDED and INGRESS_ENDED
//! built from an entity's stored start event, timestamped at `last_alive` but never before
//! start + 20 s (room) / + 5 s (others).

use std::time::{Duration, SystemTime, UNIX_EPOCH};

use livekit_protocol::{
    AnalyticsEvent, AnalyticsEventType as T, EgressStatus, ParticipantInfo, Room,
};

use pbjson_types::Timestamp;

use crate::{record::timestamp_of, Entity};

/// The field every synthetic event's stored document carries, set to `true`.
pub const SYNTHETIC_FIELD: &str = "synthetic";

/// How long after its start an entity is assumed to have lived at least.
pub fn minimum_lifetime(entity: Entity) -> Duration {
    match entity {
        Entity::Room => Duration::from_secs(20),
        _ => Duration::from_secs(5),
    }
}

/// The event types that close `entity`.
pub fn close_event_types(entity: Entity) -> &'static [&'static str] {
    match entity {
        Entity::Room => &["ROOM_ENDED"],
        Entity::Participant => &["PARTICIPANT_LEFT", "PARTICIPANT_CONNECTION_ABORTED"],
        Entity::Egress => &["EGRESS_ENDED"],
        Entity::Ingress => &["INGRESS_ENDED"],
    }
}

/// When the synthetic close event of an entity started at `started` happens: `last_alive`,
/// but never before the entity's minimum lifetime.
pub fn close_time(entity: Entity, started: SystemTime, last_alive: SystemTime) -> SystemTime {
    last_alive.max(started + minimum_lifetime(entity))
}

/// The close event of `entity` opened by `start`, at `at`.
pub fn close_event(entity: Entity, start: &AnalyticsEvent, at: SystemTime) -> AnalyticsEvent {
    let timestamp = Some(timestamp_of(at));
    match entity {
        Entity::Room => room_ended(start, timestamp),
        Entity::Participant => participant_left(start, timestamp),
        Entity::Egress => egress_ended(start, timestamp, unix_nanos(at)),
        Entity::Ingress => ingress_ended(start, timestamp, unix_nanos(at)),
    }
}

/// The room sid of a start event: its `room_id`, else its room's.
fn room_sid(start: &AnalyticsEvent) -> String {
    if start.room_id.is_empty() {
        start
            .room
            .as_ref()
            .map(|room| room.sid.clone())
            .unwrap_or_default()
    } else {
        start.room_id.clone()
    }
}

fn room_ended(start: &AnalyticsEvent, timestamp: Option<Timestamp>) -> AnalyticsEvent {
    let room = start.room.as_ref();
    let room_sid = room_sid(start);
    AnalyticsEvent {
        r#type: T::RoomEnded as i32,
        timestamp,
        room_id: room_sid.clone(),
        room: Some(Room {
            sid: room_sid,
            name: room.map(|room| room.name.clone()).unwrap_or_default(),
            creation_time: room.map_or(0, |room| room.creation_time),
            ..Default::default()
        }),
        ..Default::default()
    }
}

fn participant_left(start: &AnalyticsEvent, timestamp: Option<Timestamp>) -> AnalyticsEvent {
    let room_sid = room_sid(start);
    let participant = start.participant.as_ref();
    let sid = if start.participant_id.is_empty() {
        participant.map(|p| p.sid.clone()).unwrap_or_default()
    } else {
        start.participant_id.clone()
    };
    AnalyticsEvent {
        r#type: T::ParticipantLeft as i32,
        timestamp,
        room_id: room_sid.clone(),
        room: Some(Room {
            sid: room_sid,
            ..Default::default()
        }),
        participant_id: sid.clone(),
        participant: Some(ParticipantInfo {
            sid,
            identity: participant.map(|p| p.identity.clone()).unwrap_or_default(),
            name: participant.map(|p| p.name.clone()).unwrap_or_default(),
            joined_at: participant.map_or(0, |p| p.joined_at),
            ..Default::default()
        }),
        ..Default::default()
    }
}

fn egress_ended(
    start: &AnalyticsEvent,
    timestamp: Option<Timestamp>,
    ended_ns: i64,
) -> AnalyticsEvent {
    let mut egress = start.egress.clone().unwrap_or_default();
    if egress.egress_id.is_empty() {
        egress.egress_id = start.egress_id.clone();
    }
    egress.status = EgressStatus::EgressComplete as i32;
    if egress.started_at == 0 {
        egress.started_at = start
            .timestamp
            .as_ref()
            .map_or(0, |t| t.seconds * 1_000_000_000 + i64::from(t.nanos));
    }
    egress.updated_at = ended_ns;
    egress.ended_at = ended_ns;
    AnalyticsEvent {
        r#type: T::EgressEnded as i32,
        timestamp,
        room_id: start.room_id.clone(),
        egress_id: egress.egress_id.clone(),
        egress: Some(egress),
        ..Default::default()
    }
}

fn ingress_ended(
    start: &AnalyticsEvent,
    timestamp: Option<Timestamp>,
    ended_ns: i64,
) -> AnalyticsEvent {
    let mut ingress = start.ingress.clone().unwrap_or_default();
    let mut state = ingress.state.take().unwrap_or_default();
    state.status = livekit_protocol::ingress_state::Status::EndpointInactive as i32;
    state.updated_at = ended_ns;
    state.ended_at = ended_ns;
    ingress.state = Some(state);
    let ingress_id = if start.ingress_id.is_empty() {
        ingress.ingress_id.clone()
    } else {
        start.ingress_id.clone()
    };
    AnalyticsEvent {
        r#type: T::IngressEnded as i32,
        timestamp,
        room_id: start.room_id.clone(),
        ingress_id,
        ingress: Some(ingress),
        ..Default::default()
    }
}

/// A start event's time.
pub fn event_time(event: &AnalyticsEvent) -> Option<SystemTime> {
    let timestamp = event.timestamp.as_ref()?;
    let seconds = u64::try_from(timestamp.seconds).ok()?;
    let nanos = u32::try_from(timestamp.nanos).unwrap_or(0);
    Some(UNIX_EPOCH + Duration::new(seconds, nanos))
}

fn unix_nanos(at: SystemTime) -> i64 {
    at.duration_since(UNIX_EPOCH)
        .map(|d| i64::try_from(d.as_nanos()).unwrap_or(i64::MAX))
        .unwrap_or(0)
}

#[cfg(test)]
mod tests {
    use std::time::{Duration, SystemTime};

    use livekit_protocol::AnalyticsEventType as T;

    use super::{close_event, close_time, SYNTHETIC_FIELD};
    use crate::{record::Record, samples, Entity};

    #[test]
    fn close_time_is_last_alive_but_never_before_the_minimum_lifetime() {
        let start = SystemTime::UNIX_EPOCH + Duration::from_secs(1_700_000_000);
        let later = start + Duration::from_secs(600);
        assert_eq!(close_time(Entity::Room, start, later), later);
        let early = start + Duration::from_secs(1);
        assert_eq!(
            close_time(Entity::Room, start, early),
            start + Duration::from_secs(20)
        );
        for entity in [Entity::Participant, Entity::Egress, Entity::Ingress] {
            assert_eq!(
                close_time(entity, start, early),
                start + Duration::from_secs(5)
            );
        }
    }

    #[test]
    fn a_synthetic_record_is_marked_and_closes_its_entity() {
        let start = SystemTime::now();
        let joined = samples::participant_event(T::ParticipantActive, "PA_x", "x", start);
        let at = start + Duration::from_secs(60);
        let event = close_event(Entity::Participant, &joined, at);
        let record = Record::synthetic_event(event.clone(), Duration::from_secs(60), start)
            .expect("converts");
        let real = Record::from_event(event, Duration::from_secs(60), start).expect("converts");
        assert!(record.is_synthetic() && !real.is_synthetic());
        assert_eq!(record.document()[SYNTHETIC_FIELD], true);
        assert_eq!(record.id, real.id, "same id recipe as a real event");
        assert_eq!(record.active_change, real.active_change);
        assert_eq!(record.type_name, "PARTICIPANT_LEFT");
    }
}
