//! What one stored stat adds to the sums the read API asks for ([`StatsTotals`],
//! [`StatsBucket`], a day's bytes): its score when it has one above 0, and the sums over
//! its `streams[]`, as the SQL sinks count them.

use analytics_core::query::{StatsBucket, StatsTotals};
use serde_json::Value;

use crate::stored_fields::{at, float, integer, millis_of};

/// The fields of `stats` these sums read, for a `find` projection.
pub const STAT_FIELDS: [&str; 16] = [
    "client_reported",
    "room_id",
    "participant_id",
    "track_id",
    "kind",
    "time_stamp",
    "score",
    "min_score",
    "streams.primary_bytes",
    "streams.primary_packets",
    "streams.packets_lost",
    "streams.frames",
    "streams.jitter",
    "streams.rtt",
    "streams.start_time",
    "streams.end_time",
];

/// Whether a browser reported the stat (`POST /v1/client/stats`) rather than LiveKit.
pub fn client_reported(stat: &Value) -> bool {
    stat.get("client_reported").and_then(Value::as_bool) == Some(true)
}

fn streams(stat: &Value) -> impl Iterator<Item = &Value> {
    at(stat, &["streams"])
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
}

/// The sum of the integer `field` over the stat's streams.
pub fn streams_sum(stat: &Value, field: &str) -> i64 {
    streams(stat)
        .filter_map(|stream| integer(stream.get(field)))
        .sum()
}

/// A score as the float32 LiveKit made it (what the SQL sinks store and sum): a document
/// holds its shortest decimal form (4.3), which as a double is not the float32's value.
fn score_at(stat: &Value, field: &str) -> Option<f64> {
    float(stat.get(field)).map(|score| f64::from(score as f32))
}

/// The stat's score and its lowest score (`min_score` above 0, else `score`), when its
/// score is above 0.
fn scored(stat: &Value) -> Option<(f64, f64)> {
    let score = score_at(stat, "score").filter(|score| *score > 0.0)?;
    let lowest = score_at(stat, "min_score")
        .filter(|min| *min > 0.0)
        .unwrap_or(score);
    Some((score, lowest))
}

/// The count and sum of the float `field` over the streams where it is above 0.
fn positive_sum(stat: &Value, field: &str) -> (u64, f64) {
    streams(stat)
        .filter_map(|stream| float(stream.get(field)))
        .filter(|value| *value > 0.0)
        .fold((0, 0.0), |(count, sum), value| (count + 1, sum + value))
}

/// A stream time as unix milliseconds, when it has its seconds (the SQL sinks' `NULL`
/// otherwise).
fn stream_millis(stream: &Value, field: &str) -> Option<i64> {
    let time = stream.get(field)?;
    integer(time.get("seconds"))?;
    Some(millis_of(Some(time)))
}

/// The time the stat covers: its longest stream's `end_time - start_time` (of the streams
/// with both), milliseconds, 0 when none or negative.
pub fn covered_ms(stat: &Value) -> i64 {
    streams(stat)
        .filter_map(|stream| {
            Some(stream_millis(stream, "end_time")? - stream_millis(stream, "start_time")?)
        })
        .max()
        .unwrap_or(0)
        .max(0)
}

/// Adds one stat to the totals of its participant, track and direction.
pub fn add_to_totals(totals: &mut StatsTotals, stat: &Value) {
    if let Some((score, lowest)) = scored(stat) {
        totals.scored += 1;
        totals.score_sum += score;
        totals.min_score = Some(totals.min_score.map_or(lowest, |min| min.min(lowest)));
    }
    totals.bytes += streams_sum(stat, "primary_bytes");
    totals.packets += streams_sum(stat, "primary_packets");
    totals.packets_lost += streams_sum(stat, "packets_lost");
}

/// Adds one stat to the sums of its bucket.
pub fn add_to_bucket(bucket: &mut StatsBucket, stat: &Value) {
    if let Some((score, _)) = scored(stat) {
        bucket.scored += 1;
        bucket.score_sum += score;
    }
    bucket.bytes += streams_sum(stat, "primary_bytes");
    bucket.packets += streams_sum(stat, "primary_packets");
    bucket.packets_lost += streams_sum(stat, "packets_lost");
    bucket.frames += streams_sum(stat, "frames");
    let (jitter_count, jitter_sum) = positive_sum(stat, "jitter");
    bucket.jitter_count += jitter_count;
    bucket.jitter_sum += jitter_sum;
    let (rtt_count, rtt_sum) = positive_sum(stat, "rtt");
    bucket.rtt_count += rtt_count;
    bucket.rtt_sum += rtt_sum;
    let covered = covered_ms(stat);
    if covered > 0 {
        bucket.covered_ms += covered;
        bucket.covered_stats += 1;
    }
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    fn stat() -> Value {
        json!({
            "kind": "UPSTREAM",
            "score": 4.5,
            "min_score": 3.5,
            "streams": [
                { "primary_bytes": 1000, "primary_packets": 10, "packets_lost": 1, "frames": 30,
                  "jitter": 4, "rtt": 20,
                  "start_time": { "seconds": 100 }, "end_time": { "seconds": 110 } },
                { "primary_bytes": 500.0, "primary_packets": 5, "frames": 15,
                  "start_time": { "seconds": 100, "nanos": 500_000_000 },
                  "end_time": { "seconds": 130 } },
            ],
        })
    }

    #[test]
    fn totals_sum_the_streams_and_score_only_scored_stats() {
        let mut totals = StatsTotals::default();
        add_to_totals(&mut totals, &stat());
        add_to_totals(
            &mut totals,
            &json!({ "score": 0.0, "streams": [{ "primary_bytes": 1 }] }),
        );
        add_to_totals(&mut totals, &json!({ "score": 3.0 }));
        assert_eq!(totals.scored, 2);
        assert_eq!(totals.score_sum, 7.5);
        assert_eq!(totals.min_score, Some(3.0));
        assert_eq!(
            (totals.bytes, totals.packets, totals.packets_lost),
            (1501, 15, 1)
        );
    }

    #[test]
    fn a_bucket_counts_positive_jitter_and_rtt_and_the_longest_stream() {
        let mut bucket = StatsBucket::default();
        add_to_bucket(&mut bucket, &stat());
        assert_eq!((bucket.scored, bucket.score_sum), (1, 4.5));
        assert_eq!(bucket.frames, 45);
        assert_eq!((bucket.jitter_count, bucket.jitter_sum), (1, 4.0));
        assert_eq!((bucket.rtt_count, bucket.rtt_sum), (1, 20.0));
        assert_eq!(bucket.covered_ms, 29_500);
    }

    #[test]
    fn a_stat_without_stream_times_covers_nothing() {
        assert_eq!(covered_ms(&json!({ "score": 4.0 })), 0);
        let no_start = json!({ "streams": [{ "end_time": { "seconds": 100 } }] });
        assert_eq!(covered_ms(&no_start), 0);
    }

    #[test]
    fn scores_are_read_as_the_float32_they_were() {
        let mut totals = StatsTotals::default();
        add_to_totals(&mut totals, &json!({ "score": 4.3 }));
        assert_eq!(totals.score_sum, f64::from(4.3_f32));
        assert_eq!(totals.min_score, Some(f64::from(4.3_f32)));
    }
}
