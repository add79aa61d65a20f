//! Builds sessions from the rows a sink read: the end, the participant connections, the
//! egress state, the traffic and the last activity of each room. Written once, so every
//! query sink answers alike.

use std::collections::{BTreeMap, BTreeSet};

use serde_json::Value;

use super::{
    CreatedRoom, EgressState, ParticipantConnection, RoomActivity, RoomEvent, RoomTraffic,
    SessionDetail, SessionSummary,
};

/// The summaries of `rooms`, in their order.
pub fn summaries_of(
    rooms: &[CreatedRoom],
    events: &[RoomEvent],
    traffic: &[RoomTraffic],
    activity: &[RoomActivity],
) -> Vec<SessionSummary> {
    rooms
        .iter()
        .map(|room| detail_of(room, events, traffic, activity).summary)
        .collect()
}

/// The detail of `room`, from rows that may name other rooms too.
pub fn detail_of(
    room: &CreatedRoom,
    events: &[RoomEvent],
    traffic: &[RoomTraffic],
    activity: &[RoomActivity],
) -> SessionDetail {
    let mut events: Vec<&RoomEvent> = events
        .iter()
        .filter(|event| event.room_sid == room.room_sid)
        .collect();
    events.sort_by(|a, b| {
        (a.timestamp_ms, &a.type_name, &a.participant_sid).cmp(&(
            b.timestamp_ms,
            &b.type_name,
            &b.participant_sid,
        ))
    });
    let ended_at_ms = events
        .iter()
        .filter(|event| event.type_name == "ROOM_ENDED")
        .map(|event| event.timestamp_ms)
        .min();
    let participants = connections_of(&events, ended_at_ms);
    let bytes = |kind: &str| -> i64 {
        traffic
            .iter()
            .filter(|row| row.room_sid == room.room_sid && row.kind == kind)
            .map(|row| row.bytes)
            .sum()
    };
    let last_active_ms = activity
        .iter()
        .filter(|row| row.room_sid == room.room_sid)
        .map(|row| row.last_ms)
        .chain([room.created_at_ms])
        .max()
        .unwrap_or(room.created_at_ms);
    let active = participants
        .iter()
        .filter(|connection| connection.left_at_ms.is_none())
        .count();
    let summary = SessionSummary {
        session_id: room.room_sid.clone(),
        room_name: room.room_name.clone(),
        created_at_ms: room.created_at_ms,
        ended_at_ms,
        last_active_ms,
        bandwidth_in: bytes("UPSTREAM"),
        bandwidth_out: bytes("DOWNSTREAM"),
        egress: egress_state(&events),
        num_participants: participants.len() as u64,
        num_active_participants: active as u64,
    };
    SessionDetail {
        summary,
        participants,
    }
}

fn egress_state(events: &[&RoomEvent]) -> EgressState {
    let mut started = BTreeSet::new();
    let mut ended = BTreeSet::new();
    for event in events.iter().filter(|event| !event.egress_id.is_empty()) {
        started.insert(event.egress_id.as_str());
        if event.type_name == "EGRESS_ENDED" {
            ended.insert(event.egress_id.as_str());
        }
    }
    if started.is_empty() {
        EgressState::None
    } else if started.len() == ended.len() {
        EgressState::Ended
    } else {
        EgressState::Active
    }
}

/// Each participant sid that opened, with its client details and its end; sorted by
/// identity, joining time and sid.
fn connections_of(events: &[&RoomEvent], ended_at_ms: Option<i64>) -> Vec<ParticipantConnection> {
    let mut connections: BTreeMap<&str, ParticipantConnection> = BTreeMap::new();
    let mut closed: BTreeMap<&str, i64> = BTreeMap::new();
    for event in events
        .iter()
        .filter(|event| !event.participant_sid.is_empty())
    {
        match event.type_name.as_str() {
            "PARTICIPANT_JOINED" | "PARTICIPANT_ACTIVE" => {
                let connection = connections
                    .entry(event.participant_sid.as_str())
                    .or_insert_with(|| ParticipantConnection {
                        sid: event.participant_sid.clone(),
                        joined_at_ms: event.timestamp_ms,
                        ..Default::default()
                    });
                if let Some(document) = event.document.as_deref() {
                    fill_from_document(connection, document);
                }
            }
            "PARTICIPANT_LEFT" | "PARTICIPANT_CONNECTION_ABORTED" => {
                closed
                    .entry(event.participant_sid.as_str())
                    .or_insert(event.timestamp_ms);
            }
            _ => {}
        }
    }
    let mut connections: Vec<ParticipantConnection> = connections
        .into_values()
        .map(|mut connection| {
            connection.left_at_ms = closed.get(connection.sid.as_str()).copied().or(ended_at_ms);
            connection
        })
        .collect();
    connections.sort_by(|a, b| {
        (&a.identity, a.joined_at_ms, &a.sid).cmp(&(&b.identity, b.joined_at_ms, &b.sid))
    });
    connections
}

