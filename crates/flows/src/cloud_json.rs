//! Flow logs written as JSON: Azure NSG flow logs (versions 1 and 2) and
//! VNet flow logs, GCP VPC flow logs and firewall rules logs (Cloud Logging
//! `LogEntry`), AWS CloudWatch Logs subscription payloads and AWS records
//! wrapped as `{"message": …}`.
//!
//! A file may be one document (an Azure blob `{"records": […]}`, an array of
//! entries, a pretty-printed entry) or one document per line (NDJSON, as
//! Pub/Sub and log sinks export). Records are found by their shape wherever
//! they sit, so wrappers (`{"events": [{"json": …}]}`) need no special case.
//! Values keep their byte offsets, so a bad tuple is reported at its line.
//!
//! Provider facts:
//! - Azure NSG tuple: `time(s),src,dst,sport,dport,T|U,I|O,A|D[,B|C|E,pkts→,bytes→,pkts←,bytes←]`
//!   (learn.microsoft.com/azure/network-watcher/nsg-flow-logs-overview, "Log format").
//! - Azure VNet tuple: `time(ms),src,dst,sport,dport,IANA protocol,I|O,B|C|E|D,encryption,pkts→,bytes→,pkts←,bytes←`;
//!   state `D` is a denied flow (learn.microsoft.com/azure/network-watcher/vnet-flow-logs-overview).
//! - GCP: `connection.{src_ip,src_port,dest_ip,dest_port,protocol}`, int64 values as
//!   strings (Cloud Logging's JSON mapping), `disposition` ALLOWED/DENIED and
//!   `rule_details.reference` in firewall logs (cloud.google.com/firewall/docs/firewall-rules-logging);
//!   VPC flow logs have no verdict; a record reported by the destination
//!   (`reporter: DEST`) reached it (cloud.google.com/vpc/docs/about-flow-logs-records).

use crate::aws::{AwsText, Layout, S3Key};
use crate::record::{Action, Flow, Sink};
use portcullis_model::Protocol;
use portcullis_syntax::json::{self, Node, Options, Value};
use portcullis_syntax::LineIndex;
use std::net::IpAddr;

/// What to read AWS records inside JSON with.
pub struct AwsCtx<'c> {
    pub fields: Option<&'c Layout>,
    pub filter: Option<&'c [(u8, u16)]>,
    pub key: &'c S3Key,
}

/// Turns byte offsets into lines: a whole document, or one NDJSON line.
struct Lines<'t> {
    text: &'t str,
    index: Option<LineIndex>,
    line: u64,
}

impl Lines<'_> {
    fn at(&self, off: u32) -> u64 {
        match &self.index {
            Some(ix) => u64::from(ix.line_column(self.text, off as usize).0),
            None => self.line,
        }
    }
}

/// Reads a JSON flow log. Returns how many flow-log objects were found (0:
/// the text is JSON but no flow log this reader knows).
pub fn read<S: Sink>(text: &str, aws: &AwsCtx<'_>, sink: &mut S) -> usize {
    match json::parse(text, Options::STRICT) {
        Ok(root) => {
            let lines = Lines { text, index: Some(LineIndex::new(text)), line: 0 };
            visit(&root, &lines, aws, sink, 0)
        }
        Err(whole) => {
            // One document per line (NDJSON); a line that is not JSON is a
            // malformed record, unless no line is JSON at all.
            let mut found = 0;
            let mut bad = Vec::new();
            let mut any_ok = false;
            for (i, l) in text.split('\n').enumerate() {
                let l = l.trim_end_matches('\r');
                if l.trim().is_empty() {
                    continue;
                }
                let line = i as u64 + 1;
                match json::parse(l, Options::STRICT) {
                    Ok(n) => {
                        any_ok = true;
                        let lines = Lines { text: l, index: None, line };
                        found += visit(&n, &lines, aws, sink, 0);
                    }
                    Err(e) => bad.push((line, e.to_string())),
                }
            }
            if !any_ok {
                let (line, col) = LineIndex::new(text).line_column(text, whole.offset().unwrap_or(0) as usize);
                sink.malformed(u64::from(line), format!("not JSON: {} (column {col})", whole.message));
                return 0;
            }
            for (line, m) in bad {
                sink.malformed(line, format!("not JSON: {m}"));
            }
            found
        }
    }
}

