//! The version 1 JSON contract (DESIGN.md): `{"version": 1, "findings":
//! […], "errors": […]}`. Findings arrive sorted; serde keeps field order, so
//! the same input prints the same bytes. Compared against a baseline,
//! `findings` are the new ones and `fixed` lists the baseline entries no
//! longer found.

use crate::baseline::BaselineEntry;
use crate::{Emitter, Report, ReportError};
use portcullis_rules::Finding;
use serde::Serialize;
use std::io::{self, Write};

#[derive(Serialize)]
struct Envelope<'a> {
    version: u32,
    findings: &'a [Finding],
    errors: &'a [ReportError],
    #[serde(skip_serializing_if = "Option::is_none")]
    fixed: Option<&'a [BaselineEntry]>,
}

pub struct Json;

/// Findings serialized per parallel batch; bounds the memory held at once.
const WINDOW: usize = 8192;

/// One array element at depth 2, as `to_writer_pretty` would print it
/// there: serialized alone, then every line indented by two levels (JSON
/// strings escape newlines, so lines are exactly the structure's lines).
fn element<T: Serialize>(item: &T, buf: &mut Vec<u8>) -> io::Result<()> {
    let text = serde_json::to_vec_pretty(item).map_err(io::Error::other)?;
    for (i, line) in text.split(|&b| b == b'\n').enumerate() {
        if i > 0 {
            buf.push(b'\n');
        }
        buf.extend_from_slice(b"    ");
        buf.extend_from_slice(line);
    }
    Ok(())
}

impl Emitter for Json {
    fn emit(&self, report: &Report, out: &mut dyn Write) -> io::Result<()> {
        // Small reports: serde prints the envelope in one go.
        if report.findings.len() < WINDOW {
            let env = Envelope {
                version: 1,
                findings: report.findings,
                errors: report.errors,
                fixed: report.baseline.map(|b| b.fixed),
            };
            serde_json::to_writer_pretty(&mut *out, &env).map_err(io::Error::other)?;
            return writeln!(out);
        }
        // Large ones (a 50k-group account prints 140k findings): the same
        // bytes, with the findings serialized on every core, a window at a
        // time.
        use rayon::prelude::*;
        out.write_all(b"{\n  \"version\": 1,\n  \"findings\": [\n")?;
        for (w, window) in report.findings.chunks(WINDOW).enumerate() {
            let parts: Vec<io::Result<Vec<u8>>> = window
                .par_chunks(512)
                .map(|chunk| {
                    let mut buf = Vec::with_capacity(chunk.len() * 1024);
                    for (i, f) in chunk.iter().enumerate() {
                        if i > 0 {
                            buf.extend_from_slice(b",\n");
                        }
                        element(f, &mut buf)?;
                    }
                    Ok(buf)
                })
                .collect();
            for (i, part) in parts.into_iter().enumerate() {
                if w > 0 || i > 0 {
                    out.write_all(b",\n")?;
                }
                out.write_all(&part?)?;
            }
        }
        out.write_all(b"\n  ],\n  \"errors\": ")?;
        array(report.errors, out)?;
        if let Some(b) = report.baseline {
            out.write_all(b",\n  \"fixed\": ")?;
            array(b.fixed, out)?;
        }
        out.write_all(b"\n}\n")
    }
}

/// A top-level array member's value, as `to_writer_pretty` prints it.
fn array<T: Serialize>(items: &[T], out: &mut dyn Write) -> io::Result<()> {
    if items.is_empty() {
        return out.write_all(b"[]");
    }
    out.write_all(b"[\n")?;
    let mut buf = Vec::new();
    for (i, e) in items.iter().enumerate() {
        if i > 0 {
            buf.extend_from_slice(b",\n");
        }
        element(e, &mut buf)?;
    }
    out.write_all(&buf)?;
    out.write_all(b"\n  ]")
}
