//! `explain` as Markdown: one table row per target and port (verdict,
//! what is admitted), then per target the rule lines that admit each part,
//! folded. The document is `explain --format json`'s (docs/json.md,
//! "explain"), read field by field.

use crate::markdown::{code, text};
use crate::{position, ReportError};
use serde_json::Value;
use std::fmt::Write as _;
use std::io::{self, Write};

fn str_of<'v>(v: &'v Value, key: &str) -> &'v str {
    v[key].as_str().unwrap_or("")
}

fn strings(v: &Value) -> Vec<&str> {
    v.as_array().map(|a| a.iter().filter_map(Value::as_str).collect()).unwrap_or_default()
}

fn number(v: &Value, key: &str) -> u32 {
    v[key].as_u64().and_then(|n| u32::try_from(n).ok()).unwrap_or(0)
}

/// `sources — where: rule [layer]` for one piece of an answer.
fn piece(p: &Value, denied: bool, out: &mut String) {
    let sources: Vec<String> = strings(&p["sources"]).into_iter().map(code).collect();
    let _ = writeln!(
        out,
        "- {}{} — {} {} \\[{}\\]",
        if denied { "denied " } else { "" },
        sources.join(", "),
        code(&position(str_of(p, "file"), number(p, "line"), number(p, "column"))),
        text(str_of(p, "rule")),
        text(str_of(p, "layer"))
    );
}

/// Writes the explanation of `targets` and the input errors.
pub fn markdown(targets: &[Value], errors: &[ReportError], out: &mut dyn Write) -> io::Result<()> {
    let mut md = format!(
        "### portcullis explain\n\n{} target{}{}\n\n",
        targets.len(),
        if targets.len() == 1 { "" } else { "s" },
        match errors.len() {
            0 => String::new(),
            1 => ", 1 input error".to_string(),
            n => format!(", {n} input errors"),
        }
    );
    if !targets.is_empty() {
        md.push_str("| target | kind | port | verdict | admits |\n|---|---|---|---|---|\n");
        for t in targets {
            for p in t["ports"].as_array().into_iter().flatten() {
                let admitted = strings(&p["admitted"]);
                let admits = if admitted.is_empty() {
                    "nothing".to_string()
                } else {
                    admitted.iter().map(|a| code(a)).collect::<Vec<_>>().join(", ")
                };
                let _ = writeln!(
                    md,
                    "| {} | {} | {}/{} | {} | {admits} |",
                    code(str_of(t, "target")),
                    text(str_of(t, "kind")),
                    text(str_of(p, "protocol")),
                    p["port"],
                    text(str_of(p, "verdict"))
                );
            }
        }
        md.push('\n');
        for t in targets {
            let _ = writeln!(
                md,
                "<details>\n<summary>{} {} ({})</summary>\n",
                crate::html::escape(str_of(t, "kind")),
                crate::html::escape(str_of(t, "target")),
                crate::html::escape(&position(str_of(t, "file"), number(t, "line"), number(t, "column")))
            );
            let path: Vec<String> = strings(&t["path"]).into_iter().map(code).collect();
            if !path.is_empty() {
                let _ = writeln!(md, "path: {}\n", path.join(" → "));
            }
            for p in t["ports"].as_array().into_iter().flatten() {
                let _ =
                    writeln!(md, "**{}/{}**: {}\n", text(str_of(p, "protocol")), p["port"], text(str_of(p, "verdict")));
                for piece_value in p["pieces"].as_array().into_iter().flatten() {
                    piece(piece_value, false, &mut md);
                }
                for piece_value in p["denied"].as_array().into_iter().flatten() {
                    piece(piece_value, true, &mut md);
                }
                for u in strings(&p["unknown"]) {
                    let _ = writeln!(md, "- unknown: {}", text(u));
                }
                md.push('\n');
            }
            md.push_str("</details>\n\n");
        }
    }
    if !errors.is_empty() {
        md.push_str("#### Input errors\n\n");
        for e in errors {
            let _ = writeln!(md, "- {}: {}", code(&position(&e.file, e.line, e.column)), text(&e.message));
        }
        md.push('\n');
    }
    out.write_all(md.as_bytes())
}
