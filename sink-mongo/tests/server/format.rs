//! The stored documents, field by field and type by type, against the openvidu document
//! for the same LiveKit messages.

use std::time::{Duration, SystemTime, UNIX_EPOCH};

use analytics_core::{
    livekit_protocol::{AnalyticsEventType as T, StreamType},
    testkit::samples,
    Batch, Record,
};
use md5::{Digest, Md5};
use mongodb::bson::{doc, Bson, DateTime, Document};
use sink_mongo::{
    document::EXPIRE_AT_FIELD,
    indexes::{EVENTS, STATS},
};

use crate::probe::{client, fresh_database_name, registered_sink, test_url};

const SECONDS: i64 = 1_790_000_000;
const NANOS: i64 = 250_000_000;

fn md5_hex(text: &str) -> String {
    hex::encode(Md5::digest(text.as_bytes()))
}

/// `expected` and `stored` hold the same fields with the same BSON types and values.
fn assert_same_fields(what: &str, stored: &Document, expected: &Document) {
    for (key, value) in expected {
        let found = stored.get(key);
        assert_eq!(
            found,
            Some(value),
            "{what}.{key}: stored {found:?}, expected {value:?}"
        );
    }
    for key in stored.keys() {
        assert!(
            expected.contains_key(key),
            "{what}: unexpected field {key}: {:?}",
            stored.get(key)
        );
    }
}

#[tokio::test]
async fn stored_documents_are_openvidu_documents() {
    let Some(url) = test_url() else { return };
    let at = UNIX_EPOCH + Duration::new(SECONDS as u64, NANOS as u32);
    let now = SystemTime::now();
    let expiration = Duration::from_secs(768 * 3600);
    let active = Record::from_event(
        samples::participant_event(T::ParticipantActive, samples::ALICE_SID, "alice", at),
        expiration,
        now,
    )
    .expect("event converts");
    let published =
        Record::from_event(samples::track_event(T::TrackPublished, at), expiration, now)
            .expect("event converts");
    let stat = Record::from_stat(samples::stat(StreamType::Upstream, at), expiration, now)
        .expect("stat converts");
    let expire_at = DateTime::from_millis(active.expire_at_ms);

    let name = fresh_database_name();
    let sink = registered_sink(&url, &name);
    sink.initialize().await.expect("initialize");
    let batch = Batch::new(vec![
        active.clone().into(),
        published.clone().into(),
        stat.clone().into(),
    ]);
    sink.send_batch(&batch).await.expect("batch written");
    let database = client(&url).await.database(&name);
    let read = |collection: &'static str, id: String| {
        let database = database.clone();
        async move {
            database
                .collection::<Document>(collection)
                .find_one(doc! { "_id": &id })
                .await
                .expect("find_one runs")
                .unwrap_or_else(|| panic!("{collection} {id} stored"))
        }
    };

    let timestamp = doc! { "seconds": SECONDS, "nanos": NANOS };
    let room = doc! { "sid": samples::ROOM_SID, "name": samples::ROOM_NAME };
    let active_id = md5_hex(&format!(
        "RM_sample:PA_alice:PARTICIPANT_ACTIVE:{SECONDS}{NANOS}"
    ));
    assert_eq!(active.id, active_id, "openvidu's _id recipe");
    assert_same_fields(
        "PARTICIPANT_ACTIVE",
        &read(EVENTS, active_id.clone()).await,
        &doc! {
            "_id": active_id,
            "type": "PARTICIPANT_ACTIVE",
            "timestamp": timestamp.clone(),
            "room_id": samples::ROOM_SID,
            "room": room.clone(),
            "participant_id": samples::ALICE_SID,
            "participant": {
                "sid": samples::ALICE_SID,
                "identity": "alice",
                "state": "ACTIVE",
                "joined_at": SECONDS,
                "name": "ALICE",
                "is_publisher": true,
            },
            "node_id": "ND_sample",
            EXPIRE_AT_FIELD: expire_at,
        },
    );

    let published_id = md5_hex(&format!(
        "RM_sample:PA_alice:TR_alice_video:TRACK_PUBLISHED:{SECONDS}{NANOS}"
    ));
    assert_same_fields(
        "TRACK_PUBLISHED",
        &read(EVENTS, published_id.clone()).await,
        &doc! {
            "_id": published_id,
            "type": "TRACK_PUBLISHED",
            "timestamp": timestamp.clone(),
            "room_id": samples::ROOM_SID,
            "room": room,
            "participant_id": samples::ALICE_SID,
            "track_id": samples::ALICE_TRACK,
            "track": {
                "sid": samples::ALICE_TRACK,
                "type": 1_i64,
                "width": 1280_i64,
                "height": 720_i64,
                "source": "CAMERA",
                "mime_type": "video/VP8",
            },
            "node_id": "ND_sample",
            EXPIRE_AT_FIELD: expire_at,
        },
    );

    let stat_id = md5_hex(&format!(
        "RM_sample:PA_alice:TR_alice_video:UPSTREAM:ND_sample:{SECONDS}{NANOS}"
    ));
    assert_eq!(stat.id, stat_id, "openvidu's _id recipe");
    let stored_stat = read(STATS, stat_id.clone()).await;
    assert_same_fields(
        "stat",
        &stored_stat,
        &doc! {
            "_id": stat_id,
            "kind": "UPSTREAM",
            "time_stamp": timestamp,
            "node": "ND_sample",
            "room_id": samples::ROOM_SID,
            "room_name": samples::ROOM_NAME,
            "participant_id": samples::ALICE_SID,
            "track_id": samples::ALICE_TRACK,
            "score": 4.3_f64,
            "min_score": 3.9_f64,
            "median_score": 4.4_f64,
            "mime": "video/VP8",
            "streams": [{
                "ssrc": 1234_i64,
                "primary_packets": 2700_i64,
                "primary_bytes": 3_200_000_i64,
                "packets_lost": 3_i64,
                "rtt": 40_i64,
                "jitter": 12_i64,
                "video_layers": [
                    { "packets": 900_i64, "bytes": 400_000_i64, "frames": 450_i64 },
                    { "layer": 2_i64, "packets": 1800_i64, "bytes": 2_800_000_i64, "frames": 900_i64 },
                ],
                "start_time": { "seconds": SECONDS - 30, "nanos": NANOS },
                "end_time": { "seconds": SECONDS, "nanos": NANOS },
            }],
            EXPIRE_AT_FIELD: expire_at,
        },
    );
    // The types a dashboard query depends on, spelled out.
    let time_stamp = stored_stat
        .get_document("time_stamp")
        .expect("time_stamp is a document");
    assert!(matches!(time_stamp.get("seconds"), Some(Bson::Int64(_))));
    assert!(matches!(
        stored_stat.get(EXPIRE_AT_FIELD),
        Some(Bson::DateTime(_))
    ));
    database.drop().await.expect("test database dropped");
}
