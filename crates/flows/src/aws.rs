//! AWS VPC flow logs as text: the default version 2 format, custom formats
//! named by a header line (S3 delivery) or by `--fields` (CloudWatch
//! exports), repeated headers where objects were concatenated, `-` for
//! absent values, NODATA/SKIPDATA records, and the S3 key layouts that say
//! which account, region and day an object holds.
//!
//! Field names, versions and the AWS order are from the VPC user guide,
//! "Flow log records" (docs.aws.amazon.com/vpc/latest/userguide/flow-log-records.html)
//! and the Transit Gateway guide (…/tgw/tgw-flow-logs.html). A format is
//! any subset in any order, so records are read by name, never by position.
//!
//! This is the hot path of `portcullis flows` on large inputs: a line is
//! split into byte slices on the stack, and with a port filter only the
//! protocol and destination port are read before a record is dropped.

use crate::record::{Action, Flow, Sink, Status};
use std::net::IpAddr;
use std::sync::OnceLock;

/// Every field name AWS documents for VPC (versions 2–5, 7, 8) and Transit
/// Gateway (version 6) flow logs, in the AWS order within each version.
pub const FIELDS: &[(&str, u8)] = &[
    ("version", 2),
    ("account-id", 2),
    ("interface-id", 2),
    ("srcaddr", 2),
    ("dstaddr", 2),
    ("srcport", 2),
    ("dstport", 2),
    ("protocol", 2),
    ("packets", 2),
    ("bytes", 2),
    ("start", 2),
    ("end", 2),
    ("action", 2),
    ("log-status", 2),
    ("vpc-id", 3),
    ("subnet-id", 3),
    ("instance-id", 3),
    ("tcp-flags", 3),
    ("type", 3),
    ("pkt-srcaddr", 3),
    ("pkt-dstaddr", 3),
    ("region", 4),
    ("az-id", 4),
    ("sublocation-type", 4),
    ("sublocation-id", 4),
    ("pkt-src-aws-service", 5),
    ("pkt-dst-aws-service", 5),
    ("flow-direction", 5),
    ("traffic-path", 5),
    ("ecs-cluster-arn", 7),
    ("ecs-cluster-name", 7),
    ("ecs-container-instance-arn", 7),
    ("ecs-container-instance-id", 7),
    ("ecs-container-id", 7),
    ("ecs-second-container-id", 7),
    ("ecs-service-name", 7),
    ("ecs-task-definition-arn", 7),
    ("ecs-task-arn", 7),
    ("ecs-task-id", 7),
    ("reject-reason", 8),
    // Transit Gateway flow logs (version 6); not part of a VPC "all fields" layout.
    ("resource-type", 6),
    ("tgw-id", 6),
    ("tgw-attachment-id", 6),
    ("tgw-src-vpc-account-id", 6),
    ("tgw-dst-vpc-account-id", 6),
    ("tgw-src-vpc-id", 6),
    ("tgw-dst-vpc-id", 6),
    ("tgw-src-subnet-id", 6),
    ("tgw-dst-subnet-id", 6),
    ("tgw-src-eni", 6),
    ("tgw-dst-eni", 6),
    ("tgw-src-az-id", 6),
    ("tgw-dst-az-id", 6),
    ("tgw-pair-attachment-id", 6),
    ("packets-lost-no-route", 6),
    ("packets-lost-blackhole", 6),
    ("packets-lost-mtu-exceeded", 6),
    ("packets-lost-ttl-expired", 6),
];

/// The default format (version 2), as AWS writes it when none is chosen.
pub const DEFAULT_FORMAT: &str =
    "version account-id interface-id srcaddr dstaddr srcport dstport protocol packets bytes start end action log-status";

pub fn is_known_field(name: &str) -> bool {
    FIELDS.iter().any(|(n, _)| *n == name)
}

const NONE: usize = usize::MAX;

/// Positions of the fields a report needs; `NONE` when the format lacks one.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
struct Ix {
    account: usize,
    interface: usize,
    instance: usize,
    src: usize,
    dst: usize,
    pkt_src: usize,
    pkt_dst: usize,
    sport: usize,
    dport: usize,
    proto: usize,
    packets: usize,
    bytes: usize,
    start: usize,
    end: usize,
    action: usize,
    status: usize,
    region: usize,
    tgw_attachment: usize,
}

/// A record format: the field names in order.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Layout {
    names: Vec<String>,
    ix: Ix,
}

