//! The writers: for every sink, a loop pulling batches from the sink's durable consumer and
//! writing them. A message is acknowledged only once the sink stored its record; a write
//! that may succeed later is handed back with a delay (a nak, redelivered with backoff on
//! its delivery count, perhaps to another writer instance); a record the database refuses
//! for good is reported, counted and acknowledged. The consumer's `max_ack_pending` bounds
//! what all writers of a sink hold at once, the batch size what one pull request brings.
//!
//! A sink that takes several batches in flight ([`analytics_core::Sink::batches_in_flight`])
//! gets as many loops. Batches of one sink may be written out of order (several loops,
//! several instances), as with the memory queue's batches in flight: sinks are keyed by
//! record id and do not depend on order.

use std::{sync::Arc, time::Duration};

use analytics_core::{AnalyticsSender, Batch, Record, SinkError};
use async_nats::jetstream::{
    consumer::{pull, PullConsumer},
    AckKind, Message,
};
use futures::StreamExt;
use tokio::{task::JoinHandle, time::Instant};
use tokio_util::sync::CancellationToken;

use crate::{payload, redelivery::nak_delay};

/// How often the server signals an idle pull subscription is alive.
const HEARTBEAT: Duration = Duration::from_secs(5);

/// Bounds and pace of one sink's writers.
#[derive(Debug, Clone)]
pub struct WriterSettings {
    /// Most messages per pull request (and per write).
    pub batch_size: usize,
    /// Longest a batch waits to fill once its first message came (`openvidu.analytics.interval`).
    pub interval: Duration,
    /// The consumer's ack wait: a write taking longer is kept in progress meanwhile.
    pub ack_wait: Duration,
}

/// Starts the writer loops of one sink.
pub fn spawn(
    sender: Arc<AnalyticsSender>,
    consumer: PullConsumer,
    settings: WriterSettings,
    stop: CancellationToken,
) -> Vec<JoinHandle<()>> {
    let loops = sender.sink().batches_in_flight().max(1);
    (0..loops)
        .map(|_| {
            let writer = SinkWriter {
                sender: sender.clone(),
                consumer: consumer.clone(),
                settings: settings.clone(),
            };
            tokio::spawn(writer.run(stop.clone()))
        })
        .collect()
}

struct SinkWriter {
    sender: Arc<AnalyticsSender>,
    consumer: PullConsumer,
    settings: WriterSettings,
}

