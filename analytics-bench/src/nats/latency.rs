//! The publish acknowledgement's latency: records published one at a time with their id as
//! `Nats-Msg-Id` to a stream set up as the service sets it up (interest retention, no
//! consumer, so nothing is kept), each awaited before the next; and whole requests of 50
//! records published at once and awaited together, as ingest does.

use std::time::{Duration, Instant};

use async_nats::jetstream::{self, message::PublishMessage, stream};
use bytes::Bytes;

const BATCH: usize = 50;

/// `bench nats publish_ack ...` with the p50/p99 of one record and of a 50-record request.
pub async fn measure(urls: &str, replicas: usize, samples: usize) -> Result<String, String> {
    let context = connect(urls).await?;
    let name = format!("LKA_BENCH_LATENCY_{}", std::process::id());
    let subject = format!("lka-bench.latency.{}", std::process::id());
    context
        .create_stream(stream::Config {
            name: name.clone(),
            subjects: vec![subject.clone()],
            retention: stream::RetentionPolicy::Interest,
            discard: stream::DiscardPolicy::New,
            num_replicas: replicas,
            ..Default::default()
        })
        .await
        .map_err(|error| format!("cannot create stream {name}: {error}"))?;
    let payload = Bytes::from(vec![b'x'; 700]);
    let mut single = Vec::with_capacity(samples);
    for n in 0..samples {
        let started = Instant::now();
        let message = PublishMessage::build()
            .message_id(format!("single-{n}"))
            .payload(payload.clone());
        context
            .send_publish(subject.clone(), message)
            .await
            .map_err(|error| format!("publish: {error}"))?
            .await
            .map_err(|error| format!("publish ack: {error}"))?;
        single.push(started.elapsed());
    }
    let mut batches = Vec::with_capacity(samples / BATCH + 1);
    for n in 0..(samples / BATCH).max(1) {
        let started = Instant::now();
        let mut acks = Vec::with_capacity(BATCH);
        for m in 0..BATCH {
            let message = PublishMessage::build()
                .message_id(format!("batch-{n}-{m}"))
                .payload(payload.clone());
            acks.push(
                context
                    .send_publish(subject.clone(), message)
                    .await
                    .map_err(|error| format!("publish: {error}"))?,
            );
        }
        for ack in acks {
            ack.await.map_err(|error| format!("publish ack: {error}"))?;
        }
        batches.push(started.elapsed());
    }
    let _ = context.delete_stream(&name).await;
    Ok(format!(
        "bench nats publish_ack replicas={replicas} samples={} p50_ms={:.2} p99_ms={:.2} request50_p50_ms={:.2} request50_p99_ms={:.2}",
        single.len(),
        millis(percentile(&mut single, 0.50)),
        millis(percentile(&mut single, 0.99)),
        millis(percentile(&mut batches, 0.50)),
        millis(percentile(&mut batches, 0.99)),
    ))
}

/// Removes a stream of the bench.
pub async fn delete_stream(urls: &str, name: &str) {
    if let Ok(context) = connect(urls).await {
        let _ = context.delete_stream(name).await;
    }
}

async fn connect(urls: &str) -> Result<jetstream::Context, String> {
    let urls: Vec<&str> = urls.split(',').collect();
    let client = async_nats::connect(urls)
        .await
        .map_err(|error| format!("cannot connect to NATS: {error}"))?;
    Ok(jetstream::new(client))
}

fn percentile(samples: &mut [Duration], quantile: f64) -> Duration {
    samples.sort_unstable();
    let index = ((samples.len() as f64 - 1.0) * quantile).round() as usize;
    samples.get(index).copied().unwrap_or_default()
}

fn millis(duration: Duration) -> f64 {
    duration.as_secs_f64() * 1000.0
}