/// Most fields a line may have before it is refused (the formats have 58 names).
pub const MAX_FIELDS: usize = 64;

/// The longest line read as a record. A record of every field of version 8
/// is a few hundred bytes; a longer line (a gzip bomb of zeros, a binary
/// file) is reported with its number and length and skipped, and a reader
/// never holds more of it than this.
pub const MAX_LINE: usize = 64 << 10;

/// How much of a bad field a message quotes.
const QUOTED: usize = 40;

fn name_like(t: &[u8]) -> bool {
    !t.is_empty()
        && t[0].is_ascii_lowercase()
        && t.iter().all(|&b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-')
}

impl Layout {
    fn from_names(names: Vec<String>) -> Layout {
        let pos = |n: &str| names.iter().position(|x| x == n).unwrap_or(NONE);
        let ix = Ix {
            account: pos("account-id"),
            interface: pos("interface-id"),
            instance: pos("instance-id"),
            src: pos("srcaddr"),
            dst: pos("dstaddr"),
            pkt_src: pos("pkt-srcaddr"),
            pkt_dst: pos("pkt-dstaddr"),
            sport: pos("srcport"),
            dport: pos("dstport"),
            proto: pos("protocol"),
            packets: pos("packets"),
            bytes: pos("bytes"),
            start: pos("start"),
            end: pos("end"),
            action: pos("action"),
            status: pos("log-status"),
            region: pos("region"),
            tgw_attachment: pos("tgw-attachment-id"),
        };
        Layout { names, ix }
    }

    /// A `--fields` value: AWS field names separated by spaces or commas,
    /// with or without the `${…}` of the flow log's format string.
    pub fn parse_fields(spec: &str) -> Result<Layout, crate::Error> {
        use crate::ErrorKind;
        let names: Vec<String> = spec
            .split(|c: char| c == ',' || c.is_whitespace())
            .filter(|s| !s.is_empty())
            .map(|s| s.trim_start_matches("${").trim_end_matches('}').to_string())
            .collect();
        if names.is_empty() {
            return Err(ErrorKind::NoFields.into());
        }
        if names.len() > MAX_FIELDS {
            return Err(ErrorKind::TooManyFields { count: names.len(), most: MAX_FIELDS }.into());
        }
        if let Some(bad) = names.iter().find(|n| !is_known_field(n)) {
            return Err(ErrorKind::UnknownField(bad.clone()).into());
        }
        Ok(Layout::from_names(names))
    }

    /// A header line: every token a field-like name and most of them known
    /// (AWS adds fields; an unknown name is kept and ignored).
    pub fn parse_header(line: &[u8]) -> Option<Layout> {
        let mut names = Vec::new();
        let mut known = 0;
        for t in line.split(|&b| b == b' ' || b == b'\t').filter(|t| !t.is_empty()) {
            if !name_like(t) || names.len() >= MAX_FIELDS {
                return None;
            }
            let s = std::str::from_utf8(t).ok()?;
            known += usize::from(is_known_field(s));
            names.push(s.to_string());
        }
        (known > 0 && known * 2 >= names.len()).then(|| Layout::from_names(names))
    }

    /// The layout a headerless record of `n` fields most likely has: the
    /// default format, or every VPC field up to a version in AWS order.
    pub fn for_count(n: usize) -> Option<&'static Layout> {
        static ALL: OnceLock<Vec<Layout>> = OnceLock::new();
        let all = ALL.get_or_init(|| {
            [2u8, 3, 4, 5, 7, 8]
                .iter()
                .map(|&v| {
                    Layout::from_names(
                        FIELDS.iter().filter(|(_, fv)| *fv <= v && *fv != 6).map(|(n, _)| n.to_string()).collect(),
                    )
                })
                .collect()
        });
        all.iter().find(|l| l.names.len() == n)
    }

    pub fn default_v2() -> &'static Layout {
        Layout::for_count(14).unwrap_or_else(|| unreachable!("the v2 layout has 14 fields"))
    }

    pub fn len(&self) -> usize {
        self.names.len()
    }

    pub fn is_empty(&self) -> bool {
        self.names.is_empty()
    }

    pub fn names(&self) -> &[String] {
        &self.names
    }

    /// Whether records in this format can say if they hit a port.
    pub fn has_ports(&self) -> bool {
        self.ix.dport != NONE && self.ix.proto != NONE
    }
}

