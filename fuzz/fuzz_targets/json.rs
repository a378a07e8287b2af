//! Fuzzes the JSON parser with both option sets. Beyond "never panics", it
//! checks that error offsets stay inside the input and that the lenient
//! dialect accepts everything strict JSON accepts, with the same result.
//!
//! Run with `cargo +nightly fuzz run json` from `fuzz/`.

#![no_main]

use libfuzzer_sys::fuzz_target;
use portcullis_ingest::json::{parse, Options};

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else { return };
    let strict = parse(text, Options::default());
    let lenient = parse(text, Options { comments: true, trailing_commas: true });
    for result in [&strict, &lenient] {
        if let Err(e) = result {
            assert!(e.offset as usize <= text.len(), "error offset past the end: {e}");
        }
    }
    if let Ok(node) = &strict {
        assert_eq!(lenient.as_ref(), Ok(node), "lenient parse differs from strict");
    }
});
