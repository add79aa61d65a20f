//! Writes a batch in one transaction: multi-row `INSERT ... ON CONFLICT DO NOTHING`
//! statements (many rows per statement, because each statement costs a hand-off to sqlx's
//! SQLite thread), falling back to one row at a time to isolate a row SQLite refuses. The
//! count of changed rows (and, when some were stored already, their rowids) tells which
//! rows this write inserted; the net active-entity change of those
//! ([`analytics_core::active_entities`]), what the new stats add to the traffic rollups
//! ([`sink_sql::rollups`]) and what the new events say of connections
//! ([`sink_sql::connection_rollup`]) are applied in the same transaction.

use std::{collections::HashSet, sync::Arc};

use analytics_core::{
    active_entities::{net_active_entity_changes, ActiveEntityChanges},
    sink::RecordFailure,
    Batch, Record, RecordKind, SinkError,
};
use sink_sql::{
    connection_rollup::{connection_changes, ConnectionChanges},
    rollups::TrafficRollups,
    tables::{Table, EVENTS, STATS},
};
use sqlx::{
    query::Query,
    sqlite::{Sqlite, SqliteArguments},
    AssertSqlSafe, SqliteConnection, SqlitePool,
};

use crate::error::sink_error;

/// Rows per multi-row statement (13 or 24 bound values each, far under SQLite's limit).
const ROWS_PER_STATEMENT: usize = 100;

const EVENT_PLACEHOLDERS: &str = "(?,?,?,?,?,?,?,?,?,?,?,?,?)";
const STAT_PLACEHOLDERS: &str = "(?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?)";

/// Writes `batch` in one transaction; the records SQLite refused are a
/// [`SinkError::Records`] (the others are stored).
pub(crate) async fn write(pool: &SqlitePool, batch: &Batch) -> Result<(), SinkError> {
    let mut transaction = pool.begin().await.map_err(sink_error)?;
    let failures = write_batch(&mut transaction, batch)
        .await
        .map_err(sink_error)?;
    transaction.commit().await.map_err(sink_error)?;
    if failures.is_empty() {
        Ok(())
    } else {
        Err(SinkError::Records(failures))
    }
}

/// Writes every record of `batch`; returns the records SQLite refused (with their index).
async fn write_batch(
    connection: &mut SqliteConnection,
    batch: &Batch,
) -> Result<Vec<RecordFailure>, sqlx::Error> {
    let mut failures = Vec::new();
    let mut inserted = vec![false; batch.len()];
    for kind in [RecordKind::Event, RecordKind::Stat] {
        let indexed: Vec<(usize, &Arc<Record>)> = batch
            .iter()
            .enumerate()
            .filter(|(_, record)| record.kind == kind)
            .collect();
        let chunks: Vec<_> = indexed.chunks(ROWS_PER_STATEMENT).collect();
        let mut next = chunks
            .first()
            .map(|chunk| insert_statement(kind, &records_of(chunk)));
        for (position, chunk) in chunks.iter().enumerate() {
            let Some(statement) = next.take() else {
                break;
            };
            // The next statement's values are bound while SQLite's thread runs this one.
            let (stored, following) = futures::join!(
                run_insert(connection, kind, statement, chunk.len()),
                async {
                    chunks
                        .get(position + 1)
                        .map(|chunk| insert_statement(kind, &records_of(chunk)))
                }
            );
            next = following;
            match stored {
                Ok(stored) => mark_inserted(chunk, stored, &mut inserted),
                Err(error) if is_row_error(&error) => {
                    for (index, record) in chunk.iter() {
                        match insert_rows(connection, kind, &[record.as_ref()]).await {
                            Ok(stored) => inserted[*index] = stored.any(),
                            Err(error) if is_row_error(&error) => failures.push(RecordFailure {
                                index: *index,
                                retryable: false,
                                reason: error.to_string(),
                            }),
                            Err(error) => return Err(error),
                        }
                    }
                }
                Err(error) => return Err(error),
            }
        }
    }
    let changes = net_active_entity_changes(batch, |index| inserted[index]);
    apply_active_changes(connection, &changes).await?;
    let new_stats = batch
        .iter()
        .enumerate()
        .filter(|(index, record)| inserted[*index] && record.kind == RecordKind::Stat)
        .map(|(_, record)| record.as_ref());
    add_to_rollups(connection, &TrafficRollups::of(new_stats)).await?;
    let new_events = batch
        .iter()
        .enumerate()
        .filter(|(index, record)| inserted[*index] && record.kind == RecordKind::Event)
        .map(|(_, record)| record.as_ref());
    merge_connections(connection, &connection_changes(new_events)).await?;
    Ok(failures)
}

/// Which rows of one statement it inserted (the others were stored already).
enum Inserted {
    /// Every row: the common case, told by the count of changed rows alone.
    All,
    /// The ids of those it inserted.
    Ids(HashSet<String>),
}

impl Inserted {
    fn any(&self) -> bool {
        match self {
            Inserted::All => true,
            Inserted::Ids(ids) => !ids.is_empty(),
        }
    }
}

