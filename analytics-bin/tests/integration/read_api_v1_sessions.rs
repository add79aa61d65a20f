//! `/v1/sessions` against the real binary, on SQLite, PostgreSQL and MongoDB (each the only
//! sink): a simulated session and an open room sent through the JSON API, then the list
//! checked against what was sent (ids, names, times, durations, connections, bytes), every filter,
//! both orders and cursor paging to the end; the detail, participant, series and overview
//! checks run on the same service (`read_api_v1_detail`, `read_api_v1_series`).

use std::time::{Duration, UNIX_EPOCH};

use serde_json::Value;

use crate::read_api_support::{get, list_token, load_sent, on_only_mongo, on_only_postgres};
use crate::read_api_v1_detail::details_match_what_was_sent;
use crate::read_api_v1_sent::{Sent, SentRoom, OPEN_ROOM};
use crate::read_api_v1_series::{overview_counts_what_was_sent, series_have_the_expected_points};
use crate::support::{TestService, API_SECRET};

/// RFC 3339 with milliseconds, as the API writes times.
pub fn rfc3339(ms: i64) -> String {
    humantime::format_rfc3339_millis(UNIX_EPOCH + Duration::from_millis(ms as u64)).to_string()
}

/// GETs `path` with a `roomList` token; the body of a 200 answer.
pub async fn read(service: &TestService, path: &str) -> Value {
    let (status, body) = get(service, path, Some(&list_token(API_SECRET))).await;
    assert_eq!(status, 200, "{path}: {body}");
    body
}

/// The session ids of a list answer.
fn ids(body: &Value) -> Vec<String> {
    body["sessions"]
        .as_array()
        .into_iter()
        .flatten()
        .filter_map(|s| s["session_id"].as_str().map(str::to_owned))
        .collect()
}

/// The summary of `room` as the API must give it.
pub fn assert_summary(summary: &Value, room: &SentRoom) {
    let what = &room.sid;
    assert_eq!(summary["session_id"], room.sid.as_str(), "{what}");
    assert_eq!(summary["room_name"], room.name.as_str(), "{what}");
    assert_eq!(summary["created_at"], rfc3339(room.created_ms), "{what}");
    match room.ended_ms {
        Some(ended) => {
            assert_eq!(summary["ended_at"], rfc3339(ended), "{what}");
            assert_eq!(summary["status"], "ended", "{what}");
            assert_eq!(
                summary["duration_seconds"],
                (ended - room.created_ms) / 1000,
                "{what}"
            );
        }
        None => {
            assert_eq!(summary["ended_at"], Value::Null, "{what}");
            assert_eq!(summary["status"], "active", "{what}");
        }
    }
    assert_eq!(summary["participants"], room.connections(), "{what}");
    assert_eq!(summary["bandwidth_in"], room.traffic.bytes_in, "{what}");
    assert_eq!(summary["bandwidth_out"], room.traffic.bytes_out, "{what}");
    let egress = match (room.egresses.is_empty(), room.ended_ms) {
        (true, _) => "none",
        (false, Some(_)) => "ended",
        (false, None) => "active",
    };
    assert_eq!(summary["egress"], egress, "{what}");
}

/// Follows `next_cursor` from `first` to the last page; every id listed.
async fn page_through(service: &TestService, first: &str) -> Vec<String> {
    let mut listed = Vec::new();
    let mut path = first.to_owned();
    for _ in 0..50 {
        let body = read(service, &path).await;
        assert!(
            body["sessions"].as_array().map_or(0, Vec::len) <= 1,
            "{body}"
        );
        listed.extend(ids(&body));
        match body["next_cursor"].as_str() {
            Some(cursor) => path = format!("{first}&cursor={cursor}"),
            None => return listed,
        }
    }
    panic!("paging did not end in 50 pages: {listed:?}");
}

async fn list_matches_what_was_sent(service: &TestService, sent: &Sent) {
    let newest = sent.newest_first();
    let body = read(service, "/v1/sessions").await;
    assert_eq!(ids(&body), newest, "{body}");
    assert_eq!(body["next_cursor"], Value::Null);
    for summary in body["sessions"].as_array().into_iter().flatten() {
        let room = &sent.rooms[summary["session_id"].as_str().unwrap_or_default()];
        assert_summary(summary, room);
    }
    let open = &body["sessions"][0];
    assert_eq!(
        open["session_id"], OPEN_ROOM.0,
        "the open room is the newest"
    );
    assert_eq!(open["active_participants"], 2, "{open}");

    let mut oldest = newest.clone();
    oldest.reverse();
    assert_eq!(
        ids(&read(service, "/v1/sessions?order=oldest").await),
        oldest
    );
    assert_eq!(page_through(service, "/v1/sessions?limit=1").await, newest);
    assert_eq!(
        page_through(service, "/v1/sessions?limit=1&order=oldest").await,
        oldest
    );

    let ended: Vec<String> = newest
        .iter()
        .filter(|s| *s != OPEN_ROOM.0)
        .cloned()
        .collect();
    let room_1 = sent
        .rooms
        .values()
        .find(|room| room.name == "sim-room-1")
        .expect("a sim-room-1");
    let with_user = sent
        .rooms
        .values()
        .find(|room| room.identities.contains_key("user-2-1"))
        .expect("user-2-1 in a room");
    let now = crate::read_api_v1_series::now_ms();
    let cases = [
        ("status=active".to_owned(), vec![OPEN_ROOM.0.to_owned()]),
        ("status=ended".to_owned(), ended.clone()),
        ("room_prefix=sim-".to_owned(), ended.clone()),
        (
            "room_prefix=sim-room-1".to_owned(),
            vec![room_1.sid.clone()],
        ),
        ("room_prefix=SIM-".to_owned(), vec![]),
        ("identity=user-2-1".to_owned(), vec![with_user.sid.clone()]),
        (
            "identity=bo%40example".to_owned(),
            vec![OPEN_ROOM.0.to_owned()],
        ),
        ("identity=user-2".to_owned(), vec![]),
        ("identity=ann&status=ended".to_owned(), vec![]),
        (
            format!("from={}", rfc3339(sent.rooms[OPEN_ROOM.0].created_ms)),
            vec![OPEN_ROOM.0.to_owned()],
        ),
        (
            format!("to={}", rfc3339(sent.rooms[OPEN_ROOM.0].created_ms)),
            ended.clone(),
        ),
        (format!("to={}", rfc3339(now - 10 * 3600 * 1000)), vec![]),
    ];
    for (query, expected) in cases {
        let body = read(service, &format!("/v1/sessions?{query}")).await;
        assert_eq!(ids(&body), expected, "{query}: {body}");
    }
}

async fn answers_match_what_was_sent(service: &TestService) {
    let sent = Sent::generate();
    load_sent(service, &sent).await;
    list_matches_what_was_sent(service, &sent).await;
    details_match_what_was_sent(service, &sent).await;
    series_have_the_expected_points(service, &sent).await;
    overview_counts_what_was_sent(service, &sent).await;
}

#[tokio::test]
async fn read_api_v1_on_sqlite_answers_what_was_sent() {
    let service = TestService::start("").await;
    answers_match_what_was_sent(&service).await;
}

#[tokio::test]
async fn read_api_v1_on_postgres_answers_what_was_sent() {
    on_only_postgres(answers_match_what_was_sent).await;
}

#[tokio::test]
async fn read_api_v1_on_mongo_answers_what_was_sent() {
    on_only_mongo(answers_match_what_was_sent).await;
}
