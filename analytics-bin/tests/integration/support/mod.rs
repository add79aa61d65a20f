//! Test harness shared by the integration tests: runs the real `livekit-analytics` binary
//! on a free loopback port with a SQLite sink in a temporary folder, plays LiveKit's part
//! (signed webhooks) and reads back what was stored.

pub mod lifecycle;
pub mod stream;

use std::{
    net::TcpListener,
    path::PathBuf,
    process::{Child, Command, ExitStatus, Stdio},
    time::{Duration, Instant},
};

use base64::Engine;
use livekit_api::access_token::AccessToken;
use livekit_protocol::WebhookEvent;
use sha2::{Digest, Sha256};
use sqlx::{sqlite::SqliteConnectOptions, ConnectOptions, Connection, SqliteConnection};

pub const API_KEY: &str = "testkey";
pub const API_SECRET: &str = "test-secret-that-is-long-enough-for-hs256";

/// A running `livekit-analytics` process.
pub struct TestService {
    child: Option<Child>,
    pub port: u16,
    pub dir: tempfile::TempDir,
    pub db_path: PathBuf,
    pub base_url: String,
    pub http: reqwest::Client,
}

/// A free loopback port (bound then released).
pub fn free_port() -> u16 {
    TcpListener::bind("127.0.0.1:0")
        .and_then(|listener| listener.local_addr())
        .map(|address| address.port())
        .expect("a free loopback port")
}

impl TestService {
    /// Starts the binary with a SQLite sink, the test key, interval 200ms, and `extra` YAML
    /// lines appended under `openvidu.analytics` (indented by the caller with 4 spaces).
    pub async fn start(extra: &str) -> TestService {
        TestService::start_with_interval("200ms", extra).await
    }

    /// [`TestService::start`] with another write interval.
    pub async fn start_with_interval(interval: &str, extra: &str) -> TestService {
        let dir = tempfile::tempdir().expect("temp dir");
        let db_path = dir.path().join("analytics.db");
        let port = free_port();
        let config = format!(
            "port: 7880\nkeys:\n  {API_KEY}: {API_SECRET}\nopenvidu:\n  analytics:\n    enabled: true\n    interval: {interval}\n    listen: 127.0.0.1:{port}\n    sinks:\n      sqlite: {{ path: {} }}\n{extra}",
            db_path.display()
        );
        TestService::start_with_config(dir, db_path, port, &config).await
    }

    /// Starts the binary with a whole config file text.
    pub async fn start_with_config(
        dir: tempfile::TempDir,
        db_path: PathBuf,
        port: u16,
        config: &str,
    ) -> TestService {
        let config_path = dir.path().join("config.yaml");
        std::fs::write(&config_path, config).expect("config written");
        let log = std::fs::File::create(dir.path().join("service.log")).expect("log file");
        let child = Command::new(env!("CARGO_BIN_EXE_livekit-analytics"))
            .arg("--config")
            .arg(&config_path)
            .env("RUST_LOG", "info")
            .stdout(Stdio::null())
            .stderr(log)
            .spawn()
            .expect("livekit-analytics starts");
        TestService::adopt(child, dir, db_path, port).await
    }

    /// A binary the test started itself (its log at `dir/service.log`), once it is ready.
    pub async fn adopt(
        child: Child,
        dir: tempfile::TempDir,
        db_path: PathBuf,
        port: u16,
    ) -> TestService {
        let service = TestService {
            child: Some(child),
            port,
            dir,
            db_path,
            base_url: format!("http://127.0.0.1:{port}"),
            http: reqwest::Client::new(),
        };
        service.wait_until_ready().await;
        service
    }

