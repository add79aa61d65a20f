//! The read API's explore lookups (`SessionRows::searched_rooms` ... `open_now`) on the
//! real server, beyond the shared query suite: a dataset of this test's own (a room told
//! twice, a join never made active, a room-less ingress, a tie in creation time, stats of
//! known scores, streams and times, and a stat written by openvidu-livekit itself with every
//! number a double), stored through `send_batch`, and the exact rows each lookup gives.

use std::{
    sync::Arc,
    time::{Duration, SystemTime, UNIX_EPOCH},
};

use analytics_core::{
    livekit_protocol::{
        AnalyticsEvent, AnalyticsEventType as T, AnalyticsStat, AnalyticsStream, ClientInfo,
        IngressInfo, IngressState, ParticipantInfo, Room, StreamType,
    },
    query::{
        BucketQuery, CreatedRoom, DailyTraffic, OpenNow, OpenedConnection, SessionCursor,
        SessionRows, SessionSearch, SessionStatus, SortOrder, StatsBucket, StatsTotals,
        StoredEvent,
    },
    record::timestamp_of,
    testkit::query_dataset::{at, DAY_MS},
    Batch, Record, RecordKind, Sink, SinkContext,
};
use mongodb::bson::{doc, Document};
use serde_json::Value;
use sink_mongo::{testkit::settings, MongoSettings, MongoSink};

use crate::probe::{client, fresh_database_name, test_url};

const EXPIRATION: Duration = Duration::from_secs(24 * 3600);

fn time(ms: i64) -> SystemTime {
    UNIX_EPOCH + Duration::from_millis(u64::try_from(ms).expect("after 1970"))
}

/// One stream: `(bytes, packets, lost, frames, jitter, rtt)`, covering `[start, end)`.
fn stream(
    (bytes, packets, lost, frames, jitter, rtt): (u64, u32, u32, u32, u32, u32),
    covers: Option<(i64, i64)>,
) -> AnalyticsStream {
    AnalyticsStream {
        primary_bytes: bytes,
        primary_packets: packets,
        packets_lost: lost,
        frames,
        jitter,
        rtt,
        start_time: covers.map(|(start, _)| timestamp_of(time(start))),
        end_time: covers.map(|(_, end)| timestamp_of(time(end))),
        ..Default::default()
    }
}

fn stat(
    kind: StreamType,
    (room, participant, track): (&str, &str, &str),
    (score, min_score): (f32, f32),
    streams: Vec<AnalyticsStream>,
    ms: i64,
) -> Record {
    let stat = AnalyticsStat {
        kind: kind as i32,
        time_stamp: Some(timestamp_of(time(ms))),
        room_id: room.into(),
        participant_id: participant.into(),
        track_id: track.into(),
        score,
        min_score,
        streams,
        ..Default::default()
    };
    Record::from_stat(stat, EXPIRATION, SystemTime::now()).expect("stat converts")
}

/// Stats of room A (alice up, bob down), room B and the second day.
fn stats() -> Vec<Record> {
    vec![
        stat(
            StreamType::Upstream,
            ("RM_a", "PA_a1", "TR_a1"),
            (4.5, 3.5),
            vec![
                stream(
                    (1000, 10, 2, 30, 4, 20),
                    Some((at(0, 10, 0, 0), at(0, 10, 0, 30))),
                ),
                stream(
                    (500, 5, 0, 0, 0, 0),
                    Some((at(0, 10, 0, 10), at(0, 10, 0, 30))),
                ),
            ],
            at(0, 10, 0, 30),
        ),
        stat(
            StreamType::Upstream,
            ("RM_a", "PA_a1", "TR_a1"),
            (0.0, 0.0),
            vec![stream(
                (2000, 20, 0, 60, 0, 0),
                Some((at(0, 10, 0, 30), at(0, 10, 1, 0))),
            )],
            at(0, 10, 1, 0),
        ),
        stat(
            StreamType::Downstream,
            ("RM_a", "PA_b1", "TR_a1"),
            (3.0, 0.0),
            vec![stream((3000, 30, 1, 0, 0, 40), None)],
            at(0, 10, 0, 30),
        ),
        stat(
            StreamType::Downstream,
            ("RM_b", "PA_c1", "TR_c1"),
            (4.0, 0.0),
            vec![stream((7000, 70, 0, 0, 0, 0), None)],
            at(0, 14, 3, 0),
        ),
        stat(
            StreamType::Upstream,
            ("RM_c", "PA_x", "TR_x"),
            (0.0, 0.0),
            vec![stream((100, 1, 0, 0, 0, 0), None)],
            at(1, 9, 0, 10),
        ),
    ]
}

