//! [`RedisSink`]: the [`Sink`] contract on top of the writer, expiry and connection; its
//! active hash and tombstones serve the active-entities fixer (`active_entity_store`).

use std::time::{Duration, SystemTime};

use analytics_core::{fixer::ActiveEntityStore, turns::Turns, Batch, Sink, SinkError};
use async_trait::async_trait;
use tokio::sync::OnceCell;

use crate::{
    config::ServerTarget, connection::RedisConnection, error::sink_error, expiry::Expiry,
    layout::KeyLayout, scripts::Scripts, server_check, writer::Writer,
};

/// The Redis destination. Built without touching the network; [`Sink::initialize`]
/// connects.
pub struct RedisSink {
    name: String,
    target: ServerTarget,
    layout: KeyLayout,
    expiration: Duration,
    scripts: Scripts,
    /// Orders the active-entity step of the batches in flight.
    order: Turns,
    connection: OnceCell<RedisConnection>,
}

impl RedisSink {
    /// A sink named `name` writing under `prefix`, keeping records for `expiration`.
    pub fn new(
        name: &str,
        target: ServerTarget,
        prefix: &str,
        expiration: Duration,
    ) -> Result<RedisSink, SinkError> {
        if expiration.as_millis() == 0 {
            return Err(SinkError::config(
                "openvidu.analytics.expiration must be above 0 for the Redis sink",
            ));
        }
        Ok(RedisSink {
            name: name.to_owned(),
            target,
            layout: KeyLayout::new(prefix),
            expiration,
            scripts: Scripts::default(),
            order: Turns::default(),
            connection: OnceCell::new(),
        })
    }

    /// The key names this sink writes.
    pub fn layout(&self) -> &KeyLayout {
        &self.layout
    }

    /// The connection, once [`Sink::initialize`] has made it.
    pub(crate) fn connection(&self) -> Result<&RedisConnection, SinkError> {
        self.connection
            .get()
            .ok_or_else(|| SinkError::unavailable(format!("sink {} is not initialised", self.name)))
    }

    /// `error` with any URL masked and the servers' passwords replaced by `***`, should
    /// the driver have quoted one.
    fn masked(&self, error: SinkError) -> SinkError {
        let mask = |reason: String| {
            let mut masked = analytics_core::config::mask_url(&reason);
            for node in &self.target.nodes {
                if let Some(password) = node.redis_settings().password() {
                    if password.chars().count() >= 3 {
                        masked = masked.replace(password, "***");
                    }
                }
            }
            masked
        };
        error.map_message(mask)
    }

    pub(crate) fn ttl_ms(&self) -> u64 {
        u64::try_from(self.expiration.as_millis()).unwrap_or(u64::MAX)
    }
}

#[async_trait]
impl Sink for RedisSink {
    fn capabilities(&self) -> analytics_core::Capabilities {
        analytics_core::Capabilities::FULL_WITHOUT_QUERIES
    }

    async fn initialize(&self) -> Result<(), SinkError> {
        let connection = self
            .connection
            .get_or_try_init(|| RedisConnection::connect(&self.target))
            .await
            .map_err(|error| self.masked(sink_error(&error)))?;
        server_check::check_server(connection, &self.layout, &self.scripts)
            .await
            .map_err(|error| self.masked(error))?;
        tracing::info!(sink = %self.name, target = ?self.target, prefix = %self.layout.prefix(), "redis sink ready");
        Ok(())
    }

    /// Two: the second batch's commands wait in the same connection (or, on a cluster, the
    /// same node connection) behind the first's, so Redis runs them in queue order and
    /// never waits for the service between batches.
    fn batches_in_flight(&self) -> usize {
        2
    }

    async fn send_batch(&self, batch: &Batch) -> Result<(), SinkError> {
        if batch.is_empty() {
            return Ok(());
        }
        let writer = Writer {
            connection: self.connection()?,
            layout: &self.layout,
            scripts: &self.scripts,
            order: &self.order,
            ttl_ms: self.ttl_ms(),
        };
        let summary = writer.write(batch).await?;
        tracing::debug!(sink = %self.name, added = summary.added, duplicates = summary.duplicates, "batch written");
        Ok(())
    }

    fn active_entity_store(&self) -> Option<&dyn ActiveEntityStore> {
        Some(self)
    }

    async fn expire(&self, now: SystemTime) -> Result<u64, SinkError> {
        let expiry = Expiry {
            connection: self.connection()?,
            layout: &self.layout,
            expiration_ms: i64::try_from(self.expiration.as_millis()).unwrap_or(i64::MAX),
        };
        expiry.expire(now).await
    }
}
