//! Node room states stay bounded in memory, through the real binary's gRPC
//! `IngestNodeRoomStates`: a flood of reports with fresh node ids keeps at most
//! `MAX_NODES` of them, big reports at most `MAX_BYTES`, the rest are refused with
//! RESOURCE_EXHAUSTED (reason `node_states_full`), and the process's RSS (read from
//! /proc/<pid>/status) grows by less than 100 MB where unbounded states took gigabytes.
//! A stream speaks for the node its first report names.

use crate::support;
use crate::support::stream;

use std::time::{Duration, Instant};

use analytics_bin::node_state::MAX_NODES;
use futures::StreamExt;
use livekit_protocol::{
    participant_info, AnalyticsNodeRooms, AnalyticsRoom, AnalyticsRoomParticipant,
};
use stream::{recorder_client, stream_request};
use support::{access_token, TestService, API_KEY, API_SECRET};
use tonic::{Code, Status};

/// Connections a flood is sent over.
const CONNECTIONS: usize = 4;

/// Most RSS growth allowed for a flood.
const RSS_GROWTH_LIMIT_KB: u64 = 100 * 1024;

/// The service on SQLite, and its process id to read its RSS.
async fn start_service() -> (TestService, u32) {
    let service = TestService::start("").await;
    let pid = service.pid();
    (service, pid)
}

/// VmRSS of `pid`, in kB.
fn rss_kb(pid: u32) -> u64 {
    let status = std::fs::read_to_string(format!("/proc/{pid}/status")).expect("proc status");
    status
        .lines()
        .find_map(|line| line.strip_prefix("VmRSS:"))
        .and_then(|value| value.trim().trim_end_matches("kB").trim().parse().ok())
        .expect("VmRSS in /proc/<pid>/status")
}

/// User + system CPU time of `pid` (clock ticks of 10 ms).
fn cpu_time(pid: u32) -> Duration {
    let stat = std::fs::read_to_string(format!("/proc/{pid}/stat")).unwrap_or_default();
    let fields: Vec<&str> = stat
        .rsplit_once(')')
        .map(|(_, rest)| rest.split_whitespace().collect())
        .unwrap_or_default();
    let ticks = |index: usize| {
        fields
            .get(index)
            .and_then(|value| value.parse::<u64>().ok())
            .unwrap_or(0)
    };
    // After the command: state is field 3, utime 14 and stime 15 (1-based).
    Duration::from_millis((ticks(11) + ticks(12)) * 10)
}

/// A report of node `node` with `rooms` rooms of `participants` active participants each.
fn node_report(node: &str, rooms: usize, participants: usize) -> AnalyticsNodeRooms {
    AnalyticsNodeRooms {
        node_id: node.into(),
        sequence_number: 1,
        rooms: (0..rooms)
            .map(|room| AnalyticsRoom {
                id: format!("RM_{node}_{room:04}"),
                name: format!("room-{room}"),
                participants: (0..participants)
                    .map(|p| AnalyticsRoomParticipant {
                        id: format!("PA_{node}_{room:04}_{p:04}"),
                        identity: format!("user-{p}"),
                        state: participant_info::State::Active as i32,
                        ..Default::default()
                    })
                    .collect(),
                ..Default::default()
            })
            .collect(),
        ..Default::default()
    }
}

/// Sends each report on a stream of its own, `concurrency` streams at a time; how many
/// were kept and how many refused as full.
async fn flood(
    port: u16,
    reports: impl Iterator<Item = AnalyticsNodeRooms> + Send,
    concurrency: usize,
) -> (usize, usize) {
    let bearer = format!("Bearer {}", access_token(API_KEY, API_SECRET));
    // Several connections, so that both sides' connection tasks share the cores.
    let mut clients = Vec::new();
    for _ in 0..CONNECTIONS {
        clients.push(recorder_client(port).await);
    }
    let answers: Vec<Result<(), Status>> = futures::stream::iter(reports.enumerate())
        .map(|(n, report)| {
            let mut client = clients[n % CONNECTIONS].clone();
            let request = stream_request(vec![report], Some(&bearer));
            async move { client.ingest_node_room_states(request).await.map(|_| ()) }
        })
        .buffer_unordered(concurrency)
        .collect()
        .await;
    let mut kept = 0;
    let mut refused = 0;
    for answer in answers {
        match answer {
            Ok(()) => kept += 1,
            Err(status)
                if status.code() == Code::ResourceExhausted
                    && status.message().contains("node room states are full") =>
            {
                refused += 1
            }
            Err(status) => panic!("unexpected answer: {status:?}"),
        }
    }
    (kept, refused)
}

