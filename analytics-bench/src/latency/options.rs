//! The options of `analytics-bench latency`.

use std::time::Duration;

use clap::Args;

/// The sinks a latency run can write to.
const SINKS: [&str; 5] = ["sqlite", "postgres", "redis", "mongo", "null"];

/// End-to-end latency, from the service's acceptance of a record to its sink reporting it
/// stored, at a steady rate, once per `--intervals` value.
#[derive(Debug, Args)]
pub struct LatencyOptions {
    /// The service's one sink: `sqlite` (needs no server), `postgres`, `redis`, `mongo` or
    /// `null` (discards: the interval's wait alone).
    #[arg(long, visible_alias = "latency-sink", default_value = "sqlite")]
    pub sink: String,
    /// Records per second sent.
    #[arg(long, default_value_t = 2_000)]
    pub rate: usize,
    /// Records per gRPC message (one message per request).
    #[arg(long, default_value_t = 20)]
    pub batch: usize,
    /// How long records are sent, seconds.
    #[arg(long, default_value_t = 20)]
    pub seconds: usize,
    /// `openvidu.analytics.interval` of each measurement, comma-separated: `default` (left
    /// out of the configuration: the service's own) or a duration as the configuration
    /// takes it (`1s`, `500ms`).
    #[arg(long, value_delimiter = ',', default_value = "default,1s")]
    pub intervals: Vec<String>,
    /// How often the service's written counter is read, milliseconds.
    #[arg(long, default_value_t = 5)]
    pub poll_ms: u64,
    /// Use target/release/livekit-analytics as it is, without `cargo build --release` first.
    #[arg(long)]
    pub no_build: bool,
}

impl LatencyOptions {
    /// An error for a value the measurement cannot use.
    pub fn check(&self) -> Result<(), String> {
        if !SINKS.contains(&self.sink.as_str()) {
            return Err(format!(
                "--sink {}: expected one of {}",
                self.sink,
                SINKS.join(", ")
            ));
        }
        if self.rate == 0 || self.batch == 0 || self.seconds == 0 || self.poll_ms == 0 {
            return Err("--rate, --batch, --seconds and --poll-ms must be at least 1".into());
        }
        if self.intervals.is_empty() {
            return Err("--intervals names no interval".into());
        }
        self.parsed_intervals().map(|_| ())
    }

    /// The `--intervals` entries.
    pub fn parsed_intervals(&self) -> Result<Vec<Interval>, String> {
        self.intervals
            .iter()
            .map(|interval| Interval::parse(interval))
            .collect()
    }

    /// Records sent per measurement.
    pub fn records(&self) -> usize {
        self.rate * self.seconds
    }

    pub fn poll(&self) -> Duration {
        Duration::from_millis(self.poll_ms)
    }
}

/// One `--intervals` entry.
#[derive(Debug, Clone, PartialEq)]
pub struct Interval {
    /// The configuration's `interval` value; `None` leaves the service's default.
    pub setting: Option<String>,
    /// How long records may wait in the queue.
    pub length: Duration,
}

impl Interval {
    /// `default` (the service's own interval) or a whole number of `ms`, `s` or `m`.
    pub fn parse(interval: &str) -> Result<Interval, String> {
        if interval == "default" {
            return Ok(Interval {
                setting: None,
                length: analytics_core::AnalyticsConfig::default().interval,
            });
        }
        let digits = interval.trim_end_matches(|c: char| c.is_ascii_alphabetic());
        let count: Option<u64> = digits
            .chars()
            .all(|c| c.is_ascii_digit())
            .then(|| digits.parse().ok())
            .flatten();
        let length = match (count, &interval[digits.len()..]) {
            (Some(count), "ms") => Duration::from_millis(count),
            (Some(count), "s") => Duration::from_secs(count),
            (Some(count), "m") => Duration::from_secs(count * 60),
            _ => {
                return Err(format!(
                    "--intervals {interval}: expected `default` or a whole number of ms, s or m"
                ))
            }
        };
        Ok(Interval {
            setting: Some(interval.to_owned()),
            length,
        })
    }

    /// As printed: the value, in seconds when whole.
    pub fn label(&self) -> String {
        if self.length.subsec_millis() == 0 {
            format!("{}s", self.length.as_secs())
        } else {
            format!("{}ms", self.length.as_millis())
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn intervals_are_default_or_a_whole_duration() {
        let default = Interval::parse("default").unwrap();
        assert_eq!(default.setting, None);
        assert_eq!(
            default.length,
            Duration::from_secs(10),
            "the service's default"
        );
        assert_eq!(default.label(), "10s");
        let one = Interval::parse("1s").unwrap();
        assert_eq!(one.setting.as_deref(), Some("1s"));
        assert_eq!(one.length, Duration::from_secs(1));
        assert_eq!(Interval::parse("250ms").unwrap().label(), "250ms");
        assert_eq!(Interval::parse("2m").unwrap().label(), "120s");
        for bad in [
            "",
            "s",
            "1",
            "1.5s",
            "1h",
            "1s\n    sinks: {}",
            "-1s",
            "+1s",
        ] {
            assert!(Interval::parse(bad).is_err(), "{bad:?}");
        }
    }
}
