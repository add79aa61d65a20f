//! [`DiskLog`]: the append side of the disk buffer, its segments, its bounds, and the
//! cursors that decide when a segment can go. An append is all or nothing: one that fails
//! (a full disk) is cut off the segment again before the next one may start.

use std::{
    collections::{BTreeMap, BTreeSet},
    fs::{self, File, OpenOptions},
    io::{self, BufReader, Seek, SeekFrom, Write},
    path::{Path, PathBuf},
    sync::{Arc, Mutex, MutexGuard},
    time::Duration,
};

use tokio::sync::watch;

use super::{
    cursors::Cursors,
    frame::{self, Frame},
};
use crate::record::Record;

/// The file whose lock says a process has the log open (held until the process ends, however
/// it ends: the kernel drops the lock).
const LOCK_FILE: &str = "lock";

/// A segment is closed and a new one started past this size.
const DEFAULT_SEGMENT_BYTES: u64 = 64 << 20;

/// What opening the log found.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct OpenReport {
    /// Records in the log that some sink has not written yet.
    pub pending_records: u64,
    /// Corrupt or torn data skipped, one line per place.
    pub skipped: Vec<String>,
}

#[derive(Debug, Clone)]
pub(crate) struct Segment {
    pub(crate) path: PathBuf,
    /// One past the last sequence number it holds (its first, while empty).
    pub(crate) end_seq: u64,
    pub(crate) bytes: u64,
}

struct State {
    /// First sequence number → segment; the last one is the active one.
    segments: BTreeMap<u64, Segment>,
    active: File,
    next_seq: u64,
    total_bytes: u64,
    cursors: Cursors,
    /// Sinks whose cursors hold segments (the configured ones).
    sinks: BTreeSet<String>,
    unsynced: bool,
    /// Set while a failed append's bytes could not be cut off: no append may follow them.
    torn_tail: bool,
}

/// The disk buffer's log.
pub struct DiskLog {
    dir: PathBuf,
    sync_every_append: bool,
    segment_bytes: u64,
    state: Mutex<State>,
    published: watch::Sender<u64>,
    /// Locked for as long as the log is open, so that a second process (a second service,
    /// or `replay` beside a running service) cannot move the same cursors.
    _lock: File,
}

impl DiskLog {
    /// Opens (or creates) the log in `dir`; `fsync_interval` zero syncs every append.
    pub fn open(dir: &Path, fsync_interval: Duration) -> io::Result<(Arc<DiskLog>, OpenReport)> {
        DiskLog::open_with_segment_bytes(dir, fsync_interval, DEFAULT_SEGMENT_BYTES)
    }

    /// [`DiskLog::open`] with another segment size (small ones in tests).
    pub(crate) fn open_with_segment_bytes(
        dir: &Path,
        fsync_interval: Duration,
        segment_bytes: u64,
    ) -> io::Result<(Arc<DiskLog>, OpenReport)> {
        fs::create_dir_all(dir)?;
        let lock = lock_dir(dir)?;
        let cursors = Cursors::load(dir)?;
        let mut report = OpenReport::default();
        let mut segments = load_segments(dir, &mut report)?;
        let last_end = segments.values().map(|s| s.end_seq).max().unwrap_or(0);
        let next_seq = last_end.max(cursors.max());
        let active = open_active_segment(dir, &mut segments, next_seq, segment_bytes)?;
        let total_bytes = segments.values().map(|s| s.bytes).sum();
        // What the slowest configured sink has not written: sinks register later, so every
        // saved cursor counts (the first segment held may start well before it).
        let first_held = segments.keys().next().copied().unwrap_or(next_seq);
        let slowest_saved = cursors.min().unwrap_or(first_held).max(first_held);
        report.pending_records = next_seq.saturating_sub(slowest_saved);
        let (published, _) = watch::channel(next_seq);
        let log = Arc::new(DiskLog {
            dir: dir.to_owned(),
            sync_every_append: fsync_interval.is_zero(),
            segment_bytes,
            state: Mutex::new(State {
                segments,
                active,
                next_seq,
                total_bytes,
                cursors,
                sinks: BTreeSet::new(),
                unsynced: false,
                torn_tail: false,
            }),
            published,
            _lock: lock,
        });
        if !fsync_interval.is_zero() {
            spawn_periodic_sync(Arc::downgrade(&log), fsync_interval);
        }
        Ok((log, report))
    }

