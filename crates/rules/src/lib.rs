//! The portcullis rules: every rule's docs and check, one file a rule in
//! its family's folder, and the one [`registry`] that lists them all.
//!
//! - [`ports`] (PC1xx): a port reachable through the firewall path. One
//!   check serves them all: evaluate each target's path with the engine,
//!   classify what it admits against the authorized sources, and say which
//!   lines let it in.
//! - [`hardening`] (PC2xx): kube-controller-manager's configuration.
//! - [`probe`] (PC3xx): what a live endpoint answered `portcullis probe`.
//! - [`flows`] (PC4xx): what flow logs recorded.
//! - [`suppressions`] (PC9xx): suppressions applied to findings, and the
//!   findings about suppressions themselves.
//!
//! Every check returns [`Finding`]s, the shape the reports print.

pub mod finding;
pub mod flows;
pub mod hardening;
pub mod ports;
pub mod probe;
pub mod registry;
pub mod suppressions;

pub use finding::{
    Because, ExposureClass, Finding, FindingKind, PathReach, ReachKind, Severity, Suppressed, SuppressionKind, Via,
};
pub use hardening::check_hardening;
pub use ports::{check_estate, classify, Authorized, PortQuery};
pub use registry::{Family, FamilyKind, Rule, DOC_SECTIONS, RULES};
