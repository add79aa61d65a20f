//! `analytics-bench latency`: how long a record takes from its acceptance by the service to
//! its sink reporting it stored, at a steady rate, once per configured `interval`.
//!
//! A service with one sink is started per interval; the dataset, cut into messages of
//! `--batch` records, is sent at `--rate` records/s, each message as the only message of
//! its own gRPC stream (on one connection), whose answer comes once the service has
//! admitted the records: that answer is the acceptance. Meanwhile
//! `livekit_analytics_sink_written_total` is read every `--poll-ms`; see [`timeline`] for
//! how the two are matched.

pub mod options;
mod schedule;
mod timeline;

use std::{
    path::Path,
    sync::Arc,
    time::{Duration, Instant, SystemTime},
};

use tokio::task::JoinSet;

use crate::{
    dataset::Dataset,
    push::{Message, Pusher},
    servers::Servers,
    service::{release_binary, Service},
    targets::{Namespace, Target},
};
use options::{Interval, LatencyOptions};
use timeline::{Ack, Reading};

/// The counter of records the sink has stored.
const WRITTEN: &str = "livekit_analytics_sink_written_total";
/// Without a new record written for this long beyond the interval, a measurement fails.
const STALL: Duration = Duration::from_secs(120);

/// Runs one measurement per interval; `Ok(false)` when one of them failed.
pub async fn run(options: &LatencyOptions) -> Result<bool, String> {
    options.check()?;
    let intervals = options.parsed_intervals()?;
    let target = match options.sink.as_str() {
        "null" => None,
        name => Some(Servers::from_env().target(name)?),
    };
    let binary = release_binary(!options.no_build)?;
    eprintln!("generating {} records ...", options.records());
    let dataset = Dataset::generate(options.records(), SystemTime::now())?;
    eprintln!("data: {}", dataset.describe());
    let messages = Arc::new(schedule::messages(&dataset, options.batch));
    let dir = tempfile::tempdir().map_err(|error| format!("no temporary folder: {error}"))?;
    let mut complete = true;
    for (n, interval) in intervals.iter().enumerate() {
        let namespace = Namespace::new(&format!("latency{n}"));
        let run = Run {
            options,
            target: target.as_ref(),
            interval,
            binary: &binary,
            dir: dir.path(),
        };
        let measured = run.measure(&namespace, messages.clone()).await;
        if let Some(target) = &target {
            if let Err(message) = target.clean_up(&namespace).await {
                eprintln!("{message}");
            }
        }
        match measured {
            Ok(line) => println!("{line}"),
            Err(message) => {
                eprintln!(
                    "latency with interval {} failed: {message}",
                    interval.label()
                );
                complete = false;
            }
        }
    }
    Ok(complete)
}

/// One measurement's settings.
struct Run<'a> {
    options: &'a LatencyOptions,
    /// `None`: the null sink.
    target: Option<&'a Target>,
    interval: &'a Interval,
    binary: &'a Path,
    dir: &'a Path,
}

impl Run<'_> {
    fn sink_name(&self) -> &'static str {
        self.target.map_or("null", Target::name)
    }

    async fn measure(
        &self,
        namespace: &Namespace,
        messages: Arc<Vec<Message>>,
    ) -> Result<String, String> {
        let records: usize = messages.iter().map(Message::records).sum();
        let label = self.interval.label();
        let sink = self.sink_name();
        eprintln!("latency: {sink}, interval {label}, {records} records ...");
        let settings = match self.target {
            Some(target) => target.sink_settings(namespace, self.dir),
            None => "{ type: \"null\" }".to_owned(),
        };
        let mut service = Service::start_with_interval(
            self.binary,
            self.dir,
            sink,
            &settings,
            records * 2,
            self.interval.setting.as_deref(),
        )
        .await?;
        service.wait_until("/readyz").await?;
        let pusher = Pusher::connect(&service.url).await?;
        let already = service.metric_sum(WRITTEN).await? as u64;
        let started = Instant::now();
        let sending = tokio::spawn(send_paced(pusher, messages, self.options.rate, started));
        let readings = self
            .read_written(&mut service, started, already, records as u64)
            .await;
        let acks = sending
            .await
            .map_err(|error| format!("sending task: {error}"))??;
        let readings = readings?;
        if let Some(target) = self.target {
            let stored = target.store(namespace, self.dir).await?.count().await?;
            if stored != records as u64 {
                return Err(format!("{stored} of {records} records stored"));
            }
        }
        let latencies = timeline::latencies(&acks, &readings)
            .ok_or("the written counter never counted every record")?;
        let waits: Vec<_> = acks
            .iter()
            .map(|ack| ack.acknowledged.saturating_sub(ack.sent))
            .collect();
        let late = acks
            .iter()
            .map(|ack| ack.sent.saturating_sub(ack.due))
            .max()
            .unwrap_or_default();
        Ok(format!(
            "bench latency sink={sink} interval={label} rate={} records={records} p50_ms={:.1} p99_ms={:.1} max_ms={:.1} ack_p50_ms={:.2} ack_p99_ms={:.2} send_late_max_ms={:.1} poll_ms={:.1}",
            self.options.rate,
            millis(timeline::percentile(&latencies, 0.50)),
            millis(timeline::percentile(&latencies, 0.99)),
            millis(latencies.iter().max().copied().unwrap_or_default()),
            millis(timeline::percentile(&waits, 0.50)),
            millis(timeline::percentile(&waits, 0.99)),
            millis(late),
            millis(timeline::mean_spacing(&readings)),
        ))
    }

    /// Reads the written counter every `--poll-ms` until it counts `records` more than
    /// `already`, each reading stamped with the time its answer came.
    async fn read_written(
        &self,
        service: &mut Service,
        started: Instant,
        already: u64,
        records: u64,
    ) -> Result<Vec<Reading>, String> {
        let mut tick = tokio::time::interval(self.options.poll());
        tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
        let patience = STALL + self.interval.length;
        let mut readings = Vec::new();
        let mut progress = (0, Instant::now());
        loop {
            tick.tick().await;
            let written = (service.metric_sum(WRITTEN).await? as u64).saturating_sub(already);
            readings.push(Reading {
                at: started.elapsed(),
                written,
            });
            if written >= records {
                return Ok(readings);
            }
            if written > progress.0 {
                progress = (written, Instant::now());
            } else if progress.1.elapsed() > patience {
                return Err(format!("stalled at {written} of {records} records written"));
            }
            service.check_alive()?;
        }
    }
}

/// Sends each message when it is due at `rate` records/s from `started`, each in its own
/// request (so a slow answer delays no later message), and returns every acknowledgement.
async fn send_paced(
    pusher: Pusher,
    messages: Arc<Vec<Message>>,
    rate: usize,
    started: Instant,
) -> Result<Vec<Ack>, String> {
    let mut requests = JoinSet::new();
    let mut records_before = 0;
    for message in messages.iter() {
        let due = schedule::due(records_before, rate);
        tokio::time::sleep_until((started + due).into()).await;
        records_before += message.records();
        let (pusher, message) = (pusher.clone(), message.clone());
        requests.spawn(async move {
            let records = message.records();
            let sent = started.elapsed();
            pusher.send_one(message).await?;
            Ok::<_, String>(Ack {
                due,
                sent,
                acknowledged: started.elapsed(),
                records,
            })
        });
    }
    let mut acks = Vec::with_capacity(messages.len());
    while let Some(joined) = requests.join_next().await {
        acks.push(joined.map_err(|error| format!("request task: {error}"))??);
    }
    Ok(acks)
}

fn millis(duration: Duration) -> f64 {
    duration.as_secs_f64() * 1000.0
}
