//! `POST /v1/client/stats` accepted: a browser's batch is stored in SQLite as LiveKit
//! UPSTREAM / DOWNSTREAM stats of the token's room and identity, marked client-reported,
//! with the browser's counters; a resend stores nothing new; an identity claimed in the body
//! changes nothing; the room sid is the stored session's; and the collector script is served.

use serde_json::{json, Value};

use crate::client_stats_support::{
    metric, open_client_room, participant_token, post_batch, sample_batch, stored_stats, AT_MS,
};
use crate::support::TestService;

#[tokio::test]
async fn client_stats_are_stored_as_livekit_stats_of_the_tokens_participant_once() {
    let service = TestService::start("").await;
    open_client_room(&service).await;
    let token = participant_token("rm_client", "pa_alice");
    let batch = sample_batch("PA_ALICE", "RM_CLIENT", "pa_alice");
    let (status, answer) = post_batch(&service, &token, &batch).await;
    assert_eq!((status, &answer), (202, &json!({ "accepted": 2 })));
    service
        .wait_for_count("SELECT COUNT(*) FROM stats", 2)
        .await;

    let stored = stored_stats(&service).await;
    let audio = &stored[0];
    let video = &stored[1];
    assert_eq!(
        (audio.kind.as_str(), audio.track_id.as_str()),
        ("DOWNSTREAM", "TR_AUDIO")
    );
    assert_eq!(
        (video.kind.as_str(), video.track_id.as_str()),
        ("UPSTREAM", "TR_VIDEO")
    );
    for stat in &stored {
        assert_eq!(stat.room_sid, "RM_CLIENT");
        assert_eq!(stat.room_name, "rm_client");
        assert_eq!(stat.participant_sid, "PA_ALICE");
        assert_eq!(stat.document["client_reported"], Value::Bool(true));
        assert_eq!(stat.document["participant_identity"], "pa_alice");
        assert_eq!(
            stat.document["time_stamp"]["seconds"],
            AT_MS / 1000,
            "the stat's time is the interval's end"
        );
    }
    assert!((video.score - 4.3).abs() < 1e-5, "{}", video.score);
    assert_eq!(video.document["mime"], "video/VP8");
    let full = &video.document["streams"][1];
    assert_eq!(
        (
            &full["primary_bytes"],
            &full["primary_packets"],
            &full["packets_lost"],
            &full["frames"]
        ),
        (&json!(90000), &json!(100), &json!(2), &json!(150))
    );
    assert_eq!((&full["rtt"], &full["jitter"]), (&json!(40), &json!(3)));
    assert_eq!(full["video_layers"][0]["layer"], 2);
    let quarter = &video.document["streams"][0]["video_layers"][0];
    assert_eq!(quarter["bytes"], 2000);
    assert!(
        quarter.get("layer").is_none(),
        "layer 0, omitted as every zero field: {quarter}"
    );
    assert_eq!(
        full["end_time"]["seconds"].as_i64().unwrap_or_default()
            - full["start_time"]["seconds"].as_i64().unwrap_or_default(),
        5,
        "each stream spans the 5 s interval"
    );
    let sound = &audio.document["streams"][0];
    assert_eq!(
        (
            &sound["primary_bytes"],
            &sound["primary_packets"],
            &sound["packets_lost"]
        ),
        (&json!(4000), &json!(250), &json!(5))
    );
    assert!(sound.get("video_layers").is_none(), "audio has no layer");

    let (status, _) = post_batch(&service, &token, &batch).await;
    assert_eq!(status, 202, "a resend is accepted");
    tokio::time::sleep(std::time::Duration::from_secs(1)).await;
    service
        .wait_for_count("SELECT COUNT(*) FROM stats", 2)
        .await;
    assert_eq!(
        stored_stats(&service).await,
        stored,
        "the resend changed nothing"
    );
    assert_eq!(
        metric(&service, "livekit_analytics_client_stats_accepted_total").await,
        4.0
    );
    assert_eq!(
        metric(
            &service,
            "livekit_analytics_client_stats_browser_dropped_total"
        )
        .await,
        6.0
    );
}

#[tokio::test]
async fn an_identity_claimed_in_the_body_is_ignored_for_the_tokens() {
    let service = TestService::start("").await;
    open_client_room(&service).await;
    let token = participant_token("rm_client", "pa_alice");
    let (status, _) = post_batch(
        &service,
        &token,
        &sample_batch("PA_ALICE", "RM_CLIENT", "pa_bob"),
    )
    .await;
    assert_eq!(status, 202);
    service
        .wait_for_count("SELECT COUNT(*) FROM stats", 2)
        .await;
    for stat in stored_stats(&service).await {
        assert_eq!(stat.document["participant_identity"], "pa_alice");
        assert!(
            !stat.document.to_string().contains("pa_bob"),
            "{}",
            stat.document
        );
    }
}

#[tokio::test]
async fn a_room_sid_is_taken_from_the_stored_session_never_from_the_body_alone() {
    let service = TestService::start("").await;
    open_client_room(&service).await;
    let token = participant_token("rm_client", "pa_alice");
    let mut batch = sample_batch("", "RM_INVENTED", "pa_alice");
    batch["stats"].as_array_mut().expect("stats").truncate(1);
    let (status, _) = post_batch(&service, &token, &batch).await;
    assert_eq!(status, 202);

    let unstored = TestService::start("").await;
    let token = participant_token("rm_elsewhere", "pa_carol");
    let (status, _) = post_batch(&unstored, &token, &batch).await;
    assert_eq!(status, 202);

    service
        .wait_for_count("SELECT COUNT(*) FROM stats", 1)
        .await;
    unstored
        .wait_for_count("SELECT COUNT(*) FROM stats", 1)
        .await;
    let stored = stored_stats(&service).await;
    assert_eq!(
        (stored[0].room_sid.as_str(), stored[0].room_name.as_str()),
        ("RM_CLIENT", "rm_client"),
        "the session where the token's identity is connected"
    );
    let stored = stored_stats(&unstored).await;
    assert_eq!(
        (stored[0].room_sid.as_str(), stored[0].room_name.as_str()),
        ("", "rm_elsewhere"),
        "no stored session names the room: its sid stays unknown"
    );
}

#[tokio::test]
async fn the_collector_script_is_served_as_a_cacheable_module() {
    let service = TestService::start("").await;
    let url = format!("{}/client/livekit-analytics.js", service.base_url);
    let response = service.http.get(&url).send().await.expect("request sent");
    assert_eq!(response.status(), 200);
    let header = |name: &str| {
        response
            .headers()
            .get(name)
            .and_then(|value| value.to_str().ok())
            .unwrap_or_default()
            .to_owned()
    };
    assert_eq!(header("content-type"), "text/javascript; charset=utf-8");
    assert!(header("cache-control").contains("max-age"));
    assert_eq!(header("access-control-allow-origin"), "*");
    let etag = header("etag");
    assert!(!etag.is_empty());
    let text = response.text().await.expect("script text");
    let built = std::fs::read_to_string(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../clients/js/dist/livekit-analytics.js"
    ))
    .expect("clients/js/dist/livekit-analytics.js");
    assert_eq!(text, built, "the served module is the built file");
    let revalidated = service
        .http
        .get(&url)
        .header("If-None-Match", etag)
        .send()
        .await
        .expect("request sent");
    assert_eq!(revalidated.status(), 304);
}
