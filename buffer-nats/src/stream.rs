//! The stream and the durable consumers: created when missing, with the settings of
//! `buffer.nats`; an existing stream is used as it is (a warning names settings that differ).
//!
//! The stream keeps a message until every sink's consumer acknowledged it (`interest`
//! retention), refuses new messages when at `max_bytes` (`discard: new`, so a full stream
//! is a publish error, 503 for ingest, never a silently dropped old record), and recognises
//! a re-published record id within `duplicate_window`. Every instance creates every sink's
//! consumer before it publishes: a message published while a sink had no consumer would
//! not be kept for it.

use analytics_core::config::NatsBufferConfig;
use async_nats::jetstream::{
    self,
    consumer::{pull, AckPolicy, DeliverPolicy, PullConsumer},
    context::{CreateStreamErrorKind, GetStreamErrorKind},
    stream::{Config, ConsumerErrorKind, DiscardPolicy, RetentionPolicy, StorageType},
    ErrorCode,
};

use crate::error::{NatsError, SetupError};

/// The stream's settings as created by this service.
fn stream_config(config: &NatsBufferConfig) -> Config {
    Config {
        name: config.stream.clone(),
        description: Some("livekit-analytics records, one message per record".into()),
        subjects: vec![config.subject.clone()],
        retention: RetentionPolicy::Interest,
        discard: DiscardPolicy::New,
        max_bytes: config.max_bytes,
        storage: StorageType::File,
        num_replicas: config.replicas,
        duplicate_window: config.duplicate_window,
        ..Default::default()
    }
}

/// Creates the stream when it does not exist; checks an existing one carries the subject.
/// JetStream's own answers (an error code) are final, except "temporarily unavailable"; that
/// and a request without an answer (a timeout, no responders while a cluster elects its
/// leader) are [`SetupError::Unanswered`].
pub(crate) async fn ensure_stream(
    context: &jetstream::Context,
    config: &NatsBufferConfig,
) -> Result<(), SetupError> {
    let stream_error = |reason: String| NatsError::Stream {
        stream: config.stream.clone(),
        reason,
    };
    match context.get_stream(&config.stream).await {
        Ok(mut stream) => {
            let info = stream
                .info()
                .await
                .map_err(|error| SetupError::Unanswered(stream_error(error.to_string())))?;
            let existing = &info.config;
            if !existing.subjects.contains(&config.subject) {
                return Err(SetupError::Final(stream_error(format!(
                    "it exists without subject `{}` (its subjects: {:?}); set buffer.nats.subject to one of them or use another stream",
                    config.subject, existing.subjects
                ))));
            }
            if existing.num_replicas != config.replicas || existing.max_bytes != config.max_bytes {
                tracing::warn!(
                    stream = %config.stream,
                    replicas = existing.num_replicas,
                    max_bytes = existing.max_bytes,
                    "the existing stream's settings differ from buffer.nats; it is used as it is"
                );
            }
            Ok(())
        }
        Err(error) => match error.kind() {
            GetStreamErrorKind::JetStream(js) if js.error_code() == ErrorCode::STREAM_NOT_FOUND => {
                create_stream(context, config).await
            }
            GetStreamErrorKind::JetStream(js)
                if js.error_code() == ErrorCode::JETSTREAM_NOT_ENABLED
                    || js.error_code() == ErrorCode::JETSTREAM_NOT_ENABLED_FOR_ACCOUNT =>
            {
                Err(SetupError::Final(NatsError::NoJetStream(js.to_string())))
            }
            kind => Err(SetupError::new(
                get_stream_unanswered(&kind),
                stream_error(format!("{error} ({kind:?})")),
            )),
        },
    }
}

