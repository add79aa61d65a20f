//! The checks a record passes before it is written. Redis stores any bytes, so the sink
//! itself refuses what no consumer could use: an id that is not an MD5 (32 lowercase hex
//! digits, which also keeps key names clean) or a document that is not a JSON object.

use analytics_core::Record;
use serde::de::IgnoredAny;

/// Why the record must not be written, or `None` when it is fine.
pub fn refusal(record: &Record) -> Option<String> {
    if !is_md5_hex(&record.id) {
        return Some(format!(
            "record id {:?} is not 32 lowercase hex digits",
            truncated(&record.id)
        ));
    }
    if !record.document_json.trim_start().starts_with('{') {
        return Some(format!("document of {} is not a JSON object", record.id));
    }
    if let Err(error) = serde_json::from_str::<IgnoredAny>(&record.document_json) {
        return Some(format!(
            "document of {} is not valid JSON: {error}",
            record.id
        ));
    }
    None
}

fn is_md5_hex(id: &str) -> bool {
    id.len() == 32
        && id
            .bytes()
            .all(|b| b.is_ascii_digit() || (b'a'..=b'f').contains(&b))
}

fn truncated(text: &str) -> String {
    text.chars().take(64).collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use analytics_core::RecordKind;

    fn record(id: &str, document: &str) -> Record {
        Record {
            kind: RecordKind::Event,
            id: id.to_owned(),
            type_name: "ROOM_CREATED".into(),
            timestamp_ms: 0,
            room_sid: String::new(),
            room_name: String::new(),
            participant_sid: String::new(),
            participant_identity: String::new(),
            track_id: String::new(),
            egress_id: String::new(),
            ingress_id: String::new(),
            node_id: String::new(),
            score: 0.0,
            min_score: 0.0,
            median_score: 0.0,
            mime: String::new(),
            traffic: None,
            client_reported: false,
            expire_at_ms: 0,
            active_change: None,
            document_json: document.to_owned(),
        }
    }

    const GOOD_ID: &str = "0123456789abcdef0123456789abcdef";

    #[test]
    fn good_record_passes() {
        assert_eq!(
            refusal(&record(GOOD_ID, r#"{"type":"ROOM_CREATED"}"#)),
            None
        );
    }

    #[test]
    fn bad_ids_and_documents_are_refused() {
        assert!(refusal(&record("0123456789ABCDEF0123456789ABCDEF", "{}")).is_some());
        assert!(refusal(&record("short", "{}")).is_some());
        assert!(refusal(&record(GOOD_ID, "{\"a\":")).is_some());
        assert!(refusal(&record(GOOD_ID, "[1]")).is_some());
        assert!(refusal(&record(GOOD_ID, "{} trailing")).is_some());
    }
}
