//! The NATS JetStream buffer of livekit-analytics (`openvidu.analytics.buffer.nats`): one
//! stream shared by every instance, so that ingest and writing scale out separately and a
//! record accepted by one instance survives the loss of that instance's disk.
//!
//! - Ingest ([`JetStreamLog`], a [`analytics_core::SharedLog`]) publishes each accepted
//!   record with its id as `Nats-Msg-Id` (JetStream stores a re-published id once within
//!   the duplicate window) and answers 2xx only once JetStream acknowledged every record;
//!   a full stream or an unreachable cluster is a 503 / RESOURCE_EXHAUSTED.
//! - Writers ([`writer`]) pull from one durable consumer per sink, shared by every writer
//!   instance (JetStream splits the messages between them), and acknowledge a message only
//!   once the sink stored it; a retryable failure is redelivered with backoff (a nak with a
//!   delay), a record the sink refuses is reported, counted and acknowledged.
//!
//! A crate of its own so that analytics-core (and a build without feature `nats`) does not
//! pull in the NATS client.

mod connect;
mod error;
mod payload;
mod publisher;
mod redelivery;
mod setup;
mod stream;
pub mod writer;

use std::{sync::Arc, time::Duration};

use analytics_core::{config::NatsBufferConfig, AnalyticsConfig, Pipeline};
use tokio::task::JoinHandle;
use tokio_util::sync::CancellationToken;

pub use error::NatsError;
pub use publisher::JetStreamLog;

/// The running NATS buffer of one instance: its connection and, with role `all` or
/// `writer`, one writer task (or a few, see [`writer`]) per sink.
pub struct NatsBuffer {
    client: async_nats::Client,
    stop: CancellationToken,
    writers: Vec<JoinHandle<()>>,
}

impl NatsBuffer {
    /// Connects, makes sure the stream and one durable consumer per sink of `pipeline`
    /// exist (so that no record is published before every sink has a consumer holding it),
    /// attaches the publisher to `pipeline` when the role ingests, and starts the writers
    /// when it writes.
    pub async fn start(
        nats: &NatsBufferConfig,
        analytics: &AnalyticsConfig,
        pipeline: &Arc<Pipeline>,
    ) -> Result<NatsBuffer, NatsError> {
        let client = connect::connect(nats).await?;
        let context = connect::jetstream(&client, nats);
        let consumers = setup::patiently(|| async {
            stream::ensure_stream(&context, nats).await?;
            let mut consumers = Vec::new();
            for sender in pipeline.senders() {
                let consumer = stream::ensure_consumer(&context, nats, sender.name()).await?;
                consumers.push((sender.clone(), consumer));
            }
            Ok(consumers)
        })
        .await?;
        tracing::info!(
            stream = %nats.stream,
            subject = %nats.subject,
            role = analytics.role.as_str(),
            consumers = consumers.len(),
            "NATS JetStream buffer ready"
        );
        if analytics.role.ingests() {
            pipeline.attach_shared_log(Arc::new(JetStreamLog::new(context.clone(), nats)));
        }
        let stop = CancellationToken::new();
        let mut writers = Vec::new();
        if analytics.role.writes() {
            for (sender, consumer) in consumers {
                let batch_size = analytics
                    .batch_size_of(sender.name(), sender.sink().preferred_batch_size())
                    .min(nats.max_ack_pending as usize);
                let settings = writer::WriterSettings {
                    batch_size,
                    interval: analytics.interval,
                    ack_wait: nats.ack_wait,
                };
                writers.extend(writer::spawn(sender, consumer, settings, stop.clone()));
            }
        }
        Ok(NatsBuffer {
            client,
            stop,
            writers,
        })
    }

    /// Stops the writers: each finishes the batch it is writing (within `timeout`; after it
    /// the batch is left unacknowledged and JetStream redelivers it), then the connection is
    /// flushed so the last acknowledgements reach the server.
    pub async fn shutdown(self, timeout: Duration) {
        self.stop.cancel();
        let deadline = tokio::time::Instant::now() + timeout;
        for mut writer in self.writers {
            if tokio::time::timeout_at(deadline, &mut writer)
                .await
                .is_err()
            {
                tracing::warn!("a NATS writer did not finish its batch before the shutdown deadline; JetStream will redeliver it");
                writer.abort();
            }
        }
        let _ = tokio::time::timeout(Duration::from_secs(2), self.client.flush()).await;
    }
}
