//! One self-contained HTML page for people: the summary by severity and
//! by rule, a table of every finding (sortable and filterable when
//! JavaScript runs; complete and readable when it does not), then each
//! finding's details: the lines around it, and the path drawn from where
//! the sources are through every layer to the target, each layer with the
//! lines that let the sources through.
//!
//! Nothing is fetched: the style and the script are inside the page, and
//! its Content-Security-Policy allows only those two (by hash) and nothing
//! from the network. Everything that comes from an input (file names,
//! messages, resource ids, source lines) is entity-escaped where it is
//! written; no input reaches an attribute unescaped or the script at all.
//! Details stop at [`MAX_DETAILS`] findings (the table lists them all),
//! so a report of a large account stays a page a browser opens.

use crate::snippet::around;
use crate::{position, rule_counts, rule_name, severity_counts, summary, Emitter, Report};
use portcullis_rules::{ExposureClass, Finding, FindingKind, Severity};
use std::fmt::Write as _;
use std::io::{self, Write};

/// The HTML format. `reach` reads a finding's path from the internet
/// ([`Reach`], the contract's `reach`, `reach_reason` and `via`); the
/// default reads the finding's own.
#[derive(Clone, Copy)]
pub struct Html {
    pub reach: fn(&Finding) -> Option<Reach>,
}

impl Default for Html {
    fn default() -> Self {
        Html { reach: reach_of }
    }
}

/// Whether the internet gets to a target, and by which hops (docs/json.md,
/// "A finding": `reach`, `reach_reason`, `via`).
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Reach {
    /// `internet`, `none` or `unknown`.
    pub reach: String,
    /// One sentence for `none` and `unknown`.
    pub reason: Option<String>,
    pub via: Vec<Hop>,
}

/// One hop of the path (docs/json.md, "A hop").
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Hop {
    /// `internet gateway`, `route`, `load balancer`, `security group`…
    pub hop: String,
    pub resource: String,
    /// Empty with line 0 when the input only refers to it.
    pub file: String,
    pub line: u32,
    /// What it does on the path: `0.0.0.0/0 → igw-0a1`, the admitting rule.
    pub detail: String,
}

impl Reach {
    /// The reach fields of a finding as its JSON carries them, or `None`
    /// when it has no `reach`.
    pub fn from_contract(finding: &serde_json::Value) -> Option<Reach> {
        let text = |v: &serde_json::Value, key: &str| v[key].as_str().unwrap_or_default().to_string();
        let reach = finding["reach"].as_str()?.to_string();
        let via = finding["via"]
            .as_array()
            .into_iter()
            .flatten()
            .map(|h| Hop {
                hop: text(h, "hop"),
                resource: text(h, "resource"),
                file: text(h, "file"),
                line: h["line"].as_u64().and_then(|n| u32::try_from(n).ok()).unwrap_or(0),
                detail: text(h, "detail"),
            })
            .collect();
        Some(Reach { reach, reason: finding["reach_reason"].as_str().map(str::to_string), via })
    }
}

/// The reach of `f`: whether the internet gets to its target and by
/// which hops (exposure findings on a target carry it).
pub fn reach_of(f: &Finding) -> Option<Reach> {
    let r = f.reach.as_ref()?;
    Some(Reach {
        reach: r.reach.as_str().to_string(),
        reason: r.reason.clone(),
        via: r
            .via
            .iter()
            .map(|v| Hop {
                hop: v.hop.clone(),
                resource: v.resource.clone(),
                file: v.file.clone(),
                line: v.line,
                detail: v.detail.clone(),
            })
            .collect(),
    })
}

/// Findings whose details are written.
pub const MAX_DETAILS: usize = 2000;

const STYLE: &str = include_str!("report.css");
const SCRIPT: &str = include_str!("report.js");
/// `sha256-` and the base64 SHA-256 of [`STYLE`] and [`SCRIPT`], for the
/// Content-Security-Policy (a test recomputes them).
const STYLE_HASH: &str = "sha256-YMVchCJn6ggRIGtDAh+5R4frk8UZvyRJEHK6vt/tmus=";
const SCRIPT_HASH: &str = "sha256-UtWTZ98B+I0+Brc0sk7FRTfgkiJhGdIBpDsqOHD38QY=";

