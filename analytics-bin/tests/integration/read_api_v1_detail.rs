//! `/v1/sessions/{id}` and `/v1/sessions/{id}/participants/{identity}` checked field by
//! field against what was sent: the summary, every identity with its connections,
//! reconnects, bytes, packets and scores, the tracks, egresses, ingresses and events.

use serde_json::Value;

use crate::read_api_v1_sent::{Sent, SentRoom, Sums, OPEN_ROOM};
use crate::read_api_v1_sessions::{assert_summary, read};
use crate::support::TestService;

fn close(actual: &Value, expected: Option<f64>, what: &str) {
    match (actual.as_f64(), expected) {
        (Some(actual), Some(expected)) => {
            assert!(
                (actual - expected).abs() < 1e-3,
                "{what}: {actual} ≠ {expected}"
            )
        }
        (None, None) => assert!(actual.is_null(), "{what}: {actual}"),
        _ => panic!("{what}: {actual} ≠ {expected:?}"),
    }
}

fn assert_quality(quality: &Value, sums: &Sums, what: &str) {
    assert_eq!(quality["samples"], sums.scores.len(), "{what}");
    close(
        &quality["avg_score"],
        sums.avg_score(),
        &format!("{what} avg"),
    );
    close(
        &quality["min_score"],
        sums.min_score,
        &format!("{what} min"),
    );
}

fn assert_traffic(traffic: &Value, sums: &Sums, what: &str) {
    assert_eq!(traffic["bytes_in"], sums.bytes_in, "{what}");
    assert_eq!(traffic["bytes_out"], sums.bytes_out, "{what}");
    assert_eq!(traffic["packets"], sums.packets, "{what}");
    assert_eq!(traffic["packets_lost"], sums.packets_lost, "{what}");
    let total = sums.packets + sums.packets_lost;
    let loss = (total > 0).then(|| 100.0 * sums.packets_lost as f64 / total as f64);
    close(&traffic["packet_loss_pct"], loss, &format!("{what} loss"));
}

fn strings(values: &Value, field: &str) -> Vec<String> {
    values
        .as_array()
        .into_iter()
        .flatten()
        .filter_map(|value| value[field].as_str().map(str::to_owned))
        .collect()
}

/// One identity's JSON (of a session's detail or of its own endpoint) against the room.
fn assert_participant(participant: &Value, room: &SentRoom, identity: &str) {
    let what = format!("{} {identity}", room.sid);
    let sids = &room.identities[identity];
    assert_eq!(participant["identity"], identity, "{what}");
    assert_eq!(participant["reconnects"], sids.len() - 1, "{what}");
    let mut listed = strings(&participant["connections"], "participant_sid");
    listed.sort();
    assert_eq!(listed, sids.iter().cloned().collect::<Vec<_>>(), "{what}");
    let sums = room.identity_sums(identity);
    assert_quality(&participant["quality"], &sums, &what);
    assert_traffic(&participant["traffic"], &sums, &what);
    for connection in participant["connections"].as_array().into_iter().flatten() {
        assert!(connection["joined_at"].is_string(), "{what}: {connection}");
        assert!(
            connection["client"]["sdk"].is_string(),
            "{what}: {connection}"
        );
        assert_eq!(connection["synthetic_close"], false, "{what}: {connection}");
    }
}

async fn session_matches(service: &TestService, room: &SentRoom) {
    let body = read(service, &format!("/v1/sessions/{}", room.sid)).await;
    let what = &room.sid;
    assert_summary(&body["session"], room);
    assert_quality(&body["quality"], &room.traffic, what);
    let identities: Vec<String> = room.identities.keys().cloned().collect();
    assert_eq!(
        strings(&body["participants"], "identity"),
        identities,
        "{what}"
    );
    for participant in body["participants"].as_array().into_iter().flatten() {
        let identity = participant["identity"].as_str().unwrap_or_default();
        assert_participant(participant, room, identity);
    }
    let mut tracks = strings(&body["tracks"], "track_sid");
    tracks.sort();
    assert_eq!(
        tracks,
        room.tracks.iter().cloned().collect::<Vec<_>>(),
        "{what}"
    );
    let mut egresses = strings(&body["egresses"], "id");
    egresses.sort();
    assert_eq!(
        egresses,
        room.egresses.iter().cloned().collect::<Vec<_>>(),
        "{what}"
    );
    let mut ingresses = strings(&body["ingresses"], "id");
    ingresses.sort();
    assert_eq!(
        ingresses,
        room.ingresses.iter().cloned().collect::<Vec<_>>(),
        "{what}"
    );
    if room.ended_ms.is_some() {
        for job in body["egresses"].as_array().into_iter().flatten() {
            assert!(job["ended_at"].is_string(), "{what}: {job}");
        }
    }
    assert_eq!(
        body["events"].as_array().map_or(0, Vec::len),
        room.events,
        "{what}: every event sent is on the timeline"
    );
    let times = strings(&body["events"], "at");
    assert!(
        times.windows(2).all(|w| w[0] <= w[1]),
        "{what}: events in order"
    );
}

async fn participant_matches(service: &TestService, room: &SentRoom, identity: &str) {
    let encoded = identity.replace('@', "%40");
    let path = format!("/v1/sessions/{}/participants/{encoded}", room.sid);
    let body = read(service, &path).await;
    assert_summary(&body["session"], room);
    assert_participant(&body["participant"], room, identity);
    for track in body["tracks"].as_array().into_iter().flatten() {
        assert_eq!(track["participant_identity"], identity, "{path}: {track}");
    }
    let sids = &room.identities[identity];
    for event in body["events"].as_array().into_iter().flatten() {
        let sid = event["participant_sid"].as_str().unwrap_or_default();
        assert!(sids.contains(sid), "{path}: {event}");
    }
    assert!(
        body["events"].as_array().is_some_and(|e| !e.is_empty()),
        "{path}"
    );
}

pub async fn details_match_what_was_sent(service: &TestService, sent: &Sent) {
    for room in sent.rooms.values() {
        session_matches(service, room).await;
    }
    let open = &sent.rooms[OPEN_ROOM.0];
    participant_matches(service, open, "ann").await;
    participant_matches(service, open, "bo@example").await;
    let body = read(
        service,
        &format!("/v1/sessions/{}/participants/ann", OPEN_ROOM.0),
    )
    .await;
    let ann = &body["participant"];
    assert_eq!(ann["reconnects"], 1, "{ann}");
    assert_eq!(ann["traffic"]["bytes_in"], 4_500, "{ann}");
    assert_eq!(ann["traffic"]["packets_lost"], 5, "{ann}");
    close(
        &ann["quality"]["avg_score"],
        Some(11.5 / 3.0),
        "ann's average score",
    );
    close(
        &ann["quality"]["min_score"],
        Some(2.5),
        "ann's lowest score",
    );
    assert!(ann["connections"][0]["left_at"].is_string(), "{ann}");
    assert_eq!(ann["connections"][1]["left_at"], Value::Null, "{ann}");
    let simulated = sent
        .rooms
        .values()
        .find(|r| r.name == "sim-room-0")
        .expect("room 0");
    let identity = simulated
        .identities
        .keys()
        .next()
        .expect("an identity")
        .clone();
    participant_matches(service, simulated, &identity).await;
}
