//! What the NATS buffer's tests share: the test cluster's URLs (scripts/servers/nats.sh
//! starts it and sets `LKA_TEST_NATS_URLS`), a stream name of a test's own, the
//! `buffer.nats` YAML, what JetStream holds for a stream and its consumers, and clusters
//! of a test's own that it may stop node by node ([`cluster`]).

pub mod cluster;
pub mod instance;
pub mod standalone;

use std::time::{SystemTime, UNIX_EPOCH};

use analytics_core::testkit::server_url;
use async_nats::jetstream;

/// The shared test cluster's client URLs, comma-separated; `None` outside CI when unset
/// (panics in CI).
pub fn nats_urls() -> Option<String> {
    server_url("LKA_TEST_NATS_URLS")
}

/// The nats-server binary (for clusters of a test's own).
pub fn nats_server_bin() -> String {
    std::env::var("LKA_TEST_NATS_SERVER")
        .ok()
        .filter(|bin| !bin.is_empty())
        .unwrap_or_else(|| {
            if std::path::Path::new("/usr/sbin/nats-server").exists() {
                "/usr/sbin/nats-server".to_owned()
            } else {
                "nats-server".to_owned()
            }
        })
}

/// A stream name (and subject) no other test or run uses.
pub fn unique_stream(tag: &str) -> String {
    let nanos = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .unwrap_or_default()
        .as_nanos()
        % 1_000_000_000_000;
    format!(
        "LKA_TEST_{}_{}_{nanos}",
        tag.to_uppercase(),
        std::process::id()
    )
}

/// `buffer: { nats: {...} }` under `openvidu.analytics` (4 spaces), with `extra` settings
/// (`key: value, ...`) inside the `nats` mapping.
pub fn buffer_yaml(urls: &str, stream: &str, extra: &str) -> String {
    let urls: Vec<String> = urls.split(',').map(|url| format!("'{url}'")).collect();
    let extra = if extra.is_empty() {
        String::new()
    } else {
        format!(", {extra}")
    };
    format!(
        "    buffer:\n      nats: {{ urls: [{}], stream: {stream}, subject: '{}'{extra} }}\n",
        urls.join(", "),
        subject(stream)
    )
}

/// The subject of a test's stream.
pub fn subject(stream: &str) -> String {
    format!("lka-test.{}", stream.to_lowercase())
}

/// A JetStream context on `urls`.
pub async fn jetstream(urls: &str) -> jetstream::Context {
    let urls: Vec<&str> = urls.split(',').collect();
    let client = async_nats::connect(urls).await.expect("NATS answers");
    jetstream::new(client)
}

/// Messages the stream holds, and for consumer `lka-<sink>` those not yet acknowledged
/// (pending delivery plus delivered and unacknowledged).
pub async fn backlog(context: &jetstream::Context, stream: &str, sink: &str) -> (u64, u64) {
    let mut stream = context.get_stream(stream).await.expect("the stream exists");
    let messages = stream.info().await.expect("stream info").state.messages;
    let mut consumer: jetstream::consumer::PullConsumer = stream
        .get_consumer(&format!("lka-{sink}"))
        .await
        .expect("the sink's consumer exists");
    let info = consumer.info().await.expect("consumer info");
    (messages, info.num_pending + info.num_ack_pending as u64)
}

/// Removes a test's stream (and its consumers).
pub async fn delete_stream(urls: &str, stream: &str) {
    let _ = jetstream(urls).await.delete_stream(stream).await;
}
