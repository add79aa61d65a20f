//! Tests of the disk buffer on a real, tiny file system (a tmpfs this test mounts; it needs
//! root, as in CI): a full disk refuses an append without leaving any of it behind, and
//! once space is back every acknowledged record is read, in order, and nothing else.

use std::{
    fs::OpenOptions,
    io::Write,
    path::{Path, PathBuf},
    process::Command,
    sync::Arc,
    time::Duration,
};

use super::{frame, log::DiskLog, reader::LogReader};
use crate::{pipeline::is_disk_full, record::Record, testkit_records};

/// A tmpfs mounted for one test, unmounted on drop.
struct TinyFs {
    dir: tempfile::TempDir,
}

impl TinyFs {
    /// Mounts a tmpfs of `size` (e.g. `"256k"`); `None` (with a note) when mounting is not
    /// possible outside CI; panics in CI.
    fn mount(size: &str) -> Option<TinyFs> {
        let dir = tempfile::tempdir().expect("temp dir");
        let mounted = Command::new("mount")
            .args(["-t", "tmpfs", "-o", &format!("size={size}"), "tmpfs"])
            .arg(dir.path())
            .output();
        match mounted {
            Ok(output) if output.status.success() => Some(TinyFs { dir }),
            other => {
                assert!(
                    std::env::var_os("CI").is_none(),
                    "cannot mount a tmpfs (needs root): {other:?}"
                );
                eprintln!("SKIPPED: cannot mount a tmpfs (needs root): {other:?}");
                None
            }
        }
    }

    fn path(&self) -> &Path {
        self.dir.path()
    }
}

impl Drop for TinyFs {
    fn drop(&mut self) {
        let _ = Command::new("umount").arg(self.dir.path()).status();
    }
}

fn records(from: usize, count: usize) -> Vec<Arc<Record>> {
    let base = testkit_records(std::time::SystemTime::now());
    (from..from + count)
        .map(|n| {
            let mut record = base[n % base.len()].clone();
            record.id = format!("{n:032x}");
            Arc::new(record)
        })
        .collect()
}

fn read_ids(log: &Arc<DiskLog>, from: u64) -> Vec<(u64, String)> {
    LogReader::new(log.clone(), from)
        .read(usize::MAX)
        .expect("readable")
        .into_iter()
        .map(|(seq, record)| (seq, record.id.clone()))
        .collect()
}

fn segment_files(dir: &Path) -> Vec<PathBuf> {
    let mut files: Vec<PathBuf> = std::fs::read_dir(dir)
        .expect("listable")
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| p.extension().is_some_and(|x| x == "seg"))
        .collect();
    files.sort();
    files
}

/// Fills the rest of the file system with a file (the space a test frees later).
fn fill_with(path: &Path) {
    let mut filler = std::fs::File::create(path).expect("filler");
    let chunk = vec![0u8; 4096];
    while filler.write_all(&chunk).is_ok() {}
}

#[test]
fn a_failed_append_on_a_full_disk_leaves_the_log_as_it_was_and_appending_resumes_once_space_is_back(
) {
    let Some(fs) = TinyFs::mount("512k") else {
        return;
    };
    let dir = fs.path().join("buffer");
    let filler = fs.path().join("filler");
    let (log, _) = DiskLog::open(&dir, Duration::ZERO).expect("opens");
    log.append(&records(0, 10)).expect("appended");
    fill_with(&filler);
    let mut acknowledged = 10;
    let mut refusals = 0;
    // Requests of 20 records: some fit in the last free bytes, then every one is refused.
    for request in 0..40 {
        let before = log.next_seq();
        let bytes_before = std::fs::metadata(&segment_files(&dir)[0])
            .expect("segment")
            .len();
        match log.append(&records(1000 + request * 20, 20)) {
            Ok(()) => acknowledged += 20,
            Err(error) => {
                refusals += 1;
                assert!(is_disk_full(&error), "a full disk: {error}");
                assert_eq!(log.next_seq(), before, "no sequence number used up");
                assert_eq!(
                    std::fs::metadata(&segment_files(&dir)[0])
                        .expect("segment")
                        .len(),
                    bytes_before,
                    "the failed append is cut off the segment"
                );
            }
        }
    }
    assert!(refusals > 0, "the disk filled up");
    std::fs::remove_file(&filler).expect("space freed");
    log.append(&records(5000, 20))
        .expect("appends again once space is back");
    acknowledged += 20;
    let read = read_ids(&log, 0);
    assert_eq!(
        read.len(),
        acknowledged,
        "every acknowledged record is read"
    );
    for (n, (seq, _)) in read.iter().enumerate() {
        assert_eq!(*seq, n as u64, "in order, no gap, nothing refused");
    }
    assert_eq!(
        read.last().map(|r| r.1.clone()),
        Some(format!("{:032x}", 5019))
    );
    drop(log);
    let (log, report) = DiskLog::open(&dir, Duration::ZERO).expect("reopens");
    assert!(report.skipped.is_empty(), "no torn spot: {report:?}");
    assert_eq!(read_ids(&log, 0), read, "the same records after a restart");
}

