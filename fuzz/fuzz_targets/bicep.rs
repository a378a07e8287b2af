//! Fuzz target: Bicep source (lexer, parser, evaluator, NSG adapter) and
//! the inline-suppression comment scanner must never panic.
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else { return };
    let mut outcomes = vec![portcullis_ingest::read_input("fuzz.bicep", text)];
    let _ = portcullis_ingest::assemble(&mut outcomes);
    for syntax in [
        portcullis_ingest::suppress::Syntax::Hcl,
        portcullis_ingest::suppress::Syntax::Yaml,
        portcullis_ingest::suppress::Syntax::Jsonc,
        portcullis_ingest::suppress::Syntax::Bicep,
    ] {
        let _ = portcullis_ingest::suppress::scan(&std::sync::Arc::from("f"), text, syntax);
    }
});
