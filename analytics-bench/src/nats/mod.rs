//! `analytics-bench nats`: the NATS JetStream buffer. For each sink, with one and with two
//! writer instances behind one ingest instance (`role: ingest` / `role: writer`, the
//! stream on the cluster of `LKA_TEST_NATS_URLS`): records/s from the first pushed message
//! until the writers report every record written (and the store holds them all); and the
//! publish acknowledgement's latency (p50/p99), the time ingest adds to every answer.

mod latency;
pub mod options;

use std::{
    path::Path,
    time::{Duration, Instant, SystemTime, UNIX_EPOCH},
};

use crate::{
    dataset::Dataset,
    push::Pusher,
    report,
    servers::Servers,
    service::{release_binary, Instance, Service},
    targets::{Namespace, Target},
};

use options::NatsOptions;

/// Without progress for this long, a measurement fails.
const STALL: Duration = Duration::from_secs(120);
const POLL: Duration = Duration::from_millis(20);

/// Runs every measurement; `Ok(false)` when one could not be made.
pub async fn run(options: &NatsOptions) -> Result<bool, String> {
    let urls = std::env::var("LKA_TEST_NATS_URLS")
        .ok()
        .filter(|urls| !urls.is_empty())
        .ok_or("LKA_TEST_NATS_URLS is not set (run `source scripts/servers/nats.sh` first)")?;
    let servers = Servers::from_env();
    let mut targets = Vec::new();
    let mut complete = true;
    for name in options.sinks()? {
        match servers.target(name) {
            Ok(target) => targets.push(target),
            Err(reason) => {
                eprintln!("{reason}");
                complete = false;
            }
        }
    }
    let latency = latency::measure(&urls, options.replicas, options.latency_samples).await?;
    println!("{latency}");
    let binary = release_binary(!options.no_build)?;
    eprintln!("generating {} records ...", options.records);
    let dataset = Dataset::generate(options.records, SystemTime::now())?;
    eprintln!("data: {}", dataset.describe());
    let dir = tempfile::tempdir().map_err(|error| format!("no temporary folder: {error}"))?;
    for target in &targets {
        for &writers in &options.writers {
            let namespace = Namespace::new(&format!("nats{writers}"));
            let outcome = measure(
                &urls,
                options.replicas,
                target,
                &namespace,
                writers,
                &dataset,
                &binary,
                dir.path(),
            )
            .await;
            target.clean_up(&namespace).await?;
            match outcome {
                Ok(line) => println!("{line}"),
                Err(message) => {
                    eprintln!(
                        "sink {} with {writers} writers failed: {message}",
                        target.name()
                    );
                    complete = false;
                }
            }
        }
    }
    if !complete {
        let kept = dir.keep();
        eprintln!("the instances' logs are kept in {}", kept.display());
    }
    Ok(complete)
}

/// One ingest and `writers` writer instances on a fresh stream; the dataset pushed to the
/// ingest instance; timed until the writers wrote every record.
#[allow(clippy::too_many_arguments)]
async fn measure(
    urls: &str,
    replicas: usize,
    target: &Target,
    namespace: &Namespace,
    writers: usize,
    dataset: &Dataset,
    binary: &Path,
    dir: &Path,
) -> Result<String, String> {
    let name = target.name();
    let nanos = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .unwrap_or_default()
        .as_nanos()
        % 1_000_000_000_000;
    let stream = format!("LKA_BENCH_{}_{writers}_{nanos}", name.to_uppercase());
    let url_list: Vec<String> = urls.split(',').map(|url| format!("'{url}'")).collect();
    let nats = format!(
        "{{ urls: [{}], stream: {stream}, subject: 'lka-bench.{}', replicas: {replicas}, max_bytes: 1073741824, max_ack_pending: 50000 }}",
        url_list.join(", "),
        stream.to_lowercase()
    );
    let settings = target.sink_settings(namespace, dir);
    let max = dataset.len() * 2;
    let ingest_name = format!("{name}-ingest-{writers}");
    let ingest = Instance {
        name: &ingest_name,
        role: "ingest",
        nats: Some(&nats),
    };
    let mut ingest = Service::start_instance(binary, dir, &ingest, name, &settings, max).await?;
    ingest.wait_until("/readyz").await?;
    let mut fleet = Vec::new();
    for index in 0..writers {
        let writer_name = format!("{name}-writer-{writers}-{index}");
        let writer = Instance {
            name: &writer_name,
            role: "writer",
            nats: Some(&nats),
        };
        let service = Service::start_instance(binary, dir, &writer, name, &settings, max).await?;
        service.wait_until("/readyz").await?;
        fleet.push(service);
    }
    let store = target.store(namespace, dir).await?;
    eprintln!("{name}: {writers} writer(s) on stream {stream} ...");
    let pusher = Pusher::connect(&ingest.url).await?;
    let (events, stats) = (dataset.events.clone(), dataset.stats.clone());
    let started = Instant::now();
    let mut push = Some(tokio::spawn(async move {
        pusher.push(events, stats).await.map(|()| Instant::now())
    }));
    let mut published = None;
    let goal = dataset.len() as f64;
    let mut last = (0.0, Instant::now());
    loop {
        let mut written = 0.0;
        for writer in &fleet {
            written += writer
                .metric_sum("livekit_analytics_sink_written_total")
                .await?;
        }
        if written >= goal {
            break;
        }
        if written > last.0 {
            last = (written, Instant::now());
        } else if last.1.elapsed() > STALL {
            return Err(format!("stalled at {written} of {goal} records"));
        }
        ingest.check_alive()?;
        for writer in fleet.iter_mut() {
            writer.check_alive()?;
        }
        if let Some(pushing) = push.as_mut() {
            if pushing.is_finished() {
                let done = pushing
                    .await
                    .map_err(|error| format!("push task: {error}"))??;
                published = Some(done);
                push = None;
            }
        }
        tokio::time::sleep(POLL).await;
    }
    let elapsed = started.elapsed();
    if let Some(pushing) = push {
        published = Some(
            pushing
                .await
                .map_err(|error| format!("push task: {error}"))??,
        );
    }
    let published = published.map_or(elapsed, |at| at - started);
    let stored = store.count().await?;
    if stored != dataset.len() as u64 {
        return Err(format!(
            "the writers stored {stored} of {} records",
            dataset.len()
        ));
    }
    drop((ingest, fleet));
    latency::delete_stream(urls, &stream).await;
    Ok(format!(
        "bench nats sink={name} writers={writers} replicas={replicas} records={} ingest_rps={:.0} pipeline_rps={:.0}",
        dataset.len(),
        report::rate(dataset.len(), published),
        report::rate(dataset.len(), elapsed)
    ))
}
