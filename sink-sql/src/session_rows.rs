//! The read side (`SessionRows`, hence `SessionQuery`) for a SQL sink, written once:
//! [`impl_session_rows!`] runs the shared [`crate::SessionQueries`] with the calling sink's
//! sqlx driver. A macro for the same reason as [`crate::impl_active_entity_store!`]: this
//! crate needs no driver.

/// Implements `analytics_core::query::SessionRows` for the sink type `$sink`, which provides
/// `async fn query_pool(&self) -> Result<&Pool, SinkError>` (its sqlx pool) and
/// `fn session_queries(&self) -> SessionQueries`; `$sink_error` turns a `sqlx::Error` into a
/// `SinkError`. The calling crate depends on `sqlx`.
#[macro_export]
macro_rules! impl_session_rows {
    ($sink:ty, $sink_error:path) => {
        #[$crate::__private::async_trait::async_trait]
        impl $crate::__private::analytics_core::query::SessionRows for $sink {
            async fn created_rooms(
                &self,
                from_ms: i64,
                before_ms: i64,
                limit: u64,
                offset: u64,
            ) -> Result<
                Vec<$crate::__private::analytics_core::query::CreatedRoom>,
                $crate::__private::analytics_core::SinkError,
            > {
                let sql = ::sqlx::AssertSqlSafe(self.session_queries().created_rooms());
                let rows: Vec<(String, String, i64)> = ::sqlx::query_as(sql)
                    .bind(from_ms)
                    .bind(before_ms)
                    .bind(i64::try_from(limit).unwrap_or(i64::MAX))
                    .bind(i64::try_from(offset).unwrap_or(i64::MAX))
                    .fetch_all(self.query_pool().await?)
                    .await
                    .map_err($sink_error)?;
                Ok(rows.into_iter().map($crate::created_room).collect())
            }

            async fn created_room(
                &self,
                room_sid: &str,
            ) -> Result<
                Option<$crate::__private::analytics_core::query::CreatedRoom>,
                $crate::__private::analytics_core::SinkError,
            > {
                let sql = ::sqlx::AssertSqlSafe(self.session_queries().created_room());
                let row: Option<(String, String, i64)> = ::sqlx::query_as(sql)
                    .bind(room_sid.to_owned())
                    .fetch_optional(self.query_pool().await?)
                    .await
                    .map_err($sink_error)?;
                Ok(row.map($crate::created_room))
            }

            async fn room_events(
                &self,
                room_sids: &[String],
            ) -> Result<
                Vec<$crate::__private::analytics_core::query::RoomEvent>,
                $crate::__private::analytics_core::SinkError,
            > {
                let sql =
                    ::sqlx::AssertSqlSafe(self.session_queries().room_events(room_sids.len()));
                let rows: Vec<(String, String, i64, String, String, Option<String>)> = room_sids
                    .iter()
                    .fold(::sqlx::query_as(sql), |query, sid| query.bind(sid.clone()))
                    .fetch_all(self.query_pool().await?)
                    .await
                    .map_err($sink_error)?;
                Ok(rows.into_iter().map($crate::room_event).collect())
            }

            async fn room_traffic(
                &self,
                room_sids: &[String],
            ) -> Result<
                Vec<$crate::__private::analytics_core::query::RoomTraffic>,
                $crate::__private::analytics_core::SinkError,
            > {
                let sql =
                    ::sqlx::AssertSqlSafe(self.session_queries().room_traffic(room_sids.len()));
                let rows: Vec<(String, String, i64)> = room_sids
                    .iter()
                    .fold(::sqlx::query_as(sql), |query, sid| query.bind(sid.clone()))
                    .fetch_all(self.query_pool().await?)
                    .await
                    .map_err($sink_error)?;
                Ok(rows.into_iter().map($crate::room_traffic).collect())
            }

            async fn room_activity(
                &self,
                room_sids: &[String],
            ) -> Result<
                Vec<$crate::__private::analytics_core::query::RoomActivity>,
                $crate::__private::analytics_core::SinkError,
            > {
                let sql =
                    ::sqlx::AssertSqlSafe(self.session_queries().room_activity(room_sids.len()));
                let rows: Vec<(String, i64)> = room_sids
                    .iter()
                    .fold(::sqlx::query_as(sql), |query, sid| query.bind(sid.clone()))
                    .fetch_all(self.query_pool().await?)
                    .await
                    .map_err($sink_error)?;
                Ok(rows
                    .into_iter()
                    .map(|(room_sid, last_ms)| {
                        $crate::__private::analytics_core::query::RoomActivity { room_sid, last_ms }
                    })
                    .collect())
            }
        }
    };
}
