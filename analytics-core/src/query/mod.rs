//! Reading the stored history back as sessions (one lifetime of a room, keyed by its room
//! sid), for the read API: [`SessionQuery`] is what a query sink offers
//! ([`crate::Sink::query`]); [`SessionRows`] is the storage side a sink implements (a few
//! plain lookups), from which [`assemble`] builds the answers once for every sink, so every
//! query sink answers the same dataset identically.

mod assemble;
mod choice;
mod rows;
mod types;

use async_trait::async_trait;

use crate::SinkError;

pub use assemble::{detail_of, summaries_of};
pub use choice::choose_query_sink;
pub use rows::{CreatedRoom, RoomActivity, RoomEvent, RoomTraffic, SESSION_EVENT_TYPES};
pub use types::{
    EgressState, Page, ParticipantConnection, SessionDetail, SessionFilter, SessionSummary,
    NO_LATER_THAN_MS,
};

/// The read side of a query sink: sessions listed by creation time and one session's detail.
#[async_trait]
pub trait SessionQuery: Send + Sync {
    /// Sessions created in the filter's range, newest first, one page of them.
    async fn list_sessions(
        &self,
        filter: &SessionFilter,
    ) -> Result<Page<SessionSummary>, SinkError>;

    /// The session of room sid `room_sid`, with its participants; `None` when no room of that
    /// sid was created.
    async fn session(&self, room_sid: &str) -> Result<Option<SessionDetail>, SinkError>;
}

/// The lookups a sink runs in its own storage to answer [`SessionQuery`]; every
/// implementation of it is a [`SessionQuery`].
#[async_trait]
pub trait SessionRows: Send + Sync {
    /// Rooms whose `ROOM_CREATED` falls in `[from_ms, before_ms)`, one row per room sid
    /// (the earliest creation), newest first (ties by room sid), `limit` of them after
    /// skipping `offset`.
    async fn created_rooms(
        &self,
        from_ms: i64,
        before_ms: i64,
        limit: u64,
        offset: u64,
    ) -> Result<Vec<CreatedRoom>, SinkError>;

    /// The room of sid `room_sid`, if a `ROOM_CREATED` of it is stored.
    async fn created_room(&self, room_sid: &str) -> Result<Option<CreatedRoom>, SinkError>;

    /// The events of [`SESSION_EVENT_TYPES`] of these rooms, in any order; the document only
    /// for `PARTICIPANT_JOINED` and `PARTICIPANT_ACTIVE`.
    async fn room_events(&self, room_sids: &[String]) -> Result<Vec<RoomEvent>, SinkError>;

    /// Bytes of these rooms' stats (the sum of `streams[].primary_bytes`) per direction.
    async fn room_traffic(&self, room_sids: &[String]) -> Result<Vec<RoomTraffic>, SinkError>;

    /// The latest event or stat time of each of these rooms.
    async fn room_activity(&self, room_sids: &[String]) -> Result<Vec<RoomActivity>, SinkError>;
}

#[async_trait]
impl<T: SessionRows> SessionQuery for T {
    async fn list_sessions(
        &self,
        filter: &SessionFilter,
    ) -> Result<Page<SessionSummary>, SinkError> {
        let limit = filter.limit.max(1);
        let offset = filter.page.saturating_mul(limit);
        let mut rooms = self
            .created_rooms(filter.from_ms, filter.before_ms, limit + 1, offset)
            .await?;
        let more = rooms.len() as u64 > limit;
        rooms.truncate(usize::try_from(limit).unwrap_or(usize::MAX));
        let sids: Vec<String> = rooms.iter().map(|room| room.room_sid.clone()).collect();
        let (events, traffic, activity) = if sids.is_empty() {
            (Vec::new(), Vec::new(), Vec::new())
        } else {
            (
                self.room_events(&sids).await?,
                self.room_traffic(&sids).await?,
                self.room_activity(&sids).await?,
            )
        };
        Ok(Page {
            items: summaries_of(&rooms, &events, &traffic, &activity),
            next_page: more.then_some(filter.page + 1),
        })
    }

    async fn session(&self, room_sid: &str) -> Result<Option<SessionDetail>, SinkError> {
        let Some(room) = self.created_room(room_sid).await? else {
            return Ok(None);
        };
        let sids = [room.room_sid.clone()];
        let events = self.room_events(&sids).await?;
        let traffic = self.room_traffic(&sids).await?;
        let activity = self.room_activity(&sids).await?;
        Ok(Some(detail_of(&room, &events, &traffic, &activity)))
    }
}
