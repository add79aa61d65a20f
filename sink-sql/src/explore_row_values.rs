//! The rows of the explore queries ([`crate::SessionQueries`]'s `searched_rooms` ...
//! `open_now`) as the core's values, for [`crate::impl_session_rows!`].

use analytics_core::query::{OpenedConnection, StatsBucket, StatsTotals, StoredEvent};

/// A `(type, timestamp_ms, participant_sid, participant_identity, track_sid, egress_id,
/// ingress_id, document)` row.
pub type StoredEventRow = (String, i64, String, String, String, String, String, String);

pub fn stored_event(
    (
        type_name,
        timestamp_ms,
        participant_sid,
        participant_identity,
        track_sid,
        egress_id,
        ingress_id,
        document,
    ): StoredEventRow,
) -> StoredEvent {
    StoredEvent {
        type_name,
        timestamp_ms,
        participant_sid,
        participant_identity,
        track_sid,
        egress_id,
        ingress_id,
        document,
    }
}

/// A `(participant_sid, track_sid, kind, scored, score_sum, min_score, bytes, packets,
/// packets_lost)` row.
pub type StatsTotalsRow = (String, String, String, i64, f64, Option<f64>, i64, i64, i64);

pub fn stats_totals(
    (participant_sid, track_sid, kind, scored, score_sum, min_score, bytes, packets, packets_lost): StatsTotalsRow,
) -> StatsTotals {
    StatsTotals {
        participant_sid,
        track_sid,
        kind,
        scored: u64::try_from(scored).unwrap_or(0),
        score_sum,
        min_score,
        bytes,
        packets,
        packets_lost,
    }
}

/// A `(bucket_start_ms, scored, score_sum, bytes, packets, packets_lost, frames,
/// jitter_count, jitter_sum, rtt_count, rtt_sum, covered_ms, covered_stats,
/// client_reported)` row.
pub type StatsBucketRow = (
    i64,
    i64,
    f64,
    i64,
    i64,
    i64,
    i64,
    i64,
    f64,
    i64,
    f64,
    i64,
    i64,
    i64,
);

pub fn stats_bucket(
    (
        bucket_start_ms,
        scored,
        score_sum,
        bytes,
        packets,
        packets_lost,
        frames,
        jitter_count,
        jitter_sum,
        rtt_count,
        rtt_sum,
        covered_ms,
        covered_stats,
        client_reported,
    ): StatsBucketRow,
) -> StatsBucket {
    StatsBucket {
        bucket_start_ms,
        scored: u64::try_from(scored).unwrap_or(0),
        score_sum,
        bytes,
        packets,
        packets_lost,
        frames,
        jitter_count: u64::try_from(jitter_count).unwrap_or(0),
        jitter_sum,
        rtt_count: u64::try_from(rtt_count).unwrap_or(0),
        rtt_sum,
        covered_ms,
        covered_stats: u64::try_from(covered_stats).unwrap_or(0),
        client_reported: client_reported != 0,
    }
}

/// A `(room_sid, participant_sid, identity, joined_ms, closed_ms, room_ended_ms, sdk, os,
/// browser)` row.
pub type OpenedConnectionRow = (
    String,
    String,
    String,
    i64,
    Option<i64>,
    Option<i64>,
    String,
    String,
    String,
);

pub fn opened_connection(
    (room_sid, participant_sid, identity, joined_at_ms, closed, room_ended, sdk, os, browser): OpenedConnectionRow,
) -> OpenedConnection {
    OpenedConnection {
        room_sid,
        participant_sid,
        identity,
        joined_at_ms,
        left_at_ms: closed.or(room_ended),
        sdk,
        os,
        browser,
    }
}
