//! The query compliance suite of analytics-core on the real server, in a fresh database:
//! the read API's answers from openvidu's collections.

use analytics_core::testkit::run_query_compliance;

use crate::{probe::test_url, targets::FreshDatabases};

#[tokio::test]
async fn mongo_sink_passes_the_query_compliance_suite() {
    let Some(url) = test_url() else { return };
    let databases = FreshDatabases::new(&url);
    run_query_compliance(databases.factory(|record| record)).await;
    databases.drop_all().await;
}