fn event(kind: T, room: (&str, &str), ms: i64) -> AnalyticsEvent {
    AnalyticsEvent {
        r#type: kind as i32,
        timestamp: Some(timestamp_of(time(ms))),
        room_id: room.0.into(),
        room: Some(Room {
            sid: room.0.into(),
            name: room.1.into(),
            ..Default::default()
        }),
        ..Default::default()
    }
}

/// A participant's event; `sdk` is LiveKit's number (1 = JS, 5 = GO), 0 for none.
fn participant(
    kind: T,
    room: (&str, &str),
    (sid, identity): (&str, &str),
    sdk: i32,
    ms: i64,
) -> AnalyticsEvent {
    AnalyticsEvent {
        participant_id: sid.into(),
        participant: Some(ParticipantInfo {
            sid: sid.into(),
            identity: identity.into(),
            ..Default::default()
        }),
        client_info: (sdk != 0).then(|| ClientInfo {
            sdk,
            os: "linux".into(),
            browser: "chrome".into(),
            ..Default::default()
        }),
        ..event(kind, room, ms)
    }
}

/// An ingress publishing into room A: its events carry no room sid, only its state's.
fn ingress_started(ms: i64) -> AnalyticsEvent {
    AnalyticsEvent {
        r#type: T::IngressStarted as i32,
        timestamp: Some(timestamp_of(time(ms))),
        ingress_id: "IN_a".into(),
        ingress: Some(IngressInfo {
            ingress_id: "IN_a".into(),
            state: Some(IngressState {
                room_id: "RM_a".into(),
                resource_id: "RS_a".into(),
                ..Default::default()
            }),
            ..Default::default()
        }),
        ..Default::default()
    }
}

const A: (&str, &str) = ("RM_a", "all-hands");
const B: (&str, &str) = ("RM_b", "standup");
const C: (&str, &str) = ("RM_c", "late");
/// Created at the same time as B.
const T2: (&str, &str) = ("RM_t", "standup-2");
const JS: i32 = 1;
const GO: i32 = 5;

fn events() -> Vec<AnalyticsEvent> {
    vec![
        event(T::RoomCreated, A, at(0, 10, 0, 0)),
        event(T::RoomCreated, A, at(0, 10, 0, 1)),
        participant(
            T::ParticipantJoined,
            A,
            ("PA_a1", "alice"),
            JS,
            at(0, 10, 0, 5),
        ),
        participant(
            T::ParticipantActive,
            A,
            ("PA_a1", "alice"),
            JS,
            at(0, 10, 0, 6),
        ),
        participant(
            T::ParticipantActive,
            A,
            ("PA_b1", "bob"),
            GO,
            at(0, 10, 1, 0),
        ),
        ingress_started(at(0, 10, 2, 0)),
        participant(
            T::ParticipantLeft,
            A,
            ("PA_a1", "alice"),
            JS,
            at(0, 10, 10, 0),
        ),
        participant(
            T::ParticipantActive,
            A,
            ("PA_a2", "alice"),
            JS,
            at(0, 10, 10, 2),
        ),
        participant(
            T::ParticipantConnectionAborted,
            A,
            ("PA_b1", "bob"),
            GO,
            at(0, 10, 20, 0),
        ),
        event(T::RoomEnded, A, at(0, 10, 31, 0)),
        event(T::RoomCreated, B, at(0, 14, 0, 0)),
        event(T::RoomCreated, T2, at(0, 14, 0, 0)),
        participant(
            T::ParticipantActive,
            B,
            ("PA_c1", "carol"),
            JS,
            at(0, 14, 0, 10),
        ),
        participant(
            T::ParticipantJoined,
            B,
            ("PA_e1", "erin"),
            0,
            at(0, 14, 6, 0),
        ),
        event(T::RoomCreated, C, at(1, 9, 0, 0)),
        event(T::RoomEnded, C, at(1, 9, 0, 30)),
    ]
}

