//! Streaming: the arrays under chosen keys of the top-level object are
//! handed to a sink element by element instead of being kept, so a CLI
//! dump of hundreds of megabytes never exists as one tree.

use super::parse::{off, Failure, Parser};
use super::tree::{Node, Value};

impl Parser<'_> {
    /// An array at `self.pos` whose elements go to the stream sink; the
    /// returned node is the (empty) array.
    pub(super) fn stream_array(&mut self, key: &str) -> Result<Node, Failure> {
        let open = self.pos;
        let line = self.line;
        // Only the first streamed array is read in parts: its sinks are
        // taken (and `used` recorded) by `stream_parts`.
        match self.parts.take() {
            Some(mut parts) if !parts.sinks.is_empty() => {
                let r = self.stream_parts(key, &mut parts);
                self.parts = Some(parts);
                r?;
            }
            other => {
                self.parts = other;
                self.elements(&mut |p, node| {
                    if let Some((_, sink)) = p.stream.as_mut() {
                        sink(key, node);
                    }
                })?;
            }
        }
        Ok(Node { value: Value::Array(Vec::new()), offset: off(open), line })
    }
}
