//! [`LogReader`]: one sink's sequential reader of the disk buffer, from its cursor on,
//! across segments, skipping (and reporting) corrupt data.

use std::{
    fs::File,
    io::{self, BufReader, Seek, SeekFrom},
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
    open: Option<OpenSegment>,
}

/// The segment being read: its first sequence number, and the reading position in it.
struct OpenSegment {
    first: u64,
    input: BufReader<File>,
    /// Bytes of whole frames read so far (where the next frame starts).
    offset: u64,
}

impl OpenSegment {
    fn open(first: u64, path: &std::path::Path) -> io::Result<OpenSegment> {
        Ok(OpenSegment {
            first,
            input: BufReader::new(File::open(path)?),
            offset: 0,
        })
    }
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

    /// Up to `max` records from the current position, with their sequence numbers; never
    /// one at or past the log's published end (bytes there are an append under way).
    pub(crate) fn read(&mut self, max: usize) -> io::Result<Vec<(u64, Arc<Record>)>> {
        let mut records = Vec::new();
        match self.read_into(max, &mut records) {
            Ok(()) => Ok(records),
            // What was read is handed out; the next read starts again at the failed spot.
            Err(error) if !records.is_empty() => {
                tracing::warn!(error = %error, "disk buffer: read failed; will retry");
                self.open = None;
                Ok(records)
            }
            Err(error) => {
                self.open = None;
                Err(error)
            }
        }
    }

    fn read_into(&mut self, max: usize, records: &mut Vec<(u64, Arc<Record>)>) -> io::Result<()> {
        let end = self.log.next_seq();
        if let Some(open) = self.open.as_mut() {
            // Bytes read ahead last time may be those of an append that failed and was cut
            // off since (its sequence numbers now another's): read them again from disk.
            open.input.seek(SeekFrom::Start(open.offset))?;
        }
        while records.len() < max && self.next < end {
            if self.open.is_none() && !self.open_segment_holding(self.next)? {
                break;
            }
            let Some(open) = self.open.as_mut() else {
                break;
            };
            match frame::read(&mut open.input)? {
                Frame::Record { seq, record, bytes } => {
                    if seq >= end {
                        // Not published: leave it to be read once it is.
                        open.input.seek(SeekFrom::Start(open.offset))?;
                        break;
                    }
                    open.offset += bytes as u64;
                    if seq >= self.next {
                        self.next = seq + 1;
                        records.push((seq, Arc::from(record)));
                    }
                }
                Frame::End => {
                    let current = open.first;
                    if !self.open_segment_after(current)? {
                        break;
                    }
                }
                Frame::Corrupt { reason } => {
                    // Published records lie past this spot; whatever sits between is lost.
                    let current = open.first;
                    tracing::error!(segment = current, reason = %reason, "disk buffer: corrupt data skipped while reading");
                    self.log.seal_corrupt_segment(current)?;
                    if !self.open_segment_after(current)? {
                        self.open = None;
                        break;
                    }
                }
            }
        }
        Ok(())
    }

    fn open_segment_holding(&mut self, seq: u64) -> io::Result<bool> {
        match self.log.segments_from(seq).into_iter().next() {
            Some((first, segment)) => {
                self.open = Some(OpenSegment::open(first, &segment.path)?);
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
                if start > self.next {
                    tracing::error!(
                        lost = start - self.next,
                        "disk buffer: records past a corrupt spot cannot be read"
                    );
                }
                self.next = self.next.max(start);
                self.open = Some(OpenSegment::open(start, &segment.path)?);
                Ok(true)
            }
            None => Ok(false),
        }
    }
}
