//! [`PostgresSink`]: the [`Sink`] contract over a lazily connected pool (`connection`),
//! delegating writes to the writer, set-up to the migrations and expiry to the chunked
//! deletes; its tables serve the active-entities fixer (`active_entity_store`) and the read
//! API (`query`).

use std::time::SystemTime;

use analytics_core::{
    config::{mask_url, mask_url_secrets_in},
    fixer::ActiveEntityStore,
    write_order::WriteOrder,
    Batch, Sink, SinkError,
};
use async_trait::async_trait;
use sqlx::PgPool;

use crate::{
    config::PostgresConfig,
    connection,
    error::{self, Failure},
    expiry::Expiry,
    schema::{self, SCHEMA_VERSION},
    writer::Writer,
};

/// Batches the sender may have in flight: while the server runs one batch's statement, the
/// next is prepared, and written in its turn ([`WriteOrder`]).
const BATCHES_IN_FLIGHT: usize = 2;

/// The PostgreSQL destination.
pub struct PostgresSink {
    name: String,
    schema: String,
    /// The configured URL, only to mask its secrets out of driver errors.
    url: String,
    masked_url: String,
    pool: PgPool,
    writer: Writer,
    order: WriteOrder,
    expiry: Expiry,
}

impl PostgresSink {
    /// Builds the sink without connecting: the pool connects on first use, so a server
    /// that is down does not stop the service.
    pub fn new(name: &str, config: &PostgresConfig) -> Result<PostgresSink, SinkError> {
        config.validate().map_err(|reason| {
            SinkError::config(format!("openvidu.analytics.sinks.{name}: {reason}"))
        })?;
        let masked_url = mask_url(&config.url);
        let pool = connection::lazy_pool(name, config, &masked_url)?;
        let parts = usize::try_from(config.pool_size).unwrap_or(1);
        Ok(PostgresSink {
            name: name.to_owned(),
            schema: config.schema.clone(),
            url: config.url.clone(),
            masked_url,
            writer: Writer::new(pool.clone(), &config.schema, parts, config.write_timeout),
            order: WriteOrder::default(),
            expiry: Expiry::new(pool.clone(), &config.schema, config.write_timeout),
            pool,
        })
    }

    /// The schema the sink writes into (unquoted).
    pub fn schema_name(&self) -> &str {
        &self.schema
    }

    /// `error` with the URL's secrets masked, should the server or driver have quoted one.
    fn masked(&self, error: SinkError) -> SinkError {
        error.map_message(|reason| mask_url_secrets_in(&reason, &self.url))
    }

    /// The connection pool (for tests and tools that read what the sink wrote).
    pub fn pool(&self) -> &PgPool {
        &self.pool
    }
}

#[async_trait]
impl Sink for PostgresSink {
    fn capabilities(&self) -> analytics_core::Capabilities {
        analytics_core::Capabilities::FULL
    }

    async fn initialize(&self) -> Result<(), SinkError> {
        let mut connection = self.pool.acquire().await.map_err(|error| {
            let connecting = format!("cannot connect to {}", self.masked_url);
            self.masked(error::classify(error).into_sink_error())
                .map_message(|reason| format!("{connecting}: {reason}"))
        })?;
        let outcome = schema::migrate(&mut connection, &self.schema)
            .await
            .map_err(|error| self.masked(Failure::from(error).into_sink_error()))?;
        if outcome.found > SCHEMA_VERSION {
            tracing::warn!(
                sink = %self.name,
                schema = %self.schema,
                found = outcome.found,
                known = SCHEMA_VERSION,
                "the schema is newer than this build knows; writing anyway"
            );
        }
        tracing::info!(
            sink = %self.name,
            url = %self.masked_url,
            schema = %self.schema,
            version = outcome.found.max(SCHEMA_VERSION),
            applied = outcome.applied,
            "PostgreSQL schema ready"
        );
        Ok(())
    }

    async fn send_batch(&self, batch: &Batch) -> Result<(), SinkError> {
        if batch.is_empty() {
            return Ok(());
        }
        self.writer.write(batch, &self.order).await
    }

    fn batches_in_flight(&self) -> usize {
        BATCHES_IN_FLIGHT
    }

    fn active_entity_store(&self) -> Option<&dyn ActiveEntityStore> {
        Some(self)
    }

    fn query(&self) -> Option<&dyn analytics_core::query::SessionQuery> {
        Some(self)
    }

    async fn expire(&self, now: SystemTime) -> Result<u64, SinkError> {
        self.expiry.expire(now).await
    }
}
