//! The example queries of docs/sink-postgres.md, run verbatim on a simulated session.

use std::time::{Duration, SystemTime};

use analytics_core::{
    livekit_protocol::{AnalyticsEventType as T, StreamType},
    record::Record,
    samples,
    testkit::session_records,
    Sink,
};
use sqlx::{AssertSqlSafe, Connection, Row};

use super::support::{batch_of, TestSchema};
use crate::queries::{PARTICIPANT_QUALITY, ROOMS_LAST_DAY};

const HOUR: Duration = Duration::from_secs(3600);

fn event(event: analytics_core::livekit_protocol::AnalyticsEvent) -> Record {
    Record::from_event(event, HOUR, SystemTime::now()).expect("converts")
}

/// An old room, two days ago, with another sid: outside "the last day".
fn old_room(start: SystemTime) -> Vec<Record> {
    let mut created = samples::event(T::RoomCreated, start);
    created.room = Some(samples::room(start));
    let mut joined = samples::participant_event(T::ParticipantActive, "PA_old", "carol", start);
    for e in [&mut created, &mut joined] {
        e.room_id = "RM_old".into();
        if let Some(room) = e.room.as_mut() {
            room.sid = "RM_old".into();
        }
    }
    vec![event(created), event(joined)]
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn readme_queries_return_the_session_numbers() {
    let Some(schema) = TestSchema::new().await else {
        return;
    };
    let sink = schema.sink();
    sink.initialize().await.expect("initialised");
    let start = SystemTime::now() - HOUR;
    // The sample session (Alice and Bob), ended after 10 minutes; and its stats with
    // known scores, replacing the samples' constant 4.3.
    let mut records: Vec<Record> = session_records(start)
        .into_iter()
        .filter(|r| r.kind == analytics_core::RecordKind::Event)
        .collect();
    records.push(event(samples::event(
        T::RoomEnded,
        start + Duration::from_secs(600),
    )));
    let scores = [
        (StreamType::Upstream, 30, 4.5, 4.0),
        (StreamType::Upstream, 60, 3.5, 2.5),
        (StreamType::Downstream, 30, 4.0, 3.5),
        (StreamType::Downstream, 60, 2.0, 1.5),
    ];
    for (kind, second, score, min_score) in scores {
        let mut stat = samples::stat(kind, start + Duration::from_secs(second));
        stat.score = score;
        stat.min_score = min_score;
        records.push(Record::from_stat(stat, HOUR, SystemTime::now()).expect("converts"));
    }
    records.extend(old_room(SystemTime::now() - 48 * HOUR));
    sink.send_batch(&batch_of(&records)).await.expect("written");

    let mut connection = sqlx::PgConnection::connect(&schema.url)
        .await
        .expect("connected");
    sqlx::raw_sql(schema.sql("SET search_path TO {schema}"))
        .execute(&mut connection)
        .await
        .expect("search path set");

    let rooms = sqlx::query(AssertSqlSafe(ROOMS_LAST_DAY))
        .fetch_all(&mut connection)
        .await
        .expect("rooms query runs");
    assert_eq!(rooms.len(), 1, "only the room of the last day");
    let room = &rooms[0];
    assert_eq!(room.get::<String, _>("room_sid"), samples::ROOM_SID);
    assert_eq!(room.get::<String, _>("room_name"), samples::ROOM_NAME);
    assert_eq!(room.get::<i64, _>("duration_seconds"), 600);
    assert_eq!(room.get::<i64, _>("participants"), 2, "alice and bob");

    let quality: Vec<(String, f64, f64, i64)> = sqlx::query(AssertSqlSafe(PARTICIPANT_QUALITY))
        .bind("alice")
        .fetch_all(&mut connection)
        .await
        .expect("quality query runs")
        .into_iter()
        .map(|row: sqlx::postgres::PgRow| {
            (
                row.get::<String, _>("kind"),
                row.get::<f64, _>("average_score"),
                row.get::<f64, _>("worst_score"),
                row.get::<i64, _>("samples"),
            )
        })
        .collect();
    assert_eq!(
        quality,
        [
            ("DOWNSTREAM".to_owned(), 3.0, 1.5, 2),
            ("UPSTREAM".to_owned(), 4.0, 2.5, 2),
        ]
    );
    schema.drop().await;
}

#[test]
fn docs_show_the_tested_queries_verbatim() {
    let doc = include_str!("../../../docs/sink-postgres.md");
    for query in [ROOMS_LAST_DAY, PARTICIPANT_QUALITY] {
        assert!(
            doc.contains(&format!("```sql\n{query}```")),
            "docs/sink-postgres.md must show, verbatim, the query the tests run:\n{query}"
        );
    }
}
