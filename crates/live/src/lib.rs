//! portcullis live: read AWS, Azure and GCP directly, with the credentials
//! the user already has, read-only.
//!
//! One truth: a live read produces exactly the JSON documents the clouds'
//! CLIs print (`aws ec2 describe-security-groups`, `az network nsg list`,
//! `gcloud compute firewall-rules list --format=json`, …), one per call and
//! region or subscription or project, and the caller hands them to the same
//! readers that read those dumps from files. `scan --save DIR` writes them
//! as they are, so a later `portcullis scan DIR` sees the same bytes and
//! gives the same findings. This crate knows nothing of how the documents
//! are read: it owns credentials, signing, HTTP, paging, retries and the
//! per-cloud call lists ([`aws`], [`azure`], [`gcp`]).

pub mod aws;
pub mod azure;
pub mod doc;
pub mod env;
pub mod error;
pub mod gcp;
pub mod http;
pub mod jwt;
pub mod pool;
pub mod rest;
pub mod retry;
#[cfg(feature = "testing")]
pub mod testing;
pub mod time;
pub mod xml;

pub use error::{ErrorKind, LiveError};

use std::collections::BTreeMap;
use std::sync::Mutex;
use std::time::Duration;

/// One document as its CLI prints it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Document {
    /// Where `--save` writes it, relative and `/`-separated:
    /// `aws/123456789012/eu-west-1/ec2-describe-security-groups.json`.
    pub path: String,
    pub text: String,
}

/// What a read produced: the documents of every call that succeeded, and
/// an error for every call that did not (the rest went on).
#[derive(Debug, Default)]
pub struct Reading {
    pub documents: Vec<Document>,
    pub errors: Vec<LiveError>,
    /// What was left out on purpose, and why (opt-in regions the account
    /// has not enabled): not errors, but never left out unsaid.
    pub notes: Vec<String>,
    pub summary: Summary,
}

