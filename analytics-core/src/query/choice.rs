//! Which configured sink answers the read API: the one `openvidu.analytics.api.query_sink`
//! names, or else the first configured sink that declares `queries`.

use std::sync::Arc;

use crate::{
    config::{ApiConfig, ConfigError},
    registry::NamedSink,
    Sink,
};

/// The sink that answers the read API, with its name: `None` when no configured sink can
/// (the API then answers 503). A `query_sink` that is not configured, or that cannot
/// answer queries, is a configuration error.
pub fn choose_query_sink<'a>(
    api: &ApiConfig,
    sinks: impl IntoIterator<Item = (&'a str, &'a Arc<dyn Sink>)>,
) -> Result<Option<NamedSink>, ConfigError> {
    let mut sinks = sinks.into_iter();
    let Some(wanted) = api.query_sink.as_deref() else {
        return Ok(sinks
            .find(|(_, sink)| sink.capabilities().queries && sink.query().is_some())
            .map(|(name, sink)| (name.to_owned(), sink.clone())));
    };
    let configured: Vec<(&str, &Arc<dyn Sink>)> = sinks.collect();
    let Some((name, sink)) = configured.iter().find(|(name, _)| *name == wanted) else {
        let names: Vec<&str> = configured.iter().map(|(name, _)| *name).collect();
        return Err(ConfigError::Invalid(format!(
            "openvidu.analytics.api.query_sink names `{wanted}`, which is not a configured sink (configured: {}); name one of them",
            names.join(", ")
        )));
    };
    if !sink.capabilities().queries || sink.query().is_none() {
        return Err(ConfigError::Invalid(format!(
            "openvidu.analytics.api.query_sink: sink `{name}` cannot answer queries (Redis and JSON lines sinks store records without answering the read API); name a SQLite, PostgreSQL or MongoDB sink, or remove query_sink to use the first one configured"
        )));
    }
    Ok(Some(((*name).to_owned(), (*sink).clone())))
}

#[cfg(test)]
mod tests {
    use std::sync::Arc;

    use async_trait::async_trait;

    use super::choose_query_sink;
    use crate::{
        config::ApiConfig,
        query::{
            BucketQuery, CreatedRoom, DailyTraffic, OpenNow, OpenedConnection, RoomActivity,
            RoomEvent, RoomTraffic, SessionQuery, SessionRows, SessionSearch, StatsBucket,
            StatsTotals, StoredEvent,
        },
        Batch, Capabilities, Sink, SinkError,
    };

    /// A sink that answers no session, declaring queries or not.
    struct Answering(bool);

    #[async_trait]
    impl SessionRows for Answering {
        async fn created_rooms(
            &self,
            _from_ms: i64,
            _before_ms: i64,
            _limit: u64,
            _offset: u64,
        ) -> Result<Vec<CreatedRoom>, SinkError> {
            Ok(Vec::new())
        }

        async fn created_room(&self, _room_sid: &str) -> Result<Option<CreatedRoom>, SinkError> {
            Ok(None)
        }

        async fn room_events(&self, _room_sids: &[String]) -> Result<Vec<RoomEvent>, SinkError> {
            Ok(Vec::new())
        }

        async fn room_traffic(&self, _room_sids: &[String]) -> Result<Vec<RoomTraffic>, SinkError> {
            Ok(Vec::new())
        }

        async fn room_activity(
            &self,
            _room_sids: &[String],
        ) -> Result<Vec<RoomActivity>, SinkError> {
            Ok(Vec::new())
        }

        async fn searched_rooms(
            &self,
            _search: &SessionSearch,
            _limit: u64,
        ) -> Result<Vec<CreatedRoom>, SinkError> {
            Ok(Vec::new())
        }

        async fn room_timeline(&self, _room_sid: &str) -> Result<Vec<StoredEvent>, SinkError> {
            Ok(Vec::new())
        }

        async fn stats_totals(&self, _room_sid: &str) -> Result<Vec<StatsTotals>, SinkError> {
            Ok(Vec::new())
        }

        async fn stats_buckets(&self, _query: &BucketQuery) -> Result<Vec<StatsBucket>, SinkError> {
            Ok(Vec::new())
        }

        async fn connections_opened(
            &self,
            _from_ms: i64,
            _before_ms: i64,
        ) -> Result<Vec<OpenedConnection>, SinkError> {
            Ok(Vec::new())
        }

        async fn daily_traffic(
            &self,
            _from_ms: i64,
            _before_ms: i64,
        ) -> Result<Vec<DailyTraffic>, SinkError> {
            Ok(Vec::new())
        }

        async fn open_now(&self) -> Result<OpenNow, SinkError> {
            Ok(OpenNow::default())
        }
    }

    #[async_trait]
    impl Sink for Answering {
        async fn initialize(&self) -> Result<(), SinkError> {
            Ok(())
        }

        async fn send_batch(&self, _batch: &Batch) -> Result<(), SinkError> {
            Ok(())
        }

        fn capabilities(&self) -> Capabilities {
            Capabilities {
                queries: self.0,
                ..Capabilities::APPEND_ONLY
            }
        }

        fn query(&self) -> Option<&dyn SessionQuery> {
            self.0.then_some(self as &dyn SessionQuery)
        }
    }

    fn sinks() -> Vec<(String, Arc<dyn Sink>)> {
        vec![
            ("cache".into(), Arc::new(Answering(false))),
            ("db".into(), Arc::new(Answering(true))),
        ]
    }

    fn choose(query_sink: Option<&str>) -> Result<Option<String>, String> {
        let api = ApiConfig {
            query_sink: query_sink.map(str::to_owned),
            ..ApiConfig::default()
        };
        let sinks = sinks();
        choose_query_sink(&api, sinks.iter().map(|(name, sink)| (name.as_str(), sink)))
            .map(|chosen| chosen.map(|(name, _)| name))
            .map_err(|error| error.to_string())
    }

    #[test]
    fn the_first_sink_answering_queries_is_chosen_by_default() {
        assert_eq!(choose(None), Ok(Some("db".into())));
        assert_eq!(choose(Some("db")), Ok(Some("db".into())));
    }

    #[test]
    fn a_named_sink_that_cannot_answer_or_is_not_configured_is_refused() {
        let refused = choose(Some("cache")).expect_err("cannot answer");
        assert!(
            refused.contains("sink `cache` cannot answer queries"),
            "{refused}"
        );
        let refused = choose(Some("nowhere")).expect_err("not configured");
        assert!(
            refused.contains("not a configured sink (configured: cache, db)"),
            "{refused}"
        );
    }
}