fn records() -> Vec<Record> {
    let now = SystemTime::now();
    events()
        .into_iter()
        .map(|event| Record::from_event(event, EXPIRATION, now).expect("event converts"))
        .chain(stats())
        .collect()
}

/// A stat as openvidu-livekit writes it: every number a double.
fn openvidu_stat() -> Document {
    doc! {
        "_id": "openvidu-stat",
        "kind": "UPSTREAM",
        "time_stamp": { "seconds": (at(0, 10, 0, 30) / 1000) as f64, "nanos": 5e8 },
        "room_id": "RM_o",
        "participant_id": "PA_o",
        "track_id": "TR_o",
        "score": 4.300000190734863,
        "streams": [
            { "primary_bytes": 100.0, "primary_packets": 2.0, "packets_lost": 1.0,
              "start_time": { "seconds": (at(0, 10, 0, 0) / 1000) as f64 },
              "end_time": { "seconds": (at(0, 10, 0, 30) / 1000) as f64 } },
        ],
    }
}

/// A sink on a fresh database holding [`records`], and the database's name.
async fn stored_sink(url: &str) -> (MongoSink, String) {
    let name = fresh_database_name();
    let context = SinkContext::new("mongo", settings(url, &name), EXPIRATION);
    let settings: MongoSettings = context.settings().expect("test settings deserialize");
    let sink = MongoSink::new("mongo", settings).expect("settings valid");
    sink.initialize().await.expect("initialize");
    let batch = Batch::new(records().into_iter().map(Arc::new).collect());
    sink.send_batch(&batch).await.expect("stored");
    client(url)
        .await
        .database(&name)
        .collection::<Document>("stats")
        .insert_one(openvidu_stat())
        .await
        .expect("openvidu's stat stored");
    (sink, name)
}

#[tokio::test]
async fn explore_lookups_answer_from_openvidu_collections() {
    let Some(url) = test_url() else { return };
    let (sink, name) = stored_sink(&url).await;
    searched_rooms_filter_order_and_page(&sink).await;
    the_timeline_is_every_event_with_its_document(&sink).await;
    stats_are_summed_per_participant_track_and_direction(&sink).await;
    stats_are_bucketed_from_the_start(&sink).await;
    connections_open_on_their_active_else_their_join(&sink).await;
    traffic_is_summed_per_utc_day(&sink).await;
    open_now_counts_open_rooms_and_connections(&sink).await;
    openvidu_documents_are_read_as_well(&sink).await;
    client(&url)
        .await
        .database(&name)
        .drop()
        .await
        .expect("test database dropped");
}

fn room(sid: &str, name: &str, created_at_ms: i64) -> CreatedRoom {
    CreatedRoom {
        room_sid: sid.into(),
        room_name: name.into(),
        created_at_ms,
    }
}

