//! Redis: the baseline is the sink's key layout written with plain pipelines, 1 000 records
//! per pipeline on 2 connections at once: per record `SET <seen marker> NX PX` and `XADD`
//! to its stream, per room `ZADD` of its lookup and `PEXPIRE` (db-baselines: 253 200
//! records/s for marker + XADD alone).

use std::{
    collections::BTreeMap,
    time::{Duration, Instant},
};

use analytics_core::{Record, RecordKind};
use redis::{aio::MultiplexedConnection, Pipeline};
use sink_redis::layout::{type_field, KeyLayout};

use super::{in_parallel, Namespace};
use crate::dataset::EXPIRATION;

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
    let mut rooms: BTreeMap<(&str, bool), Vec<&Record>> = BTreeMap::new();
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
        rooms
            .entry((record.room_sid.as_str(), record.kind == RecordKind::Event))
            .or_default()
            .push(record);
    }
    for ((room_sid, _), of_room) in rooms {
        let kind = of_room[0].kind;
        let key = layout.room_lookup(kind, room_sid);
        let zadd = pipe.cmd("ZADD").arg(&key);
        for record in of_room {
            zadd.arg(record.timestamp_ms).arg(&record.id);
        }
        zadd.ignore();
        pipe.cmd("PEXPIRE").arg(&key).arg(ttl_ms).ignore();
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
