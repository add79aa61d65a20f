//! Searching sessions in openvidu's `events`: the rooms whose first `ROOM_CREATED` falls in
//! the range, filtered by name prefix, by an identity that opened a connection in them and
//! by whether a `ROOM_ENDED` is stored, in creation order (ties by room sid), after a keyset
//! cursor. Two `find`s: the creations in the range, then (one `$or`) the earlier creations,
//! ends and openings of those rooms.

use std::{
    cmp::Ordering,
    collections::{BTreeMap, BTreeSet},
};

use analytics_core::{
    query::{CreatedRoom, SessionCursor, SessionSearch, SessionStatus, SortOrder},
    SinkError,
};
use mongodb::bson::{doc, Document};
use serde_json::Value;

use crate::{
    indexes::EVENTS,
    sink::MongoSink,
    stored_fields::{millis_of, room_sid_of, text},
};

/// The event types that open a participant connection.
pub const OPENING_TYPES: [&str; 2] = ["PARTICIPANT_JOINED", "PARTICIPANT_ACTIVE"];

/// Events of type `type_name` (a name, or a `$in` document) of any of these rooms.
pub fn of_rooms(type_name: impl Into<mongodb::bson::Bson>, room_sids: &[String]) -> Document {
    doc! {
        "type": type_name.into(),
        "$or": [ { "room.sid": { "$in": room_sids } }, { "room_id": { "$in": room_sids } } ],
    }
}

/// `a` before `b` in `order`: by creation time in the order's direction, then by room sid
/// (ascending in both orders, as the SQL sinks' keyset).
fn compare(order: SortOrder, a: (i64, &str), b: (i64, &str)) -> Ordering {
    let by_time = match order {
        SortOrder::NewestFirst => b.0.cmp(&a.0),
        SortOrder::OldestFirst => a.0.cmp(&b.0),
    };
    by_time.then_with(|| a.1.cmp(b.1))
}

fn is_after(order: SortOrder, room: &CreatedRoom, cursor: &SessionCursor) -> bool {
    compare(
        order,
        (room.created_at_ms, &room.room_sid),
        (cursor.created_at_ms, &cursor.room_sid),
    ) == Ordering::Greater
}

/// The rooms `search` finds, in its order, `limit` of them.
pub async fn searched_rooms(
    sink: &MongoSink,
    search: &SessionSearch,
    limit: u64,
) -> Result<Vec<CreatedRoom>, SinkError> {
    if limit == 0 || search.from_ms >= search.before_ms {
        return Ok(Vec::new());
    }
    let mut rooms = created_in_range(sink, search.from_ms, search.before_ms).await?;
    rooms.retain(|_, room| {
        search
            .room_prefix
            .as_deref()
            .is_none_or(|prefix| room.room_name.starts_with(prefix))
            && search
                .after
                .as_ref()
                .is_none_or(|cursor| is_after(search.order, room, cursor))
    });
    if rooms.is_empty() {
        return Ok(Vec::new());
    }
    let sids: Vec<String> = rooms.keys().cloned().collect();
    let mut branches = vec![{
        let mut earlier = of_rooms("ROOM_CREATED", &sids);
        earlier.insert(
            "timestamp.seconds",
            doc! { "$lte": search.from_ms.div_euclid(1000) },
        );
        earlier
    }];
    if search.status.is_some() {
        branches.push(of_rooms("ROOM_ENDED", &sids));
    }
    if let Some(identity) = &search.identity {
        let mut opened = of_rooms(doc! { "$in": OPENING_TYPES.to_vec() }, &sids);
        opened.insert("participant.identity", identity);
        branches.push(opened);
    }
    let projection = doc! { "type": 1, "timestamp": 1, "room_id": 1, "room.sid": 1 };
    let related = sink
        .find_json(EVENTS, doc! { "$or": branches }, Some(projection))
        .await?;
    let mut told_before = BTreeSet::new();
    let mut ended = BTreeSet::new();
    let mut joined_by_identity = BTreeSet::new();
    for event in &related {
        let sid = room_sid_of(event);
        match text(event, &["type"]) {
            "ROOM_CREATED" if millis_of(event.get("timestamp")) < search.from_ms => {
                told_before.insert(sid);
            }
            "ROOM_ENDED" => {
                ended.insert(sid);
            }
            "PARTICIPANT_JOINED" | "PARTICIPANT_ACTIVE" => {
                joined_by_identity.insert(sid);
            }
            _ => {}
        }
    }
    let mut found: Vec<CreatedRoom> = rooms
        .into_values()
        .filter(|room| {
            let sid = room.room_sid.as_str();
            !told_before.contains(sid)
                && (search.identity.is_none() || joined_by_identity.contains(sid))
                && match search.status {
                    None => true,
                    Some(SessionStatus::Active) => !ended.contains(sid),
                    Some(SessionStatus::Ended) => ended.contains(sid),
                }
        })
        .collect();
    found.sort_by(|a, b| {
        compare(
            search.order,
            (a.created_at_ms, &a.room_sid),
            (b.created_at_ms, &b.room_sid),
        )
    });
    found.truncate(usize::try_from(limit).unwrap_or(usize::MAX));
    Ok(found)
}