async fn searched_rooms_filter_order_and_page(sink: &MongoSink) {
    let a = room("RM_a", "all-hands", at(0, 10, 0, 0));
    let b = room("RM_b", "standup", at(0, 14, 0, 0));
    let t = room("RM_t", "standup-2", at(0, 14, 0, 0));
    let c = room("RM_c", "late", at(1, 9, 0, 0));
    let after_b = || {
        Some(SessionCursor {
            created_at_ms: at(0, 14, 0, 0),
            room_sid: "RM_b".into(),
        })
    };
    let search = |change: &dyn Fn(&mut SessionSearch)| {
        let mut search = SessionSearch::default();
        change(&mut search);
        search
    };
    let cases: Vec<(SessionSearch, Vec<&CreatedRoom>)> = vec![
        // Ties in creation time by room sid, ascending in both orders.
        (search(&|_| {}), vec![&c, &b, &t, &a]),
        (
            search(&|s| s.order = SortOrder::OldestFirst),
            vec![&a, &b, &t, &c],
        ),
        (search(&|s| s.after = after_b()), vec![&t, &a]),
        (
            search(&|s| {
                s.order = SortOrder::OldestFirst;
                s.after = after_b();
            }),
            vec![&t, &c],
        ),
        (
            search(&|s| s.room_prefix = Some("stand".into())),
            vec![&b, &t],
        ),
        (
            search(&|s| s.room_prefix = Some("standup-".into())),
            vec![&t],
        ),
        (search(&|s| s.room_prefix = Some("stand_p".into())), vec![]),
        (search(&|s| s.room_prefix = Some("%".into())), vec![]),
        (search(&|s| s.room_prefix = Some("Stand".into())), vec![]),
        (search(&|s| s.identity = Some("alice".into())), vec![&a]),
        (search(&|s| s.identity = Some("ali".into())), vec![]),
        (search(&|s| s.identity = Some("erin".into())), vec![&b]),
        (
            search(&|s| s.status = Some(SessionStatus::Active)),
            vec![&b, &t],
        ),
        (
            search(&|s| s.status = Some(SessionStatus::Ended)),
            vec![&c, &a],
        ),
        (
            search(&|s| {
                // Room A is told again at 10:00:01 but was created before the range.
                s.from_ms = at(0, 10, 0, 1);
                s.before_ms = at(1, 0, 0, 0);
            }),
            vec![&b, &t],
        ),
    ];
    for (search, expected) in cases {
        let found = sink
            .searched_rooms(&search, 10)
            .await
            .unwrap_or_else(|error| panic!("searched_rooms({search:?}): {error}"));
        let expected: Vec<CreatedRoom> = expected.into_iter().cloned().collect();
        assert_eq!(found, expected, "{search:?}");
    }
    let first = sink
        .searched_rooms(&SessionSearch::default(), 2)
        .await
        .expect("searched");
    assert_eq!(first, vec![c, b]);
}

fn sorted_events(mut events: Vec<StoredEvent>) -> Vec<StoredEvent> {
    events.sort_by(|a, b| {
        (a.timestamp_ms, &a.type_name, &a.participant_sid).cmp(&(
            b.timestamp_ms,
            &b.type_name,
            &b.participant_sid,
        ))
    });
    events
}

async fn the_timeline_is_every_event_with_its_document(sink: &MongoSink) {
    let expected: Vec<StoredEvent> = records()
        .into_iter()
        .filter(|record| {
            record.kind == RecordKind::Event
                && (record.room_sid == "RM_a" || record.ingress_id == "IN_a")
        })
        .map(|record| StoredEvent {
            type_name: record.type_name.clone(),
            timestamp_ms: record.timestamp_ms,
            participant_sid: record.participant_sid.clone(),
            participant_identity: record.participant_identity.clone(),
            track_sid: record.track_id.clone(),
            egress_id: record.egress_id.clone(),
            ingress_id: record.ingress_id.clone(),
            document: record.document_json.clone(),
        })
        .collect();
    assert_eq!(expected.len(), 10);
    let found = sorted_events(sink.room_timeline("RM_a").await.expect("timeline"));
    let expected = sorted_events(expected);
    assert_eq!(found.len(), expected.len());
    let parsed = |event: &StoredEvent| -> Value {
        serde_json::from_str(&event.document).expect("the document is JSON")
    };
    for (found, expected) in found.iter().zip(&expected) {
        assert_eq!(parsed(found), parsed(expected), "{}", expected.type_name);
        let without_document = |event: &StoredEvent| StoredEvent {
            document: String::new(),
            ..event.clone()
        };
        assert_eq!(without_document(found), without_document(expected));
    }
    assert_eq!(
        sink.room_timeline("RM_missing").await.expect("timeline"),
        vec![]
    );
}

