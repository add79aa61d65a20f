//! What the tests share: unique prefixes, sinks built through the registry, a
//! [`StoreProbe`] reading the Redis layout back, sample records, and key clean-up.

use std::{
    collections::BTreeSet,
    sync::{
        atomic::{AtomicU64, Ordering},
        Arc,
    },
    time::{Duration, SystemTime, UNIX_EPOCH},
};

use analytics_core::{
    testkit::{session_records, StoreProbe},
    Batch, Entity, Record, RecordKind, Sink, SinkContext,
};
use async_trait::async_trait;
use redis::{aio::ConnectionLike, streams::StreamRangeReply, AsyncCommands};
use serde_json::Value;
use sink_redis::{build_redis_sink, layout::KeyLayout};

/// Time to live of the test sinks, the same as the records of `session_records`.
pub const EXPIRATION: Duration = Duration::from_secs(3600);

/// A prefix no other test (or earlier run) uses.
pub fn unique_prefix(test: &str) -> String {
    static COUNTER: AtomicU64 = AtomicU64::new(0);
    let nanos = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .unwrap_or_default()
        .as_nanos();
    let n = COUNTER.fetch_add(1, Ordering::Relaxed);
    format!("lka-test:{test}:{}-{nanos}-{n}:", std::process::id())
}

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

/// Reads the Redis layout back.
pub struct RedisProbe<C> {
    connection: C,
    layout: KeyLayout,
}

impl<C: ConnectionLike + Clone + Send + Sync + 'static> RedisProbe<C> {
    pub fn new(connection: C, prefix: &str) -> RedisProbe<C> {
        RedisProbe {
            connection,
            layout: KeyLayout::new(prefix),
        }
    }

    /// Every entry of a stream, as (entry id, record id, type field, room_sid).
    pub async fn entries(&self, kind: RecordKind) -> Vec<(String, String, String, String)> {
        let mut connection = self.connection.clone();
        let reply: StreamRangeReply = connection
            .xrange_all(self.layout.stream(kind))
            .await
            .expect("XRANGE answers");
        let type_field = match kind {
            RecordKind::Event => "type",
            RecordKind::Stat => "kind",
        };
        reply
            .ids
            .iter()
            .map(|entry| {
                let field = |name: &str| entry.get::<String>(name).unwrap_or_default();
                (
                    entry.id.clone(),
                    field("id"),
                    field(type_field),
                    field("room_sid"),
                )
            })
            .collect()
    }

    /// The record ids in a room's lookup, in lookup (time) order.
    pub async fn lookup_ids(&self, kind: RecordKind, room_sid: &str) -> Vec<String> {
        let mut connection = self.connection.clone();
        connection
            .zrange(self.layout.room_lookup(kind, room_sid), 0, -1)
            .await
            .expect("ZRANGE answers")
    }

    /// Whether the idempotency marker of a record exists.
    pub async fn marker_exists(&self, kind: RecordKind, id: &str) -> bool {
        let mut connection = self.connection.clone();
        connection
            .exists(self.layout.seen_marker(kind, id))
            .await
            .expect("EXISTS answers")
    }

    /// The remaining time to live of a key in ms (-1 none, -2 missing).
    pub async fn pttl(&self, key: &str) -> i64 {
        let mut connection = self.connection.clone();
        connection.pttl(key).await.expect("PTTL answers")
    }

    pub fn layout(&self) -> &KeyLayout {
        &self.layout
    }
}

#[async_trait]
impl<C: ConnectionLike + Clone + Send + Sync + 'static> StoreProbe for RedisProbe<C> {
    async fn stored_ids(&self, kind: RecordKind) -> Vec<String> {
        self.entries(kind)
            .await
            .into_iter()
            .map(|(_, id, _, _)| id)
            .collect()
    }

    async fn stored_document(&self, kind: RecordKind, id: &str) -> Option<Value> {
        let mut connection = self.connection.clone();
        let entry_id: Option<String> = connection
            .get(self.layout.seen_marker(kind, id))
            .await
            .expect("GET answers");
        let entry_id = entry_id?;
        let reply: StreamRangeReply = connection
            .xrange(self.layout.stream(kind), &entry_id, &entry_id)
            .await
            .expect("XRANGE answers");
        let entry = reply.ids.first()?;
        assert_eq!(
            entry.get::<String>("id").as_deref(),
            Some(id),
            "the marker points at the record's entry"
        );
        serde_json::from_str(&entry.get::<String>("data")?).ok()
    }

    async fn active_entities(&self) -> Vec<(Entity, String)> {
        let mut connection = self.connection.clone();
        let fields: Vec<String> = connection
            .hkeys(self.layout.active())
            .await
            .expect("HKEYS answers");
        fields
            .iter()
            .filter_map(|field| {
                let (entity, id) = field.split_once(':')?;
                Some((Entity::parse(entity)?, id.to_owned()))
            })
            .collect()
    }
}

/// Deletes every key under `prefix` on the server at `url` (each node of a cluster in
/// turn), so test runs leave nothing behind.
pub async fn delete_prefix(url: &str, prefix: &str) {
    let mut connection = single_connection(url).await;
    let mut cursor: u64 = 0;
    loop {
        let (next, keys): (u64, Vec<String>) = redis::cmd("SCAN")
            .arg(cursor)
            .arg("MATCH")
            .arg(format!("{prefix}*"))
            .arg("COUNT")
            .arg(1000)
            .query_async(&mut connection)
            .await
            .expect("SCAN answers");
        for key in keys {
            let _: i64 = connection.del(&key).await.expect("DEL answers");
        }
        if next == 0 {
            break;
        }
        cursor = next;
    }
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
