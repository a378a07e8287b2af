//! portcullis probe: what does an unauthenticated client get from a live
//! kube-controller-manager port?
//!
//! The firewall side of portcullis answers *who can reach* 10257; this
//! crate answers *what they get when they do*, for the endpoints a user
//! names and no others. One probe is a fixed, read-only sequence: a TCP
//! connect, a TLS 1.2/1.3 handshake that records the certificate chain
//! ([`tls`], [`cert`]), hand-built TLS 1.0 and 1.1 hellos ([`hello`]),
//! `GET` requests without credentials for /healthz and the paths that must
//! be refused ([`http`]), plain HTTP sent to the TLS port, and, when asked,
//! the legacy insecure port. [`observe`] runs it and keeps every answer as
//! an [`Observation`]; the PC3xx rules of `portcullis-rules` judge
//! observations, so they go through the same reports as a scan.

pub mod cert;
pub mod error;
pub mod hello;
pub mod http;
pub mod observe;
pub mod target;
#[cfg(feature = "testing")]
pub mod testing;
pub mod tls;

pub use error::{Error, ErrorKind};
pub use observe::{probe, probe_all, probe_all_with, Observation, Options, Reach};
pub use target::{Origin, Target, DEFAULT_PORT};

/// The legacy insecure port of kube-controller-manager (removed in 1.24).
pub const LEGACY_PORT: u16 = 10252;