async fn stats_are_summed_per_participant_track_and_direction(sink: &MongoSink) {
    let mut totals = sink.stats_totals("RM_a").await.expect("totals");
    totals.sort_by(|a, b| a.participant_sid.cmp(&b.participant_sid));
    assert_eq!(
        totals,
        vec![
            StatsTotals {
                participant_sid: "PA_a1".into(),
                track_sid: "TR_a1".into(),
                kind: "UPSTREAM".into(),
                scored: 1,
                score_sum: 4.5,
                min_score: Some(3.5),
                bytes: 3500,
                packets: 35,
                packets_lost: 2,
            },
            StatsTotals {
                participant_sid: "PA_b1".into(),
                track_sid: "TR_a1".into(),
                kind: "DOWNSTREAM".into(),
                scored: 1,
                score_sum: 3.0,
                min_score: Some(3.0),
                bytes: 3000,
                packets: 30,
                packets_lost: 1,
            },
        ]
    );
    assert_eq!(
        sink.stats_totals("RM_missing").await.expect("totals"),
        vec![]
    );
}

async fn stats_are_bucketed_from_the_start(sink: &MongoSink) {
    let query = |participant_sids: &[&str], track_sid: Option<&str>, from_ms: i64| BucketQuery {
        room_sid: "RM_a".into(),
        participant_sids: participant_sids.iter().map(|sid| sid.to_string()).collect(),
        track_sid: track_sid.map(str::to_owned),
        from_ms,
        before_ms: at(0, 10, 2, 0),
        bucket_ms: 60_000,
    };
    let first = StatsBucket {
        bucket_start_ms: at(0, 10, 0, 0),
        scored: 2,
        score_sum: 7.5,
        bytes: 4500,
        packets: 45,
        packets_lost: 3,
        frames: 30,
        jitter_count: 1,
        jitter_sum: 4.0,
        rtt_count: 2,
        rtt_sum: 60.0,
        covered_ms: 30_000,
        covered_stats: 1,
        client_reported: false,
    };
    let second = StatsBucket {
        bucket_start_ms: at(0, 10, 1, 0),
        bytes: 2000,
        packets: 20,
        frames: 60,
        covered_ms: 30_000,
        covered_stats: 1,
        ..StatsBucket::default()
    };
    let buckets = |query: BucketQuery| async move {
        let mut found = sink.stats_buckets(&query).await.expect("buckets");
        found.sort_by_key(|bucket| bucket.bucket_start_ms);
        found
    };
    assert_eq!(
        buckets(query(&[], None, at(0, 10, 0, 0))).await,
        vec![first, second.clone()]
    );
    assert_eq!(
        buckets(query(&["PA_b1"], Some("TR_a1"), at(0, 10, 0, 0))).await,
        vec![StatsBucket {
            bucket_start_ms: at(0, 10, 0, 0),
            scored: 1,
            score_sum: 3.0,
            bytes: 3000,
            packets: 30,
            packets_lost: 1,
            rtt_count: 1,
            rtt_sum: 40.0,
            ..StatsBucket::default()
        }]
    );
    assert_eq!(
        buckets(query(&[], Some("TR_none"), at(0, 10, 0, 0))).await,
        vec![]
    );
    // Buckets count from the query's start: 10:00:31 + n minutes.
    assert_eq!(
        buckets(query(&["PA_a1", "PA_b1"], None, at(0, 10, 0, 31))).await,
        vec![StatsBucket {
            bucket_start_ms: at(0, 10, 0, 31),
            ..second
        }]
    );
}

