//! `portcullis fix`: the exact, minimal change that closes a finding.
//!
//! [`plan`] decides on the model which rule lines change and to what
//! (admitted ∩ authorized, ranges split, rules removed), checked with the
//! engine before any text is touched; [`edit`] writes each change into the
//! input's own format, keeping everything else byte for byte; [`commands`]
//! prints the cloud CLI commands that make the same change where the input
//! is a dump of a live account; [`apply`] writes atomically, refuses files
//! that changed since they were read, re-scans and restores on failure.

pub mod plan;
