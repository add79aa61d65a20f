//! A key prefix of a test's own, the sink settings that write under a prefix, and deleting
//! every key under a prefix afterwards.

use std::{
    sync::atomic::{AtomicU64, Ordering},
    time::{SystemTime, UNIX_EPOCH},
};

use analytics_core::registry::Mapping;
use redis::RedisResult;

/// Keys looked at and deleted per `SCAN` round.
const KEYS_PER_ROUND: usize = 1000;

/// A prefix no other test (or earlier run) uses.
pub fn unique_prefix(test: &str) -> String {
    static COUNTER: AtomicU64 = AtomicU64::new(0);
    let nanos = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .unwrap_or_default()
        .as_nanos();
    let n = COUNTER.fetch_add(1, Ordering::Relaxed);
    format!("lka-test:{test}:{}-{nanos}-{n}:", std::process::id())
}

/// The sink settings (`url`, `prefix`) writing under `prefix` on the server at `url`.
pub fn settings(url: &str, prefix: &str) -> Mapping {
    let mut settings = Mapping::new();
    settings.insert("url".into(), url.into());
    settings.insert("prefix".into(), prefix.into());
    settings
}

/// Deletes every key under `prefix` on the server at `url` (one node of a cluster), so
/// that test runs leave nothing behind.
pub async fn delete_prefix(url: &str, prefix: &str) -> RedisResult<()> {
    let mut connection = redis::Client::open(url)?
        .get_multiplexed_async_connection()
        .await?;
    let mut cursor: u64 = 0;
    loop {
        let (next, keys): (u64, Vec<String>) = redis::cmd("SCAN")
            .arg(cursor)
            .arg("MATCH")
            .arg(format!("{prefix}*"))
            .arg("COUNT")
            .arg(KEYS_PER_ROUND)
            .query_async(&mut connection)
            .await?;
        // One key per UNLINK: on a cluster node the keys of one round lie in many slots.
        if !keys.is_empty() {
            let mut pipe = redis::pipe();
            for key in &keys {
                pipe.cmd("UNLINK").arg(key).ignore();
            }
            pipe.query_async::<()>(&mut connection).await?;
        }
        if next == 0 {
            return Ok(());
        }
        cursor = next;
    }
}
