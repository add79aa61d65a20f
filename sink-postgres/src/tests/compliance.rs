//! The sink, query and fixer compliance suites of analytics-core, each case in a fresh schema, and
//! the fixer lease shared by two sinks on one schema.

use std::sync::{Arc, Mutex};

use analytics_core::{
    record::Record,
    testkit::{
        check_shared_fixer_lease, run_fixer_compliance, run_sink_compliance, ComplianceTarget,
        TargetFactory,
    },
};

use super::support::TestSchema;

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
async fn query_compliance_suite_passes() {
    run_in_fresh_schemas(analytics_core::testkit::run_query_compliance).await;
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
    check_shared_fixer_lease(first.as_ref(), second.as_ref()).await;
    schema.drop().await;
}
