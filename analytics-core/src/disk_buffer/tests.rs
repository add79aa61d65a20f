//! Tests of the disk buffer on real files: order and durability across reopen, torn and
//! corrupt tails, per-sink cursors, segment deletion, and back-fill.

use std::{
    fs::OpenOptions,
    io::Write,
    sync::Arc,
    time::{Duration, SystemTime},
};

use super::{log::DiskLog, reader::LogReader, DiskQueue};
use crate::{config::BatchSizes, record::Record, testkit_records};

fn records(count: usize) -> Vec<Arc<Record>> {
    let base = testkit_records(SystemTime::now());
    (0..count)
        .map(|n| {
            let mut record = base[n % base.len()].clone();
            record.id = format!("{:032x}", n);
            Arc::new(record)
        })
        .collect()
}

fn read_all(log: &Arc<DiskLog>, from: u64) -> Vec<(u64, String)> {
    let mut reader = LogReader::new(log.clone(), from);
    reader
        .read(usize::MAX)
        .expect("readable")
        .into_iter()
        .map(|(seq, record)| (seq, record.id.clone()))
        .collect()
}

fn open(dir: &std::path::Path) -> Arc<DiskLog> {
    DiskLog::open_with_segment_bytes(dir, Duration::ZERO, 8 * 1024)
        .expect("opens")
        .0
}

#[test]
fn appended_records_are_read_back_in_order_after_reopen() {
    let dir = tempfile::tempdir().expect("dir");
    let written = records(50);
    {
        let log = open(dir.path());
        log.append(&written[..20]).expect("appended");
        log.append(&written[20..]).expect("appended");
    }
    let log = open(dir.path());
    assert_eq!(log.next_seq(), 50);
    let read = read_all(&log, 0);
    assert_eq!(read.len(), 50);
    for (n, (seq, id)) in read.iter().enumerate() {
        assert_eq!(*seq, n as u64);
        assert_eq!(*id, written[n].id);
    }
    assert_eq!(
        *log_record(&log, 7),
        *written[7],
        "the whole record survives"
    );
}

fn log_record(log: &Arc<DiskLog>, seq: u64) -> Arc<Record> {
    LogReader::new(log.clone(), seq).read(1).expect("readable")[0]
        .1
        .clone()
}

#[test]
fn a_torn_tail_is_skipped_reported_and_appending_goes_on() {
    let dir = tempfile::tempdir().expect("dir");
    {
        let log = DiskLog::open(dir.path(), Duration::ZERO).expect("opens").0;
        log.append(&records(10)).expect("appended");
    }
    let segment = std::fs::read_dir(dir.path())
        .expect("listable")
        .filter_map(|e| e.ok().map(|e| e.path()))
        .find(|p| p.extension().is_some_and(|x| x == "seg"))
        .expect("a segment");
    // A crash in the middle of a frame: half a header and a half-written payload.
    let mut file = OpenOptions::new()
        .append(true)
        .open(&segment)
        .expect("open");
    file.write_all(&[200, 1, 0, 0, 7, 7]).expect("written");
    drop(file);
    let (log, report) =
        DiskLog::open(dir.path(), Duration::ZERO).expect("a torn tail never fails the start");
    assert_eq!(report.skipped.len(), 1, "{report:?}");
    assert_eq!(log.next_seq(), 10);
    log.append(&records(3))
        .expect("appended after the torn tail");
    assert_eq!(read_all(&log, 0).len(), 13);
}

#[test]
fn a_checksum_mismatch_is_detected_and_the_data_after_it_skipped() {
    let dir = tempfile::tempdir().expect("dir");
    {
        let log = DiskLog::open(dir.path(), Duration::ZERO).expect("opens").0;
        log.append(&records(5)).expect("appended");
    }
    let segment = std::fs::read_dir(dir.path())
        .expect("listable")
        .filter_map(|e| e.ok().map(|e| e.path()))
        .find(|p| p.extension().is_some_and(|x| x == "seg"))
        .expect("a segment");
    let mut bytes = std::fs::read(&segment).expect("readable");
    let last = bytes.len() - 3;
    bytes[last] ^= 0xff;
    std::fs::write(&segment, bytes).expect("written");
    let (log, report) = DiskLog::open(dir.path(), Duration::ZERO).expect("opens");
    assert!(report.skipped[0].contains("checksum"), "{report:?}");
    assert_eq!(
        read_all(&log, 0).len(),
        4,
        "the records before the bad frame are kept"
    );
}

