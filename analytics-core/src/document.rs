//! Turns a LiveKit protobuf message into the stored openvidu document: snake_case protobuf
//! field names, zero / empty / false fields omitted, nested messages nested, integers as
//! 64-bit integers, and the enums dashboards filter on written as their names.
//!
//! The document is written as JSON text straight from the message's protobuf encoding,
//! walked with a plan made once per message type from the descriptors (field names, kinds,
//! which enums are named): no dynamic message and no JSON tree per record. Keys come in
//! field-number order, as the descriptor lists them.

use std::{collections::HashMap, str::FromStr, sync::OnceLock};

use base64::Engine;
use prost_reflect::{FieldDescriptor, Kind, MessageDescriptor};
use serde_json::{Map, Value};

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
#[error("cannot read {message} by reflection: {reason}")]
pub struct DocumentError {
    message: String,
    reason: String,
}

/// The stored document of `message`, whose protobuf type is `descriptor`.
pub fn to_document<M: prost::Message>(
    message: &M,
    descriptor: MessageDescriptor,
) -> Result<Map<String, Value>, DocumentError> {
    let text = to_document_json(message, &descriptor)?;
    serde_json::from_str(&text).map_err(|error| DocumentError {
        message: descriptor.full_name().to_owned(),
        reason: error.to_string(),
    })
}

/// The stored document of `message` as JSON text (what [`to_document`] holds, serialized).
pub fn to_document_json<M: prost::Message>(
    message: &M,
    descriptor: &MessageDescriptor,
) -> Result<String, DocumentError> {
    let name = descriptor.full_name();
    let plans = PLANS.get_or_init(|| Plans::new(descriptor.parent_pool().all_messages()));
    let Some(&index) = plans.by_name.get(name) else {
        return Err(DocumentError {
            message: name.to_owned(),
            reason: "not in the descriptor pool".to_owned(),
        });
    };
    let bytes = message.encode_to_vec();
    let mut out = Vec::with_capacity(bytes.len() * 2 + 64);
    plans
        .write_message(index, &bytes, &mut out)
        .map_err(|reason| DocumentError {
            message: name.to_owned(),
            reason: reason.to_owned(),
        })?;
    String::from_utf8(out).map_err(|error| DocumentError {
        message: name.to_owned(),
        reason: error.to_string(),
    })
}

/// A decoding failure (the encoding does not match the descriptors).
type WireError = &'static str;

/// Made from the (one, static) LiveKit descriptor pool on first use.
static PLANS: OnceLock<Plans> = OnceLock::new();

/// The plan of every message of the pool, referring to each other by index.
struct Plans {
    messages: Vec<MessagePlan>,
    by_name: HashMap<String, usize>,
}

struct MessagePlan {
    fields: Vec<FieldPlan>,
}

struct FieldPlan {
    number: u32,
    /// `"name":`, ready to write.
    key: Box<[u8]>,
    kind: ValueKind,
    shape: Shape,
    /// Written when the field is absent: a named enum's zero value (not for lists or
    /// oneof members).
    when_absent: Option<Box<[u8]>>,
    /// A named enum, whose zero value is written rather than omitted.
    named_enum: bool,
}

enum Shape {
    Single,
    List,
    /// A map: the entry's key and value kinds.
    Map {
        key: ValueKind,
        value: ValueKind,
    },
}

#[derive(Clone)]
enum ValueKind {
    Double,
    Float,
    Int32,
    Int64,
    Uint32,
    Uint64,
    Sint32,
    Sint64,
    Fixed32,
    Fixed64,
    Sfixed32,
    Sfixed64,
    Bool,
    String,
    Bytes,
    /// An enum: its value names when it is stored by name.
    Enum(Option<std::sync::Arc<HashMap<i32, Box<str>>>>),
    Message(usize),
}

