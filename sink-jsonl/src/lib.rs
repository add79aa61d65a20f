//! The JSON-lines destination: every record becomes one line of JSON,
//! `{"kind":"event","id":"<md5 id>","document":{...}}`, appended to a file or written to
//! standard output (`path: "-"`), for debugging and for piping into `jq`, `vector` and other
//! tools. It only appends: no read-back, no expiry, no active entities
//! ([`analytics_core::Capabilities::APPEND_ONLY`]), and a re-sent batch is appended again,
//! so a reader sees every record at least once and must tolerate repeated ids.
//!
//! The line format, the settings and the error handling are described in the crate's
//! modules and in `docs/adding-a-sink.md`, which walks through this crate as the example.

mod config;
mod error;
mod line;
mod sink;
mod writer;

pub use config::{JsonlConfig, Output};
pub use sink::JsonlSink;

use std::sync::Arc;

use analytics_core::{Sink, SinkContext, SinkError, SinkFactory};

fn build_jsonl_sink(context: &SinkContext) -> Result<Arc<dyn Sink>, SinkError> {
    let config: JsonlConfig = context.settings()?;
    config.check(&context.name)?;
    Ok(Arc::new(JsonlSink::new(config)))
}

analytics_core::inventory::submit! {
    SinkFactory::new("jsonl", build_jsonl_sink)
}
