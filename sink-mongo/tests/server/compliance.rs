//! The sink contract every destination keeps, run against the real server.

use std::sync::{Arc, Mutex};

use analytics_core::{
    testkit::{run_sink_compliance, ComplianceTarget, TargetFactory},
    Record,
};
use sink_mongo::document::MAX_DOCUMENT_BYTES;

use crate::probe::{client, fresh_database_name, registered_sink, test_url, MongoProbe};

/// A record MongoDB cannot store: its document is over the 16 MiB BSON limit.
fn spoil(mut record: Record) -> Record {
    record.document_json = format!(r#"{{"pad":"{}"}}"#, "x".repeat(MAX_DOCUMENT_BYTES));
    record
}

#[tokio::test]
async fn mongo_sink_keeps_the_sink_contract() {
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
                    spoil,
                }
            })
        })
    };
    run_sink_compliance(factory).await;
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