/// Text made safe between tags and in quoted attributes.
pub fn escape(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            // Control characters would be parse errors; shown as U+FFFD.
            '\u{0}'..='\u{8}' | '\u{b}' | '\u{c}' | '\u{e}'..='\u{1f}' | '\u{7f}' => out.push('\u{fffd}'),
            _ => out.push(c),
        }
    }
    out
}

/// The numeric key a severity sorts by (worst highest).
fn rank(s: Severity) -> u8 {
    s as u8
}

fn head(out: &mut String, title: &str) {
    let _ = write!(
        out,
        "<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n\
         <meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n\
         <meta http-equiv=\"Content-Security-Policy\" content=\"default-src 'none'; style-src '{STYLE_HASH}'; \
         script-src '{SCRIPT_HASH}'; img-src data:; base-uri 'none'; form-action 'none'\">\n\
         <meta name=\"referrer\" content=\"no-referrer\">\n<title>{}</title>\n<style>{STYLE}</style>\n</head>\n<body>\n",
        escape(title)
    );
}

fn cards(report: &Report, shown: &[&Finding], out: &mut String) {
    out.push_str("<div class=\"cards\">\n");
    for (s, n) in severity_counts(shown.iter().copied()) {
        let _ = writeln!(out, "<div class=\"card sev-{s}\"><span class=\"n\">{n}</span>{s}</div>");
    }
    if !report.errors.is_empty() {
        let _ = writeln!(
            out,
            "<div class=\"card errors\"><span class=\"n\">{}</span>input errors</div>",
            report.errors.len()
        );
    }
    out.push_str("</div>\n");
}

fn by_rule(shown: &[&Finding], out: &mut String) {
    out.push_str(
        "<table class=\"by-rule\">\n<thead><tr><th>rule</th><th>name</th><th>findings</th></tr></thead>\n<tbody>\n",
    );
    for (code, n) in rule_counts(shown.iter().copied()) {
        let _ = writeln!(
            out,
            "<tr><td class=\"mono\">{}</td><td>{}</td><td class=\"num\">{n}</td></tr>",
            escape(code),
            escape(rule_name(code))
        );
    }
    out.push_str("</tbody>\n</table>\n");
}

fn controls(out: &mut String) {
    // Hidden until the script runs: without it there is nothing to click.
    out.push_str(
        "<div class=\"controls\" id=\"controls\" hidden>\n\
         <input type=\"search\" id=\"filter\" placeholder=\"Filter: rule, resource, file, message…\" aria-label=\"Filter findings\">\n",
    );
    for s in [Severity::Critical, Severity::High, Severity::Medium, Severity::Low, Severity::Info] {
        let _ = writeln!(
            out,
            "<label><input type=\"checkbox\" data-severity=\"{s}\" checked> <span class=\"sev-{s}\">{s}</span></label>"
        );
    }
    out.push_str("<span id=\"shown-count\" aria-live=\"polite\"></span>\n</div>\n");
}

fn table_head(out: &mut String) {
    out.push_str(
        "<table id=\"findings-table\">\n<thead><tr>\
         <th data-type=\"number\" aria-sort=\"descending\">severity</th><th>finding</th><th>resource</th>\
         <th data-type=\"number\">port</th><th>where</th><th>message</th></tr></thead>\n<tbody>\n",
    );
}

