//! Commands for live accounts: where a finding was read from a CLI dump,
//! the fix is the cloud CLI's commands that make the same change.
//!
//! Order: every rule the fix keeps or adds is authorized first, then the
//! old rule is revoked. Each authorized permission admits a subset of what
//! the old rule admits (the narrowed sources, or the old sources on the
//! ports that stay), so at no moment between two commands does the group
//! admit anything it did not admit before.

use crate::plan::{EntryFix, Strategy};
use portcullis_model::{Cidr, Family, Known, ProtoMatch};

/// Which commands to print.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Dialect {
    AwsCli,
    Az,
    Gcloud,
    /// The same commands as a shell script that stops at the first failure.
    Shell,
}

/// The commands for one fix of a dump of kind `kind`, or why there are none.
/// `rule_after` is every source the fixed rule keeps (all its lines, the
/// other fixes of the same rule included): Azure and GCP replace a rule's
/// whole source list in one command.
pub fn commands(kind: &str, fix: &EntryFix, rule_after: &[String], dialect: Dialect) -> Result<Vec<String>, String> {
    let wrong = |want: &str| Err(format!("{kind} is changed with --format {want}"));
    if matches!(fix.strategy, Strategy::Split { .. }) && fix.layer_kind != portcullis_model::LayerKind::AllowUnion {
        return Err("splitting a port range in an ordered layer needs a free priority: not fixable yet".into());
    }
    match (kind, dialect) {
        ("aws-security-groups", Dialect::AwsCli | Dialect::Shell) => aws_security_group(fix),
        ("aws-security-groups", _) => wrong("aws-cli or shell"),
        ("azure-nsgs", Dialect::Az | Dialect::Shell) => azure_rule(fix, rule_after),
        ("azure-nsgs", _) => wrong("az or shell"),
        ("gcp-firewall-rules", Dialect::Gcloud | Dialect::Shell) => gcp_rule(fix, rule_after),
        ("gcp-firewall-rules", _) => wrong("gcloud or shell"),
        (other, _) => Err(format!("commands for {other} dumps: not fixable yet")),
    }
}

/// The name of a rule from its label (`priority 200 NAME: allow …`).
fn rule_name(label: &str) -> Option<&str> {
    let head = label.split(':').next()?;
    let mut words = head.splitn(3, ' ');
    (words.next()? == "priority").then_some(())?;
    words.next()?;
    words.next()
}

/// One rule of an NSG, replaced by `az network nsg rule update`: the
/// source list is set in one call, so there is no moment in between.
fn azure_rule(fix: &EntryFix, after: &[String]) -> Result<Vec<String>, String> {
    let id = &fix.resource;
    let part = |key: &str| -> Option<&str> {
        let mut it = id.split('/');
        it.position(|p| p.eq_ignore_ascii_case(key))?;
        it.next()
    };
    let (Some(group), Some(nsg)) = (part("resourceGroups"), part("networkSecurityGroups")) else {
        return Err(format!("`{id}` is not an NSG resource id"));
    };
    let rule = rule_name(&fix.label).ok_or("the rule's name is not known")?;
    if after.is_empty() {
        return Ok(vec![format!("az network nsg rule delete --resource-group {group} --nsg-name {nsg} --name {rule}")]);
    }
    Ok(vec![format!(
        "az network nsg rule update --resource-group {group} --nsg-name {nsg} --name {rule} --source-address-prefixes {}",
        after.join(" ")
    )])
}

/// A GCP firewall rule, replaced by `gcloud compute firewall-rules
/// update`. A rule left with no source ranges, tags or service accounts
/// would admit 0.0.0.0/0 (GCP's default source), so it is deleted instead.
fn gcp_rule(fix: &EntryFix, after: &[String]) -> Result<Vec<String>, String> {
    let name = &fix.resource;
    let ranges: Vec<&String> = after.iter().filter(|s| Cidr::parse(s).is_ok()).collect();
    if after.is_empty() {
        return Ok(vec![format!("gcloud compute firewall-rules delete {name} --quiet")]);
    }
    if ranges.is_empty() {
        return Err("the rule keeps only tags or service accounts: not fixable yet".into());
    }
    Ok(vec![format!(
        "gcloud compute firewall-rules update {name} --source-ranges={}",
        ranges.iter().map(|s| s.as_str()).collect::<Vec<_>>().join(",")
    )])
}

/// One `--ip-permissions` value in the AWS CLI's shorthand.
fn permission(fix: &EntryFix, from: u16, to: u16, sources: &[String]) -> Result<String, String> {
    let protocol = match &fix.protocol {
        Known::Known(ProtoMatch::All) => "-1".to_string(),
        Known::Known(ProtoMatch::One(p)) => p.to_string(),
        Known::Unknown(u) => return Err(format!("the rule's protocol is unknown: {}", u.reason)),
    };
    let mut v4 = Vec::new();
    let mut v6 = Vec::new();
    let mut groups = Vec::new();
    for s in sources {
        match Cidr::parse(s) {
            Ok(c) if c.family() == Family::V4 => v4.push(format!("{{CidrIp={s}}}")),
            Ok(_) => v6.push(format!("{{CidrIpv6={s}}}")),
            Err(_) if s.starts_with("sg-") => groups.push(format!("{{GroupId={s}}}")),
            Err(_) => return Err(format!("source `{s}` cannot be named in a security-group permission")),
        }
    }
    let mut out = format!("IpProtocol={protocol}");
    if protocol != "-1" {
        out.push_str(&format!(",FromPort={from},ToPort={to}"));
    }
    for (key, list) in [("IpRanges", v4), ("Ipv6Ranges", v6), ("UserIdGroupPairs", groups)] {
        if !list.is_empty() {
            out.push_str(&format!(",{key}=[{}]", list.join(",")));
        }
    }
    Ok(out)
}

fn aws_security_group(fix: &EntryFix) -> Result<Vec<String>, String> {
    let group = &fix.resource;
    if !group.starts_with("sg-") {
        return Err(format!("`{group}` is not a security-group id"));
    }
    let runs = fix.ports.runs();
    let (Some(&(from, _)), Some(&(_, to))) = (runs.first(), runs.last()) else {
        return Err("the rule has no ports".into());
    };
    let mut before: Vec<String> = fix.before.to_cidr_strings();
    before.extend(fix.before_internal.iter().map(|s| s.name.clone()));
    let mut keep: Vec<String> = fix.keep.to_cidr_strings();
    keep.extend(fix.keep_internal.iter().map(|s| s.name.clone()));
    let authorize =
        |p: String| format!("aws ec2 authorize-security-group-ingress --group-id {group} --ip-permissions '{p}'");
    let mut out = Vec::new();
    if !keep.is_empty() {
        out.push(authorize(permission(fix, from, to, &keep)?));
    }
    if let Strategy::Split { stay } = &fix.strategy {
        for &(lo, hi) in stay {
            out.push(authorize(permission(fix, lo, hi, &before)?));
        }
    }
    out.push(format!(
        "aws ec2 revoke-security-group-ingress --group-id {group} --ip-permissions '{}'",
        permission(fix, from, to, &before)?
    ));
    Ok(out)
}
