//! How fast stats go in (ignored by default; run with `--run-ignored only` and
//! `--no-capture` to see the figure).

use std::{
    sync::Arc,
    time::{Duration, Instant, SystemTime},
};

use analytics_core::{livekit_protocol::StreamType, testkit::samples, Batch, Record};

use crate::probe::{client, fresh_database_name, registered_sink, test_url};

const RECORDS: usize = 100_000;
const BATCH: usize = 10_000;

#[tokio::test]
#[ignore = "a measurement, not a check"]
async fn stat_batches_per_second() {
    let Some(url) = test_url() else { return };
    let start = SystemTime::now();
    let records: Vec<Arc<Record>> = (0..RECORDS)
        .map(|i| {
            let mut stat =
                samples::stat(StreamType::Upstream, start + Duration::from_secs(i as u64));
            stat.track_id = format!("TR_{}", i % 97);
            Arc::new(Record::from_stat(stat, Duration::from_secs(3600), start).expect("converts"))
        })
        .collect();
    let name = fresh_database_name();
    let sink = registered_sink(&url, &name);
    sink.initialize().await.expect("initialize");
    let began = Instant::now();
    for chunk in records.chunks(BATCH) {
        sink.send_batch(&Batch::new(chunk.to_vec()))
            .await
            .expect("batch written");
    }
    let seconds = began.elapsed().as_secs_f64();
    eprintln!(
        "{RECORDS} stats in batches of {BATCH}: {seconds:.2} s, {:.0} records/s",
        RECORDS as f64 / seconds
    );
    client(&url)
        .await
        .database(&name)
        .drop()
        .await
        .expect("test database dropped");
}
