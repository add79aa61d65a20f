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

            async fn searched_rooms(
                &self,
                search: &$crate::__private::analytics_core::query::SessionSearch,
                limit: u64,
            ) -> Result<
                Vec<$crate::__private::analytics_core::query::CreatedRoom>,
                $crate::__private::analytics_core::SinkError,
            > {
                let sql = ::sqlx::AssertSqlSafe(self.session_queries().searched_rooms(
                    $crate::SearchParameters::of(search),
                    search.status,
                    search.order,
                ));
                let mut query = ::sqlx::query_as(sql)
                    .bind(search.from_ms)
                    .bind(search.before_ms)
                    .bind(i64::try_from(limit).unwrap_or(i64::MAX));
                if let Some(prefix) = &search.room_prefix {
                    query = query.bind(prefix.clone());
                }
                if let Some(identity) = &search.identity {
                    query = query.bind(identity.clone());
                }
                if let Some(after) = &search.after {
                    query = query.bind(after.created_at_ms).bind(after.room_sid.clone());
                }
                let rows: Vec<(String, String, i64)> = query
                    .fetch_all(self.query_pool().await?)
                    .await
                    .map_err($sink_error)?;
                Ok(rows.into_iter().map($crate::created_room).collect())
            }

            async fn room_timeline(
                &self,
                room_sid: &str,
            ) -> Result<
                Vec<$crate::__private::analytics_core::query::StoredEvent>,
                $crate::__private::analytics_core::SinkError,
            > {
                let sql = ::sqlx::AssertSqlSafe(self.session_queries().room_timeline());
                let rows: Vec<$crate::StoredEventRow> = ::sqlx::query_as(sql)
                    .bind(room_sid.to_owned())
                    .fetch_all(self.query_pool().await?)
                    .await
                    .map_err($sink_error)?;
                Ok(rows.into_iter().map($crate::stored_event).collect())
            }

            async fn stats_totals(
                &self,
                room_sid: &str,
            ) -> Result<
                Vec<$crate::__private::analytics_core::query::StatsTotals>,
                $crate::__private::analytics_core::SinkError,
            > {
                let sql = ::sqlx::AssertSqlSafe(self.session_queries().stats_totals());
                let rows: Vec<$crate::StatsTotalsRow> = ::sqlx::query_as(sql)
                    .bind(room_sid.to_owned())
                    .fetch_all(self.query_pool().await?)
                    .await
                    .map_err($sink_error)?;
                Ok(rows.into_iter().map($crate::stats_totals).collect())
            }

            async fn stats_buckets(
                &self,
                request: &$crate::__private::analytics_core::query::BucketQuery,
            ) -> Result<
                Vec<$crate::__private::analytics_core::query::StatsBucket>,
                $crate::__private::analytics_core::SinkError,
            > {
                let sql = ::sqlx::AssertSqlSafe(
                    self.session_queries()
                        .stats_buckets(request.track_sid.is_some(), request.participant_sids.len()),
                );
                let mut query = ::sqlx::query_as(sql)
                    .bind(request.room_sid.clone())
                    .bind(request.from_ms)
                    .bind(request.before_ms)
                    .bind(request.bucket_ms.max(1));
                if let Some(track_sid) = &request.track_sid {
                    query = query.bind(track_sid.clone());
                }
                for sid in &request.participant_sids {
                    query = query.bind(sid.clone());
                }
                let rows: Vec<$crate::StatsBucketRow> = query
                    .fetch_all(self.query_pool().await?)
                    .await
                    .map_err($sink_error)?;
                Ok(rows.into_iter().map($crate::stats_bucket).collect())
            }

            async fn connections_opened(
                &self,
                from_ms: i64,
                before_ms: i64,
            ) -> Result<
                Vec<$crate::__private::analytics_core::query::OpenedConnection>,
                $crate::__private::analytics_core::SinkError,
            > {
                let sql = ::sqlx::AssertSqlSafe(self.session_queries().connections_opened());
                let rows: Vec<$crate::OpenedConnectionRow> = ::sqlx::query_as(sql)
                    .bind(from_ms)
                    .bind(before_ms)
                    .fetch_all(self.query_pool().await?)
                    .await
                    .map_err($sink_error)?;
                Ok(rows.into_iter().map($crate::opened_connection).collect())
            }

            async fn connection_totals(
                &self,
                from_ms: i64,
                before_ms: i64,
                now_ms: i64,
            ) -> Result<
                $crate::__private::analytics_core::query::ConnectionTotals,
                $crate::__private::analytics_core::SinkError,
            > {
                let sql = ::sqlx::AssertSqlSafe(self.session_queries().connection_totals());
                let rows: Vec<$crate::ConnectionTotalsRow> = ::sqlx::query_as(sql)
                    .bind(from_ms)
                    .bind(before_ms)
                    .bind(now_ms)
                    .fetch_all(self.query_pool().await?)
                    .await
                    .map_err($sink_error)?;
                Ok($crate::connection_totals(rows))
            }

            async fn daily_traffic(
                &self,
                from_ms: i64,
                before_ms: i64,
            ) -> Result<
                Vec<$crate::__private::analytics_core::query::DailyTraffic>,
                $crate::__private::analytics_core::SinkError,
            > {
                let sql = ::sqlx::AssertSqlSafe(self.session_queries().daily_traffic());
                let (hours_start, hours_end) = $crate::rollups::whole_hours(from_ms, before_ms);
                let rows: Vec<(i64, String, i64)> = ::sqlx::query_as(sql)
                    .bind(from_ms)
                    .bind(before_ms)
                    .bind(hours_start)
                    .bind(hours_end)
                    .fetch_all(self.query_pool().await?)
                    .await
                    .map_err($sink_error)?;
                Ok(rows
                    .into_iter()
                    .map(|(day_ms, kind, bytes)| {
                        $crate::__private::analytics_core::query::DailyTraffic {
                            day_ms,
                            kind,
                            bytes,
                        }
                    })
                    .collect())
            }

            async fn open_now(
                &self,
            ) -> Result<
                $crate::__private::analytics_core::query::OpenNow,
                $crate::__private::analytics_core::SinkError,
            > {
                let sql = ::sqlx::AssertSqlSafe(self.session_queries().open_now());
                let (rooms, participants): (i64, i64) = ::sqlx::query_as(sql)
                    .fetch_one(self.query_pool().await?)
                    .await
                    .map_err($sink_error)?;
                Ok($crate::__private::analytics_core::query::OpenNow {
                    rooms: u64::try_from(rooms).unwrap_or(0),
                    participants: u64::try_from(participants).unwrap_or(0),
                })
            }
        }
    };
}
