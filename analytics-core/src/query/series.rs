//! Downsampled time series: the bucket length for a range and a number of points (whole
//! seconds, at least `ceil(range / points)`), and each bucket's values from its stats' sums:
//! the mean score, bits and frames per second, the lost share of packets, the mean jitter and
//! round-trip time. LiveKit's stats and those browsers reported make two series on the same
//! buckets.
//!
//! A track's rates are per stream: over the time its stats cover (its publisher's upstream
//! and each subscriber's downstream carry the same media, so their mean is the track's
//! bitrate). A participant's add up its streams: over the bucket's length, or over one
//! stat's interval when that is longer (a 26 s bucket holding a 30 s stat).

use super::{Series, SeriesPoint, StatsBucket};

/// The bucket length, in milliseconds, splitting `[from_ms, before_ms)` in at most `points`
/// buckets of whole seconds (at least one second).
pub fn bucket_ms(from_ms: i64, before_ms: i64, points: u32) -> i64 {
    let range = u64::try_from(before_ms.saturating_sub(from_ms)).unwrap_or(0);
    let per_point = range.div_ceil(u64::from(points.max(1)));
    let seconds = per_point.div_ceil(1000).max(1);
    i64::try_from(seconds * 1000).unwrap_or(i64::MAX)
}

/// How a bucket's bytes and frames become rates.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Rates {
    /// Per stream: over the time the stats cover (a track).
    PerStream,
    /// Streams added up: over the bucket (a participant).
    AddedUp,
}

/// The series of `[from_ms, before_ms)` in buckets of `bucket_ms` from `buckets` (any
/// order, only those with stats).
pub fn series_of(
    from_ms: i64,
    before_ms: i64,
    bucket_ms: i64,
    rates: Rates,
    buckets: &[StatsBucket],
) -> Series {
    let points_of = |client_reported: bool| {
        let mut points: Vec<SeriesPoint> = buckets
            .iter()
            .filter(|bucket| bucket.client_reported == client_reported)
            .map(|bucket| point_of(bucket, bucket_ms, rates))
            .collect();
        points.sort_by_key(|point| point.at_ms);
        points
    };
    Series {
        from_ms,
        before_ms,
        bucket_ms,
        points: points_of(false),
        client_points: points_of(true),
    }
}

fn point_of(bucket: &StatsBucket, bucket_ms: i64, rates: Rates) -> SeriesPoint {
    let rate_ms = match rates {
        Rates::PerStream => bucket.covered_ms,
        Rates::AddedUp if bucket.covered_stats > 0 => bucket_ms
            .max(bucket.covered_ms / i64::try_from(bucket.covered_stats).unwrap_or(i64::MAX)),
        Rates::AddedUp => 0,
    };
    let rate_seconds = rate_ms as f64 / 1000.0;
    let per_covered_second =
        |value: i64| (bucket.covered_ms > 0).then(|| value as f64 / rate_seconds);
    let mean = |sum: f64, count: u64| (count > 0).then(|| sum / count as f64);
    let sent = bucket.packets + bucket.packets_lost;
    SeriesPoint {
        at_ms: bucket.bucket_start_ms,
        score: mean(bucket.score_sum, bucket.scored),
        bitrate_bps: per_covered_second(bucket.bytes.saturating_mul(8)),
        packet_loss_pct: (sent > 0).then(|| 100.0 * bucket.packets_lost as f64 / sent as f64),
        jitter_ms: mean(bucket.jitter_sum, bucket.jitter_count),
        rtt_ms: mean(bucket.rtt_sum, bucket.rtt_count),
        frames_per_second: if bucket.frames > 0 {
            per_covered_second(bucket.frames)
        } else {
            None
        },
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn buckets_are_whole_seconds_covering_the_range_in_the_points() {
        assert_eq!(bucket_ms(0, 120_000, 120), 1_000);
        assert_eq!(bucket_ms(0, 120_001, 120), 2_000);
        assert_eq!(bucket_ms(0, 1_000, 1_000), 1_000, "at least a second");
        assert_eq!(bucket_ms(0, 600_000, 4), 150_000);
        assert_eq!(bucket_ms(0, 600_000, 0), 600_000, "zero points is one");
        assert_eq!(bucket_ms(10, 0, 5), 1_000, "an empty range");
    }

    #[test]
    fn a_bucket_has_rates_over_its_length() {
        let bucket = StatsBucket {
            bucket_start_ms: 60_000,
            scored: 2,
            score_sum: 7.0,
            bytes: 30_000,
            packets: 95,
            packets_lost: 5,
            frames: 900,
            jitter_count: 2,
            jitter_sum: 6.0,
            rtt_count: 0,
            rtt_sum: 0.0,
            covered_ms: 60_000,
            covered_stats: 2,
            client_reported: false,
        };
        let browser = StatsBucket {
            client_reported: true,
            score_sum: 4.0,
            ..bucket
        };
        let series = series_of(0, 120_000, 60_000, Rates::PerStream, &[browser, bucket]);
        assert_eq!(
            series.points.len(),
            1,
            "LiveKit's stats apart from the browsers'"
        );
        assert_eq!(series.client_points.len(), 1);
        assert_eq!(series.client_points[0].score, Some(2.0));
        let point = series.points[0];
        assert_eq!(point.at_ms, 60_000);
        assert_eq!(point.score, Some(3.5));
        assert_eq!(point.bitrate_bps, Some(4_000.0));
        assert_eq!(point.packet_loss_pct, Some(5.0));
        assert_eq!(point.jitter_ms, Some(3.0));
        assert_eq!(point.rtt_ms, None);
        assert_eq!(point.frames_per_second, Some(15.0));
    }

    #[test]
    fn a_participants_streams_add_up_and_a_stat_longer_than_its_bucket_is_spread_over_its_interval()
    {
        let two_streams = StatsBucket {
            bytes: 60_000,
            covered_ms: 120_000,
            covered_stats: 4,
            ..StatsBucket::default()
        };
        let point = series_of(0, 60_000, 60_000, Rates::AddedUp, &[two_streams]).points[0];
        assert_eq!(
            point.bitrate_bps,
            Some(8_000.0),
            "both streams' bits over 60 s"
        );
        let one_long_stat = StatsBucket {
            bytes: 30_000,
            covered_ms: 30_000,
            covered_stats: 1,
            ..StatsBucket::default()
        };
        let point = series_of(0, 26_000, 26_000, Rates::AddedUp, &[one_long_stat]).points[0];
        assert_eq!(point.bitrate_bps, Some(8_000.0), "over the stat's 30 s");
    }

    #[test]
    fn a_bucket_without_covered_time_or_frames_has_no_rates() {
        let point = series_of(0, 1, 1_000, Rates::AddedUp, &[StatsBucket::default()]).points[0];
        assert_eq!(point, SeriesPoint::default());
    }
}
