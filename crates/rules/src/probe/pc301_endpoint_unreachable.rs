//! PC301: endpoint-unreachable.

use super::{finding, url};
use crate::finding::{Finding, Severity};
use crate::registry::Family;
use portcullis_probe::observe::Reach;
use portcullis_probe::Observation;

crate::rule! {
    /// ## What it does
    /// Reports a named endpoint that did not accept a TCP connection from where
    /// the probe ran: refused (nothing listens, or a firewall rejects) or timed out
    /// (a firewall drops, or the host is down). Nothing else is checked then.
    ///
    /// ## Why is this bad?
    /// Usually it is good news: the port is closed to this vantage point. It is
    /// reported so a run never passes silently over a target it could not check,
    /// and so a port that should be reachable (a metrics scraper's view) shows up
    /// as closed.
    ///
    /// ## Example
    /// ```text
    /// info PC301 tcp/10257 10.0.0.5:10257
    ///   10.0.0.5:10257 did not accept a TCP connection (timed out after 5 s)
    /// ```
    ///
    /// ## Fix safety
    /// Nothing to fix when the port is meant to be closed from here. Probe from
    /// each network that matters (inside the VPC, the internet) to see both views.
    ///
    /// ## References
    /// - Kubernetes, "Ports and Protocols": https://kubernetes.io/docs/reference/networking/ports-and-protocols/
    pub static RULE = {
        code: "PC301",
        name: "endpoint-unreachable",
        severity: Severity::Info,
        summary: "The endpoint did not accept a TCP connection from where the probe ran",
        family: Family::Probe { check },
    };
}

fn check(o: &Observation, out: &mut Vec<Finding>) {
    let t = &o.target;
    let why = match &o.reach {
        Reach::Open(_) | Reach::NotProbed(_) => return,
        Reach::Refused(_) => "refused".to_string(),
        Reach::TimedOut(_) => "timed out".to_string(),
        Reach::Failed(_, e) => e.clone(),
    };
    out.push(finding(
        t,
        &RULE,
        url("https", t, "/"),
        None,
        format!("{t} did not accept a TCP connection from here ({why}); nothing else was checked on it"),
    ));
}
