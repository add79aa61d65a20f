//! The JSON-lines sink against real files: the compliance suite for what it declares
//! (append-only), the lines read back (every record, its kind, id and document), a
//! re-sent batch appended again, a bad record reported while the rest is written, and the
//! settings as the service reads them (`path: "-"`, an unwritable path).

use std::{
    path::{Path, PathBuf},
    sync::{
        atomic::{AtomicUsize, Ordering},
        Arc,
    },
    time::SystemTime,
};

use analytics_core::{
    registry::{build_sinks, NamedSink},
    testkit::{run_sink_compliance, session_records, ComplianceTarget},
    Batch, Capabilities, LivekitConfig, Record, RecordKind, RetryClass, Sink, SinkError,
};
use serde_json::Value;
use sink_jsonl::{JsonlConfig, JsonlSink};

fn sink_at(path: &Path, fsync: bool) -> JsonlSink {
    JsonlSink::new(JsonlConfig {
        path: path.to_owned(),
        fsync,
    })
}

fn batch_of(records: &[Record]) -> Batch {
    Batch::new(records.iter().cloned().map(Arc::new).collect())
}

/// Each line of the file, parsed.
fn lines_of(path: &Path) -> Vec<Value> {
    let text = std::fs::read_to_string(path).expect("the file is readable");
    assert!(text.ends_with('\n'), "the last line is whole");
    text.lines()
        .map(|line| serde_json::from_str(line).expect("each line is JSON"))
        .collect()
}

/// The line a record must have become.
fn expected_line(record: &Record) -> Value {
    serde_json::json!({
        "kind": record.kind.as_str(),
        "id": record.id,
        "document": Value::Object(record.document()),
    })
}

#[tokio::test]
async fn jsonl_sink_passes_the_compliance_suite_for_what_it_declares() {
    let dir = Arc::new(tempfile::tempdir().expect("dir"));
    let cases = Arc::new(AtomicUsize::new(0));
    run_sink_compliance(Box::new(move || {
        let path = dir.path().join(format!(
            "case-{}.jsonl",
            cases.fetch_add(1, Ordering::Relaxed)
        ));
        Box::pin(async move {
            ComplianceTarget {
                sink: Arc::new(sink_at(&path, true)),
                probe: None,
                spoil: |mut record| {
                    record.document_json = "{not json".to_owned();
                    record
                },
            }
        })
    }))
    .await;
}

#[tokio::test]
async fn every_record_is_one_line_with_its_kind_id_and_document() {
    let dir = tempfile::tempdir().expect("dir");
    let path = dir.path().join("out/records.jsonl");
    let sink = sink_at(&path, true);
    assert_eq!(sink.capabilities(), Capabilities::APPEND_ONLY);
    sink.initialize().await.expect("initialized");
    let records = session_records(SystemTime::now());
    assert!(records.iter().any(|r| r.kind == RecordKind::Event));
    assert!(records.iter().any(|r| r.kind == RecordKind::Stat));
    sink.send_batch(&batch_of(&records)).await.expect("written");
    sink.close().await;
    let expected: Vec<Value> = records.iter().map(expected_line).collect();
    assert_eq!(
        lines_of(&path),
        expected,
        "one line per record, in batch order"
    );
}

#[tokio::test]
async fn a_resent_batch_is_appended_again() {
    let dir = tempfile::tempdir().expect("dir");
    let path = dir.path().join("records.jsonl");
    let sink = sink_at(&path, false);
    let records = session_records(SystemTime::now());
    let batch = batch_of(&records);
    sink.send_batch(&batch).await.expect("first write");
    sink.send_batch(&batch).await.expect("the re-sent batch");
    let once: Vec<Value> = records.iter().map(expected_line).collect();
    let twice: Vec<Value> = once.iter().chain(&once).cloned().collect();
    assert_eq!(
        lines_of(&path),
        twice,
        "at-least-once: both copies are there"
    );
}

#[tokio::test]
async fn a_bad_record_is_reported_and_the_others_are_written() {
    let dir = tempfile::tempdir().expect("dir");
    let path = dir.path().join("records.jsonl");
    let sink = sink_at(&path, true);
    let mut records = session_records(SystemTime::now());
    records[2].document_json = "{not json".to_owned();
    match sink.send_batch(&batch_of(&records)).await {
        Err(SinkError::Records(failures)) => {
            assert_eq!(failures.len(), 1, "{failures:?}");
            assert_eq!(failures[0].index, 2);
            assert!(!failures[0].retryable, "a bad document is never retried");
            assert!(failures[0].reason.contains(&records[2].id), "{failures:?}");
        }
        other => panic!("the bad record must be reported, got {other:?}"),
    }
    let good: Vec<Value> = records
        .iter()
        .enumerate()
        .filter(|(index, _)| *index != 2)
        .map(|(_, record)| expected_line(record))
        .collect();
    assert_eq!(lines_of(&path), good);
}

/// The sinks a LiveKit `config.yaml` with `sinks` (YAML, indented under `sinks:`) builds.
fn build_from_config(sinks: &str) -> Result<Vec<NamedSink>, String> {
    let yaml = format!("openvidu:\n  analytics:\n    enabled: true\n    sinks:\n{sinks}");
    let config = LivekitConfig::from_yaml(&yaml).map_err(|error| error.to_string())?;
    build_sinks(&config).map_err(|error| error.to_string())
}

#[tokio::test]
async fn standard_output_and_files_are_accepted_and_unknown_settings_refused() {
    let sinks = build_from_config(
        "      debug: { type: jsonl, path: \"-\" }\n      archive: { type: jsonl, path: /tmp/x.jsonl, fsync: false }\n",
    )
    .expect("both sinks build");
    let names: Vec<&str> = sinks.iter().map(|(name, _)| name.as_str()).collect();
    assert_eq!(names, ["archive", "debug"]);
    for (_, sink) in &sinks {
        assert_eq!(sink.capabilities(), Capabilities::APPEND_ONLY);
    }
    let stdout = &sinks[1].1;
    stdout
        .initialize()
        .await
        .expect("standard output needs no opening");

    let error = build_from_config("      debug: { type: jsonl, path: \"-\", sync: true }\n")
        .err()
        .expect("unknown setting");
    assert!(
        error.contains("sinks.debug") && error.contains("sync"),
        "{error}"
    );
    let error = build_from_config("      debug: { type: jsonl }\n")
        .err()
        .expect("path is required");
    assert!(error.contains("path"), "{error}");
    let error = build_from_config("      debug: { type: jsonl, path: \"\" }\n")
        .err()
        .expect("empty path");
    assert!(error.contains("sinks.debug.path is empty"), "{error}");
}

#[tokio::test]
async fn an_unwritable_path_is_a_clear_error_for_an_operator() {
    let dir = tempfile::tempdir().expect("dir");
    let a_file = dir.path().join("a-file");
    std::fs::write(&a_file, "").expect("written");
    let unwritable: [PathBuf; 2] = [a_file.join("records.jsonl"), dir.path().to_owned()];
    for path in unwritable {
        let sink = sink_at(&path, true);
        let error = sink.initialize().await.expect_err("cannot be written");
        assert_eq!(error.class(), RetryClass::Operator, "{error}");
        let message = error.to_string();
        assert!(
            message.contains(&format!("cannot open {}", path.display())),
            "{message}"
        );
        assert!(message.contains("change the sink's `path`"), "{message}");
        let records = session_records(SystemTime::now());
        let error = sink
            .send_batch(&batch_of(&records))
            .await
            .expect_err("a batch cannot be written either");
        assert_eq!(error.class(), RetryClass::Operator, "{error}");
    }
}
