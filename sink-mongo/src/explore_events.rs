//! The event lookups of the read API in openvidu's `events`: a room's whole timeline, and
//! the participant connections opened in a range with their close (or their room's end)
//! and client. Documents are given back as the record's JSON (without the sink's `_id`
//! and expiry), the same text the SQL sinks store.

use std::collections::{BTreeMap, BTreeSet};

use analytics_core::{
    query::{OpenedConnection, StoredEvent},
    SinkError,
};
use mongodb::bson::{doc, Document};
use serde_json::Value;

use crate::{
    indexes::EVENTS,
    session_search::{of_rooms, OPENING_TYPES},
    sink::MongoSink,
    stored_fields::{millis_of, participant_sid_of, record_document, room_sid_of, text},
};

/// The event types that close a participant connection.
const CLOSING_TYPES: [&str; 2] = ["PARTICIPANT_LEFT", "PARTICIPANT_CONNECTION_ABORTED"];

/// The event types of egresses and ingresses, which may carry no room sid (an ingress's
/// never does): they belong to the room their `egress.room_id` or `ingress.state.room_id`
/// names.
const MEDIA_JOB_TYPES: [&str; 8] = [
    "EGRESS_STARTED",
    "EGRESS_UPDATED",
    "EGRESS_ENDED",
    "INGRESS_CREATED",
    "INGRESS_UPDATED",
    "INGRESS_STARTED",
    "INGRESS_ENDED",
    "INGRESS_DELETED",
];

/// Every stored event of room `room_sid`: those carrying its sid, and the egress and
/// ingress events carrying no room sid whose document names it. One `find`.
pub async fn room_timeline(
    sink: &MongoSink,
    room_sid: &str,
) -> Result<Vec<StoredEvent>, SinkError> {
    let filter = doc! { "$or": [
        { "room.sid": room_sid },
        { "room_id": room_sid },
        {
            "type": { "$in": MEDIA_JOB_TYPES.to_vec() },
            "$or": [ { "egress.room_id": room_sid }, { "ingress.state.room_id": room_sid } ],
        },
    ] };
    let events = sink.find_json(EVENTS, filter, None).await?;
    Ok(events
        .into_iter()
        .filter(|event| match room_sid_of(event) {
            "" => true,
            sid => sid == room_sid,
        })
        .map(stored_event)
        .collect())
}

fn stored_event(event: Value) -> StoredEvent {
    let document = record_document(event);
    StoredEvent {
        type_name: text(&document, &["type"]).to_owned(),
        timestamp_ms: millis_of(document.get("timestamp")),
        participant_sid: participant_sid_of(&document).to_owned(),
        participant_identity: text(&document, &["participant", "identity"]).to_owned(),
        track_sid: text(&document, &["track_id"]).to_owned(),
        egress_id: text(&document, &["egress_id"]).to_owned(),
        ingress_id: text(&document, &["ingress_id"]).to_owned(),
        document: document.to_string(),
    }
}

/// Events of any of these participant sids, however each carries its sid, of these types.
fn of_participants(types: &[&str], participant_sids: &[String]) -> Document {
    doc! {
        "type": { "$in": types.to_vec() },
        "$or": [
            { "participant_id": { "$in": participant_sids } },
            { "participant.sid": { "$in": participant_sids } },
        ],
    }
}

/// A connection: its room sid and participant sid.
type ConnectionKey<'a> = (&'a str, &'a str);

/// The connections opened in `[from_ms, before_ms)`, as the SQL sinks count them: per room
/// and participant sid, its `PARTICIPANT_ACTIVE`s in the range, or its
/// `PARTICIPANT_JOINED`s there when it has no active stored at all; opened at the earliest
/// of them, with the greatest identity and client fields among them, closed at its first
/// `PARTICIPANT_LEFT` or `PARTICIPANT_CONNECTION_ABORTED`, else at its room's first
/// `ROOM_ENDED`. Two `find`s: the openings in the range, then the actives and closes of
/// those participants and the ends of their rooms.
pub async fn connections_opened(
    sink: &MongoSink,
    from_ms: i64,
    before_ms: i64,
) -> Result<Vec<OpenedConnection>, SinkError> {
    if from_ms >= before_ms {
        return Ok(Vec::new());
    }
    let filter = doc! {
        "type": { "$in": OPENING_TYPES.to_vec() },
        "timestamp.seconds": {
            "$gte": from_ms.div_euclid(1000),
            "$lte": before_ms.div_euclid(1000),
        },
    };
    let mut openings = sink
        .find_json(EVENTS, filter, Some(connection_projection()))
        .await?;
    openings.retain(|event| {
        let at = millis_of(event.get("timestamp"));
        at >= from_ms && at < before_ms && !participant_sid_of(event).is_empty()
    });
    if openings.is_empty() {
        return Ok(Vec::new());
    }
    let unique = |sids: Vec<&str>| -> Vec<String> {
        let unique: BTreeSet<&str> = sids.into_iter().collect();
        unique.into_iter().map(str::to_owned).collect()
    };
    let participant_sids = unique(openings.iter().map(participant_sid_of).collect());
    let room_sids = unique(openings.iter().map(room_sid_of).collect());
    let mut deciding_types = vec!["PARTICIPANT_JOINED", "PARTICIPANT_ACTIVE"];
    deciding_types.extend(CLOSING_TYPES);
    let filter = doc! { "$or": [
        of_participants(&deciding_types, &participant_sids),
        of_rooms("ROOM_ENDED", &room_sids),
    ] };
    let deciding = sink
        .find_json(EVENTS, filter, Some(connection_projection()))
        .await?;
    Ok(opened_connections(&openings, &deciding))
}

