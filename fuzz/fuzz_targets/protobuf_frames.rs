//! Fuzzes the protobuf decoding of the gRPC stream's messages (`AnalyticsEvents`,
//! `AnalyticsStats`, `AnalyticsNodeRooms`) and the conversion, by reflection, of whatever
//! decodes into stored records — unknown enum numbers and odd nesting included.

#![no_main]

use std::time::{Duration, SystemTime};

use analytics_core::Record;
use libfuzzer_sys::fuzz_target;
use livekit_protocol::{AnalyticsEvents, AnalyticsNodeRooms, AnalyticsStats};
use prost::Message;

fuzz_target!(|data: &[u8]| {
    let now = SystemTime::now();
    let ttl = Duration::from_secs(60);
    if let Ok(events) = AnalyticsEvents::decode(data) {
        for event in events.events {
            let _ = Record::from_event(event, ttl, now);
        }
    }
    if let Ok(stats) = AnalyticsStats::decode(data) {
        for stat in stats.stats {
            let _ = Record::from_stat(stat, ttl, now);
        }
    }
    let _ = AnalyticsNodeRooms::decode(data);
});