fn s(n: Option<&Node>) -> &str {
    n.and_then(Node::as_str).unwrap_or("")
}

/// An integer written as a number or, as Cloud Logging writes int64, a string.
fn int(n: Option<&Node>) -> Option<i64> {
    let n = n?;
    n.as_i64().or_else(|| n.as_str().and_then(|s| s.trim().parse().ok()))
}

fn path<'a>(n: &'a Node, keys: &[&str]) -> Option<&'a Node> {
    keys.iter().try_fold(n, |n, k| n.get(k))
}

const MAX_DEPTH: usize = 16;

fn visit<S: Sink>(n: &Node, lines: &Lines<'_>, aws: &AwsCtx<'_>, sink: &mut S, depth: usize) -> usize {
    if depth > MAX_DEPTH {
        return 0;
    }
    match &n.value {
        Value::Array(items) => items.iter().map(|i| visit(i, lines, aws, sink, depth + 1)).sum(),
        Value::Object(members) => {
            if n.get("logEvents").is_some() && (n.get("messageType").is_some() || n.get("logGroup").is_some()) {
                cloudwatch(n, lines, aws, sink);
                1
            } else if path(n, &["jsonPayload", "connection"]).is_some() {
                gcp(n, lines, sink);
                1
            } else if n.get("flowRecords").is_some() {
                azure(n, lines, sink, true);
                1
            } else if path(n, &["properties", "flows"]).is_some() {
                azure(n, lines, sink, false);
                1
            } else if n.get("message").and_then(Node::as_str).is_some()
                && members.iter().all(|m| MESSAGE_KEYS.contains(&&*m.key))
            {
                let line = lines.at(n.offset);
                aws_line(s(n.get("message")), line, "", aws, sink);
                1
            } else {
                members.iter().map(|m| visit(&m.value, lines, aws, sink, depth + 1)).sum()
            }
        }
        _ => 0,
    }
}

/// Keys a shipper puts beside an AWS record's `message`.
const MESSAGE_KEYS: &[&str] = &["message", "timestamp", "id", "ingestionTime", "@timestamp", "logStream", "logGroup"];

/// One AWS text record found inside JSON, reported at `line`.
fn aws_line<S: Sink>(msg: &str, line: u64, stream: &str, aws: &AwsCtx<'_>, sink: &mut S) {
    struct At<'s, S> {
        sink: &'s mut S,
        line: u64,
        stream: &'s str,
    }
    impl<S: Sink> Sink for At<'_, S> {
        fn flow(&mut self, flow: &Flow<'_>, _: u64) {
            if flow.target.is_empty() && !self.stream.is_empty() {
                let f = Flow { target: self.stream, ..flow.clone() };
                return self.sink.flow(&f, self.line);
            }
            self.sink.flow(flow, self.line)
        }
        fn status(&mut self, s: crate::record::Status) {
            self.sink.status(s)
        }
        fn malformed(&mut self, _: u64, m: String) {
            self.sink.malformed(self.line, m)
        }
        fn unmatched(&mut self) {
            self.sink.unmatched()
        }
    }
    let mut r = AwsText::new(aws.fields, aws.filter, aws.key);
    r.line(msg.as_bytes(), &mut At { sink, line, stream });
}