#[test]
fn the_reader_never_hands_out_a_frame_past_the_published_end() {
    let dir = tempfile::tempdir().expect("dir");
    let (log, _) = DiskLog::open(dir.path(), Duration::ZERO).expect("opens");
    log.append(&records(0, 5)).expect("appended");
    let segment = segment_files(dir.path())[0].clone();
    let valid = std::fs::metadata(&segment).expect("segment").len();
    // The frames of an append under way (or of one that failed): written, not published.
    let mut stray = Vec::new();
    for (offset, record) in records(900, 3).iter().enumerate() {
        frame::encode(5 + offset as u64, record, &mut stray).expect("encoded");
    }
    OpenOptions::new()
        .append(true)
        .open(&segment)
        .expect("open")
        .write_all(&stray)
        .expect("written");
    let mut reader = LogReader::new(log.clone(), 0);
    assert_eq!(reader.read(100).expect("readable").len(), 5);
    assert_eq!(reader.position(), 5);
    // The failed append is cut off; the next one takes its sequence numbers.
    OpenOptions::new()
        .write(true)
        .open(&segment)
        .expect("open")
        .set_len(valid)
        .expect("cut");
    log.append(&records(10, 2)).expect("appended");
    let next: Vec<String> = reader
        .read(100)
        .expect("readable")
        .into_iter()
        .map(|(_, record)| record.id.clone())
        .collect();
    assert_eq!(next, vec![format!("{:032x}", 10), format!("{:032x}", 11)]);
}

#[test]
fn corrupt_data_in_the_active_segment_does_not_hide_the_records_appended_after_it() {
    let dir = tempfile::tempdir().expect("dir");
    let (log, _) = DiskLog::open(dir.path(), Duration::ZERO).expect("opens");
    log.append(&records(0, 5)).expect("appended");
    let segment = segment_files(dir.path())[0].clone();
    let mut bytes = std::fs::read(&segment).expect("readable");
    let last = bytes.len() - 3;
    bytes[last] ^= 0xff;
    std::fs::write(&segment, bytes).expect("written");
    let mut reader = LogReader::new(log.clone(), 0);
    assert_eq!(
        reader.read(100).expect("readable").len(),
        4,
        "up to the bad frame"
    );
    log.append(&records(10, 3)).expect("appended");
    let later: Vec<u64> = reader
        .read(100)
        .expect("readable")
        .into_iter()
        .map(|(seq, _)| seq)
        .collect();
    assert_eq!(
        later,
        vec![5, 6, 7],
        "appended after the bad spot, still read"
    );
}

#[test]
fn the_open_report_counts_pending_records_from_the_slowest_saved_cursor() {
    let dir = tempfile::tempdir().expect("dir");
    {
        let log = DiskLog::open_with_segment_bytes(dir.path(), Duration::ZERO, 8 * 1024)
            .expect("opens")
            .0;
        log.register_sink("fast").expect("registered");
        log.register_sink("slow").expect("registered");
        for chunk in records(0, 200).chunks(10) {
            log.append(chunk).expect("appended");
        }
        log.commit("fast", 200).expect("committed");
        log.commit("slow", 150).expect("committed");
    }
    let (_, report) =
        DiskLog::open_with_segment_bytes(dir.path(), Duration::ZERO, 8 * 1024).expect("reopens");
    assert_eq!(report.pending_records, 50);
}
