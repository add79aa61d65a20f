//! [`JetStreamLog`]: ingest's side of the NATS buffer. Every record of a request is published
//! with its id as `Nats-Msg-Id`, all at once, and the request is answered when JetStream has
//! acknowledged every one: a re-sent request (LiveKit retrying a 503) stores nothing twice
//! within the stream's duplicate window.

use std::{error::Error as _, time::Duration};

use analytics_core::{config::NatsBufferConfig, Record, SharedLog, SharedLogRefusal};
use async_nats::jetstream::{
    self,
    context::{PublishError, PublishErrorKind},
    message::PublishMessage,
    ErrorCode,
};
use async_trait::async_trait;
use futures::future::try_join_all;

use crate::payload;

/// Publishes records to the stream of `buffer.nats`.
pub struct JetStreamLog {
    context: jetstream::Context,
    stream: String,
    subject: String,
    timeout: Duration,
}

impl JetStreamLog {
    pub(crate) fn new(context: jetstream::Context, config: &NatsBufferConfig) -> JetStreamLog {
        JetStreamLog {
            context,
            stream: config.stream.clone(),
            subject: config.subject.clone(),
            timeout: config.publish_timeout,
        }
    }

    async fn publish_all(&self, records: &[Record]) -> Result<(), SharedLogRefusal> {
        let mut acks = Vec::with_capacity(records.len());
        for record in records {
            let body = payload::encode(record).map_err(|error| {
                SharedLogRefusal::Unavailable(format!(
                    "cannot encode record {}: {error}",
                    record.id
                ))
            })?;
            let message = PublishMessage::build()
                .message_id(record.id.as_str())
                .payload(body);
            let ack = self
                .context
                .send_publish(self.subject.clone(), message)
                .await
                .map_err(|error| refusal(&error))?;
            acks.push(ack.into_future());
        }
        try_join_all(acks).await.map_err(|error| refusal(&error))?;
        Ok(())
    }
}

use std::future::IntoFuture;

#[async_trait]
impl SharedLog for JetStreamLog {
    async fn publish(&self, records: &[Record]) -> Result<(), SharedLogRefusal> {
        match tokio::time::timeout(self.timeout, self.publish_all(records)).await {
            Ok(result) => result.inspect_err(|refusal| {
                tracing::warn!(stream = %self.stream, error = %refusal, records = records.len(), "publish refused; answering 503");
            }),
            Err(_) => {
                tracing::warn!(stream = %self.stream, records = records.len(), "publish not acknowledged in time; answering 503");
                Err(SharedLogRefusal::Unavailable(format!(
                    "JetStream did not acknowledge within {:?}",
                    self.timeout
                )))
            }
        }
    }

    fn describe(&self) -> String {
        format!("NATS stream {}", self.stream)
    }
}

/// A full stream (its `max_bytes` or `max_msgs`, or the server's storage) or anything else.
fn refusal(error: &PublishError) -> SharedLogRefusal {
    let js = error
        .source()
        .and_then(|source| source.downcast_ref::<jetstream::Error>());
    if let Some(js) = js {
        let description = js.to_string();
        let full = js.error_code() == ErrorCode::STREAM_STORE_FAILED
            || js.error_code() == ErrorCode::INSUFFICIENT_RESOURCES
            || description.contains("maximum");
        if full {
            return SharedLogRefusal::Full(description);
        }
        return SharedLogRefusal::Unavailable(description);
    }
    match error.kind() {
        PublishErrorKind::StreamNotFound => SharedLogRefusal::Unavailable(
            "no stream takes the subject (was the stream deleted?)".into(),
        ),
        _ => SharedLogRefusal::Unavailable(error.to_string()),
    }
}
