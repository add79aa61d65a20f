//! A record as a JetStream message body: its JSON (serde, as the disk buffer stores it).

use analytics_core::Record;
use bytes::Bytes;

/// The message body of `record`.
pub(crate) fn encode(record: &Record) -> Result<Bytes, serde_json::Error> {
    serde_json::to_vec(record).map(Bytes::from)
}

/// The record of a message body.
pub(crate) fn decode(payload: &[u8]) -> Result<Record, serde_json::Error> {
    serde_json::from_slice(payload)
}
