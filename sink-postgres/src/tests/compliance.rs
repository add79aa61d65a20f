//! The sink compliance suite of analytics-core, each case in a fresh schema.

use std::sync::{Arc, Mutex};

use analytics_core::{
    record::Record,
    testkit::{run_sink_compliance, ComplianceTarget},
};

use super::support::TestSchema;

/// A document PostgreSQL refuses: not JSON at all, so the `::jsonb` cast fails.
fn spoil(mut record: Record) -> Record {
    record.document_json = "{\"truncated\": ".into();
    record
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn compliance_suite_passes() {
    if TestSchema::new().await.is_none() {
        return;
    }
    let schemas: Arc<Mutex<Vec<TestSchema>>> = Arc::default();
    let created = schemas.clone();
    run_sink_compliance(Box::new(move || {
        let created = created.clone();
        Box::pin(async move {
            let schema = TestSchema::new().await.expect("server URL set");
            let target = ComplianceTarget {
                sink: schema.sink(),
                probe: schema.probe(),
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
