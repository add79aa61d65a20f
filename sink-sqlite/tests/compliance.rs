//! The sink and fixer compliance suites against a real SQLite file, plus SQLite-specific
//! checks.

use std::{path::PathBuf, sync::Arc};

use analytics_core::{
    testkit::{run_fixer_compliance, run_sink_compliance, ComplianceTarget, StoreProbe},
    Entity, Record, RecordKind,
};
use async_trait::async_trait;
use serde_json::Value;
use sink_sqlite::{SqliteConfig, SqliteSink};
use sqlx::{Row, SqlitePool};

struct SqliteProbe {
    sink: Arc<SqliteSink>,
    _dir: Arc<tempfile::TempDir>,
}

impl SqliteProbe {
    async fn pool(&self) -> &SqlitePool {
        self.sink.pool().await.expect("the sink's database opens")
    }
}

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
        sqlx::query_scalar(sqlx::AssertSqlSafe(sql))
            .fetch_all(self.pool().await)
            .await
            .expect("ids readable")
    }

    async fn stored_document(&self, kind: RecordKind, id: &str) -> Option<Value> {
        let sql = format!("SELECT data FROM {} WHERE id = ?", table(kind));
        let data: Option<String> = sqlx::query_scalar(sqlx::AssertSqlSafe(sql))
            .bind(id.to_owned())
            .fetch_optional(self.pool().await)
            .await
            .expect("document readable");
        data.map(|text| serde_json::from_str(&text).expect("stored data is JSON"))
    }

    async fn active_entities(&self) -> Vec<(Entity, String)> {
        sqlx::query("SELECT entity, id FROM active_entities")
            .fetch_all(self.pool().await)
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

/// SQLite refuses a row whose `data` is not JSON (`CHECK (json_valid(data))`).
fn spoil(mut record: Record) -> Record {
    record.document_json = "{not json".to_owned();
    record
}

fn new_target() -> ComplianceTarget {
    let dir = Arc::new(tempfile::tempdir().expect("temp dir"));
    let path: PathBuf = dir.path().join("nested/analytics.db");
    let sink = Arc::new(SqliteSink::new(SqliteConfig { path }));
    ComplianceTarget {
        sink: sink.clone(),
        probe: Some(Arc::new(SqliteProbe { sink, _dir: dir })),
        spoil,
    }
}

#[tokio::test]
async fn sqlite_sink_passes_the_compliance_suite() {
    run_sink_compliance(Box::new(|| Box::pin(async { new_target() }))).await;
}

#[tokio::test]
async fn sqlite_sink_passes_the_fixer_compliance_suite() {
    run_fixer_compliance(Box::new(|| Box::pin(async { new_target() }))).await;
}

#[tokio::test]
async fn two_sinks_on_one_file_share_the_fixer_lease() {
    let dir = tempfile::tempdir().expect("temp dir");
    let path = dir.path().join("shared.db");
    let first = SqliteSink::new(SqliteConfig { path: path.clone() });
    let second = SqliteSink::new(SqliteConfig { path });
    analytics_core::testkit::check_shared_fixer_lease(&first, &second).await;
}

#[tokio::test]
async fn database_uses_wal_journal_mode() {
    let target = new_target();
    target.sink.initialize().await.expect("initialised");
    let dir = tempfile::tempdir().expect("temp dir");
    let path = dir.path().join("wal.db");
    let sink = SqliteSink::new(SqliteConfig { path });
    analytics_core::Sink::initialize(&sink)
        .await
        .expect("initialised");
    let mode: String = sqlx::query_scalar("PRAGMA journal_mode")
        .fetch_one(sink.pool().await.expect("pool"))
        .await
        .expect("pragma");
    assert_eq!(mode, "wal");
}
