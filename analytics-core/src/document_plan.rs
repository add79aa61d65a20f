//! The plan of every message type of the LiveKit descriptor pool, made once: for each
//! field in field-number order, its `"name":` key ready to write, its kind and shape, what
//! is written when it is absent, and which fields share a oneof. [`crate::document`] walks
//! a message's encoding with it.

use std::{collections::HashMap, sync::Arc};

use prost_reflect::{FieldDescriptor, Kind, MessageDescriptor};

use crate::json_text::{write_i64, write_str};

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

/// Fields never stored: credentials LiveKit happens to put in its messages. They are still
/// read, so that a message is refused for them as it would be for any other field.
const FIELDS_NEVER_STORED: &[&str] = &[
    "livekit.Room.turn_password",
    "livekit.IngressInfo.stream_key",
];

/// The plan of every message of the pool, referring to each other by index.
pub(crate) struct Plans {
    pub(crate) messages: Vec<MessagePlan>,
    pub(crate) by_name: HashMap<String, usize>,
}

pub(crate) struct MessagePlan {
    /// In field-number order.
    pub(crate) fields: Vec<FieldPlan>,
    /// The field numbers of each oneof of two or more members: the last member on the wire
    /// wins, as when the message is decoded.
    pub(crate) oneofs: Vec<Box<[u32]>>,
}

pub(crate) struct FieldPlan {
    pub(crate) number: u32,
    /// `"name":`, ready to write.
    pub(crate) key: Box<[u8]>,
    pub(crate) kind: ValueKind,
    pub(crate) shape: Shape,
    /// Written when the field is absent: a named enum's zero value (not for lists or
    /// oneof members).
    pub(crate) when_absent: Option<Box<[u8]>>,
    /// A named enum, whose zero value is written rather than omitted.
    pub(crate) named_enum: bool,
    /// False for [`FIELDS_NEVER_STORED`].
    pub(crate) stored: bool,
}

pub(crate) enum Shape {
    Single,
    List,
    /// A map: the entry's key and value kinds.
    Map {
        key: ValueKind,
        value: ValueKind,
    },
}

#[derive(Clone)]
pub(crate) enum ValueKind {
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
    Enum(Option<Arc<EnumNames>>),
    /// A message, by its plan's index (`usize::MAX` when the pool lacks it).
    Message(usize),
}

/// An enum's value names, each as a JSON string ready to write.
pub(crate) struct EnumNames(HashMap<i32, Box<[u8]>>);

impl EnumNames {
    pub(crate) fn get(&self, number: i32) -> Option<&[u8]> {
        self.0.get(&number).map(|name| &name[..])
    }
}

impl Plans {
    pub(crate) fn new(messages: impl Iterator<Item = MessageDescriptor>) -> Plans {
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
                    .map(|field| field_plan(&field, &by_name, &mut enum_names))
                    .collect(),
                oneofs: descriptor
                    .oneofs()
                    .filter(|oneof| oneof.fields().len() > 1)
                    .map(|oneof| oneof.fields().map(|field| field.number()).collect())
                    .collect(),
            })
            .collect();
        Plans { messages, by_name }
    }
}

fn field_plan(
    field: &FieldDescriptor,
    by_name: &HashMap<String, usize>,
    enum_names: &mut HashMap<String, Arc<EnumNames>>,
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
                ValueKind::Enum(Some(names)) => match names.get(0) {
                    Some(name) => value.extend_from_slice(name),
                    None => write_i64(&mut value, 0),
                },
                _ => write_i64(&mut value, 0),
            }
            value.into_boxed_slice()
        });
    let mut key = Vec::new();
    write_str(&mut key, field.name());
    key.push(b':');
    FieldPlan {
        number: field.number(),
        key: key.into_boxed_slice(),
        kind,
        shape,
        when_absent,
        named_enum,
        stored: !FIELDS_NEVER_STORED.contains(&field.full_name()),
    }
}

fn value_kind(
    kind: &Kind,
    by_name: &HashMap<String, usize>,
    enum_names: &mut HashMap<String, Arc<EnumNames>>,
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
                Arc::new(EnumNames(
                    descriptor
                        .values()
                        .map(|value| {
                            let mut text = Vec::new();
                            write_str(&mut text, value.name());
                            (value.number(), text.into_boxed_slice())
                        })
                        .collect(),
                ))
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
