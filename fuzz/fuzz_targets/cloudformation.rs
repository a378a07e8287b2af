//! Fuzz target: CloudFormation templates, YAML (short-form tags, merge
//! keys) and JSON, read, evaluated and assembled, must never panic. Seeds
//! in `fuzz/seeds/cloudformation/` hold the shapes issue 12 found:
//! reversed port ranges, repeated keys, a byte-order mark, control
//! characters.
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else { return };
    for name in ["template.yaml", "template.json"] {
        let mut outcomes = vec![portcullis_ingest::read_input(name, text)];
        let _ = portcullis_ingest::assemble(&mut outcomes);
    }
});
