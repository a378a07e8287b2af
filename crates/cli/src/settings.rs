//! Resolved settings: raw flags plus the config file, validated once.

use crate::args::Common;
use crate::config::{self, Config};
use anyhow::{anyhow, bail, Result};
use portcullis_files::{InputKind, Origin};
use portcullis_model::{Cidr, Protocol};
use portcullis_rules::registry::{self, FamilyKind};
use portcullis_rules::{Authorized, PortQuery, Severity};
use std::path::PathBuf;

pub struct Settings {
    pub queries: Vec<PortQuery>,
    /// Ports the user named (explain's default selection).
    pub user_queries: Vec<PortQuery>,
    pub authorized: Authorized,
    pub fail_on: Option<Severity>,
    /// `[[suppress]]` entries of the config file.
    pub config_waivers: Vec<portcullis_rules::suppressions::Waiver>,
    /// The config file read, if any.
    pub config_file: Option<PathBuf>,
}

/// The files the settings named and the run reads besides its inputs: the
/// config file, `--parameters` and `--var-file` files (no output may
/// replace one), with how to name each.
pub fn files_read(common: &Common, settings: &Settings) -> Vec<(PathBuf, String)> {
    let named = |flag: &str, p: &PathBuf| (p.clone(), format!("{flag} {}", p.display()));
    settings
        .config_file
        .iter()
        .map(|p| (p.clone(), p.display().to_string()))
        .chain(common.parameters.iter().map(|p| named("--parameters", p)))
        .chain(common.var_files.iter().map(|p| named("--var-file", p)))
        .collect()
}

/// The most ports one `--port A-B` may name: each is evaluated on its own.
const MAX_RANGE: u32 = 1024;

/// Parses `10257`, `8080/tcp`, `53/udp`, `2379-2380`.
pub fn parse_port_spec(s: &str) -> Result<Vec<(u16, Protocol)>> {
    let (ports, proto) = match s.split_once('/') {
        Some((p, pr)) => {
            let proto = Protocol::parse_name(pr)
                .filter(|p| p.has_ports())
                .ok_or_else(|| anyhow!("`{s}`: protocol `{pr}` has no ports (use tcp, udp or sctp)"))?;
            (p, proto)
        }
        None => (s, Protocol::TCP),
    };
    let num = |t: &str| t.trim().parse::<u16>().map_err(|_| anyhow!("`{s}`: `{t}` is not a port number 0-65535"));
    let (lo, hi) = match ports.split_once('-') {
        Some((a, b)) => (num(a)?, num(b)?),
        None => {
            let p = num(ports)?;
            (p, p)
        }
    };
    if lo > hi {
        bail!("`{s}`: the range is inverted");
    }
    if u32::from(hi) - u32::from(lo) >= MAX_RANGE {
        bail!("`{s}`: at most {MAX_RANGE} ports per range");
    }
    Ok((lo..=hi).map(|p| (p, proto)).collect())
}

/// Adds `items` to `auth`; `place` names where each was written in errors
/// (`--authorized`, or the config file's `file:line:column: authorized`).
fn parse_authorized<'a>(items: impl IntoIterator<Item = (&'a str, String)>, auth: &mut Authorized) -> Result<()> {
    for (raw, place) in items {
        let s = raw.trim();
        if s.is_empty() {
            continue;
        }
        auth.explicit = true;
        let looks_like_address = s.contains('/') || s.contains(':') || s.starts_with(|c: char| c.is_ascii_digit());
        if looks_like_address {
            let c = Cidr::parse(s).map_err(|e| anyhow!("{place} {e}"))?;
            auth.addrs.union_in_place(&c.to_set());
        } else {
            auth.internal.push(s.to_string());
        }
    }
    Ok(())
}

pub fn load_config(common: &Common) -> Result<Config> {
    if common.no_config {
        return Ok(Config::default());
    }
    let path = match &common.config {
        Some(p) => Some(p.clone()),
        None => config::discover(common.paths.first().map_or(std::path::Path::new("."), |p| p.as_path())),
    };
    match path {
        Some(p) => config::load(&p),
        None => Ok(Config::default()),
    }
}

pub fn resolve(common: &Common, fail_on_flag: Option<&str>) -> Result<Settings> {
    let cfg = load_config(common)?;
    let mut user = Vec::new();
    let mut specs = Vec::new();
    for p in &cfg.ports {
        let ports = parse_port_spec(p.get_ref()).map_err(|e| anyhow!("{}: ports: {e}", cfg.at(p)))?;
        specs.extend(ports);
    }
    for s in &common.ports {
        specs.extend(parse_port_spec(s)?);
    }
    for (port, proto) in specs {
        let rule = match registry::for_port(port) {
            Some(r) if proto == Protocol::TCP => r,
            _ => registry::user_port_rule(),
        };
        user.push(PortQuery { port, protocol: proto, rule });
    }
    let mut queries: Vec<PortQuery> = Vec::new();
    for r in registry::family(FamilyKind::Port) {
        for &(a, b) in r.ports() {
            for port in a..=b {
                queries.push(PortQuery { port, protocol: Protocol::TCP, rule: r });
            }
        }
    }
    for q in &user {
        if !queries.iter().any(|x| x.port == q.port && x.protocol == q.protocol) {
            queries.push(*q);
        }
    }
    let mut authorized = Authorized::default();
    parse_authorized(
        cfg.authorized.iter().map(|a| (a.get_ref().as_str(), format!("{}: authorized", cfg.at(a)))),
        &mut authorized,
    )?;
    parse_authorized(common.authorized.iter().map(|a| (a.as_str(), "--authorized".to_string())), &mut authorized)?;
    let fail_on = match (fail_on_flag, &cfg.fail_on) {
        (Some(flag), _) => parse_fail_on(flag)?,
        (None, Some(value)) => severity_or_none(value.get_ref())
            .ok_or_else(|| anyhow!("{}: fail_on `{}`: {FAIL_ON_VALUES}", cfg.at(value), value.get_ref()))?,
        (None, None) => Some(Severity::Low),
    };
    let config_waivers = crate::suppressions::from_config(&cfg)?;
    Ok(Settings { queries, user_queries: user, authorized, fail_on, config_waivers, config_file: cfg.path.clone() })
}

