//! The SQLite side of the shared active-entities fixer: the `active_entities`,
//! `last_alive` and `fixer_lease` tables, and the close-event lookups on `events`, through
//! the queries both SQL sinks share ([`sink_sql::ActiveEntityQueries`]).

use std::time::{Duration, SystemTime};

use analytics_core::{
    fixer::{close_event_types, ActiveEntityStore, StoredActiveEntity},
    record::unix_millis,
    Entity, SinkError,
};
use async_trait::async_trait;
use serde_json::{Map, Value};
use sink_sql::{ActiveEntityQueries, ActiveEntityRow, Dialect, SERVER_ID};
use sqlx::AssertSqlSafe;

use crate::{error::sink_error, sink::SqliteSink};

/// The store's queries, in SQLite's spelling.
const QUERIES: ActiveEntityQueries = ActiveEntityQueries::new(Dialect::Sqlite);

#[async_trait]
impl ActiveEntityStore for SqliteSink {
    async fn active_entities(&self) -> Result<Vec<StoredActiveEntity>, SinkError> {
        let (pool, sql) = (self.pool().await?, AssertSqlSafe(QUERIES.active_entities()));
        let rows: Vec<ActiveEntityRow> = sqlx::query_as(sql)
            .fetch_all(pool)
            .await
            .map_err(sink_error)?;
        Ok(sink_sql::stored_active_entities(rows))
    }

    async fn start_event(
        &self,
        active: &StoredActiveEntity,
    ) -> Result<Option<Map<String, Value>>, SinkError> {
        let Some(event_id) = &active.event_id else {
            return Ok(None);
        };
        let (pool, sql) = (self.pool().await?, AssertSqlSafe(QUERIES.start_event()));
        let data: Option<String> = sqlx::query_scalar(sql)
            .bind(event_id.clone())
            .fetch_optional(pool)
            .await
            .map_err(sink_error)?;
        Ok(sink_sql::start_document(data))
    }

    async fn has_close_event(&self, entity: Entity, id: &str) -> Result<bool, SinkError> {
        let (pool, sql) = (
            self.pool().await?,
            AssertSqlSafe(QUERIES.has_close_event(entity)),
        );
        let mut query = sqlx::query_scalar(sql);
        for kind in close_event_types(entity) {
            query = query.bind(*kind);
        }
        query
            .bind(id.to_owned())
            .fetch_one(pool)
            .await
            .map_err(sink_error)
    }

    async fn remove_active(&self, active: &StoredActiveEntity) -> Result<(), SinkError> {
        let (pool, sql) = (self.pool().await?, AssertSqlSafe(QUERIES.remove_active()));
        sqlx::query(sql)
            .bind(active.id.clone())
            .bind(active.entity.as_str())
            .bind(active.event_id.clone())
            .execute(pool)
            .await
            .map_err(sink_error)?;
        Ok(())
    }

    async fn last_alive(&self) -> Result<Option<SystemTime>, SinkError> {
        let (pool, sql) = (self.pool().await?, AssertSqlSafe(QUERIES.last_alive()));
        let millis: Option<i64> = sqlx::query_scalar(sql)
            .bind(SERVER_ID)
            .fetch_optional(pool)
            .await
            .map_err(sink_error)?;
        Ok(sink_sql::time_of_millis(millis))
    }

    async fn set_last_alive(&self, at: SystemTime) -> Result<(), SinkError> {
        let (pool, sql) = (self.pool().await?, AssertSqlSafe(QUERIES.set_last_alive()));
        sqlx::query(sql)
            .bind(SERVER_ID)
            .bind(unix_millis(at))
            .execute(pool)
            .await
            .map_err(sink_error)?;
        Ok(())
    }

    async fn acquire_lease(&self, holder: &str, ttl: Duration) -> Result<bool, SinkError> {
        let (pool, sql) = (self.pool().await?, AssertSqlSafe(QUERIES.acquire_lease()));
        let granted: Option<String> = sqlx::query_scalar(sql)
            .bind(SERVER_ID)
            .bind(holder.to_owned())
            .bind(sink_sql::lease_millis(ttl))
            .fetch_optional(pool)
            .await
            .map_err(sink_error)?;
        Ok(granted.is_some())
    }
}