async fn create_stream(
    context: &jetstream::Context,
    config: &NatsBufferConfig,
) -> Result<(), SetupError> {
    match context.create_stream(stream_config(config)).await {
        Ok(_) => {
            tracing::info!(stream = %config.stream, subject = %config.subject, replicas = config.replicas, max_bytes = config.max_bytes, "NATS stream created");
            Ok(())
        }
        Err(error) => {
            let stream_error = |reason: String| NatsError::Stream {
                stream: config.stream.clone(),
                reason,
            };
            Err(match error.kind() {
                CreateStreamErrorKind::JetStreamUnavailable => {
                    SetupError::Final(NatsError::NoJetStream(error.to_string()))
                }
                CreateStreamErrorKind::JetStream(js) if unavailable_for_now(&js) => {
                    SetupError::Unanswered(stream_error(js.to_string()))
                }
                CreateStreamErrorKind::JetStream(js) => {
                    SetupError::Final(stream_error(js.to_string()))
                }
                kind @ (CreateStreamErrorKind::TimedOut | CreateStreamErrorKind::Response) => {
                    SetupError::Unanswered(stream_error(format!("{error} ({kind:?})")))
                }
                kind => SetupError::Final(stream_error(format!("{error} ({kind:?})"))),
            })
        }
    }
}

/// JetStream's answer while its cluster has no meta leader (during an election, or while
/// servers are starting): "JetStream system temporarily unavailable", worth asking again.
fn unavailable_for_now(error: &jetstream::Error) -> bool {
    error.error_code() == ErrorCode::CLUSTER_NOT_AVAILABLE
}

/// Whether a failed stream lookup had no answer from JetStream (no responders, a timeout,
/// or "temporarily unavailable"), rather than an answer that will not change.
fn get_stream_unanswered(kind: &GetStreamErrorKind) -> bool {
    match kind {
        GetStreamErrorKind::Request => true,
        GetStreamErrorKind::JetStream(js) => unavailable_for_now(js),
        GetStreamErrorKind::EmptyName | GetStreamErrorKind::InvalidStreamName => false,
    }
}

/// The durable consumer's name for `sink`.
pub(crate) fn consumer_name(config: &NatsBufferConfig, sink: &str) -> String {
    let sink: String = sink
        .chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() || c == '-' || c == '_' {
                c
            } else {
                '_'
            }
        })
        .collect();
    format!("{}{sink}", config.consumer_prefix)
}

/// The durable pull consumer of `sink`: created when missing (from the stream's first
/// message), shared by every writer instance of that sink.
pub(crate) async fn ensure_consumer(
    context: &jetstream::Context,
    config: &NatsBufferConfig,
    sink: &str,
) -> Result<PullConsumer, SetupError> {
    let name = consumer_name(config, sink);
    let consumer_error = |reason: String| NatsError::Consumer {
        stream: config.stream.clone(),
        consumer: name.clone(),
        reason,
    };
    let stream = context.get_stream(&config.stream).await.map_err(|error| {
        SetupError::new(
            get_stream_unanswered(&error.kind()),
            consumer_error(error.to_string()),
        )
    })?;
    let consumer_config = pull::Config {
        durable_name: Some(name.clone()),
        description: Some(format!("livekit-analytics writers of sink {sink}")),
        deliver_policy: DeliverPolicy::All,
        ack_policy: AckPolicy::Explicit,
        ack_wait: config.ack_wait,
        // Retried until written: a record the sink refuses is acknowledged, not redelivered.
        max_deliver: -1,
        max_ack_pending: config.max_ack_pending,
        ..Default::default()
    };
    stream
        .get_or_create_consumer(&name, consumer_config)
        .await
        .map_err(|error| match error.kind() {
            ConsumerErrorKind::TimedOut | ConsumerErrorKind::Request => {
                SetupError::Unanswered(consumer_error(error.to_string()))
            }
            ConsumerErrorKind::JetStream(js) if unavailable_for_now(&js) => {
                SetupError::Unanswered(consumer_error(error.to_string()))
            }
            _ => SetupError::Final(consumer_error(error.to_string())),
        })
}