/// The rooms with a `ROOM_CREATED` in `[from_ms, before_ms)`, each at its earliest creation
/// there and with its greatest name there (as the SQL sinks' `MIN` and `MAX`).
async fn created_in_range(
    sink: &MongoSink,
    from_ms: i64,
    before_ms: i64,
) -> Result<BTreeMap<String, CreatedRoom>, SinkError> {
    let filter = doc! {
        "type": "ROOM_CREATED",
        "timestamp.seconds": {
            "$gte": from_ms.div_euclid(1000),
            "$lte": before_ms.div_euclid(1000),
        },
    };
    let projection = doc! { "room_id": 1, "room.sid": 1, "room.name": 1, "timestamp": 1 };
    let events = sink.find_json(EVENTS, filter, Some(projection)).await?;
    Ok(earliest_creations(events, |created_at_ms| {
        from_ms <= created_at_ms && created_at_ms < before_ms
    }))
}

/// The rooms of these `ROOM_CREATED` events, keeping those created at a time `keep` accepts:
/// each at its earliest creation and with its greatest name (as the SQL sinks' `MIN` and
/// `MAX`), by room sid. Events without a room sid are passed over.
pub fn earliest_creations(
    events: Vec<Value>,
    keep: impl Fn(i64) -> bool,
) -> BTreeMap<String, CreatedRoom> {
    let mut rooms: BTreeMap<String, CreatedRoom> = BTreeMap::new();
    for event in events {
        let created_at_ms = millis_of(event.get("timestamp"));
        let sid = room_sid_of(&event);
        if sid.is_empty() || !keep(created_at_ms) {
            continue;
        }
        let name = text(&event, &["room", "name"]);
        let room = rooms.entry(sid.to_owned()).or_insert_with(|| CreatedRoom {
            room_sid: sid.to_owned(),
            room_name: String::new(),
            created_at_ms,
        });
        room.created_at_ms = room.created_at_ms.min(created_at_ms);
        if name > room.room_name.as_str() {
            room.room_name = name.to_owned();
        }
    }
    rooms
}

#[cfg(test)]
mod tests {
    use super::*;

    fn room(created_at_ms: i64, sid: &str) -> CreatedRoom {
        CreatedRoom {
            room_sid: sid.into(),
            room_name: String::new(),
            created_at_ms,
        }
    }

    #[test]
    fn the_cursor_is_strictly_after_in_either_order() {
        let cursor = SessionCursor {
            created_at_ms: 10,
            room_sid: "RM_m".into(),
        };
        let newest = SortOrder::NewestFirst;
        assert!(is_after(newest, &room(9, "RM_z"), &cursor));
        assert!(is_after(newest, &room(10, "RM_z"), &cursor));
        assert!(!is_after(newest, &room(10, "RM_m"), &cursor));
        assert!(!is_after(newest, &room(10, "RM_a"), &cursor));
        assert!(!is_after(newest, &room(11, "RM_z"), &cursor));
        let oldest = SortOrder::OldestFirst;
        assert!(is_after(oldest, &room(11, "RM_a"), &cursor));
        assert!(is_after(oldest, &room(10, "RM_z"), &cursor));
        assert!(!is_after(oldest, &room(10, "RM_m"), &cursor));
        assert!(!is_after(oldest, &room(9, "RM_z"), &cursor));
    }
}
