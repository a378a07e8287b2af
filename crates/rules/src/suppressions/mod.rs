//! Suppressions applied to findings, after the check, and the rules
//! about suppressions themselves (PC9xx), one file each in this folder.
//!
//! A suppression ([`Waiver`]) names rule codes, a reason, an optional last
//! day, and what it covers: lines of one file (an inline comment, see
//! `portcullis_ingest::suppress`) or resources by name (`portcullis.toml`).
//! A finding is covered by lines when its own location or any of its
//! `because` lines falls in them; by a resource pattern when its resource
//! matches.
//!
//! A covered finding is kept, marked [`Suppressed`]; it never fails a run.
//! A suppression past its last day covers nothing and is reported (PC900);
//! a code of a suppression that covered nothing is reported (PC901).

pub mod pc900_suppression_expired;
pub mod pc901_suppression_unused;

use crate::finding::{Finding, FindingKind, Suppressed, SuppressionKind};
use portcullis_model::Date;

/// What a suppression covers.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Scope {
    /// Lines `first..=last` of `file` (paths as the scan names them).
    Lines { file: String, first: u32, last: u32 },
    /// Resources whose name matches; `*` matches any run of characters.
    Resource(String),
}

/// One suppression, from a comment or the config file.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Waiver {
    /// Upper-case rule codes.
    pub codes: Vec<String>,
    pub reason: String,
    /// Last day it applies, `YYYY-MM-DD`.
    pub expires: Option<String>,
    pub kind: SuppressionKind,
    pub scope: Scope,
    /// Where it is written.
    pub file: String,
    pub line: u32,
    pub column: u32,
}

impl Waiver {
    fn covers(&self, f: &Finding) -> bool {
        if !self.codes.iter().any(|c| c.eq_ignore_ascii_case(&f.rule)) {
            return false;
        }
        match &self.scope {
            Scope::Lines { file, first, last } => {
                let hit = |ff: &str, l: u32| ff == file && (*first..=*last).contains(&l);
                hit(&f.file, f.line) || f.because.iter().any(|b| hit(&b.file, b.line))
            }
            Scope::Resource(pattern) => glob(pattern, &f.resource),
        }
    }

    fn is_expired(&self, today: &str) -> bool {
        self.expires.as_deref().is_some_and(|d| d < today)
    }

    fn mark(&self) -> Suppressed {
        Suppressed {
            kind: self.kind,
            reason: self.reason.clone(),
            expires: self.expires.clone(),
            file: self.file.clone(),
            line: self.line,
            column: self.column,
        }
    }

    fn meta(&self, rule: &crate::registry::Rule, message: String) -> Finding {
        Finding {
            rule: rule.code.to_string(),
            severity: rule.severity,
            kind: FindingKind::Suppression,
            exposure: None,
            port: None,
            protocol: None,
            resource: format!("{}:{}", self.file, self.line),
            file: self.file.clone(),
            line: self.line,
            column: self.column,
            sources: Default::default(),
            because: Default::default(),
            flag: None,
            message,
            resource_kind: "suppression".into(),
            path: Default::default(),
            unknown: Vec::new(),
            reach: None,
            suppressed: None,
        }
    }
}

/// `*` matches any run of characters; everything else matches itself.
/// Hand-written rather than `globset` for what it means, not for speed:
/// resource addresses hold `[`, `]`, `{`, `}` and `?` (`aws_security_group.cp["a"]`),
/// which a glob library reads as classes and alternatives, and ids hold
/// `/`, which it treats as a separator.
pub fn glob(pattern: &str, text: &str) -> bool {
    let parts: Vec<&str> = pattern.split('*').collect();
    if parts.len() == 1 {
        return pattern == text;
    }
    let (first, last) = (parts[0], parts[parts.len() - 1]);
    if !text.starts_with(first) || text.len() < first.len() + last.len() || !text.ends_with(last) {
        return false;
    }
    let mut rest = &text[first.len()..text.len() - last.len()];
    for p in &parts[1..parts.len() - 1] {
        match rest.find(p) {
            Some(i) => rest = &rest[i + p.len()..],
            None => return false,
        }
    }
    true
}

/// Marks the findings the waivers cover (the first waiver that covers a
/// finding is the one named) and returns the findings about the waivers
/// themselves. A suppression expires after its last day: on `today` it
/// still applies.
pub fn apply(findings: &mut [Finding], waivers: &[Waiver], today: Date) -> Vec<Finding> {
    // Both `YYYY-MM-DD`: as text, they order as days do.
    let today = today.to_string();
    let today = today.as_str();
    let mut meta = Vec::new();
    for w in waivers {
        let mut used = vec![false; w.codes.len()];
        let mut covered = 0usize;
        for f in findings.iter_mut() {
            if f.kind == FindingKind::Suppression || !w.covers(f) {
                continue;
            }
            covered += 1;
            if let Some(i) = w.codes.iter().position(|c| c.eq_ignore_ascii_case(&f.rule)) {
                used[i] = true;
            }
            if !w.is_expired(today) && f.suppressed.is_none() {
                f.suppressed = Some(Box::new(w.mark()));
            }
        }
        let codes = w.codes.join(",");
        if w.is_expired(today) {
            let expires = w.expires.as_deref().unwrap_or_default();
            let what = match covered {
                0 => "it covers no finding today".to_string(),
                1 => "the 1 finding it covered is reported again".to_string(),
                n => format!("the {n} findings it covered are reported again"),
            };
            let msg = format!(
                "suppression of {codes} expired on {expires} (today is {today}): {what}; its reason was \"{}\"",
                w.reason
            );
            meta.push(w.meta(&pc900_suppression_expired::RULE, msg));
            continue;
        }
        let unused: Vec<&str> = w.codes.iter().zip(&used).filter(|(_, u)| !**u).map(|(c, _)| c.as_str()).collect();
        if !unused.is_empty() {
            let which = if unused.len() == w.codes.len() {
                format!("suppression of {codes} matches no finding")
            } else {
                format!("suppression of {codes}: {} matches no finding", unused.join(","))
            };
            let whr = match w.scope {
                Scope::Lines { .. } => "move it onto (or just above) the rule or resource it is meant for",
                Scope::Resource(_) => "check the resource name and the codes",
            };
            meta.push(w.meta(&pc901_suppression_unused::RULE, format!("{which}: delete it if it is stale, or {whr}")));
        }
    }
    meta
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn globs() {
        assert!(glob("sg-*", "sg-0123"));
        assert!(glob("*", "anything"));
        assert!(glob("module.*.azurerm_*", "module.a.azurerm_network_security_group.x"));
        assert!(!glob("sg-*", "acl-1"));
        assert!(!glob("a*a", "a"));
        assert!(glob("exact", "exact") && !glob("exact", "exactly"));
    }
}
