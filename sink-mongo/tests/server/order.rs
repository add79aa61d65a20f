//! Two batches in flight move active entities in the order they were started, however long
//! each takes: a large batch opening a room and a small one closing it leave it closed.

use std::{
    sync::Arc,
    time::{Duration, SystemTime},
};

use analytics_core::{
    livekit_protocol::{AnalyticsEventType as T, StreamType},
    samples,
    testkit::StoreProbe,
    Batch, Record,
};

use crate::probe::{client, fresh_database_name, registered_sink, test_url, MongoProbe};

fn batch(records: Vec<Record>) -> Batch {
    Batch::new(records.into_iter().map(Arc::new).collect())
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn batches_in_flight_change_active_entities_in_the_order_they_started() {
    let Some(url) = test_url() else { return };
    let name = fresh_database_name();
    let sink = registered_sink(&url, &name);
    sink.initialize().await.expect("initialised");
    let probe = MongoProbe {
        database: client(&url).await.database(&name),
    };
    let expiration = Duration::from_secs(3600);
    let start = SystemTime::now();
    for round in 0..3u64 {
        let at = start + Duration::from_secs(round * 10);
        let created = samples::event(T::RoomCreated, at);
        let mut opening = vec![Record::from_event(created, expiration, start).expect("converts")];
        opening.extend((0..1500).map(|n| {
            let stat = samples::stat(StreamType::Upstream, at + Duration::from_millis(n));
            Record::from_stat(stat, expiration, start).expect("converts")
        }));
        let ended = samples::event(T::RoomEnded, at + Duration::from_secs(5));
        let closing = vec![Record::from_event(ended, expiration, start).expect("converts")];
        let (opening, closing) = (batch(opening), batch(closing));
        let (opened, closed) = futures::join!(sink.send_batch(&opening), sink.send_batch(&closing));
        opened.expect("opening batch written");
        closed.expect("closing batch written");
        assert!(
            probe.active_entities().await.is_empty(),
            "round {round}: the close started last, so the room is closed"
        );
    }
    client(&url)
        .await
        .database(&name)
        .drop()
        .await
        .expect("database dropped");
}
