//! Reads back what the sink stored in one PostgreSQL schema.

use analytics_core::{testkit::StoreProbe, Entity, RecordKind};
use async_trait::async_trait;
use serde_json::Value;
use sqlx::{postgres::PgPoolOptions, AssertSqlSafe, PgPool};

/// Reads the tables of one schema.
pub struct PgProbe {
    pool: PgPool,
    schema: String,
}

impl PgProbe {
    /// A probe reading `schema` through `pool`.
    pub fn new(pool: PgPool, schema: &str) -> PgProbe {
        PgProbe {
            pool,
            schema: schema.to_owned(),
        }
    }

    /// A probe with one connection of its own to the server at `url`.
    pub async fn connect(url: &str, schema: &str) -> Result<PgProbe, sqlx::Error> {
        let pool = PgPoolOptions::new().max_connections(1).connect(url).await?;
        Ok(PgProbe::new(pool, schema))
    }

    /// How many records of `kind` are stored (an error while the tables do not exist).
    pub async fn count(&self, kind: RecordKind) -> Result<u64, sqlx::Error> {
        let sql = format!("SELECT COUNT(*) FROM \"{}\".{}", self.schema, table(kind));
        let count: i64 = sqlx::query_scalar(AssertSqlSafe(sql))
            .fetch_one(&self.pool)
            .await?;
        Ok(count.max(0) as u64)
    }
}

/// The table holding records of `kind`.
fn table(kind: RecordKind) -> &'static str {
    match kind {
        RecordKind::Event => "events",
        RecordKind::Stat => "stats",
    }
}

#[async_trait]
impl StoreProbe for PgProbe {
    async fn stored_ids(&self, kind: RecordKind) -> Vec<String> {
        let sql = format!("SELECT id FROM \"{}\".{}", self.schema, table(kind));
        sqlx::query_scalar(AssertSqlSafe(sql))
            .fetch_all(&self.pool)
            .await
            .expect("ids read")
    }

    async fn stored_document(&self, kind: RecordKind, id: &str) -> Option<Value> {
        let sql = format!(
            "SELECT data::text FROM \"{}\".{} WHERE id = $1",
            self.schema,
            table(kind)
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
