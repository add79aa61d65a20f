//! `livekit-analytics replay --sink NAME`: a sink added to the config after records went
//! through the disk buffer is back-filled from what the buffer still holds, exactly once
//! (and again, idempotently); without a disk buffer, with an unknown sink, beside a service
//! running on the same buffer, or when the sink cannot catch up in time it exits 1 and says
//! why.

#![cfg(feature = "sqlite")]

use crate::fault_support;
use crate::support;

use std::{
    collections::BTreeSet,
    path::Path,
    process::{Command, Output},
    sync::Arc,
    time::Duration,
};

use analytics_core::RecordKind;
use fault_support::{
    service::FaultService,
    traffic::{send_all, IdSet, StreamClient, Workload},
};
use support::{TestService, API_KEY, API_SECRET};

const RECORDS: u64 = 2_000;

fn config(port: u16, dir: &Path, buffer: bool, late_sink: bool) -> String {
    let mut yaml = format!(
        "keys:\n  {API_KEY}: {API_SECRET}\nopenvidu:\n  analytics:\n    enabled: true\n    interval: 200ms\n    listen: 127.0.0.1:{port}\n    sinks:\n      first: {{ type: sqlite, path: '{}' }}\n",
        dir.join("first.db").display()
    );
    if late_sink {
        yaml.push_str(&format!(
            "      late: {{ type: sqlite, path: '{}' }}\n",
            dir.join("late.db").display()
        ));
    }
    if buffer {
        yaml.push_str(&format!(
            "    buffer: {{ dir: '{}' }}\n",
            dir.join("buffer").display()
        ));
    }
    yaml
}

fn replay(config: &str, dir: &Path, sink: &str) -> Output {
    replay_within(config, dir, sink, "60s")
}

fn replay_within(config: &str, dir: &Path, sink: &str, timeout: &str) -> Output {
    let path = dir.join("replay.yaml");
    std::fs::write(&path, config).expect("config written");
    Command::new(env!("CARGO_BIN_EXE_livekit-analytics"))
        .args(["replay", "--sink", sink, "--timeout", timeout, "--config"])
        .arg(&path)
        .output()
        .expect("livekit-analytics runs")
}