impl Plans {
    fn new(messages: impl Iterator<Item = MessageDescriptor>) -> Plans {
        let descriptors: Vec<MessageDescriptor> = messages.collect();
        let by_name: HashMap<String, usize> = descriptors
            .iter()
            .enumerate()
            .map(|(index, descriptor)| (descriptor.full_name().to_owned(), index))
            .collect();
        let mut enum_names = HashMap::new();
        let messages = descriptors
            .iter()
            .map(|descriptor| MessagePlan {
                fields: descriptor
                    .fields()
                    .filter(|field| !FIELDS_NEVER_STORED.contains(&field.full_name()))
                    .map(|field| field_plan(&field, &by_name, &mut enum_names))
                    .collect(),
            })
            .collect();
        Plans { messages, by_name }
    }

    fn write_message(
        &self,
        index: usize,
        bytes: &[u8],
        out: &mut Vec<u8>,
    ) -> Result<(), WireError> {
        let plan = self
            .messages
            .get(index)
            .ok_or("a message type missing from the pool")?;
        let mut occurrences = read_fields(bytes)?;
        // Stable: the occurrences of one field keep their order (the last one wins).
        if !occurrences.is_sorted_by_key(|(number, _)| *number) {
            occurrences.sort_by_key(|(number, _)| *number);
        }
        let mut rest = occurrences.as_slice();
        out.push(b'{');
        let mut first = true;
        for field in &plan.fields {
            let skipped = rest.partition_point(|(number, _)| *number < field.number);
            rest = &rest[skipped..];
            let found = rest.partition_point(|(number, _)| *number == field.number);
            let (run, after) = rest.split_at(found);
            rest = after;
            if run.is_empty() {
                if let Some(absent) = &field.when_absent {
                    write_key(out, &mut first, &field.key);
                    out.extend_from_slice(absent);
                }
                continue;
            }
            match &field.shape {
                Shape::Single => self.write_single(field, run, out, &mut first)?,
                Shape::List => self.write_list(field, run, out, &mut first)?,
                Shape::Map { key, value } => {
                    self.write_map(field, run, (key, value), out, &mut first)?
                }
            }
        }
        out.push(b'}');
        Ok(())
    }

