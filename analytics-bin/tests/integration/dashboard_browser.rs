//! The dashboard in a real browser: analytics-bin/tests/browser/dashboard_shell.mjs
//! (playwright-core driving Debian's Chromium headless) against the real binary, signed in
//! with an ordinary key and with a key named `<img src=x onerror=alert(1)>`. Screenshots go
//! to target/browser-screenshots/. Needs what scripts/browser.sh installs: missing in CI,
//! the test fails; elsewhere it is skipped with a message.

use std::{
    path::{Path, PathBuf},
    process::Stdio,
    time::Duration,
};

use crate::support::{free_port, TestService};

const KEY: &str = "browserkey";
const SECRET: &str = "browser-secret-that-is-long-enough-for-hs256";
const HOSTILE_KEY: &str = "<img src=x onerror=alert(1)>";
const HOSTILE_SECRET: &str = "hostile-secret-that-is-long-enough-for-hs256";

/// The node_modules folder holding playwright-core, when node, Chromium and it are all
/// there; panics in CI (env `CI`) when one is missing.
pub(crate) fn browser_tools() -> Option<String> {
    let node_path = std::env::var("LKA_TEST_BROWSER_NODE_PATH").unwrap_or_default();
    let missing = if node_path.is_empty() {
        Some("LKA_TEST_BROWSER_NODE_PATH is not set".to_owned())
    } else if !Path::new(&node_path).join("playwright-core").is_dir() {
        Some(format!("playwright-core is not installed in {node_path}"))
    } else if !Path::new("/usr/bin/chromium").exists() {
        Some("/usr/bin/chromium is missing".to_owned())
    } else if std::process::Command::new("node")
        .arg("--version")
        .output()
        .is_err()
    {
        Some("node is not on PATH".to_owned())
    } else {
        None
    };
    match missing {
        None => Some(node_path),
        Some(what) if std::env::var_os("CI").is_some() => panic!(
            "{what}: in CI the browser tests must run (scripts/test.sh sources scripts/browser.sh)"
        ),
        Some(what) => {
            eprintln!("SKIPPED: {what}. Run scripts/test.sh, or source scripts/browser.sh first.");
            None
        }
    }
}

pub(crate) fn manifest_dir() -> &'static Path {
    Path::new(env!("CARGO_MANIFEST_DIR"))
}

/// Where screenshots are kept as test artifacts.
pub(crate) fn screenshot_dir() -> PathBuf {
    manifest_dir().join("../target/browser-screenshots")
}

/// Runs tests/browser/`script` under node against `service` (its URL and the screenshot
/// folder as arguments, `env` besides the node path) within `minutes`; asserts that it
/// passed and returns what it printed.
pub(crate) async fn run_script(
    service: &TestService,
    script: &str,
    node_path: &str,
    env: &[(&str, &str)],
    minutes: u64,
) -> String {
    let run = tokio::process::Command::new("node")
        .arg(manifest_dir().join("tests/browser").join(script))
        .arg(&service.base_url)
        .arg(screenshot_dir())
        .env("LKA_TEST_BROWSER_NODE_PATH", node_path)
        .envs(env.iter().copied())
        .stdin(Stdio::null())
        .kill_on_drop(true)
        .output();
    let output = tokio::time::timeout(Duration::from_secs(minutes * 60), run)
        .await
        .unwrap_or_else(|elapsed| {
            panic!("the browser test ends within {minutes} minutes: {elapsed:?}")
        })
        .expect("node runs");
    let stdout = String::from_utf8_lossy(&output.stdout).into_owned();
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(
        output.status.success(),
        "browser test failed ({}):\n{stdout}\n{stderr}\nservice log:\n{}",
        output.status,
        service.log()
    );
    stdout
}

async fn start_service() -> TestService {
    let dir = tempfile::tempdir().expect("temp dir");
    let db_path = dir.path().join("analytics.db");
    let port = free_port();
    let config = format!(
        "keys:\n  {KEY}: {SECRET}\n  \"{HOSTILE_KEY}\": {HOSTILE_SECRET}\nopenvidu:\n  analytics:\n    enabled: true\n    interval: 200ms\n    listen: 127.0.0.1:{port}\n    sinks:\n      sqlite: {{ path: {} }}\n",
        db_path.display()
    );
    TestService::start_with_config(dir, db_path, port, &config).await
}

#[tokio::test]
async fn dashboard_shell_in_chromium_signs_in_navigates_and_renders_names_as_text() {
    let Some(node_path) = browser_tools() else {
        return;
    };
    let service = start_service().await;
    let stdout = run_script(
        &service,
        "dashboard_shell.mjs",
        &node_path,
        &[
            ("LKA_TEST_DASHBOARD_KEY", KEY),
            ("LKA_TEST_DASHBOARD_SECRET", SECRET),
            ("LKA_TEST_DASHBOARD_HOSTILE_KEY", HOSTILE_KEY),
            ("LKA_TEST_DASHBOARD_HOSTILE_SECRET", HOSTILE_SECRET),
        ],
        3,
    )
    .await;
    let passed = stdout
        .lines()
        .filter(|line| line.starts_with("ok "))
        .count();
    assert_eq!(passed, 9, "every case ran:\n{stdout}");
    for screenshot in [
        "sign-in",
        "sign-in-refused",
        "shell-overview",
        "signed-out",
        "hostile-name",
    ] {
        let path = screenshot_dir().join(format!("{screenshot}.png"));
        assert!(path.is_file(), "{} missing", path.display());
    }
    let log = service.log();
    assert!(
        !log.contains(SECRET) && !log.contains(HOSTILE_SECRET),
        "{log}"
    );
}
