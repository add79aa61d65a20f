//! A whole room lifecycle sent as real signed webhooks to the running binary, read back from
//! its SQLite file: exactly those events, with the right types, ids and timestamps.

use crate::support;

use livekit_protocol::{
    EgressInfo, EgressStatus, ParticipantInfo, Room, TrackInfo, TrackSource, TrackType,
    WebhookEvent,
};
use md5::{Digest, Md5};
use sqlx::Row;
use support::TestService;

const ROOM: &str = "RM_lifecycle";
const T0: i64 = 1_750_000_000;

fn room() -> Room {
    Room {
        sid: ROOM.into(),
        name: "standup".into(),
        creation_time: T0,
        ..Default::default()
    }
}

fn participant(sid: &str, identity: &str) -> ParticipantInfo {
    ParticipantInfo {
        sid: sid.into(),
        identity: identity.into(),
        joined_at: T0 + 1,
        ..Default::default()
    }
}

fn track() -> TrackInfo {
    TrackInfo {
        sid: "TR_cam".into(),
        r#type: TrackType::Video as i32,
        source: TrackSource::Camera as i32,
        ..Default::default()
    }
}

fn egress(status: EgressStatus) -> EgressInfo {
    EgressInfo {
        egress_id: "EG_rec".into(),
        room_id: ROOM.into(),
        room_name: "standup".into(),
        status: status as i32,
        ..Default::default()
    }
}

fn webhook(n: i64, event: &str) -> WebhookEvent {
    WebhookEvent {
        event: event.into(),
        id: format!("EV_{n}"),
        created_at: T0 + n,
        ..Default::default()
    }
}

/// The lifecycle, and for each webhook the stored type and the id recipe's key.
fn lifecycle() -> Vec<(WebhookEvent, &'static str, String)> {
    let with_room = |n, event| WebhookEvent {
        room: Some(room()),
        ..webhook(n, event)
    };
    let with_participant = |n, event, sid: &str, identity| WebhookEvent {
        participant: Some(participant(sid, identity)),
        ..with_room(n, event)
    };
    vec![
        (
            with_room(0, "room_started"),
            "ROOM_CREATED",
            format!("{ROOM}:ROOM_CREATED:{T0}"),
        ),
        (
            with_participant(1, "participant_joined", "PA_alice", "alice"),
            "PARTICIPANT_ACTIVE",
            format!("{ROOM}:PA_alice:PARTICIPANT_ACTIVE:{}", T0 + 1),
        ),
        (
            with_participant(2, "participant_joined", "PA_bob", "bob"),
            "PARTICIPANT_ACTIVE",
            format!("{ROOM}:PA_bob:PARTICIPANT_ACTIVE:{}", T0 + 2),
        ),
        (
            WebhookEvent {
                track: Some(track()),
                ..with_participant(3, "track_published", "PA_alice", "alice")
            },
            "TRACK_PUBLISHED",
            format!("{ROOM}:PA_alice:TR_cam:TRACK_PUBLISHED:{}", T0 + 3),
        ),
        (
            WebhookEvent {
                egress_info: Some(egress(EgressStatus::EgressStarting)),
                ..webhook(4, "egress_started")
            },
            "EGRESS_STARTED",
            format!("EG_rec:EGRESS_STARTED:{}", T0 + 4),
        ),
        (
            WebhookEvent {
                track: Some(track()),
                ..with_participant(5, "track_unpublished", "PA_alice", "alice")
            },
            "TRACK_UNPUBLISHED",
            format!("{ROOM}:PA_alice:TR_cam:TRACK_UNPUBLISHED:{}", T0 + 5),
        ),
        (
            WebhookEvent {
                egress_info: Some(egress(EgressStatus::EgressComplete)),
                ..webhook(6, "egress_ended")
            },
            "EGRESS_ENDED",
            format!("EG_rec:EGRESS_ENDED:{}", T0 + 6),
        ),
        (
            with_participant(7, "participant_left", "PA_alice", "alice"),
            "PARTICIPANT_LEFT",
            format!("{ROOM}:PA_alice:PARTICIPANT_LEFT:{}", T0 + 7),
        ),
        (
            with_participant(8, "participant_left", "PA_bob", "bob"),
            "PARTICIPANT_LEFT",
            format!("{ROOM}:PA_bob:PARTICIPANT_LEFT:{}", T0 + 8),
        ),
        (
            with_room(9, "room_finished"),
            "ROOM_ENDED",
            format!("{ROOM}:ROOM_ENDED:{}", T0 + 9),
        ),
    ]
}

