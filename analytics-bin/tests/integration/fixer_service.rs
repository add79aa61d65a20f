//! The fixer in the real `livekit-analytics` binary (SQLite sink, interval 200ms, so one
//! fixer period is 2 × 200ms + 10 s), with a local Twirp server as LiveKit: entities LiveKit
//! drops are closed after two periods, a real close arriving in between wins, an
//! unreachable LiveKit closes nothing, two instances on one database take turns, and a
//! kill -9 and restart in the middle of a room still ends it.

use crate::fixer_support;
use crate::support;

use std::{
    path::{Path, PathBuf},
    time::{Duration, Instant, SystemTime, UNIX_EPOCH},
};

use fixer_support::{FakeLivekit, LivekitState};
use livekit_protocol::{participant_info, ParticipantInfo, Room, WebhookEvent};
use serde_json::Value;
use support::{free_port, TestService, API_KEY, API_SECRET};

/// Two fixer periods and some slack.
const TWO_PERIODS: Duration = Duration::from_secs(35);

const ROOM_SID: &str = "RM_fixer";
const ROOM_NAME: &str = "fixer-room";

fn now_seconds() -> i64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map(|d| d.as_secs() as i64)
        .unwrap_or_default()
}

fn room(created: i64) -> Room {
    Room {
        sid: ROOM_SID.into(),
        name: ROOM_NAME.into(),
        creation_time: created,
        ..Default::default()
    }
}

fn participant(sid: &str, identity: &str, joined: i64) -> ParticipantInfo {
    ParticipantInfo {
        sid: sid.into(),
        identity: identity.into(),
        name: identity.to_uppercase(),
        joined_at: joined,
        state: participant_info::State::Active as i32,
        ..Default::default()
    }
}

fn webhook(
    event: &str,
    id: &str,
    created: i64,
    participant: Option<ParticipantInfo>,
) -> WebhookEvent {
    WebhookEvent {
        event: event.into(),
        id: id.into(),
        created_at: created,
        room: Some(room(created)),
        participant,
        ..Default::default()
    }
}

/// LiveKit with the test room and `participants` in it.
fn livekit_with(created: i64, participants: Vec<ParticipantInfo>) -> LivekitState {
    LivekitState {
        rooms: vec![room(created)],
        participants: [(ROOM_NAME.to_owned(), participants)].into_iter().collect(),
        ..Default::default()
    }
}

/// The YAML lines of the fixer under `openvidu.analytics`.
fn fixer_settings(livekit_url: &str) -> String {
    format!("    fixer_interval: 1s\n    livekit_url: {livekit_url}\n")
}

/// A whole config: SQLite at `db_path`, listening on `port`.
fn config(db_path: &Path, port: u16, livekit_url: &str) -> String {
    format!(
        "keys:\n  {API_KEY}: {API_SECRET}\nopenvidu:\n  analytics:\n    enabled: true\n    interval: 200ms\n    listen: 127.0.0.1:{port}\n{}    sinks:\n      sqlite: {{ path: {} }}\n",
        fixer_settings(livekit_url),
        db_path.display()
    )
}

/// A service on a database file of the caller's (which outlives the service).
async fn service_on(db_path: &Path, livekit_url: &str) -> TestService {
    let port = free_port();
    let dir = tempfile::tempdir().expect("temp dir");
    TestService::start_with_config(
        dir,
        db_path.to_owned(),
        port,
        &config(db_path, port, livekit_url),
    )
    .await
}

/// Posts the room and its participants' joins.
async fn open_room(service: &TestService, created: i64, participants: &[ParticipantInfo]) {
    let response = service
        .post_webhook(&webhook("room_started", "EV_room_started", created, None))
        .await;
    assert!(response.status().is_success(), "room_started accepted");
    for p in participants {
        let id = format!("EV_joined_{}", p.sid);
        let response = service
            .post_webhook(&webhook(
                "participant_joined",
                &id,
                p.joined_at,
                Some(p.clone()),
            ))
            .await;
        assert!(
            response.status().is_success(),
            "participant_joined accepted"
        );
    }
}

