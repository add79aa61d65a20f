//! The richer read API's part of the query compliance suite, on the dataset stored by
//! [`super::run_query_compliance`]: searches with each filter, in both orders and paged by
//! cursor to the end; a session in full; a participant; a track's and a participant's
//! series; overviews by UTC day. Every answer is exact.

use crate::query::{
    CursorPage, Overview, OverviewDay, ParticipantDetail, Series, SeriesPoint, SeriesRequest,
    SeriesSubject, SessionCursor, SessionQuery, SessionSearch, SessionStatus, SessionSummary,
    SessionView, SortOrder,
};

use super::{
    query_dataset::{self as dataset, at},
    query_explore_dataset as explore,
};

/// Runs every case of the richer read API; panics on the first wrong answer.
pub async fn run_explore_cases(query: &dyn SessionQuery) {
    searches_filter_and_order(query).await;
    cursors_page_to_the_end(query).await;
    a_session_in_full(query).await;
    a_participant_with_its_tracks_and_events(query).await;
    a_track_series(query).await;
    a_participant_series_over_the_sessions_life(query).await;
    unknown_subjects_have_no_series(query).await;
    overviews_by_utc_day(query).await;
    a_narrow_overview_clips_connections(query).await;
}

async fn search(query: &dyn SessionQuery, search: SessionSearch) -> CursorPage<SessionSummary> {
    query
        .search_sessions(&search)
        .await
        .unwrap_or_else(|error| panic!("search_sessions({search:?}) failed: {error}"))
}

async fn found(query: &dyn SessionQuery, search_for: SessionSearch) -> Vec<String> {
    let page = search(query, search_for.clone()).await;
    assert_eq!(page.next, None, "{search_for:?} fits one page");
    page.items
        .into_iter()
        .map(|summary| summary.session_id)
        .collect()
}

async fn searches_filter_and_order(query: &dyn SessionQuery) {
    let all = search(query, SessionSearch::default()).await;
    assert_eq!(
        all.items,
        vec![
            dataset::summary_c(),
            dataset::summary_b(),
            dataset::summary_a()
        ]
    );
    assert_eq!(all.next, None);
    let cases: Vec<(SessionSearch, Vec<&str>)> = vec![
        (
            SessionSearch {
                order: SortOrder::OldestFirst,
                ..SessionSearch::default()
            },
            vec!["RM_a", "RM_b", "RM_c"],
        ),
        (
            SessionSearch {
                from_ms: at(1, 0, 0, 0),
                ..SessionSearch::default()
            },
            vec!["RM_c"],
        ),
        (
            SessionSearch {
                before_ms: at(0, 14, 0, 0),
                ..SessionSearch::default()
            },
            vec!["RM_a"],
        ),
        (prefix("st"), vec!["RM_b"]),
        (prefix("l"), vec!["RM_c"]),
        (prefix("_ate"), vec![]),
        (prefix("%"), vec![]),
        (prefix("Late"), vec![]),
        (identity("bob"), vec!["RM_a"]),
        (identity("carol"), vec!["RM_b"]),
        (identity("bo"), vec![]),
        (status(SessionStatus::Active), vec!["RM_b"]),
        (status(SessionStatus::Ended), vec!["RM_c", "RM_a"]),
        (
            SessionSearch {
                identity: Some("alice".into()),
                status: Some(SessionStatus::Ended),
                order: SortOrder::OldestFirst,
                ..SessionSearch::default()
            },
            vec!["RM_a"],
        ),
    ];
    for (search_for, expected) in cases {
        assert_eq!(
            found(query, search_for.clone()).await,
            expected,
            "{search_for:?}"
        );
    }
}

fn prefix(prefix: &str) -> SessionSearch {
    SessionSearch {
        room_prefix: Some(prefix.into()),
        ..SessionSearch::default()
    }
}

fn identity(identity: &str) -> SessionSearch {
    SessionSearch {
        identity: Some(identity.into()),
        ..SessionSearch::default()
    }
}

fn status(status: SessionStatus) -> SessionSearch {
    SessionSearch {
        status: Some(status),
        ..SessionSearch::default()
    }
}

