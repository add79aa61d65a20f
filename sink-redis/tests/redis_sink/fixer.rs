//! The fixer compliance suite of analytics-core on a plain Redis and on a Redis Cluster,
//! each case under its own prefix.

use std::sync::{
    atomic::{AtomicUsize, Ordering},
    Arc,
};

use analytics_core::testkit::{run_fixer_compliance, server_url, ComplianceTarget};

use crate::harness::{
    build_sink, cluster_connection, cluster_settings, cluster_urls, delete_prefix,
    single_connection, single_settings, spoil, unique_prefix, RedisProbe,
};

#[tokio::test]
async fn fixer_compliance_suite_passes_on_redis() {
    let Some(url) = server_url("LKA_TEST_REDIS_URL") else {
        return;
    };
    let run_prefix = unique_prefix("fixer");
    let factory_url = url.clone();
    let factory_prefix = run_prefix.clone();
    let counter = Arc::new(AtomicUsize::new(0));
    run_fixer_compliance(Box::new(move || {
        let url = factory_url.clone();
        let prefix = format!(
            "{factory_prefix}{}:",
            counter.fetch_add(1, Ordering::Relaxed)
        );
        Box::pin(async move {
            let probe = RedisProbe::new(single_connection(&url).await, &prefix);
            ComplianceTarget {
                sink: build_sink(&single_settings(&url, &prefix)),
                probe: Some(Arc::new(probe)),
                spoil,
            }
        })
    }))
    .await;
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
    let factory_urls = urls.clone();
    let factory_prefix = run_prefix.clone();
    let counter = Arc::new(AtomicUsize::new(0));
    run_fixer_compliance(Box::new(move || {
        let urls = factory_urls.clone();
        let prefix = format!(
            "{factory_prefix}{}:",
            counter.fetch_add(1, Ordering::Relaxed)
        );
        Box::pin(async move {
            let probe = RedisProbe::new(cluster_connection(&urls).await, &prefix);
            ComplianceTarget {
                sink: build_sink(&cluster_settings(&urls, &prefix)),
                probe: Some(Arc::new(probe)),
                spoil,
            }
        })
    }))
    .await;
    for url in &urls {
        delete_prefix(url, &run_prefix)
            .await
            .expect("test keys deleted");
    }
}
