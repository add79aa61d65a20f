//! The sums over a stat's `streams[]` that the read side asks for (bytes, packets, loss,
//! frames, jitter, RTT, the time covered), taken once when the stat is converted so that a
//! query sink can keep them as columns instead of parsing every stored document at read
//! time.

use livekit_protocol::{AnalyticsStat, AnalyticsStream};
use pbjson_types::Timestamp;
use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};

/// One stat's sums over its streams.
#[derive(Debug, Clone, Copy, Default, PartialEq, Serialize, Deserialize)]
pub struct StatTraffic {
    /// Sum of `primary_bytes`.
    pub bytes: i64,
    /// Sum of `primary_packets`.
    pub packets: i64,
    pub packets_lost: i64,
    pub frames: i64,
    /// Streams with a `jitter` above 0, and the sum of those.
    pub jitter_count: i64,
    pub jitter_sum: f64,
    /// Streams with an `rtt` above 0, and the sum of those.
    pub rtt_count: i64,
    pub rtt_sum: f64,
    /// The longest stream's `end_time - start_time` (of the streams with both), in
    /// milliseconds; 0 when none.
    pub covered_ms: i64,
}

/// What one stream adds to its stat's sums.
pub(crate) struct StreamFigures<'a> {
    pub bytes: u64,
    pub packets: u32,
    pub packets_lost: u32,
    pub frames: u32,
    pub jitter: u32,
    pub rtt: u32,
    pub start: Option<&'a Timestamp>,
    pub end: Option<&'a Timestamp>,
}

/// `From<&T> for StreamFigures` for a stream type with `AnalyticsStream`'s field names: the
/// decoded message, and the columns read straight from its wire bytes.
macro_rules! stream_figures_from {
    ($stream:ty) => {
        impl<'a> From<&'a $stream> for $crate::stat_traffic::StreamFigures<'a> {
            fn from(stream: &'a $stream) -> $crate::stat_traffic::StreamFigures<'a> {
                $crate::stat_traffic::StreamFigures {
                    bytes: stream.primary_bytes,
                    packets: stream.primary_packets,
                    packets_lost: stream.packets_lost,
                    frames: stream.frames,
                    jitter: stream.jitter,
                    rtt: stream.rtt,
                    start: stream.start_time.as_ref(),
                    end: stream.end_time.as_ref(),
                }
            }
        }
    };
}
pub(crate) use stream_figures_from;

stream_figures_from!(AnalyticsStream);

impl StatTraffic {
    /// The sums of `stat`'s streams.
    pub fn of(stat: &AnalyticsStat) -> StatTraffic {
        StatTraffic::sum(stat.streams.iter().map(StreamFigures::from))
    }

    /// The sums of a stored stat document (for a record converted before the sums were
    /// kept): the same numbers [`StatTraffic::of`] takes from the message.
    pub fn of_document(document: &Map<String, Value>) -> StatTraffic {
        let streams = document.get("streams").and_then(Value::as_array);
        let streams: Vec<AnalyticsStream> = streams
            .into_iter()
            .flatten()
            .map(|stream| {
                let number = |field: &str| stream.get(field).and_then(integer).unwrap_or(0);
                AnalyticsStream {
                    primary_bytes: u64::try_from(number("primary_bytes")).unwrap_or(0),
                    primary_packets: u32::try_from(number("primary_packets")).unwrap_or(0),
                    packets_lost: u32::try_from(number("packets_lost")).unwrap_or(0),
                    frames: u32::try_from(number("frames")).unwrap_or(0),
                    jitter: u32::try_from(number("jitter")).unwrap_or(0),
                    rtt: u32::try_from(number("rtt")).unwrap_or(0),
                    start_time: stream.get("start_time").and_then(timestamp),
                    end_time: stream.get("end_time").and_then(timestamp),
                    ..Default::default()
                }
            })
            .collect();
        StatTraffic::sum(streams.iter().map(StreamFigures::from))
    }

    /// The sums of a stat's streams, and the longest span among them.
    pub(crate) fn sum<'a>(streams: impl Iterator<Item = StreamFigures<'a>>) -> StatTraffic {
        let mut traffic = StatTraffic::default();
        let mut covered: Option<i64> = None;
        for stream in streams {
            traffic.add(&stream);
            if let (Some(start), Some(end)) = (stream.start, stream.end) {
                let span = millis(end) - millis(start);
                covered = Some(covered.map_or(span, |longest| longest.max(span)));
            }
        }
        traffic.covered_ms = covered.unwrap_or(0);
        traffic
    }

    fn add(&mut self, stream: &StreamFigures<'_>) {
        self.bytes = self
            .bytes
            .saturating_add(i64::try_from(stream.bytes).unwrap_or(i64::MAX));
        self.packets += i64::from(stream.packets);
        self.packets_lost += i64::from(stream.packets_lost);
        self.frames += i64::from(stream.frames);
        if stream.jitter > 0 {
            self.jitter_count += 1;
            self.jitter_sum += f64::from(stream.jitter);
        }
        if stream.rtt > 0 {
            self.rtt_count += 1;
            self.rtt_sum += f64::from(stream.rtt);
        }
    }
}

/// A JSON integer, or a string holding one (how protobuf's JSON writes 64-bit numbers).
fn integer(value: &Value) -> Option<i64> {
    match value {
        Value::Number(number) => number.as_i64(),
        Value::String(text) => text.parse().ok(),
        _ => None,
    }
}

/// A stored `{seconds, nanos}` time, when it has its seconds.
fn timestamp(value: &Value) -> Option<Timestamp> {
    Some(Timestamp {
        seconds: value.get("seconds").and_then(integer)?,
        nanos: value
            .get("nanos")
            .and_then(integer)
            .and_then(|nanos| i32::try_from(nanos).ok())
            .unwrap_or(0),
    })
}

fn millis(time: &Timestamp) -> i64 {
    time.seconds.saturating_mul(1000) + i64::from(time.nanos / 1_000_000)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn at(seconds: i64, nanos: i32) -> Option<Timestamp> {
        Some(Timestamp { seconds, nanos })
    }

    #[test]
    fn streams_are_summed_and_the_longest_span_is_kept() {
        let stat = AnalyticsStat {
            streams: vec![
                AnalyticsStream {
                    primary_bytes: 1_000,
                    primary_packets: 10,
                    packets_lost: 1,
                    frames: 30,
                    jitter: 4,
                    rtt: 0,
                    start_time: at(100, 0),
                    end_time: at(110, 500_000_000),
                    ..Default::default()
                },
                AnalyticsStream {
                    primary_bytes: 500,
                    primary_packets: 5,
                    jitter: 6,
                    rtt: 20,
                    start_time: at(100, 0),
                    ..Default::default()
                },
            ],
            ..Default::default()
        };
        assert_eq!(
            StatTraffic::of(&stat),
            StatTraffic {
                bytes: 1_500,
                packets: 15,
                packets_lost: 1,
                frames: 30,
                jitter_count: 2,
                jitter_sum: 10.0,
                rtt_count: 1,
                rtt_sum: 20.0,
                covered_ms: 10_500,
            }
        );
        let record = crate::Record::from_stat(
            stat.clone(),
            std::time::Duration::from_secs(60),
            std::time::SystemTime::now(),
        )
        .expect("converts");
        assert_eq!(
            StatTraffic::of_document(&record.document()),
            StatTraffic::of(&stat)
        );
        assert_eq!(
            StatTraffic::of(&AnalyticsStat::default()),
            StatTraffic::default()
        );
    }
}
