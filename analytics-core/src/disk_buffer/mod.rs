//! The optional disk buffer (`buffer.dir`): every accepted record is appended to a
//! segmented, checksummed log before the request is answered; each sink reads the log with
//! its own durable cursor; a segment is deleted once every sink has written it. After a
//! crash a torn or corrupt tail is detected, skipped and reported, never a failed start. An
//! append that fails (a full disk) leaves nothing behind and is refused: the log only ever
//! acknowledges what it wrote whole.

mod cursors;
mod frame;
mod log;
mod queue;
mod reader;

pub use frame::{scan_segment_bytes, SegmentScan};
pub use log::{DiskLog, OpenReport};
pub(crate) use queue::DiskQueue;

#[cfg(test)]
mod full_disk_tests;
#[cfg(test)]
mod tests;