/// Counts for the closing line (`read 3 regions, 1,204 security groups, …`).
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Summary {
    /// Regions (AWS), subscriptions (Azure) or projects (GCP), by noun.
    pub scopes: BTreeMap<&'static str, u64>,
    /// Items read, by noun, in the order nouns were first counted.
    pub items: Vec<(&'static str, u64)>,
    pub requests: u64,
    pub elapsed: Duration,
}

impl Summary {
    pub fn add_items(&mut self, noun: &'static str, n: u64) {
        match self.items.iter_mut().find(|(k, _)| *k == noun) {
            Some(slot) => slot.1 += n,
            None => self.items.push((noun, n)),
        }
    }

    pub fn merge(&mut self, other: Summary) {
        for (k, v) in other.scopes {
            *self.scopes.entry(k).or_default() += v;
        }
        for (k, v) in other.items {
            self.add_items(k, v);
        }
        self.requests += other.requests;
        self.elapsed = self.elapsed.max(other.elapsed);
    }
}

/// Told as a read goes (a progress bar). Calls are added as they become
/// known: a page of load balancers adds one listener call per balancer.
pub trait Progress: Sync {
    fn calls_planned(&self, _n: u64) {}
    fn call_finished(&self) {}
    fn items_read(&self, _noun: &'static str, _n: u64) {}
}

/// No progress shown.
pub struct Silent;
impl Progress for Silent {}

/// Items counted while a read runs, shared by its workers.
#[derive(Default)]
pub(crate) struct Tally {
    summary: Mutex<Summary>,
}

impl Tally {
    pub(crate) fn add(&self, noun: &'static str, n: u64) {
        self.summary.lock().unwrap_or_else(|p| p.into_inner()).add_items(noun, n);
    }

    pub(crate) fn request(&self) {
        self.summary.lock().unwrap_or_else(|p| p.into_inner()).requests += 1;
    }

    pub(crate) fn scope(&self, noun: &'static str) {
        *self.summary.lock().unwrap_or_else(|p| p.into_inner()).scopes.entry(noun).or_default() += 1;
    }

    pub(crate) fn into_summary(self, elapsed: Duration) -> Summary {
        let mut s = self.summary.into_inner().unwrap_or_else(|p| p.into_inner());
        s.elapsed = elapsed;
        s
    }

    /// Puts the nouns in the order of `nouns` (the call list's), whatever
    /// order the calls finished in.
    pub(crate) fn order(&self, nouns: &[&str]) {
        let mut s = self.summary.lock().unwrap_or_else(|p| p.into_inner());
        s.items.sort_by_key(|(k, _)| nouns.iter().position(|n| n == k).unwrap_or(usize::MAX));
    }
}

/// Collected documents and errors, shared by a read's workers; sorted at
/// the end so the output does not depend on which call finished first.
#[derive(Default)]
pub(crate) struct Sink {
    documents: Mutex<Vec<Document>>,
    errors: Mutex<Vec<LiveError>>,
    notes: Mutex<Vec<String>>,
}

impl Sink {
    pub(crate) fn document(&self, path: String, text: String) {
        self.documents.lock().unwrap_or_else(|p| p.into_inner()).push(Document { path, text });
    }

    pub(crate) fn error(&self, e: LiveError) {
        self.errors.lock().unwrap_or_else(|p| p.into_inner()).push(e);
    }

    pub(crate) fn note(&self, note: String) {
        self.notes.lock().unwrap_or_else(|p| p.into_inner()).push(note);
    }

    pub(crate) fn finish(self, tally: Tally, started: std::time::Instant) -> Reading {
        let mut documents = self.documents.into_inner().unwrap_or_else(|p| p.into_inner());
        documents.sort_by(|a, b| a.path.cmp(&b.path));
        let mut errors = self.errors.into_inner().unwrap_or_else(|p| p.into_inner());
        errors.sort_by(|a, b| (&a.place, &a.call, &a.message).cmp(&(&b.place, &b.call, &b.message)));
        let mut notes = self.notes.into_inner().unwrap_or_else(|p| p.into_inner());
        notes.sort();
        Reading { documents, errors, notes, summary: tally.into_summary(started.elapsed()) }
    }
}

/// A cloud's read: `body` fills the sink and tally; an error it returns
/// (no credentials, say) is recorded at `place` like any failed call.
pub(crate) fn read_with(place: &str, body: impl FnOnce(&Sink, &Tally) -> Result<(), LiveError>) -> Reading {
    let started = std::time::Instant::now();
    let sink = Sink::default();
    let tally = Tally::default();
    if let Err(e) = body(&sink, &tally) {
        sink.error(e.at(place));
    }
    sink.finish(tally, started)
}

/// `1,204`: thousands separated, for the summary line.
pub fn thousands(n: u64) -> String {
    let digits = n.to_string();
    let mut out = String::new();
    for (i, c) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i).is_multiple_of(3) {
            out.push(',');
        }
        out.push(c);
    }
    out
}

impl Summary {
    /// `read 3 regions, 1,204 security groups, … in 2.1 s`.
    pub fn line(&self) -> String {
        let mut parts: Vec<String> =
            self.scopes.iter().map(|(k, v)| format!("{} {}", thousands(*v), plural(k, *v))).collect();
        parts.extend(self.items.iter().map(|(k, v)| format!("{} {}", thousands(*v), plural(k, *v))));
        format!("read {} in {:.1} s", parts.join(", "), self.elapsed.as_secs_f64())
    }
}

/// Nouns are kept plural; one of them is said in the singular.
fn plural(noun: &str, n: u64) -> String {
    if n != 1 {
        return noun.to_string();
    }
    if let Some(stem) = noun.strip_suffix("ies") {
        format!("{stem}y")
    } else if let Some(stem) = noun.strip_suffix("sses") {
        format!("{stem}ss")
    } else if let Some(stem) = noun.strip_suffix("es").filter(|s| s.ends_with("ss") || s.ends_with('x')) {
        stem.to_string()
    } else {
        noun.strip_suffix('s').unwrap_or(noun).to_string()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn summary_line() {
        let mut s = Summary::default();
        s.scopes.insert("regions", 3);
        s.add_items("security groups", 1204);
        s.add_items("addresses", 1);
        s.add_items("network ACLs", 0);
        s.add_items("security groups", 1);
        s.elapsed = Duration::from_millis(2_140);
        assert_eq!(s.line(), "read 3 regions, 1,205 security groups, 1 address, 0 network ACLs in 2.1 s");
        assert_eq!(thousands(1_000_000), "1,000,000");
        assert_eq!(plural("policies", 1), "policy");
    }
}
