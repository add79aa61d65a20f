//! Expiry: expired rows go, live rows stay, and the delete never reads the live rows with a
//! sequential scan.

use std::time::{Duration, SystemTime};

use analytics_core::Sink;

use super::support::{batch_of, stats, TestSchema};
use crate::expiry::Expiry;
use sink_sql::Dialect;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn expired_rows_are_deleted_in_chunks_through_the_index() {
    let Some(schema) = TestSchema::new().await else {
        return;
    };
    let sink = schema.sink();
    sink.initialize().await.expect("initialised");
    let now = SystemTime::now();
    let hour = Duration::from_secs(3600);
    // Written two hours ago with a one-hour lifetime: expired. Then a larger live set, as in
    // a real store where one day of 32 expires at a time.
    let expired = stats(700, now - 3 * hour, now - 2 * hour, hour);
    let live = stats(6000, now - hour, now, hour);
    for chunk in expired.chunks(1000).chain(live.chunks(1000)) {
        sink.send_batch(&batch_of(chunk)).await.expect("written");
    }
    sqlx::raw_sql(schema.sql("ANALYZE {schema}.stats; ANALYZE {schema}.events"))
        .execute(&schema.admin)
        .await
        .expect("analyzed");

    // The plan of the chunk delete on the large table (events is planned alike once it is
    // big enough for the planner to prefer an index at all).
    let statement = crate::expiry::delete_chunk(&Dialect::postgres(&schema.name), "stats");
    let lines: Vec<String> = sqlx::query_scalar(schema.sql(&format!("EXPLAIN {statement}")))
        .bind(analytics_core::record::unix_millis(now))
        .bind(crate::expiry::CHUNK_ROWS)
        .fetch_all(&schema.admin)
        .await
        .expect("explained");
    let nodes: Vec<&str> = lines
        .iter()
        .map(|line| line.trim_start().trim_start_matches("->").trim_start())
        .collect();
    assert!(
        !nodes.iter().any(|n| n.starts_with("Seq Scan")),
        "sequential scan in {nodes:?}"
    );
    assert!(
        nodes.iter().any(|n| n.starts_with("Tid Scan on stats")),
        "delete by ctid in {nodes:?}"
    );
    assert!(
        nodes.iter().any(|n| n.contains("using stats_expire_at")),
        "expired rows found through the expire_at index in {nodes:?}"
    );

    let expiry = Expiry::new(sink.pool().clone(), &schema.name, Duration::from_secs(30))
        .with_chunk_rows(300);
    assert_eq!(
        expiry.expire(now).await.expect("expiry runs"),
        700,
        "3 chunks of at most 300"
    );
    assert_eq!(
        expiry.expire(now).await.expect("expiry runs"),
        0,
        "nothing left to expire"
    );
    let left: i64 = sqlx::query_scalar(schema.sql("SELECT count(*) FROM {schema}.stats"))
        .fetch_one(&schema.admin)
        .await
        .expect("counted");
    assert_eq!(left, 6000, "live rows stay");
    assert_eq!(
        sink.expire(now + 2 * hour).await.expect("expiry runs"),
        6000
    );
    schema.drop().await;
}
