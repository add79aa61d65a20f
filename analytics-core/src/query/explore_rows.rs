//! The rows a query sink reads from its storage for the richer read API
//! ([`super::SessionRows`]'s explore lookups): plain values, the same whichever database
//! they come from.

/// One stored event of a room, any type, with its document.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StoredEvent {
    pub type_name: String,
    pub timestamp_ms: i64,
    pub participant_sid: String,
    pub participant_identity: String,
    pub track_sid: String,
    pub egress_id: String,
    pub ingress_id: String,
    /// The stored document, JSON text (openvidu's event format, plus `"synthetic": true` on
    /// the fixer's closes).
    pub document: String,
}

/// The sums of a room's stats of one participant sid, one track and one direction.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct StatsTotals {
    pub participant_sid: String,
    pub track_sid: String,
    /// `UPSTREAM` or `DOWNSTREAM`.
    pub kind: String,
    /// Stats with a score above 0.
    pub scored: u64,
    /// The sum of those scores.
    pub score_sum: f64,
    /// The lowest `min_score` above 0 (or `score` when it has none) of them.
    pub min_score: Option<f64>,
    /// Sums over the stats' `streams[]`.
    pub bytes: i64,
    pub packets: i64,
    pub packets_lost: i64,
}

/// Which stats a series is built from: a room's, of these participant sids (all when
/// empty) and this track (any when `None`), in `[from_ms, before_ms)`, grouped in buckets
/// of `bucket_ms` counted from `from_ms`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BucketQuery {
    pub room_sid: String,
    pub participant_sids: Vec<String>,
    pub track_sid: Option<String>,
    pub from_ms: i64,
    pub before_ms: i64,
    pub bucket_ms: i64,
}

/// The sums of one bucket's stats (all directions together).
#[derive(Debug, Clone, PartialEq, Default)]
pub struct StatsBucket {
    /// `from_ms + n × bucket_ms`.
    pub bucket_start_ms: i64,
    pub scored: u64,
    pub score_sum: f64,
    /// Sums over the stats' `streams[]`.
    pub bytes: i64,
    pub packets: i64,
    pub packets_lost: i64,
    pub frames: i64,
    /// Streams with a `jitter` above 0, and the sum of those.
    pub jitter_count: u64,
    pub jitter_sum: f64,
    /// Streams with an `rtt` above 0, and the sum of those.
    pub rtt_count: u64,
    pub rtt_sum: f64,
    /// The time the bucket's stats cover: the sum over its stats of each stat's longest
    /// stream's `end_time - start_time`, in milliseconds (streams lacking either time count
    /// nothing).
    pub covered_ms: i64,
    /// The stats that count in `covered_ms` (`covered_ms / covered_stats` is the mean
    /// length of one stat's interval).
    pub covered_stats: u64,
    /// Whether the bucket sums stats a browser reported (`POST /v1/client/stats`) rather
    /// than LiveKit's: the two are bucketed apart.
    pub client_reported: bool,
}

/// One participant connection opened (`PARTICIPANT_ACTIVE`, or `PARTICIPANT_JOINED` when
/// no active is stored) in a range, for an overview.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct OpenedConnection {
    pub room_sid: String,
    pub participant_sid: String,
    pub identity: String,
    pub joined_at_ms: i64,
    /// Its close, or its room's end; `None` while open.
    pub left_at_ms: Option<i64>,
    /// `client_info.sdk`, `.os`, `.browser` as stored.
    pub sdk: String,
    pub os: String,
    pub browser: String,
}

/// Bytes of one UTC day's stats in one direction.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DailyTraffic {
    /// Midnight UTC starting the day.
    pub day_ms: i64,
    /// `UPSTREAM` or `DOWNSTREAM`.
    pub kind: String,
    pub bytes: i64,
}

/// What is open now.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct OpenNow {
    pub rooms: u64,
    pub participants: u64,
}
