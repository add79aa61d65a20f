//! Secrets in sink URLs — a password in a PostgreSQL URL's query string, a Redis URL's
//! userinfo password and query token — never reach the log of the real binary, however
//! often a sink that cannot connect retries, nor `check-config`'s output.

use std::{
    fs,
    net::TcpListener,
    path::Path,
    process::{Command, Stdio},
    time::{Duration, Instant},
};

const PG_PASSWORD: &str = "pg-query-password-6f1c2b";
const PG_SSL_PASSWORD: &str = "pg-sslpassword-91ad0e";
const REDIS_PASSWORD: &str = "redis-userinfo-password-4e7d";
const REDIS_TOKEN: &str = "redis-query-token-c03a5b";
const API_SECRET: &str = "api-secret-value-77e2";
const SECRETS: [&str; 5] = [
    PG_PASSWORD,
    PG_SSL_PASSWORD,
    REDIS_PASSWORD,
    REDIS_TOKEN,
    API_SECRET,
];

/// A loopback port nothing listens on: connections to it are refused at once.
fn refusing_port() -> u16 {
    TcpListener::bind("127.0.0.1:0")
        .and_then(|listener| listener.local_addr())
        .map(|address| address.port())
        .expect("a free loopback port")
}

fn config(listen: u16) -> String {
    let (postgres, redis) = (refusing_port(), refusing_port());
    format!(
        "keys:\n  devkey: {API_SECRET}\nopenvidu:\n  analytics:\n    enabled: true\n    \
         listen: 127.0.0.1:{listen}\n    max_retry_backoff: 300ms\n    sinks:\n      pg:\n        \
         type: postgres\n        url: 'postgres://127.0.0.1:{postgres}/analytics?user=lka&password={PG_PASSWORD}&sslpassword={PG_SSL_PASSWORD}&sslmode=disable'\n        \
         connect_timeout: 1s\n      cache:\n        type: redis\n        \
         url: 'redis://lka:{REDIS_PASSWORD}@127.0.0.1:{redis}/0?token={REDIS_TOKEN}'\n"
    )
}

fn assert_no_secret(text: &str, what: &str) {
    for secret in SECRETS {
        assert!(!text.contains(secret), "{secret} leaked in {what}:\n{text}");
    }
}

/// Runs the service until its log holds at least `retries` "will retry" warnings of each
/// sink (or 60 s pass), then stops it; returns the whole log.
fn log_of_failing_sinks(dir: &Path, format: Option<&str>, retries: usize) -> String {
    let config_path = dir.join("config.yaml");
    fs::write(&config_path, config(refusing_port())).expect("config written");
    let log_path = dir.join("service.log");
    let log = fs::File::create(&log_path).expect("log file");
    let mut command = Command::new(env!("CARGO_BIN_EXE_livekit-analytics"));
    command
        .arg("--config")
        .arg(&config_path)
        .env("RUST_LOG", "debug")
        .env_remove("LIVEKIT_CONFIG")
        .stdout(log.try_clone().expect("log handle"))
        .stderr(log)
        .stdin(Stdio::null());
    match format {
        Some(format) => command.env("LKA_LOG_FORMAT", format),
        None => command.env_remove("LKA_LOG_FORMAT"),
    };
    let mut child = command.spawn().expect("livekit-analytics starts");
    let deadline = Instant::now() + Duration::from_secs(60);
    let enough = |text: &str| {
        ["pg", "cache"].iter().all(|sink| {
            text.lines()
                .filter(|line| line.contains("WARN") || line.contains("\"WARN\""))
                .filter(|line| line.contains("will retry") && line.contains(sink))
                .count()
                >= retries
        })
    };
    loop {
        let text = fs::read_to_string(&log_path).unwrap_or_default();
        if enough(&text) {
            break;
        }
        if let Ok(Some(status)) = child.try_wait() {
            panic!("livekit-analytics exited ({status}); log:\n{text}");
        }
        if Instant::now() > deadline {
            let _ = child.kill();
            panic!("fewer than {retries} retry warnings per sink in 60 s; log:\n{text}");
        }
        std::thread::sleep(Duration::from_millis(100));
    }
    child.kill().expect("stopped");
    child.wait().expect("reaped");
    fs::read_to_string(&log_path).expect("log read")
}

#[test]
fn secrets_in_sink_urls_never_reach_the_log_of_retrying_sinks() {
    for format in [None, Some("json")] {
        let dir = tempfile::tempdir().expect("temp dir");
        let log = log_of_failing_sinks(dir.path(), format, 3);
        assert_no_secret(&log, &format!("the {format:?} log"));
        assert!(
            log.contains("password=***") || log.contains("lka:***@"),
            "the masked URL is what the log shows:\n{log}"
        );
    }
}

#[test]
fn check_config_masks_every_secret_of_every_sink_url() {
    let output = Command::new(env!("CARGO_BIN_EXE_livekit-analytics"))
        .args(["check-config", "--config-body", &config(refusing_port())])
        .env_remove("LIVEKIT_CONFIG")
        .output()
        .expect("livekit-analytics runs");
    let printed = format!(
        "{}{}",
        String::from_utf8_lossy(&output.stdout),
        String::from_utf8_lossy(&output.stderr)
    );
    assert!(output.status.success(), "{printed}");
    assert_no_secret(&printed, "check-config");
    assert!(
        printed.contains("user=lka&password=***&sslpassword=***&sslmode=disable"),
        "{printed}"
    );
    assert!(printed.contains("redis://lka:***@"), "{printed}");
    assert!(printed.contains("?token=***"), "{printed}");
}
