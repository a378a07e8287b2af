//! Hardening rules (PC2xx): each kube-controller-manager read from its
//! configuration is judged by these rules, one file each in this folder.
//! This module holds what they share: the effective value of a
//! flag (written, defaulted by the tool that writes the command line, or
//! kube-controller-manager's own default), and the finding they build.
//!
//! When the same scan shows tcp/10257 reachable through a firewall and a
//! controller manager bound to every interface, the two findings name each
//! other ([`link_bind_address`]).

pub mod pc200_bind_address;
pub mod pc201_insecure_port;
pub mod pc202_delegated_auth;
pub mod pc203_always_allow_paths;
pub mod pc204_self_signed_certificate;
pub mod pc205_tls_min_version;
pub mod pc206_insecure_cipher_suites;
pub mod pc207_profiling;
pub mod pc208_secure_port_disabled;
pub mod pc209_network_policy_host_network;

use crate::finding::{Because, ExposureClass, Finding, FindingKind, Severity};
use crate::registry::{Family, Rule, RULES};
use portcullis_model::{ControllerManager, Estate, Flag, Origin, Span, UnsetFlags};

/// kube-controller-manager's HTTPS port unless `--secure-port` says
/// otherwise.
pub const SECURE_PORT: u16 = 10257;
/// The legacy insecure HTTP port (`--port`), served before 1.22.
pub const INSECURE_PORT: u16 = 10252;

/// A flag's effective value.
pub enum Value<'a> {
    /// Written in the input (or added by the tool that writes the command
    /// line, see the flag's origin).
    Set(&'a Flag),
    /// Not set: kube-controller-manager's own default applies.
    Default,
    /// Not set, and the tool that writes the command line may add it: the
    /// reason.
    Unknown(&'a str),
}

/// The effective value of `name` on `cm`.
pub fn value<'a>(cm: &'a ControllerManager, name: &str) -> Value<'a> {
    match cm.flag(name) {
        Some(f) => Value::Set(f),
        None => match &cm.unset {
            UnsetFlags::Upstream => match cm.unknown_when_unset.iter().find(|(f, _)| f == name) {
                Some((_, why)) => Value::Unknown(why),
                None => Value::Default,
            },
            UnsetFlags::Unknown(r) => Value::Unknown(r),
        },
    }
}

/// The port the component serves HTTPS on: `None` when `--secure-port=0`,
/// or when it is unset on a release before 1.12, which served no HTTPS
/// unless told to (secure serving on 10257 by default arrived with
/// kubernetes/kubernetes#64149).
pub fn secure_port(cm: &ControllerManager) -> Option<u16> {
    match value(cm, "secure-port") {
        Value::Set(f) => match f.value.trim().parse::<u16>() {
            Ok(0) => None,
            Ok(p) => Some(p),
            Err(_) => Some(SECURE_PORT),
        },
        Value::Default if cm.version.as_ref().is_some_and(|v| v.before(1, 12)) => None,
        _ => Some(SECURE_PORT),
    }
}

fn because_flag(f: &Flag) -> Because {
    let what = match &f.origin {
        Origin::Explicit => format!("--{}={}", f.name, f.value),
        Origin::Default(why) => why.clone(),
    };
    Because {
        file: f.span.file.to_string(),
        line: f.span.line,
        column: f.span.column,
        rule: what,
        resource: String::new(),
    }
}

/// Where a finding about `flag` points: the flag's line when it is
/// written, the component's otherwise.
pub fn at<'a>(cm: &'a ControllerManager, flag: Option<&'a Flag>) -> &'a Span {
    flag.map(|f| &f.span).unwrap_or(&cm.span)
}

/// A hardening finding about `flag` on `cm`.
pub fn finding(
    rule: &Rule,
    cm: &ControllerManager,
    flag: &str,
    port: Option<u16>,
    severity: Severity,
    because: &[&Flag],
    message: String,
) -> Finding {
    let span = because.first().map(|f| &f.span).unwrap_or(&cm.span);
    // The version, when the input tells it, is reported with where it
    // came from: version-specific defaults depend on it.
    let path = vec![match &cm.version {
        Some(v) => format!("{}; Kubernetes {} ({}:{})", cm.source, v.text, v.span.file, v.span.line),
        None => format!("{}; Kubernetes version not in the input", cm.source),
    }];
    Finding {
        rule: rule.code.to_string(),
        severity,
        kind: FindingKind::Hardening,
        exposure: None,
        port,
        protocol: port.map(|_| "tcp".to_string()),
        resource: cm.id.clone(),
        file: span.file.to_string(),
        line: span.line,
        column: span.column,
        sources: Default::default(),
        because: because.iter().map(|f| Because { resource: cm.id.clone(), ..because_flag(f) }).collect(),
        flag: Some(flag.to_string()),
        message,
        resource_kind: "kube-controller-manager".into(),
        path: path.into(),
        unknown: Vec::new(),
        reach: None,
        suppressed: None,
    }
}

/// Every hardening finding of the estate.
pub fn check_hardening(estate: &Estate) -> Vec<Finding> {
    let mut out: Vec<Finding> = RULES
        .iter()
        .filter_map(|r| match r.family {
            Family::Hardening { check, .. } => Some(check),
            _ => None,
        })
        .flat_map(|check| check(estate))
        .collect();
    crate::finding::sort_findings(&mut out);
    out
}

/// Cross-references a controller manager bound to every interface and a
/// firewall that admits tcp/10257 in the same scan: each finding's message
/// names the other, since together they are the exposure (a loopback bind
/// would make the open port harmless, a closed port the bind).
pub fn link_bind_address(findings: &mut [Finding]) {
    let bind_rule = pc200_bind_address::RULE.code;
    let port_rule = crate::ports::pc100_controller_manager::RULE.code;
    let binds: Vec<(String, String)> = findings
        .iter()
        .filter(|f| f.rule == bind_rule)
        .map(|f| (f.resource.clone(), format!("{}:{}", f.file, f.line)))
        .collect();
    if binds.is_empty() {
        return;
    }
    let opens: Vec<(String, String)> = findings
        .iter()
        .filter(|f| {
            f.rule == port_rule && f.port == Some(SECURE_PORT) && f.exposure != Some(ExposureClass::Undetermined)
        })
        .map(|f| (f.resource.clone(), format!("{}:{}", f.file, f.line)))
        .collect();
    if opens.is_empty() {
        return;
    }
    // A large account can have thousands of either: name a few, count the rest.
    const SHOWN: usize = 5;
    let list = |v: &[(String, String)]| {
        let mut s = v.iter().take(SHOWN).map(|(r, at)| format!("{r} ({at})")).collect::<Vec<_>>().join(", ");
        if v.len() > SHOWN {
            s.push_str(&format!(" and {} more", v.len() - SHOWN));
        }
        s
    };
    let (bind_list, open_list) = (list(&binds), list(&opens));
    for f in findings.iter_mut() {
        if f.rule == bind_rule {
            f.message.push_str(&format!(
                "; the same scan shows tcp/{SECURE_PORT} reachable through the firewall ({port_rule}): {open_list}"
            ));
        } else if f.rule == port_rule && f.port == Some(SECURE_PORT) && f.exposure != Some(ExposureClass::Undetermined)
        {
            f.message
                .push_str(&format!("; kube-controller-manager listens on every interface ({bind_rule}): {bind_list}"));
        }
    }
}