fn rejected_full(metrics: &str) -> Option<u64> {
    metrics
        .lines()
        .find(|line| {
            line.starts_with(
                r#"livekit_analytics_rejected_total{source="grpc",reason="node_states_full"}"#,
            )
        })
        .and_then(|line| line.rsplit(' ').next())
        .and_then(|value| value.parse().ok())
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_flood_of_fresh_node_ids_keeps_max_nodes_and_memory_stays_small() {
    // Ten times the bound: enough to show that nothing past it is kept.
    const REPORTS: usize = 10_000;
    let (service, pid) = start_service().await;
    let before = rss_kb(pid);
    let started = Instant::now();
    let reports = (0..REPORTS).map(|n| node_report(&format!("ND_{n:06}"), 1, 20));
    let (kept, refused) = flood(service.port, reports, 64).await;
    let elapsed = started.elapsed();
    let after = rss_kb(pid);
    eprintln!(
        "{REPORTS} node reports in {elapsed:?} (service CPU {:?}): kept {kept}, refused \
         {refused}; RSS {before} kB -> {after} kB",
        cpu_time(pid)
    );
    assert_eq!(kept, MAX_NODES);
    assert_eq!(refused, REPORTS - MAX_NODES);
    let (_, metrics) = service.get_text("/metrics").await;
    assert_eq!(
        rejected_full(&metrics),
        Some((REPORTS - MAX_NODES) as u64),
        "{metrics}"
    );
    assert!(
        after.saturating_sub(before) < RSS_GROWTH_LIMIT_KB,
        "RSS grew from {before} kB to {after} kB"
    );
    let (status, _) = service.get_text("/healthz").await;
    assert_eq!(status, 200);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn big_node_reports_are_bounded_by_bytes_and_memory_stays_small() {
    // 200 reports of 10 000 ids each: about 170 MB if every one were kept.
    const REPORTS: usize = 200;
    let (service, pid) = start_service().await;
    let before = rss_kb(pid);
    let reports = (0..REPORTS).map(|n| node_report(&format!("ND_big_{n:03}"), 100, 99));
    let (kept, refused) = flood(service.port, reports, 4).await;
    let after = rss_kb(pid);
    eprintln!(
        "{REPORTS} big node reports: kept {kept}, refused {refused}; RSS {before} kB -> {after} kB"
    );
    assert!(kept > 0 && refused > 0, "kept {kept}, refused {refused}");
    assert_eq!(kept + refused, REPORTS);
    assert!(
        after.saturating_sub(before) < RSS_GROWTH_LIMIT_KB,
        "RSS grew from {before} kB to {after} kB"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_stream_speaks_only_for_the_node_of_its_first_report() {
    let (service, _) = start_service().await;
    let bearer = format!("Bearer {}", access_token(API_KEY, API_SECRET));
    let mut client = recorder_client(service.port).await;
    let answer = client
        .ingest_node_room_states(stream_request(
            vec![node_report("ND_a", 1, 1), node_report("ND_b", 0, 0)],
            Some(&bearer),
        ))
        .await;
    let status = answer.expect_err("a report for another node");
    assert_eq!(status.code(), Code::PermissionDenied, "{status:?}");
    assert!(status.message().contains("ND_a"), "{status:?}");
    let answer = client
        .ingest_node_room_states(stream_request(
            vec![AnalyticsNodeRooms::default()],
            Some(&bearer),
        ))
        .await;
    assert_eq!(
        answer.map(|_| ()).map_err(|status| status.code()),
        Err(Code::InvalidArgument),
        "a report without node id"
    );
}
