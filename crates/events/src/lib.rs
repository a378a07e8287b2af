//! portcullis events: change events as evidence of who opened a
//! control-plane port, when, and to whom.
//!
//! Configuration says who can connect now; a change event says who made it
//! so. This crate reads AWS CloudTrail, Azure Activity Log and GCP Cloud
//! Audit Logs ([`read`]; one reader per provider: [`aws`], [`azure`],
//! [`gcp`]) into [`Event`]s, each a call that changed firewall rules, with
//! who made it, when, from where, and the rules as the call states them.
//! [`judge`] puts every event in time order, follows each rule's history,
//! evaluates what the rule admits on each watched port with the engine and
//! says what the event did for unauthorized sources: opened, widened,
//! narrowed or closed. [`sql`] prints the same search as a query for the
//! engines that hold the logs. The event rules of `portcullis-rules`
//! (PC5xx) turn the judged [`Change`]s into findings.

pub mod aws;
pub mod azure;
pub mod error;
pub mod event;
pub mod gcp;
pub mod judge;
pub mod listener;
pub mod read;
pub mod sql;

pub use error::{Error, ErrorKind};
pub use event::{Actor, Effect, Event, Outcome, Provider, RuleChange, Stated};
pub use judge::{judge, Change, Stats, Verdict, Watch};
pub use read::{read_input, FileOutcome, Input};
