//! The closing summary of a simulation: records delivered per kind and event type, the
//! rate, and the errors.

use std::{collections::BTreeMap, fmt, time::Duration};

use analytics_core::record_id::event_type_name;

use super::delivery::{Delivered, SendError};

/// Error messages kept for the summary; the rest are only counted.
const KEPT_ERRORS: usize = 5;

#[derive(Debug, Default)]
pub struct Summary {
    pub source: String,
    pub url: String,
    pub rooms: usize,
    pub participants: usize,
    pub simulated: Duration,
    pub elapsed: Duration,
    /// Events delivered, per type name.
    pub events: BTreeMap<String, u64>,
    pub stats: u64,
    /// Failed sends, and the records they carried.
    pub errors: u64,
    pub lost: u64,
    pub error_messages: Vec<String>,
}

impl Summary {
    pub fn delivered(&mut self, delivered: Delivered) {
        for kind in delivered.event_types {
            *self.events.entry(event_type_name(kind)).or_default() += 1;
        }
        self.stats += delivered.stats as u64;
    }

    pub fn failed(&mut self, error: &SendError) {
        self.errors += 1;
        self.lost += error.lost as u64;
        if self.error_messages.len() < KEPT_ERRORS {
            self.error_messages.push(error.message.clone());
        }
    }

    pub fn events_sent(&self) -> u64 {
        self.events.values().sum()
    }

    pub fn records_sent(&self) -> u64 {
        self.events_sent() + self.stats
    }

    pub fn rate(&self) -> f64 {
        self.records_sent() as f64 / self.elapsed.as_secs_f64().max(0.001)
    }
}

impl fmt::Display for Summary {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        writeln!(
            f,
            "simulated {} rooms x {} participants, {} of LiveKit time in {:.1}s, over {} to {}",
            self.rooms,
            self.participants,
            humantime::format_duration(self.simulated),
            self.elapsed.as_secs_f64(),
            self.source,
            self.url
        )?;
        writeln!(f, "events sent: {}", self.events_sent())?;
        for (kind, count) in &self.events {
            writeln!(f, "  {kind}: {count}")?;
        }
        writeln!(f, "stats sent: {}", self.stats)?;
        writeln!(
            f,
            "records sent: {} ({:.0} records/s)",
            self.records_sent(),
            self.rate()
        )?;
        writeln!(
            f,
            "errors: {} ({} records not delivered)",
            self.errors, self.lost
        )?;
        for message in &self.error_messages {
            writeln!(f, "  {message}")?;
        }
        Ok(())
    }
}
