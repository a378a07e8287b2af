//! `explain`: for every target, the exact set of sources that reaches a
//! port and, for each piece of it, the rule lines responsible — the answer
//! to "identify all systems that require access".

use crate::error::{Error, ErrorKind};
use crate::inputs::Reading;
use crate::Format;
use portcullis_engine::reach::Reachability;
use portcullis_engine::{entry, evaluate, EntryRef, Exposure};
use portcullis_files::display::escape;
use portcullis_model::{AddrSet, Estate};
use portcullis_report::text::draw_path;
use portcullis_report::ReportError;
use portcullis_rules::ports::{classify, describe_path, path_reach, PortQuery};
use portcullis_rules::Authorized;
use serde_json::{json, Value};
use std::io::{self, Write};

fn verdict(exp: &Exposure, auth: &Authorized) -> String {
    match classify(exp, auth) {
        Some(c) => c.class.as_str().to_string(),
        None if exp.upper().addrs.is_empty() && exp.upper().internal.is_empty() => "closed".into(),
        None => "authorized only".into(),
    }
}

/// One rule and the sources it decides, with where it is written.
fn piece_json(estate: &Estate, r: EntryRef, sources: Vec<String>) -> Option<Value> {
    let e = entry(estate, r)?;
    let layer = estate.layers.get(r.layer).map(|l| format!("{} {}", l.kind_name, l.id)).unwrap_or_default();
    Some(json!({
        "sources": sources,
        "layer": layer,
        "resource": e.resource,
        "rule": e.label,
        "file": e.span.file.to_string(),
        "line": e.span.line,
        "column": e.span.column,
    }))
}

/// The deny rules that removed addresses the rest of the path would admit.
fn mitigations(estate: &Estate, exp: &Exposure) -> Vec<Value> {
    exp.upper()
        .mitigations()
        .into_iter()
        .filter_map(|(r, addrs)| piece_json(estate, r, addrs.to_cidr_strings()))
        .collect()
}

fn pieces(estate: &Estate, exp: &Exposure) -> Vec<Value> {
    let mut out = Vec::new();
    for p in &exp.upper().pieces {
        let part: AddrSet = p.addrs.intersect(&exp.upper().addrs);
        let internal: Vec<String> =
            p.internal.iter().filter(|s| exp.upper().internal.contains(s)).map(|s| s.name.clone()).collect();
        if part.is_empty() && internal.is_empty() {
            continue;
        }
        let mut sources = part.to_cidr_strings();
        sources.extend(internal);
        out.extend(piece_json(estate, p.by, sources));
    }
    out
}

/// What to explain.
pub struct ExplainRequest<'a> {
    pub reading: Reading<'a>,
    /// The ports to explain, each with its rule.
    pub queries: &'a [PortQuery],
    pub authorized: &'a Authorized,
    /// Only this target (its id as findings show it).
    pub target: Option<&'a str>,
}

/// Every target's answer, and the input errors.
pub struct Explanation {
    pub targets: Vec<Value>,
    pub errors: Vec<ReportError>,
    /// Every file read, so that no output replaces one.
    pub read: portcullis_files::ReadSet,
}

impl Explanation {
    /// 2 when an input could not be read, else 0.
    pub fn code(&self) -> u8 {
        if self.errors.is_empty() {
            0
        } else {
            2
        }
    }

    /// The formats `explain` writes.
    pub const FORMATS: &'static [Format] = &[Format::Text, Format::Json, Format::Markdown];

    /// JSON (`{"version": 1, "targets", "errors"}`), Markdown (a table and
    /// the lines behind each answer, for a review comment), or text for
    /// people. Other formats are text.
    pub fn write(&self, format: Format, out: &mut dyn Write) -> io::Result<()> {
        if format == Format::Markdown {
            return portcullis_report::explain::markdown(&self.targets, &self.errors, out);
        }
        if format == Format::Json {
            let errors: Vec<Value> = self
                .errors
                .iter()
                .map(|e| json!({"file": e.file, "line": e.line, "column": e.column, "message": e.message}))
                .collect();
            let doc = json!({"version": 1, "targets": self.targets, "errors": errors});
            serde_json::to_writer_pretty(&mut *out, &doc).map_err(io::Error::other)?;
            return writeln!(out);
        }
        write_text(&self.targets, out)?;
        for e in &self.errors {
            writeln!(out, "error: {}:{}:{}: {}", escape(&e.file), e.line, e.column, escape(&e.message))?;
        }
        Ok(())
    }
}

