//! The expectations of a host-firewall fixture (`fixtures/*/expect`), read
//! by this crate's tests and by the kernel check, which holds the same
//! fixtures against netfilter.
//!
//! One line each: `interface NAME` (what `--interface` says; without it the
//! interface is not told), `accept|drop|reject|unknown PORT ADDRESS` (a new
//! TCP connection to PORT from ADDRESS), `error LINE:COLUMN text` (an error
//! the readers must report there, its message containing the text),
//! `kernel-skip reason` (the kernel check cannot load this fixture, and
//! why), `note text` (a note on the node contains the text).
//! `#` starts a comment.

use std::net::IpAddr;

/// What a fixture expects for one connection.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Outcome {
    Accept,
    Drop,
    Reject,
    /// The input cannot tell: possibly admitted, not surely.
    Unknown,
}

#[derive(Clone, Debug, Default)]
pub struct Expect {
    pub interface: Option<String>,
    pub probes: Vec<(Outcome, u16, IpAddr)>,
    /// (line, column, text)
    pub errors: Vec<(u32, u32, String)>,
    /// Why the kernel check does not load this fixture.
    pub kernel_skip: Option<String>,
    /// Texts the node's notes must contain, one note each.
    pub notes: Vec<String>,
}

/// Reads an `expect` file; a malformed line is an error naming it.
pub fn parse(text: &str) -> Result<Expect, String> {
    let mut out = Expect::default();
    for (n, line) in text.lines().enumerate() {
        let line = line.split('#').next().unwrap_or_default().trim();
        if line.is_empty() {
            continue;
        }
        let bad = || format!("expect line {}: `{line}`", n + 1);
        let mut w = line.splitn(3, ' ');
        let head = w.next().unwrap_or_default();
        match head {
            "interface" => out.interface = Some(w.next().ok_or_else(bad)?.to_string()),
            "kernel-skip" => out.kernel_skip = Some(line["kernel-skip".len()..].trim().to_string()),
            "note" => out.notes.push(line["note".len()..].trim().to_string()),
            "error" => {
                let at = w.next().ok_or_else(bad)?;
                let (l, c) = at.split_once(':').ok_or_else(bad)?;
                let text = w.next().unwrap_or_default().to_string();
                out.errors.push((l.parse().map_err(|_| bad())?, c.parse().map_err(|_| bad())?, text));
            }
            "accept" | "drop" | "reject" | "unknown" => {
                let port = w.next().and_then(|p| p.parse().ok()).ok_or_else(bad)?;
                let addr = w.next().and_then(|a| a.trim().parse().ok()).ok_or_else(bad)?;
                let o = match head {
                    "accept" => Outcome::Accept,
                    "drop" => Outcome::Drop,
                    "reject" => Outcome::Reject,
                    _ => Outcome::Unknown,
                };
                out.probes.push((o, port, addr));
            }
            _ => return Err(bad()),
        }
    }
    Ok(out)
}