/// `(type, document)` of every synthetic event in the SQLite file.
async fn synthetic_events(db_path: &Path) -> Vec<(String, Value)> {
    events_where(db_path, "json_extract(data, '$.synthetic') = 1").await
}

async fn events_where(db_path: &Path, condition: &str) -> Vec<(String, Value)> {
    if !db_path.exists() {
        return Vec::new();
    }
    let mut db = TestService::open_sqlite(db_path).await;
    let sql =
        format!("SELECT type, data FROM events WHERE {condition} ORDER BY type, participant_sid");
    let rows: Vec<(String, String)> = sqlx::query_as(sqlx::AssertSqlSafe(sql))
        .fetch_all(&mut db)
        .await
        .unwrap_or_default();
    let _ = sqlx::Connection::close(db).await;
    rows.into_iter()
        .map(|(kind, data)| (kind, serde_json::from_str(&data).expect("stored JSON")))
        .collect()
}

async fn active_count(db_path: &Path) -> i64 {
    if !db_path.exists() {
        return -1;
    }
    let mut db = TestService::open_sqlite(db_path).await;
    let count = sqlx::query_scalar("SELECT COUNT(*) FROM active_entities")
        .fetch_one(&mut db)
        .await
        .unwrap_or(-1);
    let _ = sqlx::Connection::close(db).await;
    count
}

/// Polls `check` every 250 ms until it holds, or panics with `what` and the log.
async fn wait_until<F, Fut>(service: &TestService, within: Duration, what: &str, mut check: F)
where
    F: FnMut() -> Fut,
    Fut: std::future::Future<Output = bool>,
{
    let deadline = Instant::now() + within;
    while Instant::now() < deadline {
        if check().await {
            return;
        }
        tokio::time::sleep(Duration::from_millis(250)).await;
    }
    panic!("{what} not seen within {within:?}; log:\n{}", service.log());
}

/// A counter of `/metrics`, 0 when absent.
async fn metric(service: &TestService, name_and_labels: &str) -> f64 {
    let (_, text) = service.get_text("/metrics").await;
    text.lines()
        .find_map(|line| line.strip_prefix(name_and_labels))
        .and_then(|rest| rest.trim().parse().ok())
        .unwrap_or(0.0)
}

async fn fixer_runs(service: &TestService, outcome: &str) -> f64 {
    metric(
        service,
        &format!("livekit_analytics_fixer_runs_total{{sink=\"sqlite\",outcome=\"{outcome}\"}}"),
    )
    .await
}

