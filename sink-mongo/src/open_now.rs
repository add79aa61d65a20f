//! What is open now, from `active_entities` (what the writes and the fixer keep, as the SQL
//! sinks do and openvidu-livekit did): the rooms held active, and the participants held
//! active whose room (the room of their `PARTICIPANT_ACTIVE`) is held active too. Two
//! lookups: the active entities, then the actives of those participants, by id.

use std::collections::BTreeSet;

use analytics_core::{fixer::ActiveEntityStore, query::OpenNow, Entity, SinkError};
use mongodb::bson::doc;

use crate::{
    indexes::EVENTS,
    sink::MongoSink,
    stored_fields::{participant_sid_of, room_sid_of},
};

/// The rooms and participant connections open now.
pub async fn open_now(sink: &MongoSink) -> Result<OpenNow, SinkError> {
    let active = sink.active_entities().await?;
    let ids = |entity: Entity| -> BTreeSet<&str> {
        active
            .iter()
            .filter(|stored| stored.entity == entity)
            .map(|stored| stored.id.as_str())
            .collect()
    };
    let (rooms, participants) = (ids(Entity::Room), ids(Entity::Participant));
    if rooms.is_empty() || participants.is_empty() {
        return Ok(OpenNow {
            rooms: rooms.len() as u64,
            participants: 0,
        });
    }
    let participant_ids: Vec<&str> = participants.iter().copied().collect();
    let filter = doc! {
        "type": "PARTICIPANT_ACTIVE",
        "$or": [
            { "participant_id": { "$in": &participant_ids } },
            { "participant.sid": { "$in": &participant_ids } },
        ],
    };
    let projection =
        doc! { "room_id": 1, "room.sid": 1, "participant_id": 1, "participant.sid": 1 };
    let actives = sink.find_json(EVENTS, filter, Some(projection)).await?;
    let open_participants: BTreeSet<&str> = actives
        .iter()
        .filter(|event| rooms.contains(room_sid_of(event)))
        .map(participant_sid_of)
        .filter(|sid| participants.contains(sid))
        .collect();
    Ok(OpenNow {
        rooms: rooms.len() as u64,
        participants: open_participants.len() as u64,
    })
}
