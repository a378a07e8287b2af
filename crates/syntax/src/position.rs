//! Where things are: a [`Span`] names a place in an input file, and a
//! [`LineIndex`] finds the line and column of a byte offset.
//!
//! Lines and columns are 1-based; a column counts characters (Unicode
//! scalar values), as editors do. Every reader finds positions here, so a
//! finding points at the same place whatever format it was read from.

use std::cell::Cell;
use std::fmt;
use std::sync::Arc;

/// A position in an input file.
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Span {
    pub file: Arc<str>,
    pub line: u32,
    pub column: u32,
}

impl Span {
    pub fn new(file: Arc<str>, line: u32, column: u32) -> Self {
        Span { file, line, column }
    }
}

impl fmt::Display for Span {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}:{}:{}", self.file, self.line, self.column)
    }
}

/// Finds the line and column of byte offsets in one text.
///
/// Two ways to find a line, one answer: [`LineIndex::new`] keeps a table of
/// line starts, for lookups in any order (a Terraform file evaluated out of
/// order); [`LineIndex::walking`] keeps no table and walks from the last
/// answer, for lookups in nearly increasing order over a large text (a CLI
/// dump adapted front to back, where a table of a 300 MB text would cost
/// more than the lookups, and a dump printed on one line must not count
/// its characters from the start for every rule).
#[derive(Clone, Debug)]
pub struct LineIndex {
    /// Byte offsets where lines start, when built with [`LineIndex::new`].
    starts: Option<Vec<u32>>,
    /// Where the last walking lookup ended: (byte offset, 1-based line,
    /// byte offset of that line's start, characters from that start to the
    /// offset).
    cursor: Cell<(usize, u32, usize, usize)>,
}

/// How far back [`LineIndex::column_near`] looks for the start of a line.
const NEAR: usize = 512;

impl LineIndex {
    /// A table of the line starts of `text`.
    pub fn new(text: &str) -> Self {
        let mut starts = vec![0u32];
        starts.extend(memchr::memchr_iter(b'\n', text.as_bytes()).map(|i| (i + 1) as u32));
        LineIndex { starts: Some(starts), cursor: Cell::new((0, 1, 0, 0)) }
    }

    /// No table: each lookup walks from the previous one.
    pub fn walking() -> Self {
        LineIndex { starts: None, cursor: Cell::new((0, 1, 0, 0)) }
    }

    /// 1-based line and column (in characters) of byte offset `offset` in
    /// `text`, the text this index was made for. An offset past the end is
    /// the end; one inside a character is that character's start.
    pub fn line_column(&self, text: &str, offset: usize) -> (u32, u32) {
        let bytes = text.as_bytes();
        let mut off = offset.min(bytes.len());
        while !text.is_char_boundary(off) {
            off -= 1;
        }
        if let Some(starts) = &self.starts {
            let line = match starts.binary_search(&(off as u32)) {
                Ok(i) => i,
                Err(i) => i - 1,
            };
            let start = starts[line] as usize;
            return (line as u32 + 1, characters(text, start, off) as u32 + 1);
        }
        let (at, mut line, mut start, mut col) = self.cursor.get();
        if off >= at {
            match memchr::memrchr(b'\n', &bytes[at..off]) {
                Some(last) => {
                    line += bytecount::count(&bytes[at..off], b'\n') as u32;
                    start = at + last + 1;
                    col = characters(text, start, off);
                }
                None => col += characters(text, at, off),
            }
        } else {
            // Walk back: lines between `off` and `at`, then find the start
            // of the line holding `off`.
            match bytecount::count(&bytes[off..at], b'\n') as u32 {
                0 => col = col.saturating_sub(characters(text, off, at)),
                n => {
                    line -= n;
                    start = memchr::memrchr(b'\n', &bytes[..off]).map_or(0, |i| i + 1);
                    col = characters(text, start, off);
                }
            }
        }
        self.cursor.set((off, line, start, col));
        (line, col as u32 + 1)
    }

    /// The 1-based column of `offset` when the start of its line is near
    /// (within a few hundred bytes before it), without any lookup: for a
    /// reader that knows the line already (the JSON parser counts lines).
    /// `None` on a long line, where [`LineIndex::line_column`] counts
    /// incrementally instead.
    pub fn column_near(text: &str, offset: usize) -> Option<u32> {
        let bytes = text.as_bytes();
        let off = offset.min(bytes.len());
        let from = off.saturating_sub(NEAR);
        let start = match memchr::memrchr(b'\n', &bytes[from..off]) {
            Some(i) => from + i + 1,
            None if from == 0 => 0,
            None => return None,
        };
        // Columns count characters; an indentation is ASCII, counted fast.
        let col = match text.get(start..off) {
            Some(s) if s.is_ascii() => s.len(),
            Some(s) => s.chars().count(),
            None => off - start,
        };
        Some(col as u32 + 1)
    }
}

/// Characters between two byte offsets (both char boundaries).
fn characters(text: &str, a: usize, b: usize) -> usize {
    text.get(a..b).map_or(b - a, |s| if s.is_ascii() { s.len() } else { s.chars().count() })
}

#[cfg(test)]
mod tests {
    use super::LineIndex;

    /// Line and column as a person counts them, the slow way.
    fn naive(text: &str, off: usize) -> (u32, u32) {
        let before = &text[..off];
        let line = before.matches('\n').count() as u32 + 1;
        let start = before.rfind('\n').map_or(0, |i| i + 1);
        (line, text[start..off].chars().count() as u32 + 1)
    }

    #[test]
    fn positions_in_any_order_match_a_naive_count() {
        let texts = ["", "abc", "a\nbc\n\nd", "é€\n𐍈x\ny", &"long line é ".repeat(200), "\n\n\nx"];
        for text in texts {
            for index in [LineIndex::walking(), LineIndex::new(text)] {
                let offsets: Vec<usize> = (0..=text.len()).filter(|&i| text.is_char_boundary(i)).collect();
                // Forward, backward, and jumping around.
                let n = offsets.len();
                let order = offsets.iter().chain(offsets.iter().rev()).chain((0..n).map(|i| &offsets[(i * 7919) % n]));
                for &off in order {
                    assert_eq!(index.line_column(text, off), naive(text, off), "{text:?} at {off}");
                }
            }
        }
    }

    #[test]
    fn offsets_inside_a_character_or_past_the_end_are_clamped() {
        let text = "aé\nb";
        for index in [LineIndex::walking(), LineIndex::new(text)] {
            // Byte 2 is inside `é` (bytes 1..3): its start, column 2.
            assert_eq!(index.line_column(text, 2), (1, 2));
            assert_eq!(index.line_column(text, 99), (2, 2));
        }
    }

    #[test]
    fn columns_near_match_a_naive_count() {
        let text = format!("ab\n  é x\n{}y", "z".repeat(600));
        for off in (0..=text.len()).filter(|&i| text.is_char_boundary(i)) {
            match LineIndex::column_near(&text, off) {
                Some(col) => assert_eq!(col, naive(&text, off).1, "at {off}"),
                None => assert!(off > 512, "the line start is near at {off}"),
            }
        }
    }
}
