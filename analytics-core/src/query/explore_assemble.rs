//! Builds one session in full ([`SessionView`]) and one participant of it
//! ([`ParticipantDetail`]) from a room's stored events and its stats' sums: the connections
//! grouped by identity (a reconnect is another connection), how each closed, the tracks,
//! the egresses and ingresses, and the timeline. Written once, so every sink answers alike.

use std::collections::{BTreeMap, BTreeSet};

use super::{
    assemble::detail_of,
    document_fields::Document,
    media_views::{jobs_of, tracks_of, JobKind},
    stats_summary::{quality_of, traffic_of},
    ConnectionView, CreatedRoom, ParticipantConnection, ParticipantDetail, ParticipantView,
    RoomActivity, RoomEvent, RoomTraffic, SessionView, StatsTotals, StoredEvent, TimelineEvent,
    SESSION_EVENT_TYPES,
};

/// The session of `room` from all its stored events, its stats' sums and its activity.
pub fn view_of(
    room: &CreatedRoom,
    timeline: &[StoredEvent],
    totals: &[StatsTotals],
    activity: &[RoomActivity],
) -> SessionView {
    let mut ordered: Vec<&StoredEvent> = timeline.iter().collect();
    ordered.sort_by(|a, b| timeline_key(a).cmp(&timeline_key(b)));
    let events: Vec<(&StoredEvent, Document)> = ordered
        .into_iter()
        .map(|event| (event, Document::parse(&event.document)))
        .collect();
    let detail = detail_of(
        room,
        &session_events(&room.room_sid, &events),
        &traffic_rows(&room.room_sid, totals),
        activity,
    );
    let participants = participants_of(&detail.participants, &events, totals);
    let identities: BTreeMap<&str, &str> = detail
        .participants
        .iter()
        .map(|connection| (connection.sid.as_str(), connection.identity.as_str()))
        .collect();
    let identity_of = |sid: &str| identities.get(sid).copied().unwrap_or_default().to_owned();
    SessionView {
        summary: detail.summary,
        participants,
        tracks: tracks_of(&events, totals, identity_of),
        egresses: jobs_of(&events, JobKind::Egress),
        ingresses: jobs_of(&events, JobKind::Ingress),
        events: events
            .iter()
            .map(|(event, document)| timeline_event(event, document))
            .collect(),
        quality: quality_of(totals),
    }
}

/// The participant `identity` of `view` with its tracks and events; `None` when it has no
/// connection in the session.
pub fn participant_detail_of(view: SessionView, identity: &str) -> Option<ParticipantDetail> {
    let participant = view
        .participants
        .into_iter()
        .find(|participant| participant.identity == identity)?;
    let sids: BTreeSet<&str> = participant
        .connections
        .iter()
        .map(|connection| connection.connection.sid.as_str())
        .collect();
    let tracks = view
        .tracks
        .into_iter()
        .filter(|track| {
            sids.contains(track.participant_sid.as_str()) || track.participant_identity == identity
        })
        .collect();
    let events = view
        .events
        .into_iter()
        .filter(|event| {
            sids.contains(event.participant_sid.as_str()) || event.participant_identity == identity
        })
        .collect();
    Some(ParticipantDetail {
        session: view.summary,
        participant,
        tracks,
        events,
    })
}

/// Time, then type, then the ids: every sink's events in one order.
fn timeline_key(event: &StoredEvent) -> (i64, &str, &str, &str, &str, &str) {
    (
        event.timestamp_ms,
        &event.type_name,
        &event.participant_sid,
        &event.track_sid,
        &event.egress_id,
        &event.ingress_id,
    )
}

fn timeline_event(event: &StoredEvent, document: &Document) -> TimelineEvent {
    TimelineEvent {
        type_name: event.type_name.clone(),
        at_ms: event.timestamp_ms,
        participant_sid: event.participant_sid.clone(),
        participant_identity: event.participant_identity.clone(),
        track_sid: event.track_sid.clone(),
        egress_id: event.egress_id.clone(),
        ingress_id: event.ingress_id.clone(),
        synthetic: document.synthetic(),
    }
}

