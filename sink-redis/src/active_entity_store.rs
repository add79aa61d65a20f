//! The Redis side of the shared active-entities fixer: the active hash (whose values are
//! the opening events' documents), the closed tombstones (left by every close event, real or
//! synthetic), `<prefix>last_alive` (expiring like the records), and the lease
//! `<prefix>fixer_lease` (set only when free or already ours, with a TTL, atomically in a
//! small script).

use std::time::{Duration, SystemTime, UNIX_EPOCH};

use analytics_core::{
    fixer::{ActiveEntityStore, StoredActiveEntity},
    record::unix_millis,
    Entity, SinkError,
};
use async_trait::async_trait;
use serde_json::{Map, Value};

use crate::{error::sink_error, sink::RedisSink};

/// Takes the lease when it is free, renews it when `ARGV[1]` already holds it.
/// `KEYS[1]` = the lease, `ARGV[1]` = holder, `ARGV[2]` = TTL in ms. Returns 1 when held.
const LEASE: &str = r#"
local holder = redis.call('GET', KEYS[1])
if holder == false then
  redis.call('SET', KEYS[1], ARGV[1], 'PX', ARGV[2])
  return 1
end
if holder == ARGV[1] then
  redis.call('PEXPIRE', KEYS[1], ARGV[2])
  return 1
end
return 0
"#;

/// `<ENTITY>:<id>`, the member naming an entity in the active hash and the tombstones.
fn member(entity: Entity, id: &str) -> String {
    format!("{entity}:{id}")
}

#[async_trait]
impl ActiveEntityStore for RedisSink {
    async fn active_entities(&self) -> Result<Vec<StoredActiveEntity>, SinkError> {
        let entries: Vec<(String, String)> = self
            .connection()?
            .query(redis::cmd("HGETALL").arg(self.layout().active()))
            .await
            .map_err(|error| sink_error(&error))?;
        Ok(entries
            .into_iter()
            .filter_map(|(field, document)| {
                let (entity, id) = field.split_once(':')?;
                let opened_at_ms = serde_json::from_str::<Value>(&document)
                    .ok()
                    .and_then(|doc| {
                        let seconds = doc["timestamp"]["seconds"].as_i64()?;
                        let nanos = doc["timestamp"]["nanos"].as_i64().unwrap_or(0);
                        Some(seconds * 1000 + nanos / 1_000_000)
                    });
                Some(StoredActiveEntity {
                    entity: Entity::parse(entity)?,
                    id: id.to_owned(),
                    event_id: None,
                    opened_at_ms,
                })
            })
            .collect())
    }

    async fn start_event(
        &self,
        active: &StoredActiveEntity,
    ) -> Result<Option<Map<String, Value>>, SinkError> {
        let document: Option<String> = self
            .connection()?
            .query(
                redis::cmd("HGET")
                    .arg(self.layout().active())
                    .arg(member(active.entity, &active.id)),
            )
            .await
            .map_err(|error| sink_error(&error))?;
        Ok(document.and_then(|text| serde_json::from_str(&text).ok()))
    }

    async fn has_close_event(&self, entity: Entity, id: &str) -> Result<bool, SinkError> {
        let score: Option<f64> = self
            .connection()?
            .query(
                redis::cmd("ZSCORE")
                    .arg(self.layout().closed())
                    .arg(member(entity, id)),
            )
            .await
            .map_err(|error| sink_error(&error))?;
        Ok(score.is_some())
    }

    async fn remove_active(&self, active: &StoredActiveEntity) -> Result<(), SinkError> {
        self.connection()?
            .query::<i64>(
                redis::cmd("HDEL")
                    .arg(self.layout().active())
                    .arg(member(active.entity, &active.id)),
            )
            .await
            .map_err(|error| sink_error(&error))?;
        Ok(())
    }

    async fn last_alive(&self) -> Result<Option<SystemTime>, SinkError> {
        let millis: Option<i64> = self
            .connection()?
            .query(redis::cmd("GET").arg(self.layout().last_alive()))
            .await
            .map_err(|error| sink_error(&error))?;
        Ok(millis
            .and_then(|ms| u64::try_from(ms).ok())
            .map(|ms| UNIX_EPOCH + Duration::from_millis(ms)))
    }

    async fn set_last_alive(&self, at: SystemTime) -> Result<(), SinkError> {
        self.connection()?
            .query::<()>(
                redis::cmd("SET")
                    .arg(self.layout().last_alive())
                    .arg(unix_millis(at))
                    .arg("PX")
                    .arg(self.ttl_ms()),
            )
            .await
            .map_err(|error| sink_error(&error))
    }

    async fn acquire_lease(&self, holder: &str, ttl: Duration) -> Result<bool, SinkError> {
        let ttl_ms = u64::try_from(ttl.as_millis()).unwrap_or(u64::MAX).max(1);
        let held: i64 = self
            .connection()?
            .query(
                redis::cmd("EVAL")
                    .arg(LEASE)
                    .arg(1)
                    .arg(self.layout().fixer_lease())
                    .arg(holder)
                    .arg(ttl_ms),
            )
            .await
            .map_err(|error| sink_error(&error))?;
        Ok(held == 1)
    }
}
