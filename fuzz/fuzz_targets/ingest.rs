//! Fuzz target: the whole per-file ingest path (format detection, JSON with
//! positions, AWS dumps, Terraform plans) and assembly must never panic.
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else { return };
    let mut outcomes = vec![portcullis_ingest::read_input("fuzz.json", text)];
    let _ = portcullis_ingest::assemble(&mut outcomes);
});
