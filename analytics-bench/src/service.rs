//! A `livekit-analytics` process built in release mode, run with one sink on a free
//! loopback port: its configuration, readiness, metrics, memory (VmHWM / VmRSS from
//! `/proc/<pid>/status`) and CPU time (`/proc/<pid>/stat`).

use std::{
    net::TcpListener,
    path::{Path, PathBuf},
    process::{Child, Command, Stdio},
    time::{Duration, Instant},
};

/// `openvidu.analytics.interval` of the write benchmark: records wait at most this long.
const INTERVAL: &str = "100ms";

/// The API key the bench authenticates with.
pub const API_KEY: &str = "benchkey";
/// Its secret.
pub const API_SECRET: &str = "bench-secret-that-is-long-enough-for-hs256";

/// Builds the release binary (unless told not to) and returns its path, next to the
/// bench's own executable (both are in `target/release`).
pub fn release_binary(build: bool) -> Result<PathBuf, String> {
    let own =
        std::env::current_exe().map_err(|error| format!("cannot find my own path: {error}"))?;
    let dir = own
        .parent()
        .ok_or("the bench executable has no folder")?
        .to_path_buf();
    if build {
        let cargo = std::env::var("CARGO").unwrap_or_else(|_| "cargo".into());
        eprintln!("building livekit-analytics in release mode ...");
        let status = Command::new(cargo)
            .args([
                "build",
                "--release",
                "-p",
                "analytics-bin",
                "--bin",
                "livekit-analytics",
            ])
            .status()
            .map_err(|error| format!("cannot run cargo build: {error}"))?;
        if !status.success() {
            return Err(format!(
                "cargo build --release -p analytics-bin failed: {status}"
            ));
        }
    }
    let binary = dir.join("livekit-analytics");
    if !binary.exists() {
        return Err(format!(
            "{} is missing: run `cargo build --release -p analytics-bin` (or drop --no-build)",
            binary.display()
        ));
    }
    if !dir.ends_with("release") {
        eprintln!("warning: {} is not a release build", binary.display());
    }
    Ok(binary)
}

/// How one of several processes of a run is set up.
pub struct Instance<'a> {
    /// Names its config and log files.
    pub name: &'a str,
    /// `openvidu.analytics.role`.
    pub role: &'a str,
    /// `buffer.nats` as a YAML flow mapping.
    pub nats: Option<&'a str>,
}

/// A running service.
pub struct Service {
    child: Child,
    pub url: String,
    http: reqwest::Client,
    log: PathBuf,
}

impl Service {
    /// Starts `binary` with one sink named `sink_name` whose settings (YAML flow mapping,
    /// `type` included) are `sink_settings`; `max_records` bounds its queue.
    pub async fn start(
        binary: &Path,
        dir: &Path,
        sink_name: &str,
        sink_settings: &str,
        max_records: usize,
    ) -> Result<Service, String> {
        let instance = Instance {
            name: sink_name,
            role: "all",
            nats: None,
        };
        Service::start_instance(
            binary,
            dir,
            &instance,
            sink_name,
            sink_settings,
            max_records,
        )
        .await
    }

    /// As [`Service::start`], with `openvidu.analytics.interval` set to `interval` (a
    /// duration such as `1s`), or left to the service's default when `None`.
    pub async fn start_with_interval(
        binary: &Path,
        dir: &Path,
        sink_name: &str,
        sink_settings: &str,
        max_records: usize,
        interval: Option<&str>,
    ) -> Result<Service, String> {
        let instance = Instance {
            name: sink_name,
            role: "all",
            nats: None,
        };
        let sink = (sink_name, sink_settings);
        Service::launch(binary, dir, &instance, sink, max_records, interval).await
    }

    /// As [`Service::start`], with its config and log named after `instance`, its role,
    /// and its NATS buffer (`buffer.nats`, a YAML flow mapping) when it has one.
    pub async fn start_instance(
        binary: &Path,
        dir: &Path,
        instance: &Instance<'_>,
        sink_name: &str,
        sink_settings: &str,
        max_records: usize,
    ) -> Result<Service, String> {
        let sink = (sink_name, sink_settings);
        Service::launch(binary, dir, instance, sink, max_records, Some(INTERVAL)).await
    }

