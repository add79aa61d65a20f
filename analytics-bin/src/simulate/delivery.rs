//! What a transport of `simulate` reports: the records delivered, and errors that either end
//! the run (the stream or the connection is gone) or do not.

use super::scenario::Payload;

/// Records the service accepted (or, on a stream, that were written to it).
#[derive(Debug, Default)]
pub struct Delivered {
    /// Event type numbers, one per event.
    pub event_types: Vec<i32>,
    pub stats: usize,
}

impl Delivered {
    pub fn of(payload: &Payload) -> Delivered {
        match payload {
            Payload::Events(events) => Delivered {
                event_types: events.iter().map(|event| event.r#type).collect(),
                stats: 0,
            },
            Payload::Stats(stats) => Delivered {
                event_types: Vec::new(),
                stats: stats.len(),
            },
        }
    }

    /// Records delivered.
    pub fn count(&self) -> usize {
        self.event_types.len() + self.stats
    }
}

/// A failed send.
#[derive(Debug)]
pub struct SendError {
    pub message: String,
    /// Records that were not delivered.
    pub lost: usize,
    /// Whether sending can go on.
    pub fatal: bool,
}
