//! What to probe: `HOST[:PORT]` as the user typed it, on the command line or
//! one a line in a targets file, with where it was named.
//!
//! Hosts are IPv4 addresses, IPv6 addresses (`[::1]:10257`, or bare `::1`
//! for the default port) and DNS names. A leading `https://` and a trailing
//! `/` are accepted, so a URL copied from a browser or a kubeconfig works.

use crate::error::{Error, ErrorKind};
use std::fmt;

/// kube-controller-manager's secure port.
pub const DEFAULT_PORT: u16 = 10257;

/// Where a target was named: a line of a targets file.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Origin {
    pub file: String,
    pub line: u32,
    pub column: u32,
}

/// One endpoint to probe.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Target {
    /// Host without brackets: `10.0.0.5`, `::1`, `cp-1.example`.
    pub host: String,
    pub port: u16,
    pub origin: Option<Origin>,
}

impl Target {
    /// The same host on another port (the legacy port).
    pub fn with_port(&self, port: u16) -> Target {
        Target { host: self.host.clone(), port, origin: self.origin.clone() }
    }

    /// Whether the host is an IP address (no SNI, IP SAN expected).
    pub fn host_ip(&self) -> Option<std::net::IpAddr> {
        self.host.parse().ok()
    }
}

impl fmt::Display for Target {
    /// `host:port`, with IPv6 in brackets: the resource name of findings.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.host.contains(':') {
            write!(f, "[{}]:{}", self.host, self.port)
        } else {
            write!(f, "{}:{}", self.host, self.port)
        }
    }
}

fn valid_dns_name(h: &str) -> bool {
    // Letters, digits, hyphens and dots (underscores too: some internal
    // zones use them). Length limits as in RFC 1035.
    h.len() <= 253
        && h.split('.').all(|label| {
            !label.is_empty()
                && label.len() <= 63
                && label.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_')
        })
}

fn parse_port(p: &str, whole: &str) -> Result<u16, Error> {
    match p.parse::<u16>() {
        Ok(0) | Err(_) => Err(Error::new(whole, ErrorKind::BadPort(p.to_string()))),
        Ok(n) => Ok(n),
    }
}

/// Parses `HOST[:PORT]`; `default_port` when no port is given.
pub fn parse(raw: &str, default_port: u16) -> Result<Target, Error> {
    let error = |kind| Err(Error::new(raw, kind));
    let s = raw.trim();
    let s = s.strip_prefix("https://").unwrap_or(s);
    let s = s.strip_suffix('/').unwrap_or(s);
    if s.is_empty() {
        return error(ErrorKind::EmptyTarget);
    }
    if s.contains("://") {
        return error(ErrorKind::NotHttps);
    }
    if s.contains('/') {
        return error(ErrorKind::UrlWithPath);
    }
    let (host, port) = if let Some(rest) = s.strip_prefix('[') {
        let Some((h, after)) = rest.split_once(']') else {
            return error(ErrorKind::UnclosedBracket);
        };
        let port = match after {
            "" => default_port,
            _ => match after.strip_prefix(':') {
                Some(p) => parse_port(p, raw)?,
                None => return error(ErrorKind::NoPortAfterBracket),
            },
        };
        if h.parse::<std::net::Ipv6Addr>().is_err() {
            return error(ErrorKind::NotIpv6(h.to_string()));
        }
        (h.to_string(), port)
    } else if s.matches(':').count() > 1 {
        // More than one colon without brackets: a bare IPv6 address, which
        // cannot carry a port (`::1:10257` is itself an address).
        if s.parse::<std::net::Ipv6Addr>().is_err() {
            return error(ErrorKind::BareIpv6);
        }
        (s.to_string(), default_port)
    } else if let Some((h, p)) = s.split_once(':') {
        (h.to_string(), parse_port(p, raw)?)
    } else {
        (s.to_string(), default_port)
    };
    if host.is_empty() {
        return error(ErrorKind::NoHost);
    }
    // IPv4-mapped IPv6 is the IPv4 address: probed, and named, as IPv4.
    let host = match host.parse::<std::net::Ipv6Addr>().ok().and_then(|a| a.to_ipv4_mapped()) {
        Some(v4) => v4.to_string(),
        None => host,
    };
    if !host.contains(':') && host.parse::<std::net::Ipv4Addr>().is_err() && !valid_dns_name(&host) {
        return error(ErrorKind::NotAHost(host));
    }
    Ok(Target { host, port, origin: None })
}

