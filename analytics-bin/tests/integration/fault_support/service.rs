//! The real `livekit-analytics` binary of a fault test: started from a config file in the
//! test's folder, killed with SIGKILL or stopped with SIGTERM, restarted on the same
//! folder (and disk buffer), watched through `/metrics` and `/proc/<pid>/status`.

use std::{
    path::{Path, PathBuf},
    process::{Child, Command, ExitStatus},
    time::{Duration, Instant},
};

use crate::support::{free_port, API_KEY, API_SECRET};

use super::stores::Stores;

pub struct FaultService {
    child: Option<Child>,
    pub port: u16,
    config_path: PathBuf,
    log_path: PathBuf,
    http: reqwest::Client,
}

/// A whole config: the test key, the four sinks of `stores`, and `analytics_extra` (lines
/// under `openvidu.analytics`, indented by 4 spaces).
pub fn config_yaml(port: u16, stores: &Stores, analytics_extra: &str) -> String {
    format!(
        "keys:\n  {API_KEY}: {API_SECRET}\nopenvidu:\n  analytics:\n    enabled: true\n    listen: 127.0.0.1:{port}\n{}{analytics_extra}",
        stores.sinks_yaml()
    )
}

impl FaultService {
    /// A free port for the service's config.
    pub fn port() -> u16 {
        free_port()
    }

    /// Writes `config` to `dir/config.yaml` and starts the binary, waiting until every sink
    /// is ready. Its log goes (appended, across restarts) to `dir/service.log`.
    pub async fn start(dir: &Path, port: u16, config: &str) -> FaultService {
        let config_path = dir.join("config.yaml");
        std::fs::write(&config_path, config).expect("config written");
        let mut service = FaultService {
            child: None,
            port,
            config_path,
            log_path: dir.join("service.log"),
            http: reqwest::Client::new(),
        };
        service.spawn().await;
        service
    }

    /// Starts the binary again with the same config (after a kill or a stop).
    pub async fn restart(&mut self) {
        assert!(self.child.is_none(), "the service is still running");
        self.spawn().await;
    }

    async fn spawn(&mut self) {
        let log = std::fs::OpenOptions::new()
            .create(true)
            .append(true)
            .open(&self.log_path)
            .expect("log file");
        let child = Command::new(env!("CARGO_BIN_EXE_livekit-analytics"))
            .arg("--config")
            .arg(&self.config_path)
            .env("RUST_LOG", "info")
            .stdout(log.try_clone().expect("log handle"))
            .stderr(log)
            .spawn()
            .expect("livekit-analytics starts");
        self.child = Some(child);
        let deadline = Instant::now() + Duration::from_secs(60);
        loop {
            if let Ok(response) = self.http.get(self.url("/readyz")).send().await {
                if response.status().is_success() {
                    return;
                }
            }
            if let Some(status) = self
                .child
                .as_mut()
                .and_then(|child| child.try_wait().ok().flatten())
            {
                panic!(
                    "livekit-analytics exited ({status}) before being ready; log:\n{}",
                    self.log()
                );
            }
            assert!(
                Instant::now() < deadline,
                "livekit-analytics not ready in 60 s; log:\n{}",
                self.log()
            );
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
    }

    fn url(&self, path: &str) -> String {
        format!("http://127.0.0.1:{}{path}", self.port)
    }

    pub fn pid(&self) -> u32 {
        self.child.as_ref().expect("running").id()
    }

    /// SIGKILL: no chance to flush anything.
    pub fn kill9(&mut self) {
        let mut child = self.child.take().expect("running");
        child.kill().expect("SIGKILL sent");
        child.wait().expect("reaped");
    }

    /// Sends SIGTERM; returns the exit status and how long the exit took (panics after
    /// `limit`).
    pub async fn terminate(&mut self, limit: Duration) -> (ExitStatus, Duration) {
        let mut child = self.child.take().expect("running");
        let pid = nix::unistd::Pid::from_raw(child.id() as i32);
        let sent = Instant::now();
        nix::sys::signal::kill(pid, nix::sys::signal::Signal::SIGTERM).expect("SIGTERM sent");
        loop {
            if let Some(status) = child.try_wait().expect("wait") {
                return (status, sent.elapsed());
            }
            if sent.elapsed() > limit {
                let _ = child.kill();
                let _ = child.wait();
                panic!(
                    "livekit-analytics still running {limit:?} after SIGTERM; log:\n{}",
                    self.log()
                );
            }
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
    }

    /// The `/metrics` text.
    pub async fn metrics(&self) -> String {
        let response = self
            .http
            .get(self.url("/metrics"))
            .send()
            .await
            .expect("metrics answer");
        response.text().await.expect("metrics text")
    }

    /// Resident memory of the process in bytes (`VmRSS`).
    pub fn rss_bytes(&self) -> u64 {
        rss_of(self.pid()).expect("VmRSS in /proc status")
    }

    /// The service's log so far (every run).
    pub fn log(&self) -> String {
        std::fs::read_to_string(&self.log_path).unwrap_or_default()
    }
}

impl Drop for FaultService {
    fn drop(&mut self) {
        if let Some(mut child) = self.child.take() {
            let _ = child.kill();
            let _ = child.wait();
        }
    }
}

/// The sum of the samples of `metric` whose labels include every `label="value"` given.
pub fn metric(text: &str, metric: &str, labels: &[(&str, &str)]) -> f64 {
    text.lines()
        .filter(|line| {
            line.strip_prefix(metric)
                .is_some_and(|rest| rest.starts_with('{') || rest.starts_with(' '))
        })
        .filter(|line| {
            labels
                .iter()
                .all(|(name, value)| line.contains(&format!("{name}=\"{value}\"")))
        })
        .filter_map(|line| line.rsplit(' ').next()?.parse::<f64>().ok())
        .sum()
}

/// Resident memory of process `pid` in bytes (`VmRSS` of `/proc/<pid>/status`).
pub fn rss_of(pid: u32) -> Option<u64> {
    let status = std::fs::read_to_string(format!("/proc/{pid}/status")).ok()?;
    status
        .lines()
        .find_map(|line| line.strip_prefix("VmRSS:"))
        .and_then(|value| {
            value
                .trim()
                .trim_end_matches("kB")
                .trim()
                .parse::<u64>()
                .ok()
        })
        .map(|kib| kib * 1024)
}
