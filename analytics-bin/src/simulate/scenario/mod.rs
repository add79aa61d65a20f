//! A simulated LiveKit session, generated ahead of time as a list of steps in simulated
//! time: the events and coalesced stats LiveKit's analytics client would send, with the
//! fields LiveKit puts on each event type.

mod entities;
mod room;
mod session;
mod settings;
mod stats;
mod timeline;

use rand::{rngs::StdRng, SeedableRng};

pub use session::{Payload, Session, Step};
pub use settings::ScenarioSettings;
pub use stats::STAT_WINDOW_SECONDS;

use self::timeline::Timeline;

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
}

#[cfg(test)]
mod tests;
