//! What the richer read API (`/v1/`) asks and answers: sessions searched by range, room name
//! prefix, participant identity and status, cursor-paged; one session in full (participants
//! grouped by identity, tracks, egresses, ingresses, events); quality and traffic summaries;
//! downsampled time series; an overview of a range. Times in unix milliseconds, bytes as
//! stored, scores on LiveKit's 1–5 scale.

use super::{ParticipantConnection, SessionSummary, NO_LATER_THAN_MS};

/// Whether a session's room has ended.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SessionStatus {
    /// No `ROOM_ENDED` stored for it.
    Active,
    /// A `ROOM_ENDED` (real or synthetic) is stored for it.
    Ended,
}

/// The order sessions are listed in, by creation time then room sid.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum SortOrder {
    #[default]
    NewestFirst,
    OldestFirst,
}

/// Where a page of a search ends: the last session listed. The next page starts after it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SessionCursor {
    pub created_at_ms: i64,
    pub room_sid: String,
}

/// Which sessions to list: created in `[from_ms, before_ms)`, matching every filter given,
/// in `order`, `limit` of them after `after`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SessionSearch {
    pub from_ms: i64,
    pub before_ms: i64,
    /// Rooms whose name starts with this (case-sensitive, taken literally: `%` and `_` are
    /// plain characters).
    pub room_prefix: Option<String>,
    /// Sessions a participant of exactly this identity opened a connection in.
    pub identity: Option<String>,
    pub status: Option<SessionStatus>,
    pub order: SortOrder,
    pub limit: u64,
    pub after: Option<SessionCursor>,
}

impl Default for SessionSearch {
    fn default() -> SessionSearch {
        SessionSearch {
            from_ms: 0,
            before_ms: NO_LATER_THAN_MS,
            room_prefix: None,
            identity: None,
            status: None,
            order: SortOrder::NewestFirst,
            limit: 50,
            after: None,
        }
    }
}

/// One page of a search.
#[derive(Debug, Clone, PartialEq)]
pub struct CursorPage<T> {
    pub items: Vec<T>,
    /// Where the next page starts, when there are more answers.
    pub next: Option<SessionCursor>,
}

/// Quality of a set of stats: LiveKit's score (1–5) over the stats that carry one.
#[derive(Debug, Clone, Copy, PartialEq, Default)]
pub struct QualitySummary {
    /// Stats counted (those with a score above 0).
    pub samples: u64,
    pub avg_score: Option<f64>,
    /// The lowest `min_score` (or `score` when no `min_score`) of them.
    pub min_score: Option<f64>,
}

/// Traffic of a set of stats: the sums over their `streams[]`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct TrafficSummary {
    /// Bytes of `UPSTREAM` stats (sent by the participant to the server).
    pub bytes_in: i64,
    /// Bytes of `DOWNSTREAM` stats (sent by the server to the participant).
    pub bytes_out: i64,
    /// `primary_packets` of all streams.
    pub packets: i64,
    /// `packets_lost` of all streams.
    pub packets_lost: i64,
}

impl TrafficSummary {
    /// Lost packets as a percentage of packets sent and lost; `None` with no packets.
    pub fn packet_loss_pct(&self) -> Option<f64> {
        let total = self.packets + self.packets_lost;
        (total > 0).then(|| 100.0 * self.packets_lost as f64 / total as f64)
    }
}

/// One participant connection in a session's detail.
#[derive(Debug, Clone, PartialEq)]
pub struct ConnectionView {
    /// Sid, times and client info.
    pub connection: ParticipantConnection,
    /// `PARTICIPANT_LEFT`, `PARTICIPANT_CONNECTION_ABORTED`, `ROOM_ENDED` (it ended with its
    /// room) or empty while connected.
    pub closed_by: String,
    /// The disconnect reason LiveKit gave (`participant.disconnect_reason`), empty if none.
    pub disconnect_reason: String,
    /// The close is a synthetic event the active-entities fixer wrote.
    pub synthetic_close: bool,
}

/// A participant (one identity) of a session with all its connections.
#[derive(Debug, Clone, PartialEq)]
pub struct ParticipantView {
    pub identity: String,
    pub name: String,
    /// By joining time; every one after the first is a reconnect.
    pub connections: Vec<ConnectionView>,
    pub quality: QualitySummary,
    pub traffic: TrafficSummary,
}

impl ParticipantView {
    pub fn reconnects(&self) -> u64 {
        self.connections.len().saturating_sub(1) as u64
    }
}

/// A published track.
#[derive(Debug, Clone, PartialEq)]
pub struct TrackView {
    pub track_sid: String,
    pub participant_sid: String,
    pub participant_identity: String,
    /// `CAMERA`, `MICROPHONE`, `SCREEN_SHARE`, ... as stored.
    pub source: String,
    /// `AUDIO`, `VIDEO` or `DATA`.
    pub kind: String,
    pub mime: String,
    /// The simulcast layers' qualities (`LOW`, `MEDIUM`, `HIGH`), with their sizes, as
    /// `"HIGH 1280x720"`.
    pub simulcast_layers: Vec<String>,
    pub published_at_ms: i64,
    pub unpublished_at_ms: Option<i64>,
    pub quality: QualitySummary,
    pub traffic: TrafficSummary,
}

