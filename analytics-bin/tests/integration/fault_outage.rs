//! A sink's database (a PostgreSQL of the test's own) stopped for 60 s under a steady
//! 2 000 records/s over gRPC, with memory queues: no call is refused, the other three sinks
//! keep writing throughout, the process's resident memory stays within the configured byte
//! bound, and once the database is back every record is stored in every sink exactly once.

#![cfg(all(
    feature = "sqlite",
    feature = "postgres",
    feature = "redis",
    feature = "mongo"
))]

use crate::fault_support;

use std::{
    sync::{Arc, Mutex},
    time::{Duration, Instant},
};

use fault_support::{
    service::{config_yaml, metric, rss_of, FaultService},
    stores::Stores,
    throwaway_postgres::ThrowawayPostgres,
    traffic::{send_paced, IdSet, StreamClient, Workload},
};
use tokio_util::sync::CancellationToken;

/// 100 records every 50 ms: 2 000 records/s.
const PER_CALL: u64 = 100;
const EVERY: Duration = Duration::from_millis(50);
const WARM_UP: Duration = Duration::from_secs(5);
const OUTAGE: Duration = Duration::from_secs(60);
const AFTER: Duration = Duration::from_secs(10);
/// `buffer.max_bytes`: the memory queues' bound, per sink.
const MAX_BYTES: u64 = 192 << 20;
/// The other sinks must write something in every window this long.
const STALL_WINDOW: usize = 10;
const OTHER_SINKS: [&str; 3] = ["sqlite", "redis", "mongo"];

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn database_down_for_60s_under_steady_load_loses_nothing_and_stalls_no_other_sink() {
    let _turn = fault_support::turn::wait_for_turn().await;
    let dir = tempfile::tempdir().expect("temp dir");
    let Some(postgres) = ThrowawayPostgres::start() else {
        return;
    };
    let Some(stores) = Stores::new("outage", dir.path(), Some(postgres.url())) else {
        return;
    };
    let port = FaultService::port();
    let extra = format!(
        "    interval: 500ms\n    batch_size: 500\n    max_retry_backoff: 2s\n    shutdown_timeout: 30s\n    buffer: {{ max_records: 1000000, max_bytes: {MAX_BYTES}, when_full: block }}\n"
    );
    let mut service =
        FaultService::start(dir.path(), port, &config_yaml(port, &stores, &extra)).await;

    let total_calls = (WARM_UP + OUTAGE + AFTER).as_millis() as u64 / EVERY.as_millis() as u64;
    let calls = Arc::new(Workload::new("outage").calls(0, total_calls * PER_CALL, PER_CALL));
    let stop = CancellationToken::new();
    let sending = tokio::spawn(send_paced(
        StreamClient::new(port),
        calls.clone(),
        EVERY,
        stop.clone(),
    ));
    let peak_rss = Arc::new(Mutex::new(0u64));
    let sampler = tokio::spawn(sample_peak_rss(
        service.pid(),
        peak_rss.clone(),
        stop.clone(),
    ));

    tokio::time::sleep(WARM_UP).await;
    let baseline_rss = service.rss_bytes();
    postgres.stop();
    let outage_started = Instant::now();
    let mut written: Vec<Vec<f64>> = Vec::new();
    let mut peak_queue_bytes = 0f64;
    while outage_started.elapsed() < OUTAGE {
        tokio::time::sleep(Duration::from_secs(1)).await;
        let metrics = service.metrics().await;
        written.push(
            OTHER_SINKS
                .iter()
                .map(|sink| {
                    metric(
                        &metrics,
                        "livekit_analytics_sink_written_total",
                        &[("sink", sink)],
                    )
                })
                .collect(),
        );
        peak_queue_bytes = peak_queue_bytes.max(metric(
            &metrics,
            "livekit_analytics_queue_bytes",
            &[("sink", "postgres")],
        ));
    }
    let metrics = service.metrics().await;
    let queued_in_outage = metric(
        &metrics,
        "livekit_analytics_queue_records",
        &[("sink", "postgres")],
    );
    let retries = metric(
        &metrics,
        "livekit_analytics_sink_retries_total",
        &[("sink", "postgres")],
    );
    postgres.start_again();
    tokio::time::sleep(AFTER).await;
    let outcome = sending.await.expect("sender task");

    let started = outcome.acknowledged.len() + outcome.failed.len();
    let sent = IdSet::of_calls(calls.iter().take(started));
    let acknowledged = outcome.acknowledged_ids(&calls);
    assert!(
        outcome.failed.is_empty(),
        "no call refused during the outage: {:?}",
        outcome.failed.first()
    );
    stores
        .assert_stored_exactly_once(&acknowledged, &sent, Duration::from_secs(60))
        .await;
    stop.cancel();
    sampler.await.expect("sampler task");
    let peak_rss = *peak_rss.lock().expect("peak lock");
    eprintln!(
        "outage: {} records sent; postgres queue at the end of the outage {queued_in_outage} records, peak {:.1} MiB estimated; {retries} retries; RSS {:.1} MiB before, peak {:.1} MiB (bound {} MiB over the baseline)",
        acknowledged.len(),
        peak_queue_bytes / 1048576.0,
        baseline_rss as f64 / 1048576.0,
        peak_rss as f64 / 1048576.0,
        MAX_BYTES >> 20
    );

    assert!(
        queued_in_outage >= 50_000.0,
        "the outage left PostgreSQL's records queued: {queued_in_outage}"
    );
    assert!(
        retries > 0.0,
        "the PostgreSQL sink retried during the outage"
    );
    assert!(
        peak_queue_bytes <= MAX_BYTES as f64,
        "queue bytes {peak_queue_bytes} within max_bytes"
    );
    assert!(
        peak_rss <= baseline_rss + MAX_BYTES,
        "resident memory peaked at {peak_rss} bytes, over the {baseline_rss}-byte baseline plus max_bytes"
    );
    fault_support::progress::assert_no_stall(&OTHER_SINKS, &written, STALL_WINDOW);

    let (status, _) = service.terminate(Duration::from_secs(60)).await;
    assert!(status.success(), "log:\n{}", service.log());
    stores.clean_up().await;
}

/// Samples the process's resident memory every 200 ms until `stop`, keeping the peak.
async fn sample_peak_rss(pid: u32, peak: Arc<Mutex<u64>>, stop: CancellationToken) {
    loop {
        if let Some(rss) = rss_of(pid) {
            let mut peak = peak.lock().expect("peak lock");
            *peak = (*peak).max(rss);
        }
        tokio::select! {
            _ = stop.cancelled() => return,
            _ = tokio::time::sleep(Duration::from_millis(200)) => {}
        }
    }
}
