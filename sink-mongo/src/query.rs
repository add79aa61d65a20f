//! The MongoDB side of the read API, in openvidu's collections: rooms from the
//! `ROOM_CREATED` events (`room.sid` or `room_id`, `timestamp.seconds`/`nanos`), the events
//! a session is built from, the bytes of the stats' `streams[].primary_bytes` by `kind`, and
//! the latest event or stat of a room. Plain `find`s on the format's indexes (no aggregation
//! stage, so MongoDB-compatible servers answer too), grouped here. The explore lookups live
//! beside it: [`crate::session_search`], [`crate::explore_events`],
//! [`crate::explore_stats`], [`crate::open_now`].

use std::collections::BTreeMap;

use analytics_core::{
    query::{
        BucketQuery, CreatedRoom, DailyTraffic, OpenNow, OpenedConnection, RoomActivity, RoomEvent,
        RoomTraffic, SessionRows, SessionSearch, StatsBucket, StatsTotals, StoredEvent,
        SESSION_EVENT_TYPES,
    },
    SinkError,
};
use async_trait::async_trait;
use mongodb::{
    bson::{doc, Document},
    options::FindOneOptions,
    Collection,
};
use serde_json::Value;

use crate::{
    document::to_json,
    error::sink_error,
    explore_events, explore_stats,
    indexes::{EVENTS, STATS},
    open_now, session_search,
    sink::MongoSink,
    stat_sums::{client_reported, streams_sum},
    stored_fields::{millis_of, participant_sid_of, record_document, room_sid_of, text},
};

/// Events of any of these rooms, however each carries its room sid.
fn rooms_filter(room_sids: &[String]) -> Document {
    doc! { "$or": [ { "room.sid": { "$in": room_sids } }, { "room_id": { "$in": room_sids } } ] }
}

impl MongoSink {
    fn collection(&self, database: &mongodb::Database, name: &str) -> Collection<Document> {
        database.collection::<Document>(name)
    }

    /// Every document `filter` finds in `collection`, as JSON.
    pub(crate) async fn find_json(
        &self,
        collection: &str,
        filter: Document,
        projection: Option<Document>,
    ) -> Result<Vec<Value>, SinkError> {
        let database = self.database().await?;
        let collection = self.collection(database, collection);
        let find = collection.find(filter);
        let find = match projection {
            Some(projection) => find.projection(projection),
            None => find,
        };
        let mut cursor = find
            .await
            .map_err(|error| sink_error(&error, &self.settings))?;
        let mut found = Vec::new();
        while cursor
            .advance()
            .await
            .map_err(|error| sink_error(&error, &self.settings))?
        {
            if let Ok(document) = cursor.deserialize_current() {
                found.push(to_json(&document));
            }
        }
        Ok(found)
    }

    /// Every room created before `before_ms`, at its earliest creation.
    async fn rooms_created_before(&self, before_ms: i64) -> Result<Vec<CreatedRoom>, SinkError> {
        let filter = doc! {
            "type": "ROOM_CREATED",
            "timestamp.seconds": { "$lte": before_ms.div_euclid(1000) },
        };
        let projection = doc! { "room": 1, "room_id": 1, "timestamp": 1 };
        let events = self.find_json(EVENTS, filter, Some(projection)).await?;
        Ok(session_search::earliest_creations(events, |_| true)
            .into_values()
            .collect())
    }

    /// The latest `{seconds, nanos}` at `field` of a document of `room_sid` in `collection`.
    async fn latest(
        &self,
        collection: &str,
        filter: Document,
        field: &str,
    ) -> Result<Option<i64>, SinkError> {
        let seconds = format!("{field}.seconds");
        let nanos = format!("{field}.nanos");
        let found = self
            .collection(self.database().await?, collection)
            .find_one(filter)
            .with_options(
                FindOneOptions::builder()
                    .sort(doc! { seconds: -1, nanos: -1 })
                    .projection(doc! { field: 1 })
                    .build(),
            )
            .await
            .map_err(|error| sink_error(&error, &self.settings))?;
        Ok(found.map(|document| millis_of(to_json(&document).get(field))))
    }
}

#[async_trait]
impl SessionRows for MongoSink {
    async fn created_rooms(
        &self,
        from_ms: i64,
        before_ms: i64,
        limit: u64,
        offset: u64,
    ) -> Result<Vec<CreatedRoom>, SinkError> {
        let mut rooms: Vec<CreatedRoom> = self
            .rooms_created_before(before_ms)
            .await?
            .into_iter()
            .filter(|room| room.created_at_ms >= from_ms && room.created_at_ms < before_ms)
            .collect();
        rooms.sort_by(|a, b| (b.created_at_ms, &a.room_sid).cmp(&(a.created_at_ms, &b.room_sid)));
        let skip = usize::try_from(offset).unwrap_or(usize::MAX);
        let take = usize::try_from(limit).unwrap_or(usize::MAX);
        Ok(rooms.into_iter().skip(skip).take(take).collect())
    }

