//! The read API over what `livekit-analytics simulate` sent (JSON source: events and stats):
//! one session per simulated room, every connection counted and listed, the traffic equal
//! to the bytes of the stored stats, the egress ended.

use serde_json::Value;

use crate::read_api_support::{get, list_token, PROJECT};
use crate::simulate_cli::simulate_until_stored;
use crate::support::{TestService, API_SECRET};

/// The sum of `streams[].primary_bytes` of the stored stats of direction `kind`, read with
/// SQL of the test's own.
async fn stored_bytes(service: &TestService, kind: &str) -> i64 {
    let sql = "SELECT COALESCE(SUM(json_extract(stream.value, '$.primary_bytes')), 0) \
               FROM stats, json_each(stats.data, '$.streams') AS stream WHERE stats.kind = $1";
    sqlx::query_scalar(sql)
        .bind(kind)
        .fetch_one(&mut service.db().await)
        .await
        .expect("bytes summed")
}

fn sum(sessions: &[Value], field: &str) -> i64 {
    sessions.iter().filter_map(|s| s[field].as_i64()).sum()
}

#[tokio::test]
async fn simulated_sessions_are_listed_as_sent() {
    let service = TestService::start("").await;
    let (reported, _) = simulate_until_stored(&service, "json").await;
    let count = |kind: &str| reported.per_type.get(kind).copied().unwrap_or(0);
    let token = list_token(API_SECRET);
    let path = format!("/api/project/{PROJECT}/sessions");
    let (status, body) = get(&service, &format!("{path}?limit=1000"), Some(&token)).await;
    assert_eq!(status, 200, "{body}");
    let sessions = body["sessions"].as_array().cloned().unwrap_or_default();
    assert_eq!(sessions.len() as i64, count("ROOM_CREATED"), "{body}");
    let ended = sessions.iter().filter(|s| s["endedAt"].is_string()).count();
    assert_eq!(ended as i64, count("ROOM_ENDED"), "{body}");
    assert_eq!(
        sum(&sessions, "numParticipants"),
        count("PARTICIPANT_ACTIVE"),
        "{body}"
    );
    assert_eq!(
        sum(&sessions, "bandwidthIn"),
        stored_bytes(&service, "UPSTREAM").await
    );
    assert_eq!(
        sum(&sessions, "bandwidthOut"),
        stored_bytes(&service, "DOWNSTREAM").await
    );
    assert!(
        sum(&sessions, "bandwidthIn") > 0,
        "the simulated stats carry bytes"
    );
    if count("EGRESS_ENDED") > 0 {
        assert!(sessions.iter().any(|s| s["egress"] == 2), "{body}");
    }
    for session in &sessions {
        let id = session["sessionId"].as_str().unwrap_or_default();
        let (status, detail) = get(&service, &format!("{path}/{id}"), Some(&token)).await;
        assert_eq!(status, 200, "{detail}");
        let connections = detail["participants"].as_array().map(Vec::len).unwrap_or(0);
        assert_eq!(
            Some(connections as u64),
            session["numParticipants"].as_u64()
        );
        assert_eq!(detail["roomName"], session["roomName"]);
        assert_eq!(detail["startTime"], session["createdAt"]);
    }
}
