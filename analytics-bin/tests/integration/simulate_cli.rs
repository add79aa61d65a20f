//! `livekit-analytics simulate` against a started binary: over gRPC, JSON and webhooks the
//! database ends up holding exactly what the closing summary reports; a wrong secret fails
//! with a non-zero exit and stores nothing; time is compressed by --time-scale.

use crate::support;
use crate::support::stream;

use std::{
    collections::BTreeMap,
    process::Output,
    time::{Duration, Instant},
};

use support::{TestService, API_KEY, API_SECRET};

use stream::counts_by;

/// Runs `simulate` against the service with extra flags.
pub(crate) async fn simulate(service: &TestService, secret: &str, flags: &[&str]) -> Output {
    tokio::process::Command::new(env!("CARGO_BIN_EXE_livekit-analytics"))
        .arg("simulate")
        .args([
            "--url",
            &service.base_url,
            "--api-key",
            API_KEY,
            "--api-secret",
            secret,
        ])
        .args(flags)
        .output()
        .await
        .expect("simulate runs")
}

/// What the summary reports: `events sent`, `stats sent`, and the events per type.
pub(crate) struct Reported {
    pub(crate) events: i64,
    pub(crate) stats: i64,
    pub(crate) per_type: BTreeMap<String, i64>,
}

pub(crate) fn parse_summary(stdout: &str) -> Reported {
    let number = |prefix: &str| {
        stdout
            .lines()
            .find_map(|line| line.strip_prefix(prefix))
            .and_then(|rest| rest.trim().parse::<i64>().ok())
            .unwrap_or_else(|| panic!("no `{prefix}` in the summary:\n{stdout}"))
    };
    let per_type = stdout
        .lines()
        .filter_map(|line| line.strip_prefix("  "))
        .filter_map(|line| line.split_once(": "))
        .filter_map(|(kind, count)| Some((kind.to_owned(), count.trim().parse().ok()?)))
        .collect();
    Reported {
        events: number("events sent:"),
        stats: number("stats sent:"),
        per_type,
    }
}

/// Runs a 2-minute simulation of 2 rooms of 3 participants over `source` at full speed,
/// checks it succeeded without errors, and waits until the service has stored the events and
/// stats its summary reports; the summary and the standard output.
pub(crate) async fn simulate_until_stored(
    service: &TestService,
    source: &str,
) -> (Reported, String) {
    let output = simulate(
        service,
        API_SECRET,
        &[
            "--source",
            source,
            "--time-scale",
            "0",
            "--duration",
            "2m",
            "--rooms",
            "2",
            "--participants",
            "3",
        ],
    )
    .await;
    let stdout = String::from_utf8_lossy(&output.stdout).into_owned();
    assert!(
        output.status.success(),
        "simulate failed:\n{stdout}\n{}",
        String::from_utf8_lossy(&output.stderr)
    );
    assert!(stdout.contains("errors: 0"), "{stdout}");
    let reported = parse_summary(&stdout);
    assert!(reported.events > 0, "{stdout}");
    service
        .wait_for_count("SELECT COUNT(*) FROM events", reported.events)
        .await;
    service
        .wait_for_count("SELECT COUNT(*) FROM stats", reported.stats)
        .await;
    (reported, stdout)
}

async fn assert_stored_as_reported(source: &str) -> Reported {
    let service = TestService::start("").await;
    let (reported, stdout) = simulate_until_stored(&service, source).await;
    let mut db = service.db().await;
    let stored = counts_by(&mut db, "SELECT type, COUNT(*) FROM events GROUP BY type").await;
    assert_eq!(stored, reported.per_type, "{stdout}");
    reported
}

#[tokio::test]
async fn simulate_over_grpc_stores_what_its_summary_reports() {
    let reported = assert_stored_as_reported("grpc").await;
    assert!(reported.stats > 0);
    for kind in [
        "TRACK_SUBSCRIBED",
        "PARTICIPANT_RESUMED",
        "PARTICIPANT_CONNECTION_ABORTED",
        "EGRESS_ENDED",
        "INGRESS_STARTED",
    ] {
        assert!(reported.per_type.contains_key(kind), "{kind}");
    }
}

#[tokio::test]
async fn simulate_over_json_stores_what_its_summary_reports() {
    let reported = assert_stored_as_reported("json").await;
    assert!(reported.stats > 0);
}

#[tokio::test]
async fn simulate_over_webhooks_sends_only_lifecycle_events() {
    let reported = assert_stored_as_reported("webhook").await;
    assert_eq!(reported.stats, 0);
    assert!(!reported.per_type.contains_key("TRACK_SUBSCRIBED"));
    assert_eq!(reported.per_type.get("PARTICIPANT_ACTIVE"), Some(&6));
    assert_eq!(reported.per_type.get("ROOM_CREATED"), Some(&2));
}

