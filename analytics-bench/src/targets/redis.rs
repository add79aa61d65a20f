//! Redis: the baseline is what Redis must do at least per record, written with plain
//! pipelines and nothing else: `SET <seen marker> 1 NX PX <ttl>` and `XADD` to its stream,
//! 1 000 records (2 000 commands) per pipeline, on 2 connections at once.

use std::time::{Duration, Instant};

use analytics_core::Record;
use redis::{aio::MultiplexedConnection, Pipeline};
use sink_redis::layout::{type_field, KeyLayout};

use super::{in_parallel, Namespace};
use crate::dataset::EXPIRATION;

/// How the baseline writes, as the harness prints it.
pub const METHOD: &str =
    "pipelines of SET marker NX PX + XADD per record, 1000 records/pipeline, 2 connections";

const RECORDS_PER_PIPELINE: usize = 1000;
const CONNECTIONS: usize = 2;

async fn connect(url: &str) -> Result<MultiplexedConnection, String> {
    redis::Client::open(url)
        .map_err(|error| format!("redis: invalid url: {error}"))?
        .get_multiplexed_async_connection()
        .await
        .map_err(|error| format!("redis: cannot connect: {error}"))
}

fn pipeline(layout: &KeyLayout, records: &[Record]) -> Pipeline {
    let ttl_ms = EXPIRATION.as_millis() as u64;
    let mut pipe = redis::pipe();
    for record in records {
        pipe.cmd("SET")
            .arg(layout.seen_marker(record.kind, &record.id))
            .arg(1)
            .arg("NX")
            .arg("PX")
            .arg(ttl_ms)
            .ignore();
        pipe.cmd("XADD")
            .arg(layout.stream(record.kind))
            .arg("*")
            .arg("id")
            .arg(&record.id)
            .arg(type_field(record.kind))
            .arg(&record.type_name)
            .arg("room_sid")
            .arg(&record.room_sid)
            .arg("data")
            .arg(&record.document_json)
            .ignore();
    }
    pipe
}

pub async fn baseline(
    url: &str,
    namespace: &Namespace,
    records: &[Record],
) -> Result<Duration, String> {
    let layout = KeyLayout::new(&format!("{}:", namespace.name));
    let work: Vec<Pipeline> = records
        .chunks(RECORDS_PER_PIPELINE)
        .map(|chunk| pipeline(&layout, chunk))
        .collect();
    let mut connections = Vec::new();
    for _ in 0..CONNECTIONS {
        connections.push(connect(url).await?);
    }
    let started = Instant::now();
    in_parallel(work, CONNECTIONS, move |pipe, task| {
        let mut connection = connections[task].clone();
        async move {
            pipe.query_async::<()>(&mut connection)
                .await
                .map_err(|error| format!("redis baseline pipeline: {error}"))
        }
    })
    .await?;
    Ok(started.elapsed())
}
