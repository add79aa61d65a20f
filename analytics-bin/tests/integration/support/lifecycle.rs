//! A room's lifecycle as LiveKit's webhooks tell it: the `room_started` and
//! `participant_joined` events the fixer tests open a room and its participants with.

use std::time::{SystemTime, UNIX_EPOCH};

use livekit_protocol::{participant_info, ParticipantInfo, Room, WebhookEvent};

use super::TestService;

/// Seconds since the Unix epoch, as LiveKit stamps its webhooks.
pub fn unix_now() -> i64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map(|d| d.as_secs() as i64)
        .unwrap_or_default()
}

/// A webhook `event` with id `id` about the room `room_sid` (named after it), created at `at`.
pub fn room_webhook(
    room_sid: &str,
    event: &str,
    id: &str,
    at: i64,
    participant: Option<ParticipantInfo>,
) -> WebhookEvent {
    WebhookEvent {
        event: event.into(),
        id: id.into(),
        created_at: at,
        room: Some(Room {
            sid: room_sid.into(),
            name: room_sid.to_lowercase(),
            creation_time: at,
            ..Default::default()
        }),
        participant,
        ..Default::default()
    }
}

/// An active participant `sid` (identity: the sid in lower case) who joined at `at`.
pub fn active_participant(sid: &str, at: i64) -> ParticipantInfo {
    ParticipantInfo {
        sid: sid.into(),
        identity: sid.to_lowercase(),
        joined_at: at,
        state: participant_info::State::Active as i32,
        ..Default::default()
    }
}

/// Posts `room_started` for `room_sid` and `participant_joined` for each of
/// `participant_sids` to `service` (event ids prefixed with `id_prefix`), all at `at`, and
/// checks each was accepted.
pub async fn open_room(
    service: &TestService,
    room_sid: &str,
    id_prefix: &str,
    participant_sids: &[&str],
    at: i64,
) {
    let started = room_webhook(
        room_sid,
        "room_started",
        &format!("{id_prefix}_room"),
        at,
        None,
    );
    let response = service.post_webhook(&started).await;
    assert!(
        response.status().is_success(),
        "room_started: {}",
        response.status()
    );
    for sid in participant_sids {
        let joined = room_webhook(
            room_sid,
            "participant_joined",
            &format!("{id_prefix}_{sid}"),
            at,
            Some(active_participant(sid, at)),
        );
        let response = service.post_webhook(&joined).await;
        assert!(
            response.status().is_success(),
            "participant_joined {sid}: {}",
            response.status()
        );
    }
}
