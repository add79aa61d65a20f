//! A measurement, not a check (ignored by default): records per second written to the
//! test Redis in batches of 1000. Run with
//! `cargo nextest run -p sink-redis --run-ignored only throughput --no-capture`.

use std::time::{Duration, Instant, SystemTime};

use analytics_core::testkit::{server_url, session_records};

use crate::harness::{batch_of, build_sink, delete_prefix, single_settings, unique_prefix};

#[tokio::test]
#[ignore = "a measurement; run on demand"]
async fn measure_write_throughput() {
    let Some(url) = server_url("LKA_TEST_REDIS_URL") else {
        return;
    };
    let prefix = unique_prefix("throughput");
    let sink = build_sink(&single_settings(&url, &prefix));
    sink.initialize().await.expect("initialize");
    let start = SystemTime::now();
    let records: Vec<_> = (0..7700)
        .flat_map(|i| session_records(start + Duration::from_secs(3600 * i)))
        .collect();
    let batches: Vec<_> = records.chunks(1000).map(batch_of).collect();
    let began = Instant::now();
    for batch in &batches {
        sink.send_batch(batch).await.expect("written");
    }
    let new = began.elapsed();
    let began = Instant::now();
    for batch in &batches {
        sink.send_batch(batch).await.expect("re-sent");
    }
    let resent = began.elapsed();
    let rate = |elapsed: Duration| records.len() as f64 / elapsed.as_secs_f64();
    eprintln!(
        "{} records, 1000/batch: new {:.0} records/s, re-sent (all duplicates) {:.0} records/s",
        records.len(),
        rate(new),
        rate(resent)
    );
    delete_prefix(&url, &prefix)
        .await
        .expect("test keys deleted");
}
