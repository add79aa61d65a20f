//! The stored BSON document of a record, built once from its JSON text: every integer an
//! Int64 (never Int32, never a double), every float a double, keys in the order of the
//! JSON text, plus `_id` (the MD5 id) and `openvidu_expire_at` (a Date).
//!
//! Also the way back ([`to_json`]), with which tests compare what is stored with the
//! record's document.

use std::fmt;

use analytics_core::Record;
use mongodb::bson::{self, Bson, DateTime, Document, RawDocumentBuf};
use serde::de::{self, Deserialize, Deserializer, MapAccess, SeqAccess, Visitor};
use serde_json::{Map, Number, Value};

/// The field holding the expiry date, watched by the TTL index.
pub const EXPIRE_AT_FIELD: &str = "openvidu_expire_at";

/// Largest BSON document MongoDB stores (`maxBsonObjectSize`).
pub const MAX_DOCUMENT_BYTES: usize = 16 * 1024 * 1024;

/// Why a record has no storable document. Never worth retrying: the record itself is at
/// fault.
#[derive(Debug, thiserror::Error)]
pub enum DocumentError {
    #[error("the record's document is not a JSON object: {0}")]
    NotJson(serde_json::Error),
    #[error("the record's document is not valid BSON: {0}")]
    NotBson(bson::raw::Error),
    #[error("the document is {0} bytes, over MongoDB's limit of {MAX_DOCUMENT_BYTES} bytes")]
    TooLarge(usize),
}

/// The document stored for `record`: `_id`, the record's fields, `openvidu_expire_at`.
pub fn stored_document(record: &Record) -> Result<RawDocumentBuf, DocumentError> {
    let fields: Int64Document =
        serde_json::from_str(&record.document_json).map_err(DocumentError::NotJson)?;
    let mut document = Document::new();
    document.insert("_id", record.id.as_str());
    for (key, value) in fields.0 {
        // `_id` and the expiry are the sink's own; a field of the same name cannot replace them.
        if key != "_id" && key != EXPIRE_AT_FIELD {
            document.insert(key, value);
        }
    }
    document.insert(EXPIRE_AT_FIELD, DateTime::from_millis(record.expire_at_ms));
    let raw = RawDocumentBuf::from_document(&document).map_err(DocumentError::NotBson)?;
    let size = raw.as_bytes().len();
    if size > MAX_DOCUMENT_BYTES {
        return Err(DocumentError::TooLarge(size));
    }
    Ok(raw)
}

/// A stored document as JSON, the way the record's document is written: Int32 and Int64
/// become JSON integers, doubles JSON floats, dates their ISO-8601 text; other BSON types
/// (never written by this sink) their relaxed extended JSON.
pub fn to_json(document: &Document) -> Value {
    Value::Object(
        document
            .iter()
            .map(|(key, value)| (key.clone(), bson_to_json(value)))
            .collect::<Map<_, _>>(),
    )
}

fn bson_to_json(value: &Bson) -> Value {
    match value {
        Bson::Int64(n) => Value::from(*n),
        Bson::Int32(n) => Value::from(i64::from(*n)),
        Bson::Double(x) => Number::from_f64(*x).map_or(Value::Null, Value::Number),
        Bson::String(s) => Value::String(s.clone()),
        Bson::Boolean(b) => Value::Bool(*b),
        Bson::Null => Value::Null,
        Bson::Array(items) => Value::Array(items.iter().map(bson_to_json).collect()),
        Bson::Document(document) => to_json(document),
        Bson::DateTime(date) => date
            .try_to_rfc3339_string()
            .map_or_else(|_| Value::from(date.timestamp_millis()), Value::String),
        other => other.clone().into_relaxed_extjson(),
    }
}

/// A JSON object read straight into BSON, integers as Int64 and key order kept.
struct Int64Document(Document);

impl<'de> Deserialize<'de> for Int64Document {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        match deserializer.deserialize_any(BsonVisitor)? {
            Bson::Document(document) => Ok(Int64Document(document)),
            _ => Err(de::Error::custom("expected a JSON object")),
        }
    }
}

/// One JSON value read into BSON.
struct Int64Bson(Bson);

impl<'de> Deserialize<'de> for Int64Bson {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        deserializer.deserialize_any(BsonVisitor).map(Int64Bson)
    }
}

struct BsonVisitor;

impl<'de> Visitor<'de> for BsonVisitor {
    type Value = Bson;

    fn expecting(&self, formatter: &mut fmt::Formatter) -> fmt::Result {
        formatter.write_str("a JSON value")
    }

