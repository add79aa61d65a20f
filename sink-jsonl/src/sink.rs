//! [`JsonlSink`]: turns each batch into lines (see the `line` module) and hands them to the
//! writer; declares that it only appends. No I/O of its own.

use analytics_core::{Batch, Capabilities, Sink, SinkError};
use async_trait::async_trait;

use crate::{config::JsonlConfig, line::encode_batch, writer::JsonlWriter};

/// The JSON-lines sink. Append-only: a re-sent batch is appended again (at-least-once), and
/// nothing is ever read back, expired or tracked as active.
pub struct JsonlSink {
    writer: JsonlWriter,
}

impl JsonlSink {
    /// A sink writing where `config` says; opens nothing until [`Sink::initialize`].
    pub fn new(config: JsonlConfig) -> JsonlSink {
        JsonlSink {
            writer: JsonlWriter::new(config.output(), config.fsync),
        }
    }
}

#[async_trait]
impl Sink for JsonlSink {
    fn capabilities(&self) -> Capabilities {
        Capabilities::APPEND_ONLY
    }

    async fn initialize(&self) -> Result<(), SinkError> {
        self.writer.open().await
    }

    async fn send_batch(&self, batch: &Batch) -> Result<(), SinkError> {
        let (lines, failures) = encode_batch(batch);
        if !lines.is_empty() {
            self.writer.append(lines).await?;
        }
        if failures.is_empty() {
            Ok(())
        } else {
            Err(SinkError::Records(failures))
        }
    }

    async fn close(&self) {
        if let Err(error) = self.writer.sync().await {
            tracing::warn!(error = %error, "cannot sync the JSON-lines output at shutdown");
        }
    }
}
