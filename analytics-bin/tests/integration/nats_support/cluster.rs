//! A three-node JetStream cluster of a test's own (loopback, free ports, a temporary
//! folder), so that a test may stop and restart a node without disturbing the shared one.

use std::{
    path::PathBuf,
    process::{Child, Command, Stdio},
    time::{Duration, Instant},
};

use crate::support::free_port;

use super::nats_server_bin;

struct Node {
    config: PathBuf,
    log: PathBuf,
    client_port: u16,
    monitor_port: u16,
    child: Option<Child>,
}

pub struct NatsCluster {
    _dir: tempfile::TempDir,
    nodes: Vec<Node>,
}

impl NatsCluster {
    /// Starts three nodes and waits until every one is healthy.
    pub async fn start() -> NatsCluster {
        let dir = tempfile::tempdir().expect("temp dir");
        let ports: Vec<(u16, u16, u16)> = (0..3)
            .map(|_| (free_port(), free_port(), free_port()))
            .collect();
        let routes: Vec<String> = ports
            .iter()
            .map(|(_, cluster, _)| format!("nats-route://127.0.0.1:{cluster}"))
            .collect();
        let mut nodes = Vec::new();
        for (index, (client, cluster, monitor)) in ports.iter().enumerate() {
            let store = dir.path().join(format!("n{index}"));
            let config = dir.path().join(format!("n{index}.conf"));
            std::fs::write(
                &config,
                format!(
                    "server_name: n{index}\nlisten: 127.0.0.1:{client}\nhttp: 127.0.0.1:{monitor}\njetstream {{ store_dir: \"{}\", max_memory_store: 64MB, max_file_store: 1GB }}\ncluster {{ name: lka-own, listen: 127.0.0.1:{cluster}, routes: [{}] }}\n",
                    store.display(),
                    routes.join(", ")
                ),
            )
            .expect("node config");
            nodes.push(Node {
                config,
                log: dir.path().join(format!("n{index}.log")),
                client_port: *client,
                monitor_port: *monitor,
                child: None,
            });
        }
        let mut cluster = NatsCluster { _dir: dir, nodes };
        for index in 0..3 {
            cluster.spawn(index);
        }
        for index in 0..3 {
            cluster.wait_healthy(index).await;
        }
        cluster
    }

    /// The client URLs, comma-separated.
    pub fn urls(&self) -> String {
        self.nodes
            .iter()
            .map(|node| format!("nats://127.0.0.1:{}", node.client_port))
            .collect::<Vec<_>>()
            .join(",")
    }

    fn spawn(&mut self, index: usize) {
        let node = &mut self.nodes[index];
        let child = Command::new(nats_server_bin())
            .arg("-c")
            .arg(&node.config)
            .arg("-l")
            .arg(&node.log)
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .expect("nats-server starts");
        node.child = Some(child);
    }

    async fn wait_healthy(&self, index: usize) {
        let node = &self.nodes[index];
        let url = format!("http://127.0.0.1:{}/healthz", node.monitor_port);
        let deadline = Instant::now() + Duration::from_secs(60);
        let http = reqwest::Client::new();
        loop {
            if let Ok(response) = http.get(&url).send().await {
                if response.status().is_success() {
                    return;
                }
            }
            assert!(
                Instant::now() < deadline,
                "NATS node {index} not healthy in 60 s; log:\n{}",
                std::fs::read_to_string(&node.log).unwrap_or_default()
            );
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
    }

    /// SIGKILL to node `index`: it vanishes from the cluster at once.
    pub fn kill_node(&mut self, index: usize) {
        if let Some(mut child) = self.nodes[index].child.take() {
            let _ = child.kill();
            let _ = child.wait();
        }
    }

    /// Starts node `index` again on its data and waits until it is healthy.
    pub async fn restart_node(&mut self, index: usize) {
        assert!(self.nodes[index].child.is_none(), "node {index} still runs");
        self.spawn(index);
        self.wait_healthy(index).await;
    }
}

impl Drop for NatsCluster {
    fn drop(&mut self) {
        for index in 0..self.nodes.len() {
            self.kill_node(index);
        }
    }
}
