//! The Twirp LivekitHelper against a local server speaking LiveKit's Twirp protocol: what
//! it lists, what it leaves out, and that any failure means "unknown".

use crate::fixer_support;

use std::collections::{HashMap, HashSet};

use analytics_bin::fixer::TwirpLivekit;
use analytics_core::LivekitHelper;
use fixer_support::{FakeLivekit, LivekitState};
use livekit_protocol::{
    ingress_state, participant_info, EgressInfo, EgressStatus, IngressInfo, IngressState,
    ListRoomsResponse, ParticipantInfo, Room,
};

const KEY: &str = "fixerkey";
const SECRET: &str = "fixer-secret-long-enough-for-hs256-signing";

fn set(ids: &[&str]) -> HashSet<String> {
    ids.iter().map(|id| (*id).to_owned()).collect()
}

fn room(sid: &str, name: &str) -> Room {
    Room {
        sid: sid.into(),
        name: name.into(),
        ..Default::default()
    }
}

fn participant(sid: &str, state: participant_info::State) -> ParticipantInfo {
    ParticipantInfo {
        sid: sid.into(),
        identity: sid.to_lowercase(),
        state: state as i32,
        ..Default::default()
    }
}

fn egress(id: &str, status: EgressStatus) -> EgressInfo {
    EgressInfo {
        egress_id: id.into(),
        status: status as i32,
        ..Default::default()
    }
}

fn ingress(id: &str, resource: &str, status: ingress_state::Status) -> IngressInfo {
    IngressInfo {
        ingress_id: id.into(),
        state: Some(IngressState {
            status: status as i32,
            resource_id: resource.into(),
            ..Default::default()
        }),
        ..Default::default()
    }
}

fn busy_livekit() -> LivekitState {
    use participant_info::State as P;
    LivekitState {
        rooms: vec![room("RM_a", "a"), room("RM_b", "b")],
        participants: HashMap::from([
            (
                "a".to_owned(),
                vec![
                    participant("PA_1", P::Active),
                    participant("PA_2", P::Joining),
                    participant("PA_gone", P::Disconnected),
                ],
            ),
            ("b".to_owned(), vec![participant("PA_3", P::Joined)]),
        ]),
        egresses: vec![
            egress("EG_active", EgressStatus::EgressActive),
            egress("EG_starting", EgressStatus::EgressStarting),
            egress("EG_ending", EgressStatus::EgressEnding),
            egress("EG_done", EgressStatus::EgressComplete),
            egress("EG_failed", EgressStatus::EgressFailed),
        ],
        ingresses: vec![
            ingress(
                "IN_1",
                "IR_publishing",
                ingress_state::Status::EndpointPublishing,
            ),
            ingress(
                "IN_2",
                "IR_buffering",
                ingress_state::Status::EndpointBuffering,
            ),
            ingress("IN_3", "", ingress_state::Status::EndpointPublishing),
        ],
    }
}

#[tokio::test]
async fn lists_rooms_connected_participants_running_egresses_and_publishing_ingresses() {
    let livekit = FakeLivekit::start(KEY, SECRET).await;
    livekit.set(busy_livekit());
    let helper = TwirpLivekit::new(&livekit.url, KEY, SECRET);
    let alive = helper.active_entities().await.expect("LiveKit answers");
    assert_eq!(alive.rooms, set(&["RM_a", "RM_b"]));
    assert_eq!(alive.participants, set(&["PA_1", "PA_2", "PA_3"]));
    assert_eq!(
        alive.egresses,
        set(&["EG_active", "EG_starting", "EG_ending"]),
        "below EGRESS_COMPLETE"
    );
    assert_eq!(alive.ingresses, set(&["IR_publishing"]));
    assert_eq!(livekit.calls("ListRooms"), 1, "rooms listed once");
    assert_eq!(livekit.calls("ListParticipants"), 2, "one call per room");
    assert_eq!(
        helper.list_active_rooms().await.expect("rooms"),
        alive.rooms
    );
    assert_eq!(
        helper
            .list_active_participants()
            .await
            .expect("participants"),
        alive.participants
    );
}

#[tokio::test]
async fn an_empty_livekit_has_nothing_alive() {
    let livekit = FakeLivekit::start(KEY, SECRET).await;
    let helper = TwirpLivekit::new(&livekit.url, KEY, SECRET);
    let alive = helper.active_entities().await.expect("LiveKit answers");
    assert!(alive.rooms.is_empty() && alive.participants.is_empty());
    assert!(alive.egresses.is_empty() && alive.ingresses.is_empty());
}

#[tokio::test]
async fn ws_urls_are_accepted_as_livekit_gives_them() {
    let livekit = FakeLivekit::start(KEY, SECRET).await;
    livekit.set(busy_livekit());
    let url = livekit.url.replace("http://", "ws://");
    let helper = TwirpLivekit::new(&url, KEY, SECRET);
    assert_eq!(
        helper.list_active_rooms().await.expect("rooms"),
        set(&["RM_a", "RM_b"])
    );
}

#[tokio::test]
async fn an_unreachable_livekit_is_unknown_not_empty() {
    let port = {
        let listener = std::net::TcpListener::bind("127.0.0.1:0").expect("port");
        listener.local_addr().expect("address").port()
    };
    let helper = TwirpLivekit::new(&format!("http://127.0.0.1:{port}"), KEY, SECRET);
    let error = helper
        .active_entities()
        .await
        .expect_err("nothing listens there");
    assert!(error.to_string().contains("ListRooms"), "{error}");
}

#[tokio::test]
async fn a_wrong_secret_is_unknown_not_empty() {
    let livekit = FakeLivekit::start(KEY, SECRET).await;
    livekit.set(busy_livekit());
    let helper = TwirpLivekit::new(&livekit.url, KEY, "another-secret-long-enough-for-hs256");
    let error = helper.active_entities().await.expect_err("refused");
    assert!(error.to_string().contains("unauthenticated"), "{error}");
}

#[tokio::test]
async fn the_fake_livekit_speaks_json_too() {
    let livekit = FakeLivekit::start(KEY, SECRET).await;
    livekit.set(busy_livekit());
    let token = livekit_api::access_token::AccessToken::with_api_key(KEY, SECRET)
        .with_grants(livekit_api::access_token::VideoGrants {
            room_list: true,
            ..Default::default()
        })
        .to_jwt()
        .expect("token");
    let response = reqwest::Client::new()
        .post(format!(
            "{}/twirp/livekit.RoomService/ListRooms",
            livekit.url
        ))
        .header("Content-Type", "application/json")
        .bearer_auth(token)
        .body("{}")
        .send()
        .await
        .expect("answered");
    assert!(response.status().is_success());
    let rooms: ListRoomsResponse = response.json().await.expect("JSON ListRoomsResponse");
    assert_eq!(rooms.rooms.len(), 2);
}