    /// The folder of the log.
    pub fn dir(&self) -> &Path {
        &self.dir
    }

    /// Registers a configured sink; returns its cursor. A sink seen for the first time
    /// starts at the end of the log (see [`DiskLog::rewind`] to back-fill it).
    pub fn register_sink(&self, sink: &str) -> io::Result<u64> {
        let mut state = self.lock();
        state.sinks.insert(sink.to_owned());
        match state.cursors.get(sink) {
            Some(position) => Ok(position),
            None => {
                let end = state.next_seq;
                state.cursors.set(sink, end)?;
                Ok(end)
            }
        }
    }

    /// Moves a sink's cursor back to the oldest record the log still holds (back-fill).
    pub fn rewind(&self, sink: &str) -> io::Result<u64> {
        let mut state = self.lock();
        let oldest = state
            .segments
            .keys()
            .next()
            .copied()
            .unwrap_or(state.next_seq);
        state.sinks.insert(sink.to_owned());
        state.cursors.set(sink, oldest)?;
        Ok(oldest)
    }

    /// One past the last appended sequence number.
    pub fn next_seq(&self) -> u64 {
        *self.published.borrow()
    }

    /// A receiver that changes whenever records are appended.
    pub(crate) fn subscribe(&self) -> watch::Receiver<u64> {
        self.published.subscribe()
    }

    /// A sink's cursor: the first sequence number it has not written.
    pub fn cursor(&self, sink: &str) -> u64 {
        let state = self.lock();
        state.cursors.get(sink).unwrap_or(state.next_seq)
    }

    /// Records not yet written by the slowest sink, and the bytes the segments take.
    pub fn pending(&self) -> (u64, u64) {
        let state = self.lock();
        let slowest = slowest_cursor(&state);
        (
            state.next_seq - slowest.min(state.next_seq),
            state.total_bytes,
        )
    }

    /// Appends records (each gets the next sequence number) and, unless a sync period is
    /// configured, syncs them to disk before returning. On error nothing was appended: the
    /// bytes written are cut off again, and the sequence numbers are not used up.
    pub fn append(&self, records: &[Arc<Record>]) -> io::Result<()> {
        if records.is_empty() {
            return Ok(());
        }
        let mut state = self.lock();
        if state.torn_tail {
            self.cut_torn_tail(&mut state)?;
        }
        if state
            .segments
            .values()
            .last()
            .is_some_and(|active| active.bytes >= self.segment_bytes)
        {
            // A roll that failed after an append (a full disk) is tried again here; until it
            // works the active segment just grows past its size.
            if let Err(error) = self.roll(&mut state) {
                tracing::warn!(error = %error, "disk buffer: cannot start a new segment; appending to the current one");
            }
        }
        let mut buffer = Vec::with_capacity(records.len() * 1024);
        for (offset, record) in records.iter().enumerate() {
            frame::encode(state.next_seq + offset as u64, record, &mut buffer)?;
        }
        let written = state.active.write_all(&buffer).and_then(|()| {
            if self.sync_every_append {
                state.active.sync_data()
            } else {
                Ok(())
            }
        });
        if let Err(error) = written {
            tracing::warn!(error = %error, records = records.len(), "disk buffer: append failed; cutting it off");
            self.cut_torn_tail(&mut state).unwrap_or_else(|cut_error| {
                tracing::error!(error = %cut_error, "disk buffer: cannot cut off a failed append; refusing appends until it can");
            });
            return Err(error);
        }
        if !self.sync_every_append {
            state.unsynced = true;
        }
        state.next_seq += records.len() as u64;
        state.total_bytes += buffer.len() as u64;
        let next_seq = state.next_seq;
        if let Some(active) = state.segments.values_mut().last() {
            active.end_seq = next_seq;
            active.bytes += buffer.len() as u64;
            if active.bytes >= self.segment_bytes {
                // The records are written: a roll that fails now is retried by the next append.
                if let Err(error) = self.roll(&mut state) {
                    tracing::warn!(error = %error, "disk buffer: cannot start a new segment; will retry");
                }
            }
        }
        drop(state);
        self.published.send_replace(next_seq);
        Ok(())
    }

