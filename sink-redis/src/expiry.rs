//! Expiry: stream entries written more than `expiration` before `now` are trimmed with
//! `XTRIM MINID`, after their per-room lookup members and idempotency markers are removed;
//! tombstones of closed entities past their expiry go too. Keys also carry TTLs, so an idle
//! deployment empties itself; this trims what keeps being written to.

use std::{collections::BTreeMap, time::SystemTime};

use analytics_core::{record::unix_millis, RecordKind, SinkError};
use redis::{streams::StreamRangeReply, Cmd, Value};

use crate::{
    connection::RedisConnection,
    error::{classify, reply_failure, Failure},
    layout::KeyLayout,
};

/// Stream entries read and removed per round trip.
const ENTRIES_PER_ROUND: usize = 1000;

/// What expiry needs.
pub struct Expiry<'a> {
    pub connection: &'a RedisConnection,
    pub layout: &'a KeyLayout,
    pub expiration_ms: i64,
}

impl Expiry<'_> {
    /// Removes what expired at `now`; returns how many stream entries went.
    pub async fn expire(&self, now: SystemTime) -> Result<u64, SinkError> {
        let now_ms = unix_millis(now);
        let cutoff_ms = now_ms.saturating_sub(self.expiration_ms);
        let mut removed = 0;
        if cutoff_ms > 0 {
            for kind in [RecordKind::Event, RecordKind::Stat] {
                removed += self.trim_stream(kind, cutoff_ms).await?;
            }
        }
        let mut tombstones = redis::cmd("ZREMRANGEBYSCORE");
        tombstones.arg(self.layout.closed()).arg("-inf").arg(now_ms);
        self.run(vec![vec![tombstones]]).await?;
        Ok(removed)
    }

    /// Trims entries whose id (write time in ms) is below `cutoff_ms`, oldest first, a
    /// round at a time. Lookups and markers go before their entries, so an interrupted run
    /// leaves only entries that the next run finds again.
    async fn trim_stream(&self, kind: RecordKind, cutoff_ms: i64) -> Result<u64, SinkError> {
        let stream = self.layout.stream(kind);
        let mut removed = 0;
        loop {
            let mut range = redis::cmd("XRANGE");
            range
                .arg(&stream)
                .arg("-")
                .arg(cutoff_ms - 1)
                .arg("COUNT")
                .arg(ENTRIES_PER_ROUND);
            let reply: StreamRangeReply = self
                .connection
                .query(&range)
                .await
                .map_err(|error| to_sink_error(&classify(&error)))?;
            let Some(last) = reply.ids.last().map(|entry| entry.id.clone()) else {
                break;
            };
            let mut rooms: BTreeMap<String, Vec<String>> = BTreeMap::new();
            let mut markers = Vec::with_capacity(reply.ids.len());
            for entry in &reply.ids {
                let Some(id) = entry.get::<String>("id") else {
                    continue;
                };
                if let Some(room_sid) = entry
                    .get::<String>("room_sid")
                    .filter(|sid| !sid.is_empty())
                {
                    rooms.entry(room_sid).or_default().push(id.clone());
                }
                markers.push(self.layout.seen_marker(kind, &id));
            }
            let lookups = rooms
                .into_iter()
                .map(|(room_sid, ids)| {
                    let mut zrem = redis::cmd("ZREM");
                    zrem.arg(self.layout.room_lookup(kind, &room_sid)).arg(ids);
                    vec![zrem]
                })
                .collect();
            self.run(lookups).await?;
            let mut stream_group = Vec::with_capacity(2);
            if !markers.is_empty() {
                let mut del = redis::cmd("DEL");
                del.arg(markers);
                stream_group.push(del);
            }
            let mut trim = redis::cmd("XTRIM");
            trim.arg(&stream).arg("MINID").arg(next_entry_id(&last));
            stream_group.push(trim);
            let replies = self.run(vec![stream_group]).await?;
            let trimmed = replies
                .into_iter()
                .flatten()
                .last()
                .and_then(|reply| redis::from_redis_value::<u64>(reply).ok())
                .unwrap_or(0);
            removed += trimmed;
            if reply.ids.len() < ENTRIES_PER_ROUND {
                break;
            }
        }
        Ok(removed)
    }

    async fn run(&self, groups: Vec<Vec<Cmd>>) -> Result<Vec<Vec<Value>>, SinkError> {
        let mut out = Vec::with_capacity(groups.len());
        for result in self.connection.run_groups(groups).await {
            let replies = result.map_err(|error| to_sink_error(&classify(&error)))?;
            if let Some(failure) = replies.iter().find_map(reply_failure) {
                return Err(to_sink_error(&failure));
            }
            out.push(replies);
        }
        Ok(out)
    }
}

fn to_sink_error(failure: &Failure) -> SinkError {
    match failure {
        Failure::Unavailable(reason) => SinkError::unavailable(reason),
        Failure::Operator(reason) => SinkError::operator(reason.clone()),
        Failure::NoScript => SinkError::fatal("unexpected NOSCRIPT during expiry"),
        Failure::Refused { reason, .. } => SinkError::fatal(format!("expiry refused: {reason}")),
    }
}

/// The smallest stream entry id after `id` (`<ms>-<seq>`).
fn next_entry_id(id: &str) -> String {
    let (ms, seq) = id.split_once('-').unwrap_or((id, "0"));
    match (ms.parse::<u64>(), seq.parse::<u64>()) {
        (Ok(ms), Ok(seq)) if seq < u64::MAX => format!("{ms}-{}", seq + 1),
        (Ok(ms), Ok(_)) => format!("{}-0", ms.saturating_add(1)),
        _ => id.to_owned(),
    }
}

#[cfg(test)]
mod tests {
    use super::next_entry_id;

    #[test]
    fn next_entry_id_is_just_after() {
        assert_eq!(next_entry_id("1700000000000-0"), "1700000000000-1");
        assert_eq!(next_entry_id("5-18446744073709551615"), "6-0");
    }
}
