//! [`SqliteSink`]: the [`Sink`] contract over a lazily opened file (`connection`), its
//! migrations (`schema`), the batch writer (`writer`) and expiry (`expiry`); its tables serve
//! the active-entities fixer (`active_entity_store`) and the read API (`query`).

use std::time::SystemTime;

use analytics_core::{fixer::ActiveEntityStore, Batch, Sink, SinkError};
use async_trait::async_trait;
use sqlx::SqlitePool;
use tokio::sync::OnceCell;

use crate::{config::SqliteConfig, connection, expiry, schema, writer};

/// Records per batch when the configuration sets no `batch_size`: each commit rewrites
/// every page its rows touched (the id index takes random keys, so nearly one page per
/// row), so ten times the common default writes about 1.5 times as fast under a backlog.
const PREFERRED_BATCH_SIZE: usize = 10_000;

/// The most records one write takes while a backlog waits, when the configuration sets no
/// `batch_size`: a batch is still written once 10 000 records wait (every 5 s at 2 000
/// records/s), but a backlog goes in a fifth as many commits, and 50 000 random ids touch
/// far fewer than five times the index pages 10 000 do.
const PREFERRED_BACKLOG_BATCH_SIZE: usize = 50_000;

/// The SQLite sink.
pub struct SqliteSink {
    config: SqliteConfig,
    pool: OnceCell<SqlitePool>,
}

impl SqliteSink {
    pub fn new(config: SqliteConfig) -> SqliteSink {
        SqliteSink {
            config,
            pool: OnceCell::new(),
        }
    }

    /// The connection pool, opened (and the file created) on first use.
    pub async fn pool(&self) -> Result<&SqlitePool, SinkError> {
        self.pool
            .get_or_try_init(|| connection::open(&self.config.path))
            .await
    }
}

#[async_trait]
impl Sink for SqliteSink {
    fn capabilities(&self) -> analytics_core::Capabilities {
        analytics_core::Capabilities::FULL
    }

    async fn initialize(&self) -> Result<(), SinkError> {
        schema::migrate(self.pool().await?).await
    }

    async fn send_batch(&self, batch: &Batch) -> Result<(), SinkError> {
        writer::write(self.pool().await?, batch).await
    }

    fn preferred_batch_size(&self) -> Option<usize> {
        Some(PREFERRED_BATCH_SIZE)
    }

    fn preferred_backlog_batch_size(&self) -> Option<usize> {
        Some(PREFERRED_BACKLOG_BATCH_SIZE)
    }

    fn active_entity_store(&self) -> Option<&dyn ActiveEntityStore> {
        Some(self)
    }

    fn query(&self) -> Option<&dyn analytics_core::query::SessionQuery> {
        Some(self)
    }

    async fn expire(&self, now: SystemTime) -> Result<u64, SinkError> {
        expiry::expire(self.pool().await?, now).await
    }

    async fn close(&self) {
        if let Some(pool) = self.pool.get() {
            connection::close(pool, &self.config.path).await;
        }
    }
}
