//! The fixer of every sink at once, in two real `livekit-analytics` instances sharing all
//! their databases (one SQLite file, and the PostgreSQL schema, Redis prefix and MongoDB
//! database of the test servers when they run), with a local Twirp server as LiveKit: each
//! sink's entities are closed exactly once, by one instance (each database's own lease).

use crate::fixer_support;
use crate::support;

use std::{
    path::Path,
    time::{Duration, Instant, SystemTime, UNIX_EPOCH},
};

use analytics_core::testkit::server_url;
use fixer_support::{FakeLivekit, LivekitState};
use support::{
    free_port,
    lifecycle::{open_room, unix_now},
    TestService, API_KEY, API_SECRET,
};

/// Three fixer periods (2 × 200ms + 10 s each) and some slack.
const THREE_PERIODS: Duration = Duration::from_secs(45);

/// A name no other test run uses.
fn unique(prefix: &str) -> String {
    let nanos = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .unwrap_or_default()
        .as_nanos();
    format!("{prefix}_{}_{nanos}", std::process::id())
}

/// The PostgreSQL schema of this test run (dropped at the end).
fn pg_schema() -> String {
    static SCHEMA: std::sync::OnceLock<String> = std::sync::OnceLock::new();
    SCHEMA.get_or_init(|| unique("lka_fixer")).clone()
}

/// Drops the test run's PostgreSQL schema.
#[cfg(feature = "postgres")]
async fn drop_pg_schema() {
    let Some(url) = server_url("LKA_TEST_POSTGRES_URL") else {
        return;
    };
    sink_postgres::testkit::drop_schema(&url, &pg_schema())
        .await
        .expect("schema dropped");
}

/// `sinks:` entries (name, YAML settings) for every sink compiled in whose server runs.
fn sinks(db_path: &Path) -> Vec<(&'static str, String)> {
    let mut sinks = vec![("sqlite", format!("{{ path: {} }}", db_path.display()))];
    if cfg!(feature = "postgres") {
        if let Some(url) = server_url("LKA_TEST_POSTGRES_URL") {
            sinks.push((
                "postgres",
                format!("{{ url: \"{url}\", schema: {} }}", pg_schema()),
            ));
        }
    }
    if cfg!(feature = "redis") {
        if let Some(url) = server_url("LKA_TEST_REDIS_URL") {
            sinks.push((
                "redis",
                format!("{{ url: \"{url}\", prefix: \"{}:\" }}", unique("lkafixer")),
            ));
        }
    }
    if cfg!(feature = "mongo") {
        if let Some(url) = server_url("LKA_TEST_MONGO_URL") {
            sinks.push((
                "mongo",
                format!("{{ url: \"{url}\", database: {} }}", unique("lka_fixer")),
            ));
        }
    }
    sinks
}

fn config(port: u16, livekit_url: &str, sinks: &[(&str, String)]) -> String {
    let mut yaml = format!(
        "keys:\n  {API_KEY}: {API_SECRET}\nopenvidu:\n  analytics:\n    enabled: true\n    interval: 200ms\n    expiration: 1h\n    fixer_interval: 1s\n    livekit_url: {livekit_url}\n    listen: 127.0.0.1:{port}\n    sinks:\n"
    );
    for (name, settings) in sinks {
        yaml.push_str(&format!("      {name}: {settings}\n"));
    }
    yaml
}

async fn start(db_path: &Path, livekit_url: &str, sinks: &[(&str, String)]) -> TestService {
    let port = free_port();
    let dir = tempfile::tempdir().expect("temp dir");
    TestService::start_with_config(
        dir,
        db_path.to_owned(),
        port,
        &config(port, livekit_url, sinks),
    )
    .await
}

async fn metric(service: &TestService, name_and_labels: &str) -> f64 {
    let (_, text) = service.get_text("/metrics").await;
    text.lines()
        .find_map(|line| line.strip_prefix(name_and_labels))
        .and_then(|rest| rest.trim().parse().ok())
        .unwrap_or(0.0)
}

async fn closed(service: &TestService, sink: &str, entity: &str) -> f64 {
    metric(
        service,
        &format!("livekit_analytics_fixer_closed_total{{sink=\"{sink}\",entity=\"{entity}\"}}"),
    )
    .await
}

async fn runs(service: &TestService, sink: &str, outcome: &str) -> f64 {
    metric(
        service,
        &format!("livekit_analytics_fixer_runs_total{{sink=\"{sink}\",outcome=\"{outcome}\"}}"),
    )
    .await
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_sink_is_fixed_once_by_one_of_two_instances() {
    let livekit = FakeLivekit::start(API_KEY, API_SECRET).await;
    let dir = tempfile::tempdir().expect("temp dir");
    let db_path = dir.path().join("shared.db");
    let sinks = sinks(&db_path);
    let names: Vec<&str> = sinks.iter().map(|(name, _)| *name).collect();
    eprintln!("sinks under test: {names:?}");
    let first = start(&db_path, &livekit.url, &sinks).await;
    let second = start(&db_path, &livekit.url, &sinks).await;
    open_room(
        &first,
        "RM_every_sink",
        "EV_every",
        &["PA_one", "PA_two"],
        unix_now(),
    )
    .await;
    livekit.set(LivekitState::default());

    let deadline = Instant::now() + THREE_PERIODS;
    loop {
        let mut done = true;
        for name in &names {
            let rooms = closed(&first, name, "ROOM").await + closed(&second, name, "ROOM").await;
            let participants = closed(&first, name, "PARTICIPANT").await
                + closed(&second, name, "PARTICIPANT").await;
            done &= rooms == 1.0 && participants == 2.0;
        }
        if done {
            break;
        }
        assert!(
            Instant::now() < deadline,
            "not every sink was fixed; logs:\n{}\n---\n{}",
            first.log(),
            second.log()
        );
        tokio::time::sleep(Duration::from_millis(500)).await;
    }
    // One more period: nothing is closed twice.
    tokio::time::sleep(Duration::from_secs(11)).await;
    for name in &names {
        let ran = [
            runs(&first, name, "ran").await,
            runs(&second, name, "ran").await,
        ];
        assert!(
            (ran[0] > 0.0) != (ran[1] > 0.0),
            "sink {name}: one instance runs its fixer, ran {ran:?}"
        );
        assert_eq!(
            closed(&first, name, "ROOM").await + closed(&second, name, "ROOM").await,
            1.0,
            "sink {name}: the room is closed once"
        );
        assert_eq!(
            closed(&first, name, "PARTICIPANT").await + closed(&second, name, "PARTICIPANT").await,
            2.0,
            "sink {name}: each participant is closed once"
        );
    }
    #[cfg(feature = "postgres")]
    drop_pg_schema().await;
}
