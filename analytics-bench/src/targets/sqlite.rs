//! SQLite: the baseline is one transaction of multi-row `INSERT ... ON CONFLICT DO NOTHING`
//! statements, 100 rows each, prepared once and run straight on the C API through rusqlite
//! (the same bundled libsqlite3 that sqlx links; no worker thread between the caller and
//! SQLite), on one connection with the settings the sink's
//! [`sink_sqlite::connect_options`] give, into tables and indexes the sink set up.

use std::{
    path::{Path, PathBuf},
    time::{Duration, Instant},
};

use analytics_core::{Record, RecordKind};
use rusqlite::{
    types::{ToSqlOutput, Value, ValueRef},
    Connection,
};
use sqlx::{sqlite::SqlitePoolOptions, AssertSqlSafe};

use super::Namespace;

/// How the baseline writes, as the harness prints it.
pub const METHOD: &str = "rusqlite, one transaction of multi-row INSERT ON CONFLICT DO NOTHING, 100 rows/statement, the sink's connection settings";

const ROWS_PER_STATEMENT: usize = 100;

/// The per-connection settings read back from a connection the sink's options opened.
const INTEGER_PRAGMAS: [&str; 6] = [
    "synchronous",
    "foreign_keys",
    "cache_size",
    "mmap_size",
    "wal_autocheckpoint",
    "busy_timeout",
];

/// The file of a namespace.
pub fn path(dir: &Path, namespace: &Namespace) -> PathBuf {
    dir.join(format!("{}.db", namespace.name))
}

/// The journal mode and each of [`INTEGER_PRAGMAS`] with its value, as a connection opened
/// with [`sink_sqlite::connect_options`] has them.
async fn sink_pragmas(path: &Path) -> Result<Vec<(&'static str, Value)>, String> {
    let options = sink_sqlite::connect_options(path).map_err(|error| format!("sqlite: {error}"))?;
    let pool = SqlitePoolOptions::new()
        .max_connections(1)
        .connect_with(options)
        .await
        .map_err(|error| format!("sqlite: cannot open {}: {error}", path.display()))?;
    let read = |error: sqlx::Error| format!("sqlite: cannot read a setting: {error}");
    let journal: String = sqlx::query_scalar("PRAGMA journal_mode")
        .fetch_one(&pool)
        .await
        .map_err(read)?;
    let mut pragmas = vec![("journal_mode", Value::Text(journal))];
    for name in INTEGER_PRAGMAS {
        let value: i64 = sqlx::query_scalar(AssertSqlSafe(format!("PRAGMA {name}")))
            .fetch_one(&pool)
            .await
            .map_err(read)?;
        pragmas.push((name, Value::Integer(value)));
    }
    pool.close().await;
    Ok(pragmas)
}

fn statement(kind: RecordKind, rows: usize) -> String {
    let (table, columns, placeholders) = match kind {
        RecordKind::Event => (
            "events",
            "id, type, timestamp, room_sid, room_name, participant_sid, participant_identity, track_id, egress_id, ingress_id, node_id, expire_at, data",
            "(?,?,?,?,?,?,?,?,?,?,?,?,?)",
        ),
        RecordKind::Stat => (
            "stats",
            "id, kind, timestamp, room_sid, room_name, participant_sid, track_id, score, min_score, median_score, mime, node, expire_at, data",
            "(?,?,?,?,?,?,?,?,?,?,?,?,?,?)",
        ),
    };
    let values = vec![placeholders; rows].join(",");
    format!("INSERT INTO {table} ({columns}) VALUES {values} ON CONFLICT (id) DO NOTHING")
}

/// Appends the column values of `r` to `row`, in the order of [`statement`]'s columns.
fn push_row<'r>(row: &mut Vec<ValueRef<'r>>, r: &'r Record) {
    let text = |value: &'r str| ValueRef::Text(value.as_bytes());
    row.extend([
        text(&r.id),
        text(&r.type_name),
        ValueRef::Integer(r.timestamp_ms),
        text(&r.room_sid),
        text(&r.room_name),
        text(&r.participant_sid),
    ]);
    match r.kind {
        RecordKind::Event => row.extend([
            text(&r.participant_identity),
            text(&r.track_id),
            text(&r.egress_id),
            text(&r.ingress_id),
            text(&r.node_id),
        ]),
        RecordKind::Stat => row.extend([
            text(&r.track_id),
            ValueRef::Real(f64::from(r.score)),
            ValueRef::Real(f64::from(r.min_score)),
            ValueRef::Real(f64::from(r.median_score)),
            text(&r.mime),
            text(&r.node_id),
        ]),
    }
    row.extend([ValueRef::Integer(r.expire_at_ms), text(&r.document_json)]);
}

/// Runs every statement with its rows in one transaction.
fn insert(connection: &mut Connection, chunks: &[(String, Vec<&Record>)]) -> rusqlite::Result<()> {
    let transaction = connection.transaction()?;
    let mut values = Vec::new();
    for (sql, rows) in chunks {
        let mut statement = transaction.prepare_cached(sql)?;
        values.clear();
        for record in rows {
            push_row(&mut values, record);
        }
        for (index, value) in values.iter().enumerate() {
            statement.raw_bind_parameter(index + 1, ToSqlOutput::Borrowed(*value))?;
        }
        statement.raw_execute()?;
    }
    transaction.commit()
}

pub async fn baseline(path: &Path, records: &[Record]) -> Result<Duration, String> {
    let pragmas = sink_pragmas(path).await?;
    let mut connection = Connection::open(path)
        .map_err(|error| format!("sqlite: cannot open {}: {error}", path.display()))?;
    for (name, value) in &pragmas {
        connection
            .pragma_update(None, name, value)
            .map_err(|error| format!("sqlite: PRAGMA {name} = {value:?}: {error}"))?;
    }
    let mut chunks = Vec::new();
    for kind in [RecordKind::Event, RecordKind::Stat] {
        let of_kind: Vec<&Record> = records.iter().filter(|r| r.kind == kind).collect();
        for chunk in of_kind.chunks(ROWS_PER_STATEMENT) {
            chunks.push((statement(kind, chunk.len()), chunk.to_vec()));
        }
    }
    tokio::task::block_in_place(|| {
        let started = Instant::now();
        insert(&mut connection, &chunks)
            .map_err(|error| format!("sqlite baseline insert: {error}"))?;
        Ok(started.elapsed())
    })
}
