//! The portcullis model: exact address and port sets, the estate of guard
//! layers, rules and targets that every input format is adapted onto, and
//! the network topology (routes, gateways, public addresses, load
//! balancers) that decides whether a path exists at all.
//!
//! This crate knows nothing about input formats, rules or output; it is the
//! vocabulary the rest of the pipeline shares.

pub mod addr;
pub mod component;
pub mod date;
pub mod error;
pub mod estate;
pub mod interval;
pub mod named;
pub mod ports;
pub mod program;
pub mod provenance;
pub mod sql;
pub mod topology;

pub use addr::{AddrSet, Cidr, Family};
pub use component::{ControllerManager, Flag, NetworkPolicy, UnsetFlags, Version};
pub use date::Date;
pub use error::{Error, ErrorKind};
pub use estate::{Action, Entry, Estate, InternalSource, Known, Layer, LayerId, LayerKind, Sources, Step, Target};
pub use interval::IntervalSet;
pub use ports::{format_ports, PortSet, ProtoMatch, Protocol};
pub use program::{Arm, Chain, ChainId, Cond, CtStates, Hook, IfaceName, Program, Rule, Then, Verdict};
pub use provenance::{Origin, Span, Unknown};
pub use topology::Topology;