#[tokio::test]
async fn a_room_lifecycle_sent_as_webhooks_is_stored_in_sqlite() {
    let service = TestService::start("").await;
    let lifecycle = lifecycle();
    for (event, _, _) in &lifecycle {
        let response = service.post_webhook(event).await;
        assert_eq!(
            response.status(),
            200,
            "{}: {:?}",
            event.event,
            response.text().await
        );
    }
    service
        .wait_for_count("SELECT COUNT(*) FROM events", lifecycle.len() as i64)
        .await;

    let mut db = service.db().await;
    let rows = sqlx::query("SELECT id, type, timestamp, room_sid, participant_sid, egress_id, data FROM events ORDER BY timestamp")
        .fetch_all(&mut db)
        .await
        .expect("events readable");
    assert_eq!(rows.len(), lifecycle.len());
    for (row, (event, stored_type, id_key)) in rows.iter().zip(&lifecycle) {
        let id: String = row.get("id");
        assert_eq!(
            id,
            hex::encode(Md5::digest(id_key.as_bytes())),
            "id of {}",
            event.event
        );
        assert_eq!(row.get::<String, _>("type"), *stored_type);
        assert_eq!(row.get::<i64, _>("timestamp"), event.created_at * 1000);
        let data: serde_json::Value =
            serde_json::from_str(&row.get::<String, _>("data")).expect("JSON data");
        assert_eq!(data["type"], *stored_type);
        assert_eq!(data["id"], event.id, "the webhook id is kept");
        assert_eq!(data["timestamp"]["seconds"], event.created_at);
        if event.egress_info.is_some() {
            assert_eq!(row.get::<String, _>("egress_id"), "EG_rec");
            assert_eq!(row.get::<String, _>("room_sid"), ROOM);
        } else {
            assert_eq!(row.get::<String, _>("room_sid"), ROOM);
            assert_eq!(data["room"]["sid"], ROOM);
        }
        if let Some(participant) = &event.participant {
            assert_eq!(row.get::<String, _>("participant_sid"), participant.sid);
            assert_eq!(data["participant"]["identity"], participant.identity);
        }
    }
    let active: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM active_entities")
        .fetch_one(&mut db)
        .await
        .expect("active entities readable");
    assert_eq!(active, 0, "every entity opened in the lifecycle was closed");
}

#[tokio::test]
async fn a_resent_webhook_is_stored_once() {
    let service = TestService::start("").await;
    let (event, _, _) = lifecycle().remove(0);
    for _ in 0..3 {
        assert_eq!(service.post_webhook(&event).await.status(), 200);
    }
    let (second, _, _) = lifecycle().remove(1);
    assert_eq!(service.post_webhook(&second).await.status(), 200);
    service
        .wait_for_count("SELECT COUNT(*) FROM events", 2)
        .await;
    tokio::time::sleep(std::time::Duration::from_millis(500)).await;
    service
        .wait_for_count("SELECT COUNT(*) FROM events", 2)
        .await;
}

#[tokio::test]
async fn sigterm_flushes_queued_webhooks_before_exit() {
    // A one-hour interval: without the shutdown flush nothing would be written.
    let mut service = TestService::start_with_interval("1h", "").await;
    let lifecycle = lifecycle();
    for (event, _, _) in &lifecycle {
        assert_eq!(service.post_webhook(event).await.status(), 200);
    }
    let status = service.terminate();
    assert!(
        status.success(),
        "clean exit after flushing; log:\n{}",
        service.log()
    );
    let log = service.log();
    assert!(
        !log.contains('\u{1b}'),
        "colours in a log that is no terminal:\n{log}"
    );
    assert!(
        log.contains(&format!(
            "SQLite database opened path={}",
            service.db_path.display()
        )),
        "the log says where the database is:\n{log}"
    );
    // The WAL was folded back into the file at shutdown: the file alone holds everything.
    let wal = service.db_path.with_extension("db-wal");
    let wal_bytes = std::fs::metadata(&wal).map(|m| m.len()).unwrap_or(0);
    assert_eq!(
        wal_bytes,
        0,
        "{} still holds {wal_bytes} bytes",
        wal.display()
    );
    service
        .wait_for_count("SELECT COUNT(*) FROM events", lifecycle.len() as i64)
        .await;
}
