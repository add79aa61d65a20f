//! The PostgreSQL side of the shared active-entities fixer: `active_entities`,
//! `last_alive` and `fixer_lease` (a lease row whose expiry is the server's clock), and the
//! close-event lookups on `events`.

use std::time::{Duration, SystemTime};

use analytics_core::{
    fixer::{close_event_types, ActiveEntityStore, StoredActiveEntity},
    record::unix_millis,
    Entity, SinkError,
};
use async_trait::async_trait;
use serde_json::{Map, Value};
use sqlx::AssertSqlSafe;

use crate::{error, schema, sink::PostgresSink};

/// The one row of `last_alive` and of `fixer_lease`.
const SERVER_ROW: &str = "server";

fn sink_error(error: sqlx::Error) -> SinkError {
    error::sink_error(error)
}

impl PostgresSink {
    /// `sql` with `{schema}` replaced by the quoted schema name.
    fn fixer_sql(&self, sql: &str) -> AssertSqlSafe<String> {
        AssertSqlSafe(sql.replace("{schema}", &schema::quoted(self.schema_name())))
    }
}

#[async_trait]
impl ActiveEntityStore for PostgresSink {
    async fn active_entities(&self) -> Result<Vec<StoredActiveEntity>, SinkError> {
        let rows: Vec<(String, String, String, i64)> = sqlx::query_as(self.fixer_sql(
            "SELECT id, entity, event_id, (extract(epoch FROM opened_at) * 1000)::int8
             FROM {schema}.active_entities",
        ))
        .fetch_all(self.pool())
        .await
        .map_err(sink_error)?;
        Ok(rows
            .into_iter()
            .filter_map(|(id, entity, event_id, opened_at_ms)| {
                Some(StoredActiveEntity {
                    entity: Entity::parse(&entity)?,
                    id,
                    event_id: Some(event_id),
                    opened_at_ms: Some(opened_at_ms),
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
        let data: Option<String> = sqlx::query_scalar(
            self.fixer_sql("SELECT data::text FROM {schema}.events WHERE id = $1"),
        )
        .bind(event_id)
        .fetch_optional(self.pool())
        .await
        .map_err(sink_error)?;
        Ok(data.and_then(|text| serde_json::from_str(&text).ok()))
    }

    async fn has_close_event(&self, entity: Entity, id: &str) -> Result<bool, SinkError> {
        let matches = match entity {
            Entity::Room => "room_sid = $2",
            Entity::Participant => "participant_sid = $2",
            Entity::Egress => "egress_id = $2",
            Entity::Ingress => "data->'ingress'->'state'->>'resource_id' = $2",
        };
        let types: Vec<String> = close_event_types(entity)
            .iter()
            .map(|t| (*t).to_owned())
            .collect();
        let sql = format!(
            "SELECT EXISTS (SELECT 1 FROM {{schema}}.events WHERE type = ANY($1) AND {matches})"
        );
        sqlx::query_scalar(self.fixer_sql(&sql))
            .bind(types)
            .bind(id)
            .fetch_one(self.pool())
            .await
            .map_err(sink_error)
    }

    async fn remove_active(&self, active: &StoredActiveEntity) -> Result<(), SinkError> {
        // Only the opening the fixer looked at: an entity opened again since stays.
        sqlx::query(self.fixer_sql(
            "DELETE FROM {schema}.active_entities
             WHERE md5(id) = md5($1) AND id = $1 AND entity = $2 AND ($3::text IS NULL OR event_id = $3)",
        ))
        .bind(&active.id)
        .bind(active.entity.as_str())
        .bind(active.event_id.as_deref())
        .execute(self.pool())
        .await
        .map_err(sink_error)?;
        Ok(())
    }

    async fn last_alive(&self) -> Result<Option<SystemTime>, SinkError> {
        let millis: Option<i64> = sqlx::query_scalar(self.fixer_sql(
            "SELECT (extract(epoch FROM last_alive) * 1000)::int8 FROM {schema}.last_alive WHERE id = $1",
        ))
        .bind(SERVER_ROW)
        .fetch_optional(self.pool())
        .await
        .map_err(sink_error)?;
        Ok(millis
            .and_then(|ms| u64::try_from(ms).ok())
            .map(|ms| SystemTime::UNIX_EPOCH + Duration::from_millis(ms)))
    }

    async fn set_last_alive(&self, at: SystemTime) -> Result<(), SinkError> {
        sqlx::query(self.fixer_sql(
            "INSERT INTO {schema}.last_alive (id, last_alive)
             VALUES ($1, 'epoch'::timestamptz + $2 * interval '1 millisecond')
             ON CONFLICT (id) DO UPDATE SET last_alive = EXCLUDED.last_alive",
        ))
        .bind(SERVER_ROW)
        .bind(unix_millis(at))
        .execute(self.pool())
        .await
        .map_err(sink_error)?;
        Ok(())
    }

    async fn acquire_lease(&self, holder: &str, ttl: Duration) -> Result<bool, SinkError> {
        let ttl_ms = i64::try_from(ttl.as_millis()).unwrap_or(i64::MAX);
        let granted: Option<String> = sqlx::query_scalar(self.fixer_sql(
            "INSERT INTO {schema}.fixer_lease (id, holder, expires_at)
             VALUES ($1, $2, clock_timestamp() + $3 * interval '1 millisecond')
             ON CONFLICT (id) DO UPDATE SET holder = EXCLUDED.holder, expires_at = EXCLUDED.expires_at
             WHERE fixer_lease.holder = EXCLUDED.holder OR fixer_lease.expires_at < clock_timestamp()
             RETURNING holder",
        ))
        .bind(SERVER_ROW)
        .bind(holder)
        .bind(ttl_ms)
        .fetch_optional(self.pool())
        .await
        .map_err(sink_error)?;
        Ok(granted.is_some())
    }
}