/// An egress or an ingress of a session.
#[derive(Debug, Clone, PartialEq)]
pub struct MediaJobView {
    /// The egress id or ingress id.
    pub id: String,
    pub started_at_ms: i64,
    pub ended_at_ms: Option<i64>,
    /// The last status stored (`EGRESS_COMPLETE`, `ENDPOINT_PUBLISHING`, ...), empty if none.
    pub status: String,
    pub synthetic_end: bool,
}

/// One stored event of a session, in order.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TimelineEvent {
    pub type_name: String,
    pub at_ms: i64,
    pub participant_sid: String,
    pub participant_identity: String,
    pub track_sid: String,
    pub egress_id: String,
    pub ingress_id: String,
    pub synthetic: bool,
}

/// One session in full.
#[derive(Debug, Clone, PartialEq)]
pub struct SessionView {
    pub summary: SessionSummary,
    /// By identity.
    pub participants: Vec<ParticipantView>,
    /// By publishing time, then track sid.
    pub tracks: Vec<TrackView>,
    pub egresses: Vec<MediaJobView>,
    pub ingresses: Vec<MediaJobView>,
    /// By time, then type; all of the session's events.
    pub events: Vec<TimelineEvent>,
    pub quality: QualitySummary,
}

/// One participant (identity) of one session, with its tracks.
#[derive(Debug, Clone, PartialEq)]
pub struct ParticipantDetail {
    pub session: SessionSummary,
    pub participant: ParticipantView,
    /// The tracks it published.
    pub tracks: Vec<TrackView>,
    /// Its events, in order.
    pub events: Vec<TimelineEvent>,
}

/// Whose time series: one track of a session, or everything of one participant (identity).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum SeriesSubject {
    Track { room_sid: String, track_sid: String },
    Participant { room_sid: String, identity: String },
}

/// A time series request: the subject's stats in `[from_ms, before_ms)` (by default the
/// session's life), in at most `points` buckets of equal length (whole seconds).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SeriesRequest {
    pub subject: SeriesSubject,
    pub from_ms: Option<i64>,
    pub before_ms: Option<i64>,
    pub points: u32,
}

/// One bucket of a series; a value is `None` when no stat of the bucket carried it.
#[derive(Debug, Clone, Copy, PartialEq, Default)]
pub struct SeriesPoint {
    /// The bucket's start.
    pub at_ms: i64,
    pub score: Option<f64>,
    /// For a track: its streams' mean bitrate (bytes × 8 over the time the stats cover); for
    /// a participant: its streams' bitrates added up (see `query::series`).
    pub bitrate_bps: Option<f64>,
    pub packet_loss_pct: Option<f64>,
    /// Mean of the streams' `jitter` (milliseconds as LiveKit reports it).
    pub jitter_ms: Option<f64>,
    /// Mean of the streams' `rtt` (milliseconds).
    pub rtt_ms: Option<f64>,
    /// Frames per second, per stream for a track, added up for a participant.
    pub frames_per_second: Option<f64>,
}

/// A downsampled series: buckets of `bucket_ms`, only those with stats, in time order.
#[derive(Debug, Clone, PartialEq)]
pub struct Series {
    pub from_ms: i64,
    pub before_ms: i64,
    pub bucket_ms: i64,
    /// From the stats LiveKit sent.
    pub points: Vec<SeriesPoint>,
    /// From the stats the participants' browsers reported (`POST /v1/client/stats`), on the
    /// same buckets.
    pub client_points: Vec<SeriesPoint>,
}

/// One UTC day of an overview.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OverviewDay {
    /// Midnight UTC starting the day.
    pub day_ms: i64,
    pub sessions: u64,
    pub unique_participants: u64,
    pub bandwidth_in: i64,
    pub bandwidth_out: i64,
}

/// How many connections of a range had each value (an SDK, an OS, a browser), most first.
pub type Breakdown = Vec<(String, u64)>;

/// A range at a glance.
#[derive(Debug, Clone, PartialEq)]
pub struct Overview {
    pub from_ms: i64,
    pub before_ms: i64,
    /// Sessions created in the range.
    pub sessions: u64,
    /// Distinct identities that opened a connection in the range.
    pub unique_participants: u64,
    /// Connection time within the range, in whole minutes rounded up.
    pub participant_minutes: u64,
    pub bandwidth_in: i64,
    pub bandwidth_out: i64,
    /// Every UTC day the range touches, oldest first.
    pub days: Vec<OverviewDay>,
    /// Rooms open now (no end stored).
    pub active_rooms: u64,
    /// Connections open now (no close stored, room not ended).
    pub active_participants: u64,
    pub sdks: Breakdown,
    pub operating_systems: Breakdown,
    pub browsers: Breakdown,
}
