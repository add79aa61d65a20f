//! The inverse of [`crate::document`]: a stored document read back into the LiveKit message
//! it came from, so that the fixer can build a close event from a stored start event.

use std::collections::HashMap;

use base64::Engine;
use prost::Message;
use prost_reflect::{
    DynamicMessage, FieldDescriptor, Kind, MapKey, MessageDescriptor, Value as PValue,
};
use serde_json::{Map, Value};

use crate::descriptors::livekit_message;

/// Why a stored document could not be read back.
#[derive(Debug, thiserror::Error)]
#[error("stored document is not a {message}: {reason}")]
pub struct ReadBackError {
    message: &'static str,
    reason: String,
}

/// The `AnalyticsEvent` a stored event document was made from. Keys the protocol does not
/// know (the sinks' own `openvidu_expire_at`, `synthetic`, ...) are ignored, and so are
/// values of the wrong JSON type: what can be read back is, the rest stays unset.
pub fn event_from_document(
    document: &Map<String, Value>,
) -> Result<livekit_protocol::AnalyticsEvent, ReadBackError> {
    let descriptor = livekit_message("AnalyticsEvent");
    let dynamic = message_of(document, &descriptor);
    livekit_protocol::AnalyticsEvent::decode(dynamic.encode_to_vec().as_slice()).map_err(|error| {
        ReadBackError {
            message: "livekit.AnalyticsEvent",
            reason: error.to_string(),
        }
    })
}

fn message_of(document: &Map<String, Value>, descriptor: &MessageDescriptor) -> DynamicMessage {
    let mut message = DynamicMessage::new(descriptor.clone());
    for (key, value) in document {
        let Some(field) = descriptor.get_field_by_name(key) else {
            continue;
        };
        if let Some(value) = field_value(&field, value) {
            // A value of the wrong type for the field is skipped, never a panic.
            let _ = message.try_set_field(&field, value);
        }
    }
    message
}

fn field_value(field: &FieldDescriptor, value: &Value) -> Option<PValue> {
    if field.is_map() {
        let entry = field.kind().as_message()?.clone();
        let key_field = entry.map_entry_key_field();
        let value_field = entry.map_entry_value_field();
        let entries: HashMap<MapKey, PValue> = value
            .as_object()?
            .iter()
            .filter_map(|(key, item)| {
                Some((
                    map_key(&key_field.kind(), key)?,
                    item_value(&value_field.kind(), item)?,
                ))
            })
            .collect();
        return Some(PValue::Map(entries));
    }
    if field.is_list() {
        let items = value
            .as_array()?
            .iter()
            .filter_map(|item| item_value(&field.kind(), item))
            .collect();
        return Some(PValue::List(items));
    }
    item_value(&field.kind(), value)
}

fn item_value(kind: &Kind, value: &Value) -> Option<PValue> {
    Some(match kind {
        Kind::Double => PValue::F64(value.as_f64()?),
        Kind::Float => PValue::F32(value.as_f64()? as f32),
        Kind::Int32 | Kind::Sint32 | Kind::Sfixed32 => {
            PValue::I32(i32::try_from(integer(value)?).ok()?)
        }
        Kind::Int64 | Kind::Sint64 | Kind::Sfixed64 => PValue::I64(integer(value)?),
        Kind::Uint32 | Kind::Fixed32 => PValue::U32(u32::try_from(integer(value)?).ok()?),
        Kind::Uint64 | Kind::Fixed64 => PValue::U64(match value {
            Value::Number(n) => n.as_u64().or_else(|| n.as_f64().map(|x| x as u64))?,
            _ => return None,
        }),
        Kind::Bool => PValue::Bool(value.as_bool()?),
        Kind::String => PValue::String(value.as_str()?.to_owned()),
        Kind::Bytes => PValue::Bytes(
            base64::engine::general_purpose::STANDARD
                .decode(value.as_str()?)
                .ok()?
                .into(),
        ),
        Kind::Enum(descriptor) => PValue::EnumNumber(match value {
            Value::String(name) => descriptor.get_value_by_name(name)?.number(),
            other => i32::try_from(integer(other)?).ok()?,
        }),
        Kind::Message(descriptor) => PValue::Message(message_of(value.as_object()?, descriptor)),
    })
}

/// An integer stored as a JSON number (or, by a store that round-trips through doubles, a
/// float with no fraction).
fn integer(value: &Value) -> Option<i64> {
    match value {
        Value::Number(n) => n.as_i64().or_else(|| n.as_f64().map(|x| x as i64)),
        Value::String(s) => s.parse().ok(),
        _ => None,
    }
}

fn map_key(kind: &Kind, key: &str) -> Option<MapKey> {
    Some(match kind {
        Kind::Bool => MapKey::Bool(key.parse().ok()?),
        Kind::Int32 | Kind::Sint32 | Kind::Sfixed32 => MapKey::I32(key.parse().ok()?),
        Kind::Int64 | Kind::Sint64 | Kind::Sfixed64 => MapKey::I64(key.parse().ok()?),
        Kind::Uint32 | Kind::Fixed32 => MapKey::U32(key.parse().ok()?),
        Kind::Uint64 | Kind::Fixed64 => MapKey::U64(key.parse().ok()?),
        Kind::String => MapKey::String(key.to_owned()),
        _ => return None,
    })
}

#[cfg(test)]
mod tests {
    use std::time::{Duration, SystemTime};

    use super::event_from_document;
    use crate::{record::Record, samples};

    #[test]
    fn every_sample_event_reads_back_as_it_was_sent() {
        let start = SystemTime::now();
        for event in samples::session_events(start) {
            let record = Record::from_event(event.clone(), Duration::from_secs(60), start)
                .expect("converts");
            let read_back = event_from_document(&record.document()).expect("reads back");
            assert_eq!(read_back, event, "{}", record.type_name);
        }
    }

    #[test]
    fn unknown_keys_and_wrong_types_are_skipped() {
        let document = serde_json::json!({
            "type": "ROOM_ENDED",
            "room_id": 42,
            "synthetic": true,
            "room": {"sid": "RM_1", "creation_time": 1.7e9},
        });
        let event = event_from_document(document.as_object().expect("object")).expect("reads");
        assert_eq!(event.r#type, 1);
        assert_eq!(event.room_id, "");
        let room = event.room.expect("room");
        assert_eq!(
            (room.sid.as_str(), room.creation_time),
            ("RM_1", 1_700_000_000)
        );
    }
}
