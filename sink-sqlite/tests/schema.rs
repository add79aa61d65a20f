//! The migrated SQLite file has the tables both SQL sinks declare (`sink_sql::tables`): the
//! same tables and columns as PostgreSQL's, and an index leading with each lookup column.

use analytics_core::Sink;
use sink_sql::{
    schema_check::{differences, FoundTable},
    Dialect,
};
use sink_sqlite::{SqliteConfig, SqliteSink};
use sqlx::SqlitePool;

/// The data tables as `PRAGMA table_info` and `PRAGMA index_list` describe them.
async fn found_tables(pool: &SqlitePool) -> Vec<FoundTable> {
    let names: Vec<String> = sqlx::query_scalar(
        "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%' ORDER BY name",
    )
    .fetch_all(pool)
    .await
    .expect("tables listed");
    let mut tables = Vec::new();
    for name in names {
        let columns: Vec<(String, String)> =
            sqlx::query_as("SELECT name, type FROM pragma_table_info($1) ORDER BY cid")
                .bind(&name)
                .fetch_all(pool)
                .await
                .expect("columns listed");
        let index_first_columns: Vec<String> = sqlx::query_scalar(
            "SELECT info.name FROM pragma_index_list($1) AS list, pragma_index_info(list.name) AS info
             WHERE info.seqno = 0",
        )
        .bind(&name)
        .fetch_all(pool)
        .await
        .expect("indexes listed");
        tables.push(FoundTable {
            name,
            columns,
            index_first_columns,
        });
    }
    tables
}

#[tokio::test]
async fn migrated_database_has_the_declared_tables_and_indexes() {
    let dir = tempfile::tempdir().expect("temp dir");
    let sink = SqliteSink::new(SqliteConfig {
        path: dir.path().join("schema.db"),
    });
    sink.initialize().await.expect("initialised");
    let found = found_tables(sink.pool().await.expect("pool")).await;
    let differences = differences(&Dialect::Sqlite, &found);
    assert!(differences.is_empty(), "{differences:#?}");
}