/// Account, region and day an S3 object key names: `AWSLogs/<account>/
/// vpcflowlogs/<region>/YYYY/MM/DD/…`, its Hive-style form
/// (`aws-account-id=…/aws-service=vpcflowlogs/aws-region=…/year=…`), or the
/// object's own name `<account>_vpcflowlogs_<region>_<id>_<YYYYMMDDTHHmmZ>_<hash>.log.gz`
/// (VPC user guide, "Flow log files").
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct S3Key {
    pub account: String,
    pub region: String,
    /// `YYYY-MM-DD`, when the key says.
    pub date: Option<String>,
}

fn digits(s: &str, n: usize) -> bool {
    s.len() == n && s.bytes().all(|b| b.is_ascii_digit())
}

pub fn parse_s3_key(path: &str) -> Option<S3Key> {
    let segs: Vec<&str> = path.split(['/', '\\']).filter(|s| !s.is_empty()).collect();
    if let Some(i) = segs.iter().position(|s| *s == "AWSLogs") {
        let rest = &segs[i + 1..];
        let kv = |s: &str, k: &str| s.strip_prefix(k).and_then(|v| v.strip_prefix('=')).map(str::to_string);
        if rest.len() >= 3 && rest[0].starts_with("aws-account-id=") {
            let account = kv(rest[0], "aws-account-id")?;
            if kv(rest[1], "aws-service").as_deref() != Some("vpcflowlogs") {
                return None;
            }
            let region = kv(rest[2], "aws-region")?;
            let y = rest.get(3).and_then(|s| kv(s, "year"));
            let m = rest.get(4).and_then(|s| kv(s, "month"));
            let d = rest.get(5).and_then(|s| kv(s, "day"));
            let date = match (y, m, d) {
                (Some(y), Some(m), Some(d)) if digits(&y, 4) && digits(&m, 2) && digits(&d, 2) => {
                    Some(format!("{y}-{m}-{d}"))
                }
                _ => None,
            };
            return Some(S3Key { account, region, date });
        }
        if rest.len() >= 3 && rest[1] == "vpcflowlogs" {
            let date = match (rest.get(3), rest.get(4), rest.get(5)) {
                (Some(y), Some(m), Some(d)) if digits(y, 4) && digits(m, 2) && digits(d, 2) => {
                    Some(format!("{y}-{m}-{d}"))
                }
                _ => None,
            };
            return Some(S3Key { account: rest[0].to_string(), region: rest[2].to_string(), date });
        }
    }
    let name = segs.last()?;
    let parts: Vec<&str> = name.split('_').collect();
    if parts.len() >= 5 && parts[1] == "vpcflowlogs" && digits(parts[0], 12) {
        let ts = parts[4];
        let date = (ts.len() >= 8 && digits(&ts[..8], 8)).then(|| format!("{}-{}-{}", &ts[..4], &ts[4..6], &ts[6..8]));
        return Some(S3Key { account: parts[0].to_string(), region: parts[2].to_string(), date });
    }
    None
}

/// Reads AWS text records line by line, following header lines.
pub struct AwsText<'c> {
    layout: Option<Layout>,
    /// `--fields`: the layout of headerless records.
    fields: Option<&'c Layout>,
    /// Port filter: records for other (protocol, port) pairs are only
    /// checked for shape, then counted as unmatched.
    filter: Option<&'c [(u8, u16)]>,
    key: &'c S3Key,
    /// 1-based number of the last line read.
    pub line: u64,
    pub headers: u64,
    /// Set when a header line differs from the layout this reader started
    /// with (chunked reading must then start over sequentially).
    pub layout_changed: bool,
    started_with: Option<Layout>,
}

fn trim_end(mut l: &[u8]) -> &[u8] {
    while let [rest @ .., b'\r' | b' ' | b'\t'] = l {
        l = rest;
    }
    l
}

fn split<'a>(line: &'a [u8], out: &mut [&'a [u8]; MAX_FIELDS]) -> usize {
    let mut n = 0;
    let mut i = 0;
    let len = line.len();
    while i < len {
        while i < len && (line[i] == b' ' || line[i] == b'\t') {
            i += 1;
        }
        if i >= len {
            break;
        }
        let s = i;
        while i < len && line[i] != b' ' && line[i] != b'\t' {
            i += 1;
        }
        if n < MAX_FIELDS {
            out[n] = &line[s..i];
        }
        n += 1;
    }
    n
}

