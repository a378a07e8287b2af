//! portcullis syntax: where things are in a text, and the trees read from
//! it, shared by every input front-end.
//!
//! - [`Span`] is a place in an input file (file, line, column); a
//!   [`LineIndex`] turns byte offsets into lines and columns.
//! - [`json`] is the span-keeping JSON parser, tuned for CLI dumps of
//!   hundreds of megabytes (streaming, parallel parts, shared keys). Dump
//!   adapters read its own tree ([`json::Node`]) directly.
//! - [`yaml`] loads YAML (CloudFormation's short-form tags, merge keys).
//! - [`Value`] is the one positioned value every language front-end
//!   produces (Terraform, CloudFormation, ARM and Bicep): numbers as
//!   written, members with their positions, and [`Kind::Unknown`] with the
//!   reason where the input cannot tell.
//! - [`Error`] is why a text could not be read, and where.

pub mod error;
pub mod json;
pub mod position;
pub mod value;
#[cfg(feature = "yaml")]
pub mod yaml;

pub use error::{Error, ErrorKind};
pub use position::{LineIndex, Span};
pub use value::{Kind, Member, Value};
