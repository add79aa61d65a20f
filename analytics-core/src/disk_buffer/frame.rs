//! The on-disk frame of one record: `[payload length: u32 LE][CRC-32 of payload: u32 LE]
//! [payload]`, the payload being `[sequence number: u64 LE][record as JSON]`. A torn or
//! corrupt frame is detected by its length or checksum.

use std::io::{self, Read};

use crate::record::Record;

/// Bytes before the payload.
pub(crate) const HEADER_BYTES: usize = 8;
/// Largest payload accepted when reading: anything longer is corruption.
const MAX_PAYLOAD_BYTES: usize = 64 << 20;

/// Appends the frame of `record` with sequence number `seq` to `out`.
pub(crate) fn encode(seq: u64, record: &Record, out: &mut Vec<u8>) -> io::Result<()> {
    let start = out.len();
    out.extend_from_slice(&[0; HEADER_BYTES]);
    out.extend_from_slice(&seq.to_le_bytes());
    serde_json::to_writer(&mut *out, record).map_err(io::Error::other)?;
    let payload = &out[start + HEADER_BYTES..];
    let length = u32::try_from(payload.len()).map_err(io::Error::other)?;
    let checksum = crc32fast::hash(payload);
    out[start..start + 4].copy_from_slice(&length.to_le_bytes());
    out[start + 4..start + 8].copy_from_slice(&checksum.to_le_bytes());
    Ok(())
}

/// What reading the next frame found.
#[derive(Debug)]
pub(crate) enum Frame {
    /// A whole, valid frame of `bytes` bytes.
    Record {
        seq: u64,
        record: Box<Record>,
        bytes: usize,
    },
    /// The clean end of the data.
    End,
    /// A frame cut short or failing its checksum: the data from here on is not trusted.
    Corrupt { reason: String },
}

/// Reads the next frame.
pub(crate) fn read(input: &mut impl Read) -> io::Result<Frame> {
    let mut header = [0u8; HEADER_BYTES];
    match read_full(input, &mut header)? {
        0 => return Ok(Frame::End),
        n if n < HEADER_BYTES => {
            return Ok(Frame::Corrupt {
                reason: format!("torn header ({n} of {HEADER_BYTES} bytes)"),
            })
        }
        _ => {}
    }
    let length = u32::from_le_bytes([header[0], header[1], header[2], header[3]]) as usize;
    let checksum = u32::from_le_bytes([header[4], header[5], header[6], header[7]]);
    if !(8..=MAX_PAYLOAD_BYTES).contains(&length) {
        return Ok(Frame::Corrupt {
            reason: format!("impossible frame length {length}"),
        });
    }
    let mut payload = vec![0u8; length];
    let read = read_full(input, &mut payload)?;
    if read < length {
        return Ok(Frame::Corrupt {
            reason: format!("torn frame ({read} of {length} bytes)"),
        });
    }
    if crc32fast::hash(&payload) != checksum {
        return Ok(Frame::Corrupt {
            reason: "checksum mismatch".into(),
        });
    }
    let seq = u64::from_le_bytes(payload[..8].try_into().unwrap_or_default());
    match serde_json::from_slice::<Record>(&payload[8..]) {
        Ok(record) => Ok(Frame::Record {
            seq,
            record: Box::new(record),
            bytes: HEADER_BYTES + length,
        }),
        Err(error) => Ok(Frame::Corrupt {
            reason: format!("unreadable record: {error}"),
        }),
    }
}

/// Reads until `buffer` is full or the input ends; returns the bytes read.
fn read_full(input: &mut impl Read, buffer: &mut [u8]) -> io::Result<usize> {
    let mut filled = 0;
    while filled < buffer.len() {
        match input.read(&mut buffer[filled..]) {
            Ok(0) => break,
            Ok(n) => filled += n,
            Err(error) if error.kind() == io::ErrorKind::Interrupted => {}
            Err(error) => return Err(error),
        }
    }
    Ok(filled)
}

/// What reading a whole segment's bytes found: the records it holds, and the corruption
/// that ended it early, if any. (The reader's logic over a byte slice, for fuzzing.)
#[derive(Debug, Default, PartialEq, Eq)]
pub struct SegmentScan {
    pub records: usize,
    pub corrupt: Option<String>,
}

/// Reads every frame of a segment's bytes, as opening the log does.
pub fn scan_segment_bytes(mut bytes: &[u8]) -> SegmentScan {
    let mut scan = SegmentScan::default();
    loop {
        match read(&mut bytes) {
            Ok(Frame::Record { .. }) => scan.records += 1,
            Ok(Frame::End) => return scan,
            Ok(Frame::Corrupt { reason }) => {
                scan.corrupt = Some(reason);
                return scan;
            }
            Err(error) => {
                scan.corrupt = Some(error.to_string());
                return scan;
            }
        }
    }
}
