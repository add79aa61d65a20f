//! SQLite: the baseline is one transaction of multi-row `INSERT ... ON CONFLICT DO NOTHING`
//! statements, 100 prepared rows each, on one connection opened as the sink opens its file
//! ([`sink_sqlite::connect_options`]), into tables and indexes the sink set up.

use std::{
    path::{Path, PathBuf},
    time::{Duration, Instant},
};

use analytics_core::{Record, RecordKind};
use sqlx::{sqlite::SqlitePoolOptions, AssertSqlSafe, Connection, SqlitePool};

use super::Namespace;

const ROWS_PER_STATEMENT: usize = 100;

/// The file of a namespace.
pub fn path(dir: &Path, namespace: &Namespace) -> PathBuf {
    dir.join(format!("{}.db", namespace.name))
}

async fn pool(path: &Path) -> Result<SqlitePool, String> {
    // Opened as the sink opens its file (same journal, cache and checkpoint settings).
    let options = sink_sqlite::connect_options(path).map_err(|error| format!("sqlite: {error}"))?;
    SqlitePoolOptions::new()
        .max_connections(1)
        .connect_with(options)
        .await
        .map_err(|error| format!("sqlite: cannot open {}: {error}", path.display()))
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

pub async fn baseline(path: &Path, records: &[Record]) -> Result<Duration, String> {
    let pool = pool(path).await?;
    let mut connection = pool
        .acquire()
        .await
        .map_err(|error| format!("sqlite: {error}"))?;
    let mut chunks = Vec::new();
    for kind in [RecordKind::Event, RecordKind::Stat] {
        let of_kind: Vec<&Record> = records.iter().filter(|r| r.kind == kind).collect();
        for chunk in of_kind.chunks(ROWS_PER_STATEMENT) {
            chunks.push((kind, statement(kind, chunk.len()), chunk.to_vec()));
        }
    }
    let started = Instant::now();
    let mut transaction = connection
        .begin()
        .await
        .map_err(|error| format!("sqlite begin: {error}"))?;
    for (kind, sql, rows) in chunks {
        let mut query = sqlx::query(AssertSqlSafe(sql));
        for r in rows {
            query = match kind {
                RecordKind::Event => query
                    .bind(r.id.clone())
                    .bind(r.type_name.clone())
                    .bind(r.timestamp_ms)
                    .bind(r.room_sid.clone())
                    .bind(r.room_name.clone())
                    .bind(r.participant_sid.clone())
                    .bind(r.participant_identity.clone())
                    .bind(r.track_id.clone())
                    .bind(r.egress_id.clone())
                    .bind(r.ingress_id.clone())
                    .bind(r.node_id.clone())
                    .bind(r.expire_at_ms)
                    .bind(r.document_json.clone()),
                RecordKind::Stat => query
                    .bind(r.id.clone())
                    .bind(r.type_name.clone())
                    .bind(r.timestamp_ms)
                    .bind(r.room_sid.clone())
                    .bind(r.room_name.clone())
                    .bind(r.participant_sid.clone())
                    .bind(r.track_id.clone())
                    .bind(f64::from(r.score))
                    .bind(f64::from(r.min_score))
                    .bind(f64::from(r.median_score))
                    .bind(r.mime.clone())
                    .bind(r.node_id.clone())
                    .bind(r.expire_at_ms)
                    .bind(r.document_json.clone()),
            };
        }
        query
            .execute(&mut *transaction)
            .await
            .map_err(|error| format!("sqlite baseline insert: {error}"))?;
    }
    transaction
        .commit()
        .await
        .map_err(|error| format!("sqlite commit: {error}"))?;
    Ok(started.elapsed())
}
