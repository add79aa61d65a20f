//! The `null` sink type: discards everything; for benchmarks and dry runs. It measures what
//! ingest and the pipeline cost without any database behind them.

use std::sync::Arc;

use analytics_core::{Batch, Sink, SinkContext, SinkError, SinkFactory};
use async_trait::async_trait;
use serde::Deserialize;

/// `sinks.<name>: { type: null }` takes no settings.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct NullSettings {}

/// A sink that accepts every batch and stores nothing.
pub struct NullSink;

#[async_trait]
impl Sink for NullSink {
    fn capabilities(&self) -> analytics_core::Capabilities {
        analytics_core::Capabilities::APPEND_ONLY
    }

    async fn initialize(&self) -> Result<(), SinkError> {
        Ok(())
    }

    async fn send_batch(&self, _batch: &Batch) -> Result<(), SinkError> {
        Ok(())
    }
}

fn build_null_sink(context: &SinkContext) -> Result<Arc<dyn Sink>, SinkError> {
    let _: NullSettings = context.settings()?;
    Ok(Arc::new(NullSink))
}

analytics_core::inventory::submit! {
    SinkFactory::new("null", build_null_sink)
}
