//! Set-up: migrations are versioned, idempotent and safe to run from two instances at once;
//! building the sink never connects.

use std::time::Duration;

use analytics_core::{Sink, SinkError};

use super::support::{batch_of, stats, TestSchema};
use crate::{PostgresConfig, PostgresSink, SCHEMA_VERSION};

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn concurrent_initialize_applies_each_migration_once() {
    let Some(schema) = TestSchema::new().await else {
        return;
    };
    let (first, second, third) = (schema.sink(), schema.sink(), schema.sink());
    let (a, b, c) = tokio::join!(first.initialize(), second.initialize(), third.initialize());
    a.expect("first instance initialises");
    b.expect("second instance initialises");
    c.expect("third instance initialises");
    first
        .initialize()
        .await
        .expect("a later initialize is a no-op");
    let versions: Vec<i32> = sqlx::query_scalar(
        schema.sql("SELECT version FROM {schema}.schema_migrations ORDER BY version"),
    )
    .fetch_all(&schema.admin)
    .await
    .expect("versions read");
    assert_eq!(versions, (1..=SCHEMA_VERSION).collect::<Vec<_>>());
    let tables: Vec<String> = sqlx::query_scalar(
        "SELECT table_name::text FROM information_schema.tables WHERE table_schema = $1 ORDER BY 1",
    )
    .bind(&schema.name)
    .fetch_all(&schema.admin)
    .await
    .expect("tables listed");
    assert_eq!(
        tables,
        [
            "active_entities",
            "events",
            "fixer_lease",
            "hourly_traffic",
            "last_alive",
            "participant_connections",
            "room_traffic",
            "schema_migrations",
            "stats"
        ]
    );
    schema.drop().await;
}

#[tokio::test]
async fn building_does_not_connect_and_a_down_server_is_unavailable() {
    let config = PostgresConfig {
        url: "postgres://analytics:hunter2@127.0.0.1:1/nowhere".into(),
        schema: "openvidu".into(),
        pool_size: 2,
        connect_timeout: Duration::from_millis(500),
        write_timeout: Duration::from_secs(5),
    };
    let sink = PostgresSink::new("postgres", &config).expect("built without a server");
    match sink.initialize().await {
        Err(SinkError::Unavailable {
            message: reason, ..
        }) => {
            assert!(!reason.contains("hunter2"), "password leaked: {reason}");
        }
        other => panic!("initialize against a down server must be Unavailable, got {other:?}"),
    }
    let now = std::time::SystemTime::now();
    let batch = batch_of(&stats(3, now, now, Duration::from_secs(60)));
    assert!(matches!(
        sink.send_batch(&batch).await,
        Err(SinkError::Unavailable { .. })
    ));
}

#[tokio::test]
async fn invalid_settings_are_config_errors() {
    let mut config = PostgresConfig {
        url: "postgres://localhost/db".into(),
        schema: "Robert'); DROP TABLE students;--".into(),
        pool_size: 2,
        connect_timeout: Duration::from_secs(1),
        write_timeout: Duration::from_secs(1),
    };
    assert!(matches!(
        PostgresSink::new("postgres", &config),
        Err(SinkError::Config { .. })
    ));
    config.schema = "openvidu".into();
    config.url = "mysql://localhost/db".into();
    assert!(matches!(
        PostgresSink::new("postgres", &config),
        Err(SinkError::Config { .. })
    ));
}
