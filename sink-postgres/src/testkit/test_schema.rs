//! A schema of a test's own on the test server named by `LKA_TEST_POSTGRES_URL`, the sink
//! settings that write into a given schema, and dropping a schema afterwards.

use std::{
    sync::{
        atomic::{AtomicU64, Ordering},
        Arc,
    },
    time::{Duration, SystemTime, UNIX_EPOCH},
};

use analytics_core::{registry::Mapping, testkit::server_url};
use sqlx::{postgres::PgPoolOptions, AssertSqlSafe, Connection, PgConnection, PgPool};

use super::PgProbe;
use crate::{PostgresConfig, PostgresSink};

/// The sink settings (`url`, `schema`) writing into `schema` on the server at `url`.
pub fn settings(url: &str, schema: &str) -> Mapping {
    let mut settings = Mapping::new();
    settings.insert("url".into(), url.into());
    settings.insert("schema".into(), schema.into());
    settings
}

/// Drops `schema` and everything in it on the server at `url`.
pub async fn drop_schema(url: &str, schema: &str) -> Result<(), sqlx::Error> {
    let mut connection = PgConnection::connect(url).await?;
    let sql = format!("DROP SCHEMA IF EXISTS \"{schema}\" CASCADE");
    sqlx::query(AssertSqlSafe(sql))
        .execute(&mut connection)
        .await?;
    Ok(())
}

/// A schema of its own on the test server, dropped by [`TestSchema::drop`].
pub struct TestSchema {
    pub url: String,
    pub name: String,
    /// A pool of the test's own, apart from the sink's.
    pub admin: PgPool,
}

impl TestSchema {
    /// A new, empty schema name on the test server; `None` (test skipped) outside CI when
    /// `LKA_TEST_POSTGRES_URL` is unset.
    pub async fn new() -> Option<TestSchema> {
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

    /// The sink settings writing into this schema.
    pub fn settings(&self) -> Mapping {
        settings(&self.url, &self.name)
    }

    /// Settings for a sink writing into this schema.
    pub fn config(&self) -> PostgresConfig {
        PostgresConfig {
            url: self.url.clone(),
            schema: self.name.clone(),
            pool_size: 2,
            connect_timeout: Duration::from_secs(10),
            write_timeout: Duration::from_secs(60),
        }
    }

    /// A sink writing into this schema.
    pub fn sink(&self) -> Arc<PostgresSink> {
        Arc::new(PostgresSink::new("postgres", &self.config()).expect("valid settings"))
    }

    /// The probe reading this schema.
    pub fn probe(&self) -> Arc<PgProbe> {
        Arc::new(PgProbe::new(self.admin.clone(), &self.name))
    }

    /// `sql` with `{schema}` replaced by this schema's name.
    pub fn sql(&self, sql: &str) -> AssertSqlSafe<String> {
        AssertSqlSafe(sql.replace("{schema}", &format!("\"{}\"", self.name)))
    }

    /// Drops the schema and everything in it.
    pub async fn drop(self) {
        sqlx::raw_sql(self.sql("DROP SCHEMA IF EXISTS {schema} CASCADE"))
            .execute(&self.admin)
            .await
            .expect("schema dropped");
        self.admin.close().await;
    }
}
