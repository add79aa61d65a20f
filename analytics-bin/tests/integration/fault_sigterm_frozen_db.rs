//! SIGTERM while the database is frozen (it accepts connections and answers nothing, as a
//! PostgreSQL stopped with SIGSTOP): the write under way is cancelled at the shutdown
//! deadline, the process exits within `shutdown_timeout` plus a small margin, and it
//! reports the records it could not write.

#![cfg(all(
    feature = "sqlite",
    feature = "postgres",
    feature = "redis",
    feature = "mongo"
))]

use crate::fault_support;

use crate::fault_support::frozen_proxy;
use crate::fault_support::sql_sinks;

use std::{net::ToSocketAddrs, sync::Arc, time::Duration};

use analytics_core::RecordKind;
use fault_support::{
    service::FaultService,
    traffic::{send_all, IdSet, StreamClient, Workload},
};
use frozen_proxy::FrozenProxy;
use sql_sinks::SqlSinks;

const SHUTDOWN_TIMEOUT: Duration = Duration::from_secs(4);
/// The service's grace for open connections (none are open at SIGTERM here) and the exit.
const MARGIN: Duration = Duration::from_secs(3);

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sigterm_with_a_frozen_database_exits_by_the_deadline_and_reports_the_unwritten() {
    let _turn = fault_support::turn::wait_for_turn().await;
    let dir = tempfile::tempdir().expect("temp dir");
    let Some(sinks) = SqlSinks::new("frozen", dir.path(), None) else {
        return;
    };
    let (host_port, proxied_url) = proxied(sinks.postgres_url(), 0);
    let upstream = host_port
        .to_socket_addrs()
        .expect("PostgreSQL address")
        .next()
        .expect("an address");
    let proxy = FrozenProxy::start(upstream).await;
    let (_, proxied_url) = proxied(&proxied_url, proxy.port);
    let port = FaultService::port();
    let extra = format!(
        "    interval: 200ms\n    batch_size: 100\n    shutdown_timeout: {}s\n    buffer: {{ max_records: 1000000, when_full: block }}\n",
        SHUTDOWN_TIMEOUT.as_secs()
    );
    let config = sinks.config_yaml(port, &["postgres"], &proxied_url, &extra);
    let mut service = FaultService::start(dir.path(), port, &config).await;
    let workload = Workload::new("frozen");
    let client = StreamClient::new(port);

    let before = Arc::new(workload.calls(0, 1_000, 100));
    let outcome = send_all(client.clone(), before.clone(), 4, Default::default()).await;
    assert!(outcome.failed.is_empty(), "{:?}", outcome.failed);
    // Written before the freeze.
    sinks
        .assert_stored_exactly_once(
            &["postgres"],
            &IdSet::of_calls(before.iter()),
            &IdSet::of_calls(before.iter()),
            Duration::from_secs(20),
        )
        .await;

    proxy.freeze();
    let during = Arc::new(workload.calls(10_000, 2_000, 100));
    let outcome = send_all(client, during.clone(), 4, Default::default()).await;
    assert!(
        outcome.failed.is_empty(),
        "accepted into the queue: {:?}",
        outcome.failed
    );
    // A batch is under way to the frozen database.
    tokio::time::sleep(Duration::from_millis(600)).await;

    let limit = SHUTDOWN_TIMEOUT + MARGIN;
    let (status, took) = service.terminate(limit + Duration::from_secs(20)).await;
    let log = service.log();
    eprintln!("SIGTERM with a frozen database: exit {status} after {took:?}");
    assert!(
        took <= limit,
        "exit {took:?} after SIGTERM; shutdown_timeout {SHUTDOWN_TIMEOUT:?}; log:\n{log}"
    );
    assert!(
        !status.success(),
        "records were not written: exit 1; log:\n{log}"
    );
    let reported: usize = log
        .lines()
        .find_map(|line| {
            line.strip_prefix("error: sink postgres: ")?
                .split(' ')
                .next()?
                .parse()
                .ok()
        })
        .unwrap_or_else(|| panic!("the unwritten count is reported; log:\n{log}"));
    drop(proxy);
    let stored = sinks.stored_ids("postgres", RecordKind::Event).await.len()
        + sinks.stored_ids("postgres", RecordKind::Stat).await.len();
    let accepted = before.len() * 100 + during.len() * 100;
    eprintln!("accepted {accepted}, stored {stored}, reported unwritten {reported}");
    assert!(reported > 0 && reported <= 2_000, "{reported} reported");
    assert!(
        stored + reported >= accepted,
        "every accepted record is stored or reported unwritten: {stored} + {reported} < {accepted}"
    );
    sinks.clean_up().await;
}

/// `url` with its host and port replaced by 127.0.0.1:`port` (0 keeps the URL), and the
/// `host:port` it named.
fn proxied(url: &str, port: u16) -> (String, String) {
    let (scheme, rest) = url.split_once("://").expect("a URL");
    let (authority, path) = rest.split_once('/').unwrap_or((rest, ""));
    let (userinfo, host_port) = match authority.rsplit_once('@') {
        Some((userinfo, host_port)) => (format!("{userinfo}@"), host_port),
        None => (String::new(), authority),
    };
    let host_port = if host_port.contains(':') {
        host_port.to_owned()
    } else {
        format!("{host_port}:5432")
    };
    let url = if port == 0 {
        url.to_owned()
    } else {
        format!("{scheme}://{userinfo}127.0.0.1:{port}/{path}")
    };
    (host_port, url)
}
