//! A simulated LiveKit session, generated ahead of time as a list of steps in simulated
//! time: the events and coalesced stats LiveKit's analytics client would send, with the
//! fields LiveKit puts on each event type.

mod entities;
mod room;
mod stats;

use std::time::{Duration, SystemTime};

use livekit_protocol::{AnalyticsEvent, AnalyticsStat};
use pbjson_types::Timestamp;
use rand::{rngs::StdRng, SeedableRng};

pub use stats::STAT_WINDOW_SECONDS;

/// What to simulate.
#[derive(Debug, Clone)]
pub struct ScenarioSettings {
    pub rooms: usize,
    /// Participants per room.
    pub participants: usize,
    /// Simulated length of the session.
    pub duration: Duration,
    /// Simulated time of the session's start.
    pub start: SystemTime,
    /// The LiveKit node that reports everything.
    pub node_id: String,
    /// Seed of the ids, scores and packet counts; the same settings give the same session.
    pub seed: u64,
}

impl ScenarioSettings {
    /// What the session's room, participant and track sids carry, so that two sessions of
    /// different seeds never share an id.
    pub fn sid_tag(&self) -> String {
        format!("{:X}", self.seed)
    }

    /// The simulated time from the first step to the last: `duration`, at least 20 s.
    pub fn simulated_length(&self) -> Duration {
        self.duration.max(Duration::from_secs(20))
    }
}

/// Events or stats sent together.
#[derive(Debug, Clone, PartialEq)]
pub enum Payload {
    Events(Vec<AnalyticsEvent>),
    Stats(Vec<AnalyticsStat>),
}

impl Payload {
    /// Number of records in the payload.
    pub fn len(&self) -> usize {
        match self {
            Payload::Events(events) => events.len(),
            Payload::Stats(stats) => stats.len(),
        }
    }

    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }
}

/// What is sent at one moment of simulated time.
#[derive(Debug, Clone, PartialEq)]
pub struct Step {
    /// Simulated time since the session's start.
    pub at: Duration,
    pub payload: Payload,
}

/// A whole simulated session, in time order.
#[derive(Debug, Clone, Default)]
pub struct Session {
    pub steps: Vec<Step>,
}

impl Session {
    /// Generates the session `settings` describe.
    pub fn generate(settings: &ScenarioSettings) -> Session {
        let mut timeline = Timeline::new(settings.start);
        let mut rng = StdRng::seed_from_u64(settings.seed);
        let plan = room::RoomPlan::for_session(settings);
        for index in 0..settings.rooms {
            plan.generate(index, &mut timeline, &mut rng);
        }
        timeline.into_session()
    }

    /// Every event, in sending order.
    pub fn events(&self) -> impl Iterator<Item = &AnalyticsEvent> {
        self.steps.iter().flat_map(|step| match &step.payload {
            Payload::Events(events) => events.as_slice(),
            Payload::Stats(_) => &[],
        })
    }

    /// Every stat, in sending order.
    pub fn stats(&self) -> impl Iterator<Item = &AnalyticsStat> {
        self.steps.iter().flat_map(|step| match &step.payload {
            Payload::Stats(stats) => stats.as_slice(),
            Payload::Events(_) => &[],
        })
    }

    /// Records in the session.
    pub fn record_count(&self) -> usize {
        self.steps.iter().map(|step| step.payload.len()).sum()
    }
}

/// One event or stat at a point of simulated time.
enum Item {
    Event(Box<AnalyticsEvent>),
    Stat(Box<AnalyticsStat>),
}

/// Collects items at simulated times, then orders and groups them into steps.
pub(crate) struct Timeline {
    start: SystemTime,
    items: Vec<(Duration, u64, Item)>,
    sequence: u64,
}

impl Timeline {
    fn new(start: SystemTime) -> Timeline {
        Timeline {
            start,
            items: Vec::new(),
            sequence: 0,
        }
    }

    /// The timestamp of `at` seconds after the start. Each call adds its own sequence
    /// number in nanoseconds, so no two records share a timestamp (record ids include it).
    fn timestamp(&mut self, at: f64) -> Timestamp {
        self.sequence += 1;
        let offset = Duration::from_millis((at.max(0.0) * 1000.0) as u64)
            + Duration::from_nanos(self.sequence % 1_000_000);
        timestamp_of(self.start + offset)
    }

    /// Adds `event` at `at` seconds, with an id and (unless it has one) a timestamp.
    fn event(&mut self, at: f64, mut event: AnalyticsEvent) {
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
    fn stat(&mut self, at: f64, stat: AnalyticsStat) {
        self.sequence += 1;
        self.items
            .push((seconds(at), self.sequence, Item::Stat(Box::new(stat))));
    }

    /// Orders the items by time and groups neighbours of the same kind at the same time.
    fn into_session(mut self) -> Session {
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

fn unix_seconds(time: SystemTime) -> i64 {
    time.duration_since(SystemTime::UNIX_EPOCH)
        .map(|d| d.as_secs() as i64)
        .unwrap_or_default()
}

#[cfg(test)]
mod tests;
