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
        ("aws-network-acls", Dialect::AwsCli | Dialect::Shell) => aws_network_acl(fix),
        ("aws-network-acls", _) => wrong("aws-cli or shell"),
        ("azure-nsgs", Dialect::Az | Dialect::Shell) => match &fix.strategy {
            Strategy::DenyAhead { deny_at, allow_at, .. } => azure_deny_ahead(fix, *deny_at, *allow_at),
            _ => azure_rule(fix, rule_after),
        },
        ("azure-nsgs", _) => wrong("az or shell"),
        ("gcp-firewall-rules", Dialect::Gcloud | Dialect::Shell)
            if matches!(fix.strategy, Strategy::DenyAhead { .. }) =>
        {
            Err("a deny firewall rule needs the allow's network and targets, which the plan does not carry: not \
                 fixable yet"
                .into())
        }
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

/// The resource group and NSG of an NSG rule's resource id.
fn nsg_of(id: &str) -> Result<(&str, &str), String> {
    let part = |key: &str| -> Option<&str> {
        let mut it = id.split('/');
        it.position(|p| p.eq_ignore_ascii_case(key))?;
        it.next()
    };
    match (part("resourceGroups"), part("networkSecurityGroups")) {
        (Some(group), Some(nsg)) => Ok((group, nsg)),
        _ => Err(format!("`{id}` is not an NSG resource id")),
    }
}

/// The flagged ports as one range, `(from, to)`: a network ACL entry and
/// one command name one range.
fn one_range(fix: &EntryFix) -> Result<(u16, u16), String> {
    match fix.flagged.runs() {
        [one] => Ok(*one),
        _ => Err("the flagged ports are several ranges: one rule each is not written yet".into()),
    }
}

/// A deny (and an allow of what is kept) ahead of an NSG rule, at free
/// priorities: created allow first, so nothing authorized is cut off in
/// between, and neither admits anything the rule did not.
fn azure_deny_ahead(fix: &EntryFix, deny_at: i64, allow_at: Option<i64>) -> Result<Vec<String>, String> {
    let (group, nsg) = nsg_of(&fix.resource)?;
    let rule = rule_name(&fix.label).ok_or("the rule's name is not known")?;
    let protocol = match &fix.protocol {
        Known::Known(ProtoMatch::All) => "'*'".to_string(),
        Known::Known(ProtoMatch::One(p)) if p.0 == 6 => "Tcp".into(),
        Known::Known(ProtoMatch::One(p)) if p.0 == 17 => "Udp".into(),
        _ => return Err("the rule's protocol cannot be named in an NSG rule".into()),
    };
    let (from, to) = one_range(fix)?;
    let ports = if from == to { from.to_string() } else { format!("{from}-{to}") };
    let create = |name: String, access: &str, priority: i64, sources: &[String]| {
        format!(
            "az network nsg rule create --resource-group {group} --nsg-name {nsg} --name {name} --priority {priority} \
             --direction Inbound --access {access} --protocol {protocol} --source-address-prefixes {} \
             --source-port-ranges '*' --destination-address-prefixes '*' --destination-port-ranges {ports}",
            sources.join(" ")
        )
    };
    let mut out = Vec::new();
    if let Some(at) = allow_at {
        let mut keep = fix.keep.to_cidr_strings();
        keep.extend(fix.keep_internal.iter().map(|s| s.name.clone()));
        out.push(create(format!("{rule}-kept-{ports}"), "Allow", at, &keep));
    }
    let mut before = fix.before.to_cidr_strings();
    before.extend(fix.before_internal.iter().map(|s| s.name.clone()));
    out.push(create(format!("{rule}-deny-{ports}"), "Deny", deny_at, &before));
    Ok(out)
}

/// A network ACL rule: replaced in place when it narrows to one CIDR
/// (`replace-network-acl-entry` changes it in one call), deleted when
/// nothing authorized remains, or left alone with entries ahead of it at
/// free rule numbers (allows of what is kept, then the deny).
fn aws_network_acl(fix: &EntryFix) -> Result<Vec<String>, String> {
    let acl = &fix.resource;
    if !acl.starts_with("acl-") {
        return Err(format!("`{acl}` is not a network ACL id"));
    }
    let protocol = match &fix.protocol {
        Known::Known(ProtoMatch::All) => "-1".to_string(),
        Known::Known(ProtoMatch::One(p)) if p.0 == 6 || p.0 == 17 => p.0.to_string(),
        _ => return Err("the rule's protocol needs ICMP fields: not fixable yet".into()),
    };
    // An all-protocol entry has no ports; a TCP or UDP one names its range.
    let ports = |(from, to): (u16, u16), protocol: &str| {
        if protocol == "-1" {
            String::new()
        } else {
            format!(" --port-range From={from},To={to}")
        }
    };
    let block = |cidr: &str| match Cidr::parse(cidr).map(|c| c.family()) {
        Ok(Family::V6) => format!("--ipv6-cidr-block {cidr}"),
        _ => format!("--cidr-block {cidr}"),
    };
    let entry = |verb: &str, number: i64, range: (u16, u16), cidr: &str, action: &str, protocol: &str| {
        format!(
            "aws ec2 {verb}-network-acl-entry --network-acl-id {acl} --ingress --rule-number {number} --protocol \
             {protocol}{} {} --rule-action {action}",
            ports(range, protocol),
            block(cidr)
        )
    };
    let whole = {
        let runs = fix.ports.runs();
        (runs.first().map_or(0, |r| r.0), runs.last().map_or(65535, |r| r.1))
    };
    match &fix.strategy {
        Strategy::Remove => Ok(vec![format!(
            "aws ec2 delete-network-acl-entry --network-acl-id {acl} --ingress --rule-number {}",
            fix.order
        )]),
        Strategy::Narrow => {
            match fix.keep.to_cidr_strings().as_slice() {
                [one] if fix.keep_internal.is_empty() => {
                    Ok(vec![entry("replace", fix.order, whole, one, "allow", &protocol)])
                }
                _ => Err("a network ACL rule holds one CIDR and no free rule numbers are ahead of it: not fixable yet"
                    .into()),
            }
        }
        Strategy::DenyAhead { deny_at, allow_at, .. } => {
            let range = one_range(fix)?;
            // The flagged ports are one protocol's (an all-protocol rule is
            // flagged for TCP or UDP ports).
            let flagged_protocol = if protocol == "-1" { "6".to_string() } else { protocol.clone() };
            let mut out = Vec::new();
            if let Some(first) = allow_at {
                for (i, cidr) in fix.keep.to_cidr_strings().iter().enumerate() {
                    out.push(entry("create", first + i as i64, range, cidr, "allow", &flagged_protocol));
                }
            }
            let before = fix.before.to_cidr_strings();
            let [source] = before.as_slice() else {
                return Err("the rule's source is not one CIDR".into());
            };
            out.push(entry("create", *deny_at, range, source, "deny", &flagged_protocol));
            Ok(out)
        }
        _ => Err("this change of a network ACL rule: not fixable yet".into()),
    }
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
