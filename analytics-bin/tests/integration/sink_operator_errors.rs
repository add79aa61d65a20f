//! A PostgreSQL sink whose role may not INSERT: the service keeps the records, `/readyz`
//! names the sink under `problems`, `livekit_analytics_sink_operator_errors_total` counts
//! the refusals, and once the grant is given the records are written and the problem clears.

#![cfg(feature = "postgres")]

use std::{
    process::{Child, Command, Stdio},
    time::{Duration, Instant},
};

use analytics_core::{testkit::server_url, Sink};
use sink_postgres::{PostgresConfig, PostgresSink};
use sqlx::{AssertSqlSafe, PgPool};

use crate::{
    fault_support::service::metric,
    support::{free_port, lifecycle::room_webhook, sign_webhook, API_KEY, API_SECRET},
};

/// The sink's name in the configuration, `/readyz` and the metrics.
const SINK: &str = "pg_locked";

/// A schema set up by the test server's admin and a role that may read it but not write.
struct LockedSchema {
    admin: PgPool,
    schema: String,
    role: String,
    role_url: String,
}

impl LockedSchema {
    async fn new(admin_url: &str) -> LockedSchema {
        let tag = format!(
            "{}_{}",
            std::process::id(),
            std::time::SystemTime::now()
                .duration_since(std::time::UNIX_EPOCH)
                .unwrap_or_default()
                .as_nanos()
                % 1_000_000_000_000
        );
        let schema = format!("lka_operator_{tag}");
        let role = format!("lka_reader_{tag}");
        let config = PostgresConfig {
            url: admin_url.to_owned(),
            schema: schema.clone(),
            pool_size: 1,
            connect_timeout: Duration::from_secs(10),
            write_timeout: Duration::from_secs(30),
        };
        let setup = PostgresSink::new("setup", &config).expect("valid settings");
        setup
            .initialize()
            .await
            .expect("tables created by the admin");
        setup.pool().close().await;
        let admin = PgPool::connect(admin_url).await.expect("test server");
        sqlx::raw_sql(AssertSqlSafe(format!(
            "CREATE ROLE \"{role}\" LOGIN; \
             GRANT USAGE, CREATE ON SCHEMA \"{schema}\" TO \"{role}\"; \
             GRANT SELECT ON ALL TABLES IN SCHEMA \"{schema}\" TO \"{role}\""
        )))
        .execute(&admin)
        .await
        .expect("read-only role");
        let role_url = with_user(admin_url, &role);
        LockedSchema {
            admin,
            schema,
            role,
            role_url,
        }
    }

    async fn grant_writes(&self) {
        sqlx::raw_sql(AssertSqlSafe(format!(
            "GRANT ALL ON ALL TABLES IN SCHEMA \"{}\" TO \"{}\"",
            self.schema, self.role
        )))
        .execute(&self.admin)
        .await
        .expect("granted");
    }

    async fn stored_events(&self) -> i64 {
        sqlx::query_scalar(AssertSqlSafe(format!(
            "SELECT count(*) FROM \"{}\".events",
            self.schema
        )))
        .fetch_one(&self.admin)
        .await
        .expect("counted")
    }

    async fn drop(self) {
        sqlx::raw_sql(AssertSqlSafe(format!(
            "DROP SCHEMA IF EXISTS \"{}\" CASCADE; DROP OWNED BY \"{}\"; DROP ROLE \"{}\"",
            self.schema, self.role, self.role
        )))
        .execute(&self.admin)
        .await
        .expect("dropped");
        self.admin.close().await;
    }
}

/// `url` logging in as `user` (the test server trusts local connections).
fn with_user(url: &str, user: &str) -> String {
    let rest = url.split_once("://").map(|(_, rest)| rest).unwrap_or(url);
    let host = rest.rsplit_once('@').map(|(_, host)| host).unwrap_or(rest);
    format!("postgres://{user}@{host}")
}

fn start(dir: &std::path::Path, port: u16, locked: &LockedSchema) -> Child {
    let config = format!(
        "keys:\n  {API_KEY}: {API_SECRET}\nopenvidu:\n  analytics:\n    enabled: true\n    interval: 200ms\n    max_retry_backoff: 300ms\n    listen: 127.0.0.1:{port}\n    sinks:\n      {SINK}: {{ type: postgres, url: '{}', schema: '{}' }}\n",
        locked.role_url, locked.schema
    );
    let config_path = dir.join("config.yaml");
    std::fs::write(&config_path, config).expect("config written");
    Command::new(env!("CARGO_BIN_EXE_livekit-analytics"))
        .arg("--config")
        .arg(&config_path)
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .expect("starts")
}

/// Polls `GET path` until `done` accepts `(status, body)`; panics after 30 s.
async fn wait_for(
    http: &reqwest::Client,
    url: String,
    what: &str,
    done: impl Fn(u16, &str) -> bool,
) -> String {
    let deadline = Instant::now() + Duration::from_secs(30);
    let mut last = String::new();
    while Instant::now() < deadline {
        if let Ok(response) = http.get(&url).send().await {
            let status = response.status().as_u16();
            last = response.text().await.unwrap_or_default();
            if done(status, &last) {
                return last;
            }
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    panic!("{what} within 30 s; last answer: {last}");
}

#[tokio::test]
async fn a_postgres_role_without_insert_is_reported_until_granted() {
    let Some(admin_url) = server_url("LKA_TEST_POSTGRES_URL") else {
        return;
    };
    let locked = LockedSchema::new(&admin_url).await;
    let dir = tempfile::tempdir().expect("temp dir");
    let port = free_port();
    let mut child = start(dir.path(), port, &locked);
    let http = reqwest::Client::new();
    let base = format!("http://127.0.0.1:{port}");
    wait_for(&http, format!("{base}/healthz"), "service up", |s, _| {
        s == 200
    })
    .await;

    let event = room_webhook(
        "RM_locked",
        "room_started",
        "EV_locked",
        1_750_000_000,
        None,
    );
    let body = serde_json::to_string(&event).expect("JSON");
    let response = http
        .post(format!("{base}/webhook"))
        .header("Authorization", sign_webhook(&body, API_KEY, API_SECRET))
        .body(body)
        .send()
        .await
        .expect("sent");
    assert_eq!(response.status(), 200);

    let readyz = wait_for(
        &http,
        format!("{base}/readyz"),
        "problem reported",
        |s, body| s == 503 && body.contains("problems") && body.contains(SINK),
    )
    .await;
    let readyz: serde_json::Value = serde_json::from_str(&readyz).expect("JSON");
    let problem = &readyz["problems"][0];
    assert_eq!(problem["sink"], SINK, "{readyz}");
    assert_eq!(problem["class"], "operator", "{readyz}");
    assert!(
        problem["error"]
            .as_str()
            .is_some_and(|error| error.contains("permission denied")),
        "{readyz}"
    );
    let metrics = wait_for(&http, format!("{base}/metrics"), "metrics", |s, _| s == 200).await;
    let counted = metric(
        &metrics,
        "livekit_analytics_sink_operator_errors_total",
        &[("sink", SINK)],
    );
    assert!(counted >= 1.0, "{metrics}");
    assert_eq!(locked.stored_events().await, 0);

    locked.grant_writes().await;
    wait_for(
        &http,
        format!("{base}/readyz"),
        "problem cleared",
        |s, body| s == 200 && !body.contains("problems"),
    )
    .await;
    assert_eq!(locked.stored_events().await, 1);

    let _ = child.kill();
    let _ = child.wait();
    locked.drop().await;
}