/// The events a session summary is built from, as [`super::SessionRows::room_events`]
/// returns them.
fn session_events(room_sid: &str, events: &[(&StoredEvent, Document)]) -> Vec<RoomEvent> {
    events
        .iter()
        .map(|(event, _)| *event)
        .filter(|event| SESSION_EVENT_TYPES.contains(&event.type_name.as_str()))
        .map(|event| RoomEvent {
            room_sid: room_sid.to_owned(),
            type_name: event.type_name.clone(),
            timestamp_ms: event.timestamp_ms,
            participant_sid: event.participant_sid.clone(),
            egress_id: event.egress_id.clone(),
            document: matches!(
                event.type_name.as_str(),
                "PARTICIPANT_JOINED" | "PARTICIPANT_ACTIVE"
            )
            .then(|| event.document.clone()),
        })
        .collect()
}

fn traffic_rows(room_sid: &str, totals: &[StatsTotals]) -> Vec<RoomTraffic> {
    totals
        .iter()
        .map(|row| RoomTraffic {
            room_sid: room_sid.to_owned(),
            kind: row.kind.clone(),
            bytes: row.bytes,
        })
        .collect()
}

/// `connections` (by identity, then joining time) grouped by identity, each with how it
/// closed and the stats of its participant sids.
fn participants_of(
    connections: &[ParticipantConnection],
    events: &[(&StoredEvent, Document)],
    totals: &[StatsTotals],
) -> Vec<ParticipantView> {
    let mut closes: BTreeMap<&str, (&StoredEvent, &Document)> = BTreeMap::new();
    for (event, document) in events {
        if matches!(
            event.type_name.as_str(),
            "PARTICIPANT_LEFT" | "PARTICIPANT_CONNECTION_ABORTED"
        ) && !event.participant_sid.is_empty()
        {
            closes
                .entry(event.participant_sid.as_str())
                .or_insert((event, document));
        }
    }
    let room_end = events
        .iter()
        .find(|(event, _)| event.type_name == "ROOM_ENDED")
        .map(|(_, document)| document);
    let mut participants: Vec<ParticipantView> = Vec::new();
    for connection in connections {
        let view = connection_view(connection, closes.get(connection.sid.as_str()), room_end);
        match participants.last_mut() {
            Some(last) if last.identity == connection.identity => {
                if last.name.is_empty() {
                    last.name = connection.name.clone();
                }
                last.connections.push(view);
            }
            _ => participants.push(ParticipantView {
                identity: connection.identity.clone(),
                name: connection.name.clone(),
                connections: vec![view],
                quality: Default::default(),
                traffic: Default::default(),
            }),
        }
    }
    for participant in &mut participants {
        let sids: BTreeSet<&str> = participant
            .connections
            .iter()
            .map(|connection| connection.connection.sid.as_str())
            .collect();
        let own = || {
            totals
                .iter()
                .filter(|row| sids.contains(row.participant_sid.as_str()))
        };
        participant.quality = quality_of(own());
        participant.traffic = traffic_of(own());
    }
    participants
}

