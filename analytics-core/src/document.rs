//! Turns a LiveKit protobuf message into the stored openvidu document: snake_case protobuf
//! field names, zero / empty / false fields omitted, nested messages nested, integers as
//! 64-bit integers, and the enums dashboards filter on written as their names.
//!
//! The document is written as JSON text straight from the message's protobuf encoding (the
//! bytes LiveKit sent, or a message's own encoding), walked with the plan of its type
//! ([`crate::document_plan`]): no decoded message and no JSON tree per record. Keys come in
//! field-number order. The encoding is read as prost decodes it: the last occurrence of a
//! field wins, occurrences of a message field merge, the last member of a oneof wins, and
//! an encoding prost refuses is refused.

use std::sync::OnceLock;

use base64::Engine;
use prost_reflect::MessageDescriptor;
use serde_json::{Map, Value};

use crate::{
    document_plan::{FieldPlan, Plans, Shape, ValueKind},
    json_text::{write_f32, write_f64, write_i64, write_str, write_u64},
    wire::{read_fields, read_varint, take_array, Occurrences, Wire, WireError, MAX_DEPTH},
};

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
    DocumentWriter::of(descriptor)?.write(&message.encode_to_vec())
}

/// Made from the (one, static) LiveKit descriptor pool on first use.
static PLANS: OnceLock<Plans> = OnceLock::new();

/// Writes the documents of one message type from their encodings.
pub(crate) struct DocumentWriter {
    plans: &'static Plans,
    index: usize,
    name: String,
}

impl DocumentWriter {
    /// The writer of `descriptor`'s type.
    pub(crate) fn of(descriptor: &MessageDescriptor) -> Result<DocumentWriter, DocumentError> {
        let plans = PLANS.get_or_init(|| Plans::new(descriptor.parent_pool().all_messages()));
        let name = descriptor.full_name().to_owned();
        match plans.by_name.get(&name) {
            Some(&index) => Ok(DocumentWriter { plans, index, name }),
            None => Err(DocumentError {
                message: name,
                reason: "not in the descriptor pool".to_owned(),
            }),
        }
    }

    /// The document of the message encoded as `bytes`, as JSON text.
    pub(crate) fn write(&self, bytes: &[u8]) -> Result<String, DocumentError> {
        // A document takes about 3.5 times its encoding's bytes: room enough not to grow.
        let mut out = Vec::with_capacity(bytes.len() * 4 + 64);
        self.plans
            .write_message(self.index, bytes, &mut out, 0)
            .map_err(|reason| self.error(reason))?;
        String::from_utf8(out).map_err(|error| self.error(&error.to_string()))
    }

    fn error(&self, reason: &str) -> DocumentError {
        DocumentError {
            message: self.name.clone(),
            reason: reason.to_owned(),
        }
    }
}

/// Marks an occurrence that does not count (a oneof member another one replaced): above
/// every field number, so it sorts last and matches no field.
const DROPPED: u32 = u32::MAX;

impl Plans {
    fn write_message(
        &self,
        index: usize,
        bytes: &[u8],
        out: &mut Vec<u8>,
        depth: u32,
    ) -> Result<(), WireError> {
        if depth >= MAX_DEPTH {
            return Err("recursion limit reached");
        }
        let plan = self
            .messages
            .get(index)
            .ok_or("a message type missing from the pool")?;
        let mut occurrences = Occurrences::new();
        read_fields(bytes, &mut occurrences)?;
        for members in &plan.oneofs {
            self.keep_oneof_winner(&plan.fields, members, &mut occurrences, depth)?;
        }
        // Stable: the occurrences of one field keep their order (the last one wins).
        if !occurrences.is_sorted_by_key(|(number, _)| *number) {
            occurrences.sort_by_key(|(number, _)| *number);
        }
        let mut rest = occurrences.as_slice();
        out.push(b'{');
        let mut first = true;
        for field in &plan.fields {
            let skipped = rest
                .iter()
                .take_while(|(number, _)| *number < field.number)
                .count();
            rest = &rest[skipped..];
            let found = rest
                .iter()
                .take_while(|(number, _)| *number == field.number)
                .count();
            let (run, after) = rest.split_at(found);
            rest = after;
            if run.is_empty() {
                if let Some(absent) = &field.when_absent {
                    write_key(out, &mut first, &field.key);
                    out.extend_from_slice(absent);
                }
            } else if field.stored {
                self.write_field(field, run, out, &mut first, depth)?;
            } else {
                self.check_field(field, run, depth)?;
            }
        }
        out.push(b'}');
        Ok(())
    }

