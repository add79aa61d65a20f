//! The line format, one line per record:
//! `{"kind":"event","id":"<md5 id>","document":{...}}\n`. `kind` is `event` or `stat`, `id`
//! the record id every sink keys on, `document` the stored document every sink stores
//! (openvidu's format, as `data` in SQL and the MongoDB document without `_id` /
//! `openvidu_expire_at`). The keys come in that order; the line is compact JSON, so a
//! newline only ever ends a line.

use analytics_core::{sink::RecordFailure, Batch, Record};
use serde::Serialize;
use serde_json::{Map, Value};

/// One line, as serialized.
#[derive(Serialize)]
struct Line<'a> {
    kind: &'static str,
    id: &'a str,
    document: &'a Map<String, Value>,
}

/// The lines of a batch, in batch order, and the records that cannot become a line (a
/// stored document that is not a JSON object), reported by their index and never retried.
pub(crate) fn encode_batch(batch: &Batch) -> (Vec<u8>, Vec<RecordFailure>) {
    let mut lines = Vec::new();
    let mut failures = Vec::new();
    for (index, record) in batch.iter().enumerate() {
        if let Err(reason) = encode_record(&mut lines, record) {
            failures.push(RecordFailure {
                index,
                retryable: false,
                reason,
            });
        }
    }
    (lines, failures)
}

/// Appends the line of `record` to `lines`, or says why it has none (leaving `lines` as it
/// was).
fn encode_record(lines: &mut Vec<u8>, record: &Record) -> Result<(), String> {
    let document: Map<String, Value> =
        serde_json::from_str(&record.document_json).map_err(|error| {
            format!(
                "the document of {} {} is not a JSON object: {error}",
                record.kind.as_str(),
                record.id
            )
        })?;
    let line = Line {
        kind: record.kind.as_str(),
        id: &record.id,
        document: &document,
    };
    let start = lines.len();
    if let Err(error) = serde_json::to_writer(&mut *lines, &line) {
        lines.truncate(start);
        return Err(format!("cannot encode {} {}: {error}", line.kind, line.id));
    }
    lines.push(b'\n');
    Ok(())
}

#[cfg(test)]
mod tests {
    use std::{
        sync::Arc,
        time::{Duration, SystemTime},
    };

    use analytics_core::{livekit_protocol::AnalyticsStat, RecordKind};

    use super::*;

    fn stat() -> Record {
        let stat = AnalyticsStat {
            room_id: "RM_1".into(),
            ..Default::default()
        };
        Record::from_stat(stat, Duration::from_secs(60), SystemTime::UNIX_EPOCH).expect("converts")
    }

    #[test]
    fn a_record_is_one_compact_line_of_kind_id_and_document() {
        let record = stat();
        let (lines, failures) = encode_batch(&Batch::new(vec![Arc::new(record.clone())]));
        assert!(failures.is_empty(), "{failures:?}");
        let text = String::from_utf8(lines).expect("UTF-8");
        let expected = format!(
            "{{\"kind\":\"stat\",\"id\":\"{}\",\"document\":{}}}\n",
            record.id,
            Value::Object(record.document())
        );
        assert_eq!(text, expected);
        assert_eq!(record.kind, RecordKind::Stat);
    }

    #[test]
    fn a_document_that_is_not_an_object_is_reported_and_the_rest_encoded() {
        let good = stat();
        let mut bad = stat();
        bad.document_json = "[1, 2]".into();
        let batch = Batch::new(vec![Arc::new(good.clone()), Arc::new(bad), Arc::new(good)]);
        let (lines, failures) = encode_batch(&batch);
        assert_eq!(failures.len(), 1, "{failures:?}");
        assert_eq!(failures[0].index, 1);
        assert!(!failures[0].retryable);
        assert_eq!(lines.iter().filter(|&&byte| byte == b'\n').count(), 2);
    }
}
