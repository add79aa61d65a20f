//! The series endpoints and `/v1/overview` against what was sent: as many points as the
//! stats fill buckets (1 s buckets for `points=1000` over a few minutes), never more than
//! `points`; the overview's sessions, participants, bytes and what is open now.

use std::{
    collections::BTreeSet,
    time::{SystemTime, UNIX_EPOCH},
};

use serde_json::Value;

use crate::read_api_v1_sent::{Sent, SentRoom, OPEN_ROOM};
use crate::read_api_v1_sessions::{read, rfc3339};
use crate::support::TestService;

pub fn now_ms() -> i64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |since| since.as_millis() as i64)
}

/// Distinct 1 s buckets from `from_ms` that `times` fall in.
fn buckets(times: &[i64], from_ms: i64) -> usize {
    times
        .iter()
        .map(|at| (at - from_ms).div_euclid(1000))
        .collect::<BTreeSet<_>>()
        .len()
}

async fn series_matches(service: &TestService, room: &SentRoom, path: &str, times: &[i64]) {
    let ended = room.ended_ms.expect("an ended room");
    let range = format!(
        "from={}&to={}",
        rfc3339(room.created_ms),
        rfc3339(ended + 1000)
    );
    let body = read(service, &format!("{path}?points=1000&{range}")).await;
    assert_eq!(body["bucket_seconds"], 1, "{path}: {body}");
    assert_eq!(body["from"], rfc3339(room.created_ms), "{path}");
    let points = body["points"].as_array().cloned().unwrap_or_default();
    assert_eq!(
        points.len(),
        buckets(times, room.created_ms),
        "{path}: {body}"
    );
    assert!(points.iter().all(|p| p["score"]
        .as_f64()
        .is_some_and(|s| (1.0..=5.0).contains(&s))));
    assert!(points
        .iter()
        .all(|p| p["bitrate_bps"].as_f64().is_some_and(|b| b > 0.0)));
    let body = read(service, &format!("{path}?points=4")).await;
    let points = body["points"].as_array().map_or(0, Vec::len);
    assert!((1..=4).contains(&points), "{path}: {body}");
    let bucket = body["bucket_seconds"].as_i64().unwrap_or(0);
    assert!(
        bucket * 4 * 1000 >= ended - room.created_ms,
        "{path}: {body}"
    );
}

pub async fn series_have_the_expected_points(service: &TestService, sent: &Sent) {
    let room = sent
        .rooms
        .values()
        .find(|r| r.name == "sim-room-0")
        .expect("room 0");
    let (track, times) = room
        .track_stat_times
        .iter()
        .next()
        .expect("a track with stats");
    let path = format!("/v1/sessions/{}/tracks/{track}/series", room.sid);
    series_matches(service, room, &path, times).await;
    let identity = room.identities.keys().next().expect("an identity");
    let path = format!("/v1/sessions/{}/participants/{identity}/series", room.sid);
    series_matches(service, room, &path, &room.identity_stat_times(identity)).await;

    let open = &sent.rooms[OPEN_ROOM.0];
    let path = format!(
        "/v1/sessions/{}/participants/ann/series?points=1000",
        OPEN_ROOM.0
    );
    let body = read(service, &path).await;
    let points = body["points"].as_array().map_or(0, Vec::len);
    assert_eq!(
        points,
        buckets(&open.identity_stat_times("ann"), open.created_ms),
        "{body}"
    );
}

fn sum(values: &Value, field: &str) -> i64 {
    values
        .as_array()
        .into_iter()
        .flatten()
        .filter_map(|value| value[field].as_i64())
        .sum()
}

pub async fn overview_counts_what_was_sent(service: &TestService, sent: &Sent) {
    let from = sent.rooms.values().map(|r| r.created_ms).min().unwrap_or(0) - 1000;
    let to = now_ms() + 60_000;
    let path = format!("/v1/overview?from={}&to={}", rfc3339(from), rfc3339(to));
    let body = read(service, &path).await;
    let identities: BTreeSet<&String> = sent
        .rooms
        .values()
        .flat_map(|r| r.identities.keys())
        .collect();
    let connections: usize = sent.rooms.values().map(SentRoom::connections).sum();
    assert_eq!(body["sessions"], sent.rooms.len(), "{body}");
    assert_eq!(body["unique_participants"], identities.len(), "{body}");
    assert_eq!(
        body["bandwidth_in"],
        sent.total(|r| r.traffic.bytes_in),
        "{body}"
    );
    assert_eq!(
        body["bandwidth_out"],
        sent.total(|r| r.traffic.bytes_out),
        "{body}"
    );
    assert!(
        body["participant_minutes"].as_u64().is_some_and(|m| m > 0),
        "{body}"
    );
    assert_eq!(
        sum(&body["days"], "sessions"),
        sent.rooms.len() as i64,
        "{body}"
    );
    assert_eq!(
        sum(&body["days"], "bandwidth_in"),
        sent.total(|r| r.traffic.bytes_in),
        "{body}"
    );
    assert_eq!(body["now"]["active_rooms"], 1, "{body}");
    assert_eq!(body["now"]["active_participants"], 2, "{body}");
    for kind in ["sdk", "os", "browser"] {
        let counted = sum(&body["breakdown"][kind], "connections");
        assert_eq!(
            counted, connections as i64,
            "{kind}: every connection, its client told on its join: {body}"
        );
    }
    let firefox = body["breakdown"]["browser"]
        .as_array()
        .and_then(|rows| rows.iter().find(|row| row["name"] == "firefox"));
    assert_eq!(
        firefox.map(|row| row["connections"].clone()),
        Some(3.into()),
        "the open room's 3 connections: {body}"
    );
    let body = read(service, "/v1/overview").await;
    assert_eq!(
        body["sessions"],
        sent.rooms.len(),
        "the default range: {body}"
    );
}
