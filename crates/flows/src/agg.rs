//! The aggregation: flow records for the watched (protocol, port) pairs,
//! per destination and verdict, with every source counted and classified
//! against the authorized sources. Memory grows with the number of distinct
//! (destination, source) pairs that touched a watched port, not with input
//! size.

use crate::record::{Action, Flow, Sink, Status};
use portcullis_model::AddrSet;
use std::collections::HashMap;
use std::net::IpAddr;

/// What to count.
#[derive(Clone, Debug)]
pub struct Watch {
    /// (IANA protocol, destination port) pairs.
    pub ports: Vec<(u8, u16)>,
    /// Sources allowed to connect.
    pub authorized: AddrSet,
    /// Unix seconds; a record counts when its [start, end] meets the window.
    pub since: Option<i64>,
    pub until: Option<i64>,
}

impl Watch {
    pub fn is_authorized(&self, ip: IpAddr) -> bool {
        match ip {
            IpAddr::V4(a) => self.authorized.contains_v4(a),
            IpAddr::V6(a) => self.authorized.contains_v6(a),
        }
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct CellKey {
    pub dst: IpAddr,
    pub protocol: u8,
    pub port: u16,
    pub action: Action,
}

/// Where a record was read: input index and 1-based line.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Default)]
pub struct At {
    pub file: u32,
    pub line: u64,
}

#[derive(Clone, Debug, Default)]
pub struct Counts {
    pub flows: u64,
    pub packets: u64,
    pub bytes: u64,
    pub first: Option<i64>,
    pub last: Option<i64>,
}

impl Counts {
    fn add(&mut self, f: &Flow<'_>) {
        self.flows += 1;
        self.packets += f.packets.unwrap_or(0);
        self.bytes += f.bytes.unwrap_or(0);
        let (s, e) = (f.start.or(f.end), f.end.or(f.start));
        if let Some(s) = s {
            self.first = Some(self.first.map_or(s, |x| x.min(s)));
        }
        if let Some(e) = e {
            self.last = Some(self.last.map_or(e, |x| x.max(e)));
        }
    }

    fn merge(&mut self, o: &Counts) {
        self.flows += o.flows;
        self.packets += o.packets;
        self.bytes += o.bytes;
        self.first = match (self.first, o.first) {
            (Some(a), Some(b)) => Some(a.min(b)),
            (a, b) => a.or(b),
        };
        self.last = match (self.last, o.last) {
            (Some(a), Some(b)) => Some(a.max(b)),
            (a, b) => a.or(b),
        };
    }
}

/// The rules a log names for one source, at most this many kept.
const MAX_RULES: usize = 8;

#[derive(Clone, Debug, Default)]
pub struct SourceStat {
    pub counts: Counts,
    pub rules: Vec<String>,
    /// The first record seen.
    pub at: At,
}

#[derive(Clone, Debug, Default)]
pub struct Cell {
    pub counts: Counts,
    pub authorized: Counts,
    pub unauthorized: Counts,
    pub target: String,
    pub account: String,
    pub region: String,
    pub sources: HashMap<IpAddr, SourceStat>,
}

/// Malformed lines kept per input with their message; the rest are counted.
pub const MALFORMED_KEPT: usize = 5;

/// Run totals; also the JSON `flow_stats` (with the number of files).
#[derive(Clone, Debug, Default, PartialEq, Eq, serde::Serialize)]
pub struct Totals {
    /// Flow records read (NODATA/SKIPDATA excluded).
    pub records: u64,
    pub nodata: u64,
    pub skipdata: u64,
    /// Records on a watched port (inside the time window).
    pub matched: u64,
    /// Records on a watched port outside the time window (or without times when one is given).
    pub outside_window: u64,
    /// Records whose format says no protocol, destination port or address.
    pub without_ports: u64,
    pub malformed: u64,
}

impl Totals {
    fn merge(&mut self, o: &Totals) {
        self.records += o.records;
        self.nodata += o.nodata;
        self.skipdata += o.skipdata;
        self.matched += o.matched;
        self.outside_window += o.outside_window;
        self.without_ports += o.without_ports;
        self.malformed += o.malformed;
    }
}

/// Counts for one input (or a chunk of one), merged into a run's total.
#[derive(Clone, Debug)]
pub struct Agg<'w> {
    watch: &'w Watch,
    file: u32,
    pub totals: Totals,
    pub cells: HashMap<CellKey, Cell>,
    /// The first malformed lines: (where, message).
    pub malformed: Vec<(At, String)>,
}

impl<'w> Agg<'w> {
    pub fn new(watch: &'w Watch, file: u32) -> Self {
        Agg { watch, file, totals: Totals::default(), cells: HashMap::new(), malformed: Vec::new() }
    }

