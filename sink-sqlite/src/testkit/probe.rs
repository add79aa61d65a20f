//! Reads back what the sink stored in one SQLite file, on a read-only connection of its
//! own opened for each read, so that it never holds the file between reads.

use std::{
    path::{Path, PathBuf},
    sync::Arc,
};

use analytics_core::{testkit::StoreProbe, Entity, RecordKind};
use async_trait::async_trait;
use serde_json::Value;
use sqlx::{sqlite::SqliteConnectOptions, AssertSqlSafe, ConnectOptions, Row, SqliteConnection};

/// Reads the tables of one SQLite file.
pub struct SqliteProbe {
    path: PathBuf,
    /// The temporary folder holding the file, kept as long as the probe.
    _dir: Option<Arc<tempfile::TempDir>>,
}

impl SqliteProbe {
    /// A probe of the file at `path`.
    pub fn new(path: &Path) -> SqliteProbe {
        SqliteProbe {
            path: path.to_owned(),
            _dir: None,
        }
    }

    /// A probe of the file at `path` in `dir`, which it keeps.
    pub(super) fn in_dir(path: &Path, dir: Arc<tempfile::TempDir>) -> SqliteProbe {
        SqliteProbe {
            path: path.to_owned(),
            _dir: Some(dir),
        }
    }

    /// The file read.
    pub fn path(&self) -> &Path {
        &self.path
    }

    /// A read-only connection to the file.
    pub async fn connect(&self) -> Result<SqliteConnection, sqlx::Error> {
        SqliteConnectOptions::new()
            .filename(&self.path)
            .read_only(true)
            .connect()
            .await
    }

    /// How many records of `kind` are stored: 0 while the file does not exist yet.
    pub async fn count(&self, kind: RecordKind) -> Result<u64, sqlx::Error> {
        if !self.path.exists() {
            return Ok(0);
        }
        let mut connection = self.connect().await?;
        let sql = format!("SELECT COUNT(*) FROM {}", table(kind));
        let count: i64 = sqlx::query_scalar(AssertSqlSafe(sql))
            .fetch_one(&mut connection)
            .await?;
        Ok(count.max(0) as u64)
    }

    async fn connection(&self) -> SqliteConnection {
        self.connect().await.expect("the SQLite file opens")
    }
}

/// The table holding records of `kind`.
fn table(kind: RecordKind) -> &'static str {
    match kind {
        RecordKind::Event => "events",
        RecordKind::Stat => "stats",
    }
}

#[async_trait]
impl StoreProbe for SqliteProbe {
    async fn stored_ids(&self, kind: RecordKind) -> Vec<String> {
        let sql = format!("SELECT id FROM {}", table(kind));
        sqlx::query_scalar(AssertSqlSafe(sql))
            .fetch_all(&mut self.connection().await)
            .await
            .expect("ids readable")
    }

    async fn stored_document(&self, kind: RecordKind, id: &str) -> Option<Value> {
        let sql = format!("SELECT data FROM {} WHERE id = ?", table(kind));
        let data: Option<String> = sqlx::query_scalar(AssertSqlSafe(sql))
            .bind(id.to_owned())
            .fetch_optional(&mut self.connection().await)
            .await
            .expect("document readable");
        data.map(|text| serde_json::from_str(&text).expect("stored data is JSON"))
    }

    async fn active_entities(&self) -> Vec<(Entity, String)> {
        sqlx::query("SELECT entity, id FROM active_entities")
            .fetch_all(&mut self.connection().await)
            .await
            .expect("active entities readable")
            .into_iter()
            .map(|row| {
                let entity: String = row.get("entity");
                (Entity::parse(&entity).expect("known entity"), row.get("id"))
            })
            .collect()
    }
}
