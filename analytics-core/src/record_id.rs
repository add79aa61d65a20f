//! Record ids: the lowercase hex MD5 of openvidu's recipe, so that a re-sent record has the
//! same id in every sink and is recognised as a duplicate.

use livekit_protocol::{AnalyticsEvent, AnalyticsEventType, AnalyticsStat, StreamType};
use md5::{Digest, Md5};
use pbjson_types::Timestamp;

/// The name of an event type, or its number when the protocol does not know it.
pub fn event_type_name(number: i32) -> String {
    AnalyticsEventType::try_from(number)
        .map(|known| known.as_str_name().to_owned())
        .unwrap_or_else(|_| number.to_string())
}

/// The name of a stat's stream kind, or its number when the protocol does not know it.
pub fn stream_kind_name(number: i32) -> String {
    StreamType::try_from(number)
        .map(|known| known.as_str_name().to_owned())
        .unwrap_or_else(|_| number.to_string())
}

/// `room.sid:` (when the event has a room) `participant_id:` `track_id:` `egress_id:`
/// `ingress_id:` (each when non-empty) `TYPE:ts`. The egress and ingress segments are ours:
/// without them two egresses started in the same second share an id.
pub fn event_id(event: &AnalyticsEvent) -> String {
    let mut key = String::with_capacity(96);
    if let Some(room) = &event.room {
        key.push_str(&room.sid);
        key.push(':');
    }
    for segment in [
        &event.participant_id,
        &event.track_id,
        &event.egress_id,
        &event.ingress_id,
    ] {
        if !segment.is_empty() {
            key.push_str(segment);
            key.push(':');
        }
    }
    key.push_str(&event_type_name(event.r#type));
    key.push(':');
    push_timestamp(&mut key, event.timestamp.as_ref());
    md5_hex(&key)
}

/// `room_id:participant_id:track_id:KIND:node:ts`.
pub fn stat_id(stat: &AnalyticsStat) -> String {
    let mut key = String::with_capacity(128);
    for segment in [&stat.room_id, &stat.participant_id, &stat.track_id] {
        key.push_str(segment);
        key.push(':');
    }
    key.push_str(&stream_kind_name(stat.kind));
    key.push(':');
    key.push_str(&stat.node);
    key.push(':');
    push_timestamp(&mut key, stat.time_stamp.as_ref());
    md5_hex(&key)
}

/// Decimal seconds, immediately followed by decimal nanos when nanos > 0.
fn push_timestamp(key: &mut String, timestamp: Option<&Timestamp>) {
    let (seconds, nanos) = timestamp.map_or((0, 0), |t| (t.seconds, t.nanos));
    let mut digits = itoa::Buffer::new();
    key.push_str(digits.format(seconds));
    if nanos > 0 {
        key.push_str(digits.format(nanos));
    }
}

fn md5_hex(key: &str) -> String {
    const DIGITS: &[u8; 16] = b"0123456789abcdef";
    let mut hex = String::with_capacity(32);
    for byte in Md5::digest(key.as_bytes()) {
        hex.push(char::from(DIGITS[usize::from(byte >> 4)]));
        hex.push(char::from(DIGITS[usize::from(byte & 0x0f)]));
    }
    hex
}