#[tokio::test]
async fn a_wrong_secret_fails_and_stores_nothing() {
    let service = TestService::start("").await;
    for source in ["grpc", "json", "webhook"] {
        let output = simulate(
            &service,
            "not-the-secret-of-the-service",
            &["--source", source, "--time-scale", "0", "--duration", "1m"],
        )
        .await;
        let stdout = String::from_utf8_lossy(&output.stdout);
        assert!(!output.status.success(), "{source}: {stdout}");
        assert!(!stdout.contains("errors: 0"), "{source}: {stdout}");
    }
    tokio::time::sleep(Duration::from_millis(500)).await;
    service
        .wait_for_count("SELECT COUNT(*) FROM events", 0)
        .await;
    service
        .wait_for_count("SELECT COUNT(*) FROM stats", 0)
        .await;
}

#[tokio::test]
async fn time_is_compressed_by_the_time_scale() {
    let service = TestService::start("").await;
    let started = Instant::now();
    // 60 s of LiveKit time at 40x: about 1.5 s.
    let output = simulate(
        &service,
        API_SECRET,
        &[
            "--time-scale",
            "40",
            "--duration",
            "1m",
            "--rooms",
            "1",
            "--participants",
            "2",
        ],
    )
    .await;
    let elapsed = started.elapsed();
    assert!(
        output.status.success(),
        "{}",
        String::from_utf8_lossy(&output.stdout)
    );
    assert!(elapsed >= Duration::from_millis(1200), "paced: {elapsed:?}");
    assert!(elapsed < Duration::from_secs(15), "compressed: {elapsed:?}");
}

/// Runs a short, fast simulation and returns its summary's event count.
async fn quick_run(service: &TestService, extra: &[&str]) -> i64 {
    let mut flags = vec!["--time-scale", "0", "--duration", "1m", "--rooms", "1"];
    flags.extend_from_slice(extra);
    let output = simulate(service, API_SECRET, &flags).await;
    let stdout = String::from_utf8_lossy(&output.stdout).into_owned();
    assert!(
        output.status.success(),
        "simulate failed:\n{stdout}{}",
        String::from_utf8_lossy(&output.stderr)
    );
    parse_summary(&stdout).events
}

#[tokio::test]
async fn each_run_has_its_own_ids_unless_seeded_and_nothing_is_stamped_in_the_future() {
    let service = TestService::start("").await;
    let first = quick_run(&service, &[]).await;
    let second = quick_run(&service, &[]).await;
    service
        .wait_for_count("SELECT COUNT(*) FROM events", first + second)
        .await;
    quick_run(&service, &["--seed", "42"]).await;
    quick_run(&service, &["--seed", "42"]).await;
    let sent_before = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .expect("after the epoch")
        .as_millis() as i64;
    tokio::time::sleep(Duration::from_secs(1)).await;
    let mut db = service.db().await;
    let (rooms, latest): (i64, i64) =
        sqlx::query_as(
            "SELECT COUNT(DISTINCT CASE WHEN room_sid LIKE 'RM_%' THEN room_sid END), MAX(timestamp) FROM events",
        )
            .fetch_one(&mut db)
            .await
            .expect("events read");
    assert_eq!(
        rooms, 3,
        "one room per run; the two seeded runs share theirs"
    );
    assert!(
        latest <= sent_before,
        "a record is stamped {} ms in the future",
        latest - sent_before
    );
}

/// The SQL blocks of the README's "Query your sessions" section.
fn readme_queries() -> Vec<String> {
    let readme = include_str!("../../../README.md");
    let section = readme
        .split("### Query your sessions")
        .nth(1)
        .and_then(|rest| rest.split("\n## ").next())
        .expect("the README has a Query your sessions section");
    section
        .split("```sql\n")
        .skip(1)
        .filter_map(|block| block.split("```").next())
        .map(str::to_owned)
        .collect()
}

#[tokio::test]
async fn the_readme_queries_answer_on_a_simulated_session() {
    let service = TestService::start("").await;
    let events = quick_run(&service, &[]).await;
    service
        .wait_for_count("SELECT COUNT(*) FROM events", events)
        .await;
    let queries = readme_queries();
    assert_eq!(queries.len(), 3, "room duration, who joined, quality");
    let mut db = service.db().await;
    for query in queries {
        let rows = sqlx::query(sqlx::AssertSqlSafe(query.clone()))
            .fetch_all(&mut db)
            .await
            .unwrap_or_else(|error| panic!("{query}\nfails: {error}"));
        assert!(!rows.is_empty(), "{query}\nreturns no row");
    }
}
