//! Fuzz target: a Terraform root module held in memory, in native syntax
//! (`.tf`) and in JSON syntax (`.tf.json`), evaluated, adapted and
//! assembled, must never panic. Seeds in `fuzz/seeds/terraform/` hold the
//! shapes issue 12 found: reversed port ranges, repeated JSON keys and
//! block types, a byte-order mark, control characters.
#![no_main]

use libfuzzer_sys::fuzz_target;
use portcullis_ingest::languages::terraform::hcl::{Files, Inputs, MemoryTree};
use std::path::Path;

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else { return };
    for name in ["main.tf", "main.tf.json"] {
        let mut tree = MemoryTree::default();
        tree.insert(name, text.to_string());
        let read = portcullis_ingest::read_terraform_dir_in(
            Files::Memory(&tree),
            Path::new(""),
            "fuzz",
            &Inputs::default(),
            None,
        );
        let mut outcomes = vec![read.outcome];
        let _ = portcullis_ingest::assemble(&mut outcomes);
    }
});
