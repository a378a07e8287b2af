//! `portcullis explain`: for every target, the exact set of sources that
//! reaches a port and, for each piece of it, the rule lines responsible —
//! the answer to "identify all systems that require access".

use crate::args::{ExplainArgs, Format};
use crate::{inputs, settings};
use anyhow::{bail, Result};
use portcullis_engine::reach::Reachability;
use portcullis_engine::{entry, evaluate, EntryRef, Exposure};
use portcullis_model::{AddrSet, Estate, Protocol};
use portcullis_report::text::draw_path;
use portcullis_rules::check::{classify, describe_path, path_reach, PortQuery};
use portcullis_rules::Authorized;
use serde_json::{json, Value};

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

pub fn run(args: ExplainArgs) -> Result<u8> {
    let s = settings::resolve(&args.common, Some("none"))?;
    let queries: Vec<PortQuery> = if s.user_queries.is_empty() {
        s.queries.iter().filter(|q| q.port == 10257 && q.protocol == Protocol::TCP).copied().collect()
    } else {
        s.user_queries.clone()
    };
    let mut loaded = inputs::load_with(
        &args.common.paths,
        &settings::terraform_inputs(&args.common)?,
        &settings::read_options(&args.common)?,
    );
    let estate = portcullis_ingest::assemble(&mut loaded.outcomes);
    let errors = super::scan::report_errors(&loaded);
    let reach = Reachability::new(&estate);
    let mut targets = Vec::new();
    for (ti, t) in estate.targets.iter().enumerate() {
        if let Some(want) = &args.target {
            if &t.id != want {
                continue;
            }
        }
        let mut ports = Vec::new();
        for q in &queries {
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
            let problem = classify(exp, &s.authorized).map(|c| c.addrs).unwrap_or_else(|| exp.upper().addrs.clone());
            let path = path_reach(&paths.verdict(&estate, ti, &own, &problem));
            ports.push(json!({
                "port": q.port,
                "protocol": q.protocol.name(),
                "verdict": verdict(exp, &s.authorized),
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
    if let Some(want) = &args.target {
        if targets.is_empty() {
            bail!(
                "no target `{want}` in the inputs (targets: {})",
                estate.targets.iter().map(|t| t.id.as_str()).collect::<Vec<_>>().join(", ")
            );
        }
    }
    if args.format == Format::Json {
        let errs: Vec<Value> = errors
            .iter()
            .map(|e| json!({"file": e.file, "line": e.line, "column": e.column, "message": e.message}))
            .collect();
        println!("{}", serde_json::to_string_pretty(&json!({"version": 1, "targets": targets, "errors": errs}))?);
    } else {
        print_text(&targets);
        for e in &errors {
            println!("error: {}:{}:{}: {}", e.file, e.line, e.column, e.message);
        }
    }
    Ok(if errors.is_empty() { 0 } else { 2 })
}

fn print_text(targets: &[Value]) {
    for t in targets {
        println!(
            "{} {}  ({}:{})",
            t["kind"].as_str().unwrap_or(""),
            t["target"].as_str().unwrap_or(""),
            t["file"].as_str().unwrap_or(""),
            t["line"]
        );
        let path: Vec<&str> =
            t["path"].as_array().map(|a| a.iter().filter_map(Value::as_str).collect()).unwrap_or_default();
        println!("  path: {}", path.join(" -> "));
        for p in t["ports"].as_array().into_iter().flatten() {
            let admitted: Vec<&str> =
                p["admitted"].as_array().map(|a| a.iter().filter_map(Value::as_str).collect()).unwrap_or_default();
            println!(
                "  {}/{}: {} — admits {}",
                p["protocol"].as_str().unwrap_or(""),
                p["port"],
                p["verdict"].as_str().unwrap_or(""),
                if admitted.is_empty() { "nothing".to_string() } else { admitted.join(", ") }
            );
            // The path matters where something is admitted that should not be.
            let finding = !matches!(p["verdict"].as_str(), Some("closed" | "authorized only"));
            match p["reach_reason"].as_str() {
                _ if !finding => {}
                Some(reason) => println!("    reach: {}: {reason}", p["reach"].as_str().unwrap_or("")),
                None => println!("    reach: {}", p["reach"].as_str().unwrap_or("")),
            }
            if let Some(line) = p["via_text"].as_str().filter(|l| finding && !l.is_empty()) {
                println!("    via:   {line}");
            }
            for piece in p["pieces"].as_array().into_iter().flatten() {
                print_piece("", piece);
            }
            for piece in p["denied"].as_array().into_iter().flatten() {
                print_piece("denied ", piece);
            }
            for u in p["unknown"].as_array().into_iter().flatten() {
                println!("    unknown: {}", u.as_str().unwrap_or(""));
            }
        }
        println!();
    }
}

/// One line: the sources, where the rule is, what it says, its layer.
fn print_piece(prefix: &str, piece: &Value) {
    let src: Vec<&str> =
        piece["sources"].as_array().map(|a| a.iter().filter_map(Value::as_str).collect()).unwrap_or_default();
    let head = format!("{prefix}{}", src.join(", "));
    println!(
        "    {:<24} {}:{}  {} [{}]",
        head,
        piece["file"].as_str().unwrap_or(""),
        piece["line"],
        piece["rule"].as_str().unwrap_or(""),
        piece["layer"].as_str().unwrap_or("")
    );
}
