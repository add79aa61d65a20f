//! Reading openvidu's stored documents back, as JSON ([`crate::document::to_json`]): text
//! and numbers at a path, `{seconds, nanos}` timestamps as unix milliseconds, and the room
//! and participant sids however an event carries them (as the core's records take them).
//! Numbers may be Int64 (this sink) or doubles (openvidu-livekit's own documents).

use serde_json::Value;

use crate::document::EXPIRE_AT_FIELD;

/// The value at `path`, if any.
pub fn at<'a>(document: &'a Value, path: &[&str]) -> Option<&'a Value> {
    path.iter().try_fold(document, |value, key| value.get(key))
}

/// The text at `path`, empty when missing or not text.
pub fn text<'a>(document: &'a Value, path: &[&str]) -> &'a str {
    at(document, path)
        .and_then(Value::as_str)
        .unwrap_or_default()
}

/// A JSON number as an integer: an integer as is, a double truncated.
pub fn integer(value: Option<&Value>) -> Option<i64> {
    let value = value?;
    value.as_i64().or_else(|| value.as_f64().map(|x| x as i64))
}

/// A JSON number as a float.
pub fn float(value: Option<&Value>) -> Option<f64> {
    value?.as_f64()
}

/// The unix milliseconds of a stored `{seconds, nanos}` timestamp (0 when missing), as the
/// core's records count them: whole milliseconds of the nanos.
pub fn millis_of(timestamp: Option<&Value>) -> i64 {
    let field = |name: &str| integer(timestamp.and_then(|t| t.get(name))).unwrap_or(0);
    field("seconds")
        .saturating_mul(1000)
        .saturating_add(field("nanos") / 1_000_000)
}

/// An event's room sid: `room_id`, else `room.sid`.
pub fn room_sid_of(event: &Value) -> &str {
    match text(event, &["room_id"]) {
        "" => text(event, &["room", "sid"]),
        sid => sid,
    }
}

/// An event's participant sid: `participant_id`, else `participant.sid`.
pub fn participant_sid_of(event: &Value) -> &str {
    match text(event, &["participant_id"]) {
        "" => text(event, &["participant", "sid"]),
        sid => sid,
    }
}

/// The record's own document: the stored one without the sink's `_id` and expiry.
pub fn record_document(mut document: Value) -> Value {
    if let Value::Object(fields) = &mut document {
        fields.remove("_id");
        fields.remove(EXPIRE_AT_FIELD);
    }
    document
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    #[test]
    fn timestamps_of_either_number_type_are_read() {
        let int64 = json!({ "seconds": 1_790_000_000_i64, "nanos": 250_999_999_i64 });
        assert_eq!(millis_of(Some(&int64)), 1_790_000_000_250);
        let doubles = json!({ "seconds": 1_790_000_000.0, "nanos": 5e8 });
        assert_eq!(millis_of(Some(&doubles)), 1_790_000_000_500);
        assert_eq!(millis_of(None), 0);
    }

    #[test]
    fn sids_fall_back_to_the_nested_documents() {
        let event = json!({ "room": { "sid": "RM_1" }, "participant": { "sid": "PA_1" } });
        assert_eq!(room_sid_of(&event), "RM_1");
        assert_eq!(participant_sid_of(&event), "PA_1");
        let event = json!({ "room_id": "RM_2", "participant_id": "PA_2", "room": { "sid": "x" } });
        assert_eq!(room_sid_of(&event), "RM_2");
        assert_eq!(participant_sid_of(&event), "PA_2");
    }

    #[test]
    fn the_record_document_drops_the_sink_fields() {
        let stored = json!({ "_id": "abc", "type": "ROOM_CREATED", EXPIRE_AT_FIELD: "2026" });
        assert_eq!(record_document(stored), json!({ "type": "ROOM_CREATED" }));
    }
}
