//! PC400: control-plane-port-accepted-unauthorized-flow (`portcullis flows`).

use crate::finding::{Because, ExposureClass, Finding, FindingKind, Severity};
use crate::registry::Family;
use portcullis_flows::Observation;
use portcullis_model::named::public;
use portcullis_model::Cidr;
use std::net::IpAddr;

crate::rule! {
    /// ## What it does
    /// Flags a flow-log record (AWS VPC, Azure NSG/VNet, GCP VPC or firewall
    /// rules logs) in which a destination *accepted* traffic to a watched
    /// control-plane port (tcp/10257 and the `--port`s) from a source outside
    /// the authorized list. One finding per destination and source, with the
    /// first and last time seen, flows, packets and bytes, and the rule that
    /// allowed it where the log names one.
    ///
    /// ## Why is this bad?
    /// Configuration says who *could* connect; an accepted flow says someone
    /// *did*. Whatever the firewall rules were meant to say, this source
    /// reached kube-controller-manager's port and could probe its TLS and
    /// HTTP endpoints. Rejected attempts are not findings: they are listed
    /// per destination as evidence that the firewall works, and of who is
    /// knocking.
    ///
    /// ## Example
    /// ```text
    /// 2 123456789010 eni-0a1 203.0.113.7 10.0.1.5 51234 10257 6 3 180 1700000000 1700000060 ACCEPT OK
    /// ```
    /// An internet address connected to 10257 and the security group let it in.
    /// Use instead: restrict the rule that allowed it to the authorized sources
    /// (`portcullis scan` shows which line that is) and review who the source was.
    ///
    /// ## Fix safety
    /// portcullis changes nothing. The flow already happened: restricting the
    /// rule stops the next one, and the finding stays in the logs it came from.
    ///
    /// ## References
    /// - AWS, VPC Flow Logs records: https://docs.aws.amazon.com/vpc/latest/userguide/flow-log-records.html
    /// - Azure, NSG flow logs: https://learn.microsoft.com/azure/network-watcher/nsg-flow-logs-overview
    /// - Google Cloud, VPC Flow Logs: https://cloud.google.com/vpc/docs/flow-logs
    /// - Kubernetes, ports and protocols: https://kubernetes.io/docs/reference/networking/ports-and-protocols/
    pub static RULE = {
        code: "PC400",
        name: "control-plane-port-accepted-unauthorized-flow",
        severity: Severity::Critical,
        summary: "A flow log shows a control-plane port accepting traffic from an unauthorized source",
        family: Family::Flow { check },
    };
}

/// One finding per source and destination the log shows accepted: the
/// observations of kind `unauthorized-accept`.
fn check(observations: &[Observation], out: &mut Vec<Finding>) {
    for o in observations.iter().filter(|o| o.kind == "unauthorized-accept") {
        let Some(source) = &o.source else { continue };
        let public_source = source.parse::<IpAddr>().is_ok_and(is_public);
        let (protocol, port) = (&o.protocol, o.port);
        let destination =
            if o.target.is_empty() { o.destination.clone() } else { format!("{} ({})", o.destination, o.target) };
        let window = match (&o.first_seen, &o.last_seen) {
            (Some(a), Some(b)) => format!(" between {a} and {b}"),
            _ => String::new(),
        };
        let admitted_by = if o.rules.is_empty() {
            format!("accepted {protocol}/{port} from {source} (the log names no rule)")
        } else {
            format!("accepted {protocol}/{port} from {source} by {}", o.rules.join(", "))
        };
        let line = u32::try_from(o.line).unwrap_or(u32::MAX);
        out.push(Finding {
            rule: RULE.code.to_string(),
            severity: RULE.severity,
            kind: FindingKind::Exposure,
            exposure: Some(if public_source { ExposureClass::Public } else { ExposureClass::Unauthorized }),
            port: Some(port),
            protocol: Some(protocol.clone()),
            resource: destination.clone(),
            file: o.file.clone(),
            line,
            column: 0,
            sources: vec![source.clone()].into(),
            because: vec![Because {
                file: o.file.clone(),
                line,
                column: 0,
                rule: admitted_by,
                resource: destination.clone(),
            }]
            .into(),
            flag: None,
            message: format!(
                "{source}, which is not an authorized source, connected to {protocol}/{port} on {destination}: {} accepted flow record(s), {} packets, {}{window}",
                o.flows,
                o.packets,
                human_bytes(o.bytes)
            ),
            resource_kind: "flow destination".to_string(),
            path: Default::default(),
            unknown: Vec::new(),
            reach: None,
            suppressed: None,
        });
    }
}

fn is_public(ip: IpAddr) -> bool {
    let c = match ip {
        IpAddr::V4(a) => Cidr::V4 { addr: u32::from(a), len: 32 },
        IpAddr::V6(a) => Cidr::V6 { addr: u128::from(a), len: 128 },
    };
    public().intersects(&c.to_set())
}

/// `512 B`, `1.5 kB`, `2.0 GB`: decimal units, as the logs' byte counts.
fn human_bytes(b: u64) -> String {
    const UNITS: [&str; 5] = ["B", "kB", "MB", "GB", "TB"];
    let mut v = b as f64;
    let mut u = 0;
    while v >= 1000.0 && u + 1 < UNITS.len() {
        v /= 1000.0;
        u += 1;
    }
    if u == 0 {
        format!("{b} B")
    } else {
        format!("{v:.1} {}", UNITS[u])
    }
}
