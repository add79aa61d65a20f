//! [`Session`]: a generated session as steps of events or stats in simulated time.

use std::time::Duration;

use livekit_protocol::{AnalyticsEvent, AnalyticsStat};

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
