//! The sink and fixer compliance suites against a real SQLite file, plus SQLite-specific
//! checks.

use std::sync::Arc;

use analytics_core::{
    testkit::{run_fixer_compliance, run_sink_compliance, ComplianceTarget},
    Record,
};
use sink_sqlite::{testkit::TestFile, SqliteConfig, SqliteSink};

/// SQLite refuses a row whose `data` is not JSON (`CHECK (json_valid(data))`).
fn spoil(mut record: Record) -> Record {
    record.document_json = "{not json".to_owned();
    record
}

fn new_target() -> ComplianceTarget {
    let file = TestFile::new();
    ComplianceTarget {
        sink: file.sink(),
        probe: Some(Arc::new(file.probe())),
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

#[tokio::test]
async fn sqlite_sink_passes_the_query_compliance_suite() {
    analytics_core::testkit::run_query_compliance(Box::new(|| Box::pin(async { new_target() })))
        .await;
}
