//! Fuzzes the webhook path: token, body hash, decoder, mapping and conversion (see fuzz/shared/inputs.rs).

#![no_main]

#[path = "../shared/inputs.rs"]
mod inputs;

libfuzzer_sys::fuzz_target!(|data: &[u8]| inputs::webhook(data));
