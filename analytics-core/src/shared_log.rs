//! [`SharedLog`]: a log outside the process that several instances share (NATS JetStream,
//! crate `buffer-nats`). With one attached, the [`crate::Pipeline`] publishes admitted
//! records to it instead of its local queues, and answers only once the log has stored
//! them; the writers that consume it live beside the log's implementation.

use async_trait::async_trait;

use crate::record::Record;

/// Why a shared log did not take a request's records. Some may have been stored: the
/// client's retry re-publishes them under the same record ids, which the log stores once.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum SharedLogRefusal {
    /// The log is at its bound (e.g. the stream's `max_bytes`) until writers catch up.
    #[error("the shared log is full: {0}")]
    Full(String),
    /// The log could not be reached or did not acknowledge in time.
    #[error("the shared log is unavailable: {0}")]
    Unavailable(String),
}

/// Where ingest puts records when the buffer is shared.
#[async_trait]
pub trait SharedLog: Send + Sync {
    /// Stores every record durably (each under its id, so a re-published record is stored
    /// once) and returns once the log acknowledged all of them.
    async fn publish(&self, records: &[Record]) -> Result<(), SharedLogRefusal>;

    /// A short description for logs (`nats stream LIVEKIT_ANALYTICS`).
    fn describe(&self) -> String;
}

#[cfg(test)]
mod tests {
    use std::{
        sync::{Arc, Mutex},
        time::SystemTime,
    };

    use super::*;
    use crate::{pipeline::Admission, AnalyticsConfig, Metrics, Pipeline};

    /// Takes records, or refuses with the refusal it holds.
    #[derive(Default)]
    struct FakeLog {
        published: Mutex<Vec<String>>,
        refusal: Mutex<Option<SharedLogRefusal>>,
    }

    #[async_trait]
    impl SharedLog for FakeLog {
        async fn publish(&self, records: &[Record]) -> Result<(), SharedLogRefusal> {
            if let Some(refusal) = self.refusal.lock().expect("lock").clone() {
                return Err(refusal);
            }
            let mut published = self.published.lock().expect("lock");
            published.extend(records.iter().map(|r| r.id.clone()));
            Ok(())
        }

        fn describe(&self) -> String {
            "fake".into()
        }
    }

    #[tokio::test]
    async fn an_attached_shared_log_takes_every_admission_and_its_refusals_are_counted() {
        let metrics = Arc::new(Metrics::new());
        let pipeline = Pipeline::start(Vec::new(), &AnalyticsConfig::default(), metrics.clone());
        let log = Arc::new(FakeLog::default());
        assert!(pipeline.attach_shared_log(log.clone()));
        assert!(!pipeline.attach_shared_log(log.clone()), "attached once");
        let records = crate::testkit_records(SystemTime::now());
        let count = records.len();
        assert_eq!(
            pipeline.admit_async(records.clone(), "json").await,
            Admission::Accepted
        );
        assert_eq!(log.published.lock().expect("lock").len(), count);

        *log.refusal.lock().expect("lock") = Some(SharedLogRefusal::Full("max bytes".into()));
        let admission = pipeline.admit_async(records, "json").await;
        assert_eq!(
            admission,
            Admission::SharedLog(SharedLogRefusal::Full("max bytes".into()))
        );
        let text = metrics.encode();
        assert!(
            text.contains("reason=\"shared_log_full\"") || text.contains("reason=shared_log_full"),
            "counted: {text}"
        );
        pipeline.shutdown().await;
    }
}