fn connection_view(
    connection: &ParticipantConnection,
    close: Option<&(&StoredEvent, &Document)>,
    room_end: Option<&Document>,
) -> ConnectionView {
    let (closed_by, disconnect_reason, synthetic_close) = match (close, room_end) {
        (Some((event, document)), _) => (
            event.type_name.clone(),
            document.disconnect_reason(),
            document.synthetic(),
        ),
        (None, Some(document)) if connection.left_at_ms.is_some() => {
            ("ROOM_ENDED".to_owned(), String::new(), document.synthetic())
        }
        _ => (String::new(), String::new(), false),
    };
    ConnectionView {
        connection: connection.clone(),
        closed_by,
        disconnect_reason,
        synthetic_close,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn event(type_name: &str, at: i64, sid: &str, identity: &str, document: &str) -> StoredEvent {
        StoredEvent {
            type_name: type_name.into(),
            timestamp_ms: at,
            participant_sid: sid.into(),
            participant_identity: identity.into(),
            track_sid: String::new(),
            egress_id: String::new(),
            ingress_id: String::new(),
            document: document.into(),
        }
    }

    fn opening(at: i64, sid: &str, identity: &str) -> StoredEvent {
        let document =
            format!(r#"{{"participant": {{"sid": "{sid}", "identity": "{identity}"}}}}"#);
        event("PARTICIPANT_ACTIVE", at, sid, identity, &document)
    }

    fn room() -> CreatedRoom {
        CreatedRoom {
            room_sid: "RM_x".into(),
            room_name: "x".into(),
            created_at_ms: 1_000,
        }
    }

    #[test]
    fn connections_are_grouped_by_identity_and_say_how_they_closed() {
        let timeline = [
            event("ROOM_CREATED", 1_000, "", "", "{}"),
            opening(2_000, "PA_a1", "alice"),
            opening(2_500, "PA_b1", "bob"),
            event(
                "PARTICIPANT_LEFT",
                3_000,
                "PA_a1",
                "alice",
                r#"{"participant": {"disconnect_reason": 1}}"#,
            ),
            opening(3_100, "PA_a2", "alice"),
            event(
                "PARTICIPANT_CONNECTION_ABORTED",
                4_000,
                "PA_a2",
                "alice",
                r#"{"synthetic": true}"#,
            ),
            event("ROOM_ENDED", 9_000, "", "", r#"{"synthetic": true}"#),
        ];
        let totals = [
            StatsTotals {
                participant_sid: "PA_a1".into(),
                kind: "UPSTREAM".into(),
                scored: 1,
                score_sum: 4.0,
                min_score: Some(3.0),
                bytes: 10,
                ..Default::default()
            },
            StatsTotals {
                participant_sid: "PA_a2".into(),
                kind: "DOWNSTREAM".into(),
                scored: 1,
                score_sum: 2.0,
                min_score: Some(2.0),
                bytes: 20,
                ..Default::default()
            },
        ];
        let view = view_of(&room(), &timeline, &totals, &[]);
        let identities: Vec<&str> = view
            .participants
            .iter()
            .map(|participant| participant.identity.as_str())
            .collect();
        assert_eq!(identities, vec!["alice", "bob"]);
        let alice = &view.participants[0];
        assert_eq!(alice.reconnects(), 1);
        let closes: Vec<(&str, &str, bool)> = alice
            .connections
            .iter()
            .map(|c| {
                (
                    c.closed_by.as_str(),
                    c.disconnect_reason.as_str(),
                    c.synthetic_close,
                )
            })
            .collect();
        assert_eq!(
            closes,
            vec![
                ("PARTICIPANT_LEFT", "CLIENT_INITIATED", false),
                ("PARTICIPANT_CONNECTION_ABORTED", "", true)
            ]
        );
        assert_eq!(alice.quality.avg_score, Some(3.0));
        assert_eq!(alice.quality.min_score, Some(2.0));
        assert_eq!((alice.traffic.bytes_in, alice.traffic.bytes_out), (10, 20));
        let bob = &view.participants[1].connections[0];
        assert_eq!(
            (bob.closed_by.as_str(), bob.synthetic_close),
            ("ROOM_ENDED", true)
        );
        assert_eq!(bob.connection.left_at_ms, Some(9_000));
        assert_eq!(view.events.len(), timeline.len());
        assert!(view.events.last().is_some_and(|event| event.synthetic));
        assert_eq!(view.summary.bandwidth_in, 10);
        assert_eq!(view.quality.samples, 2);
    }

    #[test]
    fn a_participant_has_its_own_events_and_tracks() {
        let timeline = [
            opening(2_000, "PA_a1", "alice"),
            opening(2_500, "PA_b1", "bob"),
            event(
                "TRACK_PUBLISHED",
                2_600,
                "PA_b1",
                "",
                r#"{"track": {"sid": "TR_b"}}"#,
            ),
        ];
        let view = view_of(&room(), &timeline, &[], &[]);
        assert_eq!(view.tracks[0].participant_identity, "bob");
        let bob = participant_detail_of(view.clone(), "bob").expect("bob");
        assert_eq!(bob.tracks.len(), 1);
        assert_eq!(bob.events.len(), 2);
        assert_eq!(bob.participant.connections[0].closed_by, "");
        assert_eq!(participant_detail_of(view, "nobody"), None);
    }
}
