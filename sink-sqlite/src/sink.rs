//! [`SqliteSink`]: opens the file lazily, migrates it, writes batches, expires records and
//! offers its tables to the active-entities fixer.

use std::time::SystemTime;

use analytics_core::{fixer::ActiveEntityStore, Batch, Sink, SinkError};
use async_trait::async_trait;
use sqlx::{sqlite::SqlitePoolOptions, SqlitePool};
use tokio::sync::OnceCell;

use crate::{
    config::SqliteConfig, connect_options::connect_options, error, expiry, schema, writer,
};

/// Records per batch when the configuration sets no `batch_size`: each commit rewrites
/// every page its rows touched (the id index takes random keys, so nearly one page per
/// row), so ten times the common default writes about 1.5 times as fast under a backlog.
const PREFERRED_BATCH_SIZE: usize = 10_000;

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
            .get_or_try_init(|| async {
                if let Some(parent) = self
                    .config
                    .path
                    .parent()
                    .filter(|p| !p.as_os_str().is_empty())
                {
                    tokio::fs::create_dir_all(parent).await.map_err(|error| {
                        let message = format!("cannot create folder {}: {error}", parent.display());
                        SinkError::classified(error::io_class(&error), message, error.into())
                    })?;
                }
                let options = connect_options(&self.config.path).map_err(error::sink_error)?;
                let pool = SqlitePoolOptions::new()
                    .max_connections(4)
                    .connect_with(options)
                    .await
                    .map_err(|error| {
                        let context = format!("cannot open {}", self.config.path.display());
                        error::sink_error_in(&context, error)
                    })?;
                tracing::info!(path = %absolute(&self.config.path).display(), "SQLite database opened");
                Ok(pool)
            })
            .await
    }
}

#[async_trait]
impl Sink for SqliteSink {
    fn capabilities(&self) -> analytics_core::Capabilities {
        analytics_core::Capabilities::FULL
    }

    async fn initialize(&self) -> Result<(), SinkError> {
        let mut connection = self
            .pool()
            .await?
            .acquire()
            .await
            .map_err(error::sink_error)?;
        schema::migrate(&mut connection)
            .await
            .map_err(error::sink_error)
    }

    async fn send_batch(&self, batch: &Batch) -> Result<(), SinkError> {
        let mut transaction = self
            .pool()
            .await?
            .begin()
            .await
            .map_err(error::sink_error)?;
        let failures = writer::write_batch(&mut transaction, batch)
            .await
            .map_err(error::sink_error)?;
        transaction.commit().await.map_err(error::sink_error)?;
        if failures.is_empty() {
            Ok(())
        } else {
            Err(SinkError::Records(failures))
        }
    }

    fn preferred_batch_size(&self) -> Option<usize> {
        Some(PREFERRED_BATCH_SIZE)
    }

    fn active_entity_store(&self) -> Option<&dyn ActiveEntityStore> {
        Some(self)
    }

    async fn expire(&self, now: SystemTime) -> Result<u64, SinkError> {
        expiry::expire(self.pool().await?, now).await
    }

    async fn close(&self) {
        let Some(pool) = self.pool.get() else {
            return;
        };
        // TRUNCATE copies the whole WAL into the file and empties it; closing the pool then
        // lets the last connection remove it.
        if let Err(error) = sqlx::query("PRAGMA wal_checkpoint(TRUNCATE)")
            .execute(pool)
            .await
        {
            tracing::warn!(error = %error, path = %self.config.path.display(), "cannot fold the WAL back into the database file");
        }
        pool.close().await;
        tracing::info!(path = %absolute(&self.config.path).display(), "SQLite database closed");
    }
}

/// `path` from the root, so that the log says where the file is whatever the working folder.
fn absolute(path: &std::path::Path) -> std::path::PathBuf {
    std::path::absolute(path).unwrap_or_else(|_| path.to_owned())
}
