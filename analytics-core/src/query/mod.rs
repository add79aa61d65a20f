//! Reading the stored history back as sessions (one lifetime of a room, keyed by its room
//! sid), for the read API: [`SessionQuery`] is what a query sink offers
//! ([`crate::Sink::query`]); [`SessionRows`] is the storage side a sink implements (a few
//! plain lookups), from which [`assemble`] builds the answers once for every sink, so every
//! query sink answers the same dataset identically.

mod assemble;
mod choice;
mod connection_totals;
mod document_fields;
mod explore;
mod explore_assemble;
mod explore_rows;
mod media_views;
mod overview;
mod rows;
mod series;
mod stats_summary;
mod types;

use std::collections::BTreeSet;

use async_trait::async_trait;

use crate::SinkError;

pub use assemble::{detail_of, summaries_of};
pub use choice::choose_query_sink;
pub use connection_totals::{breakdown_of, totals_of, ConnectionTotals};
pub use explore::{
    Breakdown, ConnectionView, CursorPage, MediaJobView, Overview, OverviewDay, ParticipantDetail,
    ParticipantView, QualitySummary, Series, SeriesPoint, SeriesRequest, SeriesSubject,
    SessionCursor, SessionSearch, SessionStatus, SessionView, SortOrder, TimelineEvent, TrackView,
    TrafficSummary,
};
pub use explore_rows::{
    BucketQuery, DailyTraffic, OpenNow, OpenedConnection, StatsBucket, StatsTotals, StoredEvent,
};
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

    /// Sessions matching `search`, one page of them (`/v1/sessions`).
    async fn search_sessions(
        &self,
        search: &SessionSearch,
    ) -> Result<CursorPage<SessionSummary>, SinkError>;

    /// The session of room sid `room_sid` in full; `None` when no room of that sid was
    /// created.
    async fn session_view(&self, room_sid: &str) -> Result<Option<SessionView>, SinkError>;

    /// The participant `identity` of session `room_sid`; `None` when either is unknown.
    async fn participant_detail(
        &self,
        room_sid: &str,
        identity: &str,
    ) -> Result<Option<ParticipantDetail>, SinkError>;

    /// A downsampled time series; `None` when the session (or the track or participant in
    /// it) is unknown.
    async fn series(&self, request: &SeriesRequest) -> Result<Option<Series>, SinkError>;

    /// The range `[from_ms, before_ms)` at a glance.
    async fn overview(&self, from_ms: i64, before_ms: i64) -> Result<Overview, SinkError>;
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

    /// Rooms created in the search's range and matching its filters (one row per room sid,
    /// created when first told, as [`SessionRows::created_rooms`]), in its order, strictly
    /// after its cursor, `limit` of them.
    async fn searched_rooms(
        &self,
        search: &SessionSearch,
        limit: u64,
    ) -> Result<Vec<CreatedRoom>, SinkError>;

    /// Every stored event of room `room_sid`, in any order, and the egress and ingress events
    /// stored without a room sid whose document names the room (`egress.room_id`,
    /// `ingress.state.room_id`: LiveKit's ingress events carry no room).
    async fn room_timeline(&self, room_sid: &str) -> Result<Vec<StoredEvent>, SinkError>;

    /// The sums of room `room_sid`'s stats per participant sid, track and direction.
    async fn stats_totals(&self, room_sid: &str) -> Result<Vec<StatsTotals>, SinkError>;

    /// The sums of the stats `query` selects, per bucket (only buckets with stats).
    async fn stats_buckets(&self, query: &BucketQuery) -> Result<Vec<StatsBucket>, SinkError>;

    /// One row per room and participant sid told active (`PARTICIPANT_ACTIVE`, or
    /// `PARTICIPANT_JOINED` when no active of it is stored) in `[from_ms, before_ms)`, its
    /// joining time the earliest of those; client details from any of its openings (LiveKit
    /// puts `client_info` on the join).
    async fn connections_opened(
        &self,
        from_ms: i64,
        before_ms: i64,
    ) -> Result<Vec<OpenedConnection>, SinkError>;

    /// The connections [`SessionRows::connections_opened`] reads for `[from_ms, before_ms)`,
    /// summed up at `now_ms` ([`totals_of`]); a sink that can sum them in its database
    /// answers the same without reading them.
    async fn connection_totals(
        &self,
        from_ms: i64,
        before_ms: i64,
        now_ms: i64,
    ) -> Result<ConnectionTotals, SinkError> {
        let connections = self.connections_opened(from_ms, before_ms).await?;
        Ok(totals_of(from_ms, before_ms, now_ms, &connections))
    }

    /// The bytes of the stats of `[from_ms, before_ms)` per UTC day and direction.
    async fn daily_traffic(
        &self,
        from_ms: i64,
        before_ms: i64,
    ) -> Result<Vec<DailyTraffic>, SinkError>;

    /// The rooms and participant connections open now.
    async fn open_now(&self) -> Result<OpenNow, SinkError>;
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

    async fn search_sessions(
        &self,
        search: &SessionSearch,
    ) -> Result<CursorPage<SessionSummary>, SinkError> {
        let limit = search.limit.max(1);
        let mut rooms = self.searched_rooms(search, limit + 1).await?;
        let more = rooms.len() as u64 > limit;
        rooms.truncate(usize::try_from(limit).unwrap_or(usize::MAX));
        let next = rooms.last().filter(|_| more).map(|room| SessionCursor {
            created_at_ms: room.created_at_ms,
            room_sid: room.room_sid.clone(),
        });
        let sids: Vec<String> = rooms.iter().map(|room| room.room_sid.clone()).collect();
        if sids.is_empty() {
            return Ok(CursorPage {
                items: Vec::new(),
                next,
            });
        }
        let events = self.room_events(&sids).await?;
        let traffic = self.room_traffic(&sids).await?;
        let activity = self.room_activity(&sids).await?;
        Ok(CursorPage {
            items: summaries_of(&rooms, &events, &traffic, &activity),
            next,
        })
    }

    async fn session_view(&self, room_sid: &str) -> Result<Option<SessionView>, SinkError> {
        let Some(room) = self.created_room(room_sid).await? else {
            return Ok(None);
        };
        let timeline = self.room_timeline(&room.room_sid).await?;
        let totals = self.stats_totals(&room.room_sid).await?;
        let activity = self
            .room_activity(std::slice::from_ref(&room.room_sid))
            .await?;
        Ok(Some(explore_assemble::view_of(
            &room, &timeline, &totals, &activity,
        )))
    }

    async fn participant_detail(
        &self,
        room_sid: &str,
        identity: &str,
    ) -> Result<Option<ParticipantDetail>, SinkError> {
        Ok(self
            .session_view(room_sid)
            .await?
            .and_then(|view| explore_assemble::participant_detail_of(view, identity)))
    }

    async fn series(&self, request: &SeriesRequest) -> Result<Option<Series>, SinkError> {
        let (SeriesSubject::Track { room_sid, .. } | SeriesSubject::Participant { room_sid, .. }) =
            &request.subject;
        let Some(room) = self.created_room(room_sid).await? else {
            return Ok(None);
        };
        let timeline = self.room_timeline(&room.room_sid).await?;
        let (participant_sids, track_sid) = match &request.subject {
            SeriesSubject::Track { track_sid, .. } => {
                let known = timeline.iter().any(|event| &event.track_sid == track_sid)
                    || self
                        .stats_totals(&room.room_sid)
                        .await?
                        .iter()
                        .any(|row| &row.track_sid == track_sid);
                if !known {
                    return Ok(None);
                }
                (Vec::new(), Some(track_sid.clone()))
            }
            SeriesSubject::Participant { identity, .. } => {
                let sids: BTreeSet<String> = timeline
                    .iter()
                    .filter(|event| {
                        &event.participant_identity == identity && !event.participant_sid.is_empty()
                    })
                    .map(|event| event.participant_sid.clone())
                    .collect();
                if sids.is_empty() {
                    return Ok(None);
                }
                (sids.into_iter().collect(), None)
            }
        };
        let from_ms = request.from_ms.unwrap_or(room.created_at_ms);
        let before_ms = match request.before_ms {
            Some(before_ms) => before_ms,
            None => session_end_ms(self, &room, &timeline).await? + 1,
        };
        let bucket_ms = series::bucket_ms(from_ms, before_ms, request.points);
        let buckets = self
            .stats_buckets(&BucketQuery {
                room_sid: room.room_sid.clone(),
                participant_sids,
                track_sid,
                from_ms,
                before_ms,
                bucket_ms,
            })
            .await?;
        let rates = match request.subject {
            SeriesSubject::Track { .. } => series::Rates::PerStream,
            SeriesSubject::Participant { .. } => series::Rates::AddedUp,
        };
        Ok(Some(series::series_of(
            from_ms, before_ms, bucket_ms, rates, &buckets,
        )))
    }

    async fn overview(&self, from_ms: i64, before_ms: i64) -> Result<Overview, SinkError> {
        let now_ms = crate::record::unix_millis(std::time::SystemTime::now());
        // Four independent lookups, at once: a pooled sink runs them on its connections side
        // by side.
        let (rooms, connections, traffic, open) = futures::try_join!(
            self.created_rooms(from_ms, before_ms, i64::MAX as u64, 0),
            self.connection_totals(from_ms, before_ms, now_ms),
            self.daily_traffic(from_ms, before_ms),
            self.open_now(),
        )?;
        let rows = overview::OverviewRows {
            rooms: &rooms,
            connections,
            traffic: &traffic,
            open,
        };
        Ok(overview::overview_of(from_ms, before_ms, rows))
    }
}

/// The end of a session's life: its last event or stat (its end, or stats told after it).
async fn session_end_ms<T: SessionRows + ?Sized>(
    rows: &T,
    room: &CreatedRoom,
    timeline: &[StoredEvent],
) -> Result<i64, SinkError> {
    let activity = rows
        .room_activity(std::slice::from_ref(&room.room_sid))
        .await?;
    Ok(activity
        .iter()
        .map(|row| row.last_ms)
        .chain(timeline.iter().map(|event| event.timestamp_ms))
        .chain([room.created_at_ms])
        .max()
        .unwrap_or(room.created_at_ms))
}