    async fn created_room(&self, room_sid: &str) -> Result<Option<CreatedRoom>, SinkError> {
        let mut filter = rooms_filter(&[room_sid.to_owned()]);
        filter.insert("type", "ROOM_CREATED");
        let events = self.find_json(EVENTS, filter, None).await?;
        Ok(events
            .iter()
            .map(|event| CreatedRoom {
                room_sid: room_sid.to_owned(),
                room_name: text(event, &["room", "name"]).to_owned(),
                created_at_ms: millis_of(event.get("timestamp")),
            })
            .reduce(|earliest, other| CreatedRoom {
                created_at_ms: earliest.created_at_ms.min(other.created_at_ms),
                room_name: earliest.room_name.max(other.room_name),
                ..earliest
            }))
    }

    async fn room_events(&self, room_sids: &[String]) -> Result<Vec<RoomEvent>, SinkError> {
        let mut filter = rooms_filter(room_sids);
        filter.insert("type", doc! { "$in": SESSION_EVENT_TYPES.to_vec() });
        let events = self.find_json(EVENTS, filter, None).await?;
        Ok(events.into_iter().map(room_event).collect())
    }

    async fn room_traffic(&self, room_sids: &[String]) -> Result<Vec<RoomTraffic>, SinkError> {
        let filter = doc! { "room_id": { "$in": room_sids } };
        let projection =
            doc! { "room_id": 1, "kind": 1, "streams.primary_bytes": 1, "client_reported": 1 };
        let mut bytes: BTreeMap<(String, String), i64> = BTreeMap::new();
        let stats = self.find_json(STATS, filter, Some(projection)).await?;
        for stat in stats.iter().filter(|stat| !client_reported(stat)) {
            let sum = streams_sum(stat, "primary_bytes");
            let key = (
                text(stat, &["room_id"]).to_owned(),
                text(stat, &["kind"]).to_owned(),
            );
            *bytes.entry(key).or_default() += sum;
        }
        Ok(bytes
            .into_iter()
            .map(|((room_sid, kind), bytes)| RoomTraffic {
                room_sid,
                kind,
                bytes,
            })
            .collect())
    }

    async fn room_activity(&self, room_sids: &[String]) -> Result<Vec<RoomActivity>, SinkError> {
        let mut activity = Vec::new();
        for sid in room_sids {
            let event = self
                .latest(EVENTS, rooms_filter(std::slice::from_ref(sid)), "timestamp")
                .await?;
            let stat = self
                .latest(STATS, doc! { "room_id": sid }, "time_stamp")
                .await?;
            if let Some(last_ms) = event.max(stat) {
                activity.push(RoomActivity {
                    room_sid: sid.clone(),
                    last_ms,
                });
            }
        }
        Ok(activity)
    }

    async fn searched_rooms(
        &self,
        search: &SessionSearch,
        limit: u64,
    ) -> Result<Vec<CreatedRoom>, SinkError> {
        session_search::searched_rooms(self, search, limit).await
    }

    async fn room_timeline(&self, room_sid: &str) -> Result<Vec<StoredEvent>, SinkError> {
        explore_events::room_timeline(self, room_sid).await
    }

    async fn stats_totals(&self, room_sid: &str) -> Result<Vec<StatsTotals>, SinkError> {
        explore_stats::stats_totals(self, room_sid).await
    }

    async fn stats_buckets(&self, query: &BucketQuery) -> Result<Vec<StatsBucket>, SinkError> {
        explore_stats::stats_buckets(self, query).await
    }

    async fn connections_opened(
        &self,
        from_ms: i64,
        before_ms: i64,
    ) -> Result<Vec<OpenedConnection>, SinkError> {
        explore_events::connections_opened(self, from_ms, before_ms).await
    }

    async fn daily_traffic(
        &self,
        from_ms: i64,
        before_ms: i64,
    ) -> Result<Vec<DailyTraffic>, SinkError> {
        explore_stats::daily_traffic(self, from_ms, before_ms).await
    }

    async fn open_now(&self) -> Result<OpenNow, SinkError> {
        open_now::open_now(self).await
    }
}

/// A stored event as the core's row; the document only for a participant's opening.
fn room_event(event: Value) -> RoomEvent {
    let type_name = text(&event, &["type"]).to_owned();
    let opening = matches!(
        type_name.as_str(),
        "PARTICIPANT_JOINED" | "PARTICIPANT_ACTIVE"
    );
    RoomEvent {
        room_sid: room_sid_of(&event).to_owned(),
        timestamp_ms: millis_of(event.get("timestamp")),
        participant_sid: participant_sid_of(&event).to_owned(),
        egress_id: text(&event, &["egress_id"]).to_owned(),
        document: opening.then(|| record_document(event).to_string()),
        type_name,
    }
}