impl SinkWriter {
    async fn run(self, stop: CancellationToken) {
        // The sender initialises the sink (retrying with backoff); nothing is fetched before.
        while !self.sender.is_ready() {
            tokio::select! {
                _ = stop.cancelled() => return,
                _ = tokio::time::sleep(Duration::from_millis(100)) => {}
            }
        }
        let name = self.sender.name().to_owned();
        let mut failures = 0u32;
        'subscribe: loop {
            let subscribed = tokio::select! {
                _ = stop.cancelled() => break,
                stream = self.subscribe() => stream,
            };
            let mut messages = match subscribed {
                Ok(messages) => messages,
                Err(error) => {
                    failures = failures.saturating_add(1);
                    tracing::warn!(sink = %name, error = %error, "NATS: cannot pull from the consumer; will retry");
                    if self.pause(failures, &stop).await {
                        break;
                    }
                    continue;
                }
            };
            loop {
                let batch = tokio::select! {
                    _ = stop.cancelled() => break 'subscribe,
                    batch = self.next_batch(&mut messages) => batch,
                };
                match batch {
                    Ok(batch) => {
                        failures = 0;
                        self.write(batch).await;
                    }
                    Err(error) => {
                        // Messages this subscription held unacknowledged come back after
                        // `ack_wait`, to this writer or another.
                        failures = failures.saturating_add(1);
                        tracing::warn!(sink = %name, error = %error, "NATS: pulling stopped; pulling again");
                        if self.pause(failures, &stop).await {
                            break 'subscribe;
                        }
                        continue 'subscribe;
                    }
                }
            }
        }
        tracing::info!(sink = %name, "NATS writer stopped");
    }

    /// Waits the backoff of the `failures`-th failure in a row; true when stopped meanwhile.
    async fn pause(&self, failures: u32, stop: &CancellationToken) -> bool {
        let delay = nak_delay(failures as i64, self.sender.max_retry_backoff());
        tokio::select! {
            _ = stop.cancelled() => true,
            _ = tokio::time::sleep(delay) => false,
        }
    }

    /// A continuous pull from the sink's consumer, a batch's worth of messages requested at
    /// a time. One subscription for as long as it works: a pull that ended and was made
    /// again for every batch would drop the messages on their way when it ended (they
    /// would come back only after `ack_wait`).
    async fn subscribe(&self) -> Result<pull::Stream, async_nats::Error> {
        Ok(self
            .consumer
            .stream()
            .max_messages_per_batch(self.settings.batch_size)
            .heartbeat(HEARTBEAT)
            .messages()
            .await?)
    }

    /// The next batch: waits for a first message, then takes what comes within the
    /// interval, up to the batch size.
    async fn next_batch(
        &self,
        messages: &mut pull::Stream,
    ) -> Result<Vec<Message>, async_nats::Error> {
        let first = match messages.next().await {
            Some(message) => message?,
            None => return Err("the pull subscription ended".into()),
        };
        let mut batch = vec![first];
        let deadline = Instant::now() + self.settings.interval;
        while batch.len() < self.settings.batch_size {
            match tokio::time::timeout_at(deadline, messages.next()).await {
                Ok(Some(Ok(message))) => batch.push(message),
                Ok(Some(Err(error))) => {
                    // Written first; the next call meets the subscription's state again.
                    tracing::debug!(error = %error, "NATS: a pull error after part of a batch");
                    break;
                }
                Ok(None) | Err(_) => break,
            }
        }
        Ok(batch)
    }

    /// Writes the records of `messages` and settles every message.
    async fn write(&self, messages: Vec<Message>) {
        let mut records = Vec::with_capacity(messages.len());
        let mut kept = Vec::with_capacity(messages.len());
        for message in messages {
            match payload::decode(&message.payload) {
                Ok(record) => {
                    records.push(Arc::new(record));
                    kept.push(message);
                }
                Err(error) => {
                    self.sender.note_undecodable(&error.to_string());
                    settle(&message, AckKind::Term).await;
                }
            }
        }
        if kept.is_empty() {
            return;
        }
        let batch = Batch::new(records);
        let started = Instant::now();
        let result = self.send_keeping_in_progress(&batch, &kept).await;
        self.sender
            .note_batch_seconds(started.elapsed().as_secs_f64());
        match result {
            Ok(()) => {
                for message in &kept {
                    settle(message, AckKind::Ack).await;
                }
                self.sender.note_written(&batch);
            }
            Err(SinkError::Records(failures)) => {
                self.settle_partly(&batch, &kept, &failures).await;
            }
            Err(error) => {
                self.sender.note_failure(&error, batch.len());
                let operator = !error.is_retryable();
                for message in &kept {
                    let delay = if operator {
                        self.sender.operator_retry_delay()
                    } else {
                        nak_delay(delivered(message), self.sender.max_retry_backoff())
                    };
                    settle(message, AckKind::Nak(Some(delay))).await;
                }
            }
        }
    }

    /// Writes `batch`, telling JetStream every third of the ack wait that its messages are
    /// still in progress, so a slow write is not redelivered to another writer meanwhile.
    async fn send_keeping_in_progress(
        &self,
        batch: &Batch,
        messages: &[Message],
    ) -> Result<(), SinkError> {
        let period = (self.settings.ack_wait / 3).max(Duration::from_millis(100));
        let mut progress = tokio::time::interval_at(Instant::now() + period, period);
        let write = self.sender.sink().send_batch(batch);
        tokio::pin!(write);
        loop {
            tokio::select! {
                result = &mut write => return result,
                _ = progress.tick() => {
                    for message in messages {
                        settle(message, AckKind::Progress).await;
                    }
                }
            }
        }
    }

    /// A batch the sink wrote in part: written and refused records are acknowledged, the
    /// others handed back with a delay.
    async fn settle_partly(
        &self,
        batch: &Batch,
        messages: &[Message],
        failures: &[analytics_core::sink::RecordFailure],
    ) {
        let mut failed: Vec<Option<&analytics_core::sink::RecordFailure>> = vec![None; batch.len()];
        for failure in failures {
            if let Some(slot) = failed.get_mut(failure.index) {
                *slot = Some(failure);
            }
        }
        let mut written: Vec<Arc<Record>> = Vec::new();
        let mut retried = 0;
        for ((record, message), failure) in batch.iter().zip(messages).zip(&failed) {
            match failure {
                None => {
                    written.push(record.clone());
                    settle(message, AckKind::Ack).await;
                }
                Some(failure) if failure.retryable => {
                    retried += 1;
                    let delay = nak_delay(delivered(message), self.sender.max_retry_backoff());
                    settle(message, AckKind::Nak(Some(delay))).await;
                }
                Some(failure) => {
                    self.sender.note_refused(record, &failure.reason);
                    settle(message, AckKind::Ack).await;
                }
            }
        }
        self.sender.note_written(&written);
        if retried > 0 {
            self.sender
                .note_failure(&SinkError::Records(failures.to_vec()), retried);
        }
    }
}

/// How often JetStream has delivered `message` (1 the first time).
fn delivered(message: &Message) -> i64 {
    message.info().map(|info| info.delivered).unwrap_or(1)
}

/// Sends an acknowledgement; one lost on the way means a redelivery, which the sink's
/// idempotent write absorbs.
async fn settle(message: &Message, kind: AckKind) {
    if let Err(error) = message.ack_with(kind).await {
        tracing::warn!(error = %error, "NATS: cannot send an acknowledgement; the message will be redelivered");
    }
}