/// `-` is absent; anything else must be a decimal number that fits.
fn num<T: TryFrom<u64>>(t: &[u8]) -> Result<Option<T>, ()> {
    if t == b"-" {
        return Ok(None);
    }
    if t.is_empty() || t.len() > 20 {
        return Err(());
    }
    let mut v: u64 = 0;
    for &b in t {
        if !b.is_ascii_digit() {
            return Err(());
        }
        v = v.checked_mul(10).and_then(|v| v.checked_add(u64::from(b - b'0'))).ok_or(())?;
    }
    T::try_from(v).map(Some).map_err(|_| ())
}

/// An address field; IPv4-mapped IPv6 (`::ffff:1.2.3.4`, what a
/// dual-stack socket reports for an IPv4 peer) is the IPv4 address.
fn ip(t: &[u8]) -> Result<Option<IpAddr>, ()> {
    if t == b"-" {
        return Ok(None);
    }
    std::str::from_utf8(t).ok().and_then(|s| s.parse::<IpAddr>().ok()).map(|a| Some(a.to_canonical())).ok_or(())
}

/// A field as a message quotes it: at most [`QUOTED`] bytes (a message
/// must not carry a megabyte of input).
fn quoted(t: &[u8]) -> String {
    if t.len() <= QUOTED {
        return String::from_utf8_lossy(t).into_owned();
    }
    let mut end = QUOTED;
    while end > 0 && t[end] & 0xC0 == 0x80 {
        end -= 1;
    }
    format!("{}… ({} bytes)", String::from_utf8_lossy(&t[..end]), t.len())
}

fn text(t: &[u8]) -> &str {
    if t == b"-" {
        ""
    } else {
        std::str::from_utf8(t).unwrap_or("")
    }
}

impl<'c> AwsText<'c> {
    pub fn new(fields: Option<&'c Layout>, filter: Option<&'c [(u8, u16)]>, key: &'c S3Key) -> Self {
        AwsText { layout: None, fields, filter, key, line: 0, headers: 0, layout_changed: false, started_with: None }
    }

    /// Starts from a known layout (a chunk of a file whose header was read).
    pub fn with_layout(mut self, layout: Option<Layout>) -> Self {
        self.started_with = layout.clone();
        self.layout = layout;
        self
    }

    /// Reads complete lines (the last may lack its newline only at the end of input).
    ///
    /// One pass finds spaces and newlines together (`memchr2`, vectorized),
    /// so each line is split as it is found; a line whose field count does
    /// not match, or that may be a header, takes the careful path.
    pub fn feed<S: Sink>(&mut self, text: &[u8], sink: &mut S) {
        let mut toks: [&[u8]; MAX_FIELDS] = [&[]; MAX_FIELDS];
        let mut n = 0usize;
        let mut line_start = 0usize;
        let mut tok_start = 0usize;
        for pos in memchr::memchr2_iter(b' ', b'\n', text) {
            if pos > tok_start {
                if n < MAX_FIELDS {
                    toks[n] = &text[tok_start..pos];
                }
                n += 1;
            }
            tok_start = pos + 1;
            if text[pos] == b'\n' {
                if pos - line_start > MAX_LINE {
                    self.overlong((pos - line_start) as u64, sink);
                } else {
                    self.line += 1;
                    self.split_line(&text[line_start..pos], &mut toks, n, sink);
                }
                n = 0;
                line_start = pos + 1;
            }
        }
        if line_start < text.len() {
            self.line(&text[line_start..], sink);
        }
    }

    /// A line of `len` bytes, longer than [`MAX_LINE`]: reported, not read.
    pub fn overlong<S: Sink>(&mut self, len: u64, sink: &mut S) {
        self.line += 1;
        sink.malformed(
            self.line,
            format!("a line of {len} bytes, longer than the longest record read ({} KiB): skipped", MAX_LINE >> 10),
        );
    }

    /// A line already split on single spaces into `n` tokens.
    fn split_line<'t, S: Sink>(
        &mut self,
        raw: &'t [u8],
        toks: &mut [&'t [u8]; MAX_FIELDS],
        mut n: usize,
        sink: &mut S,
    ) {
        if n > 0 && n <= MAX_FIELDS {
            if let Some(last) = toks[n - 1].strip_suffix(b"\r") {
                toks[n - 1] = last;
                if last.is_empty() {
                    n -= 1;
                }
            }
        }
        if n == 0 {
            return self.line_inner(raw, sink);
        }
        let layout = match self.layout.as_ref().or(self.fields) {
            Some(l) => l,
            None => match Layout::for_count(n) {
                Some(l) => l,
                None => return self.line_inner(raw, sink),
            },
        };
        if n != layout.len() || toks[0][0].is_ascii_lowercase() {
            return self.line_inner(raw, sink);
        }
        record(&toks[..n], layout, self.filter, self.key, self.line, sink);
    }

