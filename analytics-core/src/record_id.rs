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
    let mut key = Md5::new();
    if let Some(room) = &event.room {
        key.update(room.sid.as_bytes());
        key.update(b":");
    }
    for segment in [
        &event.participant_id,
        &event.track_id,
        &event.egress_id,
        &event.ingress_id,
    ] {
        if !segment.is_empty() {
            key.update(segment.as_bytes());
            key.update(b":");
        }
    }
    match AnalyticsEventType::try_from(event.r#type) {
        Ok(known) => key.update(known.as_str_name().as_bytes()),
        Err(_) => key.update(itoa::Buffer::new().format(event.r#type).as_bytes()),
    }
    key.update(b":");
    update_timestamp(&mut key, event.timestamp.as_ref());
    hex(key)
}

/// `room_id:participant_id:track_id:KIND:node:ts`.
pub fn stat_id(stat: &AnalyticsStat) -> String {
    stat_id_of(StatIdParts {
        room_id: &stat.room_id,
        participant_id: &stat.participant_id,
        track_id: &stat.track_id,
        kind: stat.kind,
        node: &stat.node,
        time_stamp: stat.time_stamp.as_ref(),
    })
}

/// The fields of a stat its id is made of.
pub(crate) struct StatIdParts<'a> {
    pub room_id: &'a str,
    pub participant_id: &'a str,
    pub track_id: &'a str,
    pub kind: i32,
    pub node: &'a str,
    pub time_stamp: Option<&'a Timestamp>,
}

/// [`stat_id`] of a stat's parts.
pub(crate) fn stat_id_of(parts: StatIdParts<'_>) -> String {
    let mut key = Md5::new();
    for segment in [parts.room_id, parts.participant_id, parts.track_id] {
        key.update(segment.as_bytes());
        key.update(b":");
    }
    match StreamType::try_from(parts.kind) {
        Ok(known) => key.update(known.as_str_name().as_bytes()),
        Err(_) => key.update(itoa::Buffer::new().format(parts.kind).as_bytes()),
    }
    key.update(b":");
    key.update(parts.node.as_bytes());
    key.update(b":");
    update_timestamp(&mut key, parts.time_stamp);
    hex(key)
}

/// Decimal seconds, immediately followed by decimal nanos when nanos > 0.
fn update_timestamp(key: &mut Md5, timestamp: Option<&Timestamp>) {
    let (seconds, nanos) = timestamp.map_or((0, 0), |t| (t.seconds, t.nanos));
    let mut digits = itoa::Buffer::new();
    key.update(digits.format(seconds).as_bytes());
    if nanos > 0 {
        key.update(digits.format(nanos).as_bytes());
    }
}

/// The digest in lowercase hex.
fn hex(key: Md5) -> String {
    const DIGITS: &[u8; 16] = b"0123456789abcdef";
    let mut hex = String::with_capacity(32);
    for byte in key.finalize() {
        hex.push(char::from(DIGITS[usize::from(byte >> 4)]));
        hex.push(char::from(DIGITS[usize::from(byte & 0x0f)]));
    }
    hex
}
