//! The fixer compliance suite of analytics-core on the real server, each case in a fresh
//! database.

use std::sync::{Arc, Mutex};

use analytics_core::testkit::{run_fixer_compliance, ComplianceTarget, TargetFactory};

use crate::probe::{client, fresh_database_name, registered_sink, test_url, MongoProbe};

#[tokio::test]
async fn mongo_sink_passes_the_fixer_compliance_suite() {
    let Some(url) = test_url() else { return };
    let databases = Arc::new(Mutex::new(Vec::new()));
    let factory: TargetFactory = {
        let url = url.clone();
        let databases = databases.clone();
        Box::new(move || {
            let url = url.clone();
            let databases = databases.clone();
            Box::pin(async move {
                let name = fresh_database_name();
                databases.lock().expect("not poisoned").push(name.clone());
                ComplianceTarget {
                    sink: registered_sink(&url, &name),
                    probe: Some(Arc::new(MongoProbe {
                        database: client(&url).await.database(&name),
                    })),
                    spoil: |record| record,
                }
            })
        })
    };
    run_fixer_compliance(factory).await;
    let client = client(&url).await;
    let names = databases.lock().expect("not poisoned").clone();
    for name in names {
        client
            .database(&name)
            .drop()
            .await
            .expect("test database dropped");
    }
}