    /// Reads one line (without its newline).
    pub fn line<S: Sink>(&mut self, raw: &[u8], sink: &mut S) {
        if raw.len() > MAX_LINE {
            return self.overlong(raw.len() as u64, sink);
        }
        self.line += 1;
        self.line_inner(raw, sink);
    }

    fn line_inner<S: Sink>(&mut self, raw: &[u8], sink: &mut S) {
        let line = trim_end(raw);
        if line.is_empty() {
            return;
        }
        if line[0].is_ascii_lowercase() {
            if let Some(l) = Layout::parse_header(line) {
                self.headers += 1;
                if self.started_with.as_ref() != Some(&l) {
                    self.layout_changed = true;
                }
                if self.layout.as_ref() != Some(&l) {
                    self.layout = Some(l);
                }
                return;
            }
        }
        let mut toks: [&[u8]; MAX_FIELDS] = [&[]; MAX_FIELDS];
        let n = split(line, &mut toks);
        let layout = match self.layout.as_ref().or(self.fields) {
            Some(l) => l,
            None => match Layout::for_count(n) {
                Some(l) => l,
                None => {
                    sink.malformed(
                        self.line,
                        format!(
                            "a record of {n} fields without a header line: not the default format; name the format with --fields"
                        ),
                    );
                    return;
                }
            },
        };
        if n != layout.len() {
            sink.malformed(self.line, format!("{n} fields where the format has {}", layout.len()));
            return;
        }
        record(&toks[..n], layout, self.filter, self.key, self.line, sink);
    }
}