/// A CloudWatch Logs subscription payload (decoded): `logEvents[].message`
/// are records without a header (docs.aws.amazon.com/AmazonCloudWatch/latest/logs/SubscriptionFilters.html).
fn cloudwatch<S: Sink>(n: &Node, lines: &Lines<'_>, aws: &AwsCtx<'_>, sink: &mut S) {
    if s(n.get("messageType")) == "CONTROL_MESSAGE" {
        return;
    }
    let stream = s(n.get("logStream"));
    for ev in n.get("logEvents").and_then(Node::as_array).unwrap_or(&[]) {
        let line = lines.at(ev.offset);
        match ev.get("message").and_then(Node::as_str) {
            Some(m) => aws_line(m, line, stream, aws, sink),
            None => sink.malformed(line, "a CloudWatch log event without a message".into()),
        }
    }
}

/// An address; IPv4-mapped IPv6 is the IPv4 address (as in AWS text).
fn ip(s: &str) -> Option<IpAddr> {
    s.trim().parse::<IpAddr>().ok().map(|a| a.to_canonical())
}

fn protocol(n: Option<&Node>) -> Option<u8> {
    let n = n?;
    if let Some(v) = int(Some(n)) {
        return u8::try_from(v).ok();
    }
    Protocol::parse_name(n.as_str()?.trim()).map(|p| p.0)
}

fn gcp<S: Sink>(n: &Node, lines: &Lines<'_>, sink: &mut S) {
    let line = lines.at(n.offset);
    let Some(p) = n.get("jsonPayload") else { return };
    let c = p.get("connection");
    let field = |k: &str| c.and_then(|c| c.get(k));
    let (src, dst) = (ip(s(field("src_ip"))), ip(s(field("dest_ip"))));
    if src.is_none() || dst.is_none() {
        return sink.malformed(line, "a GCP flow entry without valid connection.src_ip/dest_ip".into());
    }
    let port = |k: &str| int(field(k)).and_then(|v| u16::try_from(v).ok());
    let firewall = p.get("disposition").is_some() || p.get("rule_details").is_some();
    let action = if firewall {
        match s(p.get("disposition")) {
            "ALLOWED" => Some(Action::Accept),
            "DENIED" => Some(Action::Reject),
            _ => match s(path(p, &["rule_details", "action"])) {
                "ALLOW" => Some(Action::Accept),
                "DENY" => Some(Action::Reject),
                _ => None,
            },
        }
    } else if s(p.get("reporter")) == "DEST" {
        Some(Action::Accept)
    } else {
        None
    };
    let time = |text: &str| portcullis_model::date::parse_rfc3339(text).ok();
    let entry_time = time(s(n.get("timestamp")));
    let start = time(s(p.get("start_time"))).or(entry_time);
    let end = time(s(p.get("end_time"))).or(entry_time);
    let egress = s(path(p, &["rule_details", "direction"])) == "EGRESS";
    let inst =
        if firewall { p.get(if egress { "remote_instance" } else { "instance" }) } else { p.get("dest_instance") };
    let target = s(inst.and_then(|i| i.get("vm_name")));
    let project = [s(inst.and_then(|i| i.get("project_id"))), s(path(n, &["resource", "labels", "project_id"]))]
        .into_iter()
        .find(|x| !x.is_empty())
        .unwrap_or("");
    let flow = Flow {
        src,
        dst,
        if_src: src,
        if_dst: dst,
        src_port: port("src_port"),
        dst_port: port("dest_port"),
        protocol: protocol(field("protocol")),
        action,
        start,
        end,
        packets: int(p.get("packets_sent")).and_then(|v| u64::try_from(v).ok()),
        bytes: int(p.get("bytes_sent")).and_then(|v| u64::try_from(v).ok()),
        target,
        rule: s(path(p, &["rule_details", "reference"])),
        account: project,
        region: s(inst.and_then(|i| i.get("region"))),
    };
    sink.flow(&flow, line);
}

/// The last segment of an Azure resource id (`…/networkSecurityGroups/NAME`).
fn last_segment(id: &str) -> &str {
    id.trim_end_matches('/').rsplit('/').next().unwrap_or("")
}

/// The subscription of an Azure resource id.
fn subscription(id: &str) -> &str {
    let mut it = id.split('/');
    while let Some(seg) = it.next() {
        if seg.eq_ignore_ascii_case("subscriptions") {
            return it.next().unwrap_or("");
        }
    }
    ""
}