fn cursor(summary: &SessionSummary) -> SessionCursor {
    SessionCursor {
        created_at_ms: summary.created_at_ms,
        room_sid: summary.session_id.clone(),
    }
}

async fn cursors_page_to_the_end(query: &dyn SessionQuery) {
    let newest = |after: Option<SessionCursor>| SessionSearch {
        limit: 1,
        after,
        ..SessionSearch::default()
    };
    let first = search(query, newest(None)).await;
    assert_eq!(first.items, vec![dataset::summary_c()]);
    assert_eq!(first.next, Some(cursor(&dataset::summary_c())));
    let second = search(query, newest(first.next)).await;
    assert_eq!(second.items, vec![dataset::summary_b()]);
    assert_eq!(second.next, Some(cursor(&dataset::summary_b())));
    let third = search(query, newest(second.next)).await;
    assert_eq!(third.items, vec![dataset::summary_a()]);
    assert_eq!(third.next, None);
    let oldest = |after: Option<SessionCursor>| SessionSearch {
        limit: 2,
        order: SortOrder::OldestFirst,
        after,
        ..SessionSearch::default()
    };
    let first = search(query, oldest(None)).await;
    assert_eq!(
        first.items,
        vec![dataset::summary_a(), dataset::summary_b()]
    );
    assert_eq!(first.next, Some(cursor(&dataset::summary_b())));
    let last = search(query, oldest(first.next)).await;
    assert_eq!(last.items, vec![dataset::summary_c()]);
    assert_eq!(last.next, None);
    let past_the_end = search(query, oldest(Some(cursor(&dataset::summary_c())))).await;
    assert_eq!(past_the_end.items, vec![]);
    assert_eq!(past_the_end.next, None);
}

async fn view(query: &dyn SessionQuery, room_sid: &str) -> Option<SessionView> {
    query
        .session_view(room_sid)
        .await
        .unwrap_or_else(|error| panic!("session_view({room_sid}) failed: {error}"))
}

async fn a_session_in_full(query: &dyn SessionQuery) {
    let a = view(query, "RM_a").await.expect("RM_a");
    assert_eq!(a.summary, dataset::summary_a());
    assert_eq!(a.participants, explore::participant_views_a());
    assert_eq!(a.participants[0].reconnects(), 1);
    assert_eq!(a.tracks, explore::track_views_a());
    assert_eq!(a.egresses, explore::egresses_a());
    assert_eq!(a.ingresses, explore::ingresses_a());
    assert_eq!(a.events, explore::timeline_a());
    assert_eq!(a.quality, explore::quality_a());
    let b = view(query, "RM_b").await.expect("RM_b");
    assert_eq!(b.summary, dataset::summary_b());
    let open: Vec<(&str, &str, Option<i64>)> = b
        .participants
        .iter()
        .flat_map(|participant| &participant.connections)
        .map(|c| {
            (
                c.connection.sid.as_str(),
                c.closed_by.as_str(),
                c.connection.left_at_ms,
            )
        })
        .collect();
    assert_eq!(
        open,
        vec![
            ("PA_c1", "", None),
            ("PA_d1", "PARTICIPANT_LEFT", Some(at(0, 14, 5, 0)))
        ]
    );
    assert_eq!(b.egresses.len(), 1);
    assert_eq!(
        (b.egresses[0].status.as_str(), b.egresses[0].ended_at_ms),
        ("EGRESS_ACTIVE", None)
    );
    assert_eq!(b.quality.samples, 1);
    let c = view(query, "RM_c").await.expect("RM_c");
    assert_eq!(c.summary, dataset::summary_c());
    assert!(c.participants.is_empty() && c.tracks.is_empty());
    assert_eq!(c.events.len(), 2);
    assert_eq!(view(query, "RM_missing").await, None);
}

async fn detail(query: &dyn SessionQuery, room: &str, identity: &str) -> Option<ParticipantDetail> {
    query
        .participant_detail(room, identity)
        .await
        .unwrap_or_else(|error| panic!("participant_detail({room}, {identity}) failed: {error}"))
}