/// Marks the records of `chunk` the insert stored; a record whose id comes twice in the
/// chunk was inserted by its first occurrence.
fn mark_inserted(chunk: &[(usize, &Arc<Record>)], stored: Inserted, inserted: &mut [bool]) {
    match stored {
        Inserted::All => chunk.iter().for_each(|(index, _)| inserted[*index] = true),
        Inserted::Ids(mut ids) => {
            for (index, record) in chunk {
                inserted[*index] = ids.remove(&record.id);
            }
        }
    }
}

/// A failure caused by the rows themselves (a constraint), not by the database.
fn is_row_error(error: &sqlx::Error) -> bool {
    matches!(error, sqlx::Error::Database(db) if db.is_check_violation() || db.is_unique_violation() || db.is_foreign_key_violation())
}

/// Inserts the rows not stored yet; says which it inserted.
async fn insert_rows(
    connection: &mut SqliteConnection,
    kind: RecordKind,
    records: &[&Record],
) -> Result<Inserted, sqlx::Error> {
    let statement = insert_statement(kind, records);
    run_insert(connection, kind, statement, records.len()).await
}

/// The table records of `kind` go to, and the placeholders of one of its rows.
fn table_of(kind: RecordKind) -> (Table, &'static str) {
    match kind {
        RecordKind::Event => (EVENTS, EVENT_PLACEHOLDERS),
        RecordKind::Stat => (STATS, STAT_PLACEHOLDERS),
    }
}

/// The records of a chunk of `(index, record)` pairs.
fn records_of<'r>(chunk: &[(usize, &'r Arc<Record>)]) -> Vec<&'r Record> {
    chunk.iter().map(|&(_, record)| record.as_ref()).collect()
}

/// The multi-row insert of `records`, their values bound.
fn insert_statement(kind: RecordKind, records: &[&Record]) -> SqliteQuery<'static> {
    let (table, placeholders) = table_of(kind);
    let (name, columns) = (table.name, table.column_list());
    let values = vec![placeholders; records.len()].join(",");
    // Not `INSERT OR IGNORE`: that would also silently skip rows failing a CHECK.
    let sql = format!("INSERT INTO {name} ({columns}) VALUES {values} ON CONFLICT (id) DO NOTHING");
    let mut query = sqlx::query(AssertSqlSafe(sql));
    for record in records {
        query = match kind {
            RecordKind::Event => bind_event(query, record),
            RecordKind::Stat => bind_stat(query, record),
        };
    }
    query
}

/// Runs an insert of `rows` rows of `kind`; says which it inserted.
///
/// Not `RETURNING id`: sqlx's SQLite worker hands each returned row to the runtime on its
/// own, which cost more than the insert's bindings. The count of changed rows tells the
/// common case (all new); otherwise the rows this statement inserted are the last `count`
/// rowids up to `last_insert_rowid()`: SQLite gives each new row the table's largest rowid
/// plus one, and nothing else writes inside this transaction.
async fn run_insert(
    connection: &mut SqliteConnection,
    kind: RecordKind,
    statement: SqliteQuery<'static>,
    rows: usize,
) -> Result<Inserted, sqlx::Error> {
    let result = statement.execute(&mut *connection).await?;
    let count = result.rows_affected();
    if count == rows as u64 {
        return Ok(Inserted::All);
    }
    if count == 0 {
        return Ok(Inserted::Ids(HashSet::new()));
    }
    let name = table_of(kind).0.name;
    let last = result.last_insert_rowid();
    let ids: Vec<String> = sqlx::query_scalar(AssertSqlSafe(format!(
        "SELECT id FROM {name} WHERE rowid > ? AND rowid <= ?"
    )))
    .bind(last - count as i64)
    .bind(last)
    .fetch_all(connection)
    .await?;
    Ok(Inserted::Ids(ids.into_iter().collect()))
}

type SqliteQuery<'q> = Query<'q, Sqlite, SqliteArguments>;

fn bind_event<'q>(query: SqliteQuery<'q>, record: &Record) -> SqliteQuery<'q> {
    query
        .bind(record.id.clone())
        .bind(record.type_name.clone())
        .bind(record.timestamp_ms)
        .bind(record.room_sid.clone())
        .bind(record.room_name.clone())
        .bind(record.participant_sid.clone())
        .bind(record.participant_identity.clone())
        .bind(record.track_id.clone())
        .bind(record.egress_id.clone())
        .bind(record.ingress_id.clone())
        .bind(record.node_id.clone())
        .bind(record.expire_at_ms)
        .bind(record.document_json.clone())
}

