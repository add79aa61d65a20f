//! [`ScenarioSettings`]: what a simulated session is made of (rooms, participants, length,
//! start, node, seed).

use std::time::{Duration, SystemTime};

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