fn row(f: &Finding, index: usize, out: &mut String) {
    let finding = match f.exposure {
        Some(e) => format!("{} {}", f.rule, e.as_str()),
        None => f.rule.clone(),
    };
    let (port, port_key) = match (&f.protocol, f.port, &f.flag) {
        (Some(protocol), Some(port), _) => (format!("{protocol}/{port}"), i64::from(port)),
        (_, _, Some(flag)) => (format!("--{flag}"), -1),
        _ => (String::new(), -1),
    };
    let at = escape(&position(&f.file, f.line, f.column));
    let link = if index < MAX_DETAILS { format!("<a href=\"#f{index}\">{at}</a>") } else { at };
    let s = f.severity;
    let _ = writeln!(
        out,
        "<tr id=\"r{index}\" class=\"sev-{s}\" data-severity=\"{s}\" data-rule=\"{}\">\
         <td data-key=\"{}\"><span class=\"sev\">{s}</span></td><td class=\"mono\">{}</td>\
         <td class=\"mono\">{}</td><td data-key=\"{port_key}\" class=\"mono\">{}</td><td class=\"mono\">{link}</td><td>{}</td></tr>",
        escape(&f.rule),
        rank(s),
        escape(&finding),
        escape(&f.resource),
        escape(&port),
        escape(&f.message),
    );
}

fn snippet(source: &str, line: u32, out: &mut String) {
    let lines = around(source, line);
    if lines.is_empty() {
        return;
    }
    out.push_str("<pre class=\"snippet\">");
    for l in lines {
        let class = if l.marked { "line marked" } else { "line" };
        let cut = if l.cut { " …" } else { "" };
        let _ =
            write!(out, "<span class=\"{class}\"><span class=\"ln\">{}</span>{}{cut}</span>", l.number, escape(l.text));
    }
    out.push_str("</pre>\n");
}

/// Where the sources come from, for the first hop of the path.
fn origin(f: &Finding) -> &'static str {
    match f.exposure {
        Some(ExposureClass::Unrestricted | ExposureClass::Public) => "the internet",
        Some(ExposureClass::Unauthorized) => "unauthorized sources",
        Some(ExposureClass::Undetermined) => "sources the input cannot tell",
        None => "sources",
    }
}

/// The path from the internet through every hop to the target, each hop
/// with what it does and where it is written; then whether traffic gets
/// there (`reach`) and, when it does not or the input cannot tell, why.
fn path_via(f: &Finding, reach: &Reach, out: &mut String) {
    let verdict = match reach.reach.as_str() {
        "internet" => "reachable from the internet",
        "none" => "no path from the internet today (latent)",
        _ => "the input does not tell whether the internet gets there",
    };
    let _ = writeln!(
        out,
        "<p class=\"reach reach-{}\"><span class=\"hop-kind\">reach</span> {}{}</p>",
        escape(&reach.reach),
        escape(verdict),
        reach.reason.as_deref().map(|r| format!(": {}", escape(r))).unwrap_or_default()
    );
    out.push_str("<ol class=\"path\" aria-label=\"path from the internet to the target\">\n");
    let _ = writeln!(
        out,
        "<li class=\"origin\"><span class=\"hop-kind\">from</span>the internet<span class=\"because\">{}</span></li>",
        escape(&f.sources.join(", "))
    );
    for hop in &reach.via {
        let at = if hop.file.is_empty() { "referred to only".to_string() } else { position(&hop.file, hop.line, 0) };
        let _ = writeln!(
            out,
            "<li class=\"hop\"><span class=\"hop-kind\">{}</span><span class=\"mono\">{}</span>\
             <span class=\"because\">{}</span><span class=\"because mono\">{}</span></li>",
            escape(&hop.hop),
            escape(&hop.resource),
            escape(&hop.detail),
            escape(&at)
        );
    }
    target(f, out);
    out.push_str("</ol>\n");
}

/// The last hop: the target and its port.
fn target(f: &Finding, out: &mut String) {
    let _ = writeln!(
        out,
        "<li class=\"target\"><span class=\"hop-kind\">{}</span><span class=\"mono\">{}</span>{}</li>",
        escape(&f.resource_kind),
        escape(&f.resource),
        match (&f.protocol, f.port) {
            (Some(protocol), Some(port)) => format!("<span class=\"because\">{}/{port}</span>", escape(protocol)),
            _ => String::new(),
        }
    );
}

