//! Where a value came from, and whether it is known.
//!
//! Every rule in the model points at the file, line and column it was read
//! from, and says whether it was written explicitly, is a provider default
//! (an implicit deny, Azure's 65000-series rules), or could not be known.

use std::fmt;

/// A position in an input file (defined with the readers that find it).
pub use portcullis_syntax::Span;

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
