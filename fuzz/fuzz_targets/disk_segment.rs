//! Fuzzes the disk buffer's segment reader: any bytes a crash or a bad disk can leave must
//! end in "records, then corrupt data detected", never a panic.

#![no_main]

use analytics_core::disk_buffer::scan_segment_bytes;
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let _ = scan_segment_bytes(data);
});
