//! One run: the dataset, then per database its baseline and the pipeline on the same
//! records (with the service's CPU per record), then the discard ceiling and the memory of
//! queued records; each result printed as soon as it is known.

use std::{
    net::TcpListener,
    path::Path,
    time::{Duration, Instant},
};

use crate::{
    cpu,
    dataset::Dataset,
    options::{Options, Plan},
    push::Pusher,
    report,
    service::{release_binary, Service},
    targets::{Namespace, Target},
};

/// Without progress for this long, a measurement fails.
const STALL: Duration = Duration::from_secs(120);
/// How often the written counter is read while waiting.
const POLL: Duration = Duration::from_millis(20);

/// Runs the plan; `Ok(false)` when some asked-for measurement could not be made.
pub async fn run(options: &Options, plan: &Plan) -> Result<bool, String> {
    for missing in &plan.missing {
        eprintln!("{missing}");
    }
    let binary = release_binary(!options.no_build)?;
    eprintln!("generating {} records ...", options.records);
    let dataset = Dataset::generate(options.records, std::time::SystemTime::now())?;
    eprintln!("data: {}", dataset.describe());
    let dir = tempfile::tempdir().map_err(|error| format!("no temporary folder: {error}"))?;
    let mut complete = plan.missing.is_empty();
    for target in &plan.targets {
        match measure_target(target, &dataset, &binary, dir.path()).await {
            Ok(line) => println!("{line}"),
            Err(message) => {
                eprintln!("sink {} failed: {message}", target.name());
                complete = false;
            }
        }
    }
    if plan.null {
        match measure_null(&dataset, &binary, dir.path()).await {
            Ok(line) => println!("{line}"),
            Err(message) => {
                eprintln!("sink null failed: {message}");
                complete = false;
            }
        }
    }
    if plan.unreachable {
        match measure_queued(&dataset, &binary, dir.path()).await {
            Ok(line) => println!("{line}"),
            Err(message) => {
                eprintln!("unreachable sink failed: {message}");
                complete = false;
            }
        }
    }
    Ok(complete)
}

async fn measure_target(
    target: &Target,
    dataset: &Dataset,
    binary: &Path,
    dir: &Path,
) -> Result<String, String> {
    let name = target.name();
    let base = Namespace::new("base");
    eprintln!("{name}: baseline into {} ...", base.name);
    let baseline = target.baseline(&dataset.records, &base, dir).await;
    let stored = match target.store(&base, dir).await {
        Ok(store) => store.count().await,
        Err(error) => Err(error),
    };
    target.clean_up(&base).await?;
    let baseline = baseline?;
    let stored = stored?;
    if stored != dataset.len() as u64 {
        return Err(format!(
            "the baseline stored {stored} of {} records",
            dataset.len()
        ));
    }
    let baseline_rps = report::rate(dataset.len(), baseline);
    eprintln!("{name}: baseline {baseline:.2?} ({baseline_rps:.0} records/s)");

    let pipe = Namespace::new("pipe");
    eprintln!("{name}: pipeline into {} ...", pipe.name);
    let outcome = measure_pipeline(target, &pipe, dataset, binary, dir).await;
    target.clean_up(&pipe).await?;
    let pushed = outcome?;
    let pipeline_rps = report::rate(dataset.len(), pushed.elapsed);
    eprintln!("{name}: pipeline {:.2?}", pushed.elapsed);
    Ok(report::sink_line(
        name,
        dataset.len(),
        baseline_rps,
        pipeline_rps,
        pushed.peak_rss,
        pushed.cpu_us_per_record,
    ))
}

/// Pushes the dataset into a service writing to `namespace` and waits until the sink
/// reports every record written, then checks the store holds them all.
async fn measure_pipeline(
    target: &Target,
    namespace: &Namespace,
    dataset: &Dataset,
    binary: &Path,
    dir: &Path,
) -> Result<Pushed, String> {
    let settings = target.sink_settings(namespace, dir);
    let mut service =
        Service::start(binary, dir, target.name(), &settings, dataset.len() * 2).await?;
    service.wait_until("/readyz").await?;
    let store = target.store(namespace, dir).await?;
    let pushed = push_and_wait(
        &mut service,
        dataset,
        "livekit_analytics_sink_written_total",
    )
    .await?;
    let stored = store.count().await?;
    if stored != dataset.len() as u64 {
        return Err(format!(
            "the pipeline stored {stored} of {} records",
            dataset.len()
        ));
    }
    Ok(pushed)
}

