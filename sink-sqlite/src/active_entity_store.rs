//! The SQLite side of the shared active-entities fixer: the `active_entities`,
//! `last_alive` and `fixer_lease` tables, and the close-event lookups on `events`.

use std::time::{Duration, SystemTime, UNIX_EPOCH};

use analytics_core::{
    fixer::{close_event_types, ActiveEntityStore, StoredActiveEntity},
    record::unix_millis,
    Entity, SinkError,
};
use async_trait::async_trait;
use serde_json::{Map, Value};
use sqlx::Row;

use crate::{error::sink_error as to_sink_error, sink::SqliteSink};

/// The one row of `last_alive` and of `fixer_lease`.
const SERVER_ROW: &str = "server";

#[async_trait]
impl ActiveEntityStore for SqliteSink {
    async fn active_entities(&self) -> Result<Vec<StoredActiveEntity>, SinkError> {
        let rows = sqlx::query("SELECT id, entity, event_id, opened_at FROM active_entities")
            .fetch_all(self.pool().await?)
            .await
            .map_err(to_sink_error)?;
        Ok(rows
            .into_iter()
            .filter_map(|row| {
                let entity: String = row.get("entity");
                Some(StoredActiveEntity {
                    entity: Entity::parse(&entity)?,
                    id: row.get("id"),
                    event_id: Some(row.get("event_id")),
                    opened_at_ms: Some(row.get("opened_at")),
                })
            })
            .collect())
    }

    async fn start_event(
        &self,
        active: &StoredActiveEntity,
    ) -> Result<Option<Map<String, Value>>, SinkError> {
        let Some(event_id) = &active.event_id else {
            return Ok(None);
        };
        let data: Option<String> = sqlx::query_scalar("SELECT data FROM events WHERE id = ?")
            .bind(event_id.clone())
            .fetch_optional(self.pool().await?)
            .await
            .map_err(to_sink_error)?;
        Ok(data.and_then(|text| serde_json::from_str(&text).ok()))
    }

    async fn has_close_event(&self, entity: Entity, id: &str) -> Result<bool, SinkError> {
        let types = close_event_types(entity);
        let placeholders = vec!["?"; types.len()].join(",");
        let matches = match entity {
            Entity::Room => "room_sid = ?",
            Entity::Participant => "participant_sid = ?",
            Entity::Egress => "egress_id = ?",
            Entity::Ingress => "json_extract(data, '$.ingress.state.resource_id') = ?",
        };
        let sql = format!(
            "SELECT EXISTS (SELECT 1 FROM events WHERE type IN ({placeholders}) AND {matches})"
        );
        let mut query = sqlx::query_scalar(sqlx::AssertSqlSafe(sql));
        for kind in types {
            query = query.bind(*kind);
        }
        let found: bool = query
            .bind(id.to_owned())
            .fetch_one(self.pool().await?)
            .await
            .map_err(to_sink_error)?;
        Ok(found)
    }

    async fn remove_active(&self, active: &StoredActiveEntity) -> Result<(), SinkError> {
        // Only the opening the fixer looked at: an entity opened again since stays.
        sqlx::query(
            "DELETE FROM active_entities WHERE id = ? AND entity = ? AND (? IS NULL OR event_id = ?)",
        )
        .bind(active.id.clone())
        .bind(active.entity.as_str())
        .bind(active.event_id.clone())
        .bind(active.event_id.clone())
        .execute(self.pool().await?)
        .await
        .map_err(to_sink_error)?;
        Ok(())
    }

    async fn last_alive(&self) -> Result<Option<SystemTime>, SinkError> {
        let millis: Option<i64> =
            sqlx::query_scalar("SELECT last_alive FROM last_alive WHERE id = ?")
                .bind(SERVER_ROW)
                .fetch_optional(self.pool().await?)
                .await
                .map_err(to_sink_error)?;
        Ok(millis
            .and_then(|ms| u64::try_from(ms).ok())
            .map(|ms| UNIX_EPOCH + Duration::from_millis(ms)))
    }

    async fn set_last_alive(&self, at: SystemTime) -> Result<(), SinkError> {
        sqlx::query(
            "INSERT INTO last_alive (id, last_alive) VALUES (?, ?)
             ON CONFLICT (id) DO UPDATE SET last_alive = excluded.last_alive",
        )
        .bind(SERVER_ROW)
        .bind(unix_millis(at))
        .execute(self.pool().await?)
        .await
        .map_err(to_sink_error)?;
        Ok(())
    }

    async fn acquire_lease(&self, holder: &str, ttl: Duration) -> Result<bool, SinkError> {
        let now = unix_millis(SystemTime::now());
        let until = now.saturating_add(i64::try_from(ttl.as_millis()).unwrap_or(i64::MAX));
        let granted: Option<String> = sqlx::query_scalar(
            "INSERT INTO fixer_lease (id, holder, expires_at) VALUES (?, ?, ?)
             ON CONFLICT (id) DO UPDATE SET holder = excluded.holder, expires_at = excluded.expires_at
             WHERE fixer_lease.holder = excluded.holder OR fixer_lease.expires_at < ?
             RETURNING holder",
        )
        .bind(SERVER_ROW)
        .bind(holder.to_owned())
        .bind(until)
        .bind(now)
        .fetch_optional(self.pool().await?)
        .await
        .map_err(to_sink_error)?;
        Ok(granted.is_some())
    }
}