    /// Drops the occurrences of a oneof that decoding would not keep: every member but the
    /// last one on the wire, and that member's occurrences before another member's. (They
    /// are still read, to refuse what decoding refuses.)
    fn keep_oneof_winner(
        &self,
        fields: &[FieldPlan],
        members: &[u32],
        occurrences: &mut [(u32, Wire<'_>)],
        depth: u32,
    ) -> Result<(), WireError> {
        let is_member = |number: &u32| members.contains(number);
        let Some(last) = occurrences.iter().rposition(|(n, _)| is_member(n)) else {
            return Ok(());
        };
        let winner = occurrences[last].0;
        let Some(cut) = occurrences[..last]
            .iter()
            .rposition(|(n, _)| *n != winner && is_member(n))
        else {
            return Ok(());
        };
        for (number, wire) in &mut occurrences[..cut + 1] {
            if is_member(number) {
                if let Some(field) = fields.iter().find(|field| field.number == *number) {
                    self.check_field(field, &[(*number, *wire)], depth)?;
                }
                *number = DROPPED;
            }
        }
        Ok(())
    }

    /// Reads a field present as if to write it, writing nothing: refuses what decoding
    /// refuses.
    fn check_field(
        &self,
        field: &FieldPlan,
        run: &[(u32, Wire<'_>)],
        depth: u32,
    ) -> Result<(), WireError> {
        let mut discarded = Vec::new();
        self.write_field(field, run, &mut discarded, &mut true, depth)
    }

    /// A field present (`run`: its occurrences, in wire order).
    fn write_field(
        &self,
        field: &FieldPlan,
        run: &[(u32, Wire<'_>)],
        out: &mut Vec<u8>,
        first: &mut bool,
        depth: u32,
    ) -> Result<(), WireError> {
        match &field.shape {
            Shape::Single => self.write_single(field, run, out, first, depth),
            Shape::List => self.write_list(field, run, out, first, depth),
            Shape::Map { key, value } => {
                self.write_map(field, run, (key, value), out, first, depth)
            }
        }
    }

    /// A single field: its last occurrence, or all of them merged for a message; nothing
    /// when its value is zero (a named enum's zero excepted).
    fn write_single(
        &self,
        field: &FieldPlan,
        run: &[(u32, Wire<'_>)],
        out: &mut Vec<u8>,
        first: &mut bool,
        depth: u32,
    ) -> Result<(), WireError> {
        let merged;
        let wire = match (&field.kind, run) {
            (_, []) => return Ok(()),
            (_, [(_, only)]) => *only,
            // Several occurrences of a message field merge, as concatenation does.
            (ValueKind::Message(_), _) => {
                merged = merge_occurrences(run)?;
                Wire::Bytes(&merged)
            }
            (_, [earlier @ .., (_, last)]) => {
                for (_, wire) in earlier {
                    decode(&field.kind, *wire)?;
                }
                *last
            }
        };
        let value = decode(&field.kind, wire)?;
        if value.is_zero() && !(field.named_enum && matches!(value, Scalar::Enum(0))) {
            return Ok(());
        }
        write_key(out, first, &field.key);
        self.write_value(&field.kind, value, out, depth)
    }

    /// A repeated field: the items of every occurrence (packed or not) in one list; nothing
    /// when they are all empty packed lists.
    fn write_list(
        &self,
        field: &FieldPlan,
        run: &[(u32, Wire<'_>)],
        out: &mut Vec<u8>,
        first: &mut bool,
        depth: u32,
    ) -> Result<(), WireError> {
        let mark = out.len();
        let was_first = *first;
        write_key(out, first, &field.key);
        out.push(b'[');
        let mut items = 0usize;
        for (_, wire) in run {
            match (wire, packed_width(&field.kind)) {
                (Wire::Bytes(bytes), Some(width)) => {
                    let mut at = 0;
                    while at < bytes.len() {
                        let item = match width {
                            PackedWidth::Varint => Wire::Varint(read_varint(bytes, &mut at)?),
                            PackedWidth::Fixed32 => Wire::Fixed32(take_array(bytes, &mut at)?),
                            PackedWidth::Fixed64 => Wire::Fixed64(take_array(bytes, &mut at)?),
                        };
                        self.write_item(&field.kind, item, items, out, depth)?;
                        items += 1;
                    }
                }
                _ => {
                    self.write_item(&field.kind, *wire, items, out, depth)?;
                    items += 1;
                }
            }
        }
        if items == 0 {
            // An empty packed list is no list: take the key back out.
            out.truncate(mark);
            *first = was_first;
        } else {
            out.push(b']');
        }
        Ok(())
    }

    fn write_item(
        &self,
        kind: &ValueKind,
        wire: Wire<'_>,
        position: usize,
        out: &mut Vec<u8>,
        depth: u32,
    ) -> Result<(), WireError> {
        if position > 0 {
            out.push(b',');
        }
        self.write_value(kind, decode(kind, wire)?, out, depth)
    }

    /// A map field: its entries as a JSON object, in the order their keys first came, a
    /// later entry replacing the value of an earlier one with the same key.
    fn write_map(
        &self,
        field: &FieldPlan,
        run: &[(u32, Wire<'_>)],
        (key_kind, value_kind): (&ValueKind, &ValueKind),
        out: &mut Vec<u8>,
        first: &mut bool,
        depth: u32,
    ) -> Result<(), WireError> {
        let mut entries: Vec<(String, Vec<u8>)> = Vec::new();
        for (_, wire) in run {
            let Wire::Bytes(entry) = wire else {
                return Err("invalid wire type for a map entry");
            };
            let mut fields = Occurrences::new();
            read_fields(entry, &mut fields)?;
            let part = |number: u32| -> Vec<(u32, Wire<'_>)> {
                fields
                    .iter()
                    .filter(|(n, _)| *n == number)
                    .copied()
                    .collect()
            };
            let key = match part(1).as_slice() {
                [] => default_scalar(key_kind),
                [.., (_, last)] => decode(key_kind, *last)?,
            }
            .map_key();
            let mut value = Vec::new();
            let values = part(2);
            let merged;
            let wire = match (value_kind, values.as_slice()) {
                (_, []) => None,
                (ValueKind::Message(_), [_, _, ..]) => {
                    merged = merge_occurrences(&values)?;
                    Some(Wire::Bytes(&merged))
                }
                (_, [.., (_, last)]) => Some(*last),
            };
            let scalar = match wire {
                Some(wire) => decode(value_kind, wire)?,
                None => default_scalar(value_kind),
            };
            self.write_value(value_kind, scalar, &mut value, depth)?;
            match entries.iter_mut().find(|(existing, _)| *existing == key) {
                Some(slot) => slot.1 = value,
                None => entries.push((key, value)),
            }
        }
        write_key(out, first, &field.key);
        out.push(b'{');
        for (position, (key, value)) in entries.iter().enumerate() {
            if position > 0 {
                out.push(b',');
            }
            write_str(out, key);
            out.push(b':');
            out.extend_from_slice(value);
        }
        out.push(b'}');
        Ok(())
    }

    /// One value, zeros included (list items and map values keep them).
    fn write_value(
        &self,
        kind: &ValueKind,
        value: Scalar<'_>,
        out: &mut Vec<u8>,
        depth: u32,
    ) -> Result<(), WireError> {
        match value {
            Scalar::Bool(b) => out.extend_from_slice(if b { b"true" } else { b"false" }),
            Scalar::I64(n) => write_i64(out, n),
            Scalar::U64(n) => write_u64(out, n),
            Scalar::F32(x) => write_f32(out, x),
            Scalar::F64(x) => write_f64(out, x),
            Scalar::Str(s) => write_str(out, s),
            Scalar::Bytes(b) => {
                write_str(out, &base64::engine::general_purpose::STANDARD.encode(b))
            }
            Scalar::Enum(n) => match kind {
                ValueKind::Enum(Some(names)) => match names.get(n) {
                    Some(name) => out.extend_from_slice(name),
                    None => write_i64(out, i64::from(n)),
                },
                _ => write_i64(out, i64::from(n)),
            },
            Scalar::Message(bytes) => match kind {
                ValueKind::Message(index) => self.write_message(*index, bytes, out, depth + 1)?,
                _ => return Err("a message where the descriptor has none"),
            },
        }
        Ok(())
    }
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

    /// The text of a map key.
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

/// How the items of a packed list are laid out (None: the kind cannot be packed).
enum PackedWidth {
    Varint,
    Fixed32,
    Fixed64,
}

fn packed_width(kind: &ValueKind) -> Option<PackedWidth> {
    match kind {
        ValueKind::String | ValueKind::Bytes | ValueKind::Message(_) => None,
        ValueKind::Fixed32 | ValueKind::Sfixed32 | ValueKind::Float => Some(PackedWidth::Fixed32),
        ValueKind::Fixed64 | ValueKind::Sfixed64 | ValueKind::Double => Some(PackedWidth::Fixed64),
        _ => Some(PackedWidth::Varint),
    }
}

/// Every occurrence of a message field, concatenated (which merges them).
fn merge_occurrences(occurrences: &[(u32, Wire<'_>)]) -> Result<Vec<u8>, WireError> {
    let mut merged = Vec::new();
    for (_, wire) in occurrences {
        match wire {
            Wire::Bytes(bytes) => merged.extend_from_slice(bytes),
            _ => return Err("invalid wire type for the field"),
        }
    }
    Ok(merged)
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