    /// A single field present (`run`: its occurrences): the last occurrence, or all of them
    /// merged for a message; nothing when its value is zero (a named enum's zero excepted).
    fn write_single(
        &self,
        field: &FieldPlan,
        run: &[(u32, Wire<'_>)],
        out: &mut Vec<u8>,
        first: &mut bool,
    ) -> Result<(), WireError> {
        let mut values = run.iter().map(|(_, wire)| wire);
        let Some(first_value) = values.next() else {
            return Ok(());
        };
        let last = values.next_back();
        let merged;
        let wire = match (&field.kind, last) {
            // Several occurrences of a message field merge, as concatenation does.
            (ValueKind::Message(_), Some(_)) => {
                merged = merge_occurrences(run, field.number);
                Wire::Bytes(&merged)
            }
            (_, Some(last)) => *last,
            (_, None) => *first_value,
        };
        let value = decode(&field.kind, wire)?;
        if value.is_zero() && !(field.named_enum && matches!(value, Scalar::Enum(0))) {
            return Ok(());
        }
        write_key(out, first, &field.key);
        self.write_value(&field.kind, value, out)
    }

    /// A repeated field present: the items of every occurrence (packed or not) in one list;
    /// nothing when they are all empty packed lists.
    fn write_list(
        &self,
        field: &FieldPlan,
        run: &[(u32, Wire<'_>)],
        out: &mut Vec<u8>,
        first: &mut bool,
    ) -> Result<(), WireError> {
        write_key(out, first, &field.key);
        out.push(b'[');
        let mut first_item = true;
        for (_, wire) in run {
            for item in list_items(&field.kind, *wire)? {
                if !first_item {
                    out.push(b',');
                }
                first_item = false;
                self.write_value(&field.kind, item, out)?;
            }
        }
        out.push(b']');
        if first_item {
            // An empty packed list is no list: take the key back out.
            out.truncate(out.len() - field.key.len() - 2);
            if out.last() == Some(&b',') {
                out.pop();
            } else {
                *first = true;
            }
        }
        Ok(())
    }

    /// A map field present: its entries as a JSON object.
    fn write_map(
        &self,
        field: &FieldPlan,
        run: &[(u32, Wire<'_>)],
        (key, value): (&ValueKind, &ValueKind),
        out: &mut Vec<u8>,
        first: &mut bool,
    ) -> Result<(), WireError> {
        let entries = map_entries(run, field.number, key, value)?;
        write_key(out, first, &field.key);
        out.push(b'{');
        for (position, (entry_key, entry_value)) in entries.into_iter().enumerate() {
            if position > 0 {
                out.push(b',');
            }
            write_json(out, &entry_key.map_key());
            out.push(b':');
            self.write_value(value, entry_value, out)?;
        }
        out.push(b'}');
        Ok(())
    }

    /// One value, zeros included (list items and map values keep them).
    fn write_value(
        &self,
        kind: &ValueKind,
        value: Scalar,
        out: &mut Vec<u8>,
    ) -> Result<(), WireError> {
        match value {
            Scalar::Bool(b) => out.extend_from_slice(if b { b"true" } else { b"false" }),
            Scalar::I64(n) => write_json(out, &n),
            Scalar::U64(n) => match i64::try_from(n) {
                Ok(n) => write_json(out, &n),
                Err(_) => write_float(out, n as f64),
            },
            // Go's JSON round trip writes a float32 with its shortest form (4.3, not 4.30000019).
            Scalar::F32(x) => {
                write_float(out, f64::from_str(&x.to_string()).unwrap_or(f64::from(x)))
            }
            Scalar::F64(x) => write_float(out, x),
            Scalar::Str(s) => write_json(out, s),
            Scalar::Bytes(b) => {
                write_json(out, &base64::engine::general_purpose::STANDARD.encode(b))
            }
            Scalar::Enum(n) => match kind {
                ValueKind::Enum(Some(names)) => match names.get(&n) {
                    Some(name) => write_json(out, name),
                    None => write_json(out, &i64::from(n)),
                },
                _ => write_json(out, &i64::from(n)),
            },
            Scalar::Message(bytes) => match kind {
                ValueKind::Message(index) => self.write_message(*index, bytes, out)?,
                _ => return Err("a message where the descriptor has none"),
            },
        }
        Ok(())
    }
}

fn field_plan(
    field: &FieldDescriptor,
    by_name: &HashMap<String, usize>,
    enum_names: &mut HashMap<String, std::sync::Arc<HashMap<i32, Box<str>>>>,
) -> FieldPlan {
    let named_enum = is_named_enum(field);
    let kind = value_kind(&field.kind(), by_name, enum_names);
    let shape = if field.is_map() {
        match field.kind().as_message() {
            Some(entry) => Shape::Map {
                key: value_kind(&entry.map_entry_key_field().kind(), by_name, enum_names),
                value: value_kind(&entry.map_entry_value_field().kind(), by_name, enum_names),
            },
            None => Shape::List,
        }
    } else if field.is_list() {
        Shape::List
    } else {
        Shape::Single
    };
    let when_absent =
        (named_enum && !field.is_list() && field.containing_oneof().is_none()).then(|| {
            let mut value = Vec::new();
            match &kind {
                ValueKind::Enum(Some(names)) => match names.get(&0) {
                    Some(name) => write_json(&mut value, name),
                    None => write_json(&mut value, &0i64),
                },
                _ => write_json(&mut value, &0i64),
            }
            value.into_boxed_slice()
        });
    let mut key = Vec::new();
    write_json(&mut key, field.name());
    key.push(b':');
    FieldPlan {
        number: field.number(),
        key: key.into_boxed_slice(),
        kind,
        shape,
        when_absent,
        named_enum,
    }
}

fn value_kind(
    kind: &Kind,
    by_name: &HashMap<String, usize>,
    enum_names: &mut HashMap<String, std::sync::Arc<HashMap<i32, Box<str>>>>,
) -> ValueKind {
    match kind {
        Kind::Double => ValueKind::Double,
        Kind::Float => ValueKind::Float,
        Kind::Int32 => ValueKind::Int32,
        Kind::Int64 => ValueKind::Int64,
        Kind::Uint32 => ValueKind::Uint32,
        Kind::Uint64 => ValueKind::Uint64,
        Kind::Sint32 => ValueKind::Sint32,
        Kind::Sint64 => ValueKind::Sint64,
        Kind::Fixed32 => ValueKind::Fixed32,
        Kind::Fixed64 => ValueKind::Fixed64,
        Kind::Sfixed32 => ValueKind::Sfixed32,
        Kind::Sfixed64 => ValueKind::Sfixed64,
        Kind::Bool => ValueKind::Bool,
        Kind::String => ValueKind::String,
        Kind::Bytes => ValueKind::Bytes,
        Kind::Enum(descriptor) => {
            let name = descriptor.full_name();
            if !ENUMS_STORED_AS_NAMES.contains(&name) {
                return ValueKind::Enum(None);
            }
            let names = enum_names.entry(name.to_owned()).or_insert_with(|| {
                std::sync::Arc::new(
                    descriptor
                        .values()
                        .map(|value| (value.number(), value.name().into()))
                        .collect(),
                )
            });
            ValueKind::Enum(Some(names.clone()))
        }
        Kind::Message(descriptor) => by_name
            .get(descriptor.full_name())
            .map_or(ValueKind::Message(usize::MAX), |&index| {
                ValueKind::Message(index)
            }),
    }
}

fn is_named_enum(field: &FieldDescriptor) -> bool {
    match field.kind() {
        Kind::Enum(descriptor) => ENUMS_STORED_AS_NAMES.contains(&descriptor.full_name()),
        _ => false,
    }
}

/// One field occurrence on the wire.
#[derive(Clone, Copy)]
enum Wire<'a> {
    Varint(u64),
    Fixed64([u8; 8]),
    Fixed32([u8; 4]),
    Bytes(&'a [u8]),
}

/// One decoded value.
enum Scalar<'a> {
    Bool(bool),
    I64(i64),
    U64(u64),
    F32(f32),
    F64(f64),
    Str(&'a str),
    Bytes(&'a [u8]),
    Enum(i32),
    Message(&'a [u8]),
}

impl Scalar<'_> {
    /// Whether a singular field holding this value is omitted (zeros, empties, false and
    /// non-finite floats). A message, even empty, is kept.
    fn is_zero(&self) -> bool {
        match self {
            Scalar::Bool(b) => !b,
            Scalar::I64(n) => *n == 0,
            Scalar::U64(n) => *n == 0,
            Scalar::Enum(n) => *n == 0,
            Scalar::F32(x) => *x == 0.0 || !x.is_finite(),
            Scalar::F64(x) => *x == 0.0 || !x.is_finite(),
            Scalar::Str(s) => s.is_empty(),
            Scalar::Bytes(b) => b.is_empty(),
            Scalar::Message(_) => false,
        }
    }
}

/// Key and value of a map entry, for the key's text.
impl Scalar<'_> {
    fn map_key(&self) -> String {
        match self {
            Scalar::Bool(b) => b.to_string(),
            Scalar::I64(n) => n.to_string(),
            Scalar::U64(n) => n.to_string(),
            Scalar::Enum(n) => n.to_string(),
            Scalar::Str(s) => (*s).to_owned(),
            Scalar::F32(x) => x.to_string(),
            Scalar::F64(x) => x.to_string(),
            Scalar::Bytes(_) | Scalar::Message(_) => String::new(),
        }
    }
}

fn read_varint(bytes: &[u8], at: &mut usize) -> Result<u64, WireError> {
    let mut value = 0u64;
    for shift in (0..70).step_by(7) {
        let byte = *bytes.get(*at).ok_or("truncated varint")?;
        *at += 1;
        value |= u64::from(byte & 0x7f) << shift;
        if byte < 0x80 {
            return Ok(value);
        }
    }
    Err("varint too long")
}

fn take<'a>(bytes: &'a [u8], at: &mut usize, len: usize) -> Result<&'a [u8], WireError> {
    let end = at.checked_add(len).ok_or("length overflows")?;
    let slice = bytes.get(*at..end).ok_or("truncated field")?;
    *at = end;
    Ok(slice)
}

/// Every field occurrence of a message, in wire order.
fn read_fields(bytes: &[u8]) -> Result<Vec<(u32, Wire<'_>)>, WireError> {
    let mut fields = Vec::with_capacity(32);
    let mut at = 0;
    while at < bytes.len() {
        let tag = read_varint(bytes, &mut at)?;
        let number = u32::try_from(tag >> 3).map_err(|_| "field number too large")?;
        let wire = match tag & 7 {
            0 => Wire::Varint(read_varint(bytes, &mut at)?),
            1 => Wire::Fixed64(take(bytes, &mut at, 8)?.try_into().map_err(|_| "fixed64")?),
            2 => {
                let len = usize::try_from(read_varint(bytes, &mut at)?)
                    .map_err(|_| "length too large")?;
                Wire::Bytes(take(bytes, &mut at, len)?)
            }
            5 => Wire::Fixed32(take(bytes, &mut at, 4)?.try_into().map_err(|_| "fixed32")?),
            _ => return Err("unsupported wire type"),
        };
        fields.push((number, wire));
    }
    Ok(fields)
}

/// A singular value of `kind` from its wire occurrence.
fn decode<'a>(kind: &ValueKind, wire: Wire<'a>) -> Result<Scalar<'a>, WireError> {
    Ok(match (kind, wire) {
        (ValueKind::Int32, Wire::Varint(v)) => Scalar::I64(i64::from(v as i32)),
        (ValueKind::Int64, Wire::Varint(v)) => Scalar::I64(v as i64),
        (ValueKind::Uint32, Wire::Varint(v)) => Scalar::I64(i64::from(v as u32)),
        (ValueKind::Uint64, Wire::Varint(v)) => Scalar::U64(v),
        (ValueKind::Sint32, Wire::Varint(v)) => {
            let v = v as u32;
            Scalar::I64(i64::from(((v >> 1) as i32) ^ -((v & 1) as i32)))
        }
        (ValueKind::Sint64, Wire::Varint(v)) => Scalar::I64(((v >> 1) as i64) ^ -((v & 1) as i64)),
        (ValueKind::Bool, Wire::Varint(v)) => Scalar::Bool(v != 0),
        (ValueKind::Enum(_), Wire::Varint(v)) => Scalar::Enum(v as i32),
        (ValueKind::Fixed32, Wire::Fixed32(b)) => Scalar::I64(i64::from(u32::from_le_bytes(b))),
        (ValueKind::Sfixed32, Wire::Fixed32(b)) => Scalar::I64(i64::from(i32::from_le_bytes(b))),
        (ValueKind::Float, Wire::Fixed32(b)) => Scalar::F32(f32::from_le_bytes(b)),
        (ValueKind::Fixed64, Wire::Fixed64(b)) => Scalar::U64(u64::from_le_bytes(b)),
        (ValueKind::Sfixed64, Wire::Fixed64(b)) => Scalar::I64(i64::from_le_bytes(b)),
        (ValueKind::Double, Wire::Fixed64(b)) => Scalar::F64(f64::from_le_bytes(b)),
        (ValueKind::String, Wire::Bytes(b)) => {
            Scalar::Str(std::str::from_utf8(b).map_err(|_| "invalid UTF-8 in a string field")?)
        }
        (ValueKind::Bytes, Wire::Bytes(b)) => Scalar::Bytes(b),
        (ValueKind::Message(_), Wire::Bytes(b)) => Scalar::Message(b),
        _ => return Err("invalid wire type for the field"),
    })
}

/// The items of one occurrence of a list field: one value, or a packed run of them.
fn list_items<'a>(kind: &ValueKind, wire: Wire<'a>) -> Result<Vec<Scalar<'a>>, WireError> {
    let packable = !matches!(
        kind,
        ValueKind::String | ValueKind::Bytes | ValueKind::Message(_)
    );
    let Wire::Bytes(bytes) = wire else {
        return Ok(vec![decode(kind, wire)?]);
    };
    if !packable {
        return Ok(vec![decode(kind, wire)?]);
    }
    let mut items = Vec::new();
    let mut at = 0;
    while at < bytes.len() {
        let item = match kind {
            ValueKind::Fixed32 | ValueKind::Sfixed32 | ValueKind::Float => {
                Wire::Fixed32(take(bytes, &mut at, 4)?.try_into().map_err(|_| "fixed32")?)
            }
            ValueKind::Fixed64 | ValueKind::Sfixed64 | ValueKind::Double => {
                Wire::Fixed64(take(bytes, &mut at, 8)?.try_into().map_err(|_| "fixed64")?)
            }
            _ => Wire::Varint(read_varint(bytes, &mut at)?),
        };
        items.push(decode(kind, item)?);
    }
    Ok(items)
}

