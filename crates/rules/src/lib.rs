//! The portcullis rule catalog and checks.
//!
//! A rule is data (stable code, name, severity, docs) plus a check. Port
//! rules share one check, [`check::check_estate`]: evaluate each target's
//! path with the engine, classify what it admits against the authorized
//! sources, and say which lines let it in.

pub mod catalog;
pub mod check;
pub mod finding;
pub mod hardening;
pub mod probe_rule;
pub mod spec;
pub mod suppress;

pub use check::{check_estate, classify, Authorized, PortQuery};
pub use finding::{
    Because, ExposureClass, Finding, FindingKind, PathReach, ReachKind, Severity, Suppressed, SuppressionKind, Via,
};
pub use hardening::check_hardening;
pub use probe_rule::ProbeRule;
pub use spec::{HardeningRule, PortRule, DOC_SECTIONS};
