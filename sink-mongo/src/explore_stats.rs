//! The stats lookups of the read API in openvidu's `stats` collection: a room's totals per
//! participant, track and direction, a series' buckets, and the bytes per UTC day. One
//! `find` each, on the format's indexes (`room_id`, `time_stamp.seconds`), summed here
//! ([`crate::stat_sums`]). Totals and traffic are LiveKit's stats; a series buckets the
//! stats browsers reported apart.

use std::collections::BTreeMap;

use analytics_core::{
    query::{BucketQuery, DailyTraffic, StatsBucket, StatsTotals},
    SinkError,
};
use mongodb::bson::{doc, Document};
use serde_json::Value;

use crate::{
    indexes::STATS,
    sink::MongoSink,
    stat_sums::{add_to_bucket, add_to_totals, client_reported, streams_sum, STAT_FIELDS},
    stored_fields::{millis_of, text},
};

const DAY_MS: i64 = 86_400_000;

fn projection(fields: &[&str]) -> Document {
    fields
        .iter()
        .map(|field| (field.to_string(), 1.into()))
        .collect()
}

/// Stats of `time_stamp.seconds` that can hold a time in `[from_ms, before_ms)`; the exact
/// bounds are checked on the milliseconds read back.
fn seconds_range(from_ms: i64, before_ms: i64) -> Document {
    doc! { "$gte": from_ms.div_euclid(1000), "$lte": before_ms.div_euclid(1000) }
}

fn in_range(stat: &Value, from_ms: i64, before_ms: i64) -> bool {
    let at = millis_of(stat.get("time_stamp"));
    at >= from_ms && at < before_ms
}

/// The sums of room `room_sid`'s stats per participant sid, track and direction.
pub async fn stats_totals(sink: &MongoSink, room_sid: &str) -> Result<Vec<StatsTotals>, SinkError> {
    let stats = sink
        .find_json(
            STATS,
            doc! { "room_id": room_sid },
            Some(projection(&STAT_FIELDS)),
        )
        .await?;
    let mut totals: BTreeMap<(String, String, String), StatsTotals> = BTreeMap::new();
    for stat in stats.iter().filter(|stat| !client_reported(stat)) {
        let key = (
            text(stat, &["participant_id"]).to_owned(),
            text(stat, &["track_id"]).to_owned(),
            text(stat, &["kind"]).to_owned(),
        );
        let row = totals
            .entry(key)
            .or_insert_with_key(|(participant, track, kind)| StatsTotals {
                participant_sid: participant.clone(),
                track_sid: track.clone(),
                kind: kind.clone(),
                ..StatsTotals::default()
            });
        add_to_totals(row, stat);
    }
    Ok(totals.into_values().collect())
}

/// The sums of the stats `query` selects, per bucket (only buckets with stats), in time
/// order.
pub async fn stats_buckets(
    sink: &MongoSink,
    query: &BucketQuery,
) -> Result<Vec<StatsBucket>, SinkError> {
    if query.from_ms >= query.before_ms {
        return Ok(Vec::new());
    }
    let mut filter = doc! {
        "room_id": &query.room_sid,
        "time_stamp.seconds": seconds_range(query.from_ms, query.before_ms),
    };
    if !query.participant_sids.is_empty() {
        filter.insert("participant_id", doc! { "$in": &query.participant_sids });
    }
    if let Some(track_sid) = &query.track_sid {
        filter.insert("track_id", track_sid);
    }
    let stats = sink
        .find_json(STATS, filter, Some(projection(&STAT_FIELDS)))
        .await?;
    let bucket_ms = query.bucket_ms.max(1);
    let mut buckets: BTreeMap<(i64, bool), StatsBucket> = BTreeMap::new();
    for stat in stats
        .iter()
        .filter(|stat| in_range(stat, query.from_ms, query.before_ms))
    {
        let offset = millis_of(stat.get("time_stamp")) - query.from_ms;
        let start = query.from_ms + offset.div_euclid(bucket_ms) * bucket_ms;
        let client_reported = client_reported(stat);
        let bucket = buckets
            .entry((start, client_reported))
            .or_insert_with(|| StatsBucket {
                bucket_start_ms: start,
                client_reported,
                ..StatsBucket::default()
            });
        add_to_bucket(bucket, stat);
    }
    Ok(buckets.into_values().collect())
}

/// The bytes of the stats of `[from_ms, before_ms)` per UTC day and direction, oldest
/// first.
pub async fn daily_traffic(
    sink: &MongoSink,
    from_ms: i64,
    before_ms: i64,
) -> Result<Vec<DailyTraffic>, SinkError> {
    if from_ms >= before_ms {
        return Ok(Vec::new());
    }
    let filter = doc! { "time_stamp.seconds": seconds_range(from_ms, before_ms) };
    let fields = [
        "time_stamp",
        "kind",
        "streams.primary_bytes",
        "client_reported",
    ];
    let stats = sink
        .find_json(STATS, filter, Some(projection(&fields)))
        .await?;
    let mut days: BTreeMap<(i64, String), i64> = BTreeMap::new();
    for stat in stats
        .iter()
        .filter(|stat| in_range(stat, from_ms, before_ms) && !client_reported(stat))
    {
        let day_ms = millis_of(stat.get("time_stamp")).div_euclid(DAY_MS) * DAY_MS;
        let kind = text(stat, &["kind"]).to_owned();
        *days.entry((day_ms, kind)).or_default() += streams_sum(stat, "primary_bytes");
    }
    Ok(days
        .into_iter()
        .map(|((day_ms, kind), bytes)| DailyTraffic {
            day_ms,
            kind,
            bytes,
        })
        .collect())
}
