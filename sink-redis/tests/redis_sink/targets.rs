//! Compliance targets for the suites: each case under a prefix of its own below the run's
//! prefix, on a plain Redis or on the cluster, with the sink built from settings and a probe.

use std::{
    future::Future,
    pin::Pin,
    sync::{
        atomic::{AtomicUsize, Ordering},
        Arc,
    },
};

use analytics_core::testkit::{ComplianceTarget, TargetFactory};

use crate::harness::{
    build_sink, cluster_connection, cluster_settings, single_connection, single_settings, spoil,
    RedisProbe,
};

type TargetFuture = Pin<Box<dyn Future<Output = ComplianceTarget> + Send>>;

/// Targets on the server at `url`, under `run_prefix`.
pub fn single_targets(url: &str, run_prefix: &str) -> TargetFactory {
    let url = url.to_owned();
    numbered(run_prefix, move |prefix| {
        let url = url.clone();
        Box::pin(async move {
            let probe = RedisProbe::new(single_connection(&url).await, &prefix);
            ComplianceTarget {
                sink: build_sink(&single_settings(&url, &prefix)),
                probe: Some(Arc::new(probe)),
                spoil,
            }
        })
    })
}

/// Targets on the cluster whose seed nodes are `urls`, under `run_prefix`.
pub fn cluster_targets(urls: &[String], run_prefix: &str) -> TargetFactory {
    let urls = urls.to_vec();
    numbered(run_prefix, move |prefix| {
        let urls = urls.clone();
        Box::pin(async move {
            let probe = RedisProbe::new(cluster_connection(&urls).await, &prefix);
            ComplianceTarget {
                sink: build_sink(&cluster_settings(&urls, &prefix)),
                probe: Some(Arc::new(probe)),
                spoil,
            }
        })
    })
}

/// A factory giving case n the prefix `<run_prefix><n>:`.
fn numbered(
    run_prefix: &str,
    target: impl Fn(String) -> TargetFuture + Send + Sync + 'static,
) -> TargetFactory {
    let run_prefix = run_prefix.to_owned();
    let counter = AtomicUsize::new(0);
    Box::new(move || {
        let case = counter.fetch_add(1, Ordering::Relaxed);
        target(format!("{run_prefix}{case}:"))
    })
}
