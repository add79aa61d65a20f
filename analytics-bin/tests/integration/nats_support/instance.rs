//! One livekit-analytics instance on the NATS buffer for the NATS tests: its config (the
//! test key, a SQLite sink, `buffer.nats` and a role), a run that must end (a start that
//! fails), and what its SQLite file must hold in the end.

use std::{
    collections::BTreeSet,
    io::Read,
    path::Path,
    process::{Command, Stdio},
    time::{Duration, Instant},
};

use analytics_core::{testkit::StoreProbe, RecordKind};
use sink_sqlite::testkit::SqliteProbe;

use crate::{
    fault_support::traffic::IdSet,
    support::{API_KEY, API_SECRET},
};

/// A whole config: the test key, `sinks` and `analytics_extra` under `openvidu.analytics`.
pub fn config(port: u16, sinks: &str, analytics_extra: &str) -> String {
    format!(
        "keys:\n  {API_KEY}: {API_SECRET}\nopenvidu:\n  analytics:\n    enabled: true\n    listen: 127.0.0.1:{port}\n    interval: 200ms\n    max_retry_backoff: 1s\n{sinks}{analytics_extra}"
    )
}

/// `sinks:` with one SQLite sink writing `path`.
pub fn sqlite_sink(path: &Path) -> String {
    format!(
        "    sinks:\n      sqlite: {{ path: '{}' }}\n",
        path.display()
    )
}

/// Waits until the SQLite file holds every id of `expected`, then checks nothing is
/// doubled or foreign.
pub async fn assert_sqlite_holds_exactly(path: &Path, expected: &IdSet) {
    let probe = SqliteProbe::new(path);
    let deadline = Instant::now() + Duration::from_secs(60);
    loop {
        let events = probe.count(RecordKind::Event).await.unwrap_or(0) as usize;
        let stats = probe.count(RecordKind::Stat).await.unwrap_or(0) as usize;
        if events >= expected.events.len() && stats >= expected.stats.len() {
            break;
        }
        assert!(
            Instant::now() < deadline,
            "SQLite holds {events} events and {stats} stats of {} and {} after 60 s",
            expected.events.len(),
            expected.stats.len()
        );
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
    for kind in [RecordKind::Event, RecordKind::Stat] {
        let stored = probe.stored_ids(kind).await;
        let distinct: BTreeSet<&String> = stored.iter().collect();
        assert_eq!(distinct.len(), stored.len(), "{kind:?} stored once each");
        let expected: BTreeSet<&String> = expected.get(kind).iter().collect();
        assert_eq!(
            distinct, expected,
            "{kind:?}: exactly the acknowledged records"
        );
    }
}

/// Runs the binary with `config` and returns its exit success and its stderr (it must exit
/// within 30 s).
pub fn run_until_exit(dir: &Path, config: &str) -> (bool, String) {
    let path = dir.join("config.yaml");
    std::fs::write(&path, config).expect("config written");
    let mut child = Command::new(env!("CARGO_BIN_EXE_livekit-analytics"))
        .arg("--config")
        .arg(&path)
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .expect("livekit-analytics starts");
    let deadline = Instant::now() + Duration::from_secs(30);
    loop {
        if let Some(status) = child.try_wait().expect("wait") {
            let mut stderr = String::new();
            let _ = child
                .stderr
                .take()
                .expect("stderr")
                .read_to_string(&mut stderr);
            return (status.success(), stderr);
        }
        if Instant::now() > deadline {
            let _ = child.kill();
            let _ = child.wait();
            panic!("livekit-analytics still runs 30 s after start");
        }
        std::thread::sleep(Duration::from_millis(50));
    }
}
