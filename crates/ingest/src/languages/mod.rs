//! Language front-ends: each turns one input language into positioned
//! [`portcullis_syntax::Value`]s, evaluated as far as the input can tell,
//! with the reason wherever it cannot. They know nothing of providers; the
//! adapters in [`crate::providers`] read what they produce.
//!
//! - [`terraform`]: plans, and configurations evaluated with Terraform's
//!   functions, modules, `count` and `for_each`.
//! - [`cloudformation`]: templates in YAML or JSON, intrinsic functions.
//! - [`arm`]: ARM template expressions and functions.
//! - [`bicep`]: Bicep, lexed, parsed and evaluated with ARM's functions.
//! - [`parameters`]: the values a parameter file gives a template.

pub mod arm;
pub mod bicep;
pub mod cloudformation;
pub mod parameters;
pub mod terraform;
