//! A single JetStream server of a test's own (loopback, a free port, a temporary folder),
//! started with the options a test needs (credentials, TLS), stopped when dropped.

use std::{
    path::Path,
    process::{Child, Command, Stdio},
    time::{Duration, Instant},
};

use crate::support::free_port;

use super::nats_server_bin;

pub struct StandaloneNats {
    pub port: u16,
    child: Child,
}

impl StandaloneNats {
    /// Starts nats-server with JetStream stored under `dir` and `extra` options, and waits
    /// until its port accepts connections.
    pub fn start(dir: &Path, extra: &[&str]) -> StandaloneNats {
        let port = free_port();
        let child = Command::new(nats_server_bin())
            .args(["-a", "127.0.0.1", "-p", &port.to_string(), "-js", "-sd"])
            .arg(dir.join("js"))
            .args(extra)
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .expect("nats-server starts");
        let deadline = Instant::now() + Duration::from_secs(20);
        while std::net::TcpStream::connect(("127.0.0.1", port)).is_err() {
            assert!(Instant::now() < deadline, "nats-server not up in 20 s");
            std::thread::sleep(Duration::from_millis(50));
        }
        StandaloneNats { port, child }
    }
}

impl Drop for StandaloneNats {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}