    fn visit_bool<E: de::Error>(self, b: bool) -> Result<Bson, E> {
        Ok(Bson::Boolean(b))
    }

    fn visit_i64<E: de::Error>(self, n: i64) -> Result<Bson, E> {
        Ok(Bson::Int64(n))
    }

    fn visit_u64<E: de::Error>(self, n: u64) -> Result<Bson, E> {
        // Above i64::MAX only a double can hold it (as openvidu's own documents do).
        Ok(i64::try_from(n).map_or(Bson::Double(n as f64), Bson::Int64))
    }

    fn visit_f64<E: de::Error>(self, x: f64) -> Result<Bson, E> {
        Ok(Bson::Double(x))
    }

    fn visit_str<E: de::Error>(self, s: &str) -> Result<Bson, E> {
        Ok(Bson::String(s.to_owned()))
    }

    fn visit_string<E: de::Error>(self, s: String) -> Result<Bson, E> {
        Ok(Bson::String(s))
    }

    fn visit_unit<E: de::Error>(self) -> Result<Bson, E> {
        Ok(Bson::Null)
    }

    fn visit_none<E: de::Error>(self) -> Result<Bson, E> {
        Ok(Bson::Null)
    }

    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Bson, A::Error> {
        let mut items = Vec::with_capacity(seq.size_hint().unwrap_or(0));
        while let Some(Int64Bson(item)) = seq.next_element()? {
            items.push(item);
        }
        Ok(Bson::Array(items))
    }

    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Bson, A::Error> {
        let mut document = Document::new();
        while let Some((key, Int64Bson(value))) = map.next_entry::<String, Int64Bson>()? {
            document.insert(key, value);
        }
        Ok(Bson::Document(document))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn record(document_json: &str) -> Record {
        let mut record =
            analytics_core::testkit::session_records(std::time::SystemTime::now()).swap_remove(0);
        record.document_json = document_json.to_owned();
        record
    }

    fn stored(document_json: &str) -> Document {
        let raw = stored_document(&record(document_json)).expect("storable");
        raw.to_document().expect("readable")
    }

    #[test]
    fn integers_become_int64_and_floats_doubles() {
        let document = stored(r#"{"a":5,"b":-7,"c":4.3,"d":4.0,"e":{"f":[1,2.5]}}"#);
        assert_eq!(document.get("a"), Some(&Bson::Int64(5)));
        assert_eq!(document.get("b"), Some(&Bson::Int64(-7)));
        assert_eq!(document.get("c"), Some(&Bson::Double(4.3)));
        assert_eq!(document.get("d"), Some(&Bson::Double(4.0)));
        let nested = document.get_document("e").expect("nested document");
        assert_eq!(
            nested.get_array("f").expect("array"),
            &vec![Bson::Int64(1), Bson::Double(2.5)]
        );
    }

    #[test]
    fn id_comes_first_and_expiry_last_in_text_order() {
        let document = stored(r#"{"z":1,"a":2,"_id":"forged","openvidu_expire_at":3}"#);
        let keys: Vec<&str> = document.keys().map(String::as_str).collect();
        assert_eq!(keys, ["_id", "z", "a", EXPIRE_AT_FIELD]);
        assert!(matches!(
            document.get(EXPIRE_AT_FIELD),
            Some(Bson::DateTime(_))
        ));
        assert_ne!(document.get_str("_id").ok(), Some("forged"));
    }

    #[test]
    fn json_round_trip_equals_the_record_document() {
        let text =
            r#"{"type":"ROOM_CREATED","n":12,"x":0.5,"room":{"sid":"RM_1"},"l":[{"k":true}]}"#;
        let mut document = stored(text);
        document.remove("_id");
        document.remove(EXPIRE_AT_FIELD);
        let expected: Value = serde_json::from_str(text).expect("json");
        assert_eq!(to_json(&document), expected);
    }

    #[test]
    fn oversized_and_unencodable_documents_are_refused() {
        let huge = format!(r#"{{"pad":"{}"}}"#, "x".repeat(MAX_DOCUMENT_BYTES));
        assert!(matches!(
            stored_document(&record(&huge)),
            Err(DocumentError::TooLarge(_))
        ));
        assert!(matches!(
            stored_document(&record(r#"{"a\u0000b":1}"#)),
            Err(DocumentError::NotBson(_))
        ));
        assert!(matches!(
            stored_document(&record("[1]")),
            Err(DocumentError::NotJson(_))
        ));
    }
}