async fn connections_open_on_their_active_else_their_join(sink: &MongoSink) {
    let connection = |(room, sid, identity): (&str, &str, &str),
                      sdk: &str,
                      joined_at_ms: i64,
                      left_at_ms: Option<i64>| OpenedConnection {
        room_sid: room.into(),
        participant_sid: sid.into(),
        identity: identity.into(),
        joined_at_ms,
        left_at_ms,
        sdk: sdk.into(),
        os: if sdk.is_empty() { "" } else { "linux" }.into(),
        browser: if sdk.is_empty() { "" } else { "chrome" }.into(),
    };
    let opened = |from_ms: i64, before_ms: i64| async move {
        let mut found = sink
            .connections_opened(from_ms, before_ms)
            .await
            .expect("connections");
        found.sort_by_key(|connection| connection.joined_at_ms);
        found
    };
    assert_eq!(
        opened(DAY_MS, DAY_MS + 2 * 86_400_000).await,
        vec![
            connection(
                ("RM_a", "PA_a1", "alice"),
                "JS",
                at(0, 10, 0, 6),
                Some(at(0, 10, 10, 0))
            ),
            connection(
                ("RM_a", "PA_b1", "bob"),
                "GO",
                at(0, 10, 1, 0),
                Some(at(0, 10, 20, 0))
            ),
            // No close stored: closed with its room.
            connection(
                ("RM_a", "PA_a2", "alice"),
                "JS",
                at(0, 10, 10, 2),
                Some(at(0, 10, 31, 0))
            ),
            connection(("RM_b", "PA_c1", "carol"), "JS", at(0, 14, 0, 10), None),
            connection(("RM_b", "PA_e1", "erin"), "", at(0, 14, 6, 0), None),
        ]
    );
    let window: Vec<String> = opened(at(0, 10, 0, 6), at(0, 10, 10, 2))
        .await
        .into_iter()
        .map(|connection| connection.participant_sid)
        .collect();
    assert_eq!(window, ["PA_a1", "PA_b1"]);
    assert_eq!(
        opened(at(0, 10, 0, 5), at(0, 10, 0, 6)).await,
        vec![],
        "alice's join is not her opening: her active is"
    );
}

async fn traffic_is_summed_per_utc_day(sink: &MongoSink) {
    let day = |day_ms: i64, kind: &str, bytes: i64| DailyTraffic {
        day_ms,
        kind: kind.into(),
        bytes,
    };
    let traffic = |from_ms: i64, before_ms: i64| async move {
        let mut found = sink
            .daily_traffic(from_ms, before_ms)
            .await
            .expect("traffic");
        found.sort_by(|a, b| (a.day_ms, &a.kind).cmp(&(b.day_ms, &b.kind)));
        found
    };
    let second_day = DAY_MS + 86_400_000;
    assert_eq!(
        traffic(DAY_MS, DAY_MS + 2 * 86_400_000).await,
        vec![
            day(DAY_MS, "DOWNSTREAM", 10_000),
            // With openvidu's own stat of room O.
            day(DAY_MS, "UPSTREAM", 3600),
            day(second_day, "UPSTREAM", 100),
        ]
    );
    assert_eq!(
        traffic(at(0, 14, 0, 0), at(1, 9, 0, 10)).await,
        vec![day(DAY_MS, "DOWNSTREAM", 7000)]
    );
}

async fn open_now_counts_open_rooms_and_connections(sink: &MongoSink) {
    // Rooms B and T; carol. Alice's second connection was never closed, but her room ended;
    // erin never became active.
    assert_eq!(
        sink.open_now().await.expect("open now"),
        OpenNow {
            rooms: 2,
            participants: 1,
        }
    );
}

async fn openvidu_documents_are_read_as_well(sink: &MongoSink) {
    assert_eq!(
        sink.stats_totals("RM_o").await.expect("totals"),
        vec![StatsTotals {
            participant_sid: "PA_o".into(),
            track_sid: "TR_o".into(),
            kind: "UPSTREAM".into(),
            scored: 1,
            score_sum: f64::from(4.3_f32),
            min_score: Some(f64::from(4.3_f32)),
            bytes: 100,
            packets: 2,
            packets_lost: 1,
        }]
    );
    let query = BucketQuery {
        room_sid: "RM_o".into(),
        participant_sids: vec![],
        track_sid: None,
        from_ms: at(0, 10, 0, 0),
        before_ms: at(0, 11, 0, 0),
        bucket_ms: 3_600_000,
    };
    let buckets = sink.stats_buckets(&query).await.expect("buckets");
    assert_eq!(
        buckets,
        vec![StatsBucket {
            bucket_start_ms: at(0, 10, 0, 0),
            scored: 1,
            score_sum: f64::from(4.3_f32),
            bytes: 100,
            packets: 2,
            packets_lost: 1,
            covered_ms: 30_000,
            covered_stats: 1,
            ..StatsBucket::default()
        }]
    );
}
