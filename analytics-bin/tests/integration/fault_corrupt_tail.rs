//! A corrupt tail in the disk buffer after a crash (a torn frame after the last whole one):
//! the service still starts, reports what it skipped, and writes every record before it.

#![cfg(feature = "sqlite")]

use crate::fault_support;
use crate::support;

use std::{io::Write, sync::Arc, time::Duration};

use fault_support::{
    service::FaultService,
    traffic::{send_all, IdSet, StreamClient, Workload},
};
use support::{TestService, API_KEY, API_SECRET};

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_torn_tail_after_a_crash_is_skipped_and_reported_and_everything_before_it_written() {
    let dir = tempfile::tempdir().expect("temp dir");
    let port = FaultService::port();
    let buffer = dir.path().join("buffer");
    let db = dir.path().join("analytics.db");
    // A one-hour interval: everything stays unwritten in the buffer until the end.
    let config = format!(
        "keys:\n  {API_KEY}: {API_SECRET}\nopenvidu:\n  analytics:\n    enabled: true\n    interval: 1h\n    batch_size: 100000\n    listen: 127.0.0.1:{port}\n    sinks:\n      sqlite: {{ path: '{}' }}\n    buffer: {{ dir: '{}' }}\n",
        db.display(),
        buffer.display()
    );
    let mut service = FaultService::start(dir.path(), port, &config).await;
    let calls = Arc::new(Workload::new("torn").calls(0, 1_000, 100));
    let outcome = send_all(StreamClient::new(port), calls.clone(), 2, Arc::default()).await;
    assert!(outcome.failed.is_empty(), "{:?}", outcome.failed.first());
    service.kill9();

    let segment = std::fs::read_dir(&buffer)
        .expect("buffer folder")
        .filter_map(|entry| entry.ok().map(|e| e.path()))
        .filter(|path| path.extension().is_some_and(|ext| ext == "seg"))
        .max()
        .expect("a segment");
    let mut file = std::fs::OpenOptions::new()
        .append(true)
        .open(&segment)
        .expect("segment opens");
    // A frame header announcing 1 000 bytes, followed by only 10: what a torn write leaves.
    file.write_all(&1000u32.to_le_bytes()).expect("write");
    file.write_all(&[0xAB; 14]).expect("write");
    drop(file);

    service.restart().await;
    let log = service.log();
    assert!(
        log.contains("corrupt data skipped"),
        "the skipped tail is reported; log:\n{log}"
    );
    let (status, _) = service.terminate(Duration::from_secs(30)).await;
    assert!(status.success(), "log:\n{}", service.log());

    let sent = IdSet::of_calls(calls.iter());
    let mut connection = TestService::open_sqlite(&db).await;
    for (sql, expected) in [
        ("SELECT id FROM events", &sent.events),
        ("SELECT id FROM stats", &sent.stats),
    ] {
        let mut stored: Vec<String> = sqlx::query_scalar(sql)
            .fetch_all(&mut connection)
            .await
            .expect("ids");
        stored.sort();
        let expected: Vec<String> = expected.iter().cloned().collect();
        assert_eq!(
            stored, expected,
            "every record before the torn tail, once: {sql}"
        );
    }
}
