//! The server going away mid-run and coming back: batches sent meanwhile are reported
//! unavailable, succeed once it is back, and everything is stored exactly once.

use std::{
    collections::BTreeSet,
    net::{TcpListener, TcpStream},
    path::Path,
    process::{Child, Command, Stdio},
    sync::Arc,
    time::{Duration, Instant, SystemTime},
};

use analytics_core::{testkit::session_records, Batch, RecordKind, SinkError};

use crate::probe::{client, registered_sink, test_url, MongoProbe};
use analytics_core::testkit::StoreProbe;

/// The server program the test starts: `LKA_TEST_MONGO_SERVER_BIN`, which
/// scripts/servers/mongo.sh sets to SecantusDB's Rust build when it has one, else the Python
/// build's `secantusd-py`. Both take `--host`, `--port` and `--storage-path`.
fn server_program() -> String {
    std::env::var("LKA_TEST_MONGO_SERVER_BIN").unwrap_or_else(|_| "secantusd-py".to_owned())
}

/// A throwaway SecantusDB server of this test's own, killed when dropped.
struct OwnServer {
    child: Child,
}

impl OwnServer {
    fn start(port: u16, storage: &Path) -> OwnServer {
        let log = std::fs::OpenOptions::new()
            .create(true)
            .append(true)
            .open(storage.with_extension("log"))
            .expect("server log opens");
        let program = server_program();
        let child = Command::new(&program)
            .args([
                "--host",
                "127.0.0.1",
                "--port",
                &port.to_string(),
                "--storage-path",
            ])
            .arg(storage)
            .stdin(Stdio::null())
            .stdout(log.try_clone().expect("log handle"))
            .stderr(log)
            .spawn()
            .unwrap_or_else(|error| {
                panic!("{program} starts (scripts/servers/mongo.sh installs it): {error}")
            });
        let server = OwnServer { child };
        let deadline = Instant::now() + Duration::from_secs(60);
        while TcpStream::connect(("127.0.0.1", port)).is_err() {
            assert!(
                Instant::now() < deadline,
                "{program} answers on port {port} within 60 s"
            );
            std::thread::sleep(Duration::from_millis(100));
        }
        server
    }

    /// Kills the server at once, as a crash would.
    fn kill(mut self) {
        self.child.kill().expect("server killed");
        self.child.wait().expect("server reaped");
    }
}

impl Drop for OwnServer {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// Whether the server program can be run; outside CI its absence skips the test with a note.
fn secantusd_installed() -> bool {
    let program = server_program();
    let found = Command::new(&program)
        .arg("--help")
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .status()
        .is_ok_and(|status| status.success());
    if !found {
        assert!(
            std::env::var_os("CI").is_none(),
            "{program} is not installed: in CI scripts/servers/mongo.sh installs it"
        );
        eprintln!(
            "SKIPPED: {program} is not installed; source scripts/servers/mongo.sh to install it."
        );
    }
    found
}

fn free_port() -> u16 {
    TcpListener::bind(("127.0.0.1", 0))
        .and_then(|listener| listener.local_addr())
        .expect("a free loopback port")
        .port()
}

#[tokio::test]
async fn server_restart_mid_run_loses_nothing() {
    // Runs where the shared test server runs: the same script installs the server program.
    if test_url().is_none() || !secantusd_installed() {
        return;
    }
    let storage_root = tempfile::tempdir().expect("temporary directory");
    let storage = storage_root.path().join("secantus");
    let port = free_port();
    let url =
        format!("mongodb://127.0.0.1:{port}/?directConnection=true&serverSelectionTimeoutMS=2000");
    let server = OwnServer::start(port, &storage);

    let sink = registered_sink(&url, "openvidu");
    sink.initialize().await.expect("initialize");
    let start = SystemTime::now();
    let before = session_records(start);
    let during = session_records(start + Duration::from_secs(3600));
    let batch = |records: &[analytics_core::Record]| {
        Batch::new(records.iter().cloned().map(Arc::new).collect())
    };
    sink.send_batch(&batch(&before))
        .await
        .expect("written while up");

    server.kill();
    match sink.send_batch(&batch(&during)).await {
        Err(error @ SinkError::Unavailable { .. }) => assert!(error.is_retryable()),
        other => panic!("a batch sent while the server is down is unavailable, got {other:?}"),
    }

    let _server = OwnServer::start(port, &storage);
    let deadline = Instant::now() + Duration::from_secs(60);
    loop {
        match sink.send_batch(&batch(&during)).await {
            Ok(()) => break,
            Err(SinkError::Unavailable {
                message: reason, ..
            }) if Instant::now() < deadline => {
                eprintln!("still unavailable after restart: {reason}");
                tokio::time::sleep(Duration::from_millis(500)).await;
            }
            Err(error) => panic!("the batch is written once the server is back: {error}"),
        }
    }
    // The sender re-sends whatever it is unsure of: nothing is stored twice.
    sink.send_batch(&batch(&before))
        .await
        .expect("re-sent batch is a success");

    let probe = MongoProbe {
        database: client(&url).await.database("openvidu"),
    };
    for kind in [RecordKind::Event, RecordKind::Stat] {
        let stored = probe.stored_ids(kind).await;
        let unique: BTreeSet<String> = stored.iter().cloned().collect();
        assert_eq!(stored.len(), unique.len(), "{kind:?} stored once each");
        let expected: BTreeSet<String> = before
            .iter()
            .chain(&during)
            .filter(|record| record.kind == kind)
            .map(|record| record.id.clone())
            .collect();
        assert_eq!(
            unique, expected,
            "{kind:?}: every record of before and during the outage"
        );
    }
    assert!(
        !probe.active_entities().await.is_empty(),
        "active entities survive the restart"
    );
}