    /// Cuts the active segment back to its last whole frame (what a failed append left after
    /// it). Shrinking a file frees space, so this works on a full disk; the segment is opened
    /// for appending, so the next write goes to the new end. Until it works, appends fail.
    fn cut_torn_tail(&self, state: &mut State) -> io::Result<()> {
        let valid = state.segments.values().last().map_or(0, |s| s.bytes);
        state.torn_tail = true;
        state.active.set_len(valid).map_err(|error| {
            io::Error::new(
                error.kind(),
                format!("a failed append could not be cut off the disk buffer ({error}); no append is possible until it is"),
            )
        })?;
        state.active.seek(SeekFrom::Start(valid))?;
        state.torn_tail = false;
        Ok(())
    }

    /// A reader found corrupt data in the segment starting at `first`: when it is the
    /// active one, later records are appended to a new segment, so that they stay readable
    /// after the bad spot.
    pub(crate) fn seal_corrupt_segment(&self, first: u64) -> io::Result<()> {
        let mut state = self.lock();
        let is_active = state.segments.keys().last() == Some(&first);
        if is_active && state.next_seq > first {
            self.roll(&mut state)?;
        }
        Ok(())
    }

    /// Records that a sink has written everything before `position`, and deletes the
    /// segments every sink has written.
    pub fn commit(&self, sink: &str, position: u64) -> io::Result<()> {
        let mut state = self.lock();
        if state
            .cursors
            .get(sink)
            .is_some_and(|current| current >= position)
        {
            return Ok(());
        }
        state.cursors.set(sink, position)?;
        let slowest = slowest_cursor(&state);
        let active_first = state.segments.keys().last().copied().unwrap_or(0);
        let done: Vec<u64> = state
            .segments
            .iter()
            .filter(|(first, segment)| **first != active_first && segment.end_seq <= slowest)
            .map(|(first, _)| *first)
            .collect();
        for first in done {
            if let Some(segment) = state.segments.remove(&first) {
                fs::remove_file(&segment.path)?;
                state.total_bytes = state.total_bytes.saturating_sub(segment.bytes);
            }
        }
        Ok(())
    }

    /// The segments holding `seq` and after, in order (for readers).
    pub(crate) fn segments_from(&self, seq: u64) -> Vec<(u64, Segment)> {
        let state = self.lock();
        let start = state
            .segments
            .range(..=seq)
            .next_back()
            .map(|(first, _)| *first)
            .unwrap_or(0);
        state
            .segments
            .range(start..)
            .map(|(f, s)| (*f, s.clone()))
            .collect()
    }

    /// Syncs appended data to disk if any is unsynced.
    pub fn sync(&self) -> io::Result<()> {
        let mut state = self.lock();
        if state.unsynced {
            state.active.sync_data()?;
            state.unsynced = false;
        }
        Ok(())
    }

    fn roll(&self, state: &mut State) -> io::Result<()> {
        if state.segments.contains_key(&state.next_seq) {
            return Ok(());
        }
        state.active.sync_data()?;
        let path = segment_path(&self.dir, state.next_seq);
        let file = OpenOptions::new().create(true).append(true).open(&path)?;
        sync_dir(&self.dir)?;
        state.segments.insert(
            state.next_seq,
            Segment {
                path,
                end_seq: state.next_seq,
                bytes: 0,
            },
        );
        state.active = file;
        state.unsynced = false;
        Ok(())
    }

    fn lock(&self) -> MutexGuard<'_, State> {
        self.state
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
    }
}

