//! The sink and fixer compliance suites of analytics-core, each case in a fresh schema, and
//! the fixer lease shared by two sinks on one schema.

use std::{
    sync::{Arc, Mutex},
    time::Duration,
};

use analytics_core::{
    record::Record,
    testkit::{run_fixer_compliance, run_sink_compliance, ComplianceTarget, TargetFactory},
    Sink,
};

use super::support::TestSchema;
use crate::PostgresSink;

/// A document PostgreSQL refuses: not JSON at all, so the `::jsonb` cast fails.
fn spoil(mut record: Record) -> Record {
    record.document_json = "{\"truncated\": ".into();
    record
}

/// Runs a compliance suite with a fresh schema per case, and drops the schemas afterwards.
async fn run_in_fresh_schemas<F: std::future::Future<Output = ()>>(
    suite: impl FnOnce(TargetFactory) -> F,
) {
    if TestSchema::new().await.is_none() {
        return;
    }
    let schemas: Arc<Mutex<Vec<TestSchema>>> = Arc::default();
    let created = schemas.clone();
    suite(Box::new(move || {
        let created = created.clone();
        Box::pin(async move {
            let schema = TestSchema::new().await.expect("server URL set");
            let target = ComplianceTarget {
                sink: schema.sink(),
                probe: Some(schema.probe()),
                spoil,
            };
            created.lock().expect("not poisoned").push(schema);
            target
        })
    }))
    .await;
    let schemas = std::mem::take(&mut *schemas.lock().expect("not poisoned"));
    for schema in schemas {
        schema.drop().await;
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn compliance_suite_passes() {
    run_in_fresh_schemas(run_sink_compliance).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn fixer_compliance_suite_passes() {
    run_in_fresh_schemas(run_fixer_compliance).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn two_sinks_on_one_schema_share_the_fixer_lease() {
    let Some(schema) = TestSchema::new().await else {
        return;
    };
    let first = schema.sink();
    let second = schema.sink();
    first.initialize().await.expect("initialised");
    let ttl = Duration::from_millis(500);
    assert!(lease(&first, "a", ttl).await);
    assert!(!lease(&second, "b", ttl).await, "held by a");
    assert!(lease(&first, "a", ttl).await, "a renews");
    tokio::time::sleep(ttl * 2).await;
    assert!(lease(&second, "b", ttl).await, "expired: b takes it");
    assert!(!lease(&first, "a", ttl).await);
    schema.drop().await;
}

async fn lease(sink: &PostgresSink, holder: &str, ttl: Duration) -> bool {
    sink.active_entity_store()
        .expect("store")
        .acquire_lease(holder, ttl)
        .await
        .expect("lease query")
}