impl crate::args::LogFlags {
    /// The settings' view of a log command's flags, read from `paths`: no
    /// Terraform variables, template parameters or cloud reads.
    pub fn common(&self, paths: &[PathBuf]) -> Common {
        Common {
            paths: paths.to_vec(),
            ports: self.ports.clone(),
            authorized: self.authorized.clone(),
            config: self.config.clone(),
            no_config: self.no_config,
            var_files: Vec::new(),
            vars: Vec::new(),
            parameters: Vec::new(),
            interface: None,
            color: self.color,
            live: Default::default(),
        }
    }
}

/// The ports a log command watches: tcp/10257 (kube-controller-manager's,
/// always), then the user's, each once, as (IP protocol, port).
pub fn watched_ports(settings: &Settings) -> Vec<(u8, u16)> {
    let mut ports = vec![(Protocol::TCP.0, 10257)];
    for q in &settings.user_queries {
        let pair = (q.protocol.0, q.port);
        if !ports.contains(&pair) {
            ports.push(pair);
        }
    }
    ports
}

const FAIL_ON_VALUES: &str = "expected critical, high, medium, low, info or none";

/// A severity, or `none` (never fail on findings); `None` when it is neither.
fn severity_or_none(raw: &str) -> Option<Option<Severity>> {
    if raw.eq_ignore_ascii_case("none") {
        return Some(None);
    }
    Severity::parse(raw).map(Some)
}

/// `--fail-on`: a severity, or `none` (never fail on findings).
pub fn parse_fail_on(raw: &str) -> Result<Option<Severity>> {
    severity_or_none(raw).ok_or_else(|| anyhow!("--fail-on `{raw}`: {FAIL_ON_VALUES}"))
}

/// Terraform variables from `--var-file` and `--var name=value`.
pub fn terraform_inputs(common: &Common) -> Result<portcullis_ingest::languages::terraform::hcl::Inputs> {
    let mut vars = Vec::new();
    for v in &common.vars {
        let Some((name, value)) = v.split_once('=') else {
            bail!("--var `{v}`: expected NAME=VALUE");
        };
        vars.push((name.trim().to_string(), value.to_string()));
    }
    for f in &common.var_files {
        match std::fs::metadata(f) {
            Ok(m) if m.is_file() => {}
            // Read once per Terraform root: a pipe would be empty the second time.
            Ok(_) => bail!(
                "--var-file {}: not a regular file (a variable file is read for every Terraform root)",
                f.display()
            ),
            Err(_) => bail!("--var-file {}: no such file", f.display()),
        }
    }
    Ok(portcullis_ingest::languages::terraform::hcl::Inputs { var_files: common.var_files.clone(), vars })
}

/// Linux interface names: 1 to 15 bytes (IFNAMSIZ less its terminating
/// zero), no white space, no `/`, not `.` or `..`
/// (man7.org/linux/man-pages/man7/netdevice.7.html, the kernel's
/// `dev_valid_name`).
fn check_interface(name: &str) -> Result<()> {
    let bad = name.is_empty()
        || name.len() > 15
        || name == "."
        || name == ".."
        || name.chars().any(|c| c.is_whitespace() || c == '/' || c == ':');
    if bad {
        bail!("--interface {name:?}: not an interface name (1 to 15 characters, no white space, '/' or ':')");
    }
    Ok(())
}

/// Template parameter values from `--parameters` files and what the user
/// told about the nodes (`--interface`); a bad file is an error naming its
/// line and column.
pub fn read_options(common: &Common) -> Result<portcullis_ingest::ReadOptions> {
    let mut opts = portcullis_ingest::ReadOptions::default();
    for f in &common.parameters {
        let shown = f.to_string_lossy();
        let limit = InputKind::of_path(f).limit();
        let text =
            portcullis_files::read_text(f, &shown, Origin::Named, limit).map_err(|e| anyhow!("--parameters {e}"))?;
        if let Some(e) = text.not_utf8 {
            bail!("--parameters {e}");
        }
        opts.parameters.read_file(&shown, &text.text).map_err(|e| anyhow!("--parameters {e}"))?;
    }
    if let Some(name) = &common.interface {
        check_interface(name)?;
        opts.host.interface = Some(name.clone());
    }
    Ok(opts)
}