async fn measure_null(dataset: &Dataset, binary: &Path, dir: &Path) -> Result<String, String> {
    eprintln!("null: pipeline ...");
    let mut service =
        Service::start(binary, dir, "null", "{ type: \"null\" }", dataset.len() * 2).await?;
    service.wait_until("/readyz").await?;
    let pushed = push_and_wait(
        &mut service,
        dataset,
        "livekit_analytics_sink_written_total",
    )
    .await?;
    Ok(report::null_line(
        dataset.len(),
        report::rate(dataset.len(), pushed.elapsed),
        pushed.peak_rss,
        pushed.cpu_us_per_record,
    ))
}

/// Peak RSS per queued record: a PostgreSQL sink pointed at a closed port holds every
/// record in its queue.
async fn measure_queued(dataset: &Dataset, binary: &Path, dir: &Path) -> Result<String, String> {
    eprintln!("unreachable: queueing {} records ...", dataset.len());
    let port = TcpListener::bind("127.0.0.1:0")
        .and_then(|listener| listener.local_addr())
        .map(|address| address.port())
        .map_err(|error| format!("no free loopback port: {error}"))?;
    let settings = format!(
        "{{ type: postgres, url: \"postgres://postgres@127.0.0.1:{port}/unreachable\", connect_timeout: 1s }}"
    );
    let mut service =
        Service::start(binary, dir, "unreachable", &settings, dataset.len() * 2).await?;
    tokio::time::sleep(Duration::from_millis(500)).await;
    let idle = service.peak_rss()?;
    push_and_wait(&mut service, dataset, "livekit_analytics_ingested_total").await?;
    let queued = service
        .metric_sum("livekit_analytics_queue_records")
        .await?;
    if queued as usize != dataset.len() {
        return Err(format!(
            "{queued} records queued, {} expected",
            dataset.len()
        ));
    }
    Ok(report::queued_line(
        dataset.len(),
        idle,
        service.peak_rss()?,
    ))
}

/// What one push of the dataset took.
struct Pushed {
    /// From the first message until the counter reached the dataset's size.
    elapsed: Duration,
    /// The service's VmHWM then, bytes.
    peak_rss: u64,
    /// The service's CPU time over `elapsed`, per record, µs.
    cpu_us_per_record: f64,
}

/// Pushes the whole dataset over gRPC, then waits until `counter` (a metric summed over
/// its labels) reaches the dataset's size. The service's CPU time is read just before the
/// first message and as soon as the counter is reached.
async fn push_and_wait(
    service: &mut Service,
    dataset: &Dataset,
    counter: &str,
) -> Result<Pushed, String> {
    let pusher = Pusher::connect(&service.url).await?;
    let (events, stats) = (dataset.events.clone(), dataset.stats.clone());
    let cpu_before = service.cpu_time()?;
    let started = Instant::now();
    let mut push = Some(tokio::spawn(
        async move { pusher.push(events, stats).await },
    ));
    let target = dataset.len() as f64;
    let mut last = (0.0, Instant::now());
    loop {
        let done = service.metric_sum(counter).await?;
        if done >= target {
            break;
        }
        if done > last.0 {
            last = (done, Instant::now());
        } else if last.1.elapsed() > STALL {
            return Err(format!("stalled at {done} of {target} records ({counter})"));
        }
        service.check_alive()?;
        if let Some(pushing) = push.as_mut() {
            if pushing.is_finished() {
                // A failed push explains a lack of progress; a finished one leaves the
                // service to write (the first batch may take a while on a slow database).
                pushing
                    .await
                    .map_err(|error| format!("push task: {error}"))??;
                push = None;
            }
        }
        tokio::time::sleep(POLL).await;
    }
    let elapsed = started.elapsed();
    let cpu_after = service.cpu_time()?;
    if let Some(pushing) = push {
        pushing
            .await
            .map_err(|error| format!("push task: {error}"))??;
    }
    Ok(Pushed {
        elapsed,
        peak_rss: service.peak_rss()?,
        cpu_us_per_record: cpu::micros_per_record(cpu_before, cpu_after, dataset.len()),
    })
}
