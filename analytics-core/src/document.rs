//! Turns a LiveKit protobuf message into the stored openvidu document: snake_case protobuf
//! field names, zero / empty / false fields omitted, nested messages nested, integers as
//! 64-bit integers, and the enums dashboards filter on written as their names.

use std::str::FromStr;

use base64::Engine;
use prost_reflect::{
    DynamicMessage, FieldDescriptor, Kind, MapKey, MessageDescriptor, ReflectMessage,
    Value as PValue,
};
use serde_json::{Map, Number, Value};

/// Enums stored as their NAME; every other enum is stored as its number, as openvidu does.
/// An enum number the protocol does not know is stored as a number, whatever its type.
const ENUMS_STORED_AS_NAMES: &[&str] = &[
    "livekit.AnalyticsEventType",
    "livekit.StreamType",
    "livekit.ParticipantInfo.State",
    "livekit.ClientInfo.SDK",
    "livekit.EgressStatus",
    "livekit.IngressState.Status",
    "livekit.TrackSource",
    "livekit.EncodingOptionsPreset",
    "livekit.AudioCodec",
    "livekit.VideoCodec",
    "livekit.EncodedFileType",
    "livekit.StreamProtocol",
    "livekit.SegmentedFileSuffix",
    "livekit.ImageFileSuffix",
    "livekit.ImageCodec",
];

/// Fields never stored: credentials LiveKit happens to put in its messages.
const FIELDS_NEVER_STORED: &[&str] = &[
    "livekit.Room.turn_password",
    "livekit.IngressInfo.stream_key",
];

/// Why a message could not be turned into a document.
#[derive(Debug, thiserror::Error)]
#[error("cannot read {message} by reflection: {source}")]
pub struct DocumentError {
    message: String,
    #[source]
    source: prost::DecodeError,
}

/// The stored document of `message`, whose protobuf type is `descriptor`.
pub fn to_document<M: prost::Message>(
    message: &M,
    descriptor: MessageDescriptor,
) -> Result<Map<String, Value>, DocumentError> {
    let name = descriptor.full_name().to_owned();
    let dynamic = DynamicMessage::decode(descriptor, message.encode_to_vec().as_slice()).map_err(
        |source| DocumentError {
            message: name,
            source,
        },
    )?;
    Ok(message_document(&dynamic))
}

fn message_document(message: &DynamicMessage) -> Map<String, Value> {
    let mut document = Map::new();
    for field in message.descriptor().fields() {
        if FIELDS_NEVER_STORED.contains(&field.full_name()) {
            continue;
        }
        let named_enum = is_named_enum(&field);
        if !message.has_field(&field) {
            // A named enum at its zero value is still written (e.g. `type: "ROOM_CREATED"`,
            // `kind: "UPSTREAM"`), so dashboards can filter on it; a unset oneof member is not.
            if named_enum && !field.is_list() && field.containing_oneof().is_none() {
                document.insert(field.name().to_owned(), enum_value(&field, 0));
            }
            continue;
        }
        let value = message.get_field(&field);
        if let Some(stored) = field_value(&field, &value, named_enum) {
            document.insert(field.name().to_owned(), stored);
        }
    }
    document
}

fn is_named_enum(field: &FieldDescriptor) -> bool {
    match field.kind() {
        Kind::Enum(descriptor) => ENUMS_STORED_AS_NAMES.contains(&descriptor.full_name()),
        _ => false,
    }
}

/// The stored value of a set field, or `None` when it is a zero value to omit.
fn field_value(field: &FieldDescriptor, value: &PValue, named_enum: bool) -> Option<Value> {
    match value {
        PValue::List(items) if items.is_empty() => None,
        PValue::List(items) => Some(Value::Array(
            items.iter().map(|item| item_value(field, item)).collect(),
        )),
        PValue::Map(entries) if entries.is_empty() => None,
        PValue::Map(entries) => {
            let value_field = field
                .kind()
                .as_message()
                .map(|entry| entry.map_entry_value_field());
            let object = entries
                .iter()
                .map(|(key, value)| {
                    let stored = match &value_field {
                        Some(value_field) => item_value(value_field, value),
                        None => Value::Null,
                    };
                    (map_key(key), stored)
                })
                .collect();
            Some(Value::Object(object))
        }
        PValue::EnumNumber(0) if named_enum => Some(enum_value(field, 0)),
        other if is_zero(other) => None,
        other => Some(item_value(field, other)),
    }
}

/// The stored value of one scalar, enum or message, zeros included (list items keep them).
fn item_value(field: &FieldDescriptor, value: &PValue) -> Value {
    match value {
        PValue::Bool(b) => Value::Bool(*b),
        PValue::I32(n) => Value::from(i64::from(*n)),
        PValue::I64(n) => Value::from(*n),
        PValue::U32(n) => Value::from(i64::from(*n)),
        PValue::U64(n) => match i64::try_from(*n) {
            Ok(n) => Value::from(n),
            Err(_) => float_value(*n as f64),
        },
        // Go's JSON round trip writes a float32 with its shortest form (4.3, not 4.30000019).
        PValue::F32(x) => float_value(f64::from_str(&x.to_string()).unwrap_or(f64::from(*x))),
        PValue::F64(x) => float_value(*x),
        PValue::String(s) => Value::String(s.clone()),
        PValue::Bytes(b) => Value::String(base64::engine::general_purpose::STANDARD.encode(b)),
        PValue::EnumNumber(n) => enum_value(field, *n),
        PValue::Message(message) => Value::Object(message_document(message)),
        PValue::List(_) | PValue::Map(_) => field_value(field, value, false).unwrap_or(Value::Null),
    }
}

fn enum_value(field: &FieldDescriptor, number: i32) -> Value {
    let name = match field.kind() {
        Kind::Enum(descriptor) if is_named_enum(field) => descriptor
            .get_value(number)
            .map(|value| value.name().to_owned()),
        _ => None,
    };
    name.map(Value::String)
        .unwrap_or_else(|| Value::from(i64::from(number)))
}

fn float_value(x: f64) -> Value {
    Number::from_f64(x)
        .map(Value::Number)
        .unwrap_or(Value::Null)
}

fn is_zero(value: &PValue) -> bool {
    match value {
        PValue::Bool(b) => !b,
        PValue::I32(n) | PValue::EnumNumber(n) => *n == 0,
        PValue::I64(n) => *n == 0,
        PValue::U32(n) => *n == 0,
        PValue::U64(n) => *n == 0,
        PValue::F32(x) => *x == 0.0 || !x.is_finite(),
        PValue::F64(x) => *x == 0.0 || !x.is_finite(),
        PValue::String(s) => s.is_empty(),
        PValue::Bytes(b) => b.is_empty(),
        PValue::Message(_) | PValue::List(_) | PValue::Map(_) => false,
    }
}

fn map_key(key: &MapKey) -> String {
    match key {
        MapKey::Bool(b) => b.to_string(),
        MapKey::I32(n) => n.to_string(),
        MapKey::I64(n) => n.to_string(),
        MapKey::U32(n) => n.to_string(),
        MapKey::U64(n) => n.to_string(),
        MapKey::String(s) => s.clone(),
    }
}