    async fn wait_until_ready(&self) {
        let deadline = Instant::now() + Duration::from_secs(30);
        while Instant::now() < deadline {
            if let Ok(response) = self
                .http
                .get(format!("{}/readyz", self.base_url))
                .send()
                .await
            {
                if response.status().is_success() {
                    return;
                }
            }
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
        panic!("livekit-analytics not ready in 30 s; log:\n{}", self.log());
    }

    /// The process id of the running binary (to read its /proc entries).
    pub fn pid(&self) -> u32 {
        self.child.as_ref().expect("running").id()
    }

    /// The service's log so far.
    pub fn log(&self) -> String {
        std::fs::read_to_string(self.dir.path().join("service.log")).unwrap_or_default()
    }

    /// Posts a webhook exactly as LiveKit does: protojson body, raw JWT with the body's
    /// SHA-256 in `Authorization`, `application/webhook+json`.
    pub async fn post_webhook(&self, event: &WebhookEvent) -> reqwest::Response {
        let body = serde_json::to_string(event).expect("webhook JSON");
        let token = sign_webhook(&body, API_KEY, API_SECRET);
        self.post_raw_webhook(body, Some(token)).await
    }

    /// Posts a webhook body with the given `Authorization` value (or none).
    pub async fn post_raw_webhook(
        &self,
        body: String,
        authorization: Option<String>,
    ) -> reqwest::Response {
        let mut request = self
            .http
            .post(format!("{}/webhook", self.base_url))
            .header("Content-Type", "application/webhook+json")
            .header("User-Agent", "LiveKit")
            .body(body);
        if let Some(authorization) = authorization {
            request = request.header("Authorization", authorization);
        }
        request.send().await.expect("request sent")
    }

    /// The text of `GET path`.
    pub async fn get_text(&self, path: &str) -> (u16, String) {
        let response = self
            .http
            .get(format!("{}{path}", self.base_url))
            .send()
            .await
            .expect("request sent");
        let status = response.status().as_u16();
        (status, response.text().await.unwrap_or_default())
    }

    /// A read-only connection to the service's SQLite file.
    pub async fn db(&self) -> SqliteConnection {
        TestService::open_sqlite(&self.db_path).await
    }

    /// A read-only connection to a SQLite file.
    pub async fn open_sqlite(path: &std::path::Path) -> SqliteConnection {
        SqliteConnectOptions::new()
            .filename(path)
            .read_only(true)
            .connect()
            .await
            .expect("SQLite file opens")
    }

    /// Waits until `sql` (a `SELECT COUNT(*)`) returns `expected`, or panics after 15 s.
    pub async fn wait_for_count(&self, sql: &'static str, expected: i64) {
        let deadline = Instant::now() + Duration::from_secs(15);
        let mut last = -1;
        while Instant::now() < deadline {
            if self.db_path.exists() {
                let mut db = self.db().await;
                last = sqlx::query_scalar(sql)
                    .fetch_one(&mut db)
                    .await
                    .unwrap_or(-1);
                let _ = db.close().await;
                if last == expected {
                    return;
                }
            }
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
        panic!(
            "`{sql}` returned {last}, expected {expected}; log:\n{}",
            self.log()
        );
    }

    /// Sends SIGTERM and waits for the exit.
    pub fn terminate(&mut self) -> ExitStatus {
        let mut child = self.child.take().expect("running");
        let pid = nix::unistd::Pid::from_raw(child.id() as i32);
        nix::sys::signal::kill(pid, nix::sys::signal::Signal::SIGTERM).expect("signal sent");
        child.wait().expect("exit status")
    }
}

impl Drop for TestService {
    fn drop(&mut self) {
        if let Some(mut child) = self.child.take() {
            let _ = child.kill();
            let _ = child.wait();
        }
    }
}

/// The `Authorization` value LiveKit puts on a webhook: an HS256 JWT signed with the API
/// secret (`iss` = key, `nbf` = now, `exp` = now + 5 min), carrying the base64 SHA-256 of
/// the body. Signed here by hand, independently of the `livekit-api` code that verifies it.
pub fn sign_webhook(body: &str, key: &str, secret: &str) -> String {
    let now = unix_now();
    let hash = base64::engine::general_purpose::STANDARD.encode(Sha256::digest(body.as_bytes()));
    hs256_jwt(
        &serde_json::json!({ "iss": key, "nbf": now, "exp": now + 300, "sha256": hash }),
        secret,
    )
}

/// A webhook token that expired ten minutes ago (past any clock leeway).
pub fn expired_webhook_token(body: &str, key: &str, secret: &str) -> String {
    let now = unix_now();
    let hash = base64::engine::general_purpose::STANDARD.encode(Sha256::digest(body.as_bytes()));
    hs256_jwt(
        &serde_json::json!({ "iss": key, "nbf": now - 1200, "exp": now - 600, "sha256": hash }),
        secret,
    )
}

/// An unsigned (`alg: none`) token with a valid body hash.
pub fn unsigned_webhook_token(body: &str, key: &str) -> String {
    let now = unix_now();
    let hash = base64::engine::general_purpose::STANDARD.encode(Sha256::digest(body.as_bytes()));
    let url = base64::engine::general_purpose::URL_SAFE_NO_PAD;
    let header = url.encode(br#"{"alg":"none","typ":"JWT"}"#);
    let claims = url.encode(
        serde_json::json!({ "iss": key, "nbf": now, "exp": now + 300, "sha256": hash }).to_string(),
    );
    format!("{header}.{claims}.")
}

/// An HS256 JWT of `claims`.
pub fn hs256_jwt(claims: &serde_json::Value, secret: &str) -> String {
    use hmac::{Hmac, Mac};
    let url = base64::engine::general_purpose::URL_SAFE_NO_PAD;
    let header = url.encode(br#"{"alg":"HS256","typ":"JWT"}"#);
    let payload = url.encode(claims.to_string());
    let signing_input = format!("{header}.{payload}");
    let mut mac = Hmac::<Sha256>::new_from_slice(secret.as_bytes()).expect("any key length");
    mac.update(signing_input.as_bytes());
    format!(
        "{signing_input}.{}",
        url.encode(mac.finalize().into_bytes())
    )
}

fn unix_now() -> u64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_secs())
        .unwrap_or_default()
}

/// A bearer access token for the JSON API and gRPC: a server credential, `roomAdmin` for
/// every room, as server analytics need.
pub fn access_token(key: &str, secret: &str) -> String {
    AccessToken::with_api_key(key, secret)
        .with_identity("analytics-client")
        .with_grants(livekit_api::access_token::VideoGrants {
            room_admin: true,
            ..Default::default()
        })
        .to_jwt()
        .expect("token signed")
}
