//! portcullis diff: what a change does to who can connect. Two runs of
//! the same rules (a pull request's base and head, the two sides of a
//! Terraform plan) are compared target by target and port by port, by the
//! findings' stable identity (rule, resource address or cloud id, protocol,
//! port, flag), with renamed Terraform resources followed through their
//! `moved` blocks. For each pair the unauthorized source sets are compared
//! with the model's own set algebra ([`portcullis_model::AddrSet`]), so a
//! change names exactly the addresses it adds and removes, as minimal CIDR
//! lists. [`compare()`] gives the changes, worst first; [`formats`] writes
//! them as text, JSON, SARIF (only what got worse), a markdown PR comment
//! and GitHub workflow annotations. docs/diff.md says what each change
//! class means.

pub mod compare;
pub mod formats;

pub use compare::{compare, Change, ChangeKind, Place, Reach};
