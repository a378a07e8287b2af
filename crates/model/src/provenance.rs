//! Where a value came from, and whether it is known.
//!
//! Every rule in the model points at the file, line and column it was read
//! from, and says whether it was written explicitly, is a provider default
//! (an implicit deny, Azure's 65000-series rules), or could not be known.

use std::fmt;
use std::sync::Arc;

/// A position in an input file. Lines and columns are 1-based; column counts
/// characters (Unicode scalar values), as editors do.
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

/// How a value entered the model.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub enum Origin {
    /// Written in the input.
    Explicit,
    /// Supplied by the provider when the input says nothing (an implicit
    /// deny, a default rule). The string names the default.
    Default(String),
}

/// A part of a rule whose value the input cannot tell, and why.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct Unknown {
    /// Which field is unknown (`cidr_blocks`, `PrefixListId pl-123`).
    pub what: String,
    /// Why it is unknown (`known only after apply`, `prefix list not in input`).
    pub reason: String,
    pub span: Span,
}

impl fmt::Display for Unknown {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{} is unknown: {} ({})", self.what, self.reason, self.span)
    }
}

/// Line-start table to turn byte offsets into line and column.
#[derive(Clone, Debug)]
pub struct LineIndex {
    starts: Vec<u32>,
}

impl LineIndex {
    pub fn new(text: &str) -> Self {
        let mut starts = vec![0u32];
        for (i, b) in text.bytes().enumerate() {
            if b == b'\n' {
                starts.push((i + 1) as u32);
            }
        }
        LineIndex { starts }
    }

    /// 1-based line and column (in characters) of byte offset `off`.
    pub fn line_col(&self, text: &str, off: usize) -> (u32, u32) {
        let off = off.min(text.len());
        let line = match self.starts.binary_search(&(off as u32)) {
            Ok(i) => i,
            Err(i) => i - 1,
        };
        let start = self.starts[line] as usize;
        let col = text.get(start..off).map(|s| s.chars().count()).unwrap_or(off - start);
        (line as u32 + 1, col as u32 + 1)
    }
}
