//! Fuzzes the JSON parser with both option sets. Beyond "never panics", it
//! checks that error offsets stay inside the input, that the lenient
//! dialect accepts everything strict JSON accepts, with the same result,
//! and that reading a streamed array in parallel parts gives exactly what a
//! sequential streamed parse gives (elements, root, error).
//!
//! Run with `cargo +nightly fuzz run json` from `fuzz/`.

#![no_main]

use libfuzzer_sys::fuzz_target;
use portcullis_ingest::json::{parse, parse_streaming, parse_streaming_parts, Node, Options, PartSink};

const KEYS: &[&str] = &["Items"];

#[derive(Default)]
struct Collect(Vec<(String, Node)>);

impl PartSink for Collect {
    fn element(&mut self, key: &str, node: Node) {
        self.0.push((key.to_string(), node));
    }
}

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
    for opts in [Options::STRICT, Options::LENIENT] {
        let mut one = Collect::default();
        let sequential = parse_streaming(text, opts, KEYS, &mut |k: &str, n: Node| one.element(k, n));
        for extra in 1..4 {
            let mut first = Collect::default();
            let mut others: Vec<Collect> = (0..extra).map(|_| Collect::default()).collect();
            let (root, used) = {
                let mut refs: Vec<&mut dyn PartSink> = others.iter_mut().map(|c| c as &mut dyn PartSink).collect();
                let mut sink = |k: &str, n: Node| first.element(k, n);
                parse_streaming_parts(text, opts, KEYS, &mut sink, &mut refs)
            };
            assert!((1..=extra + 1).contains(&used));
            let mut all = first.0;
            for c in others.into_iter().take(used - 1) {
                all.extend(c.0);
            }
            assert_eq!(root, sequential, "{} parts: root or error differs", extra + 1);
            assert_eq!(all, one.0, "{} parts: elements differ", extra + 1);
        }
    }
});
