//! The data every measurement of a run shares: a simulated LiveKit session as `simulate`
//! makes it (rooms, participants, tracks, egress and ingress, coalesced stats), cut to the
//! requested number of records; as the gRPC messages LiveKit would send, and as the
//! records (rows and documents) the baselines insert.

use std::time::{Duration, SystemTime};

use analytics_bin::simulate::scenario::{Payload, ScenarioSettings, Session};
use analytics_core::Record;
use livekit_protocol::{AnalyticsEvents, AnalyticsStats};

/// Participants per simulated room.
const PARTICIPANTS: usize = 8;
/// Simulated length of the session.
const DURATION: Duration = Duration::from_secs(3600);
/// Time to live of the records (as the service is configured).
pub const EXPIRATION: Duration = Duration::from_secs(3600);

/// The messages of the session, in sending order, and the same records converted.
pub struct Dataset {
    pub events: Vec<AnalyticsEvents>,
    pub stats: Vec<AnalyticsStats>,
    pub records: Vec<Record>,
    pub event_count: usize,
}

impl Dataset {
    /// A session of exactly `count` records (the last rooms' tails cut off), starting at
    /// `start`.
    pub fn generate(count: usize, start: SystemTime) -> Result<Dataset, String> {
        let settings = |rooms| ScenarioSettings {
            rooms,
            participants: PARTICIPANTS,
            duration: DURATION,
            start,
            node_id: "ND_bench".into(),
            seed: 7,
        };
        let sample = Session::generate(&settings(4)).record_count().max(1);
        let rooms = (count * 4).div_ceil(sample) + 1;
        let session = Session::generate(&settings(rooms));
        let mut left = count;
        let mut dataset = Dataset {
            events: Vec::new(),
            stats: Vec::new(),
            records: Vec::with_capacity(count),
            event_count: 0,
        };
        for step in session.steps {
            if left == 0 {
                break;
            }
            match step.payload {
                Payload::Events(mut events) => {
                    events.truncate(left);
                    left -= events.len();
                    dataset.event_count += events.len();
                    for event in &events {
                        let record = Record::from_event(event.clone(), EXPIRATION, start)
                            .map_err(|error| format!("simulated event: {error}"))?;
                        dataset.records.push(record);
                    }
                    dataset.events.push(AnalyticsEvents { events });
                }
                Payload::Stats(mut stats) => {
                    stats.truncate(left);
                    left -= stats.len();
                    for stat in &stats {
                        let record = Record::from_stat(stat.clone(), EXPIRATION, start)
                            .map_err(|error| format!("simulated stat: {error}"))?;
                        dataset.records.push(record);
                    }
                    dataset.stats.push(AnalyticsStats { stats });
                }
            }
        }
        if left > 0 {
            return Err(format!(
                "the simulated session has {} records, {count} asked",
                count - left
            ));
        }
        Ok(dataset)
    }

    pub fn len(&self) -> usize {
        self.records.len()
    }

    /// A one-line description: how many events, stats and messages, and document sizes.
    pub fn describe(&self) -> String {
        let bytes: usize = self.records.iter().map(|r| r.document_json.len()).sum();
        format!(
            "{} records ({} events, {} stats) in {} event and {} stat messages, documents {} bytes on average",
            self.len(),
            self.event_count,
            self.len() - self.event_count,
            self.events.len(),
            self.stats.len(),
            bytes / self.len().max(1)
        )
    }
}