/// Fills what the connection still lacks from an opening's stored document: the
/// participant's identity and name, `client_info` and `client_meta`.
fn fill_from_document(connection: &mut ParticipantConnection, document: &str) {
    let Ok(document) = serde_json::from_str::<Value>(document) else {
        return;
    };
    let text = |path: &[&str]| -> String {
        path.iter()
            .try_fold(&document, |value, key| value.get(key))
            .and_then(Value::as_str)
            .unwrap_or_default()
            .to_owned()
    };
    let fields: [(&mut String, &[&str]); 12] = [
        (&mut connection.identity, &["participant", "identity"]),
        (&mut connection.name, &["participant", "name"]),
        (&mut connection.region, &["client_meta", "region"]),
        (
            &mut connection.connection_type,
            &["client_meta", "connection_type"],
        ),
        (&mut connection.sdk, &["client_info", "sdk"]),
        (&mut connection.sdk_version, &["client_info", "version"]),
        (&mut connection.os, &["client_info", "os"]),
        (&mut connection.os_version, &["client_info", "os_version"]),
        (&mut connection.browser, &["client_info", "browser"]),
        (
            &mut connection.browser_version,
            &["client_info", "browser_version"],
        ),
        (
            &mut connection.device_model,
            &["client_info", "device_model"],
        ),
        (&mut connection.sid, &["participant", "sid"]),
    ];
    for (field, path) in fields {
        if field.is_empty() {
            *field = text(path);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn event(type_name: &str, at: i64, participant_sid: &str, egress_id: &str) -> RoomEvent {
        RoomEvent {
            room_sid: "RM_x".into(),
            type_name: type_name.into(),
            timestamp_ms: at,
            participant_sid: participant_sid.into(),
            egress_id: egress_id.into(),
            document: None,
        }
    }

    fn room() -> CreatedRoom {
        CreatedRoom {
            room_sid: "RM_x".into(),
            room_name: "x".into(),
            created_at_ms: 1_000,
        }
    }

    #[test]
    fn a_connection_the_room_ended_under_leaves_with_the_room() {
        let events = [
            event("PARTICIPANT_ACTIVE", 2_000, "PA_1", ""),
            event("ROOM_ENDED", 9_000, "", ""),
            event("ROOM_ENDED", 9_500, "", ""),
        ];
        let detail = detail_of(&room(), &events, &[], &[]);
        assert_eq!(detail.summary.ended_at_ms, Some(9_000));
        assert_eq!(detail.participants[0].left_at_ms, Some(9_000));
        assert_eq!(detail.summary.num_active_participants, 0);
        assert_eq!(
            detail.summary.last_active_ms, 1_000,
            "no activity row: its creation"
        );
    }

    #[test]
    fn egress_is_active_until_every_egress_ends() {
        let state = |events: &[RoomEvent]| detail_of(&room(), events, &[], &[]).summary.egress;
        let first = event("EGRESS_STARTED", 2_000, "", "EG_1");
        let second = event("EGRESS_STARTED", 3_000, "", "EG_2");
        let first_ended = event("EGRESS_ENDED", 4_000, "", "EG_1");
        let second_ended = event("EGRESS_ENDED", 5_000, "", "EG_2");
        assert_eq!(state(&[]), EgressState::None);
        assert_eq!(state(&[first.clone(), second.clone()]), EgressState::Active);
        assert_eq!(
            state(&[first.clone(), second.clone(), first_ended.clone()]),
            EgressState::Active
        );
        assert_eq!(
            state(&[first, second, first_ended, second_ended]),
            EgressState::Ended
        );
    }

    #[test]
    fn a_document_that_is_not_json_leaves_the_connection_without_details() {
        let mut opening = event("PARTICIPANT_ACTIVE", 2_000, "PA_1", "");
        opening.document = Some("{not json".into());
        let detail = detail_of(&room(), &[opening], &[], &[]);
        assert_eq!(detail.participants[0].sid, "PA_1");
        assert_eq!(detail.participants[0].identity, "");
        assert_eq!(detail.participants[0].left_at_ms, None);
        assert_eq!(detail.summary.num_active_participants, 1);
    }
}