fn azure<S: Sink>(rec: &Node, lines: &Lines<'_>, sink: &mut S, vnet: bool) {
    let (resource, groups_path): (&str, &[&str]) = if vnet {
        (s(rec.get("targetResourceID")), &["flowRecords", "flows"])
    } else {
        (s(rec.get("resourceId")), &["properties", "flows"])
    };
    let target = last_segment(resource).to_string();
    let account = subscription(resource);
    for g in path(rec, groups_path).and_then(Node::as_array).unwrap_or(&[]) {
        // NSG: flows[] = {rule, flows: [{mac, flowTuples}]}; VNet: flows[] = {aclID, flowGroups: [{rule, flowTuples}]}.
        let inner = g.get(if vnet { "flowGroups" } else { "flows" }).and_then(Node::as_array).unwrap_or(&[]);
        for f in inner {
            let rule = if vnet { s(f.get("rule")) } else { s(g.get("rule")) };
            for t in f.get("flowTuples").and_then(Node::as_array).unwrap_or(&[]) {
                let line = lines.at(t.offset);
                match t.as_str() {
                    Some(tuple) => tuple_flow(tuple, vnet, rule, &target, account, line, sink),
                    None => sink.malformed(line, "a flow tuple that is not a string".into()),
                }
            }
        }
    }
}

fn tuple_flow<S: Sink>(tuple: &str, vnet: bool, rule: &str, target: &str, account: &str, line: u64, sink: &mut S) {
    let f: Vec<&str> = tuple.split(',').collect();
    let ok_len = if vnet { f.len() == 13 } else { f.len() == 8 || f.len() == 13 };
    if !ok_len {
        return sink.malformed(line, format!("a flow tuple of {} fields (`{tuple}`)", f.len()));
    }
    let n = |s: &str| if s.is_empty() { Ok(None) } else { s.parse::<u64>().map(Some) };
    let (Ok(Some(ts)), Some(src), Some(dst)) = (n(f[0]), ip(f[1]), ip(f[2])) else {
        return sink.malformed(line, format!("a flow tuple with a bad time or address (`{tuple}`)"));
    };
    let (Ok(sp), Ok(dp)) = (f[3].parse::<u16>(), f[4].parse::<u16>()) else {
        return sink.malformed(line, format!("a flow tuple with a bad port (`{tuple}`)"));
    };
    let proto = match f[5] {
        "T" | "t" => Some(6),
        "U" | "u" => Some(17),
        other => other.parse::<u8>().ok(),
    };
    let action = if vnet {
        match f[7] {
            "D" => Action::Reject,
            "B" | "C" | "E" => Action::Accept,
            _ => return sink.malformed(line, format!("flow state `{}` is not B, C, E or D", f[7])),
        }
    } else {
        match f[7] {
            "A" => Action::Accept,
            "D" => Action::Reject,
            _ => return sink.malformed(line, format!("decision `{}` is not A or D", f[7])),
        }
    };
    let (mut packets, mut bytes) = (None, None);
    if f.len() == 13 {
        let c: Vec<Option<u64>> = f[9..13].iter().map(|x| n(x).ok().flatten()).collect();
        if c.iter().any(Option::is_some) {
            packets = Some(c[0].unwrap_or(0) + c[2].unwrap_or(0));
            bytes = Some(c[1].unwrap_or(0) + c[3].unwrap_or(0));
        }
    }
    // Version 1 and 2 tuples count seconds; VNet tuples milliseconds.
    let t = if vnet { ts / 1000 } else { ts } as i64;
    let flow = Flow {
        src: Some(src),
        dst: Some(dst),
        if_src: Some(src),
        if_dst: Some(dst),
        src_port: Some(sp),
        dst_port: Some(dp),
        protocol: proto,
        action: Some(action),
        start: Some(t),
        end: Some(t),
        packets,
        bytes,
        target,
        rule,
        account,
        region: "",
    };
    sink.flow(&flow, line);
}