/// The segments in `dir`, each scanned up to its first corrupt frame (reported in
/// `report`); the last one is cut there so that appends follow valid data.
fn load_segments(dir: &Path, report: &mut OpenReport) -> io::Result<BTreeMap<u64, Segment>> {
    let mut segments = BTreeMap::new();
    let mut first_seqs: Vec<(u64, PathBuf)> = fs::read_dir(dir)?
        .filter_map(|entry| entry.ok().map(|e| e.path()))
        .filter_map(|path| {
            let first = path.file_stem()?.to_str()?.parse::<u64>().ok()?;
            (path.extension()? == "seg").then_some((first, path))
        })
        .collect();
    first_seqs.sort();
    let count = first_seqs.len();
    for (position, (first, path)) in first_seqs.into_iter().enumerate() {
        let is_last = position + 1 == count;
        let (end_seq, valid_bytes, problem) = scan(&path, first)?;
        if let Some(reason) = problem {
            let line = format!("{}: {reason} at byte {valid_bytes}", path.display());
            tracing::warn!(segment = %path.display(), reason = %reason, valid_bytes, "disk buffer: corrupt data skipped");
            report.skipped.push(line);
            if is_last {
                OpenOptions::new()
                    .write(true)
                    .open(&path)?
                    .set_len(valid_bytes)?;
            }
        }
        segments.insert(
            first,
            Segment {
                path,
                end_seq,
                bytes: valid_bytes,
            },
        );
    }
    Ok(segments)
}

/// The segment appends go to, opened for appending: the last one, or a new one starting at
/// `next_seq` when there is none, it ends before `next_seq` (cursors saved past it) or it is
/// full.
fn open_active_segment(
    dir: &Path,
    segments: &mut BTreeMap<u64, Segment>,
    next_seq: u64,
    segment_bytes: u64,
) -> io::Result<File> {
    if segments
        .values()
        .last()
        .is_none_or(|s| s.end_seq < next_seq || s.bytes >= segment_bytes)
    {
        let path = segment_path(dir, next_seq);
        File::create(&path)?;
        sync_dir(dir)?;
        segments.insert(
            next_seq,
            Segment {
                path,
                end_seq: next_seq,
                bytes: 0,
            },
        );
    }
    let active_path = segments
        .values()
        .last()
        .map(|s| s.path.clone())
        .unwrap_or_default();
    let mut active = OpenOptions::new().append(true).open(&active_path)?;
    active.seek(SeekFrom::End(0))?;
    Ok(active)
}

fn slowest_cursor(state: &State) -> u64 {
    state
        .sinks
        .iter()
        .map(|sink| state.cursors.get(sink).unwrap_or(state.next_seq))
        .min()
        .unwrap_or(state.next_seq)
}

fn segment_path(dir: &Path, first_seq: u64) -> PathBuf {
    dir.join(format!("{first_seq:020}.seg"))
}

/// Scans a segment: one past its last valid sequence number, the bytes of valid frames,
/// and what was wrong after them, if anything.
fn scan(path: &Path, first_seq: u64) -> io::Result<(u64, u64, Option<String>)> {
    let mut input = BufReader::new(File::open(path)?);
    let mut end_seq = first_seq;
    let mut valid = 0u64;
    loop {
        match frame::read(&mut input)? {
            Frame::Record { seq, bytes, .. } => {
                end_seq = seq + 1;
                valid += bytes as u64;
            }
            Frame::End => return Ok((end_seq, valid, None)),
            Frame::Corrupt { reason } => return Ok((end_seq, valid, Some(reason))),
        }
    }
}

fn sync_dir(dir: &Path) -> io::Result<()> {
    File::open(dir)?.sync_all()
}

fn spawn_periodic_sync(log: std::sync::Weak<DiskLog>, period: Duration) {
    let Ok(runtime) = tokio::runtime::Handle::try_current() else {
        return;
    };
    runtime.spawn(async move {
        let mut tick = tokio::time::interval(period);
        loop {
            tick.tick().await;
            let Some(log) = log.upgrade() else { return };
            if let Err(error) = log.sync() {
                tracing::error!(error = %error, "disk buffer: sync failed");
            }
        }
    });
}

/// Takes the exclusive lock of the log in `dir`, or says that another process holds it.
fn lock_dir(dir: &Path) -> io::Result<File> {
    let path = dir.join(LOCK_FILE);
    let file = OpenOptions::new()
        .create(true)
        .truncate(false)
        .write(true)
        .open(&path)?;
    match file.try_lock() {
        Ok(()) => Ok(file),
        Err(fs::TryLockError::WouldBlock) => Err(io::Error::new(
            io::ErrorKind::WouldBlock,
            format!(
                "the disk buffer {} is in use by another livekit-analytics process (it holds {}): stop that process first",
                dir.display(),
                path.display()
            ),
        )),
        Err(fs::TryLockError::Error(error)) => Err(error),
    }
}