/// The path from the sources through every layer to the target; each
/// layer with the lines of it that let the sources in.
fn path(f: &Finding, out: &mut String) {
    out.push_str("<ol class=\"path\" aria-label=\"path from the sources to the target\">\n");
    let sources: Vec<&str> = f.sources.iter().take(4).map(String::as_str).collect();
    let more = if f.sources.len() > 4 { format!(" and {} more", f.sources.len() - 4) } else { String::new() };
    let _ = writeln!(
        out,
        "<li class=\"origin\"><span class=\"hop-kind\">from</span>{}<span class=\"because\">{}{}</span></li>",
        escape(origin(f)),
        escape(&sources.join(", ")),
        escape(&more)
    );
    for layer in f.path.iter() {
        // `network ACL acl-0a1b…`: the kind, then the id the `because`
        // lines name as their resource.
        let (kind, id) = layer.rsplit_once(' ').unwrap_or(("layer", layer.as_str()));
        let _ = write!(
            out,
            "<li class=\"hop\"><span class=\"hop-kind\">{}</span><span class=\"mono\">{}</span>",
            escape(kind),
            escape(id)
        );
        for b in f.because.iter().filter(|b| b.resource == id) {
            let _ = write!(
                out,
                "<span class=\"because\">{} <span class=\"mono\">{}</span></span>",
                escape(&b.rule),
                escape(&position(&b.file, b.line, b.column))
            );
        }
        out.push_str("</li>\n");
    }
    target(f, out);
    out.push_str("</ol>\n");
}

fn details(f: &Finding, index: usize, report: &Report, reach: Option<Reach>, out: &mut String) {
    let s = f.severity;
    let _ = writeln!(
        out,
        "<article class=\"finding sev-{s}\" id=\"f{index}\" data-finding=\"{index}\">\n\
         <h3><span class=\"sev\">{s}</span> {} <span class=\"mono\">{}</span></h3>\n<p class=\"where mono\">{}</p>\n<p>{}</p>",
        escape(&crate::headline(f)),
        escape(&f.resource),
        escape(&position(&f.file, f.line, f.column)),
        escape(&f.message)
    );
    if let Some(source) = report.sources.text(&f.file) {
        snippet(&source, f.line, out);
    }
    // Without hops from the internet, the layers are drawn with the lines
    // that let the sources through; with them, those lines are listed.
    let layers_drawn = reach.is_none() && f.kind == FindingKind::Exposure && !f.path.is_empty();
    match &reach {
        Some(reach) => path_via(f, reach, out),
        None if layers_drawn => path(f, out),
        None => {}
    }
    out.push_str("<dl class=\"facts\">\n");
    if !f.sources.is_empty() {
        let _ = writeln!(out, "<dt>sources</dt><dd class=\"mono\">{}</dd>", escape(&f.sources.join(", ")));
    }
    if f.kind != FindingKind::Exposure && !f.path.is_empty() {
        let _ = writeln!(out, "<dt>read from</dt><dd>{}</dd>", escape(&f.path.join(" → ")));
    }
    if !layers_drawn {
        for b in f.because.iter() {
            let _ = writeln!(
                out,
                "<dt>because</dt><dd><span class=\"mono\">{}</span> {} ({})</dd>",
                escape(&position(&b.file, b.line, b.column)),
                escape(&b.rule),
                escape(&b.resource)
            );
        }
    }
    for u in &f.unknown {
        let _ = writeln!(out, "<dt>unknown</dt><dd>{}</dd>", escape(u));
    }
    if let Some(flag) = &f.flag {
        let _ = writeln!(out, "<dt>flag</dt><dd class=\"mono\">--{}</dd>", escape(flag));
    }
    out.push_str("</dl>\n</article>\n");
}

