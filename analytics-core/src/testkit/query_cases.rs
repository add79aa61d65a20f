//! The query compliance suite: one dataset ([`super::query_dataset`]) stored through
//! `send_batch` (twice, as a resend would), then the same exact answers asked of every
//! query sink: the list by date range and page, and each session's detail; then the richer
//! read API's answers ([`super::query_explore_cases`]).

use std::sync::Arc;

use crate::{
    query::{Page, SessionFilter, SessionQuery, SessionSummary, NO_LATER_THAN_MS},
    record::Batch,
};

use super::{
    check_declarations,
    query_dataset::{self as dataset, at},
    query_explore_cases::run_explore_cases,
    TargetFactory,
};

/// Stores the dataset in a fresh target and checks every answer; panics on the first
/// wrong one. A sink that does not declare `queries` is skipped.
pub async fn run_query_compliance(factory: TargetFactory) {
    let target = factory().await;
    check_declarations(&target);
    if !target.sink.capabilities().queries {
        eprintln!("query compliance skipped: the sink does not declare queries");
        return;
    }
    target.sink.initialize().await.expect("initialize");
    let batch = Batch::new(dataset::records().into_iter().map(Arc::new).collect());
    for _ in 0..2 {
        target
            .sink
            .send_batch(&batch)
            .await
            .expect("dataset stored");
    }
    let query = target.sink.query().expect("declared");
    every_session_is_listed_newest_first(query).await;
    the_date_range_bounds_the_start(query).await;
    pages_split_the_list(query).await;
    a_session_has_its_connections(query).await;
    an_unknown_session_is_none(query).await;
    run_explore_cases(query).await;
    eprintln!("query compliance passed");
}

async fn list(query: &dyn SessionQuery, filter: SessionFilter) -> Page<SessionSummary> {
    query
        .list_sessions(&filter)
        .await
        .unwrap_or_else(|error| panic!("list_sessions({filter:?}) failed: {error}"))
}

async fn every_session_is_listed_newest_first(query: &dyn SessionQuery) {
    let page = list(query, SessionFilter::default()).await;
    assert_eq!(
        page.items,
        vec![
            dataset::summary_c(),
            dataset::summary_b(),
            dataset::summary_a()
        ]
    );
    assert_eq!(page.next_page, None);
}

async fn the_date_range_bounds_the_start(query: &dyn SessionQuery) {
    let first_day = SessionFilter {
        from_ms: at(0, 0, 0, 0),
        before_ms: at(1, 0, 0, 0),
        ..SessionFilter::default()
    };
    let page = list(query, first_day).await;
    assert_eq!(page.items, vec![dataset::summary_b(), dataset::summary_a()]);
    let second_day = SessionFilter {
        from_ms: at(1, 0, 0, 0),
        before_ms: NO_LATER_THAN_MS,
        ..SessionFilter::default()
    };
    assert_eq!(
        list(query, second_day).await.items,
        vec![dataset::summary_c()]
    );
    let empty = SessionFilter {
        from_ms: at(0, 10, 0, 1),
        before_ms: at(0, 14, 0, 0),
        ..SessionFilter::default()
    };
    assert_eq!(list(query, empty).await.items, vec![]);
}

async fn pages_split_the_list(query: &dyn SessionQuery) {
    let page = |page| SessionFilter {
        limit: 1,
        page,
        ..SessionFilter::default()
    };
    let second = list(query, page(1)).await;
    assert_eq!(second.items, vec![dataset::summary_b()]);
    assert_eq!(second.next_page, Some(2));
    let third = list(query, page(2)).await;
    assert_eq!(third.items, vec![dataset::summary_a()]);
    assert_eq!(third.next_page, None);
    assert_eq!(list(query, page(3)).await.items, vec![]);
}

async fn a_session_has_its_connections(query: &dyn SessionQuery) {
    let a = query.session("RM_a").await.expect("session").expect("RM_a");
    assert_eq!(a.summary, dataset::summary_a());
    assert_eq!(a.participants, dataset::participants_a());
    // 9:55 + 19:58 + 19:00, rounded up.
    assert_eq!(a.connection_minutes(), 49);
    let b = query.session("RM_b").await.expect("session").expect("RM_b");
    assert_eq!(b.summary, dataset::summary_b());
    assert_eq!(b.participants, dataset::participants_b());
    let c = query.session("RM_c").await.expect("session").expect("RM_c");
    assert_eq!(c.summary, dataset::summary_c());
    assert!(c.participants.is_empty());
}

async fn an_unknown_session_is_none(query: &dyn SessionQuery) {
    let missing = query.session("RM_missing").await.expect("session");
    assert_eq!(missing, None);
}
