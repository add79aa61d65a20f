//! Reads back what the sink stored under one key prefix: its streams, lookups, markers and
//! active entities, on a plain Redis or a cluster.

use std::time::Duration;

use analytics_core::{testkit::StoreProbe, Entity, RecordKind};
use async_trait::async_trait;
use redis::{
    aio::{ConnectionLike, MultiplexedConnection},
    streams::StreamRangeReply,
    AsyncCommands, RedisResult,
};
use serde_json::Value;

use crate::layout::{type_field, KeyLayout};

/// Stream entries whose ids are read at once.
const PAGE: usize = 10_000;

/// The `id` field of up to `ARGV[2]` stream entries from `ARGV[1]`, each after its entry
/// id, read by a script so that the documents stay on the server.
const IDS_SCRIPT: &str = r"local entries = redis.call('XRANGE', KEYS[1], ARGV[1], '+', 'COUNT', ARGV[2])
local reply = {}
for _, entry in ipairs(entries) do
  local fields = entry[2]
  local id = ''
  for i = 1, #fields, 2 do
    if fields[i] == 'id' then id = fields[i + 1] end
  end
  reply[#reply + 1] = entry[1]
  reply[#reply + 1] = id
end
return reply";

/// Reads the Redis layout back.
pub struct RedisProbe<C> {
    connection: C,
    layout: KeyLayout,
}

impl RedisProbe<MultiplexedConnection> {
    /// A probe with a connection of its own to the server at `url`, waiting up to a
    /// minute for an answer (a busy test server may be slow).
    pub async fn connect(url: &str, prefix: &str) -> RedisResult<Self> {
        let config =
            redis::AsyncConnectionConfig::new().set_response_timeout(Some(Duration::from_secs(60)));
        let connection = redis::Client::open(url)?
            .get_multiplexed_async_connection_with_config(&config)
            .await?;
        Ok(RedisProbe::new(connection, prefix))
    }
}

impl<C: ConnectionLike + Clone + Send + Sync + 'static> RedisProbe<C> {
    pub fn new(connection: C, prefix: &str) -> RedisProbe<C> {
        RedisProbe {
            connection,
            layout: KeyLayout::new(prefix),
        }
    }

    /// How many records of `kind` are stored: the length of its stream.
    pub async fn count(&self, kind: RecordKind) -> RedisResult<u64> {
        self.connection.clone().xlen(self.layout.stream(kind)).await
    }

    /// Every entry of a stream, as (entry id, record id, type field, room_sid).
    pub async fn entries(&self, kind: RecordKind) -> Vec<(String, String, String, String)> {
        let mut connection = self.connection.clone();
        let reply: StreamRangeReply = connection
            .xrange_all(self.layout.stream(kind))
            .await
            .expect("XRANGE answers");
        reply
            .ids
            .iter()
            .map(|entry| {
                let field = |name: &str| entry.get::<String>(name).unwrap_or_default();
                (
                    entry.id.clone(),
                    field("id"),
                    field(type_field(kind)),
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
    /// The record ids of the stream in entry order, read a page at a time.
    async fn stored_ids(&self, kind: RecordKind) -> Vec<String> {
        let script = redis::Script::new(IDS_SCRIPT);
        let mut connection = self.connection.clone();
        let stream = self.layout.stream(kind);
        let mut ids = Vec::new();
        let mut start = "-".to_owned();
        loop {
            let page: Vec<String> = script
                .key(&stream)
                .arg(&start)
                .arg(PAGE)
                .invoke_async(&mut connection)
                .await
                .expect("XRANGE script answers");
            let entries = page.len() / 2;
            ids.extend(page.chunks(2).map(|pair| pair[1].clone()));
            match page.chunks(2).last() {
                Some(last) if entries == PAGE => start = format!("({}", last[0]),
                _ => break,
            }
        }
        ids
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