    /// Writes the configuration of `instance` with `sink` (its name and settings) and
    /// `interval` (the service's default when `None`), starts the process and waits until
    /// it answers `/healthz`.
    async fn launch(
        binary: &Path,
        dir: &Path,
        instance: &Instance<'_>,
        (sink_name, sink_settings): (&str, &str),
        max_records: usize,
        interval: Option<&str>,
    ) -> Result<Service, String> {
        let interval = interval
            .map(|interval| format!("    interval: {interval}\n"))
            .unwrap_or_default();
        let nats = instance
            .nats
            .map(|nats| format!(", nats: {nats}"))
            .unwrap_or_default();
        let role = instance.role;
        let port = TcpListener::bind("127.0.0.1:0")
            .and_then(|listener| listener.local_addr())
            .map(|address| address.port())
            .map_err(|error| format!("no free loopback port: {error}"))?;
        let config = format!(
            "keys:\n  {API_KEY}: {API_SECRET}\nopenvidu:\n  analytics:\n    enabled: true\n{interval}    expiration: 1h\n    listen: 127.0.0.1:{port}\n    role: {role}\n    buffer: {{ max_records: {max_records}, max_bytes: 8589934592, when_full: block{nats} }}\n    sinks:\n      \"{sink_name}\": {sink_settings}\n"
        );
        let config_path = dir.join(format!("{}.yaml", instance.name));
        std::fs::write(&config_path, config)
            .map_err(|error| format!("cannot write the config: {error}"))?;
        let log = dir.join(format!("{}.log", instance.name));
        let log_file = std::fs::File::create(&log)
            .map_err(|error| format!("cannot create the log: {error}"))?;
        let child = Command::new(binary)
            .arg("--config")
            .arg(&config_path)
            .env("RUST_LOG", "warn")
            .stdout(Stdio::null())
            .stderr(log_file)
            .spawn()
            .map_err(|error| format!("cannot start {}: {error}", binary.display()))?;
        let service = Service {
            child,
            url: format!("http://127.0.0.1:{port}"),
            http: reqwest::Client::new(),
            log,
        };
        service.wait_until("/healthz").await?;
        Ok(service)
    }

    /// Waits (up to a minute) until `path` answers 200.
    pub async fn wait_until(&self, path: &str) -> Result<(), String> {
        let deadline = Instant::now() + Duration::from_secs(60);
        while Instant::now() < deadline {
            if let Ok(response) = self.http.get(format!("{}{path}", self.url)).send().await {
                if response.status().is_success() {
                    return Ok(());
                }
            }
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
        Err(format!(
            "livekit-analytics did not answer 200 on {path} within a minute; see {}",
            self.log.display()
        ))
    }

    /// The sum of a metric's samples over every label set.
    pub async fn metric_sum(&self, name: &str) -> Result<f64, String> {
        let text = self
            .http
            .get(format!("{}/metrics", self.url))
            .send()
            .await
            .and_then(|response| response.error_for_status())
            .map_err(|error| format!("GET /metrics: {error}"))?
            .text()
            .await
            .map_err(|error| format!("GET /metrics: {error}"))?;
        Ok(text
            .lines()
            .filter(|line| {
                line.strip_prefix(name)
                    .is_some_and(|rest| rest.starts_with('{') || rest.starts_with(' '))
            })
            .filter_map(|line| line.rsplit(' ').next()?.parse::<f64>().ok())
            .sum())
    }

    /// Peak resident memory so far (VmHWM), bytes.
    pub fn peak_rss(&self) -> Result<u64, String> {
        self.status_kib("VmHWM:").map(|kib| kib * 1024)
    }

    fn status_kib(&self, field: &str) -> Result<u64, String> {
        let path = format!("/proc/{}/status", self.child.id());
        let status = std::fs::read_to_string(&path).map_err(|error| format!("{path}: {error}"))?;
        status
            .lines()
            .find_map(|line| line.strip_prefix(field))
            .and_then(|rest| rest.trim().trim_end_matches("kB").trim().parse().ok())
            .ok_or_else(|| format!("{path} has no {field}"))
    }

    /// CPU time (user + system, every thread) the process has used so far.
    pub fn cpu_time(&self) -> Result<Duration, String> {
        crate::cpu::process_cpu(self.child.id())
    }

    /// Whether the process is still running.
    pub fn check_alive(&mut self) -> Result<(), String> {
        match self.child.try_wait() {
            Ok(None) => Ok(()),
            Ok(Some(status)) => Err(format!(
                "livekit-analytics exited ({status}); see {}",
                self.log.display()
            )),
            Err(error) => Err(format!("cannot watch livekit-analytics: {error}")),
        }
    }
}

impl Drop for Service {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}