async fn a_participant_with_its_tracks_and_events(query: &dyn SessionQuery) {
    let alice = detail(query, "RM_a", "alice").await.expect("alice");
    assert_eq!(alice.session, dataset::summary_a());
    assert_eq!(alice.participant, explore::participant_views_a()[0]);
    assert_eq!(alice.tracks, explore::track_views_a()[..1].to_vec());
    let own: Vec<_> = explore::timeline_a()
        .into_iter()
        .filter(|event| event.participant_identity == "alice")
        .collect();
    assert_eq!(own.len(), 7);
    assert_eq!(alice.events, own);
    assert_eq!(detail(query, "RM_a", "carol").await, None);
    assert_eq!(detail(query, "RM_missing", "alice").await, None);
}

async fn series(query: &dyn SessionQuery, request: SeriesRequest) -> Option<Series> {
    query
        .series(&request)
        .await
        .unwrap_or_else(|error| panic!("series({request:?}) failed: {error}"))
}

fn track(track_sid: &str) -> SeriesSubject {
    SeriesSubject::Track {
        room_sid: "RM_a".into(),
        track_sid: track_sid.into(),
    }
}

fn participant(room_sid: &str, identity: &str) -> SeriesSubject {
    SeriesSubject::Participant {
        room_sid: room_sid.into(),
        identity: identity.into(),
    }
}

async fn a_track_series(query: &dyn SessionQuery) {
    // Two minutes in four points: 30-second buckets; alice's first camera stat, then her
    // second one with bob's reception of it.
    let answer = series(
        query,
        SeriesRequest {
            subject: track("TR_cam"),
            from_ms: Some(at(0, 10, 1, 0)),
            before_ms: Some(at(0, 10, 3, 0)),
            points: 4,
        },
    )
    .await
    .expect("TR_cam");
    let expected = Series {
        from_ms: at(0, 10, 1, 0),
        before_ms: at(0, 10, 3, 0),
        bucket_ms: 30_000,
        points: vec![
            SeriesPoint {
                at_ms: at(0, 10, 2, 0),
                score: Some(4.5),
                bitrate_bps: Some(300_000.0 * 8.0 / 30.0),
                packet_loss_pct: Some(100.0 * 10.0 / 1010.0),
                jitter_ms: Some(4.0),
                rtt_ms: Some(20.0),
                frames_per_second: Some(900.0 / 30.0),
            },
            SeriesPoint {
                at_ms: at(0, 10, 2, 30),
                score: Some(3.75),
                bitrate_bps: Some(270_000.0 * 8.0 / 60.0),
                packet_loss_pct: Some(100.0 * 20.0 / 920.0),
                jitter_ms: Some(4.0),
                rtt_ms: Some(30.0),
                frames_per_second: Some(750.0 / 60.0),
            },
        ],
        client_points: vec![SeriesPoint {
            at_ms: at(0, 10, 2, 0),
            score: Some(4.0),
            bitrate_bps: Some(280_000.0 * 8.0 / 30.0),
            packet_loss_pct: Some(100.0 * 12.0 / 962.0),
            jitter_ms: Some(5.0),
            rtt_ms: Some(22.0),
            frames_per_second: Some(880.0 / 30.0),
        }],
    };
    assert_eq!(answer, expected);
}

async fn a_participant_series_over_the_sessions_life(query: &dyn SessionQuery) {
    // From the creation to just after the last event (10:31:00): 1 860 001 ms in three
    // points is 621 whole seconds a bucket; bob's stats all fall in the first. A
    // participant's streams add up, over the bucket's length.
    let answer = series(
        query,
        SeriesRequest {
            subject: participant("RM_a", "bob"),
            from_ms: None,
            before_ms: None,
            points: 3,
        },
    )
    .await
    .expect("bob");
    let expected = Series {
        from_ms: at(0, 10, 0, 0),
        before_ms: at(0, 10, 31, 0) + 1,
        bucket_ms: 621_000,
        points: vec![SeriesPoint {
            at_ms: at(0, 10, 0, 0),
            score: Some(4.0),
            bitrate_bps: Some(180_000.0 * 8.0 / 621.0),
            packet_loss_pct: Some(100.0 * 50.0 / 1950.0),
            jitter_ms: Some(6.0),
            rtt_ms: Some(40.0),
            frames_per_second: Some(300.0 / 621.0),
        }],
        client_points: Vec::new(),
    };
    assert_eq!(answer, expected);
}

