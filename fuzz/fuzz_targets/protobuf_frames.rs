//! Fuzzes the protobuf decoding of the gRPC stream's messages and their conversion (see fuzz/shared/inputs.rs).

#![no_main]

#[path = "../shared/inputs.rs"]
mod inputs;

libfuzzer_sys::fuzz_target!(|data: &[u8]| inputs::protobuf_frames(data));
