//! [`LogReader`]: one sink's sequential reader of the disk buffer, from its cursor on,
//! across segments, skipping (and reporting) corrupt data.

use std::{
    fs::File,
    io::{self, BufReader},
    sync::Arc,
};

use super::{
    frame::{self, Frame},
    log::DiskLog,
};
use crate::record::Record;

pub(crate) struct LogReader {
    log: Arc<DiskLog>,
    /// The next sequence number to hand out.
    next: u64,
    /// The open segment (its first sequence number) and the reading position in it.
    open: Option<(u64, BufReader<File>)>,
}

impl LogReader {
    pub(crate) fn new(log: Arc<DiskLog>, from: u64) -> LogReader {
        LogReader {
            log,
            next: from,
            open: None,
        }
    }

    pub(crate) fn position(&self) -> u64 {
        self.next
    }

    /// Starts reading again at `seq` (e.g. a batch not written before shutdown).
    pub(crate) fn seek(&mut self, seq: u64) {
        if seq < self.next {
            self.open = None;
        }
        self.next = seq;
    }

    /// Up to `max` records from the current position, with their sequence numbers.
    pub(crate) fn read(&mut self, max: usize) -> io::Result<Vec<(u64, Arc<Record>)>> {
        let mut records = Vec::new();
        let end = self.log.next_seq();
        while records.len() < max && self.next < end {
            if self.open.is_none() && !self.open_segment_holding(self.next)? {
                break;
            }
            let Some((first, input)) = self.open.as_mut() else {
                break;
            };
            match frame::read(input)? {
                Frame::Record { seq, record, .. } => {
                    if seq >= self.next {
                        self.next = seq + 1;
                        records.push((seq, Arc::from(record)));
                    }
                }
                Frame::End => {
                    let current = *first;
                    if !self.open_segment_after(current)? {
                        break;
                    }
                }
                Frame::Corrupt { reason } => {
                    let current = *first;
                    tracing::error!(segment = current, reason = %reason, "disk buffer: corrupt data skipped while reading");
                    if !self.open_segment_after(current)? {
                        break;
                    }
                }
            }
        }
        Ok(records)
    }

    fn open_segment_holding(&mut self, seq: u64) -> io::Result<bool> {
        match self.log.segments_from(seq).into_iter().next() {
            Some((first, segment)) => {
                self.open = Some((first, BufReader::new(File::open(&segment.path)?)));
                Ok(true)
            }
            None => Ok(false),
        }
    }

    /// Moves to the segment after `first`; false (staying put) when there is none yet.
    fn open_segment_after(&mut self, first: u64) -> io::Result<bool> {
        let next = self
            .log
            .segments_from(first)
            .into_iter()
            .find(|(start, _)| *start > first);
        match next {
            Some((start, segment)) => {
                self.next = self.next.max(start);
                self.open = Some((start, BufReader::new(File::open(&segment.path)?)));
                Ok(true)
            }
            None => Ok(false),
        }
    }
}
