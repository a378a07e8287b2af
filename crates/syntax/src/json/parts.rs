//! One streamed array read on several threads: each part starts at a
//! guessed element line that the part before it must land on exactly, so
//! elements, order, lines and errors are those of a sequential parse.

use super::parse::{err, Failure, Parser};
use super::tree::Node;
use super::PartSink;

/// The sinks of the parts after the first, and how many parts were used.
pub(super) struct Parts<'a> {
    pub(super) sinks: &'a mut [&'a mut dyn PartSink],
    pub(super) used: usize,
}

impl<'a> Parser<'a> {
    /// The streamed array whose `[` is at `self.pos`, read in parts on as
    /// many threads (see [`super::parse_streaming_parts`]).
    pub(super) fn stream_parts(&mut self, key: &str, parts: &mut Parts<'a>) -> Result<(), Failure> {
        use std::sync::atomic::AtomicBool;
        if !self.open(b']')? {
            return Ok(());
        }
        let sinks = std::mem::take(&mut parts.sinks);
        let starts = part_starts(self.bytes, self.pos, sinks.len());
        let cancel: Vec<AtomicBool> = starts.iter().map(|_| AtomicBool::new(false)).collect();
        let (text, opts, depth) = (self.text, self.opts, self.depth);
        let mut main_sink = |p: &mut Parser<'a>, node: Node| {
            if let Some((_, sink)) = p.stream.as_mut() {
                sink(key, node);
            }
        };
        let (main, others) = std::thread::scope(|scope| {
            let handles: Vec<_> = sinks
                .iter_mut()
                .zip(starts.iter().enumerate())
                .map(|(sink, (i, &start))| {
                    let (stop, cancel) = (starts.get(i + 1).copied(), &cancel);
                    scope.spawn(move || {
                        let mut p = Parser::new(text, opts, None);
                        p.pos = start;
                        p.depth = depth;
                        let before = text.as_bytes().get(..start).unwrap_or_default();
                        let lines = bytecount::count(before, b'\n');
                        p.line = u32::try_from(lines).map_or(u32::MAX, |n| n.saturating_add(1));
                        p.elements_until(stop, i + 1, cancel, &mut |_, node| sink.element(key, node))
                    })
                })
                .collect();
            let main = self.elements_until(starts.first().copied(), 0, &cancel, &mut main_sink);
            let others: Vec<Result<Ended, Failure>> = handles
                .into_iter()
                .map(|h| h.join().unwrap_or_else(|panic| std::panic::resume_unwind(panic)))
                .collect();
            (main, others)
        });
        // Follow the parts that were confirmed, in order, to the one that
        // closed the array.
        let mut others = others.into_iter();
        let mut current = main;
        let mut used = 1;
        loop {
            // Elements read before an error stand, as in a sequential parse.
            parts.used = used;
            match current? {
                Ended::Closed { pos, line } => {
                    self.pos = pos;
                    self.line = line;
                    break;
                }
                Ended::Landed => {
                    used += 1;
                    current = others.next().unwrap_or_else(|| Err(err(self.pos, "internal error: a part is missing")));
                }
                Ended::Cancelled => return Err(err(self.pos, "internal error: a confirmed part was cancelled")),
            }
        }
        parts.used = used;
        self.depth -= 1;
        Ok(())
    }
}

/// How a part of a streamed array ended.
pub(super) enum Ended {
    /// At the `]`; `pos` and `line` are just after it.
    Closed { pos: usize, line: u32 },
    /// At the next part's first element: that part goes on from there.
    Landed,
    /// Given up: an earlier part found this part's start was a wrong guess.
    Cancelled,
}

/// Guesses where `extra` more parts of the array whose first element is at
/// `first` could begin, spread over the rest of the text: the first line
/// after each share that is indented like the first element, starts with
/// the same byte, and follows a comma. None in text without line breaks.
/// A guess may be wrong (a nested element indented the same way); the
/// parts confirm or drop it.
fn part_starts(b: &[u8], first: usize, extra: usize) -> Vec<usize> {
    let mut out = Vec::new();
    let Some(line_start) = memchr::memrchr(b'\n', b.get(..first).unwrap_or_default()).map(|i| i + 1) else {
        return out;
    };
    let (Some(indent), Some(&lead)) = (b.get(line_start..first), b.get(first)) else { return out };
    if !indent.iter().all(|&c| c == b' ' || c == b'\t') {
        return out;
    }
    let share = (b.len() - first) / (extra + 1);
    for k in 1..=extra {
        let mut at = (first + share * k).max(out.last().map_or(0, |&l| l + 1));
        let found = loop {
            let Some(nl) = b.get(at..).and_then(|rest| memchr::memchr(b'\n', rest)).map(|i| at + i) else {
                break None;
            };
            let e = nl + 1 + indent.len();
            let after_comma = b[..nl].iter().rev().find(|c| !matches!(c, b' ' | b'\t' | b'\r')) == Some(&b',');
            if b.get(nl + 1..e) == Some(indent) && b.get(e) == Some(&lead) && after_comma {
                break Some(e);
            }
            at = nl + 1;
        };
        match found {
            Some(e) => out.push(e),
            None => break,
        }
    }
    out
}