    pub fn file_index(&self) -> u32 {
        self.file
    }

    pub fn watch(&self) -> &'w Watch {
        self.watch
    }

    /// Adds another aggregate; `line_offset` shifts its line numbers (a
    /// later chunk of the same file counts lines from its own start).
    pub fn merge(&mut self, other: Agg<'_>, line_offset: u64) {
        self.totals.merge(&other.totals);
        for (at, m) in other.malformed {
            self.malformed.push((At { file: at.file, line: at.line + line_offset }, m));
        }
        self.malformed.sort();
        let mut kept: Vec<(u32, usize)> = Vec::new();
        self.malformed.retain(|(at, _)| match kept.iter_mut().find(|(f, _)| *f == at.file) {
            Some((_, n)) if *n >= MALFORMED_KEPT => false,
            Some((_, n)) => {
                *n += 1;
                true
            }
            None => {
                kept.push((at.file, 1));
                true
            }
        });
        for (k, c) in other.cells {
            let mine = self.cells.entry(k).or_insert_with(|| Cell {
                target: c.target.clone(),
                account: c.account.clone(),
                region: c.region.clone(),
                ..Cell::default()
            });
            mine.counts.merge(&c.counts);
            mine.authorized.merge(&c.authorized);
            mine.unauthorized.merge(&c.unauthorized);
            for (ip, s) in c.sources {
                let at = At { file: s.at.file, line: s.at.line + line_offset };
                match mine.sources.get_mut(&ip) {
                    Some(m) => {
                        m.counts.merge(&s.counts);
                        for r in s.rules {
                            if m.rules.len() < MAX_RULES && !m.rules.contains(&r) {
                                m.rules.push(r);
                            }
                        }
                        m.at = m.at.min(at);
                    }
                    None => {
                        mine.sources.insert(ip, SourceStat { at, ..s });
                    }
                }
            }
        }
    }

    fn in_window(&self, f: &Flow<'_>) -> bool {
        if self.watch.since.is_none() && self.watch.until.is_none() {
            return true;
        }
        let (Some(s), Some(e)) = (f.start.or(f.end), f.end.or(f.start)) else { return false };
        self.watch.since.is_none_or(|w| e >= w) && self.watch.until.is_none_or(|w| s <= w)
    }
}

impl Sink for Agg<'_> {
    fn flow(&mut self, f: &Flow<'_>, line: u64) {
        self.totals.records += 1;
        let (Some(proto), Some(port), Some(src), Some(dst)) = (f.protocol, f.dst_port, f.src, f.dst) else {
            self.totals.without_ports += 1;
            return;
        };
        if !self.watch.ports.iter().any(|&(p, d)| p == proto && d == port) {
            return;
        }
        if !self.in_window(f) {
            self.totals.outside_window += 1;
            return;
        }
        self.totals.matched += 1;
        let authorized = self.watch.is_authorized(src);
        let key = CellKey { dst, protocol: proto, port, action: f.action_or_unknown() };
        let cell = self.cells.entry(key).or_insert_with(|| Cell {
            target: f.target.to_string(),
            account: f.account.to_string(),
            region: f.region.to_string(),
            ..Cell::default()
        });
        cell.counts.add(f);
        if authorized {
            cell.authorized.add(f);
        } else {
            cell.unauthorized.add(f);
        }
        let at = At { file: self.file, line };
        let s = cell.sources.entry(src).or_insert_with(|| SourceStat { at, ..SourceStat::default() });
        s.counts.add(f);
        if !f.rule.is_empty() && s.rules.len() < MAX_RULES && !s.rules.iter().any(|r| r == f.rule) {
            s.rules.push(f.rule.to_string());
        }
    }

    fn status(&mut self, s: Status) {
        match s {
            Status::NoData => self.totals.nodata += 1,
            Status::SkipData => self.totals.skipdata += 1,
        }
    }

    fn malformed(&mut self, line: u64, message: String) {
        self.totals.malformed += 1;
        if self.malformed.len() < MALFORMED_KEPT {
            self.malformed.push((At { file: self.file, line }, message));
        }
    }

    fn unmatched(&mut self) {
        self.totals.records += 1;
    }
}
