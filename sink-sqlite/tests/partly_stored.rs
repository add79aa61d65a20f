//! A batch whose records are partly stored already, with one record repeated within it:
//! only the new records are inserted, and only they add to the traffic rollups. The
//! multi-row statements tell the rows they inserted by their count, and, when some were
//! stored already, by their rowids: this test takes that second path in every statement.

use std::{sync::Arc, time::SystemTime};

use analytics_core::{testkit::session_records, Batch, Record, RecordKind, Sink};
use sink_sqlite::testkit::TestFile;

fn batch(records: &[Record]) -> Batch {
    Batch::new(records.iter().cloned().map(Arc::new).collect())
}

#[tokio::test]
async fn a_partly_stored_batch_adds_only_its_new_stats_to_the_rollups() {
    let file = TestFile::new();
    let sink = file.sink();
    sink.initialize().await.expect("initialize");
    let stat = session_records(SystemTime::now())
        .into_iter()
        .find(|record| record.kind == RecordKind::Stat && !record.client_reported)
        .expect("a server stat");
    let bytes = stat.stat_traffic().bytes;
    assert!(bytes > 0, "the stat carries bytes");
    let stats: Vec<Record> = (0..250)
        .map(|i| Record {
            id: format!("{}-{i:03}", stat.id),
            ..stat.clone()
        })
        .collect();

    let every_third: Vec<Record> = stats.iter().step_by(3).cloned().collect();
    sink.send_batch(&batch(&every_third))
        .await
        .expect("first write");
    let mut all_and_a_repeat = stats.clone();
    all_and_a_repeat.push(stats[200].clone());
    sink.send_batch(&batch(&all_and_a_repeat))
        .await
        .expect("second write");

    let probe = file.probe();
    assert_eq!(probe.count(RecordKind::Stat).await.expect("count"), 250);
    let mut connection = probe.connect().await.expect("probe connects");
    for table in ["room_traffic", "hourly_traffic"] {
        let summed: i64 = sqlx::query_scalar(sqlx::AssertSqlSafe(format!(
            "SELECT SUM(bytes) FROM {table}"
        )))
        .fetch_one(&mut connection)
        .await
        .expect("rollup read");
        assert_eq!(summed, 250 * bytes, "{table}: each stat's bytes once");
    }
}
