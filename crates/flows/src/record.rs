//! One flow record, whatever cloud wrote it: the fields every format can
//! answer (addresses, ports, protocol, verdict, times, counters) and where
//! it was seen. Parsers hand records to a [`Sink`] by reference; nothing is
//! allocated per record.

use std::net::IpAddr;

/// The verdict a log states. AWS Transit Gateway records and GCP VPC flow
/// logs sent by the source say none.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Action {
    Accept,
    Reject,
    Unknown,
}

impl Action {
    pub fn as_str(self) -> &'static str {
        match self {
            Action::Accept => "accept",
            Action::Reject => "reject",
            Action::Unknown => "unknown",
        }
    }
}

/// A record that is no flow: AWS says the interface had no traffic
/// (`NODATA`) or records were dropped (`SKIPDATA`) in the window.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Status {
    NoData,
    SkipData,
}

/// One flow record, borrowed from the input.
#[derive(Clone, Debug, Default)]
pub struct Flow<'a> {
    /// The source that matters: AWS `pkt-srcaddr` when the format has it
    /// (the original sender behind a NAT gateway or Transit Gateway),
    /// otherwise the interface-level source.
    pub src: Option<IpAddr>,
    pub dst: Option<IpAddr>,
    /// AWS `srcaddr`/`dstaddr` as written (the interface's view).
    pub if_src: Option<IpAddr>,
    pub if_dst: Option<IpAddr>,
    pub src_port: Option<u16>,
    pub dst_port: Option<u16>,
    /// IANA protocol number.
    pub protocol: Option<u8>,
    pub action: Option<Action>,
    /// Unix seconds.
    pub start: Option<i64>,
    pub end: Option<i64>,
    pub packets: Option<u64>,
    pub bytes: Option<u64>,
    /// What the destination is: an interface, instance, VM or NSG.
    pub target: &'a str,
    /// The firewall rule the log names, when it names one.
    pub rule: &'a str,
    /// Account or project, and region, when known.
    pub account: &'a str,
    pub region: &'a str,
}

impl Flow<'_> {
    pub fn action_or_unknown(&self) -> Action {
        self.action.unwrap_or(Action::Unknown)
    }
}

/// Where parsed records go. `line` is 1-based within the file.
pub trait Sink {
    fn flow(&mut self, flow: &Flow<'_>, line: u64);
    fn status(&mut self, status: Status);
    fn malformed(&mut self, line: u64, message: String);
    /// A record a port filter dropped after checking its shape.
    fn unmatched(&mut self) {}
}

/// A sink that keeps every record with its line (tests, small inputs).
#[derive(Debug, Default)]
pub struct Collect {
    pub flows: Vec<(u64, OwnedFlow)>,
    pub nodata: u64,
    pub skipdata: u64,
    pub malformed: Vec<(u64, String)>,
}

/// A [`Flow`] that owns its strings.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct OwnedFlow {
    pub src: Option<IpAddr>,
    pub dst: Option<IpAddr>,
    pub if_src: Option<IpAddr>,
    pub if_dst: Option<IpAddr>,
    pub src_port: Option<u16>,
    pub dst_port: Option<u16>,
    pub protocol: Option<u8>,
    pub action: Option<Action>,
    pub start: Option<i64>,
    pub end: Option<i64>,
    pub packets: Option<u64>,
    pub bytes: Option<u64>,
    pub target: String,
    pub rule: String,
    pub account: String,
    pub region: String,
}

impl From<&Flow<'_>> for OwnedFlow {
    fn from(f: &Flow<'_>) -> Self {
        OwnedFlow {
            src: f.src,
            dst: f.dst,
            if_src: f.if_src,
            if_dst: f.if_dst,
            src_port: f.src_port,
            dst_port: f.dst_port,
            protocol: f.protocol,
            action: f.action,
            start: f.start,
            end: f.end,
            packets: f.packets,
            bytes: f.bytes,
            target: f.target.to_string(),
            rule: f.rule.to_string(),
            account: f.account.to_string(),
            region: f.region.to_string(),
        }
    }
}

impl Sink for Collect {
    fn flow(&mut self, flow: &Flow<'_>, line: u64) {
        self.flows.push((line, flow.into()));
    }
    fn status(&mut self, status: Status) {
        match status {
            Status::NoData => self.nodata += 1,
            Status::SkipData => self.skipdata += 1,
        }
    }
    fn malformed(&mut self, line: u64, message: String) {
        self.malformed.push((line, message));
    }
}
