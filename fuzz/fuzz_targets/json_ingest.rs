//! Fuzzes the JSON ingest decoder and the conversion of what it accepts (see fuzz/shared/inputs.rs).

#![no_main]

#[path = "../shared/inputs.rs"]
mod inputs;

libfuzzer_sys::fuzz_target!(|data: &[u8]| inputs::json_ingest(data));
