//! What the tests share: sinks built through the registry, connections for reading back,
//! and sample records; unique prefixes, the probe and key clean-up come from
//! [`sink_redis::testkit`].

use std::{
    collections::BTreeSet,
    sync::Arc,
    time::{Duration, SystemTime},
};

use analytics_core::{testkit::session_records, Batch, Record, RecordKind, Sink, SinkContext};
use sink_redis::build_redis_sink;
pub use sink_redis::testkit::{delete_prefix, unique_prefix, RedisProbe};

/// Time to live of the test sinks, the same as the records of `session_records`.
pub const EXPIRATION: Duration = Duration::from_secs(3600);

/// A sink built the way the binary builds it, from YAML settings.
pub fn build_sink(settings_yaml: &str) -> Arc<dyn Sink> {
    let settings: serde_norway::Mapping =
        serde_norway::from_str(settings_yaml).expect("settings YAML");
    let context = SinkContext::new("redis", settings, EXPIRATION);
    build_redis_sink(&context).expect("sink builds")
}

/// Settings for one server at `url` under `prefix`.
pub fn single_settings(url: &str, prefix: &str) -> String {
    format!("{{url: '{url}', prefix: '{prefix}'}}")
}

/// Settings for the cluster whose seed nodes are `urls` under `prefix`.
pub fn cluster_settings(urls: &[String], prefix: &str) -> String {
    let nodes: Vec<String> = urls.iter().map(|url| format!("'{url}'")).collect();
    format!("{{cluster: [{}], prefix: '{prefix}'}}", nodes.join(", "))
}

/// The node URLs in `LKA_TEST_REDIS_CLUSTER_URLS`.
pub fn cluster_urls(list: &str) -> Vec<String> {
    list.split(',')
        .map(str::trim)
        .filter(|url| !url.is_empty())
        .map(str::to_owned)
        .collect()
}

pub fn batch_of(records: &[Record]) -> Batch {
    Batch::new(records.iter().cloned().map(Arc::new).collect())
}

/// `sessions` sample sessions one hour apart (13 records each, all ids distinct).
pub fn sessions(sessions: u64) -> Vec<Record> {
    let start = SystemTime::now();
    (0..sessions)
        .flat_map(|i| session_records(start + Duration::from_secs(3600 * i)))
        .collect()
}

/// Connects a plain async connection for reading back.
pub async fn single_connection(url: &str) -> redis::aio::MultiplexedConnection {
    redis::Client::open(url)
        .expect("test URL")
        .get_multiplexed_async_connection()
        .await
        .expect("test Redis answers")
}

/// Connects a cluster connection for reading back.
pub async fn cluster_connection(urls: &[String]) -> redis::cluster_async::ClusterConnection {
    redis::cluster::ClusterClient::new(urls.to_vec())
        .expect("cluster URLs")
        .get_async_connection()
        .await
        .expect("test cluster answers")
}

/// Ids of `records` of `kind`, as a set.
pub fn ids_of(records: &[Record], kind: RecordKind) -> BTreeSet<String> {
    records
        .iter()
        .filter(|r| r.kind == kind)
        .map(|r| r.id.clone())
        .collect()
}

/// Ids of `records` of `kind` in the sample room (egress and ingress events have no room).
pub fn in_room(records: &[Record], kind: RecordKind) -> BTreeSet<String> {
    records
        .iter()
        .filter(|r| r.kind == kind && r.room_sid == analytics_core::samples::ROOM_SID)
        .map(|r| r.id.clone())
        .collect()
}

/// Turns a record into one the sink refuses: its document is not JSON.
pub fn spoil(mut record: Record) -> Record {
    record.document_json = "{\"truncated\": ".to_owned();
    record
}
