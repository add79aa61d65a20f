//! The heart of livekit-analytics: the record model (LiveKit messages turned into the stored
//! openvidu document), the [`Sink`] contract every destination implements, the sink registry,
//! the [`AnalyticsSender`] pipeline (bounded queues, batching, retries, shutdown), the
//! active-entities fixer shared by every sink, the configuration read from a LiveKit
//! `config.yaml`, and the sink compliance suite (feature `testkit`).

pub mod active_entities;
mod capabilities;
pub mod client_stat;
pub mod config;
#[cfg(test)]
mod conversion_tests;
mod descriptors;
pub mod disk_buffer;
pub mod document;
mod document_plan;
pub mod fixer;
mod json_text;
pub mod livekit_helper;
pub mod metrics;
pub mod pipeline;
pub mod query;
pub mod record;
pub mod record_id;
pub mod record_wire;
pub mod registry;
#[cfg(any(test, feature = "testkit"))]
pub mod samples;
pub mod sender;
pub mod shared_log;
pub mod sink;
mod sink_error;
mod stat_columns;
pub mod stat_traffic;
#[cfg(feature = "testkit")]
pub mod testkit;
pub mod turns;
mod wire;
#[cfg(test)]
mod wire_conversion_tests;
pub mod write_order;

pub use active_entities::{net_active_entity_changes, ActiveEntityChanges};
pub use capabilities::Capabilities;
pub use config::{AnalyticsConfig, BufferConfig, LivekitConfig, RedisConfig, WhenFull};
pub use livekit_helper::{ActiveEntities, LivekitHelper, LivekitHelperError};
pub use metrics::Metrics;
pub use pipeline::{Admission, Pipeline, PipelineSummary};
pub use record::{ActiveChange, Batch, Entity, Record, RecordKind};
pub use registry::{SinkContext, SinkFactory};
pub use sender::AnalyticsSender;
pub use shared_log::{SharedLog, SharedLogRefusal};
pub use sink::{RetryClass, Sink, SinkError};

/// The sample session's records, for the crate's own tests.
#[cfg(test)]
pub(crate) fn testkit_records(start: std::time::SystemTime) -> Vec<Record> {
    let expiration = std::time::Duration::from_secs(3600);
    samples::session_events(start)
        .into_iter()
        .map(|e| Record::from_event(e, expiration, start))
        .chain(
            samples::session_stats(start)
                .into_iter()
                .map(|s| Record::from_stat(s, expiration, start)),
        )
        .collect::<Result<_, _>>()
        .expect("samples convert")
}

/// Re-exported so sink crates register with the same `inventory` version as the core.
pub use inventory;
/// Re-exported so sink crates and tests name exactly the protocol types the core converts.
pub use livekit_protocol;
