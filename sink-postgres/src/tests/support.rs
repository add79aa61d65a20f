//! What the tests share: a fresh schema per test with its probe (from [`crate::testkit`]),
//! batches and sample stats.

use std::{
    sync::Arc,
    time::{Duration, SystemTime},
};

use analytics_core::{record::Record, Batch};

pub(crate) use crate::testkit::TestSchema;

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

/// Builds the schema exactly as migrations 1 to `version` left it.
pub(crate) async fn schema_at_version(schema: &TestSchema, version: usize) {
    sqlx::raw_sql(schema.sql(
        "CREATE SCHEMA {schema};
         CREATE TABLE {schema}.schema_migrations (version integer PRIMARY KEY,
             description text NOT NULL, applied_at timestamptz NOT NULL DEFAULT now());",
    ))
    .execute(&schema.admin)
    .await
    .expect("schema created");
    for (number, (description, migration)) in (1..).zip(&crate::schema::MIGRATIONS[..version]) {
        sqlx::raw_sql(schema.sql(migration))
            .execute(&schema.admin)
            .await
            .expect("old migration applied");
        sqlx::query(
            schema.sql(
                "INSERT INTO {schema}.schema_migrations (version, description) VALUES ($1, $2)",
            ),
        )
        .bind(number)
        .bind(*description)
        .execute(&schema.admin)
        .await
        .expect("old version recorded");
    }
}