impl Emitter for Html {
    fn emit(&self, report: &Report, out: &mut dyn Write) -> io::Result<()> {
        let shown = crate::worst_first(report.findings);
        let line = summary(report, str::to_string, |s| s.to_string());
        let mut page = String::new();
        head(&mut page, &format!("portcullis: {line}"));
        let _ = writeln!(
            page,
            "<header><h1>portcullis report</h1><p class=\"summary-line\">{}</p></header>\n<section id=\"summary\">\n<h2>Summary</h2>",
            escape(&line)
        );
        cards(report, &shown, &mut page);
        if !shown.is_empty() {
            by_rule(&shown, &mut page);
        }
        page.push_str("</section>\n");
        if !shown.is_empty() {
            page.push_str("<section id=\"findings\">\n<h2>Findings</h2>\n");
            controls(&mut page);
            table_head(&mut page);
            for (i, f) in shown.iter().enumerate() {
                row(f, i, &mut page);
                if page.len() > 1 << 20 {
                    out.write_all(page.as_bytes())?;
                    page.clear();
                }
            }
            page.push_str("</tbody>\n</table>\n</section>\n<section id=\"details\">\n<h2>Details</h2>\n");
            for (i, f) in shown.iter().enumerate().take(MAX_DETAILS) {
                details(f, i, report, (self.reach)(f), &mut page);
                if page.len() > 1 << 20 {
                    out.write_all(page.as_bytes())?;
                    page.clear();
                }
            }
            if shown.len() > MAX_DETAILS {
                let _ = writeln!(
                    page,
                    "<p>Details of the first {MAX_DETAILS} of {} findings; the JSON or SARIF report has them all.</p>",
                    shown.len()
                );
            }
            page.push_str("</section>\n");
        }
        let suppressed: Vec<&Finding> = report.findings.iter().filter(|f| f.suppressed.is_some()).collect();
        if !suppressed.is_empty() {
            let _ = writeln!(page, "<section id=\"suppressed\">\n<h2>Suppressed ({})</h2>\n<ul>", suppressed.len());
            for f in suppressed {
                let reason = f.suppressed.as_ref().map(|s| s.reason.as_str()).unwrap_or_default();
                let _ = writeln!(
                    page,
                    "<li><span class=\"mono\">{} {}</span> {}: {}</li>",
                    escape(&crate::headline(f)),
                    escape(&f.resource),
                    escape(&position(&f.file, f.line, f.column)),
                    escape(reason)
                );
            }
            page.push_str("</ul>\n</section>\n");
        }
        if let Some(b) = report.baseline.filter(|b| !b.fixed.is_empty()) {
            let _ =
                writeln!(page, "<section id=\"fixed\">\n<h2>Fixed since the baseline ({})</h2>\n<ul>", b.fixed.len());
            for e in b.fixed {
                let _ = writeln!(
                    page,
                    "<li><span class=\"mono\">{} {}</span>: {}</li>",
                    escape(&e.rule),
                    escape(&e.resource),
                    escape(&e.message)
                );
            }
            page.push_str("</ul>\n</section>\n");
        }
        if !report.errors.is_empty() {
            page.push_str("<section id=\"errors\">\n<h2>Input errors</h2>\n<ul class=\"errors\">\n");
            for e in report.errors {
                let _ = writeln!(
                    page,
                    "<li><span class=\"mono\">{}</span>: {}</li>",
                    escape(&position(&e.file, e.line, e.column)),
                    escape(&e.message)
                );
            }
            page.push_str("</ul>\n</section>\n");
        }
        let _ = write!(
            page,
            "<footer>portcullis {}</footer>\n<script>{SCRIPT}</script>\n</body>\n</html>\n",
            env!("CARGO_PKG_VERSION")
        );
        out.write_all(page.as_bytes())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use base64::Engine as _;

    fn csp_hash(text: &str) -> String {
        let digest = ring::digest::digest(&ring::digest::SHA256, text.as_bytes());
        format!("sha256-{}", base64::engine::general_purpose::STANDARD.encode(digest.as_ref()))
    }

    #[test]
    fn the_policy_names_the_style_and_the_script_it_ships() {
        assert_eq!(STYLE_HASH, csp_hash(STYLE), "report.css changed: put its hash in STYLE_HASH");
        assert_eq!(SCRIPT_HASH, csp_hash(SCRIPT), "report.js changed: put its hash in SCRIPT_HASH");
    }

    #[test]
    fn escapes_markup_quotes_and_control_characters() {
        assert_eq!(
            escape("<a href=\"x\" onclick='y'>&</a>"),
            "&lt;a href=&quot;x&quot; onclick=&#39;y&#39;&gt;&amp;&lt;/a&gt;"
        );
        assert_eq!(escape("a\u{1b}[0m\tb\nc"), "a\u{fffd}[0m\tb\nc");
    }
}
