//! The storage side of the active-entities fixer (`ActiveEntityStore`) for a SQL sink,
//! written once: [`impl_active_entity_store!`] runs the shared
//! [`crate::ActiveEntityQueries`] with the calling sink's sqlx driver, binds their
//! parameters and reads their rows alike for SQLite and PostgreSQL. A macro rather than a
//! generic impl, so that this crate needs no driver and each expansion is plain sqlx code
//! for one backend.

/// Implements `analytics_core::fixer::ActiveEntityStore` for the sink type `$sink`, which
/// provides `async fn fixer_pool(&self) -> Result<&Pool, SinkError>` (its sqlx pool) and
/// `fn fixer_queries(&self) -> ActiveEntityQueries`; `$sink_error` turns a `sqlx::Error`
/// into a `SinkError`. The calling crate depends on `sqlx`.
#[macro_export]
macro_rules! impl_active_entity_store {
    ($sink:ty, $sink_error:path) => {
        #[$crate::__private::async_trait::async_trait]
        impl $crate::__private::analytics_core::fixer::ActiveEntityStore for $sink {
            async fn active_entities(
                &self,
            ) -> Result<
                Vec<$crate::__private::analytics_core::fixer::StoredActiveEntity>,
                $crate::__private::analytics_core::SinkError,
            > {
                let sql = ::sqlx::AssertSqlSafe(self.fixer_queries().active_entities());
                let rows: Vec<$crate::ActiveEntityRow> = ::sqlx::query_as(sql)
                    .fetch_all(self.fixer_pool().await?)
                    .await
                    .map_err($sink_error)?;
                Ok($crate::stored_active_entities(rows))
            }

            async fn start_event(
                &self,
                active: &$crate::__private::analytics_core::fixer::StoredActiveEntity,
            ) -> Result<
                Option<
                    $crate::__private::serde_json::Map<
                        String,
                        $crate::__private::serde_json::Value,
                    >,
                >,
                $crate::__private::analytics_core::SinkError,
            > {
                let Some(event_id) = active.event_id.clone() else {
                    return Ok(None);
                };
                let sql = ::sqlx::AssertSqlSafe(self.fixer_queries().start_event());
                let data: Option<String> = ::sqlx::query_scalar(sql)
                    .bind(event_id)
                    .fetch_optional(self.fixer_pool().await?)
                    .await
                    .map_err($sink_error)?;
                Ok($crate::start_document(data))
            }

            async fn has_close_event(
                &self,
                entity: $crate::__private::analytics_core::Entity,
                id: &str,
            ) -> Result<bool, $crate::__private::analytics_core::SinkError> {
                let sql = ::sqlx::AssertSqlSafe(self.fixer_queries().has_close_event(entity));
                $crate::__private::analytics_core::fixer::close_event_types(entity)
                    .iter()
                    .fold(::sqlx::query_scalar(sql), |query, kind| query.bind(*kind))
                    .bind(id.to_owned())
                    .fetch_one(self.fixer_pool().await?)
                    .await
                    .map_err($sink_error)
            }

            async fn remove_active(
                &self,
                active: &$crate::__private::analytics_core::fixer::StoredActiveEntity,
            ) -> Result<(), $crate::__private::analytics_core::SinkError> {
                ::sqlx::query(::sqlx::AssertSqlSafe(self.fixer_queries().remove_active()))
                    .bind(active.id.clone())
                    .bind(active.entity.as_str())
                    .bind(active.event_id.clone())
                    .execute(self.fixer_pool().await?)
                    .await
                    .map_err($sink_error)?;
                Ok(())
            }

            async fn last_alive(
                &self,
            ) -> Result<Option<std::time::SystemTime>, $crate::__private::analytics_core::SinkError>
            {
                let sql = ::sqlx::AssertSqlSafe(self.fixer_queries().last_alive());
                let millis: Option<i64> = ::sqlx::query_scalar(sql)
                    .bind($crate::SERVER_ID)
                    .fetch_optional(self.fixer_pool().await?)
                    .await
                    .map_err($sink_error)?;
                Ok($crate::time_of_millis(millis))
            }

            async fn set_last_alive(
                &self,
                at: std::time::SystemTime,
            ) -> Result<(), $crate::__private::analytics_core::SinkError> {
                ::sqlx::query(::sqlx::AssertSqlSafe(self.fixer_queries().set_last_alive()))
                    .bind($crate::SERVER_ID)
                    .bind($crate::__private::analytics_core::record::unix_millis(at))
                    .execute(self.fixer_pool().await?)
                    .await
                    .map_err($sink_error)?;
                Ok(())
            }

            async fn acquire_lease(
                &self,
                holder: &str,
                ttl: std::time::Duration,
            ) -> Result<bool, $crate::__private::analytics_core::SinkError> {
                let sql = ::sqlx::AssertSqlSafe(self.fixer_queries().acquire_lease());
                let granted: Option<String> = ::sqlx::query_scalar(sql)
                    .bind($crate::SERVER_ID)
                    .bind(holder.to_owned())
                    .bind($crate::lease_millis(ttl))
                    .fetch_optional(self.fixer_pool().await?)
                    .await
                    .map_err($sink_error)?;
                Ok(granted.is_some())
            }
        }
    };
}