fn bind_stat<'q>(query: SqliteQuery<'q>, record: &Record) -> SqliteQuery<'q> {
    let traffic = record.stat_traffic();
    query
        .bind(record.id.clone())
        .bind(record.type_name.clone())
        .bind(record.timestamp_ms)
        .bind(record.room_sid.clone())
        .bind(record.room_name.clone())
        .bind(record.participant_sid.clone())
        .bind(record.track_id.clone())
        .bind(f64::from(record.score))
        .bind(f64::from(record.min_score))
        .bind(f64::from(record.median_score))
        .bind(record.mime.clone())
        .bind(record.node_id.clone())
        .bind(record.expire_at_ms)
        .bind(record.document_json.clone())
        .bind(traffic.bytes)
        .bind(traffic.packets)
        .bind(traffic.packets_lost)
        .bind(traffic.frames)
        .bind(traffic.jitter_count)
        .bind(traffic.jitter_sum)
        .bind(traffic.rtt_count)
        .bind(traffic.rtt_sum)
        .bind(traffic.covered_ms)
        .bind(i64::from(record.client_reported))
}

/// Adds what this write's new stats bring to the traffic rollups, a row at a time (a batch
/// touches few rooms and hours).
async fn add_to_rollups(
    connection: &mut SqliteConnection,
    rollups: &TrafficRollups,
) -> Result<(), sqlx::Error> {
    for ((room_sid, kind), room) in &rollups.rooms {
        sqlx::query(
            "INSERT INTO room_traffic (id, room_sid, kind, bytes, last_stat, expire_at)
             VALUES (?, ?, ?, ?, ?, ?)
             ON CONFLICT (id) DO UPDATE SET bytes = bytes + excluded.bytes,
                 last_stat = MAX(last_stat, excluded.last_stat),
                 expire_at = MAX(expire_at, excluded.expire_at)",
        )
        .bind(format!("{kind}:{room_sid}"))
        .bind(room_sid.clone())
        .bind(kind.clone())
        .bind(room.bytes)
        .bind(room.last_stat_ms)
        .bind(room.expire_at_ms)
        .execute(&mut *connection)
        .await?;
    }
    for ((hour_ms, kind), hour) in &rollups.hours {
        sqlx::query(
            "INSERT INTO hourly_traffic (id, hour, kind, bytes, expire_at) VALUES (?, ?, ?, ?, ?)
             ON CONFLICT (id) DO UPDATE SET bytes = bytes + excluded.bytes,
                 expire_at = MAX(expire_at, excluded.expire_at)",
        )
        .bind(format!("{kind}:{hour_ms}"))
        .bind(*hour_ms)
        .bind(kind.clone())
        .bind(hour.bytes)
        .bind(hour.expire_at_ms)
        .execute(&mut *connection)
        .await?;
    }
    Ok(())
}

/// Merges what this write's new events say of each connection into its row: earliest
/// times, greatest identity and client fields (so a resend or a late event merges alike).
async fn merge_connections(
    connection: &mut SqliteConnection,
    changes: &ConnectionChanges,
) -> Result<(), sqlx::Error> {
    for ((room_sid, participant_sid), change) in changes {
        sqlx::query(
            "INSERT INTO participant_connections (id, room_sid, participant_sid, identity,
                 joined_at, active_at, closed_at, sdk, os, browser, expire_at)
             VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
             ON CONFLICT (id) DO UPDATE SET identity = MAX(identity, excluded.identity),
                 joined_at = COALESCE(MIN(joined_at, excluded.joined_at), joined_at, excluded.joined_at),
                 active_at = COALESCE(MIN(active_at, excluded.active_at), active_at, excluded.active_at),
                 closed_at = COALESCE(MIN(closed_at, excluded.closed_at), closed_at, excluded.closed_at),
                 sdk = MAX(sdk, excluded.sdk), os = MAX(os, excluded.os),
                 browser = MAX(browser, excluded.browser),
                 expire_at = MAX(expire_at, excluded.expire_at)",
        )
        .bind(format!("{room_sid}:{participant_sid}"))
        .bind(room_sid.clone())
        .bind(participant_sid.clone())
        .bind(change.identity.clone())
        .bind(change.joined_ms)
        .bind(change.active_ms)
        .bind(change.closed_ms)
        .bind(change.sdk.clone())
        .bind(change.os.clone())
        .bind(change.browser.clone())
        .bind(change.expire_at_ms)
        .execute(&mut *connection)
        .await?;
    }
    Ok(())
}

/// Applies a batch's net change: each id at most once, so order does not matter.
async fn apply_active_changes(
    connection: &mut SqliteConnection,
    changes: &ActiveEntityChanges,
) -> Result<(), sqlx::Error> {
    for opened in &changes.opened {
        sqlx::query(
            "INSERT INTO active_entities (id, entity, event_id, opened_at) VALUES (?, ?, ?, ?)
             ON CONFLICT (id) DO UPDATE SET entity = excluded.entity,
                 event_id = excluded.event_id, opened_at = excluded.opened_at",
        )
        .bind(opened.id.clone())
        .bind(opened.entity.as_str())
        .bind(opened.event_id.clone())
        .bind(opened.opened_at_ms)
        .execute(&mut *connection)
        .await?;
    }
    for closed in &changes.closed {
        sqlx::query("DELETE FROM active_entities WHERE id = ? AND entity = ?")
            .bind(closed.id.clone())
            .bind(closed.entity.as_str())
            .execute(&mut *connection)
            .await?;
    }
    Ok(())
}
