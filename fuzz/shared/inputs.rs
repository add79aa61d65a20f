//! What each fuzz target does with one input, shared by the `cargo fuzz` targets
//! (fuzz/fuzz_targets) and the regression test that replays every kept seed and crash case
//! in the ordinary test build (analytics-bin/tests/integration/fuzz_seeds.rs).

use std::time::{Duration, SystemTime};

use analytics_bin::{auth::ApiKeys, ingest::webhook_event::to_analytics_event};
use analytics_core::{disk_buffer::scan_segment_bytes, Record};
use base64::Engine;
use livekit_api::access_token::AccessToken;
use livekit_protocol::{AnalyticsEvents, AnalyticsNodeRooms, AnalyticsStats};
use prost::Message;
use sha2::{Digest, Sha256};

const KEY: &str = "fuzzkey";
const SECRET: &str = "fuzz-secret-long-enough-for-hs256";
const TTL: Duration = Duration::from_secs(60);

/// The disk buffer's segment reader: any bytes a crash or a bad disk can leave must end in
/// "records, then corrupt data detected", never a panic.
pub fn disk_segment(data: &[u8]) {
    let _ = scan_segment_bytes(data);
}

/// The JSON ingest decoder (`POST /v1/events` and `/v1/stats` bodies in LiveKit's
/// protojson) and the conversion of what it accepts into stored records.
pub fn json_ingest(data: &[u8]) {
    let now = SystemTime::now();
    if let Ok(events) = serde_json::from_slice::<AnalyticsEvents>(data) {
        for event in events.events {
            let _ = Record::from_event(event, TTL, now);
        }
    }
    if let Ok(stats) = serde_json::from_slice::<AnalyticsStats>(data) {
        for stat in stats.stats {
            let _ = Record::from_stat(stat, TTL, now);
        }
    }
}

/// The protobuf decoding of the gRPC stream's messages and the conversion, by reflection,
/// of whatever decodes into stored records — unknown enum numbers and odd nesting included.
pub fn protobuf_frames(data: &[u8]) {
    let now = SystemTime::now();
    if let Ok(events) = AnalyticsEvents::decode(data) {
        for event in events.events {
            let _ = Record::from_event(event, TTL, now);
        }
    }
    if let Ok(stats) = AnalyticsStats::decode(data) {
        for stat in stats.stats {
            let _ = Record::from_stat(stat, TTL, now);
        }
    }
    let _ = AnalyticsNodeRooms::decode(data);
}

/// The webhook path: token parsing and verification, the body hash, the protojson decoder,
/// the webhook → event mapping and the conversion to a stored record. The input is
/// `token '\n' body`; an empty token is replaced by a valid signature of the body, so that
/// the fuzzer reaches the decoder behind the signature check.
pub fn webhook(data: &[u8]) {
    let (token, body) = match data.iter().position(|b| *b == b'\n') {
        Some(split) => (&data[..split], &data[split + 1..]),
        None => (&[][..], data),
    };
    let (Ok(token), Ok(body)) = (std::str::from_utf8(token), std::str::from_utf8(body)) else {
        return;
    };
    let keys = ApiKeys::new([(&KEY.to_owned(), &SECRET.to_owned())]);
    let signed;
    let token = if token.is_empty() {
        let hash =
            base64::engine::general_purpose::STANDARD.encode(Sha256::digest(body.as_bytes()));
        let Ok(jwt) = AccessToken::with_api_key(KEY, SECRET)
            .with_sha256(&hash)
            .to_jwt()
        else {
            return;
        };
        signed = jwt;
        signed.as_str()
    } else {
        token
    };
    if let Ok(webhook) = keys.receive_webhook(body, token) {
        if let Some(event) = to_analytics_event(webhook) {
            let _ = Record::from_event(event, TTL, SystemTime::now());
        }
    }
}
