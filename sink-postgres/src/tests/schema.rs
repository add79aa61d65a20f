//! The migrated schema has the tables both SQL sinks declare (`sink_sql::tables`): the same
//! tables and columns as SQLite's, and an index leading with each lookup column.

use analytics_core::Sink;
use sink_sql::{
    schema_check::{differences, FoundTable},
    Dialect,
};
use sqlx::PgPool;

use super::support::TestSchema;

/// The first column of an index from its definition (`... USING hash (room_sid)`,
/// `... (type, "timestamp")`); an index on `md5(id)` serves lookups of `id`.
fn first_column(definition: &str) -> String {
    let columns = definition
        .split_once(" (")
        .map_or("", |(_, columns)| columns);
    let first = columns.split([',', ')']).next().unwrap_or("");
    first
        .trim_start_matches("md5(")
        .trim_matches('"')
        .to_owned()
}

/// The data tables of `schema` (not `schema_migrations`) as `information_schema` and
/// `pg_indexes` describe them.
async fn found_tables(pool: &PgPool, schema: &str) -> Vec<FoundTable> {
    let columns: Vec<(String, String, String)> = sqlx::query_as(
        "SELECT table_name::text, column_name::text, data_type::text FROM information_schema.columns
         WHERE table_schema = $1 AND table_name <> 'schema_migrations'
         ORDER BY table_name, ordinal_position",
    )
    .bind(schema)
    .fetch_all(pool)
    .await
    .expect("columns listed");
    let indexes: Vec<(String, String)> =
        sqlx::query_as("SELECT tablename::text, indexdef FROM pg_indexes WHERE schemaname = $1")
            .bind(schema)
            .fetch_all(pool)
            .await
            .expect("indexes listed");
    let mut tables: Vec<FoundTable> = Vec::new();
    for (table, column, data_type) in columns {
        if tables.last().is_none_or(|last| last.name != table) {
            tables.push(FoundTable {
                name: table.clone(),
                ..FoundTable::default()
            });
        }
        if let Some(last) = tables.last_mut() {
            last.columns.push((column, data_type));
        }
    }
    for (table, definition) in indexes {
        if let Some(found) = tables.iter_mut().find(|found| found.name == table) {
            found.index_first_columns.push(first_column(&definition));
        }
    }
    tables
}

#[test]
fn index_definitions_name_their_first_column() {
    assert_eq!(
        first_column("CREATE INDEX events_room_sid ON s.events USING hash (room_sid)"),
        "room_sid"
    );
    assert_eq!(
        first_column(
            "CREATE UNIQUE INDEX active_entities_id ON s.active_entities USING btree (md5(id))"
        ),
        "id"
    );
    assert_eq!(
        first_column("CREATE INDEX t ON s.events USING btree (type, \"timestamp\")"),
        "type"
    );
}

#[tokio::test]
async fn migrated_schema_has_the_declared_tables_and_indexes() {
    let Some(schema) = TestSchema::new().await else {
        return;
    };
    schema.sink().initialize().await.expect("initialised");
    let found = found_tables(&schema.admin, &schema.name).await;
    let differences = differences(&Dialect::postgres(&schema.name), &found);
    assert!(differences.is_empty(), "{differences:#?}");
    schema.drop().await;
}
