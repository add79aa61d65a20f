//! Every kept fuzz seed and crash case (fuzz/seeds/<target>, and fuzz/corpus/<target> when a
//! local fuzzing run left one) replayed through the fuzz targets' code in the ordinary test
//! build: a regression that panics fails here without building the instrumented targets.
//! Longer fuzzing is its own job: `scripts/fuzz.sh`.

#[path = "../../../fuzz/shared/inputs.rs"]
mod inputs;

use std::path::Path;

/// The inputs kept for `target`, read from its seed and corpus folders.
fn kept_inputs(target: &str) -> Vec<(String, Vec<u8>)> {
    let fuzz = Path::new(env!("CARGO_MANIFEST_DIR")).join("../fuzz");
    let mut inputs = Vec::new();
    for folder in ["seeds", "corpus"] {
        let Ok(entries) = std::fs::read_dir(fuzz.join(folder).join(target)) else {
            continue;
        };
        for entry in entries.flatten() {
            let path = entry.path();
            if path.is_file() {
                let bytes = std::fs::read(&path).expect("a kept input is readable");
                inputs.push((path.display().to_string(), bytes));
            }
        }
    }
    inputs
}

fn replay(target: &str, run: fn(&[u8])) {
    let inputs = kept_inputs(target);
    assert!(
        !inputs.is_empty(),
        "no seeds kept for the fuzz target {target}"
    );
    for (path, bytes) in inputs {
        let outcome = std::panic::catch_unwind(|| run(&bytes));
        assert!(outcome.is_ok(), "{target} panicked on {path}");
    }
}

#[test]
fn disk_segment_seeds_never_panic() {
    replay("disk_segment", inputs::disk_segment);
}

#[test]
fn json_ingest_seeds_never_panic() {
    replay("json_ingest", inputs::json_ingest);
}

#[test]
fn protobuf_frames_seeds_never_panic() {
    replay("protobuf_frames", inputs::protobuf_frames);
}

#[test]
fn webhook_seeds_never_panic() {
    replay("webhook", inputs::webhook);
}