#[test]
fn cursors_are_durable_and_segments_go_once_every_sink_wrote_them() {
    let dir = tempfile::tempdir().expect("dir");
    let log = open(dir.path());
    assert_eq!(log.register_sink("fast").expect("registered"), 0);
    assert_eq!(log.register_sink("slow").expect("registered"), 0);
    for chunk in records(200).chunks(10) {
        log.append(chunk).expect("appended");
    }
    let segments = || {
        std::fs::read_dir(dir.path())
            .expect("dir")
            .filter(|e| {
                e.as_ref()
                    .is_ok_and(|e| e.path().extension().is_some_and(|x| x == "seg"))
            })
            .count()
    };
    let before = segments();
    assert!(before > 3, "small segments roll: {before}");
    log.commit("fast", 200).expect("committed");
    assert_eq!(
        segments(),
        before,
        "the slow sink still needs every segment"
    );
    log.commit("slow", 150).expect("committed");
    let after = segments();
    assert!(after < before, "segments both sinks wrote are deleted");
    assert_eq!(log.pending().0, 50);
    drop(log);
    let log = open(dir.path());
    assert_eq!(
        log.register_sink("slow").expect("registered"),
        150,
        "cursor survives reopen"
    );
    assert_eq!(read_all(&log, 150).len(), 50);
}

#[test]
fn a_new_sink_starts_at_the_end_and_rewind_back_fills_it() {
    let dir = tempfile::tempdir().expect("dir");
    let log = open(dir.path());
    log.register_sink("first").expect("registered");
    log.append(&records(30)).expect("appended");
    assert_eq!(log.register_sink("added_later").expect("registered"), 30);
    assert_eq!(log.rewind("added_later").expect("rewound"), 0);
    assert_eq!(read_all(&log, log.cursor("added_later")).len(), 30);
}

#[test]
fn the_next_sequence_number_never_goes_back_when_every_segment_is_gone() {
    let dir = tempfile::tempdir().expect("dir");
    {
        let log = open(dir.path());
        log.register_sink("only").expect("registered");
        log.append(&records(100)).expect("appended");
        log.commit("only", 100).expect("committed");
    }
    let log = open(dir.path());
    assert_eq!(log.next_seq(), 100);
    assert_eq!(log.register_sink("only").expect("registered"), 100);
}

#[test]
fn a_disk_queue_hands_out_batches_and_moves_its_cursor_only_when_settled() {
    let dir = tempfile::tempdir().expect("dir");
    let log = open(dir.path());
    let queue = DiskQueue::new(log.clone(), "sink", BatchSizes::fixed(4)).expect("queue");
    log.append(&records(10)).expect("appended");
    assert_eq!(queue.len(), 10);
    let batch = queue
        .take_batch(false)
        .expect("readable")
        .expect("a full batch");
    assert_eq!(batch.len(), 4);
    queue.put_back();
    let again = queue
        .take_batch(false)
        .expect("readable")
        .expect("the same batch again");
    assert_eq!(
        again.iter().map(|r| r.id.clone()).collect::<Vec<_>>(),
        batch.iter().map(|r| r.id.clone()).collect::<Vec<_>>()
    );
    queue.commit().expect("committed");
    assert_eq!(log.cursor("sink"), 4);
    assert!(queue.take_batch(false).expect("readable").is_some());
    queue.commit().expect("committed");
    assert!(
        queue.take_batch(false).expect("readable").is_none(),
        "2 left: not a full batch"
    );
    assert_eq!(
        queue.take_batch(true).expect("readable").map(|b| b.len()),
        Some(2)
    );
}

#[test]
fn a_disk_queue_takes_a_backlog_in_writes_of_the_most_records() {
    let dir = tempfile::tempdir().expect("dir");
    let log = open(dir.path());
    let queue =
        DiskQueue::new(log.clone(), "sink", BatchSizes { full: 4, most: 6 }).expect("queue");
    log.append(&records(3)).expect("appended");
    assert!(
        queue.take_batch(false).expect("readable").is_none(),
        "3 is not a full batch"
    );
    log.append(&records(12)).expect("appended");
    let mut sizes = Vec::new();
    while let Some(batch) = queue.take_batch(false).expect("readable") {
        sizes.push(batch.len());
        queue.commit().expect("committed");
    }
    assert_eq!(
        sizes,
        vec![6, 6],
        "15 waiting: two writes of 6, then 3 left"
    );
    assert_eq!(log.cursor("sink"), 12);
    assert_eq!(
        queue.take_batch(true).expect("readable").map(|b| b.len()),
        Some(3)
    );
}

#[test]
fn a_log_open_elsewhere_cannot_be_opened_again_until_it_is_closed() {
    let dir = tempfile::tempdir().expect("temp dir");
    let first = open(dir.path());
    let error = match DiskLog::open(dir.path(), Duration::ZERO) {
        Ok(_) => panic!("a second open of a log in use must fail"),
        Err(error) => error,
    };
    assert_eq!(error.kind(), std::io::ErrorKind::WouldBlock);
    assert!(
        error
            .to_string()
            .contains("in use by another livekit-analytics process"),
        "{error}"
    );
    drop(first);
    let again = open(dir.path());
    assert_eq!(read_all(&again, 0), Vec::new());
}
