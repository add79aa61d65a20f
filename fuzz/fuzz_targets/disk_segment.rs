//! Fuzzes the disk buffer's segment reader (see fuzz/shared/inputs.rs).

#![no_main]

#[path = "../shared/inputs.rs"]
mod inputs;

libfuzzer_sys::fuzz_target!(|data: &[u8]| inputs::disk_segment(data));
