//! [`Timeline`]: events and stats collected at points of simulated time while a session is
//! generated, each with a sequence number of its own, then ordered and grouped into steps.

use std::time::{Duration, SystemTime};

use livekit_protocol::{AnalyticsEvent, AnalyticsStat};
use pbjson_types::Timestamp;

use super::session::{Payload, Session, Step};

/// One event or stat at a point of simulated time.
enum Item {
    Event(Box<AnalyticsEvent>),
    Stat(Box<AnalyticsStat>),
}

/// Collects items at simulated times, then orders and groups them into steps.
pub(super) struct Timeline {
    start: SystemTime,
    items: Vec<(Duration, u64, Item)>,
    sequence: u64,
}

impl Timeline {
    pub(super) fn new(start: SystemTime) -> Timeline {
        Timeline {
            start,
            items: Vec::new(),
            sequence: 0,
        }
    }

    /// The timestamp of `at` seconds after the start. Each call adds its own sequence
    /// number in nanoseconds, so no two records share a timestamp (record ids include it).
    pub(super) fn timestamp(&mut self, at: f64) -> Timestamp {
        self.sequence += 1;
        let offset = Duration::from_millis((at.max(0.0) * 1000.0) as u64)
            + Duration::from_nanos(self.sequence % 1_000_000);
        timestamp_of(self.start + offset)
    }

    /// Adds `event` at `at` seconds, with an id and (unless it has one) a timestamp.
    pub(super) fn event(&mut self, at: f64, mut event: AnalyticsEvent) {
        if event.timestamp.is_none() {
            event.timestamp = Some(self.timestamp(at));
        } else {
            self.sequence += 1;
        }
        event.id = format!("AE_SIM{:08}", self.sequence);
        self.items
            .push((seconds(at), self.sequence, Item::Event(Box::new(event))));
    }

    /// Adds `stat` at `at` seconds.
    pub(super) fn stat(&mut self, at: f64, stat: AnalyticsStat) {
        self.sequence += 1;
        self.items
            .push((seconds(at), self.sequence, Item::Stat(Box::new(stat))));
    }

    /// Orders the items by time and groups neighbours of the same kind at the same time.
    pub(super) fn into_session(mut self) -> Session {
        self.items.sort_by_key(|(at, sequence, _)| (*at, *sequence));
        let mut steps: Vec<Step> = Vec::new();
        for (at, _, item) in self.items {
            match (steps.last_mut(), item) {
                (
                    Some(Step {
                        at: last,
                        payload: Payload::Events(events),
                    }),
                    Item::Event(event),
                ) if *last == at => events.push(*event),
                (
                    Some(Step {
                        at: last,
                        payload: Payload::Stats(stats),
                    }),
                    Item::Stat(stat),
                ) if *last == at => stats.push(*stat),
                (_, Item::Event(event)) => steps.push(Step {
                    at,
                    payload: Payload::Events(vec![*event]),
                }),
                (_, Item::Stat(stat)) => steps.push(Step {
                    at,
                    payload: Payload::Stats(vec![*stat]),
                }),
            }
        }
        Session { steps }
    }
}

fn seconds(at: f64) -> Duration {
    Duration::from_millis((at.max(0.0) * 1000.0) as u64)
}

fn timestamp_of(time: SystemTime) -> Timestamp {
    analytics_core::record::timestamp_of(time)
}

pub(super) fn unix_seconds(time: SystemTime) -> i64 {
    time.duration_since(SystemTime::UNIX_EPOCH)
        .map(|d| d.as_secs() as i64)
        .unwrap_or_default()
}