fn connection_projection() -> Document {
    doc! {
        "type": 1, "timestamp": 1, "participant_id": 1, "participant.sid": 1,
        "participant.identity": 1, "room_id": 1, "room.sid": 1,
        "client_info.sdk": 1, "client_info.os": 1, "client_info.browser": 1,
    }
}

/// The connections of `openings` (the openings in the range), decided by `deciding` (the
/// joins, actives and closes of their participants, the ends of their rooms); client details
/// from any opening of the connection, in the range or not (LiveKit puts `client_info` on
/// the join).
fn opened_connections(openings: &[Value], deciding: &[Value]) -> Vec<OpenedConnection> {
    let mut clients: BTreeMap<ConnectionKey, [String; 3]> = BTreeMap::new();
    for opening in openings.iter().chain(deciding.iter()).filter(|event| {
        matches!(
            text(event, &["type"]),
            "PARTICIPANT_JOINED" | "PARTICIPANT_ACTIVE"
        )
    }) {
        let client = clients
            .entry((room_sid_of(opening), participant_sid_of(opening)))
            .or_default();
        for (known, field) in client.iter_mut().zip(["sdk", "os", "browser"]) {
            let value = text(opening, &["client_info", field]);
            if value > known.as_str() {
                *known = value.to_owned();
            }
        }
    }
    let mut has_active: BTreeSet<ConnectionKey> = BTreeSet::new();
    let mut closes: BTreeMap<ConnectionKey, i64> = BTreeMap::new();
    let mut room_ends: BTreeMap<&str, i64> = BTreeMap::new();
    for event in deciding {
        let at = millis_of(event.get("timestamp"));
        let key = (room_sid_of(event), participant_sid_of(event));
        match text(event, &["type"]) {
            "ROOM_ENDED" => {
                let end = room_ends.entry(key.0).or_insert(at);
                *end = (*end).min(at);
            }
            "PARTICIPANT_ACTIVE" => {
                has_active.insert(key);
            }
            "PARTICIPANT_JOINED" => {}
            _ => {
                let close = closes.entry(key).or_insert(at);
                *close = (*close).min(at);
            }
        }
    }
    let mut connections: BTreeMap<ConnectionKey, OpenedConnection> = BTreeMap::new();
    for opening in openings {
        let key = (room_sid_of(opening), participant_sid_of(opening));
        let active = text(opening, &["type"]) == "PARTICIPANT_ACTIVE";
        if !active && has_active.contains(&key) {
            continue;
        }
        let at = millis_of(opening.get("timestamp"));
        let connection = connections.entry(key).or_insert_with(|| OpenedConnection {
            room_sid: key.0.to_owned(),
            participant_sid: key.1.to_owned(),
            joined_at_ms: at,
            left_at_ms: closes.get(&key).or_else(|| room_ends.get(key.0)).copied(),
            ..OpenedConnection::default()
        });
        connection.joined_at_ms = connection.joined_at_ms.min(at);
        let greatest = |known: &mut String, path: &[&str]| {
            let value = text(opening, path);
            if value > known.as_str() {
                *known = value.to_owned();
            }
        };
        greatest(&mut connection.identity, &["participant", "identity"]);
        if let Some([sdk, os, browser]) = clients.get(&key) {
            connection.sdk.clone_from(sdk);
            connection.os.clone_from(os);
            connection.browser.clone_from(browser);
        }
    }
    connections.into_values().collect()
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    fn event(kind: &str, seconds: i64, participant: &str, room: &str) -> Value {
        json!({
            "type": kind,
            "timestamp": { "seconds": seconds },
            "room_id": room,
            "participant_id": participant,
            "participant": { "sid": participant, "identity": format!("id-{participant}") },
            "client_info": { "sdk": "JS", "os": "linux", "browser": "chrome" },
        })
    }

    #[test]
    fn an_active_opens_the_connection_and_a_join_only_without_one() {
        let openings = [
            event("PARTICIPANT_JOINED", 5, "PA_1", "RM_1"),
            event("PARTICIPANT_ACTIVE", 6, "PA_1", "RM_1"),
            event("PARTICIPANT_JOINED", 7, "PA_2", "RM_1"),
            event("PARTICIPANT_JOINED", 8, "PA_3", "RM_1"),
        ];
        let deciding = [
            event("PARTICIPANT_ACTIVE", 6, "PA_1", "RM_1"),
            // PA_3's active falls after the range: its join is not an opening.
            event("PARTICIPANT_ACTIVE", 99, "PA_3", "RM_1"),
            event("PARTICIPANT_LEFT", 9, "PA_1", "RM_1"),
            json!({ "type": "ROOM_ENDED", "timestamp": { "seconds": 20 }, "room": { "sid": "RM_1" } }),
        ];
        let connections = opened_connections(&openings, &deciding);
        let found: Vec<(&str, i64, Option<i64>)> = connections
            .iter()
            .map(|c| (c.participant_sid.as_str(), c.joined_at_ms, c.left_at_ms))
            .collect();
        assert_eq!(
            found,
            [("PA_1", 6000, Some(9000)), ("PA_2", 7000, Some(20_000))]
        );
        assert_eq!(connections[0].identity, "id-PA_1");
        assert_eq!(connections[0].sdk, "JS");
    }
}
