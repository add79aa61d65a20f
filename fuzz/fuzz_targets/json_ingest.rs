//! Fuzzes the JSON ingest decoder (`POST /v1/events` and `/v1/stats` bodies in LiveKit's
//! protojson) and the conversion of what it accepts into stored records.

#![no_main]

use std::time::{Duration, SystemTime};

use analytics_core::Record;
use libfuzzer_sys::fuzz_target;
use livekit_protocol::{AnalyticsEvents, AnalyticsStats};

fuzz_target!(|data: &[u8]| {
    let now = SystemTime::now();
    let ttl = Duration::from_secs(60);
    if let Ok(events) = serde_json::from_slice::<AnalyticsEvents>(data) {
        for event in events.events {
            let _ = Record::from_event(event, ttl, now);
        }
    }
    if let Ok(stats) = serde_json::from_slice::<AnalyticsStats>(data) {
        for stat in stats.stats {
            let _ = Record::from_stat(stat, ttl, now);
        }
    }
});
