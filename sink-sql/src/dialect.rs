//! [`Dialect`]: how the shared SQL is spelled for SQLite or PostgreSQL. Parameters are `$n`
//! in both (sqlx's SQLite driver binds `$n` by number, as PostgreSQL does); timestamps are
//! unix milliseconds (`INTEGER`) in SQLite and `timestamptz` in PostgreSQL.

use crate::tables::ColumnType;

/// The SQL dialect of one sink, with where its tables live.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Dialect {
    /// SQLite: tables in the main database.
    Sqlite,
    /// PostgreSQL: tables in one schema, kept here as a quoted identifier.
    Postgres { schema: String },
}

impl Dialect {
    /// PostgreSQL with the tables in `schema` (a plain identifier, checked by the sink's
    /// settings).
    pub fn postgres(schema: &str) -> Dialect {
        Dialect::Postgres {
            schema: format!("\"{schema}\""),
        }
    }

    /// `table` as the statements name it.
    pub fn table(&self, table: &str) -> String {
        match self {
            Dialect::Sqlite => table.to_owned(),
            Dialect::Postgres { schema } => format!("{schema}.{table}"),
        }
    }

    /// The stored timestamp of `millis`, an expression in unix milliseconds.
    pub fn timestamp(&self, millis: &str) -> String {
        match self {
            Dialect::Sqlite => millis.to_owned(),
            Dialect::Postgres { .. } => {
                format!("'epoch'::timestamptz + {millis} * interval '1 millisecond'")
            }
        }
    }

    /// The unix milliseconds (a 64-bit integer) of the timestamp `column`.
    pub fn millis(&self, column: &str) -> String {
        match self {
            Dialect::Sqlite => column.to_owned(),
            Dialect::Postgres { .. } => format!("(extract(epoch FROM {column}) * 1000)::int8"),
        }
    }

    /// The database server's clock as a stored timestamp, `millis` (unix milliseconds) later.
    /// The server's, so that instances sharing the store agree on it.
    pub fn now_plus(&self, millis: &str) -> String {
        match self {
            Dialect::Sqlite => format!("{} + {millis}", self.now()),
            Dialect::Postgres { .. } => {
                format!("clock_timestamp() + {millis} * interval '1 millisecond'")
            }
        }
    }

    /// The database server's clock as a stored timestamp.
    pub fn now(&self) -> &'static str {
        match self {
            Dialect::Sqlite => "CAST(unixepoch('subsec') * 1000 AS INTEGER)",
            Dialect::Postgres { .. } => "clock_timestamp()",
        }
    }

    /// The JSON `column` as text.
    pub fn json_text(&self, column: &str) -> String {
        match self {
            Dialect::Sqlite => column.to_owned(),
            Dialect::Postgres { .. } => format!("{column}::text"),
        }
    }

    /// The text at `path` (object keys) inside the JSON `column`.
    pub fn json_field(&self, column: &str, path: &[&str]) -> String {
        match self {
            Dialect::Sqlite => format!("json_extract({column}, '$.{}')", path.join(".")),
            Dialect::Postgres { .. } => {
                let (last, parents) = path.split_last().unwrap_or((&"", &[]));
                let parents: String = parents.iter().map(|key| format!("->'{key}'")).collect();
                format!("{column}{parents}->>'{last}'")
            }
        }
    }

    /// A condition matching rows whose `column` equals `param`, in a way the table's index
    /// on it serves: in PostgreSQL `active_entities` is unique by `md5(id)` (an id may be
    /// longer than a B-tree row), so the lookup goes through the hash.
    pub fn id_matches(&self, column: &str, param: &str) -> String {
        match self {
            Dialect::Sqlite => format!("{column} = {param}"),
            Dialect::Postgres { .. } => {
                format!("md5({column}) = md5({param}) AND {column} = {param}")
            }
        }
    }

    /// The column type the database reports for a column declared `ty` (`PRAGMA table_info`
    /// in SQLite, `information_schema.columns.data_type` in PostgreSQL).
    pub fn column_type(&self, ty: ColumnType) -> &'static str {
        match (self, ty) {
            (Dialect::Sqlite, ColumnType::Text | ColumnType::Json) => "TEXT",
            (Dialect::Sqlite, ColumnType::Timestamp) => "INTEGER",
            (Dialect::Sqlite, ColumnType::Real) => "REAL",
            (Dialect::Sqlite, ColumnType::Integer) => "INTEGER",
            (Dialect::Postgres { .. }, ColumnType::Integer) => "bigint",
            (Dialect::Postgres { .. }, ColumnType::Text) => "text",
            (Dialect::Postgres { .. }, ColumnType::Json) => "jsonb",
            (Dialect::Postgres { .. }, ColumnType::Timestamp) => "timestamp with time zone",
            (Dialect::Postgres { .. }, ColumnType::Real) => "real",
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn json_fields_are_spelled_per_dialect() {
        let path = ["ingress", "state", "resource_id"];
        assert_eq!(
            Dialect::Sqlite.json_field("data", &path),
            "json_extract(data, '$.ingress.state.resource_id')"
        );
        assert_eq!(
            Dialect::postgres("openvidu").json_field("data", &path),
            "data->'ingress'->'state'->>'resource_id'"
        );
    }

    #[test]
    fn postgres_tables_are_schema_qualified() {
        assert_eq!(
            Dialect::postgres("openvidu").table("events"),
            "\"openvidu\".events"
        );
        assert_eq!(Dialect::Sqlite.table("events"), "events");
    }
}