/// Turns one record's fields into a [`Flow`].
fn record<S: Sink>(t: &[&[u8]], layout: &Layout, filter: Option<&[(u8, u16)]>, key: &S3Key, line: u64, sink: &mut S) {
    let ix = &layout.ix;
    let get = |i: usize| if i == NONE { &b"-"[..] } else { t[i] };
    match get(ix.status) {
        b"OK" | b"-" => {}
        b"NODATA" => return sink.status(Status::NoData),
        b"SKIPDATA" => return sink.status(Status::SkipData),
        other => {
            return sink.malformed(line, format!("log-status `{}` is not OK, NODATA or SKIPDATA", quoted(other)));
        }
    }
    let bad =
        |sink: &mut S, field: &str, v: &[u8]| sink.malformed(line, format!("{field} `{}` is not valid", quoted(v)));
    let Ok(proto) = num::<u8>(get(ix.proto)) else { return bad(sink, "protocol", get(ix.proto)) };
    let Ok(dport) = num::<u16>(get(ix.dport)) else { return bad(sink, "dstport", get(ix.dport)) };
    if let (Some(f), true) = (filter, layout.has_ports()) {
        let hit = matches!((proto, dport), (Some(p), Some(d)) if f.iter().any(|&(fp, fd)| fp == p && fd == d));
        if !hit {
            return sink.unmatched();
        }
    }
    let Ok(sport) = num::<u16>(get(ix.sport)) else { return bad(sink, "srcport", get(ix.sport)) };
    let Ok(if_src) = ip(get(ix.src)) else { return bad(sink, "srcaddr", get(ix.src)) };
    let Ok(if_dst) = ip(get(ix.dst)) else { return bad(sink, "dstaddr", get(ix.dst)) };
    let Ok(pkt_src) = ip(get(ix.pkt_src)) else { return bad(sink, "pkt-srcaddr", get(ix.pkt_src)) };
    let Ok(pkt_dst) = ip(get(ix.pkt_dst)) else { return bad(sink, "pkt-dstaddr", get(ix.pkt_dst)) };
    let Ok(packets) = num::<u64>(get(ix.packets)) else { return bad(sink, "packets", get(ix.packets)) };
    let Ok(bytes) = num::<u64>(get(ix.bytes)) else { return bad(sink, "bytes", get(ix.bytes)) };
    let Ok(start) = num::<i64>(get(ix.start)) else { return bad(sink, "start", get(ix.start)) };
    let Ok(end) = num::<i64>(get(ix.end)) else { return bad(sink, "end", get(ix.end)) };
    let action = match get(ix.action) {
        b"ACCEPT" => Some(Action::Accept),
        b"REJECT" => Some(Action::Reject),
        b"-" => None,
        other => return sink.malformed(line, format!("action `{}` is not ACCEPT or REJECT", quoted(other))),
    };
    let target = [ix.instance, ix.interface, ix.tgw_attachment].iter().map(|&i| text(get(i))).find(|s| !s.is_empty());
    let account = text(get(ix.account));
    let region = text(get(ix.region));
    let flow = Flow {
        src: pkt_src.or(if_src),
        dst: pkt_dst.or(if_dst),
        if_src,
        if_dst,
        src_port: sport,
        dst_port: dport,
        protocol: proto,
        action,
        start,
        end,
        packets,
        bytes,
        target: target.unwrap_or(""),
        rule: "",
        account: if account.is_empty() { &key.account } else { account },
        region: if region.is_empty() { &key.region } else { region },
    };
    sink.flow(&flow, line);
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::record::Collect;

    #[test]
    fn s3_keys() {
        let k = parse_s3_key("b/AWSLogs/123456789012/vpcflowlogs/us-east-1/2024/05/06/x.log.gz").unwrap();
        assert_eq!(
            (k.account.as_str(), k.region.as_str(), k.date.as_deref()),
            ("123456789012", "us-east-1", Some("2024-05-06"))
        );
        let k = parse_s3_key(
            "p/AWSLogs/aws-account-id=123456789012/aws-service=vpcflowlogs/aws-region=eu-west-1/year=2024/month=05/day=06/hour=13/f.log.gz",
        )
        .unwrap();
        assert_eq!(
            (k.account.as_str(), k.region.as_str(), k.date.as_deref()),
            ("123456789012", "eu-west-1", Some("2024-05-06"))
        );
        let k =
            parse_s3_key("dl/123456789012_vpcflowlogs_ap-south-1_fl-1234abcd_20180620T1620Z_fe123456.log.gz").unwrap();
        assert_eq!(k.date.as_deref(), Some("2018-06-20"));
        assert_eq!(parse_s3_key("flows.log"), None);
    }

    #[test]
    fn layouts_by_count_and_fields() {
        for n in [14, 21, 25, 29, 39, 40] {
            assert_eq!(Layout::for_count(n).map(Layout::len), Some(n));
        }
        assert!(Layout::for_count(17).is_none());
        assert!(Layout::parse_fields("version srcaddr nonsense").is_err());
        assert_eq!(Layout::parse_fields("${version} ${srcaddr}").unwrap().len(), 2);
        assert!(Layout::parse_header(b"i-0123 eni-0abc 10.0.0.1").is_none());
    }

    #[test]
    fn header_change_and_bad_lines() {
        let key = S3Key::default();
        let mut r = AwsText::new(None, None, &key);
        let mut c = Collect::default();
        r.feed(
            b"srcaddr dstaddr dstport protocol action\n10.0.0.1 10.0.0.2 10257 6 ACCEPT\n\n\
              version srcaddr dstaddr\n2 10.0.0.3 10.0.0.4\n2 10.0.0.3\n2 x 10.0.0.4",
            &mut c,
        );
        assert_eq!(r.headers, 2);
        assert_eq!(c.flows.len(), 2);
        assert_eq!(c.flows[0].1.dst_port, Some(10257));
        assert_eq!(c.flows[1].0, 5);
        assert_eq!(c.malformed.iter().map(|m| m.0).collect::<Vec<_>>(), vec![6, 7]);
    }

    /// A chunk that starts without a header and meets one cannot know the
    /// layout of its first lines: it must say so, so the file is read again in order.
    #[test]
    fn a_header_inside_a_chunk_is_noticed() {
        let key = S3Key::default();
        for start in [None, Some(Layout::default_v2().clone())] {
            let mut r = AwsText::new(None, None, &key).with_layout(start.clone());
            r.feed(
                b"srcaddr dstaddr dstport protocol action\n10.0.0.1 10.0.0.2 10257 6 ACCEPT\n",
                &mut Collect::default(),
            );
            assert!(r.layout_changed, "started with {start:?}");
        }
        let mut r = AwsText::new(None, None, &key).with_layout(Some(Layout::default_v2().clone()));
        r.feed(format!("{DEFAULT_FORMAT}\n").as_bytes(), &mut Collect::default());
        assert!(!r.layout_changed, "the same header again");
    }
}
