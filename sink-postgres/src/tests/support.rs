//! A fresh schema per test, the sink under test, and a probe that reads back what it wrote.

use std::{
    sync::{
        atomic::{AtomicU64, Ordering},
        Arc,
    },
    time::{Duration, SystemTime, UNIX_EPOCH},
};

use analytics_core::{
    record::Record,
    testkit::{server_url, StoreProbe},
    Batch, Entity, RecordKind,
};
use async_trait::async_trait;
use serde_json::Value;
use sqlx::{postgres::PgPoolOptions, AssertSqlSafe, PgPool};

use crate::{PostgresConfig, PostgresSink};

/// A schema of its own on the test server, dropped by [`TestSchema::drop`].
pub(crate) struct TestSchema {
    pub url: String,
    pub name: String,
    /// A pool of the test's own, apart from the sink's.
    pub admin: PgPool,
}

impl TestSchema {
    /// A new, empty schema name on the test server; `None` (test skipped) outside CI when
    /// `LKA_TEST_POSTGRES_URL` is unset.
    pub(crate) async fn new() -> Option<TestSchema> {
        static COUNTER: AtomicU64 = AtomicU64::new(0);
        let url = server_url("LKA_TEST_POSTGRES_URL")?;
        let nanos = SystemTime::now()
            .duration_since(UNIX_EPOCH)
            .unwrap_or_default()
            .subsec_nanos();
        let name = format!(
            "lka_test_{}_{}_{nanos}",
            std::process::id(),
            COUNTER.fetch_add(1, Ordering::Relaxed)
        );
        let admin = PgPoolOptions::new()
            .max_connections(2)
            .connect(&url)
            .await
            .expect("test server reachable");
        Some(TestSchema { url, name, admin })
    }

    /// Settings for a sink writing into this schema.
    pub(crate) fn config(&self) -> PostgresConfig {
        PostgresConfig {
            url: self.url.clone(),
            schema: self.name.clone(),
            pool_size: 2,
            connect_timeout: Duration::from_secs(10),
            write_timeout: Duration::from_secs(60),
        }
    }

    /// A sink writing into this schema.
    pub(crate) fn sink(&self) -> Arc<PostgresSink> {
        Arc::new(PostgresSink::new("postgres", &self.config()).expect("valid settings"))
    }

    /// The probe reading this schema.
    pub(crate) fn probe(&self) -> Arc<PgProbe> {
        Arc::new(PgProbe {
            pool: self.admin.clone(),
            schema: self.name.clone(),
        })
    }

    /// `sql` with `{schema}` replaced by this schema's name.
    pub(crate) fn sql(&self, sql: &str) -> AssertSqlSafe<String> {
        AssertSqlSafe(sql.replace("{schema}", &format!("\"{}\"", self.name)))
    }

    /// Drops the schema and everything in it.
    pub(crate) async fn drop(self) {
        sqlx::raw_sql(self.sql("DROP SCHEMA IF EXISTS {schema} CASCADE"))
            .execute(&self.admin)
            .await
            .expect("schema dropped");
        self.admin.close().await;
    }
}

/// Reads the tables of one schema.
pub(crate) struct PgProbe {
    pool: PgPool,
    schema: String,
}

impl PgProbe {
    fn table(kind: RecordKind) -> &'static str {
        match kind {
            RecordKind::Event => "events",
            RecordKind::Stat => "stats",
        }
    }
}

#[async_trait]
impl StoreProbe for PgProbe {
    async fn stored_ids(&self, kind: RecordKind) -> Vec<String> {
        let sql = format!("SELECT id FROM \"{}\".{}", self.schema, Self::table(kind));
        sqlx::query_scalar(AssertSqlSafe(sql))
            .fetch_all(&self.pool)
            .await
            .expect("ids read")
    }

    async fn stored_document(&self, kind: RecordKind, id: &str) -> Option<Value> {
        let sql = format!(
            "SELECT data::text FROM \"{}\".{} WHERE id = $1",
            self.schema,
            Self::table(kind)
        );
        let text: Option<String> = sqlx::query_scalar(AssertSqlSafe(sql))
            .bind(id)
            .fetch_optional(&self.pool)
            .await
            .expect("document read");
        text.map(|text| serde_json::from_str(&text).expect("stored document is JSON"))
    }

    async fn active_entities(&self) -> Vec<(Entity, String)> {
        let sql = format!("SELECT entity, id FROM \"{}\".active_entities", self.schema);
        let rows: Vec<(String, String)> = sqlx::query_as(AssertSqlSafe(sql))
            .fetch_all(&self.pool)
            .await
            .expect("active entities read");
        rows.into_iter()
            .map(|(entity, id)| (Entity::parse(&entity).expect("known entity"), id))
            .collect()
    }
}

/// The records as a batch.
pub(crate) fn batch_of(records: &[Record]) -> Batch {
    Batch::new(records.iter().cloned().map(Arc::new).collect())
}

/// `count` distinct upstream stats, one millisecond apart from `start`, converted at `now`
/// with `expiration`.
pub(crate) fn stats(
    count: usize,
    start: SystemTime,
    now: SystemTime,
    expiration: Duration,
) -> Vec<Record> {
    use analytics_core::{livekit_protocol::StreamType, samples};
    (0..count)
        .map(|n| {
            let at = start + Duration::from_millis(n as u64);
            Record::from_stat(samples::stat(StreamType::Upstream, at), expiration, now)
                .expect("sample stat converts")
        })
        .collect()
}