/// Reads the inputs and explains every target (or the one asked for).
pub fn explain(request: &ExplainRequest) -> Result<Explanation, Error> {
    let mut loaded = request.reading.load();
    let estate = portcullis_ingest::assemble(&mut loaded.outcomes);
    let errors = crate::scan::errors_of(&loaded);
    let reach = Reachability::new(&estate);
    let mut targets = Vec::new();
    for (ti, t) in estate.targets.iter().enumerate() {
        if let Some(want) = request.target {
            if t.id != want {
                continue;
            }
        }
        let mut ports = Vec::new();
        for q in request.queries {
            let Some(own) = evaluate(&estate, ti, q.protocol, q.port) else { continue };
            // What reaches the port: the target's own rules, and what load
            // balancers that forward to it admit.
            let paths = reach.paths(ti, q.protocol, q.port, &own);
            let widened = paths.widen(&own);
            let exp = widened.as_ref().unwrap_or(&own);
            let mut admitted = exp.upper().addrs.to_cidr_strings();
            admitted.extend(exp.upper().internal.iter().map(|s| s.name.clone()));
            let mut unknown: Vec<String> = exp.unknowns.iter().map(|(_, u)| u.to_string()).collect();
            unknown.extend(paths.unknowns().map(ToString::to_string));
            let problem =
                classify(exp, request.authorized).map(|c| c.addrs).unwrap_or_else(|| exp.upper().addrs.clone());
            let path = path_reach(&paths.verdict(&estate, ti, &own, &problem));
            ports.push(json!({
                "port": q.port,
                "protocol": q.protocol.name(),
                "verdict": verdict(exp, request.authorized),
                "admitted": admitted,
                "pieces": pieces(&estate, exp),
                "denied": mitigations(&estate, exp),
                "unknown": unknown,
                "reach": path.reach.as_str(),
                "reach_reason": path.reason,
                "via": path.via,
                "via_text": draw_path(path.reach, &path.via),
            }));
        }
        targets.push(json!({
            "target": t.id,
            "kind": t.kind_name,
            "file": t.span.file.to_string(),
            "line": t.span.line,
            "column": t.span.column,
            "path": describe_path(&estate, ti),
            "ports": ports,
        }));
    }
    if let Some(want) = request.target {
        if targets.is_empty() {
            let known = estate.targets.iter().map(|t| t.id.clone()).collect();
            return Err(ErrorKind::NoSuchTarget { target: want.to_string(), targets: known }.into());
        }
    }
    Ok(Explanation { targets, errors, read: std::mem::take(&mut loaded.read) })
}

/// A string member as text shows it: control characters from the inputs
/// escaped (`portcullis_files::display`).
fn shown(v: &Value) -> std::borrow::Cow<'_, str> {
    escape(v.as_str().unwrap_or(""))
}

fn write_text(targets: &[Value], out: &mut dyn Write) -> io::Result<()> {
    for t in targets {
        writeln!(out, "{} {}  ({}:{})", shown(&t["kind"]), shown(&t["target"]), shown(&t["file"]), t["line"])?;
        let path: Vec<&str> =
            t["path"].as_array().map(|a| a.iter().filter_map(Value::as_str).collect()).unwrap_or_default();
        writeln!(out, "  path: {}", escape(&path.join(" -> ")))?;
        for p in t["ports"].as_array().into_iter().flatten() {
            let admitted: Vec<&str> =
                p["admitted"].as_array().map(|a| a.iter().filter_map(Value::as_str).collect()).unwrap_or_default();
            writeln!(
                out,
                "  {}/{}: {} — admits {}",
                shown(&p["protocol"]),
                p["port"],
                shown(&p["verdict"]),
                if admitted.is_empty() { "nothing".to_string() } else { escape(&admitted.join(", ")).into_owned() }
            )?;
            // The path matters where something is admitted that should not be.
            let finding = !matches!(p["verdict"].as_str(), Some("closed" | "authorized only"));
            match p["reach_reason"].as_str() {
                _ if !finding => {}
                Some(reason) => writeln!(out, "    reach: {}: {}", shown(&p["reach"]), escape(reason))?,
                None => writeln!(out, "    reach: {}", shown(&p["reach"]))?,
            }
            if let Some(line) = p["via_text"].as_str().filter(|l| finding && !l.is_empty()) {
                writeln!(out, "    via:   {}", escape(line))?;
            }
            for piece in p["pieces"].as_array().into_iter().flatten() {
                write_piece("", piece, out)?;
            }
            for piece in p["denied"].as_array().into_iter().flatten() {
                write_piece("denied ", piece, out)?;
            }
            for u in p["unknown"].as_array().into_iter().flatten() {
                writeln!(out, "    unknown: {}", shown(u))?;
            }
        }
        writeln!(out)?;
    }
    Ok(())
}

/// One line: the sources, where the rule is, what it says, its layer.
fn write_piece(prefix: &str, piece: &Value, out: &mut dyn Write) -> io::Result<()> {
    let src: Vec<&str> =
        piece["sources"].as_array().map(|a| a.iter().filter_map(Value::as_str).collect()).unwrap_or_default();
    let head = format!("{prefix}{}", escape(&src.join(", ")));
    writeln!(
        out,
        "    {:<24} {}:{}  {} [{}]",
        head,
        shown(&piece["file"]),
        piece["line"],
        shown(&piece["rule"]),
        shown(&piece["layer"])
    )
}
