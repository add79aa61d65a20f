//! Active entities follow the events in batch order, and only events stored for the first
//! time change them.

use std::time::{Duration, SystemTime};

use analytics_core::{
    livekit_protocol::AnalyticsEventType as T, record::Record, samples, testkit::StoreProbe,
    Entity, Sink,
};

use super::support::{batch_of, stats, TestSchema};

fn room_event(kind: T, at: SystemTime) -> Record {
    Record::from_event(
        samples::event(kind, at),
        Duration::from_secs(3600),
        SystemTime::now(),
    )
    .expect("converts")
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn open_then_close_in_one_batch_leaves_the_entity_closed() {
    let Some(schema) = TestSchema::new().await else {
        return;
    };
    let (sink, probe) = (schema.sink(), schema.probe());
    sink.initialize().await.expect("initialised");
    let start = SystemTime::now();
    let closing = [
        room_event(T::RoomCreated, start),
        room_event(T::RoomEnded, start + Duration::from_secs(5)),
    ];
    sink.send_batch(&batch_of(&closing)).await.expect("written");
    assert!(
        probe.active_entities().await.is_empty(),
        "opened then closed"
    );

    let reopening = [
        room_event(T::RoomCreated, start + Duration::from_secs(10)),
        room_event(T::RoomEnded, start + Duration::from_secs(15)),
        room_event(T::RoomCreated, start + Duration::from_secs(20)),
    ];
    sink.send_batch(&batch_of(&reopening))
        .await
        .expect("written");
    assert_eq!(
        probe.active_entities().await,
        [(Entity::Room, samples::ROOM_SID.to_owned())],
        "the last change of the batch wins"
    );
    schema.drop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn resent_open_event_does_not_reopen_a_closed_entity() {
    let Some(schema) = TestSchema::new().await else {
        return;
    };
    let (sink, probe) = (schema.sink(), schema.probe());
    sink.initialize().await.expect("initialised");
    let start = SystemTime::now();
    let created = [room_event(T::RoomCreated, start)];
    sink.send_batch(&batch_of(&created)).await.expect("written");
    let ended = [room_event(T::RoomEnded, start + Duration::from_secs(5))];
    sink.send_batch(&batch_of(&ended)).await.expect("written");
    // The sender may re-send a batch whose first attempt was in fact stored.
    sink.send_batch(&batch_of(&created)).await.expect("re-sent");
    assert!(
        probe.active_entities().await.is_empty(),
        "a duplicate changes nothing"
    );
    let (event_id, opened_ms): (String, f64) = {
        sink.send_batch(&batch_of(&[room_event(
            T::RoomCreated,
            start + Duration::from_secs(60),
        )]))
        .await
        .expect("written");
        sqlx::query_as(schema.sql(
            "SELECT event_id, extract(epoch FROM opened_at)::float8 * 1000 FROM {schema}.active_entities",
        ))
        .fetch_one(&schema.admin)
        .await
        .expect("read")
    };
    let reopened = room_event(T::RoomCreated, start + Duration::from_secs(60));
    assert_eq!(event_id, reopened.id, "the opening event is recorded");
    assert_eq!(opened_ms.round() as i64, reopened.timestamp_ms);
    schema.drop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn batches_in_flight_change_active_entities_in_the_order_they_started() {
    let Some(schema) = TestSchema::new().await else {
        return;
    };
    let (sink, probe) = (schema.sink(), schema.probe());
    sink.initialize().await.expect("initialised");
    let start = SystemTime::now();
    for round in 0..5u64 {
        let at = start + Duration::from_secs(round * 10);
        // A large batch opening the room, then a one-event batch closing it: written at
        // once, the small one would finish first if nothing kept their order.
        let mut opening = vec![room_event(T::RoomCreated, at)];
        opening.extend(stats(
            1500,
            at,
            SystemTime::now(),
            Duration::from_secs(3600),
        ));
        let closing = [room_event(T::RoomEnded, at + Duration::from_secs(5))];
        let (opening, closing) = (batch_of(&opening), batch_of(&closing));
        let (opened, closed) = futures::join!(sink.send_batch(&opening), sink.send_batch(&closing));
        opened.expect("opening batch written");
        closed.expect("closing batch written");
        assert!(
            probe.active_entities().await.is_empty(),
            "round {round}: the close started last, so the room is closed"
        );
    }
    schema.drop().await;
}
