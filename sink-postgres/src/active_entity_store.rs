//! The PostgreSQL side of the shared active-entities fixer: `active_entities`,
//! `last_alive` and `fixer_lease` (a lease row whose expiry is the server's clock), and the
//! close-event lookups on `events`, through the queries both SQL sinks share
//! ([`sink_sql::ActiveEntityQueries`]) in this sink's schema.

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

use crate::{error::sink_error, sink::PostgresSink};

impl PostgresSink {
    /// The store's queries on this sink's schema.
    fn queries(&self) -> ActiveEntityQueries {
        ActiveEntityQueries::new(Dialect::postgres(self.schema_name()))
    }
}

#[async_trait]
impl ActiveEntityStore for PostgresSink {
    async fn active_entities(&self) -> Result<Vec<StoredActiveEntity>, SinkError> {
        let sql = AssertSqlSafe(self.queries().active_entities());
        let rows: Vec<ActiveEntityRow> = sqlx::query_as(sql)
            .fetch_all(self.pool())
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
        let sql = AssertSqlSafe(self.queries().start_event());
        let data: Option<String> = sqlx::query_scalar(sql)
            .bind(event_id)
            .fetch_optional(self.pool())
            .await
            .map_err(sink_error)?;
        Ok(sink_sql::start_document(data))
    }

    async fn has_close_event(&self, entity: Entity, id: &str) -> Result<bool, SinkError> {
        let sql = AssertSqlSafe(self.queries().has_close_event(entity));
        let query = close_event_types(entity)
            .iter()
            .fold(sqlx::query_scalar(sql), |query, kind| query.bind(*kind));
        query
            .bind(id)
            .fetch_one(self.pool())
            .await
            .map_err(sink_error)
    }

    async fn remove_active(&self, active: &StoredActiveEntity) -> Result<(), SinkError> {
        sqlx::query(AssertSqlSafe(self.queries().remove_active()))
            .bind(&active.id)
            .bind(active.entity.as_str())
            .bind(active.event_id.as_deref())
            .execute(self.pool())
            .await
            .map_err(sink_error)?;
        Ok(())
    }

    async fn last_alive(&self) -> Result<Option<SystemTime>, SinkError> {
        let sql = AssertSqlSafe(self.queries().last_alive());
        let millis: Option<i64> = sqlx::query_scalar(sql)
            .bind(SERVER_ID)
            .fetch_optional(self.pool())
            .await
            .map_err(sink_error)?;
        Ok(sink_sql::time_of_millis(millis))
    }

    async fn set_last_alive(&self, at: SystemTime) -> Result<(), SinkError> {
        sqlx::query(AssertSqlSafe(self.queries().set_last_alive()))
            .bind(SERVER_ID)
            .bind(unix_millis(at))
            .execute(self.pool())
            .await
            .map_err(sink_error)?;
        Ok(())
    }

    async fn acquire_lease(&self, holder: &str, ttl: Duration) -> Result<bool, SinkError> {
        let sql = AssertSqlSafe(self.queries().acquire_lease());
        let granted: Option<String> = sqlx::query_scalar(sql)
            .bind(SERVER_ID)
            .bind(holder)
            .bind(sink_sql::lease_millis(ttl))
            .fetch_optional(self.pool())
            .await
            .map_err(sink_error)?;
        Ok(granted.is_some())
    }
}