fn seconds(document: &Value) -> i64 {
    document["timestamp"]["seconds"]
        .as_i64()
        .expect("timestamp.seconds")
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn room_and_two_participants_are_closed_two_periods_after_livekit_drops_them() {
    let livekit = FakeLivekit::start(API_KEY, API_SECRET).await;
    let created = now_seconds();
    let alice = participant("PA_alice", "alice", created + 1);
    let bob = participant("PA_bob", "bob", created + 2);
    livekit.set(livekit_with(created, vec![alice.clone(), bob.clone()]));
    let service = TestService::start(&fixer_settings(&livekit.url)).await;
    let db = service.db_path.clone();
    open_room(&service, created, &[alice, bob]).await;
    wait_until(
        &service,
        Duration::from_secs(15),
        "three active entities",
        || async { active_count(&db).await == 3 },
    )
    .await;
    livekit.set(LivekitState::default());

    wait_until(&service, TWO_PERIODS, "a first fixer run", || async {
        fixer_runs(&service, "ran").await >= 1.0
    })
    .await;
    assert!(
        synthetic_events(&db).await.is_empty(),
        "held one period, not written yet"
    );
    assert_eq!(active_count(&db).await, 3);

    wait_until(&service, TWO_PERIODS, "three synthetic events", || async {
        synthetic_events(&db).await.len() == 3
    })
    .await;
    let events = synthetic_events(&db).await;
    let (kind, left_alice) = &events[0];
    assert_eq!(kind, "PARTICIPANT_LEFT");
    assert_eq!(left_alice["participant_id"], "PA_alice");
    assert_eq!(left_alice["participant"]["identity"], "alice");
    assert_eq!(left_alice["participant"]["name"], "ALICE");
    assert_eq!(left_alice["participant"]["joined_at"], created + 1);
    assert_eq!(left_alice["room"]["sid"], ROOM_SID);
    assert_eq!(left_alice["room_id"], ROOM_SID);
    assert!(
        seconds(left_alice) >= created + 1 + 5,
        "not before join + 5 s"
    );
    let (kind, left_bob) = &events[1];
    assert_eq!(kind, "PARTICIPANT_LEFT");
    assert_eq!(left_bob["participant_id"], "PA_bob");
    assert!(seconds(left_bob) >= created + 2 + 5);
    let (kind, ended) = &events[2];
    assert_eq!(kind, "ROOM_ENDED");
    assert_eq!(ended["room_id"], ROOM_SID);
    assert_eq!(ended["room"]["sid"], ROOM_SID);
    assert_eq!(ended["room"]["name"], ROOM_NAME);
    assert_eq!(ended["room"]["creation_time"], created);
    assert!(seconds(ended) >= created + 20, "not before creation + 20 s");
    assert!(
        seconds(ended) <= now_seconds(),
        "at last_alive, not in the future"
    );
    assert_eq!(active_count(&db).await, 0);
    let closed = |entity: &str| {
        format!("livekit_analytics_fixer_closed_total{{sink=\"sqlite\",entity=\"{entity}\"}}")
    };
    assert_eq!(metric(&service, &closed("ROOM")).await, 1.0);
    assert_eq!(metric(&service, &closed("PARTICIPANT")).await, 2.0);
    assert!(
        livekit.calls("ListRooms") >= 2,
        "LiveKit asked every period"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_real_participant_left_between_the_two_phases_wins() {
    let livekit = FakeLivekit::start(API_KEY, API_SECRET).await;
    let service = TestService::start(&fixer_settings(&livekit.url)).await;
    let db = service.db_path.clone();
    let created = now_seconds();
    let alice = participant("PA_alice", "alice", created);
    let bob = participant("PA_bob", "bob", created);
    open_room(&service, created, &[alice.clone(), bob]).await;
    wait_until(
        &service,
        Duration::from_secs(15),
        "three active entities",
        || async { active_count(&db).await == 3 },
    )
    .await;
    wait_until(&service, TWO_PERIODS, "a first fixer run", || async {
        fixer_runs(&service, "ran").await >= 1.0
    })
    .await;
    let left_at = now_seconds();
    let response = service
        .post_webhook(&webhook(
            "participant_left",
            "EV_alice_left",
            left_at,
            Some(alice),
        ))
        .await;
    assert!(response.status().is_success());
    wait_until(&service, TWO_PERIODS, "the second fixer run", || async {
        fixer_runs(&service, "ran").await >= 2.0
    })
    .await;
    let synthetic: Vec<(String, String)> = synthetic_events(&db)
        .await
        .into_iter()
        .map(|(kind, doc)| {
            (
                kind,
                doc["participant_id"]
                    .as_str()
                    .unwrap_or_default()
                    .to_owned(),
            )
        })
        .collect();
    assert_eq!(
        synthetic,
        vec![
            ("PARTICIPANT_LEFT".to_owned(), "PA_bob".to_owned()),
            ("ROOM_ENDED".to_owned(), String::new()),
        ]
    );
    let alice_left = events_where(
        &db,
        "type = 'PARTICIPANT_LEFT' AND participant_sid = 'PA_alice'",
    )
    .await;
    assert_eq!(alice_left.len(), 1, "only the real one: {alice_left:?}");
    assert_eq!(seconds(&alice_left[0].1), left_at);
    assert!(alice_left[0].1.get("synthetic").is_none());
    assert_eq!(active_count(&db).await, 0);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_unreachable_livekit_closes_nothing() {
    let closed_port = free_port();
    let service =
        TestService::start(&fixer_settings(&format!("http://127.0.0.1:{closed_port}"))).await;
    let db = service.db_path.clone();
    let created = now_seconds();
    open_room(
        &service,
        created,
        &[participant("PA_alice", "alice", created)],
    )
    .await;
    wait_until(
        &service,
        TWO_PERIODS + Duration::from_secs(5),
        "two runs with LiveKit unknown",
        || async { fixer_runs(&service, "livekit_unknown").await >= 2.0 },
    )
    .await;
    assert!(synthetic_events(&db).await.is_empty(), "nothing closed");
    assert_eq!(active_count(&db).await, 2, "still active");
    assert_eq!(fixer_runs(&service, "ran").await, 0.0);
    let log = service.log();
    assert_eq!(
        log.matches("LiveKit state unknown").count(),
        1,
        "said once, not every period:\n{log}"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn two_instances_on_one_database_run_one_fixer_per_period() {
    let livekit = FakeLivekit::start(API_KEY, API_SECRET).await;
    let dir = tempfile::tempdir().expect("temp dir");
    let db: PathBuf = dir.path().join("shared.db");
    let first = service_on(&db, &livekit.url).await;
    let second = service_on(&db, &livekit.url).await;
    let created = now_seconds();
    open_room(
        &first,
        created,
        &[participant("PA_alice", "alice", created)],
    )
    .await;
    wait_until(
        &first,
        TWO_PERIODS + Duration::from_secs(12),
        "three fixer periods",
        || async {
            let runs = fixer_runs(&first, "ran").await
                + fixer_runs(&first, "not_leader").await
                + fixer_runs(&second, "ran").await
                + fixer_runs(&second, "not_leader").await;
            runs >= 6.0
        },
    )
    .await;
    let ran = [
        fixer_runs(&first, "ran").await,
        fixer_runs(&second, "ran").await,
    ];
    let not_leader = [
        fixer_runs(&first, "not_leader").await,
        fixer_runs(&second, "not_leader").await,
    ];
    assert!(
        (ran[0] > 0.0 && ran[1] == 0.0 && not_leader[1] > 0.0 && not_leader[0] == 0.0)
            || (ran[1] > 0.0 && ran[0] == 0.0 && not_leader[0] > 0.0 && not_leader[1] == 0.0),
        "one instance runs the fixer, the other waits: ran {ran:?}, not_leader {not_leader:?}"
    );
    let synthetic = synthetic_events(&db).await;
    let kinds: Vec<&str> = synthetic.iter().map(|(kind, _)| kind.as_str()).collect();
    assert_eq!(kinds, ["PARTICIPANT_LEFT", "ROOM_ENDED"], "closed once");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_room_survives_a_kill_and_restart_and_is_ended_after_it() {
    let livekit = FakeLivekit::start(API_KEY, API_SECRET).await;
    let dir = tempfile::tempdir().expect("temp dir");
    let db: PathBuf = dir.path().join("analytics.db");
    let created = now_seconds();
    let alice = participant("PA_alice", "alice", created + 1);
    livekit.set(livekit_with(created, vec![alice.clone()]));
    let before = service_on(&db, &livekit.url).await;
    open_room(&before, created, &[alice]).await;
    wait_until(
        &before,
        Duration::from_secs(15),
        "two active entities",
        || async { active_count(&db).await == 2 },
    )
    .await;
    // kill -9 (TestService's drop): no shutdown, no flush, no fixer state kept.
    drop(before);
    livekit.set(LivekitState::default());

    let after = service_on(&db, &livekit.url).await;
    wait_until(
        &after,
        TWO_PERIODS,
        "ROOM_ENDED and PARTICIPANT_LEFT",
        || async { synthetic_events(&db).await.len() == 2 },
    )
    .await;
    let events = synthetic_events(&db).await;
    let (kind, left) = &events[0];
    assert_eq!(kind, "PARTICIPANT_LEFT");
    assert_eq!(left["participant_id"], "PA_alice");
    assert!(seconds(left) > created + 1, "after the join");
    assert!(seconds(left) >= created + 1 + 5);
    let (kind, ended) = &events[1];
    assert_eq!(kind, "ROOM_ENDED");
    assert_eq!(ended["room"]["sid"], ROOM_SID);
    assert!(seconds(ended) > created, "after the creation");
    assert!(seconds(ended) >= created + 20);
    assert_eq!(active_count(&db).await, 0);
}