/// Reads a targets file: one `HOST[:PORT]` a line; `#` starts a comment,
/// blank lines are skipped. Every bad line is an error with its line and
/// column; the good ones are still returned.
pub fn parse_file(file: &str, text: &str, default_port: u16) -> (Vec<Target>, Vec<Error>) {
    let mut targets = Vec::new();
    let mut errors = Vec::new();
    for (i, line) in text.lines().enumerate() {
        let content = line.split('#').next().unwrap_or("");
        let trimmed = content.trim();
        if trimmed.is_empty() {
            continue;
        }
        let column = (content.len() - content.trim_start().len()) as u32 + 1;
        let at = Origin { file: file.to_string(), line: i as u32 + 1, column };
        // One target a line: a second word is most likely a forgotten `#`.
        let parsed = if trimmed.split_whitespace().nth(1).is_some() {
            Err(Error::new(trimmed, ErrorKind::TwoTargetsOnALine))
        } else {
            parse(trimmed, default_port)
        };
        match parsed {
            Ok(t) => targets.push(Target { origin: Some(at), ..t }),
            Err(e) => errors.push(Error { at: Some(at), ..e }),
        }
    }
    (targets, errors)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn hp(s: &str) -> (String, u16) {
        let t = parse(s, DEFAULT_PORT).unwrap();
        (t.host, t.port)
    }

    #[test]
    fn forms() {
        assert_eq!(hp("10.0.0.5"), ("10.0.0.5".into(), 10257));
        assert_eq!(hp("10.0.0.5:8443"), ("10.0.0.5".into(), 8443));
        assert_eq!(hp("[::1]:10257"), ("::1".into(), 10257));
        assert_eq!(hp("[2001:db8::5]"), ("2001:db8::5".into(), 10257));
        assert_eq!(hp("2001:db8::5"), ("2001:db8::5".into(), 10257));
        assert_eq!(hp("cp-1.example"), ("cp-1.example".into(), 10257));
        assert_eq!(hp("https://cp-1.example:10257/"), ("cp-1.example".into(), 10257));
    }

    #[test]
    fn display_brackets_v6() {
        assert_eq!(parse("::1", 10257).unwrap().to_string(), "[::1]:10257");
        assert_eq!(parse("h:1", 10257).unwrap().to_string(), "h:1");
    }

    #[test]
    fn bad_targets_say_why() {
        for bad in
            ["", "h:0", "h:70000", "h:x", "[::1", "[zz]:1", "[::1]x", "a b", "http://h", "h/x", "bad..name", ":5"]
        {
            assert!(parse(bad, 10257).is_err(), "{bad} should be rejected");
        }
    }

    #[test]
    fn file_with_comments_and_errors() {
        let text = "# control plane\n10.0.0.5\n\n  [::1]:10257  # loopback\nbad host\nh:99999\n";
        let (t, e) = parse_file("targets.txt", text, 10257);
        assert_eq!(t.len(), 2);
        assert_eq!(t[1].origin, Some(Origin { file: "targets.txt".into(), line: 4, column: 3 }));
        assert_eq!(
            e.iter().map(|e| e.at.as_ref().map(|at| (at.line, at.column))).collect::<Vec<_>>(),
            vec![Some((5, 1)), Some((6, 1))]
        );
        assert_eq!(e[0].to_string(), "`bad host`: one target a line (start comments with `#`)");
        assert_eq!(e[1].to_string(), "`h:99999`: `99999` is not a port number 1-65535");
    }
}