async fn stored(path: &Path) -> IdSet {
    let mut db = TestService::open_sqlite(path).await;
    let mut ids = IdSet::default();
    for (kind, sql) in [
        (RecordKind::Event, "SELECT id FROM events"),
        (RecordKind::Stat, "SELECT id FROM stats"),
    ] {
        let rows: Vec<String> = sqlx::query_scalar(sql)
            .fetch_all(&mut db)
            .await
            .expect("ids");
        let distinct: BTreeSet<String> = rows.iter().cloned().collect();
        assert_eq!(
            rows.len(),
            distinct.len(),
            "{kind:?} stored once each in {}",
            path.display()
        );
        match kind {
            RecordKind::Event => ids.events = distinct,
            RecordKind::Stat => ids.stats = distinct,
        }
    }
    ids
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn replay_back_fills_a_sink_added_later_from_the_disk_buffer() {
    let dir = tempfile::tempdir().expect("temp dir");
    let port = FaultService::port();
    let mut service =
        FaultService::start(dir.path(), port, &config(port, dir.path(), true, false)).await;
    let calls = Arc::new(Workload::new("replay").calls(0, RECORDS, 100));
    let outcome = send_all(StreamClient::new(port), calls.clone(), 2, Arc::default()).await;
    assert!(outcome.failed.is_empty(), "{:?}", outcome.failed.first());
    let (status, _) = service.terminate(Duration::from_secs(30)).await;
    assert!(status.success(), "log:\n{}", service.log());
    let sent = IdSet::of_calls(calls.iter());
    assert_eq!(stored(&dir.path().join("first.db")).await, sent);

    let with_late_sink = config(port, dir.path(), true, true);
    for run in ["first", "second"] {
        let output = replay(&with_late_sink, dir.path(), "late");
        let stdout = String::from_utf8_lossy(&output.stdout);
        assert!(
            output.status.success(),
            "{run} replay: {stdout}\n{}",
            String::from_utf8_lossy(&output.stderr)
        );
        assert!(
            stdout.contains(&format!("replay of sink late: {RECORDS} records")),
            "{run} replay: {stdout}"
        );
        assert!(
            stdout.contains(&format!("{RECORDS} written, 0 refused")),
            "{run} replay: {stdout}"
        );
        assert_eq!(
            stored(&dir.path().join("late.db")).await,
            sent,
            "{run} replay stores everything once"
        );
    }
    // The sink that was there all along is untouched, and the service starts on the buffer.
    assert_eq!(stored(&dir.path().join("first.db")).await, sent);
    let mut service = FaultService::start(dir.path(), port, &with_late_sink).await;
    let (status, _) = service.terminate(Duration::from_secs(30)).await;
    assert!(status.success(), "log:\n{}", service.log());
    assert_eq!(stored(&dir.path().join("late.db")).await, sent);
}

#[test]
fn replay_of_an_unconfigured_sink_exits_1_and_names_the_configured_ones() {
    let dir = tempfile::tempdir().expect("temp dir");
    let output = replay(
        &config(support::free_port(), dir.path(), true, false),
        dir.path(),
        "nope",
    );
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert_eq!(output.status.code(), Some(1), "{stderr}");
    assert!(
        stderr.contains("sink `nope` is not configured") && stderr.contains("configured: first"),
        "{stderr}"
    );
}

#[test]
fn replay_without_a_disk_buffer_exits_1_and_says_so() {
    let dir = tempfile::tempdir().expect("temp dir");
    let output = replay(
        &config(support::free_port(), dir.path(), false, true),
        dir.path(),
        "late",
    );
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert_eq!(output.status.code(), Some(1), "{stderr}");
    assert!(stderr.contains("buffer.dir is not set"), "{stderr}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn replay_into_a_sink_that_cannot_write_exits_1_after_the_timeout() {
    let dir = tempfile::tempdir().expect("temp dir");
    let port = FaultService::port();
    let mut service =
        FaultService::start(dir.path(), port, &config(port, dir.path(), true, false)).await;
    let calls = Arc::new(Workload::new("replay_fail").calls(0, 200, 100));
    let outcome = send_all(StreamClient::new(port), calls, 1, Arc::default()).await;
    assert!(outcome.failed.is_empty(), "{:?}", outcome.failed.first());
    let (status, _) = service.terminate(Duration::from_secs(30)).await;
    assert!(status.success(), "log:\n{}", service.log());

    let broken = config(port, dir.path(), true, false).replace(
        "    buffer:",
        "      late: { type: sqlite, path: '/proc/no-such-folder/late.db' }\n    buffer:",
    );
    let output = replay_within(&broken, dir.path(), "late", "2s");
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert_eq!(output.status.code(), Some(1), "{stderr}");
    assert!(
        stderr.contains("sink late did not catch up") && stderr.contains("200 records left"),
        "{stderr}"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn replay_beside_a_running_service_exits_1_and_leaves_the_service_alone() {
    let dir = tempfile::tempdir().expect("temp dir");
    let port = FaultService::port();
    let mut service =
        FaultService::start(dir.path(), port, &config(port, dir.path(), true, false)).await;
    let calls = Arc::new(Workload::new("replay_busy").calls(0, 200, 100));
    let outcome = send_all(StreamClient::new(port), calls.clone(), 2, Arc::default()).await;
    assert!(outcome.failed.is_empty(), "{:?}", outcome.failed.first());

    let output = replay_within(
        &config(port, dir.path(), true, true),
        dir.path(),
        "late",
        "2s",
    );
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert_eq!(output.status.code(), Some(1), "{stderr}");
    assert!(
        stderr.contains("in use by another livekit-analytics process"),
        "{stderr}"
    );

    let (status, _) = service.terminate(Duration::from_secs(30)).await;
    assert!(status.success(), "log:\n{}", service.log());
    assert_eq!(
        stored(&dir.path().join("first.db")).await,
        IdSet::of_calls(calls.iter()),
        "the service stored everything all the same"
    );
}