/// Every occurrence of a message field, concatenated (which merges them).
fn merge_occurrences(occurrences: &[(u32, Wire<'_>)], number: u32) -> Vec<u8> {
    let mut merged = Vec::new();
    for (_, wire) in occurrences.iter().filter(|(n, _)| *n == number) {
        if let Wire::Bytes(bytes) = wire {
            merged.extend_from_slice(bytes);
        }
    }
    merged
}

/// The entries of a map field, a later entry replacing an earlier one with the same key.
fn map_entries<'a>(
    occurrences: &[(u32, Wire<'a>)],
    number: u32,
    key_kind: &ValueKind,
    value_kind: &ValueKind,
) -> Result<Vec<(Scalar<'a>, Scalar<'a>)>, WireError> {
    let mut entries: Vec<(String, Scalar<'a>, Scalar<'a>)> = Vec::new();
    for (_, wire) in occurrences.iter().filter(|(n, _)| *n == number) {
        let Wire::Bytes(entry) = wire else {
            return Err("invalid wire type for a map entry");
        };
        let mut key = default_scalar(key_kind);
        let mut value = default_scalar(value_kind);
        for (field, wire) in read_fields(entry)? {
            match field {
                1 => key = decode(key_kind, wire)?,
                2 => value = decode(value_kind, wire)?,
                _ => {}
            }
        }
        let text = key.map_key();
        match entries
            .iter_mut()
            .find(|(existing, _, _)| *existing == text)
        {
            Some(slot) => slot.2 = value,
            None => entries.push((text, key, value)),
        }
    }
    Ok(entries
        .into_iter()
        .map(|(_, key, value)| (key, value))
        .collect())
}

fn default_scalar(kind: &ValueKind) -> Scalar<'static> {
    match kind {
        ValueKind::Double => Scalar::F64(0.0),
        ValueKind::Float => Scalar::F32(0.0),
        ValueKind::Uint64 | ValueKind::Fixed64 => Scalar::U64(0),
        ValueKind::Bool => Scalar::Bool(false),
        ValueKind::String => Scalar::Str(""),
        ValueKind::Bytes => Scalar::Bytes(&[]),
        ValueKind::Enum(_) => Scalar::Enum(0),
        ValueKind::Message(_) => Scalar::Message(&[]),
        _ => Scalar::I64(0),
    }
}

fn write_key(out: &mut Vec<u8>, first: &mut bool, key: &[u8]) {
    if !*first {
        out.push(b',');
    }
    *first = false;
    out.extend_from_slice(key);
}

/// Writes a value exactly as serde_json writes it.
fn write_json<T: serde::Serialize + ?Sized>(out: &mut Vec<u8>, value: &T) {
    // Writing a string or a number into a Vec cannot fail.
    let _ = serde_json::to_writer(&mut *out, value);
}

/// A float as serde_json writes a `Number` (a non-finite one, which has none, as null).
fn write_float(out: &mut Vec<u8>, x: f64) {
    if x.is_finite() {
        write_json(out, &x);
    } else {
        out.extend_from_slice(b"null");
    }
}
