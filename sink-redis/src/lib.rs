//! The Redis destination of livekit-analytics, for plain Redis (6.2+, no modules) and Redis
//! Cluster: records go to the streams `<prefix>events` and `<prefix>stats` (which
//! consumers tail), with per-room lookups and active entities beside them, all expiring.
//! Registered as sink type `redis`; see docs/sink-redis.md for the layout.

mod active_entity_store;
mod append_reply;
pub mod config;
mod connection;
mod error;
mod expiry;
pub mod layout;
mod scripts;
mod server_check;
mod sink;
mod validate;
mod writer;

#[cfg(feature = "testkit")]
pub mod testkit;

use std::sync::Arc;

use analytics_core::{Sink, SinkContext, SinkError};

pub use config::RedisSinkConfig;
pub use sink::RedisSink;

analytics_core::inventory::submit! {
    analytics_core::SinkFactory::new("redis", build_redis_sink)
}

/// Builds the sink from `sinks.<name>` (falling back to LiveKit's `redis:` section).
/// Does not connect.
pub fn build_redis_sink(ctx: &SinkContext) -> Result<Arc<dyn Sink>, SinkError> {
    let config: RedisSinkConfig = ctx.settings()?;
    let target = config
        .server_target(ctx.livekit.redis.as_ref())
        .map_err(|error| {
            error.map_message(|reason| format!("openvidu.analytics.sinks.{}: {reason}", ctx.name))
        })?;
    let sink = RedisSink::new(&ctx.name, target, &config.prefix, ctx.expiration)?;
    Ok(Arc::new(sink))
}

#[cfg(test)]
mod tests {
    use std::time::Duration;

    use analytics_core::{registry::Mapping, SinkContext};

    #[test]
    fn a_settings_error_names_the_sink() {
        let mut settings = Mapping::new();
        settings.insert("address".into(), "localhost:6379".into());
        settings.insert("url".into(), "redis://localhost".into());
        let context = SinkContext::new("events_cache", settings, Duration::from_secs(60));
        let Err(error) = super::build_redis_sink(&context) else {
            panic!("both address and url must be refused");
        };
        let message = error.to_string();
        assert!(
            message.contains("openvidu.analytics.sinks.events_cache: give either"),
            "{message}"
        );
    }
}
