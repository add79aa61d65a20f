//! The NATS buffer over TLS: a JetStream server of the test's own requiring TLS, with a
//! certificate signed by a certificate authority of the test's own (made with `openssl`).
//! With that authority as `tls.ca_file` an instance connects, accepts records and stores
//! every one; without it the start stops with a clear error naming the TLS settings.

#![cfg(all(feature = "sqlite", feature = "nats"))]

use std::{
    path::{Path, PathBuf},
    process::Command,
    sync::Arc,
};

use crate::{
    fault_support::{
        service::FaultService,
        traffic::{send_all, IdSet, StreamClient, Workload},
    },
    nats_support::{
        buffer_yaml,
        instance::{assert_sqlite_holds_exactly, config, run_until_exit, sqlite_sink},
        nats_urls,
        standalone::StandaloneNats,
    },
    support::free_port,
};

/// The files of a test certificate authority and of a server certificate it signed for
/// `127.0.0.1` and `localhost`.
struct TestCertificates {
    ca: PathBuf,
    cert: PathBuf,
    key: PathBuf,
}

fn openssl(dir: &Path, args: &[&str]) {
    let output = Command::new("openssl")
        .args(args)
        .current_dir(dir)
        .output()
        .expect("openssl runs");
    assert!(
        output.status.success(),
        "openssl {args:?}: {}",
        String::from_utf8_lossy(&output.stderr)
    );
}

fn certificates(dir: &Path) -> TestCertificates {
    let subject_alt_names = "subjectAltName=IP:127.0.0.1,DNS:localhost\n";
    std::fs::write(dir.join("server.ext"), subject_alt_names).expect("extensions written");
    openssl(
        dir,
        &[
            "req",
            "-x509",
            "-newkey",
            "rsa:2048",
            "-nodes",
            "-days",
            "2",
            "-subj",
            "/CN=lka-test-ca",
            "-keyout",
            "ca.key",
            "-out",
            "ca.pem",
        ],
    );
    openssl(
        dir,
        &[
            "req",
            "-newkey",
            "rsa:2048",
            "-nodes",
            "-subj",
            "/CN=localhost",
            "-keyout",
            "server.key",
            "-out",
            "server.csr",
        ],
    );
    openssl(
        dir,
        &[
            "x509",
            "-req",
            "-in",
            "server.csr",
            "-CA",
            "ca.pem",
            "-CAkey",
            "ca.key",
            "-CAcreateserial",
            "-days",
            "2",
            "-extfile",
            "server.ext",
            "-out",
            "server.pem",
        ],
    );
    TestCertificates {
        ca: dir.join("ca.pem"),
        cert: dir.join("server.pem"),
        key: dir.join("server.key"),
    }
}

/// A TLS-only NATS server of the test's own, its certificates and its URL, in a directory
/// removed when dropped.
struct TlsSetup {
    dir: tempfile::TempDir,
    certificates: TestCertificates,
    server: StandaloneNats,
    urls: String,
}

/// Starts the server when the NATS tests run here (`None` otherwise, as every NATS test).
fn tls_setup() -> Option<TlsSetup> {
    nats_urls()?;
    let dir = tempfile::tempdir().expect("temp dir");
    let certificates = certificates(dir.path());
    let (cert, key) = (
        certificates.cert.display().to_string(),
        certificates.key.display().to_string(),
    );
    let server =
        StandaloneNats::start(dir.path(), &["--tls", "--tlscert", &cert, "--tlskey", &key]);
    let urls = format!("tls://127.0.0.1:{}", server.port);
    Some(TlsSetup {
        dir,
        certificates,
        server,
        urls,
    })
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn nats_over_tls_with_the_authority_stores_every_record_once() {
    let Some(setup) = tls_setup() else {
        return;
    };
    let buffer = buffer_yaml(
        &setup.urls,
        "LKA_TLS",
        &format!("tls: {{ ca_file: '{}' }}", setup.certificates.ca.display()),
    );
    let db = setup.dir.path().join("analytics.db");
    let port = FaultService::port();
    let service_dir = setup.dir.path().join("service");
    std::fs::create_dir_all(&service_dir).expect("service dir");
    let service = FaultService::start(
        &service_dir,
        port,
        &config(port, &sqlite_sink(&db), &buffer),
    )
    .await;
    let calls = Arc::new(Workload::new("nats-tls").calls(0, 500, 50));
    let outcome = send_all(StreamClient::new(port), calls.clone(), 2, Arc::default()).await;
    assert!(
        outcome.failed.is_empty(),
        "every call acknowledged over TLS: {:?}; log:\n{}",
        outcome.failed.first(),
        service.log()
    );
    assert_sqlite_holds_exactly(&db, &IdSet::of_calls(calls.iter())).await;
    drop(service);
    drop(setup.server);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn nats_over_tls_without_the_authority_stops_the_start_with_a_clear_error() {
    let Some(setup) = tls_setup() else {
        return;
    };
    let buffer = buffer_yaml(&setup.urls, "LKA_TLS_UNTRUSTED", "");
    let sinks = sqlite_sink(&setup.dir.path().join("analytics.db"));
    let (success, stderr) = run_until_exit(setup.dir.path(), &config(free_port(), &sinks, &buffer));
    assert!(
        !success,
        "exit 1 when the server's certificate is not trusted"
    );
    assert!(
        stderr.contains("buffer.nats: the TLS handshake")
            && stderr.contains("UnknownIssuer")
            && stderr.contains("tls.ca_file"),
        "a clear error about the server's certificate: {stderr}"
    );
    drop(setup.server);
}
