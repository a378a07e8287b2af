//! Fuzzes the JSON parser with both option sets. Beyond "never panics", it
//! checks that error offsets stay inside the input, that the lenient
//! dialect accepts everything strict JSON accepts, with the same result,
//! and that reading a streamed array in parallel parts gives exactly what a
//! sequential streamed parse gives (elements, root, error).
//!
//! Run with `cargo +nightly fuzz run json` from `fuzz/`.

#![no_main]

use libfuzzer_sys::fuzz_target;
use portcullis_syntax::json::{parse, testing, Options};

const KEYS: &[&str] = &["Items"];

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else { return };
    let strict = parse(text, Options::default());
    let lenient = parse(text, Options::LENIENT);
    for result in [&strict, &lenient] {
        if let Err(e) = result {
            assert!(e.offset().is_some_and(|o| o as usize <= text.len()), "error offset past the end: {e}");
        }
    }
    if let Ok(node) = &strict {
        assert_eq!(lenient.as_ref(), Ok(node), "lenient parse differs from strict");
    }
    for opts in [Options::STRICT, Options::LENIENT] {
        let sequential = testing::sequentially(text, opts, KEYS);
        for extra in 1..4 {
            assert_eq!(testing::in_parts(text, opts, KEYS, extra), sequential, "{} parts differ", extra + 1);
        }
    }
});
