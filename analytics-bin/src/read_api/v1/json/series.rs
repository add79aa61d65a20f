//! A downsampled time series (`.../series`): buckets of `bucket_seconds`, only those with
//! stats, each value `null` when no stat of the bucket carried it.

use analytics_core::query::{Series, SeriesPoint};
use serde::Serialize;

use super::rfc3339;

/// The series of a track or of a participant.
#[derive(Debug, Serialize)]
pub struct SeriesJson {
    from: String,
    to: String,
    bucket_seconds: i64,
    /// From LiveKit's stats.
    points: Vec<PointJson>,
    /// From the stats browsers reported (`POST /v1/client/stats`).
    client_points: Vec<PointJson>,
}

impl From<&Series> for SeriesJson {
    fn from(series: &Series) -> SeriesJson {
        SeriesJson {
            from: rfc3339(series.from_ms),
            to: rfc3339(series.before_ms),
            bucket_seconds: series.bucket_ms / 1000,
            points: series.points.iter().map(PointJson::from).collect(),
            client_points: series.client_points.iter().map(PointJson::from).collect(),
        }
    }
}

/// One bucket, at its start.
#[derive(Debug, Serialize)]
struct PointJson {
    at: String,
    score: Option<f64>,
    bitrate_bps: Option<f64>,
    packet_loss_pct: Option<f64>,
    jitter_ms: Option<f64>,
    rtt_ms: Option<f64>,
    fps: Option<f64>,
}

impl From<&SeriesPoint> for PointJson {
    fn from(point: &SeriesPoint) -> PointJson {
        PointJson {
            at: rfc3339(point.at_ms),
            score: point.score,
            bitrate_bps: point.bitrate_bps,
            packet_loss_pct: point.packet_loss_pct,
            jitter_ms: point.jitter_ms,
            rtt_ms: point.rtt_ms,
            fps: point.frames_per_second,
        }
    }
}
