//! The fixer compliance suite of analytics-core on the real server, each case in a fresh
//! database.

use analytics_core::testkit::run_fixer_compliance;

use crate::{probe::test_url, targets::FreshDatabases};

#[tokio::test]
async fn mongo_sink_passes_the_fixer_compliance_suite() {
    let Some(url) = test_url() else { return };
    let databases = FreshDatabases::new(&url);
    run_fixer_compliance(databases.factory(|record| record)).await;
    databases.drop_all().await;
}