async fn unknown_subjects_have_no_series(query: &dyn SessionQuery) {
    for subject in [
        track("TR_missing"),
        participant("RM_a", "carol"),
        participant("RM_missing", "alice"),
    ] {
        let request = SeriesRequest {
            subject,
            from_ms: None,
            before_ms: None,
            points: 10,
        };
        assert_eq!(series(query, request.clone()).await, None, "{request:?}");
    }
    let quiet = series(
        query,
        SeriesRequest {
            subject: participant("RM_b", "carol"),
            from_ms: None,
            before_ms: None,
            points: 10,
        },
    )
    .await
    .expect("carol is known");
    assert_eq!(quiet.points, vec![], "carol has no stats of her own");
}

async fn overview(query: &dyn SessionQuery, from_ms: i64, before_ms: i64) -> Overview {
    query
        .overview(from_ms, before_ms)
        .await
        .unwrap_or_else(|error| panic!("overview({from_ms}, {before_ms}) failed: {error}"))
}

fn counts(values: &[(&str, u64)]) -> Vec<(String, u64)> {
    values
        .iter()
        .map(|(value, count)| ((*value).to_owned(), *count))
        .collect()
}

async fn overviews_by_utc_day(query: &dyn SessionQuery) {
    let answer = overview(query, at(0, 0, 0, 0), at(2, 0, 0, 0)).await;
    let bytes_in = 3500 + explore::A_TRACK_BYTES_IN;
    let bytes_out = 3000 + 7000 + explore::A_TRACK_BYTES_OUT;
    // alice 9:54 and 19:58, bob 19:00, dave 4:40; carol from 14:00:10 to the end of the
    // range (she is still connected, and now is later): 125 602 s.
    let expected = Overview {
        from_ms: at(0, 0, 0, 0),
        before_ms: at(2, 0, 0, 0),
        sessions: 3,
        unique_participants: 4,
        participant_minutes: 2094,
        bandwidth_in: bytes_in,
        bandwidth_out: bytes_out,
        days: vec![
            OverviewDay {
                day_ms: at(0, 0, 0, 0),
                sessions: 2,
                unique_participants: 4,
                bandwidth_in: bytes_in,
                bandwidth_out: bytes_out,
            },
            OverviewDay {
                day_ms: at(1, 0, 0, 0),
                sessions: 1,
                unique_participants: 0,
                bandwidth_in: 0,
                bandwidth_out: 0,
            },
        ],
        active_rooms: 1,
        active_participants: 1,
        sdks: counts(&[("JS", 3), ("GO", 2)]),
        operating_systems: counts(&[("linux", 5)]),
        browsers: counts(&[("chrome", 5)]),
    };
    assert_eq!(answer, expected);
}

async fn a_narrow_overview_clips_connections(query: &dyn SessionQuery) {
    // Only alice's reconnect opened in it: 10:10:02 to the end of the range, 4:58.
    let answer = overview(query, at(0, 10, 5, 0), at(0, 10, 15, 0)).await;
    let expected = Overview {
        from_ms: at(0, 10, 5, 0),
        before_ms: at(0, 10, 15, 0),
        sessions: 0,
        unique_participants: 1,
        participant_minutes: 5,
        bandwidth_in: 0,
        bandwidth_out: 0,
        days: vec![OverviewDay {
            day_ms: at(0, 0, 0, 0),
            sessions: 0,
            unique_participants: 1,
            bandwidth_in: 0,
            bandwidth_out: 0,
        }],
        active_rooms: 1,
        active_participants: 1,
        sdks: counts(&[("JS", 1)]),
        operating_systems: counts(&[("linux", 1)]),
        browsers: counts(&[("chrome", 1)]),
    };
    assert_eq!(answer, expected);
}
