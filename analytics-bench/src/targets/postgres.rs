//! PostgreSQL: the baseline is `INSERT ... SELECT FROM UNNEST(<column arrays>) ON CONFLICT
//! DO NOTHING` of 1 000 prepared rows per statement on 2 connections at once, the fastest
//! way measured in docs (db-baselines: 60 100 rows/s on this machine with 5 indexes + jsonb).

use std::time::{Duration, Instant};

use analytics_core::{Record, RecordKind};
use sqlx::{postgres::PgPoolOptions, AssertSqlSafe, PgPool};

use super::{in_parallel, Namespace};

const ROWS_PER_STATEMENT: usize = 1000;
const CONNECTIONS: usize = 2;

/// One statement's rows as column arrays.
enum Rows {
    Events {
        text: [Vec<String>; 11],
        at_ms: Vec<i64>,
        expire_ms: Vec<i64>,
    },
    Stats {
        text: [Vec<String>; 9],
        scores: [Vec<f32>; 3],
        at_ms: Vec<i64>,
        expire_ms: Vec<i64>,
    },
}

fn event_rows(records: &[&Record]) -> Rows {
    let column = |pick: fn(&Record) -> &String| records.iter().map(|r| pick(r).clone()).collect();
    Rows::Events {
        text: [
            column(|r| &r.id),
            column(|r| &r.type_name),
            column(|r| &r.room_sid),
            column(|r| &r.room_name),
            column(|r| &r.participant_sid),
            column(|r| &r.participant_identity),
            column(|r| &r.track_id),
            column(|r| &r.egress_id),
            column(|r| &r.ingress_id),
            column(|r| &r.node_id),
            column(|r| &r.document_json),
        ],
        at_ms: records.iter().map(|r| r.timestamp_ms).collect(),
        expire_ms: records.iter().map(|r| r.expire_at_ms).collect(),
    }
}

fn stat_rows(records: &[&Record]) -> Rows {
    let column = |pick: fn(&Record) -> &String| records.iter().map(|r| pick(r).clone()).collect();
    let score = |pick: fn(&Record) -> f32| records.iter().map(|r| pick(r)).collect();
    Rows::Stats {
        text: [
            column(|r| &r.id),
            column(|r| &r.type_name),
            column(|r| &r.room_sid),
            column(|r| &r.room_name),
            column(|r| &r.participant_sid),
            column(|r| &r.track_id),
            column(|r| &r.mime),
            column(|r| &r.node_id),
            column(|r| &r.document_json),
        ],
        scores: [
            score(|r| r.score),
            score(|r| r.min_score),
            score(|r| r.median_score),
        ],
        at_ms: records.iter().map(|r| r.timestamp_ms).collect(),
        expire_ms: records.iter().map(|r| r.expire_at_ms).collect(),
    }
}

fn insert_events(schema: &str) -> String {
    format!(
        "INSERT INTO {schema}.events (id, type, timestamp, room_sid, room_name, participant_sid, \
         participant_identity, track_id, egress_id, ingress_id, node_id, expire_at, data) \
         SELECT id, type, 'epoch'::timestamptz + at_ms * interval '1 millisecond', room_sid, room_name, \
         participant_sid, participant_identity, track_id, egress_id, ingress_id, node_id, \
         'epoch'::timestamptz + expire_ms * interval '1 millisecond', data::jsonb \
         FROM UNNEST($1::text[], $2::text[], $3::text[], $4::text[], $5::text[], $6::text[], \
         $7::text[], $8::text[], $9::text[], $10::text[], $11::text[], $12::int8[], $13::int8[]) \
         AS e(id, type, room_sid, room_name, participant_sid, participant_identity, track_id, \
         egress_id, ingress_id, node_id, data, at_ms, expire_ms) \
         ON CONFLICT (id) DO NOTHING"
    )
}

fn insert_stats(schema: &str) -> String {
    format!(
        "INSERT INTO {schema}.stats (id, kind, timestamp, room_sid, room_name, participant_sid, \
         track_id, score, min_score, median_score, mime, node, expire_at, data) \
         SELECT id, kind, 'epoch'::timestamptz + at_ms * interval '1 millisecond', room_sid, room_name, \
         participant_sid, track_id, score, min_score, median_score, mime, node, \
         'epoch'::timestamptz + expire_ms * interval '1 millisecond', data::jsonb \
         FROM UNNEST($1::text[], $2::text[], $3::text[], $4::text[], $5::text[], $6::text[], \
         $7::text[], $8::text[], $9::text[], $10::float4[], $11::float4[], $12::float4[], \
         $13::int8[], $14::int8[]) \
         AS s(id, kind, room_sid, room_name, participant_sid, track_id, mime, node, data, \
         score, min_score, median_score, at_ms, expire_ms) \
         ON CONFLICT (id) DO NOTHING"
    )
}

async fn pool(url: &str, connections: u32) -> Result<PgPool, String> {
    PgPoolOptions::new()
        .max_connections(connections)
        .connect(url)
        .await
        .map_err(|error| format!("postgres: cannot connect: {error}"))
}

pub async fn baseline(
    url: &str,
    namespace: &Namespace,
    records: &[Record],
) -> Result<Duration, String> {
    let pool = pool(url, CONNECTIONS as u32).await?;
    let schema = &namespace.name;
    let mut work = Vec::new();
    for kind in [RecordKind::Event, RecordKind::Stat] {
        let of_kind: Vec<&Record> = records.iter().filter(|r| r.kind == kind).collect();
        for chunk in of_kind.chunks(ROWS_PER_STATEMENT) {
            work.push(match kind {
                RecordKind::Event => event_rows(chunk),
                RecordKind::Stat => stat_rows(chunk),
            });
        }
    }
    let sql: [std::sync::Arc<str>; 2] = [insert_events(schema).into(), insert_stats(schema).into()];
    // Open both connections before timing.
    let warm: Vec<_> = futures::future::join_all((0..CONNECTIONS).map(|_| pool.acquire())).await;
    drop(warm);
    let started = Instant::now();
    in_parallel(work, CONNECTIONS, move |rows, _| {
        let pool = pool.clone();
        let sql = sql.clone();
        async move {
            let result = match rows {
                Rows::Events {
                    text,
                    at_ms,
                    expire_ms,
                } => {
                    let mut query = sqlx::query(AssertSqlSafe(sql[0].clone()));
                    for column in text {
                        query = query.bind(column);
                    }
                    query.bind(at_ms).bind(expire_ms).execute(&pool).await
                }
                Rows::Stats {
                    text,
                    scores,
                    at_ms,
                    expire_ms,
                } => {
                    let mut query = sqlx::query(AssertSqlSafe(sql[1].clone()));
                    for column in text {
                        query = query.bind(column);
                    }
                    for column in scores {
                        query = query.bind(column);
                    }
                    query.bind(at_ms).bind(expire_ms).execute(&pool).await
                }
            };
            result
                .map(|_| ())
                .map_err(|error| format!("postgres baseline insert: {error}"))
        }
    })
    .await?;
    Ok(started.elapsed())
}

/// Refreshes the planner's statistics of `schema`'s tables, as autovacuum does after a
/// bulk load on a server where it is on (the test server has it off).
pub async fn analyze(url: &str, schema: &str) -> Result<(), String> {
    let pool = pool(url, 1).await?;
    for table in ["events", "stats"] {
        sqlx::query(AssertSqlSafe(format!("ANALYZE \"{schema}\".{table}")))
            .execute(&pool)
            .await
            .map_err(|error| format!("postgres: ANALYZE {schema}.{table}: {error}"))?;
    }
    Ok(())
}
