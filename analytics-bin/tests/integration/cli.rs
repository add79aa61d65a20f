//! The command line: `check-config` validates and masks, `enabled: false` exits at once,
//! and configuration errors are clear and fail.

use std::process::{Command, Output};

fn livekit_analytics(args: &[&str], env_config: Option<&str>) -> Output {
    let mut command = Command::new(env!("CARGO_BIN_EXE_livekit-analytics"));
    command.args(args).env_remove("LIVEKIT_CONFIG");
    if let Some(config) = env_config {
        command.env("LIVEKIT_CONFIG", config);
    }
    command.output().expect("livekit-analytics runs")
}

fn text(output: &Output) -> String {
    format!(
        "{}{}",
        String::from_utf8_lossy(&output.stdout),
        String::from_utf8_lossy(&output.stderr)
    )
}

const CONFIG: &str = "keys: {prodkey: very-secret-value}\nopenvidu:\n  analytics:\n    enabled: true\n    sinks:\n      sqlite: {path: /tmp/x.db}\n";

#[test]
fn check_config_prints_the_effective_config_with_secrets_masked() {
    let output = livekit_analytics(&["check-config", "--config-body", CONFIG], None);
    let printed = text(&output);
    assert!(output.status.success(), "{printed}");
    assert!(!printed.contains("very-secret-value"), "{printed}");
    assert!(printed.contains("prodkey"), "{printed}");
    assert!(
        printed.contains("# sinks compiled in:") && printed.contains("sqlite"),
        "{printed}"
    );
    assert!(
        printed.contains(
            "# sinks configured: sqlite (sqlite, batch_size 10000, up to 50000 a write under a backlog)"
        ),
        "{printed}"
    );
}

#[test]
fn the_config_can_come_from_livekit_config() {
    let output = livekit_analytics(&["check-config"], Some(CONFIG));
    assert!(output.status.success(), "{}", text(&output));
}

#[test]
fn the_repository_config_yaml_is_valid() {
    let path = concat!(env!("CARGO_MANIFEST_DIR"), "/../config.yaml");
    let output = livekit_analytics(&["check-config", "--config", path], None);
    assert!(output.status.success(), "{}", text(&output));
}

#[test]
fn an_unknown_key_fails_with_its_name() {
    let output = livekit_analytics(
        &[
            "check-config",
            "--config-body",
            "openvidu: {analytics: {enabled: true, flush_every: 1s}}",
        ],
        None,
    );
    assert_eq!(output.status.code(), Some(1));
    assert!(text(&output).contains("flush_every"), "{}", text(&output));
}

#[test]
fn no_config_at_all_says_how_to_give_one() {
    let output = livekit_analytics(&["check-config"], None);
    assert_eq!(output.status.code(), Some(1));
    assert!(text(&output).contains("--dev"), "{}", text(&output));
}

#[test]
fn a_sink_type_not_compiled_in_names_the_feature() {
    let output = livekit_analytics(
        &[
            "check-config",
            "--config-body",
            "openvidu: {analytics: {sinks: {x: {type: cassandra}}}}",
        ],
        None,
    );
    assert_eq!(output.status.code(), Some(1));
    assert!(
        text(&output).contains("--features cassandra"),
        "{}",
        text(&output)
    );
}

#[test]
fn disabled_analytics_exit_at_once_with_one_line() {
    let output = livekit_analytics(
        &[
            "--config-body",
            "keys: {k: s}\nopenvidu: {analytics: {enabled: false}}",
        ],
        None,
    );
    assert!(output.status.success(), "{}", text(&output));
    assert_eq!(String::from_utf8_lossy(&output.stdout).lines().count(), 1);
    assert!(text(&output).contains("enabled is false"));
}

#[test]
fn dev_mode_needs_no_config() {
    let output = livekit_analytics(&["--dev", "check-config"], None);
    let printed = text(&output);
    assert!(output.status.success(), "{printed}");
    assert!(
        printed.contains("127.0.0.1:7890") && printed.contains("interval: 1s"),
        "{printed}"
    );
    assert!(
        !printed.contains("secret\n"),
        "the dev secret is masked too: {printed}"
    );
}

#[test]
fn check_config_answers_for_every_sink_without_a_database() {
    // Nothing listens on port 9 of the loopback: check-config must not need to connect.
    let config = "keys: {prodkey: very-secret-value}\nopenvidu:\n  analytics:\n    enabled: true\n    sinks:\n      \
        pg: {type: postgres, url: 'postgres://lka:pg-pass-1@127.0.0.1:9/db?password=pg-pass-2'}\n      \
        cache: {type: redis, url: 'redis://:redis-pass-3@127.0.0.1:9/0'}\n      \
        docs: {type: mongo, url: 'mongodb://lka:mongo-pass-4@127.0.0.1:9/?authSource=admin'}\n      \
        local: {type: sqlite, path: /tmp/never-opened-by-check-config.db}\n";
    let output = livekit_analytics(&["check-config", "--config-body", config], None);
    let printed = text(&output);
    assert_eq!(output.status.code(), Some(0), "{printed}");
    for secret in [
        "very-secret-value",
        "pg-pass-1",
        "pg-pass-2",
        "redis-pass-3",
        "mongo-pass-4",
    ] {
        assert!(!printed.contains(secret), "{secret} leaked: {printed}");
    }
    for sink in [
        "pg (postgres",
        "cache (redis",
        "docs (mongo",
        "local (sqlite",
    ] {
        assert!(printed.contains(sink), "{sink} missing: {printed}");
    }
    assert!(printed.contains("# configuration is valid"), "{printed}");
}

#[test]
fn dev_mode_listens_where_listen_says() {
    let output = livekit_analytics(
        &["--dev", "--listen", "127.0.0.1:7999", "check-config"],
        None,
    );
    let printed = text(&output);
    assert!(output.status.success(), "{printed}");
    assert!(printed.contains("listen: 127.0.0.1:7999"), "{printed}");
}

#[test]
fn dev_mode_refuses_a_config_instead_of_ignoring_it() {
    let output = livekit_analytics(&["--dev", "--config-body", CONFIG, "check-config"], None);
    assert!(!output.status.success());
    assert!(
        text(&output).contains("cannot be used with"),
        "{}",
        text(&output)
    );
}
