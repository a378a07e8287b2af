//! Sequential and parallel streamed parses side by side, collected, for
//! the tests and the fuzz target that compare them.

use super::{parse_streaming, parse_streaming_parts, Node, Options, PartSink};
use crate::Error;

/// A parse's result and the elements its sink received, in order.
pub type Streamed = (Result<Node, Error>, Vec<(String, Node)>);

/// Collects a streamed array's elements.
#[derive(Default)]
pub struct Collect(pub Vec<(String, Node)>);

impl PartSink for Collect {
    fn element(&mut self, key: &str, node: Node) {
        self.0.push((key.to_string(), node));
    }
}

/// [`parse_streaming`], collected.
pub fn sequentially(text: &str, opts: Options, keys: &[&str]) -> Streamed {
    let mut got = Collect::default();
    let root = parse_streaming(text, opts, keys, &mut |k: &str, n: Node| got.element(k, n));
    (root, got.0)
}

/// [`parse_streaming_parts`] with `1 + extra` parts, the used parts'
/// elements joined in order. Panics if it reports an impossible count.
pub fn in_parts(text: &str, opts: Options, keys: &[&str], extra: usize) -> Streamed {
    let mut first = Collect::default();
    let mut others: Vec<Collect> = (0..extra).map(|_| Collect::default()).collect();
    let (root, used) = {
        let mut refs: Vec<&mut dyn PartSink> = others.iter_mut().map(|c| c as &mut dyn PartSink).collect();
        let mut sink = |k: &str, n: Node| first.element(k, n);
        parse_streaming_parts(text, opts, keys, &mut sink, &mut refs)
    };
    assert!((1..=extra + 1).contains(&used), "{used} parts used of {}", extra + 1);
    let mut all = first.0;
    for c in others.into_iter().take(used - 1) {
        all.extend(c.0);
    }
    (root, all)
}
