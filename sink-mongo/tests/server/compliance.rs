//! The sink contract every destination keeps, run against the real server.

use analytics_core::{testkit::run_sink_compliance, Record};
use sink_mongo::document::MAX_DOCUMENT_BYTES;

use crate::{probe::test_url, targets::FreshDatabases};

/// A record MongoDB cannot store: its document is over the 16 MiB BSON limit.
fn spoil(mut record: Record) -> Record {
    record.document_json = format!(r#"{{"pad":"{}"}}"#, "x".repeat(MAX_DOCUMENT_BYTES));
    record
}

#[tokio::test]
async fn mongo_sink_keeps_the_sink_contract() {
    let Some(url) = test_url() else { return };
    let databases = FreshDatabases::new(&url);
    run_sink_compliance(databases.factory(spoil)).await;
    databases.drop_all().await;
}
