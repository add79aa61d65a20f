//! The fixer compliance suite of analytics-core on a plain Redis and on a Redis Cluster,
//! each case under its own prefix.

use analytics_core::testkit::{run_fixer_compliance, server_url};

use crate::{
    harness::{cluster_urls, delete_prefix, unique_prefix},
    targets::{cluster_targets, single_targets},
};

#[tokio::test]
async fn fixer_compliance_suite_passes_on_redis() {
    let Some(url) = server_url("LKA_TEST_REDIS_URL") else {
        return;
    };
    let run_prefix = unique_prefix("fixer");
    run_fixer_compliance(single_targets(&url, &run_prefix)).await;
    delete_prefix(&url, &run_prefix)
        .await
        .expect("test keys deleted");
}

#[tokio::test]
async fn fixer_compliance_suite_passes_on_redis_cluster() {
    let Some(list) = server_url("LKA_TEST_REDIS_CLUSTER_URLS") else {
        return;
    };
    let urls = cluster_urls(&list);
    let run_prefix = unique_prefix("cluster-fixer");
    run_fixer_compliance(cluster_targets(&urls, &run_prefix)).await;
    for url in &urls {
        delete_prefix(url, &run_prefix)
            .await
            .expect("test keys deleted");
    }
}
